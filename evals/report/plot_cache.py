"""Plots reused from an earlier report drawn from the same inputs (a re-run served by the cache).

A run report's plots are a function of the summary (less its run id), the journal records (less
the time each finished, which no plot reads; in key order), the run's tasks and backends, and the
drawing code and libraries. Their digest names a folder in the cache directory: a report with
the same digest copies the PNGs there instead of importing matplotlib and pandas and drawing
again (about 2 s of a cached re-run's 3 on two cores). Any other input gives another digest, so
a changed journal or config is never served plots drawn for another.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from evals.fileio import write_bytes_atomic
from evals.report.plots import PlotFile
from evals.report.plots.fonts import fontconfig_cjk_families
from evals.rundata import RunInfo, SampleRecord, Summary
from evals.version import __version__

PLOTS_FOLDER = "report-plots"
MANIFEST = "plots.json"

_EVALS = Path(__file__).resolve().parents[1]
# The code a plot's pixels depend on: the drawing modules and the frames they are drawn from.
_DRAWING_CODE = ("report/plots", "report/robustness.py", "report/judging.py", "analysis.py", "parquet.py")
_LIBRARIES = ("matplotlib", "pillow", "pandas", "numpy")


def _code_digest() -> bytes:
    found = hashlib.sha256(__version__.encode())
    for name in _LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found.update(f"{name}={metadata.version(name)}\n".encode())
    # The plots' text is drawn in an installed CJK font when there is one (plots/fonts.py).
    found.update("\n".join(fontconfig_cjk_families()).encode())
    for relative in _DRAWING_CODE:
        path = _EVALS / relative
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            found.update(str(file.relative_to(_EVALS)).encode() + b"\0" + file.read_bytes())
    return found.digest()


def plot_digest(run: RunInfo, summary: Summary, records: Sequence[SampleRecord]) -> str:
    """The digest of everything the run's plots are drawn from (records in key order)."""
    found = hashlib.sha256(_code_digest())
    found.update(summary.model_copy(update={"run_id": None}).model_dump_json().encode())
    setup = {
        "tasks": [t.model_dump(mode="json") for t in run.tasks],
        "backends": [b.model_dump(mode="json") for b in run.backends],
    }
    found.update(json.dumps(setup, sort_keys=True).encode())
    for record in records:
        found.update(record.model_dump_json(exclude={"finished_at"}).encode() + b"\n")
    return found.hexdigest()


def _entry(plot: PlotFile) -> dict[str, str | bool | None]:
    fields = ("name", "title", "caption", "task", "field", "wide")
    return {name: getattr(plot, name) for name in fields}


def load_plots(cache: Path, digest: str) -> tuple[list[PlotFile], list[PlotFile]] | None:
    """The run's plots and its judges' plots stored under `digest`, or None when they are not
    there (or not whole)."""
    folder = cache / PLOTS_FOLDER / digest
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        run, judges = (
            [
                PlotFile(
                    name=e["name"],
                    title=e["title"],
                    caption=e["caption"],
                    png=(folder / e["name"]).read_bytes(),
                    task=e["task"],
                    field=e["field"],
                    wide=bool(e.get("wide", False)),
                )
                for e in manifest[group]
            ]
            for group in ("run", "judges")
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return run, judges


def store_plots(cache: Path, digest: str, run: Sequence[PlotFile], judges: Sequence[PlotFile]) -> None:
    """Keep the plots under `digest`: written to a temporary folder, then renamed into place,
    so a reader sees all of them or none (a failure to store only costs drawing them again)."""
    root = cache / PLOTS_FOLDER
    if (root / digest).exists():
        return
    with contextlib.suppress(OSError):
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{digest[:12]}-", dir=root))
        try:
            for plot in [*run, *judges]:
                write_bytes_atomic(staging / plot.name, plot.png, durable=False)
            manifest = {"run": [_entry(p) for p in run], "judges": [_entry(p) for p in judges]}
            write_bytes_atomic(staging / MANIFEST, json.dumps(manifest).encode(), durable=False)
            os.rename(staging, root / digest)  # another process may have stored the same digest first
        finally:
            shutil.rmtree(staging, ignore_errors=True)
