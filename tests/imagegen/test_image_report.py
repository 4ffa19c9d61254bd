"""Generated images in the report: a grid per backend (thumbnail, prompt, scores, cost per
image), checked in headless Chromium for a run through the fake provider."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from backend_support import run_options
from report_helpers import chromium_path
from test_image_runs import config, images_backend

from evals.session import start_run
from evals.testing.fake_provider import FakeProvider


def test_report_shows_each_backends_images_and_cost_per_image(fake: FakeProvider, tmp_path: Path) -> None:
    backends = [
        images_backend(fake, "gpt-image-1", "gpt-image-1", quality="low"),
        {"name": "blank", "type": "blank"},
    ]
    outcome = start_run(config(["image-edit"], backends, limit=3), tmp_path, run_options(tmp_path))
    html = (outcome.rundir.path / "report.html").read_text()
    assert html.count("<summary>Generated images (2 backends)</summary>") == 1
    assert "cost per image: $0.0110" in html and "blank (baseline)" in html
    assert html.count('alt="image by gpt-image-1 for edit-') == 3
    assert html.count('alt="image by blank for edit-') == 3
    if chromium_path() is None:
        pytest.skip("chromium is not installed: the HTML was checked, not its rendering")
    profile = tmp_path / "profile"
    profile.mkdir()
    command = [
        str(chromium_path()), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", f"--user-data-dir={profile}", "--virtual-time-budget=2000",
        "--dump-dom", (outcome.rundir.path / "report.html").resolve().as_uri(),
    ]  # fmt: skip
    dom = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False).stdout
    assert dom.count('alt="image by gpt-image-1 for edit-') == 3
    assert dom.count('<img src="data:image/') >= 6
