"""`run-eval report RUN_DIR`."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_helpers import copy_run

from evals.cli.main import main


def test_report_command_rewrites_the_report(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = copy_run(run_dir, tmp_path / "run")
    for name in ("report.md", "report.html"):
        (copy / name).unlink()
    assert main(["report", str(copy), "--samples", "1"]) == 0
    assert (copy / "report.md").is_file() and (copy / "report.html").stat().st_size > 10_000
    assert "wrote" in capsys.readouterr().out
    html = (copy / "report.html").read_text()
    assert html.count('<article class="sample"') == 6  # one worst and one surprising in each of 3 tasks


def test_report_command_options(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    assert main(["report", str(run_dir), "--out", str(out), "--no-plots", "--no-media", "--recompute"]) == 0
    html = (out / "report.html").read_text()
    assert "data:image" not in html and not (out / "plots").exists()
    assert "model-a" in (out / "report.md").read_text()


def test_report_command_refuses_a_folder_that_is_not_a_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path)]) == 2
    assert "not a run directory" in capsys.readouterr().err
    assert main(["report", str(tmp_path), "--samples", "-1"]) == 2
