"""`run-eval report RUN_DIR`: write report.md, report.html and plots/ for a run directory."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from evals.cli.main import Handler
from evals.errors import EXIT_OK, InputError
from evals.finalize import latest_records
from evals.rundir import RunDir


def add(parser: argparse.ArgumentParser) -> Handler:
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run directory (with run.json)")
    parser.add_argument("--out", type=Path, help="write the report here instead of into RUN_DIR")
    parser.add_argument(
        "--samples", type=int, default=5, metavar="K", help="worst and surprising samples shown per task (5)"
    )
    parser.add_argument("--no-media", action="store_true", help="no image or audio previews in the HTML")
    parser.add_argument("--no-plots", action="store_true", help="tables only: draw no plots")
    parser.add_argument(
        "--recompute",
        action="store_true",
        help="recompute the summary from the journal instead of reading summary.json (not rewritten)",
    )
    return handle


def _summary(
    rundir: RunDir, run: dict[str, Any], records: list[dict[str, Any]], recompute: bool
) -> dict[str, Any]:
    if rundir.summary_file.exists() and not recompute:
        try:
            data = json.loads(rundir.summary_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(
                f"cannot read summary.json: {exc}", file=str(rundir.summary_file), fix="pass --recompute"
            ) from exc
        if not isinstance(data, dict):
            raise InputError(
                "summary.json is not an object", file=str(rundir.summary_file), fix="pass --recompute"
            )
        return data
    from evals.aggregate import summarize

    return summarize(run, records)


def handle(args: argparse.Namespace) -> int:
    from evals.report import ReportOptions, write_report

    if args.samples < 0:
        raise InputError("must be 0 or more", field="--samples", fix="--samples 5")
    rundir = RunDir.existing(args.run_dir)
    in_place = args.out is None
    if in_place:
        # A run writing this directory writes its own report when it finishes; one written now
        # from the summary of that moment could land after it and leave a stale report behind.
        rundir.lock()
    try:
        run = rundir.read_run()
        records = latest_records(rundir)
        summary = _summary(rundir, run, records, args.recompute)
        options = ReportOptions(
            samples_per_task=args.samples, media=not args.no_media, plots=not args.no_plots
        )
        written = write_report(args.out or rundir.path, run, summary, records, options)
    finally:
        rundir.unlock()
    out = Console(highlight=False)
    for path in written[:2]:
        out.print(f"wrote {escape(str(path))}")
    if len(written) > 2:
        out.print(f"wrote {len(written) - 2} plots in {escape(str(written[2].parent))}")
    return EXIT_OK
