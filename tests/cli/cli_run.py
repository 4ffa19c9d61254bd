"""Run the real `run-eval` (`python -m evals`) in a child process, its output piped or on a
pseudo-terminal of a given width."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Ran:
    code: int
    out: str
    err: str


def run_eval(args: list[str], cwd: Path, *, env: dict[str, str] | None = None, timeout: float = 240) -> Ran:
    """Piped, as in CI or `| less`; COLUMNS=80 unless `env` says otherwise (a pipe's width must
    not depend on it)."""
    full = {**os.environ, "COLUMNS": "80", **(env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "evals", *args], cwd=cwd, env=full, capture_output=True, timeout=timeout
    )
    return Ran(
        done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    )


def run_eval_on_terminal(args: list[str], cwd: Path, *, columns: int, timeout: float = 240) -> Ran:
    """On a pseudo-terminal `columns` wide (rich reads the width from COLUMNS on a terminal)."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "50", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "evals", *args], cwd=cwd, env=env, stdout=follower, stderr=subprocess.PIPE
    )
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if not ready:
            if process.poll() is not None:
                break
            continue
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    err = process.communicate(timeout=timeout)[1]
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)  # colours and styles
    return Ran(process.returncode, text, err.decode("utf-8", "replace"))
