"""OpenAI Chat Completions (and, as an option, the Responses API) through the official SDK, and
the same protocol at any OpenAI-compatible server (vLLM, Ollama, LM Studio, llama.cpp).

Images go as base64 data URLs (or by URL when the media came from one), several per message,
with the part's `detail`; audio as `input_audio` parts (wav/mp3) for models that take audio.
Streaming (an option) measures time to first token and asks for usage in the last chunk.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from evals.backends import _media, _tokens
from evals.backends._errors import BadResponse, UnsupportedInput, refused
from evals.backends._provider import StainlessBackend, StainlessOptions, TokenRules
from evals.errors import InputError
from evals.records import MediaPart, Request, Response, TextPart, Usage

AUDIO_TOKENS_PER_S = 10  # OpenAI audio input: about one token per 100 ms (audio guide)

if TYPE_CHECKING:
    from openai import AsyncOpenAI  # noqa: F401 (named in the generic base as a string)
    from openai._types import RequestOptions  # the SDK's type of post()'s options

# Models that take `max_completion_tokens` and reject temperature/top_p (OpenAI reasoning docs).
_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")


def is_reasoning_model(model: str) -> bool:
    return any(model == p or model.startswith(p + "-") for p in _REASONING_PREFIXES) and "chat" not in model


class OpenAIRules(TokenRules):
    """Images by OpenAI's tile or patch rule for the model; audio at ~10 tokens a second."""

    def media_tokens(self, model: str, part: MediaPart, facts: _tokens.MediaFacts) -> int | None:
        if part.kind == "image" and facts.width is not None and facts.height is not None:
            return _tokens.openai_image_tokens(model, facts.width, facts.height, part.detail)
        if part.kind == "audio" and facts.seconds is not None:
            return math.ceil(facts.seconds * AUDIO_TOKENS_PER_S)
        return None


class OpenAIOptions(StainlessOptions):
    api: Literal["chat", "responses"] = Field("chat", description="Chat Completions or the Responses API")
    stream: bool = Field(False, description="stream the answer to measure time to first token (chat only)")
    stream_usage: bool = Field(True, description="ask for usage in the stream (stream_options.include_usage)")
    structured_output: bool = Field(True, description="send the task's response_schema as a JSON schema")
    schema_name: str = "answer"
    strict_schema: bool = True
    max_tokens_param: Literal["auto", "max_tokens", "max_completion_tokens"] = Field(
        "auto", description="auto: max_completion_tokens for reasoning models (o-series, gpt-5)"
    )
    reasoning: bool | None = Field(None, description="treat as a reasoning model (None: guess from the name)")
    reasoning_effort: Literal["minimal", "low", "medium", "high"] | None = None
    system_role: Literal["system", "developer"] = "system"
    image_urls: bool = Field(True, description="send images that came from an http(s) URL by reference")
    extra_body: dict[str, Any] = Field(default_factory=dict, description="extra JSON fields to send")


