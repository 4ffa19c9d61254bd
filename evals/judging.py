"""The judges' part of summary.json: for every judge scorer of a task, who judged with which
rubric, what it cost, how far it can be trusted, the pairwise win-rate matrix, and the samples
where judges disagreed.

Trust figures:
- against human labels, when the task keeps a `human_score` (or, for pass_fail, `human_pass`)
  metadata field: quadratic-weighted Cohen's kappa and Spearman's correlation for scores on a
  scale; accuracy and Cohen's kappa for pass/fail; for pairwise, a `human_preference` field
  naming the better backend (or "tie"): accuracy and Cohen's kappa of the judge's outcome.
- between judges, when a scorer lists several (`judges: [a, b]`): Krippendorff's alpha
  (ordinal for scores and pairwise outcomes, nominal for pass/fail).
- pairwise position consistency: the share of comparisons whose verdict survived the swap.
Every figure has a 95% bootstrap interval over the judged items (evals/agreement.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from evals.agreement import AlphaLevel, PairedName, alpha_interval, paired_interval
from evals.rundata import (
    AgreementFigure,
    JudgeDisagreement,
    JudgingSummary,
    PairwiseRecord,
    RunInfo,
    SampleRecord,
    ScorerCalls,
    ScorerDecl,
    TaskInfo,
    WinRate,
)
from evals.scorers.judge import JUDGE_SCORERS
from evals.stats import Interval, bootstrap_mean, seed_for

MAX_DISAGREEMENTS = 20
_PASS_WORDS = {"pass": 1.0, "true": 1.0, "yes": 1.0, "fail": 0.0, "false": 0.0, "no": 0.0}
_OUTCOME_CODE = {"a": 0.0, "tie": 1.0, "b": 2.0}


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _figure(statistic: str, interval: Interval, **where: str | None) -> AgreementFigure:
    return AgreementFigure(
        statistic=statistic,
        value=_finite(interval.value),
        ci_low=_finite(interval.low),
        ci_high=_finite(interval.high),
        n=interval.n,
        **where,
    )


def human_label(value: object, *, binary: bool) -> float | None:
    """A human label as a number: scores as they are; pass/fail words as 1/0."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float) and np.isfinite(value):
        return float(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if binary and text in _PASS_WORDS:
            return _PASS_WORDS[text]
        try:
            return float(text)
        except ValueError:
            return None
    return None


def _judge_values(record: SampleRecord, scorer: str) -> dict[str, float | None]:
    """Each judge's verdict on one answer (None: unreadable)."""
    verdicts = (record.details.get(scorer) or {}).get("verdicts")
    found: dict[str, float | None] = {}
    if isinstance(verdicts, dict):
        for judge, verdict in verdicts.items():
            value = verdict.get("value") if isinstance(verdict, dict) else None
            found[judge] = float(value) if isinstance(value, int | float) else None
    return found


def _spend(calls: Iterable[ScorerCalls]) -> tuple[int, int, float | None]:
    count = cached = 0
    cost: float | None = 0.0
    for c in calls:
        count += c.calls
        cached += c.cached
        cost = None if cost is None or c.cost_usd is None else cost + c.cost_usd
    return count, cached, cost


def summarize_judging(
    run: RunInfo, records: Sequence[SampleRecord], pairwise: Sequence[PairwiseRecord]
) -> list[JudgingSummary]:
    """One entry per judge scorer of every task of the run."""
    by_task: dict[str, list[SampleRecord]] = defaultdict(list)
    for record in records:
        by_task[record.task].append(record)
    compared: dict[tuple[str, str], list[PairwiseRecord]] = defaultdict(list)
    for found in pairwise:
        compared[(found.task, found.scorer)].append(found)
    models = {b.name: b.model for b in run.backends if b.role == "judge"}
    out = []
    for task in run.tasks:
        for decl in task.scorers:
            if decl.name not in JUDGE_SCORERS:
                continue
            mode = str(
                decl.options.get("mode") or ("pairwise" if decl.name == "judge_pairwise" else "pointwise")
            )
            summary = JudgingSummary(
                task=task.name,
                scorer=decl.name,
                mode=mode,
                rubric=str(decl.options.get("resolved_rubric") or decl.options.get("rubric") or "") or None,
                judges=list(decl.calls),
                models={j: models.get(j) for j in decl.calls},
            )
            if mode == "pairwise":
                _fill_pairwise(summary, run, task, compared.get((task.name, decl.name), []))
            else:
                _fill_pointwise(
                    summary, run, task, decl, sorted(by_task[task.name], key=lambda r: r.sample_id)
                )
            out.append(summary)
    return out


# ---- per-answer judges (pointwise, pass_fail, reference) --------------------------------------


def _fill_pointwise(
    summary: JudgingSummary, run: RunInfo, task: TaskInfo, decl: ScorerDecl, records: list[SampleRecord]
) -> None:
    name = decl.name
    ok = [r for r in records if r.status == "ok"]
    summary.calls, summary.cached, summary.cost_usd = _spend(
        r.scorer_calls[name] for r in ok if name in r.scorer_calls
    )
    summary.scored = sum(1 for r in ok if name not in r.scorer_errors and _judge_values(r, name))
    summary.verdict_errors = sum(1 for r in ok if name in r.scorer_errors)
    binary = summary.mode == "pass_fail"
    label_field = "human_pass" if binary and any("human_pass" in r.metadata for r in ok) else "human_score"
    values = {(r.backend, r.sample_id): _judge_values(r, name) for r in ok}
    humans = {(r.backend, r.sample_id): human_label(r.metadata.get(label_field), binary=binary) for r in ok}
    seed = (run.seed, task.name, name)
    for backend in dict.fromkeys(r.backend for r in ok):
        for judge in summary.judges:
            judged: list[float] = []
            human: list[float] = []
            for key, given in values.items():
                mine, label = given.get(judge), humans[key]
                if key[0] == backend and mine is not None and label is not None:
                    judged.append(mine)
                    human.append(label)
            if not judged:
                continue
            figures: tuple[PairedName, ...] = (
                ("accuracy", "cohen_kappa") if binary else ("weighted_kappa", "spearman")
            )
            for statistic in figures:
                interval = paired_interval(
                    statistic, judged, human, seed=seed_for(*seed, statistic, judge, backend)
                )
                summary.agreement.append(
                    _figure(statistic, interval, judge=judge, backend=backend, note=f"against {label_field}")
                )
    if len(summary.judges) > 1:
        keys = list(values)
        matrix = np.array(
            [[np.nan if values[k].get(j) is None else values[k][j] for k in keys] for j in summary.judges],
            dtype=np.float64,
        )
        level: AlphaLevel = "nominal" if binary else "ordinal"
        interval = alpha_interval(matrix, level=level, seed=seed_for(*seed, "alpha"))
        summary.agreement.append(
            _figure("krippendorff_alpha", interval, against="judges", note=f"{level}, {len(keys)} answers")
        )
    summary.disagreements = _disagreements(values, humans, summary.judges, binary)


def _disagreements(
    values: dict[tuple[str, str], dict[str, float | None]],
    humans: dict[tuple[str, str], float | None],
    judges: list[str],
    binary: bool,
) -> list[JudgeDisagreement]:
    """Answers whose judges differ (by 2 points or more on a scale, at all for pass/fail), or
    whose judge differs from the human label as much; the widest first."""
    gap = 1.0 if binary else 2.0
    found: list[tuple[float, JudgeDisagreement]] = []
    for key, verdicts in values.items():
        given = {j: verdicts.get(j) for j in judges}
        numbers = [v for v in given.values() if v is not None]
        human = humans.get(key)
        if human is not None:
            numbers.append(human)
        if len(numbers) < 2 or max(numbers) - min(numbers) < gap:
            continue
        shown: dict[str, float | str | None] = dict(given)
        if human is not None:
            shown["human"] = human
        found.append(
            (max(numbers) - min(numbers), JudgeDisagreement(sample_id=key[1], backend=key[0], values=shown))
        )
    found.sort(key=lambda item: (-item[0], item[1].sample_id, item[1].backend))
    return [d for _, d in found[:MAX_DISAGREEMENTS]]


# ---- pairwise ---------------------------------------------------------------------------------


def _fill_pairwise(
    summary: JudgingSummary, run: RunInfo, task: TaskInfo, found: list[PairwiseRecord]
) -> None:
    summary.calls, summary.cached, summary.cost_usd = _spend(r.calls for r in found)
    summary.scored = sum(1 for r in found if r.outcome is not None)
    summary.verdict_errors = sum(1 for r in found if r.outcome is None)
    seed = (run.seed, task.name, summary.scorer)
    checked = [r.consistent for r in found if r.consistent is not None]
    summary.position_consistency = float(np.mean(checked)) if checked else None
    by_pair: dict[tuple[str, str], list[PairwiseRecord]] = defaultdict(list)
    for r in found:
        by_pair[(r.backend_a, r.backend_b)].append(r)
    for (a, b), group in by_pair.items():
        decided = [r for r in group if r.outcome is not None]
        points = [{"a": 1.0, "tie": 0.5, "b": 0.0}[r.outcome] for r in decided if r.outcome]
        interval = bootstrap_mean(points, seed=seed_for(*seed, a, b))
        pair_checked = [r.consistent for r in group if r.consistent is not None]
        summary.win_rates.append(
            WinRate(
                backend_a=a,
                backend_b=b,
                n=len(decided),
                wins=sum(1 for r in decided if r.outcome == "a"),
                losses=sum(1 for r in decided if r.outcome == "b"),
                ties=sum(1 for r in decided if r.outcome == "tie"),
                win_rate=_finite(interval.value),
                ci_low=_finite(interval.low),
                ci_high=_finite(interval.high),
                position_consistency=float(np.mean(pair_checked)) if pair_checked else None,
                errors=len(group) - len(decided),
            )
        )
    for judge in summary.judges:
        labelled = [
            (r, _preferred(r))
            for r in found
            if r.judge == judge and r.outcome is not None and r.human_preference
        ]
        labelled = [(r, p) for r, p in labelled if r.human_preference in (r.backend_a, r.backend_b, "tie")]
        if not labelled:
            continue
        judged = [_OUTCOME_CODE[_as_outcome(r, p)] for r, p in labelled]
        human = [_OUTCOME_CODE[_as_outcome(r, r.human_preference or "")] for r, _ in labelled]
        pair_figures: tuple[PairedName, ...] = ("accuracy", "cohen_kappa")
        for statistic in pair_figures:
            interval = paired_interval(statistic, judged, human, seed=seed_for(*seed, statistic, judge))
            summary.agreement.append(
                _figure(statistic, interval, judge=judge, note="against human_preference")
            )
    if len(summary.judges) > 1:
        units = sorted({(r.backend_a, r.backend_b, r.sample_id) for r in found})
        given = {(r.judge, r.backend_a, r.backend_b, r.sample_id): r.outcome for r in found}
        matrix = np.array(
            [[_OUTCOME_CODE.get(given.get((j, *u)) or "", np.nan) for u in units] for j in summary.judges],
            dtype=np.float64,
        )
        interval = alpha_interval(matrix, level="ordinal", seed=seed_for(*seed, "alpha"))
        summary.agreement.append(
            _figure(
                "krippendorff_alpha", interval, against="judges", note=f"ordinal, {len(units)} comparisons"
            )
        )
        for u in units:
            outcomes = {j: given.get((j, *u)) for j in summary.judges}
            if (
                len({o for o in outcomes.values() if o is not None}) > 1
                and len(summary.disagreements) < MAX_DISAGREEMENTS
            ):
                shown: dict[str, float | str | None] = {j: _winner_name(u, o) for j, o in outcomes.items()}
                summary.disagreements.append(
                    JudgeDisagreement(sample_id=u[2], backend=f"{u[0]} vs {u[1]}", values=shown)
                )


def _preferred(record: PairwiseRecord) -> str:
    """The judge's outcome as a backend name (or "tie")."""
    return _winner_name((record.backend_a, record.backend_b, record.sample_id), record.outcome) or "tie"


def _winner_name(unit: tuple[str, str, str], outcome: str | None) -> str | None:
    return {"a": unit[0], "b": unit[1], "tie": "tie"}.get(outcome or "")


def _as_outcome(record: PairwiseRecord, preferred: str) -> str:
    if preferred == record.backend_a:
        return "a"
    if preferred == record.backend_b:
        return "b"
    return "tie"
