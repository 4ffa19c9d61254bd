"""Each provider's batch API through its own SDK: one item per request, submit, status, results.

The item bodies are the backend's own request bodies (the same builder as a direct call) and
each result is parsed by the backend's own response parser, so a batched answer is journaled
and scored exactly like a direct one. Limits per batch are the providers' published ones:
OpenAI 50,000 requests and a 200 MB input file (platform.openai.com/docs/guides/batch);
Anthropic 100,000 requests or 256 MB (docs.anthropic.com, Message Batches); Gemini inline
requests up to 20 MB in all, and beyond that a JSONL input file of up to 2 GB uploaded through the
Files API (ai.google.dev/gemini-api/docs/batch-mode).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from evals.backends._errors import RETRYABLE_STATUS
from evals.records import ErrorInfo, Request, Response
from evals.rundata import ErrorKind

if TYPE_CHECKING:
    from evals.backends.anthropic_messages import AnthropicBackend
    from evals.backends.base import Backend
    from evals.backends.gemini import GeminiBackend
    from evals.backends.openai_chat import OpenAIBackend

EXPIRED = "the batch ended before this request ran (expired); it is sent again"


@dataclass
class Status:
    ended: bool
    failed: str | None = None  # why the whole batch failed, when it did


@dataclass
class ItemResult:
    response: Response | None = None
    error: ErrorInfo | None = None


def status_error(status: int, message: str) -> ErrorInfo:
    """An error a batch reported for one item, classified as the same HTTP status would be."""
    kinds: dict[int, ErrorKind] = {
        400: "bad_request",
        401: "auth",
        403: "permission",
        404: "not_found",
        429: "rate_limit",
    }
    kind: ErrorKind = kinds.get(status, "server" if status >= 500 else "bad_request")
    return ErrorInfo(
        kind=kind,
        message=f"batch item failed ({status}): {message}",
        retryable=status in RETRYABLE_STATUS,
        status=status,
    )


def expired() -> ErrorInfo:
    return ErrorInfo(kind="timeout", message=EXPIRED, retryable=True)


def failed_item(message: str) -> ItemResult:
    return ItemResult(error=ErrorInfo(kind="bad_response", message=message, retryable=False))


class BatchApi(ABC):
    provider: ClassVar[str]
    max_requests: ClassVar[int]
    max_bytes: ClassVar[int]

    @property
    def endpoint(self) -> str:
        return self.provider

    @abstractmethod
    async def item(self, custom_id: str, request: Request) -> dict[str, Any]:
        """The batch input entry for one request."""

    @abstractmethod
    async def submit(self, items: list[dict[str, Any]]) -> str:
        """Create the batch; its id."""

    @abstractmethod
    async def status(self, batch_id: str) -> Status: ...

    @abstractmethod
    async def results(self, batch_id: str, custom_ids: list[str]) -> dict[str, ItemResult]:
        """Every item's answer or error, by custom id (an ended batch)."""


