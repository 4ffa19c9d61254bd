"""`run-eval validate PATH…`: check task files and run configs without running anything."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from evals.cli.main import Handler
from evals.config import load_config, locate_in_config
from evals.console import messages
from evals.errors import EXIT_BAD_INPUT, EXIT_OK, InputError
from evals.plan import make_plan
from evals.task.loader import check_task, load_task
from evals.yamlfile import load_yaml


def add(parser: argparse.ArgumentParser) -> Handler:
    parser.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="task or run-config files, or folders"
    )
    return handle


def _files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        out.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return out


def validate_file(path: Path) -> str:
    """Check one file; return a one-line description, or raise InputError."""
    data, _ = load_yaml(path)
    if isinstance(data, dict) and "backends" in data:
        config = load_config(path)
        plan = make_plan(config, path.parent, check_backends=False)
        pairs = sum(len(v) for v in plan.pairs.values())
        counts = f"{len(plan.tasks)} tasks, {len(plan.backends)} backends, {pairs} pairs"
        return f"run config {config.name!r}: {counts}"
    task = load_task(path)
    check_task(task)
    return f"task {task.name!r} ({task.spec.kind}): metrics {', '.join(m.name for m in task.metrics)}"


def handle(args: argparse.Namespace) -> int:
    out = Console(highlight=False)
    err = messages()
    failed = 0
    files = _files(args.paths)
    if not files:
        raise InputError("no YAML files found", field="PATH", fix="give task files or folders of them")
    for path in files:
        try:
            out.print(f"[green]ok[/] {escape(str(path))}: {escape(validate_file(path))}", soft_wrap=True)
        except InputError as exc:
            failed += 1
            locate_in_config(exc, path)
            err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
    return EXIT_BAD_INPUT if failed else EXIT_OK
