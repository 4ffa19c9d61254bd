"""Start the viewer on a host and port and say where it is."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from evals.viewer.app import HOSTS, make_app
from evals.viewer.catalog import Catalog


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Server:
    runner: web.AppRunner
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    async def close(self) -> None:
        await self.runner.cleanup()


async def start(catalog: Catalog, host: str = "127.0.0.1", port: int = 0) -> Server:
    """Listen (port 0: a free one); on a loopback address only loopback Host headers are served."""
    app = make_app(catalog)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    addresses = runner.addresses
    bound = int(addresses[0][1]) if addresses else port
    if is_loopback(host):
        names = {host, "127.0.0.1", "localhost", "[::1]"}
        app[HOSTS].update(f"{name}:{bound}" for name in names)
    return Server(runner, host, bound)


def serve_forever(catalog: Catalog, host: str, port: int, announce: Callable[[str], None]) -> None:
    async def main() -> None:
        server = await start(catalog, host, port)
        announce(server.url)
        try:
            await asyncio.Event().wait()
        finally:
            await server.close()

    asyncio.run(main())
