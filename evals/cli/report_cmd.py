"""`run-eval report RUN_DIR`: write report.md, report.html and plots/ for a run directory."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from evals.aggregate import summarize
from evals.cli.main import Handler
from evals.errors import EXIT_OK, InputError
from evals.report import ReportOptions, write_report
from evals.rundata import RunInfo, SampleRecord, Summary
from evals.rundir import RunDir
from evals.terminal import output


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


def _summary(rundir: RunDir, run: RunInfo, records: list[SampleRecord], recompute: bool) -> Summary:
    summary = None if recompute else rundir.read_summary()
    return summary if summary is not None else summarize(run, records)


def handle(args: argparse.Namespace) -> int:
    if args.samples < 0:
        raise InputError("must be 0 or more", field="--samples", fix="--samples 5")
    rundir = RunDir.existing(args.run_dir)
    in_place = args.out is None
    if in_place:
        # A run writing this directory writes its own report when it finishes; one written now
        # from the summary of that moment could land after it and leave a stale report behind.
        rundir.lock()
    try:
        run = rundir.read_info()
        records = rundir.records()
        summary = _summary(rundir, run, records, args.recompute)
        options = ReportOptions(
            samples_per_task=args.samples, media=not args.no_media, plots=not args.no_plots
        )
        written = write_report(args.out or rundir.path, run, summary, records, options, media=rundir.media)
    finally:
        rundir.unlock()
    out = output()
    for path in written[:2]:
        out.print(f"wrote {escape(str(path))}")
    if len(written) > 2:
        out.print(f"wrote {len(written) - 2} plots in {escape(str(written[2].parent))}")
    return EXIT_OK