class OpenAIBackend(StainlessBackend["AsyncOpenAI"]):
    """OpenAI's hosted API. Key: OPENAI_API_KEY (or `api_key_env`)."""

    type_name: ClassVar[str] = "openai"
    default_model: ClassVar[str | None] = "gpt-4o-mini"
    modalities: ClassVar[frozenset[str]] = frozenset({"text", "image", "audio"})
    Options = OpenAIOptions
    options: OpenAIOptions
    key_env: ClassVar[tuple[str, ...]] = ("OPENAI_API_KEY",)
    sdk_module: ClassVar[str] = "openai"
    sdk_distribution: ClassVar[str] = "openai"
    extra: ClassVar[str] = "openai"
    rules: ClassVar[TokenRules | None] = OpenAIRules()
    client_class: ClassVar[str] = "AsyncOpenAI"

    def _client_key(self) -> str | None:
        return self._key() or "not-needed"  # an OpenAI-compatible server may take no key

    # --- request building --------------------------------------------------------------------

    @property
    def reasoning(self) -> bool:
        return (
            self.options.reasoning if self.options.reasoning is not None else is_reasoning_model(self.model)
        )

    def _image_url(self, request: Request, part: MediaPart) -> str:
        remote = _media.remote_url(part.media) if self.options.image_urls else None
        return remote or _media.data_url(request, part.media)

    def _turns(self, request: Request, api: Literal["chat", "responses"]) -> list[dict[str, Any]]:
        """The user and assistant turns in one API's shape: the walk over messages and parts is
        the same for Chat Completions and Responses; only the names of the part types differ."""
        turns: list[dict[str, Any]] = []
        for message in request.user_messages:
            if message.role == "assistant":
                turns.append({"role": "assistant", "content": message.text})
                continue
            turns.append(
                {"role": "user", "content": [self._part(request, part, api) for part in message.parts]}
            )
        return turns

    def _part(
        self, request: Request, part: TextPart | MediaPart, api: Literal["chat", "responses"]
    ) -> dict[str, Any]:
        chat = api == "chat"
        if isinstance(part, TextPart):
            return {"type": "text" if chat else "input_text", "text": part.text}
        if part.kind == "image":
            url = self._image_url(request, part)
            if not chat:
                return {"type": "input_image", "image_url": url, "detail": part.detail or "auto"}
            image: dict[str, Any] = {"url": url}
            if part.detail:
                image["detail"] = part.detail
            return {"type": "image_url", "image_url": image}
        if part.kind == "audio" and chat:
            audio = {"data": _media.b64(request, part.media), "format": _media.audio_format(part.media)}
            return {"type": "input_audio", "input_audio": audio}
        where = "chat messages" if chat else "the Responses API mode (use api: chat)"
        raise UnsupportedInput(f"{self.type_name} cannot send {part.kind} in {where}")

    def chat_messages(self, request: Request) -> list[dict[str, Any]]:
        system = [{"role": self.options.system_role, "content": request.system}] if request.system else []
        return [*system, *self._turns(request, "chat")]

    def responses_input(self, request: Request) -> list[dict[str, Any]]:
        return self._turns(request, "responses")

    def _chat_params(self, request: Request) -> dict[str, Any]:
        params = request.params
        out: dict[str, Any] = {"model": self.model}
        if params.max_tokens is not None:
            name = self.options.max_tokens_param
            if name == "auto":
                name = "max_completion_tokens" if self.reasoning else "max_tokens"
            out[name] = params.max_tokens
        if not self.reasoning:
            if params.temperature is not None:
                out["temperature"] = params.temperature
            if params.top_p is not None:
                out["top_p"] = params.top_p
        elif self.options.reasoning_effort:
            out["reasoning_effort"] = self.options.reasoning_effort
        if params.seed is not None:
            out["seed"] = params.seed
        if params.stop:
            out["stop"] = list(params.stop)
        if params.logprobs:
            out["logprobs"] = True
        if params.response_schema and self.options.structured_output:
            out["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": self.options.schema_name,
                    "schema": params.response_schema,
                    "strict": self.options.strict_schema,
                },
            }
        return out

    async def _post_chat(self, payload: dict[str, Any], *, stream: bool) -> Any:
        """POST /chat/completions through the SDK client (auth, errors, parsing, streaming).

        `client.post` is the SDK's documented way to send a body as it is. `create()` would send
        the same JSON but first walks every message part against the SDK's parameter types,
        which cost ≈ 25% of our CPU per request at high concurrency (benchmarks/results.md).
        """
        from openai import AsyncStream
        from openai.types.chat import ChatCompletion, ChatCompletionChunk

        options: RequestOptions = {"security": {"bearer_auth": True}}
        if self.options.extra_body:
            options["extra_json"] = dict(self.options.extra_body)
        return await self.client.post(
            "/chat/completions",
            cast_to=ChatCompletion,
            body={**payload, "stream": stream},
            options=options,
            stream=stream,
            stream_cls=AsyncStream[ChatCompletionChunk],
        )

    # --- calls -------------------------------------------------------------------------------

    def chat_payload(self, request: Request) -> dict[str, Any]:
        """The Chat Completions body for a request (also what a batch line carries)."""
        payload = self._chat_params(request)
        payload["messages"] = self.chat_messages(request)
        return payload

    async def generate(self, request: Request) -> Response:
        if self.options.api == "responses":
            return await self._responses(request)
        kwargs = self.chat_payload(request)
        if self.options.stream:
            return await self._chat_stream(kwargs)
        return chat_response(await self._post_chat(kwargs, stream=False))

    async def _chat_stream(self, kwargs: dict[str, Any]) -> Response:
        if self.options.stream_usage:
            kwargs["stream_options"] = {"include_usage": True}
        started = time.perf_counter()
        ttft: float | None = None
        pieces: list[str] = []
        finish: str | None = None
        model: str | None = None
        usage = Usage()
        stream = await self._post_chat(kwargs, stream=True)
        async for chunk in stream:
            model = chunk.model or model
            if chunk.usage is not None:
                usage = _chat_usage(chunk.usage)
            for choice in chunk.choices:
                if getattr(choice.delta, "refusal", None):
                    return refused(str(choice.delta.refusal), Response(usage=usage, model=model))
                if choice.delta.content:
                    if ttft is None:
                        ttft = time.perf_counter() - started
                    pieces.append(choice.delta.content)
                finish = choice.finish_reason or finish
        if finish is None and not pieces:
            raise BadResponse("the stream ended without an answer")
        if finish == "content_filter" and not pieces:
            return refused(
                "the answer was filtered (finish_reason content_filter)", Response(usage=usage, model=model)
            )
        return Response(
            text="".join(pieces),
            usage=usage,
            model=model,
            finish_reason=finish,
            ttft_s=ttft,
            raw={"model": model, "finish_reason": finish, "streamed": True},
        )

    def responses_payload(self, request: Request) -> dict[str, Any]:
        """The Responses API body for a request (also what a batch line carries)."""
        params = request.params
        kwargs: dict[str, Any] = {"model": self.model, "input": self.responses_input(request), "store": False}
        if request.system:
            kwargs["instructions"] = request.system
        if params.max_tokens is not None:
            kwargs["max_output_tokens"] = params.max_tokens
        if not self.reasoning:
            if params.temperature is not None:
                kwargs["temperature"] = params.temperature
            if params.top_p is not None:
                kwargs["top_p"] = params.top_p
        elif self.options.reasoning_effort:
            kwargs["reasoning"] = {"effort": self.options.reasoning_effort}
        if params.response_schema and self.options.structured_output:
            kwargs["text"] = {
                "format": {
                    "type": "json_schema",
                    "name": self.options.schema_name,
                    "schema": params.response_schema,
                    "strict": self.options.strict_schema,
                }
            }
        return kwargs

    async def _responses(self, request: Request) -> Response:
        kwargs = self.responses_payload(request)
        if self.options.extra_body:
            kwargs["extra_body"] = dict(self.options.extra_body)
        return responses_response(await self.client.responses.create(**kwargs))


