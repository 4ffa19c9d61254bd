"""A test server in a child process (benchmarks, soak tests), so it does not share the client's
interpreter lock: launch it, read the URL it prints on its first line, stop it by its own pid."""

from __future__ import annotations

import subprocess
from typing import Self


class ChildServer:
    """Base of the fake servers run as processes; subclasses build the command in `start`."""

    def __init__(self) -> None:
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None

    @property
    def openai_url(self) -> str:
        return f"{self.url}/v1"

    def _launch(self, command: list[str], what: str) -> None:
        self._proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().strip()
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"{what} did not report its URL (got {line!r})")
        self.url = line

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(10)
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._proc = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
