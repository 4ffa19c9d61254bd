"""Run the fake provider as its own process (benchmarks, soak tests): start, read its URL, stop."""

from __future__ import annotations

import json
import sys
import urllib.request
from typing import Any

from evals.testing.child_server import ChildServer
from evals.testing.fake_provider.config import FakeConfig


class FakeProviderProcess(ChildServer):
    """`python -m evals.testing.fake_provider` in a child process; stopped by its own pid."""

    def __init__(self, config: FakeConfig | None = None, *, api_key: str | None = None) -> None:
        super().__init__()
        self.config = config or FakeConfig()
        self.api_key = api_key

    def start(self) -> FakeProviderProcess:
        command = [sys.executable, "-m", "evals.testing.fake_provider", "--port", "0"]
        command += ["--config-json", json.dumps(self.config.as_dict())]
        if self.api_key:
            command += ["--api-key", self.api_key]
        self._launch(command, "the fake provider")
        return self

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
