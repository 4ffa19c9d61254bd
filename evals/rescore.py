"""`run-eval rescore`: score a finished run again, with changed or added scorers, without sending
one request to the models under test.

The journal already holds every answer (and the run directory every produced medium), so the
scoring stage runs again on those. Scorers that call a judge go through the same cache, limits,
retries and budget as in a run: a judge answer already cached costs nothing. The task file is
read as it is now (a changed rubric is the point), but its requests must be the ones the run
sent: a changed prompt, dataset or generation setting is refused (that needs a new run).
"""

from __future__ import annotations

import asyncio
import fnmatch
import hashlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from evals.backends.base import Backend
from evals.cache import ResponseCache, default_cache_dir
from evals.config import RunConfig, load_config
from evals.errors import InputError
from evals.finalize import finalize
from evals.journal import write_journal
from evals.plan import build_backend, describe_backend, request_hash
from evals.pricing import configure_pricing
from evals.rundata import (
    MetricDecl,
    PairwiseRecord,
    RunInfo,
    SampleRecord,
    ScorerDecl,
    Summary,
    TaskInfo,
)
from evals.rundir import MEDIA_DIR, RunDir
from evals.runner.calls import Budget, Caller
from evals.runner.pairwise import pairwise_plans, record_input, run_pairwise
from evals.runner.scoring import ScoringStage
from evals.scoring import Scorer, build_scorer
from evals.task.loader import Task, load_task, with_perturbations


@dataclass
class RescoreOptions:
    scorers: list[str] | None = None  # names to (re)compute; None: every scorer of the task file
    tasks: list[str] | None = None  # glob patterns; None: every task
    out: Path | None = None  # a new run directory; None: in place
    config: Path | None = None  # a run config whose judges (and prices) to use
    use_cache: bool = True
    cache_dir: Path | None = None
    budget_usd: float | None = None


@dataclass
class RescoreOutcome:
    rundir: RunDir
    summary: Summary
    samples: int = 0
    scorers: dict[str, list[str]] = field(default_factory=dict)  # task → scorers recomputed
    judge_requests: int = 0
    judge_cache_hits: int = 0
    scorer_errors: int = 0


def _selected(name: str, patterns: list[str] | None) -> bool:
    return patterns is None or any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _load_current_task(info: TaskInfo, perturb: object = None) -> Task:
    if not info.path or not Path(info.path).is_file():
        raise InputError(
            f"task {info.name!r}: its file is gone",
            file=info.path,
            fix="restore the task file the run used (run.json names it)",
        )
    task = load_task(Path(info.path))
    if isinstance(perturb, dict) and perturb:  # the run config's perturbations (docs/robustness.md)
        task = with_perturbations(task, perturb, strict=False)
    if info.request_sha256 is not None and request_hash(task) != info.request_sha256:
        raise InputError(
            f"task {info.name!r} now sends different requests than this run did (its prompt, "
            "dataset or generation settings changed)",
            file=info.path,
            fix="rescore changes scorers only: undo that change, or start a new run",
        )
    return task


def _chosen_scorers(task: Task, names: list[str] | None) -> list[Scorer]:
    """The task file's scorers, or the named ones (from the task file when it lists them, else
    with their default options)."""
    if names is None:
        return list(task.scorers)
    by_name = {s.name: s for s in task.scorers}
    return [by_name[name] if name in by_name else build_scorer(name) for name in names]


def _judges(run: RunInfo, config_path: Path | None) -> tuple[dict[str, Backend], list[str]]:
    if config_path is not None:
        config = load_config(config_path)
        base = config_path.parent
    else:
        config = RunConfig.model_validate(run.config)
        base = Path(run.config_base or ".")
    configure_pricing([base / p for p in config.pricing] or None)
    judges: dict[str, Backend] = {}
    for judge in config.judges:
        backend = build_backend(judge, section="judges")
        backend.check()
        judges[judge.name] = backend
    return judges, sorted(judges)


