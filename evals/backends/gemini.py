"""Google Gemini through `google-genai` (not the deprecated google-generativeai).

Images and audio go inline; a video goes inline when small, otherwise through the Files API:
uploaded once per content hash (concurrent samples sharing a video wait for the same upload;
retries reuse it; with `reuse_uploads` a file from an earlier run, named by the hash, is reused
while the service keeps it), then referenced by URI once ACTIVE. The SDK's own retries stay
off (`retry_options` with one attempt also disables its hidden retry of aiohttp connection
errors), so the runner's policy applies. Point it at another server with `base_url`.
"""

from __future__ import annotations

import asyncio
import io
import math
import time
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from evals.backends import _tokens
from evals.backends._errors import BadResponse, counted, refused
from evals.backends._provider import ProviderBackend, TokenRules
from evals.backends.base import BackendOptions
from evals.media import Media
from evals.records import MediaPart, OutputMedia, Request, Response, TextPart, Usage
from evals.review import confidence_from_logprobs
from evals.video_request import info_of, sampling_for

if TYPE_CHECKING:
    from google import genai
    from google.genai import types


class GeminiRules(TokenRules):
    """Images by the 258-per-768-tile rule, audio at 32 and video at 263 tokens a second."""

    def media_tokens(self, model: str, part: MediaPart, facts: _tokens.MediaFacts) -> int | None:
        if part.kind == "image" and facts.width is not None and facts.height is not None:
            return _tokens.gemini_image_tokens(facts.width, facts.height)
        if part.kind == "audio" and facts.seconds is not None:
            return math.ceil(facts.seconds * _tokens.GEMINI_AUDIO_TOKENS_PER_S)
        if part.kind == "video" and facts.seconds is not None:
            return math.ceil(facts.seconds * _tokens.GEMINI_VIDEO_TOKENS_PER_S)
        return None

    def native_video_tokens(self, model: str, seconds: float, has_audio: bool) -> tuple[int, int] | None:
        return _tokens.gemini_video_tokens(seconds, has_audio)


class GeminiOptions(BackendOptions):
    api_version: str = Field("v1beta", description="API version in the URL path")
    inline_video_max_bytes: int = Field(
        1_000_000, ge=0, description="videos up to this size go inline; larger ones through the Files API"
    )
    reuse_uploads: bool = Field(True, description="reuse a file uploaded earlier for the same content hash")
    file_wait_s: float = Field(120.0, gt=0, description="how long to wait for an upload to become ACTIVE")
    file_poll_s: float = Field(1.0, gt=0, description="pause between checks of an upload's state")
    structured_output: bool = Field(True, description="send the task's response_schema as a JSON schema")
    thinking_budget: int | None = Field(None, description="thinking tokens (2.5 models; 0 turns it off)")
    stream: bool = Field(False, description="stream the answer to measure time to first token")


