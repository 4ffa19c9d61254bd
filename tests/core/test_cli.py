"""The command line: listing, argument errors (exit 2), dry runs that write nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evals.cli.main import main


def test_list_shows_backends_scorers_and_tasks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "backends"]) == 0
    out = capsys.readouterr().out
    assert "oracle" in out and "majority" in out and "baseline" in out
    assert main(["list", "scorers"]) == 0
    assert "exact_match" in capsys.readouterr().out


def test_run_without_backends_is_exit_2(image_dataset: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(image_dataset)]) == 2
    assert "--backends" in capsys.readouterr().err


def test_unknown_backend_type_is_exit_2_with_the_choices(
    image_dataset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(image_dataset), "--backends", "orakel", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "unknown backend 'orakel'" in err and "oracle" in err


def test_dry_run_sends_and_writes_nothing(image_dataset: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    assert (
        main(["run", str(image_dataset), "--backends", "oracle", "--dry-run", "--reports", str(reports)]) == 0
    )
    assert not reports.exists()


def test_out_folder_holding_a_run_is_refused(
    image_dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    args = ["run", str(image_dataset), "--backends", "oracle", "--out", str(out), "--quiet", "--no-cache"]
    assert main(args) == 0
    assert main(args) == 2
    assert "--resume" in capsys.readouterr().err


def test_resume_with_targets_is_refused(image_dataset: Path, tmp_path: Path) -> None:
    assert main(["run", str(image_dataset), "--resume", str(tmp_path)]) == 2


def test_resume_of_a_folder_that_is_not_a_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--resume", str(tmp_path)]) == 2
    assert "not a run directory" in capsys.readouterr().err


def test_python_dash_m_evals_is_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "evals", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "run-eval" in done.stdout and "exit codes" in done.stdout
