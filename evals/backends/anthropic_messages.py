"""Anthropic's Messages API through the official SDK: base64 images (media type from the bytes,
converted to PNG when Anthropic does not take the format), system prompt, required max_tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from evals.backends import _media, _structured, _tokens
from evals.backends._errors import BadResponse, UnsupportedInput
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

    async def generate(self, request: Request) -> Response:
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
        if extra:
            kwargs["extra_body"] = extra
        message = await self.client.messages.create(**kwargs)
        if message.content is None:
            raise BadResponse("the message has no content")
        text = "".join(block.text for block in message.content if block.type == "text")
        if by_tool:
            text = _structured.tool_answer(message.content) or text
        usage = message.usage
        cache_read = usage.cache_read_input_tokens or 0
        cache_write = usage.cache_creation_input_tokens or 0
        return Response(
            text=text,
            # Anthropic's input_tokens exclude cache reads and writes; Usage.input_tokens is the
            # whole prompt (the OpenAI/Gemini convention), with cache reads in cached_input_tokens.
            usage=Usage(
                input_tokens=usage.input_tokens + cache_read + cache_write,
                output_tokens=usage.output_tokens,
                cached_input_tokens=cache_read,
            ),
            model=message.model,
            finish_reason=message.stop_reason,
            raw={
                "id": message.id,
                "model": message.model,
                "stop_reason": message.stop_reason,
                "usage": usage.model_dump(exclude_none=True),
            },
        )
