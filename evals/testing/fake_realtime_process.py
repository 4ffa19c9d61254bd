"""The fake provider with its Realtime endpoint in a child process (benchmarks), so the server
does not share the client's interpreter lock and its timing is its own.

    python -m evals.testing.fake_realtime_process --realtime-json '{"first_delta_ms": 200}' \\
        --answer package.module:function [--path DIR]

prints its URL, then serves until terminated. `--answer` names the answer function by import
path (an `AnswerFn`); `--path` adds folders to sys.path for it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import sys
from typing import Any

from evals.testing.child_server import ChildServer
from evals.testing.fake_provider.config import FakeConfig
from evals.testing.fake_realtime import FakeRealtimeProvider, RealtimeSettings


class FakeRealtimeProcess(ChildServer):
    """The fake realtime provider in a child process."""

    def __init__(
        self,
        answer: str,
        realtime: RealtimeSettings | None = None,
        config: FakeConfig | None = None,
        paths: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.answer = answer
        self.realtime = realtime or RealtimeSettings()
        self.config = config or FakeConfig()
        self.paths = paths

    def start(self) -> FakeRealtimeProcess:
        settings = {k: getattr(self.realtime, k) for k in self.realtime.__dataclass_fields__}
        command = [sys.executable, "-m", "evals.testing.fake_realtime_process", "--answer", self.answer]
        command += [
            "--realtime-json",
            json.dumps(settings),
            "--config-json",
            json.dumps(self.config.as_dict()),
        ]
        for path in self.paths:
            command += ["--path", path]
        self._launch(command, "the fake realtime provider")
        return self


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evals.testing.fake_realtime_process", description=__doc__
    )
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (loopback only)")
    parser.add_argument("--answer", required=True, help="module:function answering each request")
    parser.add_argument("--path", action="append", default=[], help="a folder to add to sys.path")
    parser.add_argument("--realtime-json", default="{}", help="RealtimeSettings fields as JSON")
    parser.add_argument("--config-json", default="{}", help="FakeConfig fields as JSON")
    args = parser.parse_args(argv)
    sys.path[:0] = args.path
    server = FakeRealtimeProvider(
        answer=_load(args.answer),
        config=FakeConfig.from_dict(json.loads(args.config_json)),
        realtime=RealtimeSettings.from_dict(json.loads(args.realtime_json)),
        port=args.port,
    )

    def ready(url: str) -> None:
        print(url, flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(server.serve_until_cancelled(ready))
    return 0


if __name__ == "__main__":
    sys.exit(main())
