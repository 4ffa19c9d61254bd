"""`run-eval list [SECTION|NAME]`: tasks, backends, scorers and generators, one line each;
`run-eval list NAME` shows everything about one of them."""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from evals.backends.base import Backend, backend_registry
from evals.cli.main import Handler
from evals.config import PROJECT_ROOT, resolve_task_path
from evals.errors import EXIT_OK, InputError
from evals.generators import generator_registry
from evals.registry import Registry
from evals.scoring import scorer_registry
from evals.task.loader import Task, load_task
from evals.terminal import Table, on_terminal, output

SECTIONS = ("tasks", "hub", "backends", "scorers", "generators")
# Off a terminal there is no width to fit; a description cut to this stays one readable line.
PLAIN_LINE = 160
NARROWEST_DESCRIPTION = 24


def add(parser: argparse.ArgumentParser) -> Handler:
    parser.add_argument(
        "what",
        nargs="?",
        metavar="SECTION|NAME",
        help=f"one section ({', '.join(SECTIONS)}), or the name of one item to show in full",
    )
    parser.add_argument("--tasks-dir", type=Path, help="folder of task files (default: tasks/)")
    return handle


# ---- short descriptions ----------------------------------------------------------------------


def first_sentence(text: str) -> str:
    """The first sentence of a description or docstring, on one line."""
    paragraph = re.split(r"\n\s*\n", text.strip(), maxsplit=1)[0]
    flat = " ".join(paragraph.split())
    return re.split(r"(?<=[.!?])\s+(?=[A-Z`(\"'])", flat, maxsplit=1)[0]


