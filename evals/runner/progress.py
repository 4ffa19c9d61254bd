"""One progress bar per task × backend (rate, ETA, errors, spend); silent off a terminal."""

from __future__ import annotations

import sys
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


class ProgressBoard:
    def __init__(self, enabled: bool | None = None, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        if enabled is None:
            enabled = sys.stderr.isatty()
        self.enabled = enabled
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
        if self._progress is None:
            return TaskID(0)
        task_id = self._progress.add_task(label, total=total, errors=0, spent="0.00", rate="")
        self._errors[task_id] = 0
        self._spent[task_id] = 0.0
        return task_id

    def advance(self, task_id: TaskID, *, error: bool = False, spent: float = 0.0) -> None:
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

    def __enter__(self) -> ProgressBoard:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
