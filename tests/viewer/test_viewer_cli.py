"""`run-eval view` as users start it: it prints its URL, serves the runs, warns when bound
beyond this machine, and refuses a missing folder with exit 2 and a one-line error."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def viewer(*args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "evals", "view", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        yield url, process
    finally:
        process.terminate()
        process.wait(30)


def test_prints_its_url_and_serves_the_runs(viewer_run: Path) -> None:
    with viewer(str(viewer_run.parent)) as (url, _):
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        with urllib.request.urlopen(url, timeout=60) as response:
            assert 'href="/runs/run"' in response.read().decode()


def test_binding_beyond_loopback_warns(viewer_run: Path) -> None:
    with viewer(str(viewer_run), "--host", "0.0.0.0") as (url, process):
        assert url.startswith("http://0.0.0.0:")
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert "warning: listening on 0.0.0.0" in err and "--host 127.0.0.1" in err


def test_missing_folder_is_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "evals", "view", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "no such folder" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
