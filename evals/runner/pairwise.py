"""The pairwise stage: after generation, a pairwise judge compares two backends' answers to the
same sample, in both orders, and the verdicts go to `pairwise.jsonl`.

The per-sample scoring stage sees one backend's answer at a time, so a scorer that compares
backends (`Scorer.compares_backends`) runs here instead, from the journal: in the run's own
process once every answer is in, and again under `run-eval rescore`. Judge calls go through the
run's Caller like every other call (cache, limits, retries, budget), with each comparison's
spend recorded in its record. The file is rewritten whole each time: it is a function of the
journal, and judge answers already cached cost nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.rundata import ErrorInfo, MediaRef, PairwiseRecord, PairwiseVerdict, SampleRecord, ScorerCalls
from evals.rundir import MediaStore
from evals.runner.scoring import ScoreOutcome, ScoringStage
from evals.scorers.judge import JudgeScorer
from evals.scoring import MediaItem, ScoreInput, Scorer, ScorerFailed, ScoringContext
from evals.secrets import scrub


@dataclass(frozen=True)
class PairwisePlan:
    """One task's pairwise scorers and its backends, in the run's order."""

    scorers: Sequence[Scorer]
    backends: Sequence[str]


def pairwise_plans(tasks: Mapping[str, tuple[Sequence[Scorer], Sequence[str]]]) -> dict[str, PairwisePlan]:
    """The tasks that have a pairwise scorer, with those scorers only."""
    plans = {}
    for name, (scorers, backends) in tasks.items():
        chosen = [s for s in scorers if s.compares_backends]
        if chosen:
            plans[name] = PairwisePlan(chosen, list(backends))
    return plans


def _media_item(media: MediaStore, ref: MediaRef) -> MediaItem:
    """A journaled medium, read from the run's store, else from where it was read (when its
    bytes still match the journaled hash)."""

    def load() -> bytes:
        data = media.read(ref)
        if data is None and ref.path:
            try:
                candidate = Path(ref.path).read_bytes()
            except OSError:
                candidate = None
            if candidate is not None and hashlib.sha256(candidate).hexdigest() == ref.sha256:
                data = candidate
        if data is None:
            raise ScorerFailed(f"{ref.kind} {ref.name or ''} is no longer available to score".strip())
        return data

    return MediaItem(ref.kind, ref.mime, ref.sha256, ref.name, load)


def record_input(media: MediaStore, record: SampleRecord) -> ScoreInput:
    """What a scorer sees of a journaled answer."""
    return ScoreInput(
        task=record.task,
        backend=record.backend,
        sample_id=record.sample_id,
        prediction=record.prediction or "",
        targets=list(record.targets),
        choices=list(record.choices) if record.choices is not None else None,
        metadata=record.metadata,
        outputs=[_media_item(media, ref) for ref in record.outputs],
        inputs=[_media_item(media, ref) for ref in record.inputs],
        prompt=record.prompt,
    )


async def run_pairwise(
    scoring: ScoringStage,
    plans: Mapping[str, PairwisePlan],
    records: Sequence[SampleRecord],
    media: MediaStore,
    *,
    concurrency: int = 16,
) -> list[PairwiseRecord]:
    """Every comparison of every pairwise scorer, in a stable order (task, scorer, pair, sample,
    judge)."""
    answers: dict[str, dict[str, dict[str, SampleRecord]]] = defaultdict(lambda: defaultdict(dict))
    for record in records:
        if record.task in plans and record.status == "ok":
            answers[record.task][record.sample_id][record.backend] = record
    limit = asyncio.Semaphore(max(1, concurrency))
    jobs = []
    for task, plan in plans.items():
        for scorer in plan.scorers:
            if not isinstance(scorer, JudgeScorer):
                continue
            for a, b in scorer.pairs_of(plan.backends):
                for sample_id in sorted(answers[task]):
                    both = answers[task][sample_id]
                    if a in both and b in both:
                        for judge in scorer.judge_names:
                            jobs.append(_compare(scoring, scorer, both[a], both[b], judge, media, limit))
    return list(await asyncio.gather(*jobs))


async def _compare(
    scoring: ScoringStage,
    scorer: JudgeScorer,
    a: SampleRecord,
    b: SampleRecord,
    judge: str,
    media: MediaStore,
    limit: asyncio.Semaphore,
) -> PairwiseRecord:
    outcome = ScoreOutcome()
    context = ScoringContext(caller=scoring.ledger_caller(scorer.name, outcome))
    async with limit:
        try:
            found = await scorer.compare(record_input(media, a), record_input(media, b), judge, context)
        except Exception as exc:  # a scorer bug must not stop the run: recorded as this pair's error
            error = ErrorInfo(kind="internal", message=scrub(f"{type(exc).__name__}: {exc}")[:500])
            found = PairwiseRecord(
                task=a.task,
                scorer=scorer.name,
                judge=judge,
                sample_id=a.sample_id,
                backend_a=a.backend,
                backend_b=b.backend,
                a_first=PairwiseVerdict(error=error),
                b_first=PairwiseVerdict(error=error),
                calls=ScorerCalls(backend=judge),
            )
    found.calls = outcome.calls.get(scorer.name, ScorerCalls(backend=judge))
    return found
