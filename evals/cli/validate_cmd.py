"""`run-eval validate PATH…`: check task files and run configs without running anything."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from evals.cli.main import Handler
from evals.config import load_config, locate_in_config
from evals.console import messages
from evals.errors import EXIT_BAD_INPUT, EXIT_OK, InputError
from evals.plan import make_plan
from evals.task.loader import check_media_files, check_task, load_task
from evals.terminal import output
from evals.yamlfile import load_yaml


def add(parser: argparse.ArgumentParser) -> Handler:
    parser.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="task or run-config files, or folders"
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"check the media files of the first {QUICK_ROWS} samples only"
    )
    return handle


QUICK_ROWS = 100


def _files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        out.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return out


def validate_file(path: Path, *, quick: bool = False) -> str:
    """Check one file; return a one-line description, or raise InputError."""
    data, _ = load_yaml(path)
    if isinstance(data, dict) and "rules" in data and "backends" not in data:
        from evals.gate import load_rules

        rules = load_rules(path)
        return f"gate rules: {len(rules.model.rules)} rules"
    if isinstance(data, dict) and "models" in data and "currency" in data:
        from evals.pricing import PricingTable

        table = PricingTable.load([path])
        return f"pricing: {len(table.prices)} models"
    if isinstance(data, dict) and "backends" in data:
        config = load_config(path)
        plan = make_plan(config, path.parent, check_backends=False)
        pairs = sum(len(v) for v in plan.pairs.values())
        counts = f"{len(plan.tasks)} tasks, {len(plan.backends)} backends, {pairs} pairs"
        return f"run config {config.name!r}: {counts}"
    task = load_task(path)
    check_task(task)
    checked, problems = check_media_files(task, limit=QUICK_ROWS if quick else None)
    if problems:
        raise InputError(
            f"{len(problems)} media file(s) cannot be used (a run records each as that sample's "
            f"media error); the first: {problems[0]}",
            file=str(path),
            field="dataset",
            fix="fix or replace those files, or drop their rows",
        )
    media = f"; media of {checked} samples checked" if checked and task.spec.dataset.media_columns else ""
    return f"task {task.name!r} ({task.spec.kind}): metrics {', '.join(m.name for m in task.metrics)}{media}"


def handle(args: argparse.Namespace) -> int:
    out = output()
    err = messages()
    failed = 0
    files = _files(args.paths)
    if not files:
        raise InputError("no YAML files found", field="PATH", fix="give task files or folders of them")
    for path in files:
        try:
            described = validate_file(path, quick=args.quick)
            out.print(f"[green]ok[/] {escape(str(path))}: {escape(described)}", soft_wrap=True)
        except InputError as exc:
            failed += 1
            locate_in_config(exc, path)
            err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
    return EXIT_BAD_INPUT if failed else EXIT_OK
