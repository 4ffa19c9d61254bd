"""Consoles and tables for the CLI's output, made so nothing printed is cut.

Rich fits output to the width it finds (80 columns when it finds none, as in a pipe or a CI log)
and ends a cell that does not fit with '…'. A cut name or number is worse than a wide line: on a
terminal we use its width and fold what does not fit onto more lines; off a terminal there is no
width to fit, so tables take the width their content needs.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table as RichTable

# Off a terminal: wide enough for any table we print; a table takes only the width it needs
# (rich tables do not expand unless asked), so this is a ceiling, not a padding.
UNBOUNDED_WIDTH = 10_000


def on_terminal(console: Console) -> bool:
    """Whether the console writes to a real terminal. Not rich's `is_terminal`, which
    FORCE_COLOR (set in many CI systems for colour) turns on for a pipe too, and a pipe must
    not be fitted to 80 columns."""
    try:
        return console.file.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def output(*, stderr: bool = False) -> Console:
    """A console for tables and reports: the terminal's width on a terminal (COLUMNS as rich
    reads it), else as wide as the content, whatever COLUMNS says."""
    console = Console(stderr=stderr, highlight=False)
    if on_terminal(console):
        return console
    return Console(stderr=stderr, highlight=False, width=UNBOUNDED_WIDTH)


class Table(RichTable):
    """A rich table whose cells fold onto more lines when the width is short, never ending in
    '…' (rich's default), so every name and number is printed whole."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("header_style", "bold")
        super().__init__(*args, **kwargs)

    def add_column(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("overflow", "fold")
        super().add_column(*args, **kwargs)
