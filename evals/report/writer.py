"""Write a run's report.md, report.html and plots/*.png (at the end of a run, or on demand)."""

from __future__ import annotations

from pathlib import Path

from evals.fileio import write_bytes_atomic
from evals.report.context import ReportData, ReportOptions, attach_plots, build_report
from evals.report.html import render_html
from evals.report.judging import attach_judge_plots, judge_plots
from evals.report.markdown import render_markdown
from evals.report.plot_cache import load_plots, plot_digest, store_plots
from evals.report.plots import PlotFile
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


def draw_plots(
    run: RunInfo, summary: Summary, records: list[SampleRecord], report: ReportData, run_id: str
) -> tuple[list[PlotFile], list[PlotFile]]:
    """The run's plots, and the judges' (shown in the judge section, not among the task's)."""
    # Imported here: pandas and matplotlib take ~1.5 s to load, which a report whose plots come
    # from the plot cache never needs.
    from evals.analysis import breakdown_frame, results_frame, summary_frame
    from evals.report.plots import draw_run_plots

    plots = draw_run_plots(
        summary_frame(summary, run_id),
        breakdown_frame(summary, run_id),
        results_frame(records, run, run_id),
    )
    plots += robustness_plots(report.curves, report.kinds)
    return plots, judge_plots(summary)


def write_report(
    out_dir: Path,
    run: RunInfo,
    summary: Summary,
    records: list[SampleRecord],
    options: ReportOptions | None = None,
    media: MediaStore | None = None,
    plot_cache: Path | None = None,
) -> list[Path]:
    """Write the report files into `out_dir`; return their paths. `media` is the run's store of
    media (for previews), which may live elsewhere than the report. With `plot_cache` (a folder),
    plots drawn from the same inputs before are reused from there (evals/report/plot_cache.py)."""
    options = options or ReportOptions()
    out_dir.mkdir(parents=True, exist_ok=True)
    run_id = run.run_id or summary.run_id or out_dir.name
    report = build_report(run, summary, records, options, media)
    written: list[Path] = []
    if options.plots:
        # In key order, as the cache's digest reads them: the journal's order is finishing order.
        ordered = sorted(records, key=lambda r: r.key)
        digest = plot_digest(run, summary, ordered) if plot_cache is not None else None
        found = load_plots(plot_cache, digest) if plot_cache is not None and digest else None
        if found is None:
            found = draw_plots(run, summary, ordered, report, run_id)
            if plot_cache is not None and digest:
                store_plots(plot_cache, digest, *found)
        plots, pairwise = found
        attach_plots(report, plots)
        attach_judge_plots(report.judging, pairwise)
        written += write_plots(out_dir / PLOTS_DIR, [*plots, *pairwise])
    _write_atomic(out_dir / "report.md", render_markdown(report).encode("utf-8"))
    _write_atomic(out_dir / "report.html", render_html(report).encode("utf-8"))
    return [out_dir / "report.md", out_dir / "report.html", *written]


def write_run_report(
    rundir: RunDir,
    run: RunInfo,
    summary: Summary,
    records: list[SampleRecord],
    plot_cache: Path | None = None,
) -> None:
    """What `evals.finalize` calls at the end of every run: the report beside the results."""
    write_report(rundir.path, run, summary, records, media=rundir.media, plot_cache=plot_cache)
