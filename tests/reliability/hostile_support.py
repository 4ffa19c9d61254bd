"""Helpers for the hostile corpus: run `run-eval` in a child process and check what it left.

Every case asserts the same things: the documented exit code, at most the expected lines on
stderr (one for an error), no traceback, and (for secrets) that a marker key appears in no file
of the run, the cache or the crash logs, nor in anything printed.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

MARK = "HOSTILEMARK"
KEYS = {
    "OPENAI_API_KEY": f"sk-{MARK}-openai-1a2b",
    "ANTHROPIC_API_KEY": f"sk-ant-{MARK}-anthropic-3c4d",
    "GEMINI_API_KEY": f"AIza-{MARK}-gemini-5e6f",
}


@dataclass
class Ran:
    code: int
    out: str
    err: str

    def lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def run_eval(
    args: list[str],
    tmp: Path,
    *,
    timeout: float = 300,
    env: dict[str, str] | None = None,
    child: bool = False,
) -> Ran:
    """`run-eval ARGS`, crash logs kept under tmp/crashes: in this process (fast: the machine is
    shared), or with `child` in a child process (`python -m evals`, for logs and crashes)."""
    environment = {**KEYS, "EVALS_CRASH_DIR": str(tmp / "crashes"), "COLUMNS": "200", **(env or {})}
    if child:
        full = {**os.environ, **environment}
        full.pop("EVALS_CACHE_DIR", None)
        done = subprocess.run(
            [sys.executable, "-m", "evals", *args], env=full, capture_output=True, timeout=timeout
        )
        return Ran(
            done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
        )
    from evals.cli.main import main

    saved = {name: os.environ.get(name) for name in [*environment, "EVALS_CACHE_DIR"]}
    os.environ.update(environment)
    os.environ.pop("EVALS_CACHE_DIR", None)
    handlers = list(logging.getLogger().handlers)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(args)
            except SystemExit as exc:  # argparse's --help
                code = int(exc.code or 0)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        root = logging.getLogger()
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
    return Ran(code, out.getvalue(), err.getvalue())


def one_error_line(ran: Ran, code: int = 2) -> str:
    """The single `error:` line of a refused command (and no traceback)."""
    assert "Traceback" not in ran.err and "Traceback" not in ran.out, ran.err[-3000:]
    lines = ran.lines()
    assert len(lines) == 1, f"expected one line on stderr, got {ran.err!r}"
    assert lines[0].startswith("error: "), lines[0]
    assert ran.code == code, f"exit {ran.code} (wanted {code}): {lines[0]}"
    return lines[0]


def files_under(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]


def assert_no_marker(*folders: Path, texts: tuple[str, ...] = ()) -> None:
    """No piece of any key in any file under the folders or in the given texts."""
    for path in files_under(*folders):
        data = path.read_bytes()
        assert MARK.encode() not in data, f"{path} holds a key"
    for text in texts:
        assert MARK not in text, "printed output holds a key"
