"""Anthropic's Messages API through the official SDK: base64 images (media type from the bytes,
converted to PNG when Anthropic does not take the format), system prompt, required max_tokens."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from evals.backends import _media, _structured, _tokens
from evals.backends._errors import BadResponse, UnsupportedInput, counted, refused
from evals.backends._provider import StainlessBackend, StainlessOptions, TokenRules
from evals.records import MediaPart, Request, Response, TextPart, Usage

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic  # noqa: F401 (named in the generic base as a string)

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


class AnthropicRules(TokenRules):
    """Images at about w×h/750 tokens after Anthropic's downscaling rule."""

    def media_tokens(self, model: str, part: MediaPart, facts: _tokens.MediaFacts) -> int | None:
        if part.kind == "image" and facts.width is not None and facts.height is not None:
            return _tokens.anthropic_image_tokens(facts.width, facts.height)
        return None


class AnthropicOptions(StainlessOptions):
    max_tokens: int = Field(
        1024, ge=1, description="used when the task sets no max_tokens (the API needs one)"
    )
    sampling: bool = Field(
        False,
        description="send temperature/top_p (in the body: the SDK no longer has these parameters; "
        "only older models accept them)",
    )
    structured_output: bool = Field(
        True, description="send the task's response_schema as output_config.format"
    )
    structured_via: Literal["output_config", "tool"] = Field(
        "output_config", description="structured output as output_config.format, or by a forced tool call"
    )
    effort: Literal["low", "medium", "high", "xhigh", "max"] | None = None
    extra_body: dict[str, Any] = Field(default_factory=dict, description="extra JSON fields to send")
    stream: bool = Field(False, description="stream the answer to measure time to first token")


