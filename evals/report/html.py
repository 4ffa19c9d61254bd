"""report.html: one self-contained page (inline CSS, images and audio as data URIs, no scripts).

Rendered by Jinja2 with autoescaping on, so every string from a run (model output above all)
is shown as text; a Content-Security-Policy in the page forbids scripts and network access
as a second line of defence.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from evals import fmt
from evals.report.context import ReportData
from evals.report.media import data_uri
from evals.version import __version__

TEMPLATES = Path(__file__).parent / "templates"


_BREAK_AFTER = re.compile(r"([-_./+:@,)])(?=\S)")


def breakable(text: Any) -> markupsafe.Markup:
    """The text, escaped, with a line-break opportunity after the separators of names
    (`whisper-tiny.en`, `espeak+whisper`, `org/model:tag`), so a narrow column wraps a long
    name at a separator rather than widening the table."""
    escaped = str(markupsafe.escape("" if text is None else text))
    return markupsafe.Markup(_BREAK_AFTER.sub(r"\1<wbr>", escaped))


def _anchor(text: Any) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in str(text))


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters["png_uri"] = lambda png: data_uri("image/png", png)
    env.filters["num"] = fmt.num
    env.filters["clip"] = lambda text, limit: fmt.clip(text, int(limit))
    env.filters["anchor"] = _anchor
    env.filters["breakable"] = breakable
    return env


def render_html(report: ReportData) -> str:
    return environment().get_template("report.html.j2").render(report=report, version=__version__)
