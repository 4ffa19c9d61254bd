"""Progress per task × backend (done/total, rate, ETA, errors, spend): bars on a terminal;
off one (a log, CI), a plain line per task × backend every `PLAIN_EVERY_S` seconds and when it
finishes, so a long run is never silent."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

PLAIN_EVERY_S = 30.0


@dataclass
class _Plain:
    """One task × backend's counts for the plain lines."""

    label: str
    total: int | None
    started: float
    done: int = 0
    errors: int = 0
    spent: float = 0.0

    def line(self, now: float) -> str:
        of = f"/{self.total}" if self.total is not None else ""
        rate = self.done / (now - self.started) if now > self.started else 0.0
        return (
            f"progress {self.label}: {self.done}{of} done, {self.errors} errors, "
            f"${self.spent:.2f}, {rate:.1f}/s"
        )


class ProgressBoard:
    def __init__(
        self, enabled: bool | None = None, console: Console | None = None, *, every_s: float = PLAIN_EVERY_S
    ) -> None:
        self.console = console or Console(stderr=True)
        # Not asked either way: bars on a terminal, plain lines elsewhere.
        self.plain = enabled is None and not sys.stderr.isatty()
        if enabled is None:
            enabled = sys.stderr.isatty()
        self.enabled = enabled
        self._every = every_s
        self._last_print = time.monotonic()
        self._cells: dict[TaskID, _Plain] = {}
        self._progress: Progress | None = None
        self._errors: dict[TaskID, int] = {}
        self._spent: dict[TaskID, float] = {}
        if enabled:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(bar_width=24),
                MofNCompleteColumn(),
                TextColumn("[progress.data.speed]{task.fields[rate]}"),
                TimeRemainingColumn(),
                TextColumn("[red]{task.fields[errors]}[/] err"),
                TextColumn("${task.fields[spent]}"),
                console=self.console,
                transient=False,
            )

    def add(self, label: str, total: int | None) -> TaskID:
        if self.plain:
            task_id = TaskID(len(self._cells))
            self._cells[task_id] = _Plain(label, total, time.monotonic())
            return task_id
        if self._progress is None:
            return TaskID(0)
        task_id = self._progress.add_task(label, total=total, errors=0, spent="0.00", rate="")
        self._errors[task_id] = 0
        self._spent[task_id] = 0.0
        return task_id

    def advance(self, task_id: TaskID, *, error: bool = False, spent: float = 0.0) -> None:
        if self.plain:
            self._advance_plain(task_id, error, spent)
            return
        if self._progress is None:
            return
        self._errors[task_id] += int(error)
        self._spent[task_id] += spent
        task = self._progress.tasks[task_id] if task_id < len(self._progress.tasks) else None
        speed = task.speed if task is not None else None
        self._progress.update(
            task_id,
            advance=1,
            errors=self._errors[task_id],
            spent=f"{self._spent[task_id]:.2f}",
            rate=f"{speed:.1f}/s" if speed else "",
        )

    def _advance_plain(self, task_id: TaskID, error: bool, spent: float) -> None:
        cell = self._cells.get(task_id)
        if cell is None:
            return
        cell.done += 1
        cell.errors += int(error)
        cell.spent += spent
        now = time.monotonic()
        if cell.total is not None and cell.done == cell.total:
            self._say(cell.line(now))
        elif now - self._last_print >= self._every:
            self._last_print = now
            for other in self._cells.values():
                if other.done and (other.total is None or other.done < other.total):
                    self._say(other.line(now))

    def _say(self, line: str) -> None:
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def __enter__(self) -> ProgressBoard:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
