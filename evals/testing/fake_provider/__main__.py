"""`python -m evals.testing.fake_provider --port 0 --latency-ms 200`: serve, print the URL."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys

from evals.testing.fake_provider.config import FakeConfig
from evals.testing.fake_provider.server import FakeProvider


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.testing.fake_provider", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback only: 127.0.0.1 (default)")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency-ms", type=float, default=None)
    parser.add_argument("--answer", default="fake answer", help="the fixed answer text")
    parser.add_argument("--api-key", default=None, help="accept only this key (default: any)")
    parser.add_argument("--config-json", default=None, help="FakeConfig fields as JSON (faults, seed…)")
    args = parser.parse_args(argv)
    if not args.host.startswith("127.") and args.host not in ("localhost", "::1"):
        parser.error("the fake provider listens on loopback addresses only")
    data = json.loads(args.config_json) if args.config_json else {}
    if args.latency_ms is not None:
        data["latency_ms"] = args.latency_ms
    config = FakeConfig.from_dict(data)
    text = args.answer
    server = FakeProvider(lambda _request: text, config, api_key=args.api_key, host=args.host, port=args.port)

    def ready(url: str) -> None:
        print(url, flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(server.serve_until_cancelled(ready))
    return 0


if __name__ == "__main__":
    sys.exit(main())
