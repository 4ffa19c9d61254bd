"""`run-eval merge RUN_DIR… --out DIR`: join shards of one run into one run directory."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from evals.cli.main import Handler
from evals.console import messages, print_summary
from evals.errors import EXIT_OK
from evals.merge import merge_runs


def add(parser: argparse.ArgumentParser) -> Handler:
    parser.add_argument(
        "run_dirs", nargs="+", type=Path, metavar="RUN_DIR", help="finished shard run directories"
    )
    parser.add_argument("--out", type=Path, required=True, help="the merged run directory to create")
    parser.add_argument("--quiet", action="store_true", help="no summary table")
    return handle


def handle(args: argparse.Namespace) -> int:
    outcome = merge_runs(list(args.run_dirs), args.out)
    if not args.quiet:
        print_summary(outcome.summary, title=f"merged {outcome.rundir.path.name}")
    err = messages()
    err.print(
        f"merged {len(outcome.shards)} shards ({', '.join(outcome.shards)}), {outcome.samples} journal lines"
    )
    if outcome.missing:
        err.print(
            f"[yellow]shards not given: {', '.join(map(str, outcome.missing))} (their samples are missing)[/]"
        )
    err.print(f"run directory: {escape(str(outcome.rundir.path))}")
    return EXIT_OK
