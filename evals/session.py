"""One run from start to finish: plan, run directory, journal, cache, runner, summary.

`start_run` begins a new run from an assembled config (evals/assembly.py); `resume_run`
continues one from its run.json and journal, sending nothing for samples already journaled.
run.json says "finished" only once summary.json and samples.parquet are written: a crash while
they are written leaves "finalizing", and `--resume` completes it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from evals.assembly import ConfigRequest, assemble_resume
from evals.cache import ResponseCache, default_cache_dir
from evals.config import RunConfig
from evals.console import error_examples, messages, print_summary
from evals.errors import EXIT_ERROR_RATE, EXIT_OK, InputError
from evals.estimate import check_budget, estimate_plan
from evals.finalize import finalize
from evals.journal import JournalWriter, Key
from evals.plan import Plan, make_plan
from evals.pricing import configure_pricing
from evals.rundata import SCHEMA_VERSION, Attempt, RunInfo, SampleRecord, Summary
from evals.rundir import RunDir, git_commit, package_versions
from evals.runner.calls import Budget, Caller
from evals.runner.engine import Runner, RunStats
from evals.runner.pairwise import pairwise_plans, run_pairwise
from evals.runner.progress import ProgressBoard
from evals.runner.scoring import ScoringStage
from evals.task.loader import check_before_run

log = logging.getLogger(__name__)


@dataclass
class RunOptions:
    """How to run (where to write, the cache, output); what to run is the config."""

    reports: Path = Path("reports")
    out: Path | None = None
    use_cache: bool = True
    cache_dir: Path | None = None
    refresh_cache: bool = False
    retry_errors: bool = False
    progress: bool | None = None
    quiet: bool = False
    console: Console = field(default_factory=messages)
    # Where engine work runs: this machine's process pools, or Ray actors (docs/scale.md).
    executor: str = "local"
    ray_address: str | None = None


@dataclass
class RunOutcome:
    rundir: RunDir
    summary: Summary
    stats: RunStats
    exit_code: int


def _spent_so_far(records: list[SampleRecord]) -> float:
    model = sum(r.cost_usd or 0.0 for r in records if not r.cached)
    judges = sum(c.spent_usd for r in records for c in r.scorer_calls.values())
    return float(model + judges)


def _done_keys(records: list[SampleRecord], retry_errors: bool) -> set[Key]:
    final = ("ok",) if retry_errors else ("ok", "error")
    latest = {r.key: r for r in records}
    return {key for key, r in latest.items() if r.status in final}


def _prepare(config: RunConfig, base: Path, records: list[SampleRecord], options: RunOptions) -> Plan:
    """Prices, the plan, and the budget check: all before anything is sent.

    With a budget, the estimate of what is left to send must fit in what is left of it.
    """
    configure_pricing([base / p for p in config.pricing] or None)
    plan = make_plan(config, base)
    for task in plan.tasks:  # bad rows and templates are refused here, not half-way through
        check_before_run(task)
    if config.budget_usd is not None:
        skip = _done_keys(records, options.retry_errors)
        estimate = estimate_plan(plan, limit=config.limit, shard=config.shard, skip=skip)
        check_budget(estimate, config.budget_usd - _spent_so_far(records))
    return plan


def _already_a_run(path: Path) -> InputError:
    return InputError(
        "this folder already holds a run",
        file=str(path),
        fix=f"continue it with --resume {path}, or choose another --out",
    )


def _open_cache(options: RunOptions) -> ResponseCache | None:
    """The response cache, opened before anything is written (a bad --cache-dir is exit 2)."""
    return ResponseCache(options.cache_dir or default_cache_dir()) if options.use_cache else None


def _check_folder(path: Path, flag: str) -> None:
    """A folder the run will write: not a file, and writable where it exists."""
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is None:
        return
    if not existing.is_dir():
        raise InputError(
            "is a file, not a folder", file=str(existing), field=flag, fix=f"give {flag} a folder path"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(
            "this folder cannot be written",
            file=str(existing),
            field=flag,
            fix=f"give {flag} a writable folder",
        )


def start_run(config: RunConfig, base: Path, options: RunOptions) -> RunOutcome:
    plan = _prepare(config, base, [], options)
    _check_folder(
        options.out if options.out is not None else options.reports, "--out" if options.out else "--reports"
    )
    cache = _open_cache(options)
    remote = _place_engines(plan, options)  # a cluster that cannot be joined leaves no run behind
    if options.out is not None:
        if (options.out / "run.json").exists():
            raise _already_a_run(options.out)
        options.out.mkdir(parents=True, exist_ok=True)
        rundir = RunDir(options.out)
    else:
        rundir = RunDir.create(options.reports, config.name)
    rundir.lock()
    try:
        if rundir.run_file.exists():  # another process started a run here since the check above
            raise _already_a_run(rundir.path)
        rundir.write_info(
            RunInfo(
                run_id=rundir.path.name,
                name=config.name,
                status="running",
                started_at=time.time(),
                config=config.model_dump(mode="json"),
                config_base=str(base.resolve()),
                seed=config.seed,
                tasks=plan.describe_tasks(),
                backends=plan.describe_backends(),
                versions=package_versions(),
                git_commit=git_commit(Path(__file__).parent),
            )
        )
        return _execute(plan, rundir, options, records=[], cache=cache, remote=remote)
    finally:
        rundir.unlock()


def resume_run(path: Path, options: RunOptions, request: ConfigRequest | None = None) -> RunOutcome:
    rundir = RunDir.existing(path)
    rundir.lock()
    try:
        if rundir.schema_version != SCHEMA_VERSION:
            raise InputError(
                f"this run was written with run schema {rundir.schema_version}; it can be read "
                f"(report, compare, gate, load_run) but not continued by this version",
                file=str(rundir.run_file),
                fix="finish it with the version that started it, or start a new run",
            )
        info = rundir.read_info()
        config = assemble_resume(RunConfig.model_validate(info.config), request or ConfigRequest())
        records = rundir.all_records()
        plan = _prepare(config, Path(info.config_base or "."), records, options)
        before = {t.name: t for t in info.tasks}
        for task in plan.describe_tasks():
            old = before.get(task.name)
            if old is None or old.sha256 != task.sha256:
                raise InputError(
                    f"task {task.name!r} changed since this run started",
                    file=task.path,
                    fix="results would mix two versions of the task: start a new run instead",
                )
        cache = _open_cache(options)
        remote = _place_engines(plan, options)
        rundir.update_info(config=config.model_dump(mode="json"), status="running")
        return _execute(plan, rundir, options, records=records, cache=cache, remote=remote)
    finally:
        rundir.unlock()


def _execute(
    plan: Plan,
    rundir: RunDir,
    options: RunOptions,
    records: list[SampleRecord],
    cache: ResponseCache | None,
    remote: set[str],
) -> RunOutcome:
    config = plan.config
    done = _done_keys(records, options.retry_errors)
    for backend in plan.all_backends.values():
        backend.bind_run(rundir.path)  # batch mode keeps its batch ids in the run directory
    journal = JournalWriter(rundir.journal)
    progress = ProgressBoard(enabled=False if options.quiet else options.progress, console=options.console)
    caller = Caller(
        plan.all_backends,
        cache=cache,
        refresh_cache=options.refresh_cache,
        budget=Budget(config.budget_usd, _spent_so_far(records)),
        seed=config.seed,
        remote=remote,
    )
    runner = Runner(
        plan.tasks,
        plan.backends,
        plan.pairs,
        journal,
        done,
        caller=caller,
        scoring=ScoringStage(caller, plan.judges),
        media=rundir.media,
        progress=progress,
        limit=config.limit,
        shard=config.shard,
        seed=config.seed,
    )
    started = time.time()
    # The attempt is recorded as it starts: one killed (SIGKILL, power loss) keeps its entry,
    # marked "killed" by the next attempt (the run directory's lock says no writer is alive).
    info = rundir.read_info()
    earlier = [
        a.model_copy(update={"status": "killed"}) if a.status == "running" else a for a in info.attempts
    ]
    rundir.update_info(attempts=[*earlier, Attempt(started_at=started)])
    status = "failed"
    try:
        with progress:
            asyncio.run(_run_and_close(runner, plan, rundir))
        status = "finalizing"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        journal.close()
        if cache is not None:
            cache.close()
        if options.executor == "ray":
            from evals.runner.ray_executor import disconnect

            disconnect()
        stats = runner.stats
        attempt = Attempt(
            started_at=started,
            finished_at=time.time(),
            status="finished" if status == "finalizing" else status,
            requests=stats.requests,
            cache_hits=stats.cache_hits,
            journaled=stats.journaled,
            skipped=stats.skipped,
            not_run=stats.not_run,
            judge_requests=stats.judge_requests,
        )
        rundir.update_info(status=status, finished_at=time.time(), attempts=[*earlier, attempt])
    for name in sorted(runner.stats.unknown_cost):
        log.warning("backend %s: no price for its model in the pricing table; cost is unknown", name)
    # Marks the run finished once summary.json and parquet exist. With the response cache on,
    # plots drawn from the same inputs before are reused from beside it (a cached re-run).
    plot_cache = cache.folder if cache is not None else None
    summary = finalize(rundir, plot_cache=plot_cache)
    if not options.quiet:
        print_summary(summary, title=f"run {rundir.path.name}")
    options.console.print(f"run directory: {rundir.path}")
    worst = max((c.error_rate for c in summary.cells), default=0.0)
    code = EXIT_ERROR_RATE if worst > config.max_error_rate else EXIT_OK
    if code == EXIT_ERROR_RATE:
        options.console.print(
            f"[red]error rate {worst:.1%} is above max_error_rate {config.max_error_rate:.1%}[/]"
        )
        options.console.print("errors by kind:", soft_wrap=True)
        for line in error_examples(rundir.records()):
            options.console.print(escape(line), soft_wrap=True, highlight=False)
    return RunOutcome(rundir, summary, runner.stats, code)


def _place_engines(plan: Plan, options: RunOptions) -> set[str]:
    """With --executor ray, engines as Ray actors: the backends whose work runs on the cluster.
    (Imported only here: a run without Ray never imports it.)"""
    if options.executor != "ray":
        return set()
    from evals.runner.ray_executor import start

    placement = start(plan.all_backends, options.ray_address)
    placed = ", ".join(
        f"{name} {actors}×({cpus:g} CPU{f', {gpus:g} GPU' if gpus else ''})"
        for name, (actors, cpus, gpus) in sorted(placement.actors.items())
    )
    options.console.print(f"Ray cluster {placement.address}: {placed or 'no engine backends to place'}")
    return placement.remote


async def _run_and_close(runner: Runner, plan: Plan, rundir: RunDir) -> None:
    try:
        await runner.run()
        await _judge_pairs(runner, plan, rundir)
    finally:
        for backend in plan.all_backends.values():
            await backend.aclose()


async def _judge_pairs(runner: Runner, plan: Plan, rundir: RunDir) -> None:
    """Pairwise judges compare the backends' answers once every answer is journaled."""
    plans = pairwise_plans({t.name: (t.scorers, plan.pairs.get(t.name, [])) for t in plan.tasks})
    if plans:
        found = await run_pairwise(runner.scoring, plans, rundir.records(), rundir.media)
        rundir.write_pairwise(found)