class OpenAIBatches(BatchApi):
    """Files API upload of a JSONL file, then /v1/batches for chat completions or responses."""

    provider = "openai"
    max_requests = 50_000
    max_bytes = 200 * 1024 * 1024

    def __init__(self, backend: OpenAIBackend) -> None:
        self.backend = backend

    @property
    def endpoint(self) -> str:
        return "/v1/responses" if self.backend.options.api == "responses" else "/v1/chat/completions"

    async def item(self, custom_id: str, request: Request) -> dict[str, Any]:
        backend = self.backend
        if backend.options.api == "responses":
            body = backend.responses_payload(request)
        else:
            body = backend.chat_payload(request)
        body = {**body, **backend.options.extra_body}
        return {"custom_id": custom_id, "method": "POST", "url": self.endpoint, "body": body}

    async def submit(self, items: list[dict[str, Any]]) -> str:
        client = self.backend.client
        data = "".join(json.dumps(item) + "\n" for item in items).encode()
        uploaded = await client.files.create(
            file=("requests.jsonl", data, "application/jsonl"), purpose="batch"
        )
        endpoint: Any = self.endpoint
        batch = await client.batches.create(
            input_file_id=uploaded.id, endpoint=endpoint, completion_window="24h"
        )
        return batch.id

    async def status(self, batch_id: str) -> Status:
        batch = await self.backend.client.batches.retrieve(batch_id)
        ended = batch.status in ("completed", "failed", "expired", "cancelled")
        failed = None
        if batch.status == "failed":
            errors = batch.errors.data if batch.errors and batch.errors.data else []
            failed = "; ".join(e.message or "" for e in errors) or "the batch failed"
        return Status(ended, failed)

    async def results(self, batch_id: str, custom_ids: list[str]) -> dict[str, ItemResult]:
        from evals.backends.openai_chat import chat_response, responses_response

        client = self.backend.client
        batch = await client.batches.retrieve(batch_id)
        out: dict[str, ItemResult] = {}
        for file_id in (batch.output_file_id, batch.error_file_id):
            if not file_id:
                continue
            content = await client.files.content(file_id)
            for line in content.text.splitlines():
                if line.strip():
                    entry = json.loads(line)
                    out[entry["custom_id"]] = self._parse(entry, chat_response, responses_response)
        return out

    def _parse(self, entry: dict[str, Any], chat: Any, responses: Any) -> ItemResult:
        from openai.types.chat import ChatCompletion
        from openai.types.responses import Response as ResponsesResponse

        answer = entry.get("response")
        error = entry.get("error")
        if answer is None:
            code = (error or {}).get("code")
            if code in ("batch_expired", "batch_cancelled"):
                return ItemResult(error=expired())
            return failed_item(f"batch item failed: {(error or {}).get('message', 'no answer')}")
        body = answer.get("body") or {}
        if answer.get("status_code") != 200:
            message = (body.get("error") or {}).get("message", "") if isinstance(body, dict) else ""
            return ItemResult(error=status_error(int(answer.get("status_code") or 500), message))
        if self.backend.options.api == "responses":
            return ItemResult(response=responses(ResponsesResponse.model_validate(body)))
        return ItemResult(response=chat(ChatCompletion.model_validate(body)))


class AnthropicBatches(BatchApi):
    """Message Batches: the items go in the create call; results are a JSONL stream."""

    provider = "anthropic"
    max_requests = 100_000
    max_bytes = 256 * 1024 * 1024

    def __init__(self, backend: AnthropicBackend) -> None:
        self.backend = backend

    async def item(self, custom_id: str, request: Request) -> dict[str, Any]:
        return {"custom_id": custom_id, "params": self.backend.message_params(request)}

    async def submit(self, items: list[dict[str, Any]]) -> str:
        requests: Any = items
        batch = await self.backend.client.messages.batches.create(requests=requests)
        return batch.id

    async def status(self, batch_id: str) -> Status:
        batch = await self.backend.client.messages.batches.retrieve(batch_id)
        return Status(batch.processing_status == "ended")

    async def results(self, batch_id: str, custom_ids: list[str]) -> dict[str, ItemResult]:
        from evals.backends.anthropic_messages import message_response

        out: dict[str, ItemResult] = {}
        decoder = await self.backend.client.messages.batches.results(batch_id)
        async for entry in decoder:
            result = entry.result
            if result.type == "succeeded":
                out[entry.custom_id] = ItemResult(response=message_response(result.message))
            elif result.type == "errored":
                inner = result.error.error
                status = {"invalid_request_error": 400, "rate_limit_error": 429, "overloaded_error": 529}
                code = status.get(inner.type, 500)
                out[entry.custom_id] = ItemResult(error=status_error(code, inner.message))
            else:  # expired or canceled: never ran
                out[entry.custom_id] = ItemResult(error=expired())
        return out


