"""The report of a small run of built-in tasks, with long backend names, in headless Chromium at
1,280 px: no sideways scroll, every headline header cell on screen, the headline on the first
screen. The screenshot is kept in the test's temporary folder (report-1280.png)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from page_metrics import CHROMIUM, PageMetrics, measure

pytest.importorskip("playwright.sync_api", reason="pip install playwright")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"),
]

WIDTH, HEIGHT = 1280, 900
# Offline baselines under long names (one without any separator to wrap at), on built-in tasks;
# as many tasks as backends, so the backends are the matrix's columns, as in the demo.
CONFIG = """\
name: layout-check
tasks: [handwritten-digits, counting, charts, vqa, spatial, ocr-lines]
limit: 2
backends:
  - {name: oracle-reference-answers-ceiling, type: oracle}
  - {name: majority-answer-prior-baseline, type: majority}
  - {name: random-choice-chance-level-baseline, type: random-choice}
  - {name: echo-the-prompt-back-verbatim.v2, type: echo}
  - {name: always-yes-bias-probe+baseline, type: always-yes}
  - {name: averyveryveryverylongbackendnamewithoutanyseparatorsatall, type: majority}
"""


@pytest.fixture(scope="module")
def layout_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("layout")
    (folder / "config.yaml").write_text(CONFIG)
    command = [
        sys.executable,
        "-m",
        "evals",
        "run",
        str(folder / "config.yaml"),
        "--out",
        str(folder / "run"),
    ]
    done = subprocess.run([*command, "--quiet"], capture_output=True, text=True, timeout=280, check=False)
    assert done.returncode == 0, done.stderr
    return folder / "run" / "report.html"


def _on_screen(cells: list[dict[str, float]], width: int) -> list[str]:
    return [c["text"] for c in cells if c["left"] < 0 or c["right"] > width]


@pytest.mark.slow  # a 6-task run and Chromium: pytest -m slow
def test_headline_fits_1280_px_without_sideways_scroll(layout_report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report-1280.png"
    page: PageMetrics = measure(layout_report, width=WIDTH, height=HEIGHT, shot=shot)
    assert page.viewport == WIDTH
    assert page.scroll_width <= WIDTH
    headers = page.headline_headers
    assert len(headers) == 1 + 6  # the corner and one column per backend
    assert [h["text"].split(" ")[0] for h in headers[1:3]] == [
        "oracle-reference-answers-ceiling",
        "majority-answer-prior-baseline",
    ]
    assert _on_screen(headers, WIDTH) == []
    assert max(h["bottom"] for h in headers) < HEIGHT  # the headline is on the first screen
    assert page.leaderboard_headers and _on_screen(page.leaderboard_headers, WIDTH) == []
    assert page.overflowing_tables == []  # no visible table scrolls inside its box either
    assert shot.is_file() and shot.stat().st_size > 20_000


@pytest.mark.slow  # a 6-task run and Chromium: pytest -m slow
def test_phone_width_scrolls_the_matrix_not_the_page(layout_report: Path) -> None:
    page = measure(layout_report, width=390, height=844)
    assert page.scroll_width <= 390
