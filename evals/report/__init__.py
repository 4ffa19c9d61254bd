"""Per-run reports: report.md (tables for a pull request), report.html (one self-contained page)
and plots/*.png, written at the end of every run and by `run-eval report RUN_DIR`."""

from __future__ import annotations

from evals.report.context import ReportOptions
from evals.report.writer import write_report, write_run_report

__all__ = ["ReportOptions", "write_report", "write_run_report"]