class GeminiBatches(BatchApi):
    """Gemini batch mode (`models/M:batchGenerateContent`). Up to 20 MB of requests go inline
    and their answers come back inline; a larger batch is written as a JSONL file (one
    `{"key", "request"}` a line), uploaded through the Files API and named as the batch's `src`,
    and its answers are a JSONL file (one `{"key", "response"|"error"}` a line) to download."""

    provider = "gemini"
    max_requests = 100_000
    max_bytes = 2 * 1024**3  # the Files API's limit per file
    inline_max_bytes = 20 * 1024 * 1024

    def __init__(self, backend: GeminiBackend) -> None:
        self.backend = backend

    async def item(self, custom_id: str, request: Request) -> dict[str, Any]:
        contents = request.memo.get("gemini-contents")
        if contents is None:
            contents = await self.backend.contents(request)
            request.memo["gemini-contents"] = contents
        config = self.backend.generation_config(request)
        return {
            "contents": [c.model_dump(mode="json", exclude_none=True) for c in contents],
            "config": config.model_dump(mode="json", exclude_none=True),
            "metadata": {"key": custom_id},
        }

    async def submit(self, items: list[dict[str, Any]]) -> str:
        from google.genai import types

        size = sum(len(json.dumps(item)) + 1 for item in items)
        src: Any
        if size <= self.inline_max_bytes:
            src = [types.InlinedRequest.model_validate(item) for item in items]
        else:
            src = await self._upload(items)
        job = await self.backend.client.aio.batches.create(
            model=self.backend.model,
            src=src,
            config=types.CreateBatchJobConfig(display_name="multimodal-evals"),
        )
        assert job.name is not None
        return job.name

    async def _upload(self, items: list[dict[str, Any]]) -> str:
        """The items as a JSONL input file on the Files API; its name (`files/…`)."""
        import io

        from google.genai import _common, batches, types

        client = self.backend.client
        lines = []
        for item in items:
            # The SDK's own converter from an inlined request to the REST body (camelCase
            # generationConfig, systemInstruction…): a file line holds the same request an
            # inline batch would send.
            inlined = types.InlinedRequest.model_validate(item)
            wire = batches._InlinedRequest_to_mldev(client._api_client, inlined)
            # …and its own encoding of what JSON lacks (bytes as base64), as it sends a body.
            body = _common.encode_unserializable_types(_common.convert_to_dict(wire["request"]))
            lines.append(json.dumps({"key": item["metadata"]["key"], "request": body}) + "\n")
        data = io.BytesIO("".join(lines).encode())
        uploaded = await client.aio.files.upload(
            file=data, config=types.UploadFileConfig(mime_type="jsonl", display_name="multimodal-evals batch")
        )
        assert uploaded.name is not None
        return uploaded.name

    async def status(self, batch_id: str) -> Status:
        job = await self.backend.client.aio.batches.get(name=batch_id)
        state = job.state.value if job.state else ""
        ended = state in (
            "JOB_STATE_SUCCEEDED",
            "JOB_STATE_FAILED",
            "JOB_STATE_CANCELLED",
            "JOB_STATE_EXPIRED",
        )
        failed = f"the batch ended {state}" if state == "JOB_STATE_FAILED" else None
        return Status(ended, failed)

    async def results(self, batch_id: str, custom_ids: list[str]) -> dict[str, ItemResult]:
        job = await self.backend.client.aio.batches.get(name=batch_id)
        if job.dest and job.dest.file_name:
            answers = await self._download(job.dest.file_name)
        else:
            answers = list(job.dest.inlined_responses or []) if job.dest else []
        out: dict[str, ItemResult] = {}
        for index, answer in enumerate(answers):
            key = (answer.metadata or {}).get("key") if answer.metadata else None
            custom_id = str(key) if key else (custom_ids[index] if index < len(custom_ids) else "")
            parsed = self._parse(answer)
            if parsed is not None:
                out[custom_id] = parsed
        return out

    async def _download(self, file_name: str) -> list[Any]:
        """The results file's lines, each read as the inline answer it stands for."""
        from google.genai import batches, types

        data = await self.backend.client.aio.files.download(file=file_name)
        answers = []
        for line in data.decode().splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            # A failed line carries a google.rpc.Status, named "error" (or "status").
            error = entry.get("error") or entry.get("status")
            wire = {"response": entry.get("response"), "error": error, "metadata": {"key": entry.get("key")}}
            answers.append(
                types.InlinedResponse._from_response(
                    response=batches._InlinedResponse_from_mldev(wire), kwargs={}
                )
            )
        return answers

    def _parse(self, answer: Any) -> ItemResult | None:
        from evals.backends.gemini import content_response

        if answer.response is not None:
            return ItemResult(response=content_response(answer.response, self.backend.model))
        if answer.error is None:
            return None
        code = answer.error.code or 13
        # google.rpc codes: 4 DEADLINE_EXCEEDED (ran out of time), 3 INVALID_ARGUMENT.
        if code == 4:
            return ItemResult(error=expired())
        status = 400 if code == 3 else 500
        return ItemResult(error=status_error(status, answer.error.message or ""))


def batch_api(backend: Backend) -> BatchApi:
    """The batch API of a backend's provider."""
    from evals.backends.anthropic_messages import AnthropicBackend
    from evals.backends.gemini import GeminiBackend
    from evals.backends.openai_chat import OpenAIBackend

    if isinstance(backend, OpenAIBackend):
        return OpenAIBatches(backend)
    if isinstance(backend, AnthropicBackend):
        return AnthropicBatches(backend)
    if isinstance(backend, GeminiBackend):
        return GeminiBatches(backend)
    raise TypeError(f"backend type {backend.type_name!r} has no batch API")
