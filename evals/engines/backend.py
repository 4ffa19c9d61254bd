"""What every local engine backend shares: the process pool, its size, and the cache identity."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from typing import Any

from pydantic import Field

from evals.backends.base import Backend, BackendConfig, BackendOptions
from evals.engines.pool import EnginePool, WorkPool, machine_workers
from evals.errors import MediaError
from evals.media import Media
from evals.records import Request, Response, Usage


class EngineOptions(BackendOptions):
    workers: int | None = Field(
        None,
        ge=1,
        le=256,
        description="worker processes (default: one per core this process may use); "
        "with --executor ray, Ray actors (default: as many as the cluster's resources hold)",
    )
    # Declared resources, read only by the Ray executor: Ray places each actor on a node that
    # has them free (docs/scale.md).
    num_cpus: float = Field(1.0, ge=0, description="with --executor ray: CPUs each actor reserves")
    num_gpus: float = Field(0.0, ge=0, description="with --executor ray: GPUs each actor reserves")


# Options that say where and how widely the work runs, never what it answers.
PLACEMENT_OPTIONS = {"workers", "num_cpus", "num_gpus"}


class EngineBackend(Backend):
    """A CPU-bound engine run in a pool of worker processes, one model per worker.

    Concurrency: more samples in flight than workers only queue inside the pool, and that wait
    would be counted as the sample's latency. So when the run config does not set `concurrency`,
    it is the pool size.
    """

    kind = "engine"
    cpu_bound = True
    Options = EngineOptions
    options: EngineOptions

    def __init__(self, config: BackendConfig) -> None:
        super().__init__(config)
        self.workers = self.options.workers or machine_workers()
        self._pool: WorkPool | None = None

    def default_concurrency(self) -> int:
        return self.workers

    @abstractmethod
    def loader(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        """The function each worker calls once to load its model, and its arguments."""

    @property
    def pool(self) -> WorkPool:
        if self._pool is None:
            function, args = self.loader()
            self._pool = EnginePool(function, args, self.workers)
        return self._pool

    def run_on(self, pool: WorkPool, workers: int) -> None:
        """Send the work to another pool (Ray actors) of `workers` model replicas."""
        self._pool = pool
        self.workers = workers

    def cache_identity(self) -> dict[str, Any]:
        # Where and how widely the work runs does not change an answer; the engine's version does.
        options = self.options.model_dump(exclude=PLACEMENT_OPTIONS)
        return {"type": self.type_name, "model": self.model, "options": options, "versions": self.versions()}

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()


def media_of(request: Request, kind: str, backend: str) -> list[Media]:
    """The request's media of one kind, in order; none is a per-sample media error."""
    found = [part.media for part in request.media_parts() if part.kind == kind]
    if not found:
        raise MediaError(f"backend {backend!r} needs an {kind} in the request, and it has none")
    return found


def user_text(request: Request) -> str:
    """The text of the last user turn (what a TTS engine speaks)."""
    for message in reversed(request.messages):
        if message.role == "user":
            return message.text
    return ""


def ocr_raw(text: str, stamps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """Debugging detail for one OCR response: worker stamps, lines read, lines per engine second."""
    lines = len(text.splitlines())
    seconds = sum(float(s["engine_s"]) for s in stamps)
    speed = round(lines / seconds, 3) if seconds > 0 else None
    return {"workers": stamps, "lines": lines, "lines_per_s": speed, **extra}


async def transcribe_each(
    backend: EngineBackend, request: Request, transcribe: Callable[..., tuple[str, float]], *args: Any
) -> Response:
    """Run `transcribe(audio_bytes, *args) -> (text, seconds)` in the pool on each audio part of
    the request; the texts joined by spaces, and the audio's length as usage (for real-time
    factors and per-minute prices)."""
    texts: list[str] = []
    stamps: list[dict[str, Any]] = []
    seconds = 0.0
    for audio in media_of(request, "audio", backend.name):
        (text, duration), stamp = await backend.pool.run(transcribe, audio.data, *args)
        texts.append(text)
        seconds += duration
        stamps.append(stamp.as_dict())
    return Response(
        text=" ".join(t for t in texts if t),
        usage=Usage(audio_seconds=round(seconds, 3)),
        model=backend.model,
        raw=speech_raw(seconds, stamps),
    )


def speech_raw(audio_seconds: float, stamps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """Debugging detail for one speech response: worker stamps and the real-time factor
    (engine seconds per second of audio; below 1 is faster than real time)."""
    seconds = sum(float(s["engine_s"]) for s in stamps)
    rtf = round(seconds / audio_seconds, 4) if audio_seconds > 0 else None
    return {"workers": stamps, "audio_s": round(audio_seconds, 3), "rtf": rtf, **extra}
