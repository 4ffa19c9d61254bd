"""Write a run's report.md, report.html and plots/*.png (at the end of a run, or on demand)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from evals.analysis import breakdown_frame, results_frame, summary_frame
from evals.report.context import ReportOptions, attach_plots, build_report
from evals.report.html import render_html
from evals.report.markdown import render_markdown
from evals.report.plots import PlotFile, draw_run_plots

PLOTS_DIR = "plots"


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def write_plots(folder: Path, plots: list[PlotFile]) -> list[Path]:
    """Write the PNGs; remove PNGs an earlier report left that this one no longer draws."""
    folder.mkdir(parents=True, exist_ok=True)
    keep = {p.name for p in plots}
    for old in folder.glob("*.png"):
        if old.name not in keep:
            old.unlink()
    written = []
    for plot in plots:
        _write_atomic(folder / plot.name, plot.png)
        written.append(folder / plot.name)
    return written


def write_report(
    out_dir: Path,
    run: dict[str, Any],
    summary: dict[str, Any],
    records: list[dict[str, Any]],
    options: ReportOptions | None = None,
) -> list[Path]:
    """Write the report files into `out_dir`; return their paths."""
    options = options or ReportOptions()
    out_dir.mkdir(parents=True, exist_ok=True)
    run_id = str(run.get("run_id") or summary.get("run_id") or out_dir.name)
    report = build_report(run, summary, records, options)
    written: list[Path] = []
    if options.plots:
        plots = draw_run_plots(
            summary_frame(summary, run_id),
            breakdown_frame(summary, run_id),
            results_frame(records, run, run_id),
        )
        attach_plots(report, plots)
        written += write_plots(out_dir / PLOTS_DIR, plots)
    _write_atomic(out_dir / "report.md", render_markdown(report).encode("utf-8"))
    _write_atomic(out_dir / "report.html", render_html(report).encode("utf-8"))
    return [out_dir / "report.md", out_dir / "report.html", *written]


def write_run_report(
    run_dir: Path, run: dict[str, Any], summary: dict[str, Any], records: list[dict[str, Any]]
) -> None:
    """The hook `evals.finalize` calls at the end of every run: the report beside the results."""
    write_report(Path(run_dir), run, summary, records)
