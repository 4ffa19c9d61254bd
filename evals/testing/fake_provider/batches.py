"""The three providers' batch APIs on the fake provider: OpenAI Files + Batches (items for
/v1/chat/completions or /v1/responses), Anthropic Message Batches, and Gemini batch mode
(`models/M:batchGenerateContent` with inlined requests, or with a JSONL input file uploaded through
the Files API whose answers are a JSONL file to download, as google-genai sends and reads them).

Every item is answered when its batch is created (one `Hit` per item, endpoint "batch:…", so
`state.requests(sample)` counts items exactly like direct requests) and the answers are shown
once the batch ends: after `polls_to_complete` status reads and `complete_after_s` seconds.
`script` makes items fail the way batches do: {"s1": ["expired"]} expires the first item of
sample s1 (its later items succeed); "errored" answers a server error inside the results,
"invalid" a request error. Counters: `counts["files"|"batches"|"polls"|"results"]`.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web

from evals.testing.fake_provider import anthropic_api, gemini_api, openai_api
from evals.testing.fake_provider.config import FakeConfig
from evals.testing.fake_provider.request import AnswerFn, BadRequest, FakeRequest
from evals.testing.fake_provider.state import Hit, ServerState, sample_key


class Host(Protocol):
    """What the batch endpoints use of the fake provider that serves them (server.py)."""

    state: ServerState
    answer: AnswerFn
    config: FakeConfig
    files: gemini_api.FileStore

    @property
    def url(self) -> str: ...

    def _authorized(self, request: web.Request, provider: str) -> bool: ...

    def _error(self, provider: str, status: int, message: str, *, retry: bool = False) -> web.Response: ...


OUTCOMES = ("ok", "errored", "invalid", "expired")
OPENAI_ENDPOINTS = {"/v1/chat/completions": "chat", "/v1/responses": "responses"}
ANTHROPIC_ID = r"^[a-zA-Z0-9_-]{1,64}$"


@dataclass
class BatchConfig:
    polls_to_complete: int = 1  # status reads answered "in progress" before the batch ends
    complete_after_s: float = 0.0  # and the least time from creation to the end
    script: dict[str, list[str]] = field(default_factory=dict)  # sample → outcomes of its items
    max_requests: int = 100_000  # items per batch; more is refused with a 400

    def outcome(self, sample: str, attempt: int) -> str:
        for key in (sample, "*"):
            planned = self.script.get(key)
            if planned and attempt <= len(planned):
                return planned[attempt - 1]
        return "ok"


@dataclass
class Item:
    custom_id: str
    outcome: str
    body: dict[str, Any] | None  # the provider's answer body when the outcome is "ok"
    status: int = 200


@dataclass
class Batch:
    id: str
    provider: str
    endpoint: str
    items: list[Item]
    created: float = field(default_factory=time.time)
    polls: int = 0
    input_file_id: str | None = None
    model: str | None = None
    display_name: str | None = None

    def ended(self, config: BatchConfig) -> bool:
        return (
            self.polls >= config.polls_to_complete and time.time() - self.created >= config.complete_after_s
        )

    def count(self, outcome: str) -> int:
        return sum(1 for item in self.items if item.outcome == outcome)


class BatchApis:
    """The batch endpoints of one fake provider (its answer function, counters and auth)."""

    def __init__(self, provider: Host) -> None:
        self.provider = provider
        self.config = BatchConfig()
        self.batches: dict[str, Batch] = {}
        self.files: dict[str, bytes] = {}
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def configure(self, config: BatchConfig) -> None:
        for outcomes in config.script.values():
            for outcome in outcomes:
                if outcome not in OUTCOMES:
                    raise ValueError(f"unknown batch outcome {outcome!r}; use one of {', '.join(OUTCOMES)}")
        self.config = config

    def routes(self, app: web.Application) -> None:
        add_get, add_post = app.router.add_get, app.router.add_post
        add_post("/v1/files", self._openai_upload)
        add_get("/v1/files/{file_id}/content", self._openai_file_content)
        add_post("/v1/batches", self._openai_create)
        add_get("/v1/batches/{batch_id}", self._openai_retrieve)
        add_post("/v1/messages/batches", self._anthropic_create)
        add_get("/v1/messages/batches/{batch_id}", self._anthropic_retrieve)
        add_get("/v1/messages/batches/{batch_id}/results", self._anthropic_results)
        add_get("/{version}/batches/{batch_id}", self._gemini_get)

    # --- shared --------------------------------------------------------------------------------

    def _denied(self, request: web.Request, provider: str) -> web.Response | None:
        if self.provider._authorized(request, provider):
            return None
        return self.provider._error(provider, 401, "Incorrect API key provided (simulated).")

    def _answer(
        self,
        provider: str,
        endpoint: str,
        custom_id: str,
        body: dict[str, Any],
        parse: Callable[[dict[str, Any]], FakeRequest],
        respond: Callable[[FakeRequest, str, int], dict[str, Any]],
    ) -> Item:
        """One item answered now (and counted like a direct request), shown when the batch ends."""
        parsed = parse(body)
        parsed.sample = sample_key(parsed.text, json.dumps(body, sort_keys=True).encode())
        attempt = self.provider.state.next_attempt(parsed.sample)
        outcome = self.config.outcome(parsed.sample, attempt)
        counts = {
            "images": len(parsed.images) + len(parsed.image_urls),
            "videos": len(parsed.video),
            "audio": len(parsed.audio),
        }
        self.provider.state.record(
            Hit(
                time.monotonic(),
                provider,
                f"batch:{endpoint}",
                parsed.sample,
                attempt,
                outcome,
                parsed.model,
                **counts,
            )
        )
        if outcome != "ok":
            return Item(custom_id, outcome, None, 400 if outcome == "invalid" else 500)
        answer = self.provider.answer(parsed)
        return Item(custom_id, "ok", respond(parsed, answer, self.provider.config.cached_tokens))

    def _store(self, batch: Batch) -> None:
        with self._lock:
            self.batches[batch.id] = batch
            self.counts["batches"] += 1

    def _poll(self, batch_id: str) -> Batch | None:
        with self._lock:
            batch = self.batches.get(batch_id)
            if batch is not None:
                batch.polls += 1
                self.counts["polls"] += 1
            return batch

    @staticmethod
    def _iso(at: float) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + f".{int(at % 1 * 1e6):06d}Z"

    # --- OpenAI --------------------------------------------------------------------------------

    async def _openai_upload(self, request: web.Request) -> web.StreamResponse:
        if (denied := self._denied(request, "openai")) is not None:
            return denied
        form = await request.post()
        upload, purpose = form.get("file"), form.get("purpose")
        if not isinstance(upload, web.FileField) or purpose != "batch":
            return self.provider._error(
                "openai", 400, "multipart fields 'file' and purpose='batch' are required"
            )
        data = upload.file.read()
        file_id = f"file-fake{uuid.uuid4().hex[:20]}"
        with self._lock:
            self.files[file_id] = data
            self.counts["files"] += 1
        return web.json_response(self._openai_file(file_id, upload.filename, len(data), "batch"))

    @staticmethod
    def _openai_file(file_id: str, name: str, size: int, purpose: str) -> dict[str, Any]:
        return {
            "id": file_id,
            "object": "file",
            "bytes": size,
            "created_at": int(time.time()),
            "filename": name,
            "purpose": purpose,
            "status": "processed",
        }

    async def _openai_file_content(self, request: web.Request) -> web.StreamResponse:
        if (denied := self._denied(request, "openai")) is not None:
            return denied
        data = self.files.get(request.match_info["file_id"])
        if data is None:
            return self.provider._error("openai", 404, "No such File object (simulated).")
        return web.Response(body=data, content_type="application/octet-stream")

    async def _openai_create(self, request: web.Request) -> web.StreamResponse:
        if (denied := self._denied(request, "openai")) is not None:
            return denied
        try:
            body = await request.json()
            endpoint = body.get("endpoint")
            if endpoint not in OPENAI_ENDPOINTS or body.get("completion_window") != "24h":
                raise BadRequest(
                    "endpoint must be /v1/chat/completions or /v1/responses; completion_window 24h"
                )
            data = self.files.get(str(body.get("input_file_id")))
            if data is None:
                raise BadRequest("input_file_id does not name an uploaded file")
            lines = [json.loads(line) for line in data.decode().splitlines() if line.strip()]
            if not lines or len(lines) > self.config.max_requests:
                raise BadRequest(f"a batch holds 1 to {self.config.max_requests} requests")
            ids = [line["custom_id"] for line in lines]
            if len(set(ids)) != len(ids):
                raise BadRequest("custom_id values must be unique within a batch")
            kind = OPENAI_ENDPOINTS[endpoint]
            parse, respond = (
                (openai_api.parse_chat, openai_api.chat_body)
                if kind == "chat"
                else (openai_api.parse_responses, openai_api.responses_body)
            )
            items = []
            for line in lines:
                if line.get("method") != "POST" or line.get("url") != endpoint:
                    raise BadRequest("every line needs method POST and the batch's endpoint as url")
                items.append(self._answer("openai", kind, line["custom_id"], line["body"], parse, respond))
        except (BadRequest, KeyError, TypeError, ValueError) as exc:
            return self.provider._error("openai", 400, str(exc))
        batch = Batch(f"batch_fake{uuid.uuid4().hex[:20]}", "openai", endpoint, items)
        batch.input_file_id = str(body["input_file_id"])
        self._store(batch)
        return web.json_response(self._openai_batch(batch, ended=False))

    async def _openai_retrieve(self, request: web.Request) -> web.StreamResponse:
        if f"batches/{request.match_info['batch_id']}" in self.batches:  # Gemini at API version v1
            return await self._gemini_get(request)
        if (denied := self._denied(request, "openai")) is not None:
            return denied
        batch = self._poll(request.match_info["batch_id"])
        if batch is None or batch.provider != "openai":
            return self.provider._error("openai", 404, "No such batch (simulated).")
        return web.json_response(self._openai_batch(batch, ended=batch.ended(self.config)))

    def _openai_batch(self, batch: Batch, *, ended: bool) -> dict[str, Any]:
        now = int(time.time())
        out: dict[str, Any] = {
            "id": batch.id,
            "object": "batch",
            "endpoint": batch.endpoint,
            "errors": None,
            "input_file_id": batch.input_file_id,
            "completion_window": "24h",
            "status": "in_progress",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": int(batch.created),
            "in_progress_at": int(batch.created),
            "expires_at": int(batch.created) + 86_400,
            "completed_at": None,
            "expired_at": None,
            "request_counts": {"total": len(batch.items), "completed": 0, "failed": 0},
            "metadata": None,
        }
        if not ended:
            return out
        good = [i for i in batch.items if i.outcome == "ok"]
        bad = [i for i in batch.items if i.outcome != "ok"]
        expired = any(i.outcome == "expired" for i in bad)
        out["status"] = "expired" if expired else "completed"
        out["expired_at" if expired else "completed_at"] = now
        out["request_counts"] = {
            "total": len(batch.items),
            "completed": len(good),
            "failed": sum(1 for i in bad if i.outcome != "expired"),
        }
        out["output_file_id"] = self._openai_result_file(batch, good, "output") if good else None
        out["error_file_id"] = self._openai_result_file(batch, bad, "error") if bad else None
        return out

    def _openai_result_file(self, batch: Batch, items: list[Item], kind: str) -> str:
        file_id = f"file-{kind}-{batch.id}"
        with self._lock:
            if file_id in self.files:
                return file_id
        lines = []
        for item in items:
            line: dict[str, Any] = {"id": f"batch_req_{uuid.uuid4().hex[:20]}", "custom_id": item.custom_id}
            if item.outcome == "expired":
                line["response"] = None
                line["error"] = {
                    "code": "batch_expired",
                    "message": "This request could not be executed before the completion window expired.",
                }
            else:
                body = item.body if item.outcome == "ok" else openai_api.error_body(item.status, "simulated")
                line["response"] = {"status_code": item.status, "request_id": uuid.uuid4().hex, "body": body}
                line["error"] = None
            lines.append(json.dumps(line))
        with self._lock:
            self.files[file_id] = ("\n".join(lines) + "\n").encode()
        return file_id

    # --- Anthropic -----------------------------------------------------------------------------

    async def _anthropic_create(self, request: web.Request) -> web.StreamResponse:
        import re

        if (denied := self._denied(request, "anthropic")) is not None:
            return denied
        try:
            body = await request.json()
            requests = body.get("requests")
            if not isinstance(requests, list) or not requests or len(requests) > self.config.max_requests:
                raise BadRequest(f"requests: 1 to {self.config.max_requests} items are required")
            ids = [r["custom_id"] for r in requests]
            if len(set(ids)) != len(ids) or not all(re.match(ANTHROPIC_ID, i) for i in ids):
                raise BadRequest("requests.custom_id: must be unique and match ^[a-zA-Z0-9_-]{1,64}$")
            items = [
                self._answer(
                    "anthropic",
                    "messages",
                    r["custom_id"],
                    r["params"],
                    anthropic_api.parse_messages,
                    anthropic_api.message_body,
                )
                for r in requests
            ]
        except (BadRequest, KeyError, TypeError, ValueError) as exc:
            return self.provider._error("anthropic", 400, str(exc))
        batch = Batch(f"msgbatch_fake{uuid.uuid4().hex[:20]}", "anthropic", "messages", items)
        self._store(batch)
        return web.json_response(self._anthropic_batch(batch, ended=False))

    async def _anthropic_retrieve(self, request: web.Request) -> web.StreamResponse:
        if (denied := self._denied(request, "anthropic")) is not None:
            return denied
        batch = self._poll(request.match_info["batch_id"])
        if batch is None or batch.provider != "anthropic":
            return self.provider._error("anthropic", 404, "batch not found (simulated)")
        return web.json_response(self._anthropic_batch(batch, ended=batch.ended(self.config)))

    def _anthropic_batch(self, batch: Batch, *, ended: bool) -> dict[str, Any]:
        counts = {"processing": len(batch.items), "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if ended:
            counts = {
                "processing": 0,
                "succeeded": batch.count("ok"),
                "errored": batch.count("errored") + batch.count("invalid"),
                "canceled": 0,
                "expired": batch.count("expired"),
            }
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": counts,
            "ended_at": self._iso(time.time()) if ended else None,
            "created_at": self._iso(batch.created),
            "expires_at": self._iso(batch.created + 86_400),
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": f"{self.provider.url}/v1/messages/batches/{batch.id}/results" if ended else None,
        }

    async def _anthropic_results(self, request: web.Request) -> web.StreamResponse:
        if (denied := self._denied(request, "anthropic")) is not None:
            return denied
        batch = self.batches.get(request.match_info["batch_id"])
        if batch is None or not batch.ended(self.config):
            return self.provider._error("anthropic", 404, "results are not available (simulated)")
        self.counts["results"] += 1
        lines = []
        for item in batch.items:
            result: dict[str, Any]
            if item.outcome == "ok":
                result = {"type": "succeeded", "message": item.body}
            elif item.outcome == "expired":
                result = {"type": "expired"}
            else:
                result = {"type": "errored", "error": anthropic_api.error_body(item.status, "simulated")}
            lines.append(json.dumps({"custom_id": item.custom_id, "result": result}))
        return web.Response(body=("\n".join(lines) + "\n").encode(), content_type="application/binary")

    # --- Gemini --------------------------------------------------------------------------------

    async def gemini_create(self, request: web.Request, model: str) -> web.StreamResponse:
        """POST /{version}/models/{model}:batchGenerateContent (routed here by the server)."""
        if (denied := self._denied(request, "gemini")) is not None:
            return denied
        try:
            body = await request.json()
            batch_body = body.get("batch") or {}
            config = batch_body.get("inputConfig") or batch_body.get("input_config") or {}
            input_file = config.get("fileName") or config.get("file_name")
            entries = self._gemini_file_entries(input_file) if input_file else self._gemini_inline(config)
            if not entries or len(entries) > self.config.max_requests:
                raise BadRequest(f"batch.inputConfig: 1 to {self.config.max_requests} requests are required")
            files = self.provider.files

            def parse(request_body: dict[str, Any]) -> FakeRequest:
                return gemini_api.parse_generate(request_body, model, files, stream=False)

            items = [
                self._answer("gemini", "generateContent", key, entry, parse, gemini_api.generate_body)
                for key, entry in entries
            ]
        except (BadRequest, KeyError, TypeError, ValueError, AttributeError) as exc:
            return self.provider._error("gemini", 400, str(exc))
        batch = Batch(f"batches/fake{uuid.uuid4().hex[:20]}", "gemini", "generateContent", items)
        batch.model = f"models/{model}"
        batch.display_name = batch_body.get("displayName") or batch_body.get("display_name")
        batch.input_file_id = input_file
        self._store(batch)
        return web.json_response(self._gemini_operation(batch, ended=False))

    @staticmethod
    def _gemini_inline(config: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """Inlined requests: `inputConfig.requests.requests[]`, each {request, metadata.key}."""
        wrapped = (config.get("requests") or {}).get("requests")
        if not isinstance(wrapped, list) or not wrapped:
            raise BadRequest("batch.inputConfig.requests.requests: 1 or more inlined requests are required")
        return [
            (str(((entry.get("metadata") or {}).get("key")) or index), entry["request"])
            for index, entry in enumerate(wrapped)
        ]

    def _gemini_file_entries(self, name: str) -> list[tuple[str, dict[str, Any]]]:
        """A JSONL input file uploaded through the Files API: one {"key", "request"} a line."""
        stored = self.provider.files.get(name)
        if stored is None:
            raise BadRequest(f"batch.inputConfig.fileName: no uploaded file {name!r}")
        with self._lock:
            self.counts["files"] += 1
        entries = []
        for number, line in enumerate(stored.data.decode().splitlines(), start=1):
            if not line.strip():
                continue
            entry = json.loads(line)
            if not isinstance(entry, dict) or not isinstance(entry.get("request"), dict):
                raise BadRequest(f"{name} line {number}: expected an object with a 'request'")
            entries.append((str(entry.get("key") or number), entry["request"]))
        return entries

    async def gemini_download(self, request: web.Request, file_id: str) -> web.StreamResponse:
        """GET /{version}/files/{id}:download?alt=media (routed here by the server): a batch's
        results file."""
        if (denied := self._denied(request, "gemini")) is not None:
            return denied
        with self._lock:
            data = self.files.get(f"files/{file_id}")
            if data is not None:
                self.counts["results"] += 1
        if data is None or request.query.get("alt") != "media":
            return self.provider._error("gemini", 404, "Requested entity was not found (simulated).")
        return web.Response(body=data, content_type="application/octet-stream")

    async def _gemini_get(self, request: web.Request) -> web.StreamResponse:
        if (denied := self._denied(request, "gemini")) is not None:
            return denied
        batch = self._poll(f"batches/{request.match_info['batch_id']}")
        if batch is None or batch.provider != "gemini":
            return self.provider._error("gemini", 404, "Requested entity was not found (simulated).")
        return web.json_response(self._gemini_operation(batch, ended=batch.ended(self.config)))

    @staticmethod
    def _gemini_answer(item: Item) -> dict[str, Any]:
        entry: dict[str, Any] = {"metadata": {"key": item.custom_id}}
        if item.outcome == "ok":
            entry["response"] = item.body
        elif item.outcome == "expired":
            entry["error"] = {"code": 4, "message": "Deadline exceeded before the batch ran it (simulated)."}
        else:
            status = 13 if item.outcome == "errored" else 3  # INTERNAL / INVALID_ARGUMENT
            entry["error"] = {"code": status, "message": "simulated"}
        return entry

    def _gemini_operation(self, batch: Batch, *, ended: bool) -> dict[str, Any]:
        """A long-running operation whose metadata is the GenerateContentBatch (what the API
        returns for create and get; google-genai reads the batch from `metadata`)."""
        meta: dict[str, Any] = {
            "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
            "model": batch.model,
            "displayName": batch.display_name or "",
            "createTime": self._iso(batch.created),
            "updateTime": self._iso(time.time()),
            "batchStats": {
                "requestCount": str(len(batch.items)),
                "pendingRequestCount": str(len(batch.items)),
            },
            "state": "BATCH_STATE_RUNNING",
            "name": batch.id,
        }
        out: dict[str, Any] = {"name": batch.id, "metadata": meta}
        if not ended:
            return out
        responses = [self._gemini_answer(item) for item in batch.items]
        failed = sum(1 for i in batch.items if i.outcome != "ok")
        meta["state"] = "BATCH_STATE_SUCCEEDED"
        meta["endTime"] = self._iso(time.time())
        meta["batchStats"] = {
            "requestCount": str(len(batch.items)),
            "successfulRequestCount": str(len(batch.items) - failed),
            "failedRequestCount": str(failed),
        }
        if batch.input_file_id:  # a file in, a file out: one {"key", "response"|"error"} a line
            lines = []
            for item, answer in zip(batch.items, responses, strict=True):
                lines.append(
                    json.dumps(
                        {"key": item.custom_id, **{k: v for k, v in answer.items() if k != "metadata"}}
                    )
                )
            name = f"files/batch-{batch.id.removeprefix('batches/')}"
            with self._lock:
                self.files.setdefault(name, ("\n".join(lines) + "\n").encode())
            meta["output"] = {"responsesFile": name}
        else:
            meta["output"] = {"inlinedResponses": {"inlinedResponses": responses}}
        out["done"] = True
        out["response"] = {**meta, "@type": meta["@type"]}
        return out
