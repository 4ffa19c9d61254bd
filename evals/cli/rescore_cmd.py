"""`run-eval rescore RUN_DIR`: score a finished run again without asking the models again."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from evals.cli.main import Handler
from evals.console import messages, print_summary
from evals.errors import EXIT_OK
from evals.rescore import RescoreOptions, rescore


def add(parser: argparse.ArgumentParser) -> Handler:
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a finished run directory")
    parser.add_argument(
        "--scorers",
        help="comma-separated scorers to (re)compute; a scorer the task file does not list is added with "
        "its default options (default: every scorer the task file lists now)",
    )
    parser.add_argument(
        "--task", action="append", metavar="PATTERN", help="only these tasks (glob; repeatable)"
    )
    parser.add_argument(
        "--out", type=Path, help="write a new run directory here instead of rescoring in place"
    )
    parser.add_argument("--config", type=Path, help="a run config whose judges: (and pricing) to use")
    parser.add_argument("--budget", type=float, metavar="USD", help="stop calling judges once this is spent")
    parser.add_argument("--cache-dir", type=Path, help="response cache folder (default: user cache dir)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument("--quiet", action="store_true", help="no summary table")
    return handle


def handle(args: argparse.Namespace) -> int:
    options = RescoreOptions(
        scorers=[s.strip() for s in args.scorers.split(",") if s.strip()] if args.scorers else None,
        tasks=args.task,
        out=args.out,
        config=args.config,
        use_cache=not args.no_cache,
        cache_dir=args.cache_dir,
        budget_usd=args.budget,
    )
    outcome = rescore(args.run_dir, options)
    err = messages()
    if not args.quiet:
        print_summary(outcome.summary, title=f"rescored {outcome.rundir.path.name}")
    scored = "; ".join(f"{task}: {', '.join(names)}" for task, names in outcome.scorers.items())
    err.print(
        f"rescored {outcome.samples} answers ({escape(scored)}); 0 requests to the models under test; "
        f"{outcome.judge_requests} judge requests, {outcome.judge_cache_hits} judge answers from the cache"
        + (f"; {outcome.scorer_errors} not scored (see the report's errors)" if outcome.scorer_errors else "")
    )
    err.print(f"run directory: {escape(str(outcome.rundir.path))}")
    return EXIT_OK
