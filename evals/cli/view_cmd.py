"""`run-eval view [REPORTS_DIR | RUN_DIR…] [--host H] [--port P]`: the local, read-only viewer."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from evals.cli.main import Handler
from evals.console import messages
from evals.errors import EXIT_OK, InputError


def add(parser: argparse.ArgumentParser) -> Handler:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="DIR",
        help="run directories, or folders of runs (default: reports/); runs started in a folder later appear",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    return handle


def handle(args: argparse.Namespace) -> int:
    try:
        import duckdb  # noqa: F401
    except ModuleNotFoundError:
        raise InputError("the viewer needs DuckDB", fix="pip install 'multimodal-evals[view]'") from None
    from evals.viewer.catalog import Catalog
    from evals.viewer.serve import is_loopback, serve_forever

    if not 0 <= args.port <= 65535:
        raise InputError("not a port number", field="--port", fix="use 0 (any free port) to 65535")
    catalog = Catalog.from_paths(args.paths or [Path("reports")])
    console = messages()
    if not is_loopback(args.host):
        console.print(
            f"[yellow]warning:[/] listening on {escape(args.host)}: anyone who can reach this "
            "address can read these runs (prompts, answers, media). Use --host 127.0.0.1 to keep "
            "them on this machine.",
            soft_wrap=True,
        )

    def announce(url: str) -> None:
        console.print(
            f"viewer at {url}  ({len(catalog.runs)} runs; read-only; Ctrl-C to stop)", soft_wrap=True
        )
        print(url, flush=True)

    try:
        serve_forever(catalog, args.host, args.port, announce)
    except OSError as exc:
        raise InputError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror}",
            field="--port",
            fix="pick another port, or 0 for any free one",
        ) from None
    except KeyboardInterrupt:
        pass
    return EXIT_OK
