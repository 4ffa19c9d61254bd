"""The HTML report in a real browser (headless Chromium): it renders, and injected script never runs."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from report_helpers import chromium_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        chromium_path() is None, reason="chromium is not installed (apt-get install chromium)"
    ),
]

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    profile.mkdir()
    command = [str(chromium_path()), *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)


def test_report_renders_and_injected_script_does_not_run(run_dir: Path, tmp_path: Path) -> None:
    url = (run_dir / "report.html").resolve().as_uri()
    dom = chromium(tmp_path, "--virtual-time-budget=2000", "--dump-dom", url).stdout
    assert "<title>Run report: run</title>" in dom and "pwned</title>" not in dom
    assert "<script" not in dom.lower()  # the prediction's <script> never became an element
    assert "&lt;script&gt;document.title='pwned';document.body.append('INJECTED-RAN')&lt;/script&gt;" in dom
    assert dom.count("INJECTED-RAN") == 1  # only the visible literal, not the text the script appends
    assert 'class="leaderboard"' in dom and dom.count('<table class="leaderboard">') == 3
    assert dom.count('<img src="data:image/png;base64,') >= 10


def test_report_screenshot_is_not_blank(run_dir: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    url = (run_dir / "report.html").resolve().as_uri()
    chromium(tmp_path, "--window-size=1280,2200", f"--screenshot={shot}", url)
    assert shot.is_file() and shot.stat().st_size > 100_000
    image = Image.open(io.BytesIO(shot.read_bytes())).convert("RGB")
    assert image.size == (1280, 2200)
    colours = image.resize((320, 550)).getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 500  # text, tables and plots, not an empty page
