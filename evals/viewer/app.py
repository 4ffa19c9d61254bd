"""The viewer's web application (aiohttp): GET pages, GET fragments for live updates, GET files.

Read-only: no route writes, and only GET/HEAD are routed. Every response carries a strict
Content-Security-Policy (scripts and styles only from the viewer itself, no inline script,
nothing from the network), so model output that slipped past escaping still could not run.
Requests must name the host the viewer was bound to (a page elsewhere cannot reach it through
a DNS name that points at 127.0.0.1).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from evals import fmt
from evals.errors import InputError
from evals.version import __version__
from evals.viewer import pages
from evals.viewer.catalog import Catalog, RunView
from evals.viewer.comparing import compare_page

HERE = Path(__file__).parent
STATIC = HERE / "static"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
CATALOG: web.AppKey[Catalog] = web.AppKey("catalog", Catalog)
HOSTS: web.AppKey[set[str]] = web.AppKey("hosts", set)
# What a run stores, by extension; anything else is sent as a download, never rendered.
SAFE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
}


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        num=fmt.num,
        cost=fmt.cost,
        seconds=fmt.seconds,
        percent=fmt.percent,
        timestamp=fmt.timestamp,
        interval=fmt.interval,
        clip=lambda text, limit: fmt.clip(text, int(limit)),
    )
    env.globals["version"] = __version__
    return env


def render(name: str, context: dict[str, Any], *, part: bool = False, live: bool = False) -> web.Response:
    template = environment().get_template(name)
    if part:
        text = "".join(template.blocks["live"](template.new_context(context)))
    else:
        text = template.render(**context)
    response = web.Response(text=text, content_type="text/html")
    response.headers["X-Run-Live"] = "1" if live else "0"
    return response


def not_found(what: str) -> web.HTTPNotFound:
    return web.HTTPNotFound(text=f"not found: {what}", content_type="text/plain")


SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@web.middleware
async def guard(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    hosts = request.app[HOSTS]
    if hosts and request.host not in hosts:
        raise web.HTTPMisdirectedRequest(
            text="unexpected Host header", content_type="text/plain", headers=SECURITY_HEADERS
        )
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(SECURITY_HEADERS)
        raise
    except InputError as exc:
        raise web.HTTPBadRequest(text=str(exc), content_type="text/plain", headers=SECURITY_HEADERS) from None
    response.headers.update(SECURITY_HEADERS)
    return response


def _args(request: web.Request) -> dict[str, str]:
    return {k: v for k, v in request.query.items()}


def _view(request: web.Request) -> RunView:
    view = request.app[CATALOG].get(request.match_info["run"])
    if view is None:
        raise not_found("run")
    return view


async def runs(request: web.Request) -> web.StreamResponse:
    context = pages.runs_page(request.app[CATALOG])
    live = any(r["live"] for r in context["runs"])
    return render("runs.html.j2", context, part="part" in request.query, live=live)


async def run(request: web.Request) -> web.StreamResponse:
    view = _view(request)
    return render("run.html.j2", pages.run_page(view), part="part" in request.query, live=view.live)


async def samples(request: web.Request) -> web.StreamResponse:
    view = _view(request)
    context = pages.samples_page(view, _args(request))
    return render("samples.html.j2", context, part="part" in request.query, live=view.live)


async def sample(request: web.Request) -> web.StreamResponse:
    view = _view(request)
    context = pages.sample_page(view, request.query.get("task", ""), request.query.get("id", ""))
    if context is None:
        raise not_found("sample")
    return render("sample.html.j2", context, live=view.live)


async def compare(request: web.Request) -> web.StreamResponse:
    view = _view(request)
    args = {**_args(request), "run": view.id}
    return render("compare.html.j2", compare_page(request.app[CATALOG], args))


async def files(request: web.Request) -> web.StreamResponse:
    view = _view(request)
    path = pages.served_file(view, request.match_info["path"])
    if path is None:
        raise not_found("file")
    response = web.FileResponse(path)
    kind = SAFE_TYPES.get(path.suffix.lower())
    if kind is None:
        response.headers["Content-Disposition"] = "attachment"
        response.content_type = "application/octet-stream"
    else:
        response.content_type = kind
    return response


async def input_medium(request: web.Request) -> web.StreamResponse:
    view = _view(request)
    found = pages.input_file(view, request.match_info["sha"])
    if found is None:
        raise not_found("input")
    data, mime = found
    response = web.Response(body=data)
    if mime in SAFE_TYPES.values():
        response.content_type = mime
    else:
        response.content_type = "application/octet-stream"
        response.headers["Content-Disposition"] = "attachment"
    return response


async def static(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in ("viewer.css", "viewer.js"):
        raise not_found("file")
    kind = mimetypes.guess_type(name)[0] or "text/plain"
    return web.Response(body=(STATIC / name).read_bytes(), content_type=kind, charset="utf-8")


def make_app(catalog: Catalog, *, hosts: set[str] | None = None) -> web.Application:
    """The application; `hosts` are the Host headers accepted (empty: any)."""
    app = web.Application(middlewares=[guard])
    app[CATALOG] = catalog
    app[HOSTS] = hosts or set()
    app.router.add_get("/", runs)
    app.router.add_get("/static/{name}", static)
    app.router.add_get("/runs/{run}", run)
    app.router.add_get("/runs/{run}/samples", samples)
    app.router.add_get("/runs/{run}/sample", sample)
    app.router.add_get("/runs/{run}/compare", compare)
    app.router.add_get("/runs/{run}/files/{path:.+}", files)
    app.router.add_get("/runs/{run}/input/{sha}", input_medium)
    return app
