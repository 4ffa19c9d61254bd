"""`run-eval`: run, validate, list (and the commands later modules add).

Exit codes: 0 ok; 1 the run finished but its error rate passed max_error_rate; 2 bad input
(or a machine problem the user can fix: a full disk, an unwritable folder); 3 a gate inconclusive
with --strict; 4 an internal crash (one line, the traceback in a crash log); 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from typing import NoReturn

from evals.crashlog import EXIT_CRASH, crash_line, environment_line, write_crash_log
from evals.errors import EXIT_BAD_INPUT, InputError

Handler = Callable[[argparse.Namespace], int]


class OneLineParser(argparse.ArgumentParser):
    """argparse whose errors are one line (the command, the problem, the fix) and exit 2."""

    def error(self, message: str) -> NoReturn:
        text = f"{self.prog}: {message} (fix: see {self.prog} --help)"
        _print_message(f"[red]error:[/] {_escape(text)}")
        raise SystemExit(EXIT_BAD_INPUT)


# (command, module, help): each module under evals.cli has `add(parser) -> handler`.
COMMANDS = (
    ("run", "run_cmd", "run tasks on backends (a run config, or task files with --backends)"),
    ("validate", "validate_cmd", "check task and run-config files without running them"),
    ("list", "list_cmd", "list tasks, backends, scorers and generators"),
    ("rescore", "rescore_cmd", "score a finished run again (changed or added scorers) without the models"),
    ("merge", "merge_cmd", "join runs made with --shard i/n into one run directory"),
    ("report", "report_cmd", "write report.md, report.html and plots for a run directory"),
    ("compare", "compare_cmd", "compare runs (or backends) on the same samples, with paired statistics"),
    ("gate", "gate_cmd", "check a run against rules: bounds, and paired regressions against a baseline"),
    ("baseline", "baseline_cmd", "save a compact baseline (per-sample scores) a repository can commit"),
    ("view", "view_cmd", "a local, read-only web viewer of runs, samples and comparisons"),
)


def _add_arguments(module_name: str) -> Callable[[argparse.ArgumentParser], Handler] | None:
    try:
        module = import_module(f"evals.cli.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"evals.cli.{module_name}":
            raise
        return None  # a command whose module is not part of this installation
    add: Callable[[argparse.ArgumentParser], Handler] = module.add
    return add


def build_parser(chosen: str | None = None) -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    """The parser; only the chosen command's module is imported (its arguments added), so
    `run-eval --help` and every command start without importing the others' libraries."""
    parser = OneLineParser(
        prog="run-eval",
        description="Evaluate multimodal models: official metrics, cost and latency per sample. "
        "With no command, runs the offline demo (configs/demo.yaml).",
        epilog="exit codes: 0 ok, 1 error rate above max_error_rate, 2 bad input or config, "
        "3 a gate inconclusive with --strict, 4 an internal crash (see the crash log it names), "
        "130 interrupted",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    handlers: dict[str, Handler] = {}
    for name, module_name, help_text in COMMANDS:
        command = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen or chosen == "*":
            add = _add_arguments(module_name)
            if add is not None:
                handlers[name] = add(command)
    return parser, handlers


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    names = [name for name, _, _ in COMMANDS]
    first = next((a for a in args_list if not a.startswith("-")), None)  # the command, if named
    chosen = first if first in names else None
    if chosen is None and not any(a in ("-h", "--help") for a in args_list):
        args_list, chosen = ["run", *args_list], "run"  # bare `run-eval [options]` runs the demo
    parser, handlers = build_parser(chosen)
    args = parser.parse_args(args_list)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return handlers[args.command](args)
    except InputError as exc:
        _print_message(f"[red]error:[/] {_escape(str(exc))}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _print_message("interrupted: the journal is saved; continue with --resume RUN_DIR")
        return 130
    except Exception as exc:
        return _crashed(exc, args_list)


def _crashed(exc: Exception, argv: Sequence[str]) -> int:
    """A machine problem the user can fix is one line and exit 2; anything else is a crash:
    one line naming the crash log, exit 4."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        inner = exc.exceptions[0]
        if not isinstance(inner, Exception):
            break
        exc = inner
    if isinstance(exc, InputError):
        _print_message(f"[red]error:[/] {_escape(str(exc))}")
        return EXIT_BAD_INPUT
    if isinstance(exc, OSError):
        line = environment_line(exc)
        if line is not None:
            _print_message(f"[red]error:[/] {_escape(line)}")
            return EXIT_BAD_INPUT
    log = write_crash_log(exc, argv)
    _print_message(f"[red]error:[/] {_escape(crash_line(exc, log))}")
    return EXIT_CRASH


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _print_message(markup: str) -> None:
    # Imported here: the console pulls in rich and the run-directory schema, which `--help`
    # and most successful commands never need before their own module loads them.
    from evals.console import messages

    messages().print(markup, soft_wrap=True)


if __name__ == "__main__":
    raise SystemExit(main())
