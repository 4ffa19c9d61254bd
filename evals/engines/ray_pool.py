"""Engine work on a Ray cluster: one actor per model replica, each loading its model once.

The same contract as `EnginePool` (`run(fn, *args) -> (result, WorkerStamp)`), so an engine
backend does not know where its work runs. Each actor is a Ray worker process that calls the
engine's loader once when it starts (`pool._initialise`, as a pool worker does) and then runs
work functions, which read the model through `pool.model()` in that process.

Imported only under `--executor ray`: nothing else in the package imports Ray.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import ray
from ray.exceptions import RayActorError

from evals.engines import pool
from evals.engines.pool import EngineFailure, WorkerStamp
from evals.errors import MediaError

T = TypeVar("T")

# An actor whose process dies (a crash in native code) is started again this many times.
ACTOR_RESTARTS = 3


@dataclass(frozen=True, slots=True)
class Placement:
    """How many actors, and the resources each asks the cluster for (where Ray places it)."""

    actors: int
    num_cpus: float
    num_gpus: float


class _EngineActor:
    """Runs in a Ray worker process: the model loaded once, then work functions on it.

    Failures come back as values, not exceptions: an engine's exception may not pickle, and Ray
    would wrap it anyway; the driver turns them back into the pool's exceptions.
    """

    def __init__(self, loader: Callable[..., Any], loader_args: tuple[Any, ...]) -> None:
        pool._initialise(loader, loader_args)

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any]:
        try:
            return "ok", pool._stamped(fn, args)
        except MediaError as exc:
            return "media", str(exc)
        except EngineFailure as exc:
            return "engine", str(exc)


class RayEnginePool:
    """Engine work sent to Ray actors, each request to the actor with the fewest in flight."""

    def __init__(
        self, loader: Callable[..., Any], loader_args: tuple[Any, ...], placement: Placement
    ) -> None:
        self.loader = loader
        self.loader_args = loader_args
        self.placement = placement
        self._actors: list[Any] = []
        self._in_flight: list[int] = []

    def _start(self) -> None:
        if self._actors:
            return
        actor_class = ray.remote(
            num_cpus=self.placement.num_cpus,
            num_gpus=self.placement.num_gpus,
            max_restarts=ACTOR_RESTARTS,
        )(_EngineActor)
        self._actors = [
            actor_class.remote(self.loader, self.loader_args) for _ in range(self.placement.actors)
        ]
        self._in_flight = [0] * len(self._actors)

    async def run(self, fn: Callable[..., T], *args: Any) -> tuple[T, WorkerStamp]:
        self._start()
        index = min(range(len(self._actors)), key=self._in_flight.__getitem__)
        self._in_flight[index] += 1
        try:
            outcome, value = await self._actors[index].call.remote(fn, args)
        except RayActorError as exc:
            raise EngineFailure(
                f"an engine actor died ({type(exc).__name__}); Ray starts it again for the next sample"
            ) from None
        finally:
            self._in_flight[index] -= 1
        if outcome == "media":
            raise MediaError(value)
        if outcome == "engine":
            raise EngineFailure(value)
        result, stamp = value
        return result, stamp

    async def aclose(self) -> None:
        actors, self._actors = self._actors, []
        for actor in actors:
            await asyncio.to_thread(ray.kill, actor)
