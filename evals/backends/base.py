"""The backend interface: one async `generate(request) -> Response`, plus what it declares.

A backend declares the modalities it accepts, whether its answers may be cached, what kind of
system it is (a provider API, a local engine, or a baseline), and how its errors classify into
retryable or not. The runner owns retries, timeouts, rate limits, caching and cost.
"""

from __future__ import annotations

import asyncio
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from evals.backends.scale_config import BatchSettings, ReplicaSettings, batch_setting
from evals.errors import InputError
from evals.ratelimits import RateSignal
from evals.records import ErrorInfo, Request, Response, Sample, Usage
from evals.registry import Registry
from evals.secrets import base_url_problem, remember_secret
from evals.video_request import Receiver, for_backend

BackendKind = Literal["provider", "engine", "baseline"]


class BackendConfig(BaseModel):
    """One backend in a run config. `options` are validated by the backend's own `Options`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@/+-]*$", description="label in reports")
    type: str = Field(description="registered backend type (run-eval list shows them)")
    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = Field(None, description="environment variable holding the key")
    concurrency: int | None = Field(
        None, ge=1, le=1024, description="requests in flight (default: the backend's own, e.g. 8 for APIs)"
    )
    rpm: float | None = Field(None, gt=0, description="requests per minute, at most")
    timeout: float = Field(60.0, gt=0, description="seconds per request")
    max_retries: int = Field(4, ge=0, le=20)
    max_retry_wait: float = Field(60.0, ge=0, description="cap on one wait, Retry-After included")
    tasks: list[str] | None = Field(None, description="glob patterns of tasks to run it on")
    options: dict[str, Any] = Field(default_factory=dict)
    video: dict[str, Any] | None = Field(
        None,
        description="sampling changes for every video this backend gets, over the task's "
        "(e.g. {frames: 1}: the single-middle-frame ablation); docs/video.md",
    )
    batch: BatchSettings | None = Field(
        None, description="send through the provider's batch API (true, or settings); docs/scale.md"
    )
    base_urls: list[str] | None = Field(
        None, min_length=1, description="several replicas of one server; requests go to the least busy"
    )
    replicas: ReplicaSettings = Field(
        default_factory=ReplicaSettings, description="when a replica is taken out and tried again"
    )

    @field_validator("batch", mode="before")
    @classmethod
    def _no_batch(cls, value: Any) -> Any:
        return batch_setting(value)

    @field_validator("base_url")
    @classmethod
    def _usable_url(cls, value: str | None) -> str | None:
        problem = base_url_problem(value) if value else None
        if problem is not None:
            raise ValueError(f"{problem[0]}; {problem[1]}")
        return value


class BackendOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Backend(ABC):
    """Subclass, set the class variables, implement `generate`."""

    type_name: ClassVar[str]
    kind: ClassVar[BackendKind] = "provider"
    modalities: ClassVar[frozenset[str]] = frozenset({"text"})
    outputs: ClassVar[frozenset[str]] = frozenset({"text"})
    cacheable: ClassVar[bool] = True
    # CPU-bound local work (engines): across all such backends the runner lets one request per
    # core run at a time, so engines do not slow each other down and their latencies stay honest.
    cpu_bound: ClassVar[bool] = False
    default_model: ClassVar[str | None] = None
    Options: ClassVar[type[BackendOptions]] = BackendOptions

    def __init__(self, config: BackendConfig) -> None:
        self.config = config
        try:
            self.options = self.Options.model_validate(config.options)
        except ValidationError as exc:
            first = exc.errors()[0]
            allowed = ", ".join(self.Options.model_fields) or "none"
            raise InputError(
                f"backend {config.name!r} option {'.'.join(map(str, first['loc']))!r}: {first['msg']}",
                field=f"backends.{config.name}.options",
                fix=f"options allowed: {allowed}",
            ) from exc

    @property
    def rate_signal(self) -> RateSignal:
        """The provider's latest rate-limit headers (backends whose client reads them feed it)."""
        signal: RateSignal | None = self.__dict__.get("_rate_signal")
        if signal is None:
            signal = self.__dict__["_rate_signal"] = RateSignal()
        return signal

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def model(self) -> str:
        return self.config.model or self.default_model or self.type_name

    def default_concurrency(self) -> int:
        """Requests in flight when the run config does not say (engines: their pool size)."""
        return 8

    @property
    def concurrency(self) -> int:
        return self.config.concurrency or self.default_concurrency()

    def check(self) -> None:
        """Raise InputError before the run if the backend cannot work (missing key, engine)."""

    def warm_up(self) -> None:
        """Called once before this backend's first request is sent, outside its measured time
        (never when the cache answers every request): import what the first request needs."""

    def api_key(self, *names: str, required: bool = True) -> str | None:
        """The key from the environment only; a missing key names the variable to set."""
        candidates = [self.config.api_key_env] if self.config.api_key_env else list(names)
        for name in candidates:
            value = os.environ.get(name)
            if value:
                remember_secret(value)
                return value
        if required:
            raise InputError(
                f"backend {self.name!r} needs an API key in the environment",
                field=f"backends.{self.name}",
                fix=f"export {candidates[0]}=... (keys are read from the environment only)",
            )
        return None

    def cache_identity(self) -> dict[str, Any]:
        """What, besides the request, determines the answer: part of the cache key."""
        identity = {"type": self.type_name, "model": self.model, "options": self.options.model_dump()}
        if self.config.video:
            identity["video"] = dict(sorted(self.config.video.items()))
        return identity

    @property
    def receiver(self) -> Receiver:
        """How this backend gets videos: as video where it takes them, else as frames."""
        changes = tuple(sorted((self.config.video or {}).items()))
        return Receiver(self.name, self.type_name, self.modalities, changes)

    def prepare(self, request: Request) -> Request:
        """The request as this backend receives it (video parts become frames, or stay video)."""
        return for_backend(request, self.receiver)

    def bind_run(self, folder: Path) -> None:
        """Called once the run directory is known (batch mode keeps its batch ids there)."""

    async def setup(self, task: TaskInfo) -> None:
        """Called once per task before its samples (baselines read the dataset's answers here)."""

    async def answer(self, request: Request, sample: Sample) -> Response:
        """What the runner calls. Only baselines look at the sample; models get the request,
        with its videos as this backend takes them."""
        sent = self.prepare(request)
        return self.attribute_video(request, sent, await self.generate(sent))

    def attribute_video(self, request: Request, sent: Request, response: Response) -> Response:
        """Provider backends name the video's share of the usage here (see ProviderBackend)."""
        return response

    @abstractmethod
    async def generate(self, request: Request) -> Response:
        """Send one request; raise on failure (classified by `classify_error`)."""

    def classify_error(self, exc: BaseException) -> ErrorInfo:
        """Turn an exception into an error kind; SDK backends extend this."""
        if isinstance(exc, asyncio.TimeoutError | TimeoutError):
            return ErrorInfo(kind="timeout", message="no answer within the timeout", retryable=True)
        if isinstance(exc, ConnectionError):
            return ErrorInfo(kind="connection", message=f"{type(exc).__name__}: {exc}", retryable=True)
        return ErrorInfo(kind="internal", message=f"{type(exc).__name__}: {exc}", retryable=False)

    def cost(self, usage: Usage) -> float | None:
        """Dollars for one response; baselines and local engines cost nothing."""
        return 0.0 if self.kind != "provider" else None

    def estimate_usage(self, request: Request) -> Usage | None:
        """Predicted usage of one request before it is sent (for `--dry-run` and the budget
        check); None when the backend cannot tell. Provider backends apply their published
        token rules; baselines and engines use nothing billable."""
        return Usage() if self.kind != "provider" else None

    def versions(self) -> dict[str, str]:
        """Versions of the SDK or engine, for run.json."""
        return {}

    async def aclose(self) -> None:
        """Release clients, pools and files."""


class TaskInfo:
    """What a backend may know about a task before its samples: name, kind, references."""

    def __init__(self, name: str, kind: str, targets: Any) -> None:
        self.name = name
        self.kind = kind
        self._targets = targets

    def targets(self) -> Iterator[list[str]]:
        """Every sample's references (reads the dataset, never its media)."""
        return iter(self._targets())


backend_registry: Registry[Backend] = Registry("evals.backends", "backend", Backend)


WrapperT = TypeVar("WrapperT", bound=Backend)


def wrapper_class(prefix: str, base: type[WrapperT], inner: Backend) -> type[WrapperT]:
    """A subclass of `base` that presents the class variables of the backend it wraps (its
    type name, kind, modalities, outputs, options), so a wrapper (replicas, batch mode) is
    planned, checked and reported as the backend itself."""
    made: type[WrapperT] = type(
        f"{prefix}{type(inner).__name__}",
        (base,),
        {
            "type_name": inner.type_name,
            "kind": inner.kind,
            "modalities": inner.modalities,
            "outputs": inner.outputs,
            "cacheable": inner.cacheable,
            "default_model": inner.default_model,
            "Options": inner.Options,
            "inner_type": type(inner),
        },
    )
    return made