class AnthropicBackend(StainlessBackend["AsyncAnthropic"]):
    """Claude models. Key: ANTHROPIC_API_KEY (or `api_key_env`)."""

    type_name: ClassVar[str] = "anthropic"
    default_model: ClassVar[str | None] = "claude-haiku-4-5"
    modalities: ClassVar[frozenset[str]] = frozenset({"text", "image"})
    Options = AnthropicOptions
    options: AnthropicOptions
    key_env: ClassVar[tuple[str, ...]] = ("ANTHROPIC_API_KEY",)
    sdk_module: ClassVar[str] = "anthropic"
    sdk_distribution: ClassVar[str] = "anthropic"
    extra: ClassVar[str] = "anthropic"
    rules: ClassVar[TokenRules | None] = AnthropicRules()
    client_class: ClassVar[str] = "AsyncAnthropic"

    def messages(self, request: Request) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for message in request.user_messages:
            blocks: list[dict[str, Any]] = []
            for part in message.parts:
                if isinstance(part, TextPart):
                    if part.text:
                        blocks.append({"type": "text", "text": part.text})
                elif part.kind == "image":
                    mime, data = _media.image_in(request, part.media, IMAGE_TYPES)
                    blocks.append(
                        {"type": "image", "source": {"type": "base64", "media_type": mime, "data": data}}
                    )
                else:
                    raise UnsupportedInput(f"anthropic messages cannot carry {part.kind}")
            out.append({"role": message.role, "content": blocks})
        return out

    def message_params(self, request: Request) -> dict[str, Any]:
        """The Messages API parameters for a request, extra fields merged in (also what a
        batch item's `params` carry)."""
        params = request.params
        kwargs: dict[str, Any] = {
            "model": self.model,
            "max_tokens": params.max_tokens or self.options.max_tokens,
            "messages": self.messages(request),
        }
        if request.system:
            kwargs["system"] = request.system
        if params.stop:
            kwargs["stop_sequences"] = list(params.stop)
        output_config: dict[str, Any] = {}
        by_tool = (
            bool(params.response_schema)
            and self.options.structured_output
            and self.options.structured_via == "tool"
        )
        if params.response_schema and self.options.structured_output:
            if by_tool:
                kwargs.update(_structured.forced_tool(params.response_schema))
            else:
                output_config["format"] = {"type": "json_schema", "schema": params.response_schema}
        if self.options.effort:
            output_config["effort"] = self.options.effort
        if output_config:
            kwargs["output_config"] = output_config
        extra = dict(self.options.extra_body)
        if self.options.sampling:
            # anthropic 2.x dropped temperature/top_p from `create`; older models still take them.
            if params.temperature is not None:
                extra.setdefault("temperature", params.temperature)
            if params.top_p is not None:
                extra.setdefault("top_p", params.top_p)
        return {**kwargs, **extra}

    async def generate(self, request: Request) -> Response:
        params = self.message_params(request)
        known = (
            "model",
            "max_tokens",
            "messages",
            "system",
            "stop_sequences",
            "output_config",
            "tools",
            "tool_choice",
        )
        kwargs = {k: v for k, v in params.items() if k in known}
        extra = {k: v for k, v in params.items() if k not in known}
        if extra:
            kwargs["extra_body"] = extra
        if self.options.stream:
            return await self._stream(kwargs)
        return message_response(await self.client.messages.create(**kwargs))

    async def _stream(self, kwargs: dict[str, Any]) -> Response:
        """The answer as server-sent events: time to first token is the first text delta."""
        client = self.client  # created before the clock starts, as it is once per backend
        started = time.perf_counter()
        first: float | None = None
        chunks: list[str] = []
        start: Any = None
        stop_reason: str | None = None
        output_tokens: int | None = None
        events = await client.messages.create(**kwargs, stream=True)
        async for event in events:
            if event.type == "message_start":
                start = event.message
            elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                if first is None:
                    first = time.perf_counter() - started
                chunks.append(event.delta.text)
            elif event.type == "message_delta":
                stop_reason = event.delta.stop_reason
                output_tokens = event.usage.output_tokens
        if start is None:
            raise BadResponse("the stream ended without a message")
        usage = start.usage
        cache_read = usage.cache_read_input_tokens or 0
        cache_write = usage.cache_creation_input_tokens or 0
        return Response(
            text="".join(chunks),
            usage=Usage(
                input_tokens=usage.input_tokens + cache_read + cache_write,
                output_tokens=output_tokens if output_tokens is not None else usage.output_tokens,
                cached_input_tokens=cache_read,
            ),
            model=start.model,
            finish_reason=stop_reason,
            ttft_s=first,
            raw={"id": start.id, "model": start.model, "stop_reason": stop_reason, "streamed": True},
        )


def message_response(message: Any) -> Response:
    """An Anthropic Message (the SDK's model) as a Response. A refusal is an error of kind
    `refusal` with its usage kept; a message without usage keeps its answer (cost unknown)."""
    if not isinstance(message.content, list):
        raise BadResponse("the message has no list of content blocks")
    text = "".join(
        block.text for block in message.content if getattr(block, "type", None) == "text" and block.text
    )
    # A forced tool call (structured_via: tool) carries the answer as the tool's input.
    text = _structured.tool_answer(message.content) or text
    usage = message.usage
    if usage is None:  # kept as "no usage" (cost unknown), never a lost paid answer
        counts = Usage()
    else:
        cache_read = usage.cache_read_input_tokens or 0
        cache_write = usage.cache_creation_input_tokens or 0
        # Anthropic's input_tokens exclude cache reads and writes; Usage.input_tokens is the
        # whole prompt (the OpenAI/Gemini convention), with cache reads in cached_input_tokens.
        counts = Usage(
            input_tokens=counted(usage.input_tokens, cache_read, cache_write),
            output_tokens=usage.output_tokens,
            cached_input_tokens=cache_read,
        )
    answer = Response(
        text=text,
        usage=counts,
        model=message.model,
        finish_reason=message.stop_reason,
        raw={
            "id": message.id,
            "model": message.model,
            "stop_reason": message.stop_reason,
            "usage": usage.model_dump(exclude_none=True) if usage is not None else None,
        },
    )
    if message.stop_reason == "refusal":
        return refused("stop_reason refusal", answer)
    return answer
