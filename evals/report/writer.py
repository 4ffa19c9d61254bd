"""Write a run's report.md, report.html and plots/*.png (at the end of a run, or on demand)."""

from __future__ import annotations

from pathlib import Path

from evals.analysis import breakdown_frame, results_frame, summary_frame
from evals.fileio import write_bytes_atomic
from evals.report.context import ReportOptions, attach_plots, build_report
from evals.report.html import render_html
from evals.report.judging import attach_judge_plots, judge_plots
from evals.report.markdown import render_markdown
from evals.report.plots import PlotFile, draw_run_plots
from evals.report.review import review_plots
from evals.report.robustness import robustness_plots
from evals.rundata import RunInfo, SampleRecord, Summary
from evals.rundir import MediaStore, RunDir

PLOTS_DIR = "plots"


def _write_atomic(path: Path, data: bytes) -> None:
    # Reports and plots are rebuilt from the journal at will: atomic, but not fsynced.
    write_bytes_atomic(path, data, durable=False)


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
    run: RunInfo,
    summary: Summary,
    records: list[SampleRecord],
    options: ReportOptions | None = None,
    media: MediaStore | None = None,
) -> list[Path]:
    """Write the report files into `out_dir`; return their paths. `media` is the run's store of
    media (for previews), which may live elsewhere than the report."""
    options = options or ReportOptions()
    out_dir.mkdir(parents=True, exist_ok=True)
    run_id = run.run_id or summary.run_id or out_dir.name
    report = build_report(run, summary, records, options, media)
    written: list[Path] = []
    if options.plots:
        plots = draw_run_plots(
            summary_frame(summary, run_id),
            breakdown_frame(summary, run_id),
            results_frame(records, run, run_id),
        )
        plots += robustness_plots(report.curves, report.kinds)
        plots += review_plots(report.routing, report.kinds)
        attach_plots(report, plots)
        pairwise = judge_plots(summary)  # shown in the judge section, not among the task's
        attach_judge_plots(report.judging, pairwise)
        written += write_plots(out_dir / PLOTS_DIR, [*plots, *pairwise])
    _write_atomic(out_dir / "report.md", render_markdown(report).encode("utf-8"))
    _write_atomic(out_dir / "report.html", render_html(report).encode("utf-8"))
    return [out_dir / "report.md", out_dir / "report.html", *written]


def write_run_report(rundir: RunDir, run: RunInfo, summary: Summary, records: list[SampleRecord]) -> None:
    """What `evals.finalize` calls at the end of every run: the report beside the results."""
    write_report(rundir.path, run, summary, records, media=rundir.media)
