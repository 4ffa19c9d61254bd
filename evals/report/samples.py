"""The samples worth looking at: the worst, and the surprising (docs/reports.md).

On a task's headline metric, in its declared direction:
- *worst*: the lowest mean score over the judged backends (models and engines; the baselines
  only when nothing else ran), among samples that score below the task's best sample;
- *surprising*: samples where the best backend lost to a weaker one, i.e. a backend ranked
  below it scored better by at least a quarter of the metric's observed range (for a right/wrong
  metric: the best was wrong and a weaker one right), most upsets first; then samples where the
  best backend's answer was flagged by the scorer (e.g. `unparsed`). The journal holds no
  token probabilities, so "confident and wrong" cannot be measured and is not claimed.
A sample is shown once: a surprising sample is left out of the worst list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import JsonValue

from evals.report.ranking import TaskRanking
from evals.rundata import MediaRef, SampleRecord

SURPRISE_MARGIN = 0.25  # share of the metric's observed range a weaker backend must win by


@dataclass
class Answer:
    backend: str
    kind: str
    status: str
    prediction: str | None
    score: float | None
    error: str | None
    flags: list[str]
    outputs: list[MediaRef] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # judges' reasons, per scorer
    previews: list[Preview] = field(default_factory=list)  # of the outputs


@dataclass
class Preview:
    """A bounded rendering of one medium: an image (thumbnail or waveform) and maybe a clip."""

    kind: str
    image_uri: str | None = None
    audio_uri: str | None = None
    caption: str = ""


@dataclass
class SampleView:
    task: str
    sample_id: str
    reason: str  # "worst" | "surprising"
    why: str
    targets: list[str]
    metadata: dict[str, JsonValue]
    prompt: str | None
    media: list[MediaRef]
    answers: list[Answer]
    previews: list[Preview] = field(default_factory=list)


def _score(record: SampleRecord | None, metric: str) -> float | None:
    if record is None or record.status != "ok":
        return None
    return record.scores.get(metric)


def judge_reasons(record: SampleRecord) -> list[str]:
    """What judges said about the answer (their `reason` details), one line per scorer."""
    found = []
    for scorer, details in record.details.items():
        reason = details.get("reason")
        if isinstance(reason, str) and reason:
            found.append(f"{scorer}: {reason}")
    for scorer, error in record.scorer_errors.items():
        found.append(f"{scorer}: not scored ({error.kind}: {error.message})")
    return found


def _view(
    ranking: TaskRanking, sample_id: str, by_backend: dict[str, SampleRecord], reason: str, why: str
) -> SampleView:
    any_record = next(iter(by_backend.values()))
    metric = ranking.metric or ""
    answers = []
    for standing in ranking.standings:
        record = by_backend.get(standing.backend)
        if record is None:
            continue
        error = record.error
        answers.append(
            Answer(
                backend=standing.backend,
                kind=standing.kind,
                status=record.status,
                prediction=record.prediction,
                score=_score(record, metric),
                error=f"{error.kind}: {error.message}" if error else None,
                flags=list(record.flags),
                outputs=list(record.outputs),
                reasons=judge_reasons(record),
            )
        )
    return SampleView(
        task=ranking.task,
        sample_id=sample_id,
        reason=reason,
        why=why,
        targets=list(any_record.targets),
        metadata=dict(any_record.metadata),
        prompt=any_record.prompt,
        media=list(any_record.inputs),
        answers=answers,
    )


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def select_samples(
    ranking: TaskRanking, records: Iterable[SampleRecord], k: int = 5
) -> tuple[list[SampleView], list[SampleView]]:
    """(worst, surprising) for one task, at most `k` of each."""
    metric = ranking.metric
    if metric is None or k <= 0:
        return [], []
    sign = 1.0 if ranking.higher_is_better else -1.0
    samples: dict[str, dict[str, SampleRecord]] = {}
    for record in records:
        samples.setdefault(record.sample_id, {})[record.backend] = record
    judges = [s.backend for s in ranking.standings if not s.is_baseline] or [
        s.backend for s in ranking.standings
    ]
    goodness: dict[str, dict[str, float]] = {}
    for sample_id, by_backend in samples.items():
        scores = {b: _score(by_backend.get(b), metric) for b in judges}
        goodness[sample_id] = {b: sign * v for b, v in scores.items() if v is not None}
    surprising = _surprising(ranking, samples, goodness, k)
    shown = {v.sample_id for v in surprising}
    means = {s: sum(g.values()) / len(g) for s, g in goodness.items() if g and s not in shown}
    ceiling = max((sum(g.values()) / len(g) for g in goodness.values() if g), default=0.0)
    worst_ids = sorted((s for s, m in means.items() if m < ceiling), key=lambda s: (means[s], s))[:k]
    worst = [_view(ranking, s, samples[s], "worst", _mean_text(metric, goodness[s], sign)) for s in worst_ids]
    return worst, surprising


def _mean_text(metric: str, scores: dict[str, float], sign: float) -> str:
    mean = sign * sum(scores.values()) / len(scores)
    if len(scores) == 1:
        return f"{metric} of {next(iter(scores))}: {_fmt(mean)}"
    return f"mean {metric} over {len(scores)} backends: {_fmt(mean)}"


def _surprising(
    ranking: TaskRanking,
    samples: dict[str, dict[str, SampleRecord]],
    goodness: dict[str, dict[str, float]],
    k: int,
) -> list[SampleView]:
    best = ranking.best
    metric = ranking.metric or ""
    if best is None:
        return []
    sign = 1.0 if ranking.higher_is_better else -1.0
    values = [v for g in goodness.values() for v in g.values()]
    spread = (max(values) - min(values)) if values else 0.0
    margin = SURPRISE_MARGIN * spread
    assert best.value is not None  # only a backend with a value is crowned
    weaker = [
        s.backend for s in ranking.standings if s.value is not None and sign * s.value < sign * best.value
    ]
    upsets: list[tuple[int, float, str, str]] = []
    flagged: list[str] = []
    for sample_id, scores in goodness.items():
        if best.backend not in scores:
            continue
        mine = scores[best.backend]
        winners = [(b, scores[b] - mine) for b in weaker if b in scores and scores[b] - mine >= margin > 0]
        if winners:
            names = ", ".join(b for b, _ in winners)
            why = (
                f"best backend {best.backend} scored {_fmt(sign * mine)} on {metric}; "
                f"weaker {names} scored better"
            )
            upsets.append((-len(winners), -max(g for _, g in winners), sample_id, why))
        elif (found := samples[sample_id].get(best.backend)) is not None and found.flags:
            flagged.append(sample_id)
    upsets.sort()
    views = [_view(ranking, s, samples[s], "surprising", why) for _, _, s, why in upsets[:k]]
    for sample_id in sorted(flagged)[: max(0, k - len(views))]:
        flags = ", ".join(samples[sample_id][best.backend].flags)
        why = f"the answer of best backend {best.backend} was flagged: {flags}"
        views.append(_view(ranking, sample_id, samples[sample_id], "surprising", why))
    return views
