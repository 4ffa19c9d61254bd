"""One aiohttp server on 127.0.0.1 speaking the OpenAI, Anthropic and Gemini wire protocols.

Run it in a background thread (`FakeProvider(...).start()`, for tests) or as its own process
(`python -m evals.testing.fake_provider`, for benchmarks, so it does not share the client's GIL).
Every request is counted per sample (`[sample:ID]` in the prompt, else a hash of the body)
with the fault it was served, so a test can prove what was sent and how often.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from aiohttp import web

from evals.testing.fake_provider import (
    anthropic_api,
    anthropic_stream,
    gemini_api,
    gemini_stream,
    hostile,
    images_api,
    openai_api,
    structured,
    translations,
)
from evals.testing.fake_provider.batches import BatchApis
from evals.testing.fake_provider.config import FakeConfig, FaultPicker
from evals.testing.fake_provider.quota import Quota, provider_headers, request_tokens
from evals.testing.fake_provider.request import AnswerFn, BadRequest, FakeRequest, default_answer
from evals.testing.fake_provider.state import Hit, ServerState, sample_key

ErrorBody = Callable[[int, str], dict[str, Any]]
ERROR_BODIES: dict[str, ErrorBody] = {
    "openai": openai_api.error_body,
    "anthropic": anthropic_api.error_body,
    "gemini": gemini_api.error_body,
}
FAULT_MESSAGES = {
    400: "Invalid request (simulated by the fake provider).",
    401: "Incorrect API key provided (simulated by the fake provider).",
    403: "Permission denied (simulated).",
    404: "The model does not exist (simulated).",
    408: "Request timed out (simulated).",
    409: "Conflict (simulated).",
    429: "Rate limit reached (simulated).",
    500: "The server had an error (simulated).",
    503: "Service unavailable (simulated).",
    529: "Overloaded (simulated).",
}
MAX_BODY = 512 * 1024 * 1024


class FakeProvider:
    """The fake provider server. Use as a context manager or call `start()`/`stop()`."""

    def __init__(
        self,
        answer: AnswerFn | None = None,
        config: FakeConfig | None = None,
        *,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.answer: AnswerFn = answer or default_answer
        self.config = config or FakeConfig()
        self.api_key = api_key  # None: any non-empty key is accepted
        self.host = host
        self.port = port
        self.state = ServerState()
        self.files = gemini_api.FileStore()
        self.batches = BatchApis(self)  # the three batch APIs (batches.py)
        self._picker = FaultPicker(self.config)
        self._quota = _quota_of(self.config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._closing: asyncio.Event | None = None
        self._ready = threading.Event()
        self._failed: BaseException | None = None

    # --- configuration -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def openai_url(self) -> str:
        return f"{self.url}/v1"

    def configure(self, config: FakeConfig) -> None:
        """Replace latency and faults (the random generator restarts from the new seed)."""
        self.config = config
        self._picker = FaultPicker(config)
        self._quota = _quota_of(config)

    def script(self, sample: str, faults: list[str]) -> None:
        """Serve these faults to the first attempts of `sample` ("*" for every sample)."""
        script = {**self.config.script, sample: list(faults)}
        self.configure(FakeConfig.from_dict({**self.config.as_dict(), "script": script}))

    def reset(self) -> None:
        self.state.reset()

    # --- app -----------------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post("/v1/chat/completions", self._openai_chat)
        app.router.add_post("/v1/responses", self._openai_responses)
        app.router.add_post("/v1/audio/transcriptions", self._openai_transcriptions)
        app.router.add_post("/v1/audio/speech", self._openai_speech)
        app.router.add_post("/v1/audio/translations", partial(translations.handle, self._serve_request))
        app.router.add_post("/v1/messages", self._anthropic_messages)
        app.router.add_post("/upload/{version}/files", self._gemini_upload)
        app.router.add_get("/{version}/files/{file_id}", self._gemini_get_file)
        app.router.add_post("/{version}/models/{call}", self._gemini_generate)
        self.batches.routes(app)
        app.router.add_get("/_fake/stats", self._stats)
        app.router.add_post("/_fake/config", self._set_config)
        app.router.add_post("/_fake/reset", self._reset)
        images_api.add_routes(app, self)
        return app

    async def _startup(self) -> None:
        self._closing = asyncio.Event()
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=1024, reuse_address=True)
        await site.start()
        server = site._server
        assert server is not None
        sockets: list[Any] = list(getattr(server, "sockets", None) or [])
        self.port = int(sockets[0].getsockname()[1])

    async def _cleanup(self) -> None:
        if self._closing is not None:
            self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- thread mode ---------------------------------------------------------------------------

    def start(self) -> FakeProvider:
        self._thread = threading.Thread(target=self._serve, name="fake-provider", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fake provider did not start within 10 s")
        if self._failed is not None:
            raise RuntimeError(f"the fake provider failed to start: {self._failed}") from self._failed
        return self

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._startup())
        except BaseException as exc:  # reported to start()
            self._failed = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._cleanup())
            loop.close()

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if self._closing is not None:
            loop.call_soon_threadsafe(self._closing.set)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(15)
        self._thread = None

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- process mode --------------------------------------------------------------------------

    async def serve_until_cancelled(self, on_ready: Callable[[str], None]) -> None:
        await self._startup()
        on_ready(self.url)
        try:
            await asyncio.Event().wait()
        finally:
            await self._cleanup()

    # --- the common path -----------------------------------------------------------------------

    def _authorized(self, request: web.Request, provider: str) -> bool:
        header = request.headers.get("Authorization", "")
        bearer = header[7:] if header.startswith("Bearer ") else ""
        if provider == "openai":
            key = bearer
        elif provider == "anthropic":  # x-api-key, or a bearer token (what anthropic 2.x sends)
            key = request.headers.get("x-api-key", "") or bearer
        else:
            key = request.headers.get("x-goog-api-key", "") or request.query.get("key", "")
        return bool(key) and (self.api_key is None or key == self.api_key)

    def _error(self, provider: str, status: int, message: str, *, retry: bool = False) -> web.Response:
        headers = {"x-fake-provider": "1"}
        if self.config.should_retry is not None:
            headers["x-should-retry"] = "true" if self.config.should_retry else "false"
        if retry and self.config.retry_after_s is not None:
            headers["retry-after"] = f"{self.config.retry_after_s:g}"
            if self.config.retry_after_ms:
                headers["retry-after-ms"] = f"{self.config.retry_after_s * 1000:g}"
        body = json.dumps(ERROR_BODIES[provider](status, message))
        return web.Response(status=status, text=body, content_type="application/json", headers=headers)

    async def _serve_request(
        self,
        request: web.Request,
        provider: str,
        endpoint: str,
        parse: Callable[[], Awaitable[tuple[FakeRequest, bytes]]],
        respond: Callable[[FakeRequest, str], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        arrived = time.monotonic()
        try:
            parsed, material = await parse()
        except (BadRequest, KeyError, TypeError, AttributeError, ValueError) as exc:
            sample = sample_key("", await request.read())
            attempt = self.state.next_attempt(sample)
            self.state.record(Hit(arrived, provider, endpoint, sample, attempt, "400"))
            return self._error(provider, 400, str(exc) or type(exc).__name__)
        parsed.sample = sample_key(parsed.text, material)
        attempt = self.state.next_attempt(parsed.sample)
        if not self._authorized(request, provider):
            self.state.record(Hit(arrived, provider, endpoint, parsed.sample, attempt, "401", parsed.model))
            return self._error(provider, 401, FAULT_MESSAGES[401])
        quota_headers: dict[str, Any] = {}
        if self._quota is not None:
            wait, headers = self._quota.take(request_tokens(parsed))
            quota_headers = provider_headers(provider, headers)
            if wait > 0:
                self.state.record(
                    Hit(arrived, provider, endpoint, parsed.sample, attempt, "quota", parsed.model)
                )
                refused = self._error(provider, 429, FAULT_MESSAGES[429])
                refused.headers.update(quota_headers)
                refused.headers["retry-after"] = f"{wait:.3f}"
                return refused
        fault = self._picker.pick(parsed.sample, attempt)
        counts = {
            "images": len(parsed.images) + len(parsed.image_urls),
            "videos": len(parsed.video),
            "audio": len(parsed.audio),
        }
        hit = Hit(arrived, provider, endpoint, parsed.sample, attempt, fault, parsed.model, **counts)
        self.state.record(hit)
        latency = self._picker.latency_s()
        if latency:
            await asyncio.sleep(latency)
        if fault != "ok":
            return await self._fault(request, provider, fault)
        try:
            answer = self.answer(parsed)
        except Exception as exc:  # a bug in the test's answer function: visible as a 500
            return self._error(provider, 500, f"answer function failed: {type(exc).__name__}: {exc}")
        try:
            response = await respond(parsed, answer)
            if quota_headers and not response.prepared:
                response.headers.update(quota_headers)
            if request.transport is None or request.transport.is_closing():
                # The client gave up (its timeout) before the answer was ready: it never got it,
                # so a request it sends again is not a second payment for a received answer.
                self.state.relabel(hit, "late")
            return response
        except BadRequest as exc:
            return self._error(provider, 400, str(exc))

    async def _fault(self, request: web.Request, provider: str, fault: str) -> web.StreamResponse:
        if fault.startswith("shape:"):  # a hostile 200 answer (hostile.py)
            key = hostile.presented_key(request.headers, request.query)
            body = hostile.hostile_body(provider, request.path, fault.removeprefix("shape:"), key)
            return web.Response(status=200, body=body, content_type="application/json")
        if fault.isdigit():
            status = int(fault)
            return self._error(provider, status, FAULT_MESSAGES[status], retry=status in (429, 503, 529))
        if fault == "hang":
            assert self._closing is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.config.hang_s)
            return self._error(provider, 504, "hung request released")
        if fault == "drop":
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # nothing more to send on a dropped connection
        if fault == "malformed":
            return web.Response(
                status=200, body=b'{"id": "fake-truncated", "choi', content_type="application/json"
            )
        if fault == "empty":
            return web.Response(status=200, body=b"", content_type="application/json")
        raise AssertionError(fault)

    # --- OpenAI --------------------------------------------------------------------------------

    async def _json(self, request: web.Request) -> tuple[dict[str, Any], bytes]:
        raw = await request.read()
        try:
            body = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise BadRequest(f"the body is not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object")
        return body, raw

    async def _openai_chat(self, request: web.Request) -> web.StreamResponse:
        async def parse() -> tuple[FakeRequest, bytes]:
            body, raw = await self._json(request)
            return openai_api.parse_chat(body), raw

        async def respond(parsed: FakeRequest, answer: str) -> web.StreamResponse:
            cached = self.config.cached_tokens
            if not parsed.stream:
                return web.json_response(
                    openai_api.chat_body(parsed, answer, cached, self.config.token_logprob)
                )
            events = openai_api.chat_stream(parsed, answer, cached)
            stream = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
            await stream.prepare(request)
            for event in events:
                await stream.write(event)
            await stream.write_eof()
            return stream

        return await self._serve_request(request, "openai", "chat", parse, respond)

    async def _openai_responses(self, request: web.Request) -> web.StreamResponse:
        async def parse() -> tuple[FakeRequest, bytes]:
            body, raw = await self._json(request)
            if body.get("stream"):
                raise BadRequest("the fake provider does not stream the Responses API")
            return openai_api.parse_responses(body), raw

        async def respond(parsed: FakeRequest, answer: str) -> web.StreamResponse:
            return web.json_response(openai_api.responses_body(parsed, answer, self.config.cached_tokens))

        return await self._serve_request(request, "openai", "responses", parse, respond)

    async def _openai_transcriptions(self, request: web.Request) -> web.StreamResponse:
        async def parse() -> tuple[FakeRequest, bytes]:
            form = await request.post()
            fields: dict[str, Any] = {}
            for name, value in form.items():
                fields[name] = value.file.read() if isinstance(value, web.FileField) else value
            parsed = openai_api.parse_transcription(fields)
            return parsed, parsed.audio[0] + parsed.text.encode()

        async def respond(parsed: FakeRequest, answer: str) -> web.StreamResponse:
            body = openai_api.transcription_body(parsed, answer)
            return web.json_response(body)

        return await self._serve_request(request, "openai", "transcriptions", parse, respond)

    async def _openai_speech(self, request: web.Request) -> web.StreamResponse:
        async def parse() -> tuple[FakeRequest, bytes]:
            body, raw = await self._json(request)
            return openai_api.parse_speech(body), raw

        async def respond(parsed: FakeRequest, answer: str) -> web.StreamResponse:
            audio, mime = openai_api.speech_audio(parsed)
            return web.Response(body=audio, content_type=mime)

        return await self._serve_request(request, "openai", "speech", parse, respond)

    async def _sse(self, request: web.Request, events: list[bytes]) -> web.StreamResponse:
        stream = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await stream.prepare(request)
        for event in events:
            await stream.write(event)
        await stream.write_eof()
        return stream

    # --- Anthropic -----------------------------------------------------------------------------

    async def _anthropic_messages(self, request: web.Request) -> web.StreamResponse:
        async def parse() -> tuple[FakeRequest, bytes]:
            body, raw = await self._json(request)
            parsed = anthropic_api.parse_messages(body)
            parsed.stream = bool(body.get("stream"))
            structured.forced_tool_name(body)  # a tool_choice naming no tool is a 400
            return parsed, raw

        async def respond(parsed: FakeRequest, answer: str) -> web.StreamResponse:
            cached = self.config.cached_tokens
            if not parsed.stream:
                message = anthropic_api.message_body(parsed, answer, cached)
                return web.json_response(structured.anthropic_tool_use(message, parsed.body, answer))
            return await self._sse(request, anthropic_stream.message_stream(parsed, answer, cached))

        return await self._serve_request(request, "anthropic", "messages", parse, respond)

    # --- Gemini --------------------------------------------------------------------------------

    async def _gemini_generate(self, request: web.Request) -> web.StreamResponse:
        model, _, method = request.match_info["call"].partition(":")
        if method == "batchGenerateContent":
            return await self.batches.gemini_create(request, model)
        if method not in ("generateContent", "streamGenerateContent"):
            return self._error("gemini", 404, f"method {method!r} is not served by the fake provider")
        streamed = method == "streamGenerateContent"

        async def parse() -> tuple[FakeRequest, bytes]:
            body, raw = await self._json(request)
            return gemini_api.parse_generate(body, model, self.files, stream=streamed), raw

        async def respond(parsed: FakeRequest, answer: str) -> web.StreamResponse:
            cached = self.config.cached_tokens
            if streamed:
                return await self._sse(request, gemini_stream.generate_stream(parsed, answer, cached))
            body = gemini_api.generate_body(parsed, answer, cached, self.config.token_logprob)
            if images_api.wants_image(parsed):
                images_api.add_gemini_image(body, parsed, answer)
            return web.json_response(body)

        return await self._serve_request(request, "gemini", "generateContent", parse, respond)

    async def _gemini_upload(self, request: web.Request) -> web.StreamResponse:
        version = request.match_info["version"]
        command = request.headers.get("X-Goog-Upload-Command", "")
        upload_id = request.query.get("upload_id")
        if upload_id is None:
            if not self._authorized(request, "gemini"):
                return self._error("gemini", 401, FAULT_MESSAGES[401])
            if command != "start" or request.headers.get("X-Goog-Upload-Protocol") != "resumable":
                return self._error("gemini", 400, "expected a resumable upload start")
            body, _ = await self._json(request)
            meta = body.get("file") or {}
            size = int(request.headers.get("X-Goog-Upload-Header-Content-Length", "-1"))
            mime = request.headers.get("X-Goog-Upload-Header-Content-Type", "")
            new_id = self.files.start(meta, size, mime or meta.get("mimeType", ""))
            upload_url = f"{self.url}/upload/{version}/files?upload_id={new_id}&upload_protocol=resumable"
            headers = {
                "X-Goog-Upload-URL": upload_url,
                "X-Goog-Upload-Status": "active",
                "X-Goog-Upload-Chunk-Granularity": "8388608",
            }
            return web.Response(status=200, headers=headers, text="")
        chunk = await request.read()
        offset = int(request.headers.get("X-Goog-Upload-Offset", "0"))
        try:
            self.files.append(upload_id, offset, chunk)
            if "finalize" not in command:
                return web.Response(status=200, headers={"X-Goog-Upload-Status": "active"})
            stored = self.files.finalize(upload_id, self.config.file_processing_polls)
        except KeyError:
            return self._error("gemini", 404, "unknown upload session")
        except BadRequest as exc:
            return self._error("gemini", 400, str(exc))
        self.state.record_upload(hashlib.sha256(stored.data).hexdigest())
        body = {"file": stored.resource(self.url, version)}
        return web.json_response(body, headers={"X-Goog-Upload-Status": "final"})

    async def _gemini_get_file(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request, "gemini"):
            return self._error("gemini", 401, FAULT_MESSAGES[401])
        version = request.match_info["version"]
        file_id = request.match_info["file_id"]
        if file_id.endswith(":download"):  # the route's {file_id} takes the ":download" verb too
            return await self.batches.gemini_download(request, file_id.removesuffix(":download"))
        stored = self.files.get(f"files/{file_id}")
        if stored is None:
            return self._error(
                "gemini", 403, "You do not have permission to access the File or it may not exist."
            )
        return web.json_response(stored.resource(self.url, version))

    # --- control (for a server in another process) ---------------------------------------------

    async def _stats(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.state.as_dict())

    async def _set_config(self, request: web.Request) -> web.StreamResponse:
        try:
            self.configure(FakeConfig.from_dict(await request.json()))
        except (ValueError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response(self.config.as_dict())

    async def _reset(self, request: web.Request) -> web.StreamResponse:
        self.reset()
        return web.json_response({"reset": True})


def _quota_of(config: FakeConfig) -> Quota | None:
    if not (config.quota_rpm or config.quota_tpm):
        return None
    return Quota(config.quota_rpm, config.quota_tpm, config.quota_window_s)