def fit(text: str, width: int) -> str:
    """`text` in at most `width` characters, cut at a word boundary (marked '…'), never mid-word."""
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    if space > 0:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—(") + "…"


def _doc(cls: type) -> str:
    """The class's docstring, else its module's (some classes are documented there)."""
    module = sys.modules.get(cls.__module__)
    return cls.__doc__ or (module.__doc__ if module is not None else None) or ""


def _metrics_text(names: list[str], shown: int = 3) -> str:
    """The first few headline metrics and how many more (per-part ones such as f1.total
    included), so the overview stays one line; `run-eval list TASK` has them all."""
    headline = [name for name in names if "." not in name]
    more = len(names) - min(len(headline), shown)
    return ", ".join(headline[:shown]) + (f" +{more} more" if more else "")


# ---- the overview: one line per item -----------------------------------------------------------


def _tasks_folder(args: argparse.Namespace) -> Path:
    if args.tasks_dir is not None:
        return Path(args.tasks_dir)
    here = Path.cwd() / "tasks"
    return here if here.is_dir() else PROJECT_ROOT / "tasks"


def _task_rows(folder: Path, prefix: str = "") -> list[tuple[list[str], str]]:
    rows = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            task = load_task(path)
        except InputError as exc:
            rows.append(([prefix + path.stem, "invalid", ""], str(exc)))
            continue
        metrics = _metrics_text([m.name for m in task.metrics])
        rows.append(([prefix + path.stem, task.spec.kind, metrics], task.spec.description))
    return rows


def backend_status(cls: type) -> str:
    """installed, or what is missing: the SDK package, or every environment variable that could
    hold the key (checked the way a run checks them, without importing the SDK)."""
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


def _backend_rows() -> list[tuple[list[str], str]]:
    rows = []
    for name in backend_registry.names():
        try:
            cls = backend_registry.get(name)
        except Exception as exc:  # a third-party entry point that does not import
            rows.append(([name, "", "", "", "cannot load"], str(exc)))
            continue
        accepts = ", ".join(sorted(cls.modalities))
        produces = ", ".join(sorted(cls.outputs))
        rows.append(([name, cls.kind, accepts, produces, backend_status(cls)], _doc(cls)))
    return rows


def _registry_rows(registry: Registry[object]) -> list[tuple[list[str], str]]:
    rows = []
    for name in registry.names():
        try:
            rows.append(([name], _doc(registry.get(name))))
        except Exception as exc:
            rows.append(([name], f"cannot load: {exc}"))
    return rows


def _section_table(
    title: str,
    columns: list[str],
    rows: list[tuple[list[str], str]],
    line: int,
    optional: tuple[str, ...] = (),
) -> Table:
    """One line per item: the short columns whole, the description's first sentence cut to
    what is left of the line. On a narrow terminal the `optional` columns go first (right to
    left), so rows stay one line; `run-eval list NAME` still shows them."""
    keep = list(range(len(columns)))
    widths = [max([len(column), *(len(fields[i]) for fields, _ in rows)]) for i, column in enumerate(columns)]

    def room() -> int:
        # Each column takes its width plus a space either side and one rule; the table two more.
        return line - sum(widths[i] + 3 for i in keep) - 4

    for name in reversed(optional):
        if room() >= NARROWEST_DESCRIPTION:
            break
        keep.remove(columns.index(name))
    table = Table(title=title, title_justify="left")
    for i in keep:
        table.add_column(columns[i])
    table.add_column("description")
    width = max(room(), NARROWEST_DESCRIPTION)
    for fields, description in rows:
        table.add_row(*(escape(fields[i]) for i in keep), escape(fit(first_sentence(description), width)))
    return table


def _overview(show: str | None, args: argparse.Namespace, console: Console) -> None:
    line = console.width if on_terminal(console) else PLAIN_LINE
    if show in (None, "tasks"):
        folder = _tasks_folder(args)
        rows = _task_rows(folder)
        columns = ["name", "kind", "metrics"]
        console.print(_section_table(f"tasks ({folder})", columns, rows, line, optional=("kind", "metrics")))
    hub = _tasks_folder(args) / "hub"
    if show == "hub":
        columns = ["name", "kind", "metrics"]
        rows = _task_rows(hub, prefix="hub/")
        console.print(_section_table(f"hub tasks ({hub})", columns, rows, line, optional=("kind", "metrics")))
    elif show is None and hub.is_dir():
        count = len(list(hub.glob("*.yaml")))
        console.print(
            f"+{count} hub tasks (datasets from the Hugging Face Hub): run-eval list hub", markup=False
        )
    if show in (None, "backends"):
        columns = ["type", "kind", "accepts", "produces", "status"]
        console.print(
            _section_table(
                "backends (entry points: evals.backends)",
                columns,
                _backend_rows(),
                line,
                optional=("kind", "accepts", "produces"),
            )
        )
    if show in (None, "scorers"):
        rows = _registry_rows(scorer_registry)  # type: ignore[arg-type]
        console.print(_section_table("scorers (entry points: evals.scorers)", ["name"], rows, line))
    if show in (None, "generators"):
        rows = _registry_rows(generator_registry)  # type: ignore[arg-type]
        console.print(_section_table("generators (entry points: evals.generators)", ["name"], rows, line))
    if show is None:
        console.print("Details of one: run-eval list NAME")


# ---- one item in full ------------------------------------------------------------------------


Details = list[tuple[str, str]]


def _dataset_text(task: Task) -> str:
    dataset = task.spec.dataset.model_dump(exclude_defaults=True)
    source = dataset.pop("source", "")
    where = dataset.get("path") or dataset.get("hub_id") or dataset.get("name") or ""
    extra = [f"split {dataset['split']}"] if dataset.get("split") else []
    extra += [f"revision {dataset['revision']}"] if dataset.get("revision") else []
    return " ".join([str(source), str(where), *(f"({e})" for e in extra)]).strip()


def _size_text(task: Task) -> str:
    try:
        count = task.count()
    except InputError as exc:
        return f"unknown ({exc.message})"
    return f"{count:,} samples" if count is not None else "known once read (hub or circular dataset)"


def task_details(path: Path) -> Details:
    task = load_task(path)
    spec = task.spec
    scorers = "; ".join(
        f"{scorer.name} ({', '.join(m.name for m in scorer.metrics)})" for scorer in task.scorers
    )
    details = [
        ("task", task.name),
        ("kind", spec.kind),
        ("description", " ".join(spec.description.split()) or "—"),
        ("dataset", _dataset_text(task)),
        ("size", _size_text(task)),
        ("scorers", scorers),
        ("metrics", ", ".join(m.name for m in task.metrics)),
    ]
    if spec.breakdowns:
        details.append(("breakdowns", ", ".join(spec.breakdowns)))
    if spec.tags:
        details.append(("tags", ", ".join(spec.tags)))
    details.append(("file", str(path)))
    return details


def backend_details(name: str) -> Details:
    cls: type[Backend] = backend_registry.get(name)
    keys: tuple[str, ...] = getattr(cls, "key_env", ())
    package = getattr(cls, "sdk_distribution", "") or getattr(cls, "sdk_module", "")
    options = [
        f"{field}" + (f" ({info.description})" if info.description else "")
        for field, info in cls.Options.model_fields.items()
    ]
    details = [
        ("backend", name),
        ("kind", cls.kind),
        ("status", backend_status(cls)),
        ("accepts", ", ".join(sorted(cls.modalities))),
        ("produces", ", ".join(sorted(cls.outputs))),
        ("default model", cls.default_model or "—"),
        ("package", package or "none (built in)"),
        ("key", " or ".join(keys) if keys else "none needed"),
        ("options", "; ".join(options) or "none"),
        ("description", " ".join(_doc(cls).split()) or "—"),
    ]
    return details


def _described(what: str, registry: Registry[object], name: str) -> Details:
    return [(what, name), ("description", " ".join(_doc(registry.get(name)).split()) or "—")]


def _find(name: str, args: argparse.Namespace) -> list[Callable[[], Details]]:
    """Everything called `name`, in every section (a name may be both a task and a backend)."""
    found: list[Callable[[], Details]] = []
    folder = _tasks_folder(args)
    local = folder / f"{name.removesuffix('.yaml')}.yaml"
    if local.is_file():
        found.append(lambda: task_details(local))
    if name in backend_registry:
        found.append(lambda: backend_details(name))
    if name in scorer_registry:
        found.append(lambda: _described("scorer", scorer_registry, name))  # type: ignore[arg-type]
    if name in generator_registry:
        found.append(lambda: _described("generator", generator_registry, name))  # type: ignore[arg-type]
    if not found and ("/" in name or name.endswith(".yaml")):
        try:
            path = resolve_task_path(name, Path.cwd())
        except InputError:
            return found
        found.append(lambda: task_details(path))
    return found


def _unknown(name: str, args: argparse.Namespace) -> InputError:
    known = [p.stem for p in _tasks_folder(args).glob("*.yaml")]
    known += backend_registry.names() + scorer_registry.names() + generator_registry.names()
    close = difflib.get_close_matches(name, list(SECTIONS) + known, n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    return InputError(
        f"no task, backend, scorer or generator named {name!r}",
        fix=f"{hint}run-eval list shows every name",
    )


def _print_details(details: Details, console: Console) -> None:
    """A field per line. On a terminal long values wrap under themselves; off it each stays on
    one line (a log or a pipe has no width to wrap at, and grep finds the whole value)."""
    if on_terminal(console):
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column("field", style="bold")
        table.add_column("value")
        for field, value in details:
            table.add_row(escape(field), escape(value))
        console.print(table)
        return
    width = max(len(field) for field, _ in details)
    for field, value in details:
        console.print(f"{field:<{width}}  {value}", markup=False, soft_wrap=True)


def handle(args: argparse.Namespace) -> int:
    console = output()
    show = args.what
    if show is None or show in SECTIONS:
        _overview(show, args, console)
        return EXIT_OK
    found = _find(show, args)
    if not found:
        raise _unknown(show, args)
    for index, details in enumerate(found):
        if index:
            console.print()
        _print_details(details(), console)
    return EXIT_OK