class GeminiBackend(ProviderBackend["genai.Client"]):
    """Gemini models. Key: GEMINI_API_KEY or GOOGLE_API_KEY (or `api_key_env`)."""

    type_name: ClassVar[str] = "gemini"
    default_model: ClassVar[str | None] = "gemini-2.5-flash"
    modalities: ClassVar[frozenset[str]] = frozenset({"text", "image", "audio", "video"})
    Options = GeminiOptions
    options: GeminiOptions
    key_env: ClassVar[tuple[str, ...]] = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    sdk_module: ClassVar[str] = "google.genai"
    sdk_distribution: ClassVar[str] = "google-genai"
    extra: ClassVar[str] = "google"
    rules: ClassVar[TokenRules | None] = GeminiRules()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._uploads: dict[str, asyncio.Future[types.File]] = {}

    def _make_client(self) -> genai.Client:
        from google import genai
        from google.genai import types

        http_options = types.HttpOptions(
            api_version=self.options.api_version,
            timeout=int(self.config.timeout * 1000),  # milliseconds
            retry_options=types.HttpRetryOptions(attempts=1),
        )
        if self.config.base_url:
            http_options.base_url = self.config.base_url
        return genai.Client(api_key=self._key(), http_options=http_options)

    async def aclose(self) -> None:
        for upload in self._uploads.values():
            if not upload.done():
                upload.cancel()
        await super().aclose()

    async def _close_client(self, client: genai.Client) -> None:
        await client.aio.aclose()

    # --- files -------------------------------------------------------------------------------

    async def file_for(self, media: Media) -> types.File:
        """The uploaded file for these bytes: one upload per content hash, shared by waiters."""
        sha = media.sha256
        upload = self._uploads.get(sha)
        if upload is None or (upload.done() and (upload.cancelled() or upload.exception() is not None)):
            upload = asyncio.ensure_future(self._upload(media, media.mime, sha))
            self._uploads[sha] = upload
        # A sample that times out stops waiting, but the upload goes on for the others.
        return await asyncio.shield(upload)

    async def _upload(self, media: Media, mime: str, sha: str) -> types.File:
        from google.genai import errors, types

        files = self.client.aio.files
        name = f"files/evals-{sha[:32]}"
        found: types.File | None = None
        if self.options.reuse_uploads:
            try:
                found = await files.get(name=name)
            except errors.ClientError as exc:
                if exc.code not in (403, 404):
                    raise
        if found is None or found.state == types.FileState.FAILED:
            config = types.UploadFileConfig(mime_type=mime, display_name=f"evals {sha[:12]}")
            if self.options.reuse_uploads:
                config.name = name
            local = media.local_file()  # a file-backed video streams from disk, never read whole
            found = await files.upload(file=str(local) if local else io.BytesIO(media.data), config=config)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.options.file_wait_s
        while found.state == types.FileState.PROCESSING:
            if loop.time() > deadline:
                raise TimeoutError(
                    f"uploaded file {found.name} was still PROCESSING after {self.options.file_wait_s:g}s"
                )
            await asyncio.sleep(self.options.file_poll_s)
            assert found.name is not None
            found = await files.get(name=found.name)
        if found.state == types.FileState.FAILED or not found.uri:
            raise BadResponse(f"the Files API could not process {found.name} ({found.error})")
        return found

    # --- request -----------------------------------------------------------------------------

    async def contents(self, request: Request) -> list[types.Content]:
        from google.genai import types

        out: list[types.Content] = []
        for message in request.user_messages:
            parts: list[types.Part] = []
            for part in message.parts:
                if isinstance(part, TextPart):
                    if part.text:
                        parts.append(types.Part(text=part.text))
                    continue
                media = part.media
                if part.kind == "video" and media.size() > self.options.inline_video_max_bytes:
                    uploaded = await self.file_for(media)
                    parts.append(
                        types.Part.from_uri(file_uri=uploaded.uri or "", mime_type=uploaded.mime_type)
                    )
                else:
                    parts.append(types.Part.from_bytes(data=media.data, mime_type=media.mime))
                if part.kind == "video":
                    parts[-1].video_metadata = self._video_window(request, part)
            out.append(types.Content(role="model" if message.role == "assistant" else "user", parts=parts))
        return out

    def _video_window(self, request: Request, part: MediaPart) -> types.VideoMetadata | None:
        """The sampling's window as the API's start/end offsets (Gemini samples 1 fps itself)."""
        from google.genai import types

        sampling = sampling_for(part, self.receiver)
        if sampling.start is None and sampling.end is None:
            return None
        start, end = sampling.window(info_of(request, part).seconds)
        return types.VideoMetadata(start_offset=f"{start:g}s", end_offset=f"{end:g}s")

    def generation_config(self, request: Request) -> types.GenerateContentConfig:
        from google.genai import types

        params = request.params
        config = types.GenerateContentConfig(
            system_instruction=request.system,
            max_output_tokens=params.max_tokens,
            temperature=params.temperature,
            top_p=params.top_p,
            seed=params.seed,
            stop_sequences=list(params.stop) or None,
        )
        if params.response_schema and self.options.structured_output:
            config.response_mime_type = "application/json"
            config.response_json_schema = params.response_schema
        if params.logprobs:
            config.response_logprobs = True
        if self.options.thinking_budget is not None:
            config.thinking_config = types.ThinkingConfig(thinking_budget=self.options.thinking_budget)
        return config

    async def generate(self, request: Request) -> Response:
        contents = request.memo.get("gemini-contents")
        if contents is None:  # built once per request: retries reuse parts and uploads
            contents = await self.contents(request)
            request.memo["gemini-contents"] = contents
        if self.options.stream:
            return await self._stream(request, contents)
        result = await self.client.aio.models.generate_content(
            model=self.model, contents=contents, config=self.generation_config(request)
        )
        return content_response(result, self.model)

    async def _stream(self, request: Request, contents: Any) -> Response:
        """The answer in chunks: time to first token is the first chunk with text; the finish
        reason and usage come with the last."""
        client = self.client  # created before the clock starts, as it is once per backend
        started = time.perf_counter()
        first: float | None = None
        pieces: list[str] = []
        last: Any = None
        finish: str | None = None
        chunks = await client.aio.models.generate_content_stream(
            model=self.model, contents=contents, config=self.generation_config(request)
        )
        async for chunk in chunks:
            last = chunk
            for candidate in (chunk.candidates or [])[:1]:
                parts = candidate.content.parts if candidate.content and candidate.content.parts else []
                text = "".join(p.text for p in parts if p.text and not p.thought)
                if text and first is None:
                    first = time.perf_counter() - started
                pieces.append(text)
                if candidate.finish_reason:
                    finish = candidate.finish_reason.value
        if last is None:
            raise BadResponse("the stream ended without a chunk")
        meta = last.usage_metadata
        return Response(
            text="".join(pieces),
            usage=_usage(meta),
            model=last.model_version or self.model,
            finish_reason=finish,
            ttft_s=first,
            raw={"response_id": last.response_id, "finish_reason": finish, "streamed": True},
        )


