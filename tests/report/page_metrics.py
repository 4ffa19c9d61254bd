"""Measure a report page in headless Chromium (Playwright): width, height, headline header cells.

Used by the layout test and by hand, for the before/after figures in benchmarks/results.md:

    python tests/report/page_metrics.py RUN_DIR/report.html [--shot report.png] [--width 1280]
"""

from __future__ import annotations

import argparse
import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]

# Read in the page (the report's CSP forbids scripts; Playwright's evaluate runs outside it).
MEASURE = """() => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {text: el.innerText.replace(/\\s+/g, ' ').trim(), left: r.left, right: r.right,
            top: r.top + window.scrollY, bottom: r.bottom + window.scrollY}; };
  const first = document.querySelector('#overview table');
  const headline = first ? Array.from(first.closest('section').querySelectorAll('table')) : [];
  return {
    scroll_width: document.scrollingElement.scrollWidth,
    height: document.scrollingElement.scrollHeight,
    viewport: window.innerWidth,
    headline_headers: headline.flatMap(t => Array.from(t.querySelectorAll('thead th')).map(box)),
    leaderboard_headers: Array.from(document.querySelectorAll('table.leaderboard thead th')).map(box),
    overflowing_tables: Array.from(document.querySelectorAll('.table-wrap'))
      .filter(w => w.checkVisibility() && w.scrollWidth > w.clientWidth + 1).map(w => w.querySelector('table').className),
  };
}"""


@dataclass
class PageMetrics:
    scroll_width: int
    height: int
    viewport: int
    bytes: int
    headline_headers: list[dict[str, Any]] = field(default_factory=list)
    leaderboard_headers: list[dict[str, Any]] = field(default_factory=list)
    overflowing_tables: list[str] = field(default_factory=list)


def measure(
    page_file: Path, *, width: int = 1280, height: int = 900, shot: Path | None = None, full: bool = False
) -> PageMetrics:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(page_file.resolve().as_uri(), wait_until="load")
            found = page.evaluate(MEASURE)
            if shot is not None:
                page.screenshot(path=str(shot), full_page=full)  # default: the first screen
        finally:
            browser.close()
    return PageMetrics(bytes=page_file.stat().st_size, **found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("page", type=Path)
    parser.add_argument("--shot", type=Path)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--full", action="store_true", help="screenshot the whole page")
    args = parser.parse_args()
    metrics = measure(args.page, width=args.width, shot=args.shot, full=args.full)
    print(json.dumps(asdict(metrics), indent=1))


if __name__ == "__main__":
    main()
