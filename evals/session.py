"""One run from start to finish: plan, run directory, journal, cache, runner, summary.

`start_run` begins a new run; `resume_run` continues one from its run.json and journal, sending
nothing for samples already journaled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from evals.cache import ResponseCache, default_cache_dir
from evals.config import RunConfig
from evals.console import print_summary
from evals.data.samples import Shard
from evals.errors import EXIT_ERROR_RATE, EXIT_OK, InputError
from evals.estimate import check_budget, estimate_plan
from evals.finalize import finalize
from evals.journal import JournalWriter, Key, latest, read_journal
from evals.plan import Plan, make_plan
from evals.pricing import configure_pricing
from evals.rundir import RunDir, git_commit, package_versions
from evals.runner.engine import Budget, Runner, RunStats
from evals.runner.progress import ProgressBoard
from evals.task.loader import check_before_run

log = logging.getLogger(__name__)


@dataclass
class RunOptions:
    reports: Path = Path("reports")
    out: Path | None = None
    use_cache: bool = True
    cache_dir: Path | None = None
    refresh_cache: bool = False
    retry_errors: bool = False
    limit: int | None = None
    shard: str | None = None
    budget_usd: float | None = None
    concurrency: int | None = None
    progress: bool | None = None
    quiet: bool = False
    console: Console = field(default_factory=lambda: Console(stderr=True))


@dataclass
class RunOutcome:
    rundir: RunDir
    summary: dict[str, Any]
    stats: RunStats
    exit_code: int


def apply_overrides(config: RunConfig, options: RunOptions) -> RunConfig:
    update: dict[str, Any] = {}
    if options.limit is not None:
        update["limit"] = options.limit
    if options.shard is not None:
        update["shard"] = options.shard
    if options.budget_usd is not None:
        update["budget_usd"] = options.budget_usd
    if options.concurrency is not None:
        update["backends"] = [
            b.model_copy(update={"concurrency": options.concurrency}) for b in config.backends
        ]
    data = config.model_dump(mode="json") | {
        k: (v if k != "backends" else [b.model_dump(mode="json") for b in v]) for k, v in update.items()
    }
    return RunConfig.model_validate(data)


def _spent_so_far(records: list[dict[str, Any]]) -> float:
    return float(sum(r.get("cost_usd") or 0.0 for r in records if not r.get("cached")))


def _done_keys(records: list[dict[str, Any]], retry_errors: bool) -> set[Key]:
    final = ("ok",) if retry_errors else ("ok", "error")
    return {key for key, r in latest(records).items() if r["status"] in final}


def _prepare(config: RunConfig, base: Path, records: list[dict[str, Any]], options: RunOptions) -> Plan:
    """Prices, the plan, and the budget check: all before anything is sent.

    With a budget, the estimate of what is left to send must fit in what is left of it.
    """
    configure_pricing([base / p for p in config.pricing] or None)
    plan = make_plan(config, base)
    for task in plan.tasks:  # bad rows and templates are refused here, not half-way through
        check_before_run(task)
    if config.budget_usd is not None:
        shard = Shard.parse(config.shard) if config.shard else None
        skip = _done_keys(records, options.retry_errors)
        estimate = estimate_plan(plan, limit=config.limit, shard=shard, skip=skip)
        check_budget(estimate, config.budget_usd - _spent_so_far(records))
    return plan


def start_run(config: RunConfig, base: Path, options: RunOptions) -> RunOutcome:
    config = apply_overrides(config, options)
    plan = _prepare(config, base, [], options)
    if options.out is not None:
        if (options.out / "run.json").exists():
            raise InputError(
                "this folder already holds a run",
                file=str(options.out),
                fix=f"continue it with --resume {options.out}, or choose another --out",
            )
        options.out.mkdir(parents=True, exist_ok=True)
        rundir = RunDir(options.out)
    else:
        rundir = RunDir.create(options.reports, config.name)
    rundir.lock()
    try:
        if rundir.run_file.exists():  # another process started a run here since the check above
            raise InputError(
                "this folder already holds a run",
                file=str(rundir.path),
                fix=f"continue it with --resume {rundir.path}, or choose another --out",
            )
        rundir.write_run(
            {
                "run_id": rundir.path.name,
                "name": config.name,
                "status": "running",
                "started_at": time.time(),
                "finished_at": None,
                "config": config.model_dump(mode="json"),
                "config_base": str(base.resolve()),
                "seed": config.seed,
                "tasks": plan.describe_tasks(),
                "backends": plan.describe_backends(),
                "versions": package_versions(),
                "git_commit": git_commit(Path(__file__).parent),
                "attempts": [],
            }
        )
        return _execute(plan, rundir, options, records=[])
    finally:
        rundir.unlock()


def resume_run(path: Path, options: RunOptions) -> RunOutcome:
    rundir = RunDir.existing(path)
    rundir.lock()
    try:
        run = rundir.read_run()
        config = apply_overrides(RunConfig.model_validate(run["config"]), options)
        records, _ = read_journal(rundir.journal)
        plan = _prepare(config, Path(run["config_base"]), records, options)
        before = {t["name"]: t for t in run.get("tasks", [])}
        for task in plan.describe_tasks():
            old = before.get(task["name"])
            if old is None or old.get("sha256") != task["sha256"]:
                raise InputError(
                    f"task {task['name']!r} changed since this run started",
                    file=task["path"],
                    fix="results would mix two versions of the task: start a new run instead",
                )
        rundir.update_run(config=config.model_dump(mode="json"), status="running")
        return _execute(plan, rundir, options, records=records)
    finally:
        rundir.unlock()


def _execute(plan: Plan, rundir: RunDir, options: RunOptions, records: list[dict[str, Any]]) -> RunOutcome:
    config = plan.config
    done = _done_keys(records, options.retry_errors)
    cache = None
    if options.use_cache:
        cache = ResponseCache(options.cache_dir or default_cache_dir())
    journal = JournalWriter(rundir.journal)
    progress = ProgressBoard(enabled=False if options.quiet else options.progress, console=options.console)
    runner = Runner(
        plan.tasks,
        plan.backends,
        plan.pairs,
        journal,
        done,
        cache=cache,
        refresh_cache=options.refresh_cache,
        progress=progress,
        budget=Budget(config.budget_usd, _spent_so_far(records)),
        limit=config.limit,
        shard=Shard.parse(config.shard) if config.shard else None,
        seed=config.seed,
    )
    started = time.time()
    status = "failed"
    # The attempt is recorded as it starts: one killed (SIGKILL, power loss) keeps its entry,
    # marked "killed" by the next attempt (the run directory's lock says no writer is alive).
    earlier = [
        {**a, "status": "killed"} if a.get("status") == "running" else a
        for a in rundir.read_run().get("attempts", [])
    ]
    rundir.update_run(attempts=[*earlier, {"started_at": started, "finished_at": None, "status": "running"}])
    try:
        with progress:
            asyncio.run(_run_and_close(runner, plan))
        status = "finished"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        journal.close()
        if cache is not None:
            cache.close()
        attempts = [
            *earlier,
            {
                "started_at": started,
                "finished_at": time.time(),
                "status": status,
                "requests": runner.stats.requests,
                "cache_hits": runner.stats.cache_hits,
                "journaled": runner.stats.journaled,
                "skipped": runner.stats.skipped,
                "not_run": runner.stats.not_run,
            },
        ]
        rundir.update_run(status=status, finished_at=time.time(), attempts=attempts)
    for name in sorted(runner.stats.unknown_cost):
        log.warning("backend %s: no price for its model in the pricing table; cost is unknown", name)
    summary = finalize(rundir)
    if not options.quiet:
        print_summary(summary, Console(), title=f"run {rundir.path.name}")
        options.console.print(f"run directory: {rundir.path}")
    worst = max((c["error_rate"] for c in summary["cells"]), default=0.0)
    code = EXIT_ERROR_RATE if worst > config.max_error_rate else EXIT_OK
    if code == EXIT_ERROR_RATE:
        options.console.print(
            f"[red]error rate {worst:.1%} is above max_error_rate {config.max_error_rate:.1%}[/]"
        )
    return RunOutcome(rundir, summary, runner.stats, code)


async def _run_and_close(runner: Runner, plan: Plan) -> None:
    try:
        await runner.run()
    finally:
        for backend in plan.backends.values():
            await backend.aclose()