def chat_response(completion: Any) -> Response:
    """A Chat Completions answer (the SDK's ChatCompletion) as a Response. A refusal (the
    message's `refusal`, or an empty answer cut by the content filter) is an error of kind
    `refusal`, its usage kept; malformed shapes are bad responses, never internal errors."""
    if not isinstance(completion.choices, list) or not completion.choices:
        raise BadResponse("the completion has no list of choices")
    choice = completion.choices[0]
    message = getattr(choice, "message", None)
    if message is None:
        raise BadResponse("the completion's choice has no message")
    content = message.content
    if content is not None and not isinstance(content, str):
        raise BadResponse("the completion's content is not text")
    answer = Response(
        text=content or "",
        usage=_chat_usage(completion.usage),
        model=completion.model,
        finish_reason=choice.finish_reason,
        logprobs=_token_logprobs(getattr(choice, "logprobs", None)),
        raw={
            "id": completion.id,
            "model": completion.model,
            "finish_reason": choice.finish_reason,
            "usage": completion.usage.model_dump() if completion.usage else None,
        },
    )
    refusal = getattr(message, "refusal", None)
    if refusal or (not content and choice.finish_reason == "content_filter"):
        return refused(str(refusal or "the answer was filtered (finish_reason content_filter)"), answer)
    return answer


