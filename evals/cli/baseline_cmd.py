"""`run-eval baseline save RUN_DIR PATH` and `run-eval baseline show PATH`.

A baseline is the compact form of a run that a repository commits for `run-eval gate`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from evals.baseline import baseline_document, from_run_dir, load_scores, save_baseline
from evals.cli.main import Handler
from evals.console import messages
from evals.errors import EXIT_OK
from evals.terminal import Table, output


def add(parser: argparse.ArgumentParser) -> Handler:
    actions = parser.add_subparsers(dest="baseline_action", metavar="ACTION", required=True)
    save = actions.add_parser("save", help="write a baseline file from a run directory")
    save.add_argument("run", type=Path, metavar="RUN_DIR")
    save.add_argument("path", type=Path, metavar="PATH", help="baseline file to write (.json or .json.gz)")
    save.add_argument("--predictions", action="store_true", help="keep predictions and references too")
    save.add_argument("--tasks", help="comma-separated task names or glob patterns to keep")
    save.add_argument("--backends", help="comma-separated backend names or glob patterns to keep")
    show = actions.add_parser("show", help="describe a baseline file (or a run directory)")
    show.add_argument("path", type=Path, metavar="PATH")
    return handle


def _split(text: str | None) -> list[str] | None:
    return [p.strip() for p in text.split(",") if p.strip()] if text else None


def handle(args: argparse.Namespace) -> int:
    err = messages()
    if args.baseline_action == "save":
        scores = from_run_dir(args.run)
        document = baseline_document(
            scores,
            predictions=args.predictions,
            tasks=_split(args.tasks),
            backends=_split(args.backends),
        )
        if scores.identity.status != "finished":
            err.print(
                f"[yellow]warning:[/] the run's status is {scores.identity.status!r}, not "
                "'finished': samples it did not reach will be reported as missing by the gate"
            )
        save_baseline(document, args.path)
        count = f"{len(document.samples)} samples in {len(document.cells)} cells"
        err.print(f"baseline of {count} written to {escape(str(args.path))}")
        return EXIT_OK
    scores = load_scores(args.path)
    table = Table(title=f"{scores.label} ({scores.origin})")
    for column in ("task", "backend", "samples", "ok", "errors", "metrics"):
        table.add_column(column)
    for task, backend in scores.cell_keys():
        samples = scores.samples.get((task, backend), {})
        ok = sum(1 for s in samples.values() if s.status == "ok")
        errors = sum(1 for s in samples.values() if s.status == "error")
        metrics = ", ".join(m.name for m in scores.tasks[task].metrics)
        table.add_row(escape(task), escape(backend), str(len(samples)), str(ok), str(errors), escape(metrics))
    output().print(table)
    return EXIT_OK
