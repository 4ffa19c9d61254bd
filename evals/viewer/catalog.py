"""The runs the viewer shows: run directories given on the command line, and every run
directory inside a reports folder given (looked for again on each visit, so a run started
while the viewer is open appears)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from evals.aggregate import summarize
from evals.errors import InputError
from evals.rundata import RunInfo, Summary
from evals.rundir import RUN_FILE, RunDir
from evals.viewer.live import live_summary
from evals.viewer.table import SampleTable

LIVE = ("running", "finalizing")


@dataclass
class RunView:
    """One run directory, read lazily and kept current."""

    id: str
    rundir: RunDir
    _info: RunInfo | None = None
    _info_mtime: float = -1.0
    _table: SampleTable | None = None
    _summary: Summary | None = None
    _summary_key: tuple[float, float] = (-1.0, 0.0)
    _checked: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.rundir.path

    def info(self) -> RunInfo:
        """run.json, read again only when it changed."""
        try:
            mtime = self.rundir.run_file.stat().st_mtime
        except OSError as exc:
            raise InputError(
                f"cannot read run.json: {exc.strerror}", file=str(self.rundir.run_file)
            ) from None
        if self._info is None or mtime != self._info_mtime:
            self._info = self.rundir.read_info()
            self._info_mtime = mtime
        return self._info

    @property
    def live(self) -> bool:
        return self.info().status in LIVE

    def table(self) -> SampleTable:
        """The samples table, opened on first use and brought up to date (at most every 0.3 s)."""
        if self._table is None:
            self._table = SampleTable(self.rundir)
            self._table.open(live=self.live)
            self._checked = time.monotonic()
        elif time.monotonic() - self._checked > 0.3:
            self._checked = time.monotonic()
            self._table.refresh()
        return self._table

    def summary(self) -> Summary:
        """While the run writes: a live summary of the rows so far (no intervals). Once it is
        over: summary.json, or (a run that stopped before writing it) one computed from the
        journal's typed records, with intervals, once."""
        info = self.info()
        if info.status in LIVE:
            table = self.table()
            key = (self._info_mtime, float(table.version))
            if self._summary is None or key != self._summary_key:
                self._summary, self._summary_key = live_summary(info, table), key
            return self._summary
        stamp = self.rundir.summary_file.stat().st_mtime if self.rundir.summary_file.is_file() else -1.0
        key = (self._info_mtime, stamp)
        if self._summary is None or key != self._summary_key:
            stored = self.rundir.read_summary()
            self._summary = stored or summarize(info, self.rundir.records())
            self._summary_key = key
        return self._summary

    def count(self) -> int:
        """Sample × backend records so far (the summary's, once the run is over)."""
        if not self.live and self.rundir.summary_file.is_file():
            return sum(cell.n_total for cell in self.summary().cells)
        return int(self.table().scalar("SELECT count(*) FROM samples") or 0)


def _is_run(path: Path) -> bool:
    return (path / RUN_FILE).is_file()


@dataclass
class Catalog:
    roots: list[Path]
    runs: dict[str, RunView] = field(default_factory=dict)
    _by_path: dict[Path, str] = field(default_factory=dict)

    @classmethod
    def from_paths(cls, paths: list[Path]) -> Catalog:
        for path in paths:
            if not path.is_dir():
                raise InputError(
                    "no such folder",
                    file=str(path),
                    fix="pass a run directory, or a reports folder (runs started in it later appear too)",
                )
        catalog = cls([p.resolve() for p in paths])
        catalog.scan()
        return catalog

    def scan(self) -> None:
        """Add run directories that appeared since the last scan (ids are folder names)."""
        for root in self.roots:
            found = (
                [root] if _is_run(root) else sorted(p for p in root.iterdir() if p.is_dir() and _is_run(p))
            )
            for path in found:
                path = path.resolve()
                if path in self._by_path:
                    continue
                name, number = path.name, 1
                while name in self.runs:
                    number += 1
                    name = f"{path.name}-{number}"
                self.runs[name] = RunView(name, RunDir(path))
                self._by_path[path] = name

    def get(self, run_id: str) -> RunView | None:
        view = self.runs.get(run_id)
        if view is None:
            self.scan()
            view = self.runs.get(run_id)
        return view

    def ordered(self) -> list[RunView]:
        """Newest first."""
        self.scan()

        def started(view: RunView) -> float:
            try:
                return view.info().started_at or 0.0
            except (InputError, OSError):
                return 0.0

        return sorted(self.runs.values(), key=started, reverse=True)