def _replace_scores(
    record: SampleRecord,
    old_metrics: dict[str, list[str]],
    scorers: list[Scorer],
    outcome_scores: SampleRecord,
) -> SampleRecord:
    """The record with the recomputed scorers' results in place of their old ones."""
    names = {s.name for s in scorers}
    dropped_metrics = {m for s in names for m in old_metrics.get(s, [])}
    dropped_metrics |= {m.name for s in scorers for m in s.metrics}
    scores = {k: v for k, v in record.scores.items() if k not in dropped_metrics}
    scores.update(outcome_scores.scores)
    details = {k: v for k, v in record.details.items() if k not in names}
    details.update(outcome_scores.details)
    errors = {k: v for k, v in record.scorer_errors.items() if k not in names}
    errors.update(outcome_scores.scorer_errors)
    calls = {k: v for k, v in record.scorer_calls.items() if k not in names}
    calls.update(outcome_scores.scorer_calls)
    flags = list(dict.fromkeys([*record.flags, *outcome_scores.flags]))
    return record.model_copy(
        update={
            "scores": scores,
            "details": details,
            "scorer_errors": errors,
            "scorer_calls": calls,
            "flags": flags,
        }
    )


def _task_declarations(old: TaskInfo, task: Task, recomputed: list[Scorer]) -> TaskInfo:
    """run.json's view of the task after rescoring: the old scorers that were kept, then the
    recomputed ones, in the task file's order where it lists them."""
    recomputed_names = [s.name for s in recomputed]
    kept_decls = [d for d in old.scorers if d.name not in recomputed_names]
    kept_metrics = [m for m in old.metrics if m.scorer not in recomputed_names]
    new_decls = [ScorerDecl(name=s.name, options=s.options_record(), calls=s.calls()) for s in recomputed]
    new_metrics: list[MetricDecl] = [
        m.model_copy(update={"scorer": s.name}) for s in recomputed for m in s.metrics
    ]
    order = {s.name: i for i, s in enumerate(task.scorers)}

    def rank(name: str) -> int:
        return order.get(name, len(order))

    decls = sorted([*kept_decls, *new_decls], key=lambda d: rank(d.name))
    metrics = sorted([*kept_metrics, *new_metrics], key=lambda m: rank(m.scorer))
    sha = hashlib.sha256(task.path.read_bytes()).hexdigest() if task.path else old.sha256
    return old.model_copy(update={"scorers": decls, "metrics": metrics, "sha256": sha})


