"""Small helpers for the report tests: reading a run directory and checking HTML and Markdown."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

from evals.rundata import RunInfo, SampleRecord, Summary
from evals.rundir import RunDir


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def load(run_dir: Path) -> tuple[RunInfo, Summary, list[SampleRecord]]:
    """(run, summary, records) as finalize hands them to the report."""
    rundir = RunDir(run_dir)
    summary = rundir.read_summary()
    assert summary is not None
    return rundir.read_info(), summary, rundir.records()


def copy_run(run_dir: Path, dest: Path) -> Path:
    shutil.copytree(run_dir, dest, ignore=shutil.ignore_patterns(".lock"))
    return dest


class Resources(HTMLParser):
    """Collects every tag and every attribute that could load something."""

    URL_ATTRS = ("src", "href", "srcset", "poster", "data", "action", "formaction", "background")

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in self.URL_ATTRS and value is not None:
                self.urls.append((tag, name, value))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(html: str) -> Resources:
    parser = Resources()
    parser.feed(html)
    return parser


_PIPE = re.compile(r"(?<!\\)\|")


def markdown_tables(text: str) -> list[list[str]]:
    """Each table of a Markdown text as its lines (consecutive lines that start with a pipe)."""
    tables: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


def cells(line: str) -> list[str]:
    """The cells of one table line (split on unescaped pipes)."""
    assert line.startswith("|") and line.endswith("|") and not line.endswith("\\|"), line
    return [c.strip() for c in _PIPE.split(line[1:-1])]
