"""What every hosted-provider backend shares: the key from the environment, the SDK check,
one client per backend (created on first use inside the run's event loop, reused, closed by
`aclose`), error classification, and cost from the pricing table."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
from collections.abc import Callable
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import Field

from evals.backends import _tokens
from evals.backends._errors import classify
from evals.backends.base import Backend, BackendOptions
from evals.errors import InputError
from evals.media import Media
from evals.pricing import cost_of
from evals.records import ErrorInfo, MediaPart, Request, Response, Usage
from evals.secrets import base_url_problem
from evals.video_request import Receiver, frame_text_tokens, send_of, window_seconds

ClientT = TypeVar("ClientT")
T = TypeVar("T")


def aiohttp_client(transport: str, make: Callable[[], T]) -> T | None:
    """The SDK's aiohttp transport when the options choose it and aiohttp is installed (faster
    than httpx on two cores: FACTS.md), else None, which leaves the SDK on httpx."""
    if transport != "aiohttp":
        return None
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        return None
    return make()


class StainlessOptions(BackendOptions):
    """Options every backend on the openai and anthropic SDKs takes (both come from one
    generator, Stainless, and share their client's shape)."""

    transport: Literal["aiohttp", "httpx"] = Field("aiohttp", description="the SDK's HTTP transport")


class ProviderBackend(Backend, Generic[ClientT]):
    """Subclasses set `key_env`, `sdk_module`, `sdk_distribution`, `extra`, and `_make_client`."""

    key_env: ClassVar[tuple[str, ...]] = ()
    key_required: ClassVar[bool] = True
    sdk_module: ClassVar[str] = ""
    sdk_distribution: ClassVar[str] = ""
    extra: ClassVar[str] = ""  # the pip extra that installs the SDK

    _client: ClientT | None = None

    @property
    def key_variable(self) -> str:
        """The environment variable the key is read from (named in auth errors)."""
        return self.config.api_key_env or (self.key_env[0] if self.key_env else "API key")

    def _sdk_installed(self) -> bool:
        try:
            return importlib.util.find_spec(self.sdk_module) is not None
        except ImportError:  # find_spec of a dotted name imports its parent package
            return False

    def check(self) -> None:
        if self.sdk_module and not self._sdk_installed():
            raise InputError(
                f"backend {self.name!r} needs the {self.sdk_distribution} package",
                field=f"backends.{self.name}",
                fix=f"pip install 'multimodal-evals[{self.extra}]'",
            )
        self._key()
        self._check_base_url()

    def warm_up(self) -> None:
        # Import the SDK before the first request's clock starts: a first import inside it
        # (hundreds of ms for some SDKs) would land in the first requests' measured latency.
        # Not in check(): a re-run served by the cache never needs the SDK (~1 s of start-up).
        importlib.import_module(self.sdk_module)

    def cache_identity(self) -> dict[str, Any]:
        """A server at another base_url may answer differently (a proxy, another deployment)."""
        identity = super().cache_identity()
        if self.config.base_url:
            identity["base_url"] = self.config.base_url.rstrip("/")
        return identity

    def _key(self) -> str | None:
        return self.api_key(*self.key_env, required=self.key_required)

    def _check_base_url(self) -> None:
        """Credentials in the URL (user:password@host) cannot work: the SDK sends its own key
        header, which the aiohttp transport refuses to combine with them (every request fails)
        and httpx silently replaces with Basic auth (every request is refused)."""
        problem = base_url_problem(self.config.base_url) if self.config.base_url else None
        if problem is not None:
            what, fix = problem
            raise InputError(
                f"backend {self.name!r}: {what}", field=f"backends.{self.name}.base_url", fix=fix
            )

    def _make_client(self) -> ClientT:
        raise NotImplementedError

    @property
    def client(self) -> ClientT:
        """The SDK client, created once (on first use, inside the running event loop)."""
        if self._client is None:
            self._client = self._make_client()
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._close_client(self._client)
            self._client = None

    async def _close_client(self, client: ClientT) -> None:
        close = getattr(client, "close", None)
        if close is not None:
            await close()

    def classify_error(self, exc: BaseException) -> ErrorInfo:
        return classify(exc, key_env=self.key_variable)

    def cost(self, usage: Usage) -> float | None:
        return cost_of(self.model, usage)

    rules: ClassVar[TokenRules | None] = None

    def estimate_usage(self, request: Request) -> Usage | None:
        return self.rules.estimate(self.model, request, self.receiver) if self.rules is not None else None

    def attribute_video(self, request: Request, sent: Request, response: Response) -> Response:
        """Name the video's share of the prompt when the API reports only a total: the frames'
        tokens by the provider's image rule, moved out of any image count the API gave."""
        usage = response.usage
        if sent is request or usage.video_tokens is not None or self.rules is None:
            return response
        share = self.rules.frame_share(self.model, request, sent)
        if share:
            if usage.input_tokens is not None:
                share = min(share, usage.input_tokens)
            usage.video_tokens = share
            if usage.image_tokens is not None:
                usage.image_tokens = max(0, usage.image_tokens - share) or None
        return response

    def versions(self) -> dict[str, str]:
        try:
            return {self.sdk_distribution: importlib.metadata.version(self.sdk_distribution)}
        except importlib.metadata.PackageNotFoundError:
            return {}


DEFAULT_OUTPUT_TOKENS = 256  # when a task sets no max_tokens (GenerationSpec's default)


def request_facts(request: Request, media: Media) -> _tokens.MediaFacts:
    """Size or duration of a media part, read from its header once per request."""
    key = f"facts:{media.sha256}"
    facts = request.memo.get(key)
    if not isinstance(facts, _tokens.MediaFacts):
        facts = _tokens.media_facts(media.kind, media.data)
        request.memo[key] = facts
    return facts


class TokenRules:
    """Per-provider estimate of one request: text at ~4 characters per token, media by the
    provider's published rule (evals/backends/_tokens.py), output at the request's max_tokens
    (an upper bound) or DEFAULT_OUTPUT_TOKENS."""

    def media_tokens(self, model: str, part: MediaPart, facts: _tokens.MediaFacts) -> int | None:
        return None

    def native_video_tokens(self, model: str, seconds: float, has_audio: bool) -> tuple[int, int] | None:
        """(video, audio) tokens of a video sent as a file; None where the provider takes none."""
        return None

    def video_tokens(
        self, model: str, request: Request, part: MediaPart, receiver: Receiver
    ) -> tuple[int, int, int] | None:
        """(video, audio, text) tokens of one video part as this backend is sent it, from the
        header alone: frames × the image rule at the frames' size and detail (plus the
        timestamps' text, and the audio track where it goes along), or the provider's
        per-second rates when it takes the file."""
        send = send_of(request, part, receiver)
        seconds = window_seconds(send)
        if send.mode == "native":
            native = self.native_video_tokens(model, seconds, send.info.has_audio)
            return None if native is None else (native[0], native[1], 0)
        width, height = send.sampling.frame_size(send.info.width, send.info.height)
        frame = MediaPart(Media.from_bytes("image", b""), send.sampling.detail)
        per_frame = self.media_tokens(model, frame, _tokens.MediaFacts(width, height))
        if per_frame is None:
            return None
        audio = 0
        if send.audio:
            counted = self.media_tokens(
                model, MediaPart(Media.from_bytes("audio", b"")), _tokens.MediaFacts(seconds=seconds)
            )
            if counted is None:
                return None
            audio = counted
        return _tokens.frames_tokens(per_frame, len(send.times)), audio, frame_text_tokens(send)

    def estimate(self, model: str, request: Request, receiver: Receiver | None = None) -> Usage | None:
        text = "\n".join(m.text for m in request.messages)
        tokens = _tokens.text_tokens(text)
        image = audio = video = 0
        for part in request.media_parts():
            if part.kind == "video" and receiver is not None:
                found = self.video_tokens(model, request, part, receiver)
                if found is None:
                    return None
                video += found[0]
                audio += found[1]
                tokens += sum(found)
                continue
            counted = self.media_tokens(model, part, request_facts(request, part.media))
            if counted is None:
                return None
            tokens += counted
            image += counted if part.kind == "image" else 0
            audio += counted if part.kind == "audio" else 0
        return Usage(
            input_tokens=tokens,
            output_tokens=request.params.max_tokens or DEFAULT_OUTPUT_TOKENS,
            image_tokens=image or None,
            audio_tokens=audio or None,
            video_tokens=video or None,
        )

    def frame_share(self, model: str, original: Request, sent: Request) -> int | None:
        """Tokens of the frames a video was sent as (the image parts `sent` has and `original`
        does not), by the image rule: for APIs that report only a prompt total."""
        given = {id(p.media) for p in original.media_parts()}
        total = 0
        for part in sent.media_parts():
            if part.kind != "image" or id(part.media) in given:
                continue
            counted = self.media_tokens(model, part, request_facts(sent, part.media))
            if counted is None:
                return None
            total += counted
        return total


class StainlessBackend(ProviderBackend[ClientT]):
    """A backend on the openai or anthropic SDK: one client set-up for both. The SDK's own
    retries are off (`max_retries=0`: the runner owns retries, and anthropic's SDK would honour
    a long Retry-After without a cap); the transport is aiohttp when the options choose it."""

    client_class: ClassVar[str] = ""  # the SDK's async client class, e.g. "AsyncOpenAI"

    def _make_client(self) -> ClientT:
        sdk = importlib.import_module(self.sdk_module)
        transport = str(getattr(self.options, "transport", "httpx"))
        hooks = {"response": [self._observe_rate_limits]}
        http_client = aiohttp_client(
            transport, lambda: sdk.DefaultAioHttpClient(timeout=self.config.timeout, event_hooks=hooks)
        ) or sdk.DefaultAsyncHttpxClient(timeout=self.config.timeout, event_hooks=hooks)
        client: ClientT = getattr(sdk, self.client_class)(
            api_key=self._client_key(),
            base_url=self.config.base_url,
            max_retries=0,
            timeout=self.config.timeout,
            http_client=http_client,
        )
        return client

    def _client_key(self) -> str | None:
        return self._key()

    async def _observe_rate_limits(self, response: Any) -> None:
        """The HTTP client's response hook: the quota headers, for the runner's limiter."""
        self.rate_signal.observe(response.headers)