def _token_logprobs(found: Any) -> list[float] | None:
    """The answer tokens' log-probabilities (`choices[0].logprobs.content[*].logprob`), when the
    request asked for them and the server sent numbers; None otherwise."""
    content = getattr(found, "content", None)
    if not isinstance(content, list) or not content:
        return None
    values = [getattr(token, "logprob", None) for token in content]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return None
    return [float(v) for v in values if v is not None]


def responses_response(result: Any) -> Response:
    """A Responses API answer (the SDK's Response object) as a Response."""
    if result.status not in (None, "completed", "incomplete"):
        raise BadResponse(f"the response ended with status {result.status!r}")
    usage = Usage()
    if result.usage is not None:
        usage = Usage(
            input_tokens=result.usage.input_tokens,
            output_tokens=result.usage.output_tokens,
            cached_input_tokens=result.usage.input_tokens_details.cached_tokens,
            reasoning_tokens=result.usage.output_tokens_details.reasoning_tokens,
        )
    finish = "length" if result.status == "incomplete" else "stop"
    return Response(
        text=result.output_text,
        usage=usage,
        model=result.model,
        finish_reason=finish,
        raw={
            "id": result.id,
            "model": result.model,
            "status": result.status,
            "usage": result.usage.model_dump() if result.usage else None,
        },
    )


def _chat_usage(usage: Any) -> Usage:
    if usage is None:
        return Usage()
    prompt = getattr(usage, "prompt_tokens_details", None)
    completion = getattr(usage, "completion_tokens_details", None)
    return Usage(
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        cached_input_tokens=getattr(prompt, "cached_tokens", None),
        audio_tokens=getattr(prompt, "audio_tokens", None) or None,
        reasoning_tokens=getattr(completion, "reasoning_tokens", None),
    )


class OpenAICompatibleOptions(OpenAIOptions):
    free: bool = Field(False, description="your own server: report cost 0 instead of unknown")


class OpenAICompatibleBackend(OpenAIBackend):
    """The OpenAI protocol at any `base_url` (vLLM, Ollama, LM Studio, llama.cpp server).

    The model name is free; the key is optional and read only from `api_key_env` when set
    (an OpenAI key in the environment is never sent to another server). `base_url` is part of
    the cache identity.
    """

    type_name: ClassVar[str] = "openai-compatible"
    default_model: ClassVar[str | None] = None
    Options = OpenAICompatibleOptions
    options: OpenAICompatibleOptions
    key_env: ClassVar[tuple[str, ...]] = ()
    key_required: ClassVar[bool] = False

    def check(self) -> None:
        if not self.config.base_url:
            raise InputError(
                f"backend {self.name!r} needs a base_url",
                field=f"backends.{self.name}.base_url",
                fix="e.g. base_url: http://127.0.0.1:8000/v1 (vLLM) or http://127.0.0.1:11434/v1 (Ollama)",
            )
        if not self.config.model:
            raise InputError(
                f"backend {self.name!r} needs a model name",
                field=f"backends.{self.name}.model",
                fix="the name the server knows the model by, e.g. llava-hf/llava-1.5-7b-hf",
            )
        super().check()

    def _key(self) -> str | None:
        if self.config.api_key_env:
            return self.api_key(self.config.api_key_env, required=True)
        return None

    @property
    def key_variable(self) -> str:
        # No key was sent: the server wants one, read from a variable the config must name.
        return self.config.api_key_env or "a variable named by the backend's api_key_env"

    def cost(self, usage: Usage) -> float | None:
        return 0.0 if self.options.free else super().cost(usage)

    def estimate_usage(self, request: Request) -> Usage | None:
        # Open models tokenize images their own way: OpenAI's rule is only a stand-in here.
        return Usage() if self.options.free else super().estimate_usage(request)

    def cache_identity(self) -> dict[str, Any]:
        identity = super().cache_identity()
        identity["base_url"] = (self.config.base_url or "").rstrip("/")
        return identity
