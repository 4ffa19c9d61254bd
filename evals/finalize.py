"""After the samples: summary.json, samples.parquet and the reports, all from the journal.

The order is the guarantee a reader relies on: the summary and parquet files are complete
before run.json may say "finished" (the caller sets it after this returns). A report that fails
is logged and never loses the numbers, which are already written.
"""

from __future__ import annotations

import logging
from pathlib import Path

from evals.aggregate import summarize
from evals.judging import summarize_judging
from evals.parquet import write_parquet
from evals.rundata import RunInfo, SampleRecord, Summary
from evals.rundir import RunDir

log = logging.getLogger(__name__)


def finalize(rundir: RunDir, *, reports: bool = True, plot_cache: Path | None = None) -> Summary:
    """Write summary.json and samples.parquet; then, when the run was finalizing, mark it
    finished; then the reports (plots drawn from the same inputs before are taken from
    `plot_cache` when given). Return the summary."""
    info = rundir.read_info()
    records = rundir.records()
    summary = summarize(info, records)
    summary.judging = summarize_judging(info, records, rundir.read_pairwise())
    summary.replicas = rundir.read_replicas()
    rundir.write_summary(summary)
    write_parquet(records, rundir.parquet_file)
    if info.status == "finalizing":
        info = rundir.update_info(status="finished")
    if reports:
        write_reports(rundir, info, summary, records, plot_cache)
    return summary


def write_reports(
    rundir: RunDir,
    info: RunInfo,
    summary: Summary,
    records: list[SampleRecord],
    plot_cache: Path | None = None,
) -> None:
    # Imported here, not at the top: the report's libraries (matplotlib, jinja2) take a second
    # or two to load, and summary.json and the parquet file should not wait for them.
    from evals.report import write_run_report

    try:
        write_run_report(rundir, info, summary, records, plot_cache)
    except Exception:  # the numbers are already safe in summary.json
        log.exception("writing the report failed; summary.json and samples.parquet are complete")
