"""`run-eval list`: tasks in tasks/, and the registered backends, scorers and generators."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from evals.backends.base import backend_registry
from evals.cli.main import Handler
from evals.config import PROJECT_ROOT
from evals.errors import InputError
from evals.generators import generator_registry
from evals.scoring import scorer_registry
from evals.task.loader import load_task


def add(parser: argparse.ArgumentParser) -> Handler:
    parser.add_argument(
        "what",
        nargs="?",
        choices=["tasks", "backends", "scorers", "generators"],
        help="list only this",
    )
    parser.add_argument("--tasks-dir", type=Path, help="folder of task files (default: tasks/)")
    return handle


def _tasks_table(folder: Path) -> Table:
    table = Table(title=f"tasks ({folder})", header_style="bold")
    for column in ("name", "kind", "metrics", "description"):
        table.add_column(column)
    for path in sorted(folder.glob("*.yaml")):
        try:
            task = load_task(path)
            metrics = ", ".join(m.name for m in task.metrics)
            table.add_row(task.name, task.spec.kind, metrics, task.spec.description.strip().split("\n")[0])
        except InputError as exc:
            table.add_row(path.stem, "[red]invalid[/]", "", str(exc))
    return table


def backend_status(cls: type) -> str:
    """installed, or what is missing: the SDK package, or every environment variable that could
    hold the key (checked the way a run checks them, without importing the SDK)."""
    import importlib.util
    import os

    module = getattr(cls, "sdk_module", "")
    if module:
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:
            found = False
        if not found:
            return f"missing package {getattr(cls, 'sdk_distribution', '') or module}"
    keys: tuple[str, ...] = getattr(cls, "key_env", ())
    if keys and getattr(cls, "key_required", True) and not any(os.environ.get(k) for k in keys):
        return f"missing key ({' or '.join(keys)})"
    return "installed"


def _backends_table() -> Table:
    table = Table(title="backends (entry points: evals.backends)", header_style="bold")
    for column in ("type", "kind", "accepts", "produces", "status"):
        table.add_column(column)
    for name in backend_registry.names():
        try:
            cls = backend_registry.get(name)
            table.add_row(
                name,
                cls.kind,
                ", ".join(sorted(cls.modalities)),
                ", ".join(sorted(cls.outputs)),
                backend_status(cls),
            )
        except Exception as exc:
            table.add_row(name, "", "", "", f"[red]cannot load: {exc}[/]")
    return table


def _names_table(title: str, names: list[str], describe: dict[str, str]) -> Table:
    table = Table(title=title, header_style="bold")
    table.add_column("name")
    table.add_column("description")
    for name in names:
        table.add_row(name, describe.get(name, ""))
    return table


def _doc(registry_get: object, name: str) -> str:
    try:
        cls = registry_get(name)  # type: ignore[operator]
    except Exception as exc:
        return f"cannot load: {exc}"
    return ((cls.__doc__ or "").strip().split("\n") or [""])[0]


def handle(args: argparse.Namespace) -> int:
    console = Console()
    show = args.what
    if show in (None, "tasks"):
        folder = args.tasks_dir or (
            Path.cwd() / "tasks" if (Path.cwd() / "tasks").is_dir() else PROJECT_ROOT / "tasks"
        )
        console.print(_tasks_table(folder))
    if show in (None, "backends"):
        console.print(_backends_table())
    if show in (None, "scorers"):
        names = scorer_registry.names()
        console.print(
            _names_table(
                "scorers (entry points: evals.scorers)",
                names,
                {n: _doc(scorer_registry.get, n) for n in names},
            )
        )
    if show in (None, "generators"):
        names = generator_registry.names()
        console.print(
            _names_table(
                "generators (entry points: evals.generators)",
                names,
                {n: _doc(generator_registry.get, n) for n in names},
            )
        )
    return 0