def _target_dir(source: RunDir, out: Path | None) -> RunDir:
    if out is None:
        return source
    if (out / "run.json").exists():
        raise InputError("this folder already holds a run", file=str(out), fix="choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    media = source.path / MEDIA_DIR
    if media.is_dir():
        target = out / MEDIA_DIR
        target.mkdir(exist_ok=True)
        for item in media.iterdir():
            destination = target / item.name
            if destination.exists():
                continue
            try:
                os.link(item, destination)  # same bytes, no copy, when on one filesystem
            except OSError:
                shutil.copy2(item, destination)
    return RunDir(out)


def rescore(
    path: Path, options: RescoreOptions, progress: Callable[[str], None] | None = None
) -> RescoreOutcome:
    source = RunDir.existing(path)
    source.lock()
    try:
        run = source.read_info()
        if run.status in ("running", "finalizing"):
            raise InputError(
                f"the run's status is {run.status!r}",
                file=str(source.run_file),
                fix=f"finish it first with run-eval run --resume {path}",
            )
        records = source.records()
        chosen = [t for t in run.tasks if _selected(t.name, options.tasks)]
        if not chosen:
            raise InputError(
                "no task of the run matches --task",
                field="--task",
                fix=f"the run's tasks are: {', '.join(t.name for t in run.tasks)}",
            )
        perturb = run.config.get("perturb")
        tasks = {info.name: _load_current_task(info, perturb) for info in chosen}
        plans = {name: _chosen_scorers(task, options.scorers) for name, task in tasks.items()}
        judges, judge_names = _judges(run, options.config)
        for name, scorers in plans.items():
            for scorer in scorers:
                for wanted in scorer.calls():
                    if wanted not in judges:
                        raise InputError(
                            f"task {name!r}: scorer {scorer.name!r} calls judge {wanted!r}, which is not "
                            f"configured (judges: {', '.join(judge_names) or 'none'})",
                            field="judges",
                            fix="add it under judges: in a run config and pass it with --config CONFIG.yaml",
                        )
        target = _target_dir(source, options.out)
        outcome = asyncio.run(_rescore_records(source, run, records, tasks, plans, judges, options))
        new_records, stats = outcome
        new_tasks = [
            _task_declarations(t, tasks[t.name], plans[t.name]) if t.name in tasks else t for t in run.tasks
        ]
        new_run = run.model_copy(
            update={
                "tasks": new_tasks,
                "rescored_at": time.time(),
                "run_id": target.path.name if options.out else run.run_id,
                "backends": [
                    *[b for b in run.backends if b.role == "model"],
                    *[b for b in run.backends if b.role == "judge" and b.name not in judges],
                    *[describe_backend(b, "judge") for b in judges.values()],
                ],
            }
        )
        if options.out is not None:
            target.lock()
        try:
            target.write_info(new_run)
            write_journal(target.journal, new_records)
            _write_pairwise(source, target, stats.pairwise, plans)
            summary = finalize(target)
        finally:
            if options.out is not None:
                target.unlock()
    finally:
        source.unlock()
    return RescoreOutcome(
        rundir=target,
        summary=summary,
        samples=stats.samples,
        scorers={name: [s.name for s in scorers] for name, scorers in plans.items()},
        judge_requests=stats.judge_requests,
        judge_cache_hits=stats.judge_cache_hits,
        scorer_errors=stats.scorer_errors,
    )


@dataclass
class _Stats:
    samples: int = 0
    judge_requests: int = 0
    judge_cache_hits: int = 0
    scorer_errors: int = 0
    pairwise: list[PairwiseRecord] | None = None  # None: no pairwise scorer was recomputed


async def _rescore_records(
    rundir: RunDir,
    run: RunInfo,
    records: list[SampleRecord],
    tasks: dict[str, Task],
    plans: dict[str, list[Scorer]],
    judges: dict[str, Backend],
    options: RescoreOptions,
) -> tuple[list[SampleRecord], _Stats]:
    cache = ResponseCache(options.cache_dir or default_cache_dir()) if options.use_cache else None
    caller = Caller(judges, cache=cache, budget=Budget(options.budget_usd), seed=run.seed)
    stage = ScoringStage(caller, judges)
    old_metrics = {
        t.name: {d.name: [m.name for m in t.metrics if m.scorer == d.name] for d in t.scorers}
        for t in run.tasks
    }
    stats = _Stats()
    limit = asyncio.Semaphore(max(8, sum(b.concurrency for b in judges.values()) * 2))

    async def one(record: SampleRecord) -> SampleRecord:
        scorers = plans.get(record.task)
        if scorers is None or record.status != "ok":
            return record
        async with limit:
            scored = await stage.score(scorers, record_input(rundir.media, record), seed=run.seed)
        stats.samples += 1
        update = SampleRecord(
            task=record.task,
            backend=record.backend,
            sample_id=record.sample_id,
            status="ok",
            scores=scored.scores,
            details=scored.details,
            flags=scored.flags,
            scorer_errors=scored.errors,
            scorer_calls=scored.calls,
        )
        return _replace_scores(record, old_metrics.get(record.task, {}), scorers, update)

    try:
        rescored = await asyncio.gather(*(one(r) for r in records))
        order = {t.name: t.backends for t in run.tasks}
        pairwise = pairwise_plans({name: (scorers, order.get(name, [])) for name, scorers in plans.items()})
        if pairwise:
            stats.pairwise = await run_pairwise(stage, pairwise, list(rescored), rundir.media)
    finally:
        for backend in judges.values():
            await backend.aclose()
        if cache is not None:
            cache.close()
    stats.judge_requests = stage.stats.judge_requests
    stats.judge_cache_hits = stage.stats.judge_cache_hits
    stats.scorer_errors = stage.stats.scorer_errors
    return list(rescored), stats


def _write_pairwise(
    source: RunDir, target: RunDir, found: list[PairwiseRecord] | None, plans: dict[str, list[Scorer]]
) -> None:
    """pairwise.jsonl after rescoring: the recomputed comparisons in place of the old ones of
    the same task and scorer; the others kept as they were."""
    old = source.read_pairwise()
    if found is None and target is source:
        return
    redone = {(t, s.name) for t, scorers in plans.items() for s in scorers if s.compares_backends}
    kept = [r for r in old if (r.task, r.scorer) not in redone]
    records = [*kept, *(found or [])]
    if records or target.pairwise_file.exists():
        target.write_pairwise(records)
