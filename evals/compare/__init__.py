"""Compare runs (or backends of one run) on the same samples, with paired statistics."""

from evals.compare.build import CompareReport, compare
from evals.compare.export import report_dict
from evals.compare.html import render_html
from evals.compare.markdown import render_markdown
from evals.compare.quantities import Settings

__all__ = ["CompareReport", "Settings", "compare", "render_html", "render_markdown", "report_dict"]
