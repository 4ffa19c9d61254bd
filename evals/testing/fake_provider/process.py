"""Run the fake provider as its own process (benchmarks, soak tests): start, read its URL, stop."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from typing import Any

from evals.testing.fake_provider.config import FakeConfig


class FakeProviderProcess:
    """`python -m evals.testing.fake_provider` in a child process; stopped by its own pid."""

    def __init__(self, config: FakeConfig | None = None, *, api_key: str | None = None) -> None:
        self.config = config or FakeConfig()
        self.api_key = api_key
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 20.0) -> FakeProviderProcess:
        command = [sys.executable, "-m", "evals.testing.fake_provider", "--port", "0"]
        command += ["--config-json", json.dumps(self.config.as_dict())]
        if self.api_key:
            command += ["--api-key", self.api_key]
        self._proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().strip()
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"the fake provider did not report its URL (got {line!r})")
        self.url = line
        return self

    @property
    def openai_url(self) -> str:
        return f"{self.url}/v1"

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/_fake/stats", timeout=10) as response:
            data: dict[str, Any] = json.load(response)
            return data

    def configure(self, config: FakeConfig) -> None:
        body = json.dumps(config.as_dict()).encode()
        request = urllib.request.Request(
            f"{self.url}/_fake/config", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10):
            self.config = config

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

    def __enter__(self) -> FakeProviderProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