def content_response(result: Any, model: str) -> Response:
    """A GenerateContentResponse (the SDK's model) as a Response. A blocked prompt or a withheld
    answer is an error of kind `refusal` with its usage kept; images in the answer are outputs."""
    feedback = result.prompt_feedback
    if not result.candidates and feedback is not None and feedback.block_reason:
        block = getattr(feedback.block_reason, "value", feedback.block_reason)
        return refused(f"the prompt was blocked ({block})", Response(usage=_usage(result.usage_metadata)))
    if not result.candidates:
        raise BadResponse("the response has no candidates")
    candidate = result.candidates[0]
    if candidate.content is None and candidate.finish_reason is None:
        raise BadResponse("the response's candidate has neither content nor a finish reason")
    parts = candidate.content.parts if candidate.content and candidate.content.parts else []
    text = "".join(p.text for p in parts if p.text and not p.thought)
    finish = candidate.finish_reason.value if candidate.finish_reason else None
    images = produced_images(parts)
    if not text and not images and finish in _BLOCKED:
        answer = Response(usage=_usage(result.usage_metadata), finish_reason=finish)
        return refused(f"the answer was blocked (finishReason {finish})", answer)
    usage = _usage(result.usage_metadata)
    if images:
        usage.output_images = len(images)
    return Response(
        text=text,
        outputs=images,
        usage=usage,
        model=result.model_version or model,
        finish_reason=finish,
        # Gemini returns the mean log-probability of the answer's tokens (`avgLogprobs`), asked for
        # with `responseLogprobs`: its exp is the answer's confidence, as for OpenAI's tokens.
        confidence=_confidence(getattr(candidate, "avg_logprobs", None)),
        raw={
            "response_id": result.response_id,
            "model_version": result.model_version,
            "finish_reason": finish,
            "usage": result.usage_metadata.model_dump(exclude_none=True, mode="json")
            if result.usage_metadata
            else None,
        },
    )


def _confidence(avg_logprobs: Any) -> float | None:
    if isinstance(avg_logprobs, int | float) and not isinstance(avg_logprobs, bool):
        return confidence_from_logprobs([float(avg_logprobs)])
    return None


def produced_images(parts: list[Any]) -> list[OutputMedia]:
    """Images among a candidate's parts (image models answer with inline data)."""
    found: list[OutputMedia] = []
    for part in parts:
        blob = part.inline_data
        if blob is not None and blob.data and str(blob.mime_type or "").startswith("image/"):
            name = "image" if not found else f"image-{len(found)}"
            found.append(OutputMedia(kind="image", data=blob.data, mime=str(blob.mime_type), name=name))
    return found


# finishReason values that mean the answer was withheld (Gemini API reference, FinishReason).
_BLOCKED = frozenset(
    {
        "SAFETY",
        "RECITATION",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
    }
)


def _usage(meta: Any) -> Usage:
    if meta is None:
        return Usage()
    by_modality: dict[str, int] = {}
    for detail in meta.prompt_tokens_details or []:
        if detail.modality is not None and detail.token_count is not None:
            by_modality[str(detail.modality.value)] = detail.token_count
    thoughts = meta.thoughts_token_count or 0
    output = meta.candidates_token_count
    return Usage(
        input_tokens=meta.prompt_token_count,
        # Thinking tokens are billed as output (Gemini pricing page).
        output_tokens=counted(output or 0, thoughts) if output is not None or thoughts else None,
        cached_input_tokens=meta.cached_content_token_count,
        image_tokens=by_modality.get("IMAGE"),
        audio_tokens=by_modality.get("AUDIO"),
        video_tokens=by_modality.get("VIDEO"),
        reasoning_tokens=meta.thoughts_token_count,
    )
