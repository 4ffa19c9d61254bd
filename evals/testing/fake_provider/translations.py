"""OpenAI's `/v1/audio/translations` on the fake provider: multipart audio in, English text out.

The request is transcription's (file, model, prompt, response_format, temperature; no
language) and so is the answer, with `task: translate` and `language: english` in verbose_json.
The answer's text is the server's answer function's, as for every endpoint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from evals.testing.fake_provider import openai_api
from evals.testing.fake_provider.request import BadRequest, FakeRequest

ENDPOINT = "translations"
# The server's `_serve_request(request, provider, endpoint, parse, respond)`: faults, latency,
# keys and the answer function, shared by every endpoint.
Serve = Callable[
    [
        web.Request,
        str,
        str,
        Callable[[], Awaitable[tuple[FakeRequest, bytes]]],
        Callable[[FakeRequest, str], Awaitable[web.StreamResponse]],
    ],
    Awaitable[web.StreamResponse],
]


def parse_translation(fields: dict[str, Any]) -> FakeRequest:
    if "language" in fields:
        raise BadRequest("translations take no 'language' (the output is always English)")
    parsed = openai_api.parse_transcription(fields)
    parsed.endpoint = ENDPOINT
    return parsed


def translation_body(req: FakeRequest, answer: str) -> dict[str, Any]:
    body = openai_api.transcription_body(req, answer)
    if "task" in body:
        body.update(task="translate", language="english")
    return body


async def handle(serve: Serve, request: web.Request) -> web.StreamResponse:
    """The route's handler, given the server's `_serve_request`."""

    async def parse() -> tuple[FakeRequest, bytes]:
        form = await request.post()
        fields: dict[str, Any] = {}
        for name, value in form.items():
            fields[name] = value.file.read() if isinstance(value, web.FileField) else value
        parsed = parse_translation(fields)
        return parsed, parsed.audio[0] + parsed.text.encode()

    async def respond(parsed: FakeRequest, answer: str) -> web.StreamResponse:
        return web.json_response(translation_body(parsed, answer))

    return await serve(request, "openai", ENDPOINT, parse, respond)
