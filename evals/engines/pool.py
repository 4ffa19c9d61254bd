"""A process pool for CPU-bound engines: one worker per core, each loading its model once.

Engines run in worker processes so that recognition never blocks the event loop and uses every
core (the GIL would serialise threads). Each worker calls the engine's loader once, in the pool
initializer, and keeps the model in a module-level slot that the work functions read.

Work functions are plain top-level functions (they are pickled by reference). `EnginePool.run`
returns the function's result with a `WorkerStamp`: which process did the work, how many times
that process loaded its model, and how long the work itself took (without queueing or transfer).
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from evals.errors import MediaError
from evals.machine import usable_cores

T = TypeVar("T")

# Per worker process: the loaded model, how often it was loaded, and why loading failed.
_MODEL: Any = None
_LOADS = 0
_LOAD_ERROR: str | None = None


class EngineFailure(Exception):
    """An engine failed on one sample (a plain, picklable message; the run goes on)."""


@dataclass(frozen=True, slots=True)
class WorkerStamp:
    pid: int
    model_loads: int
    seconds: float

    def as_dict(self) -> dict[str, float | int]:
        return {"worker_pid": self.pid, "model_loads": self.model_loads, "engine_s": round(self.seconds, 6)}


def machine_workers() -> int:
    """One worker per core this process may use."""
    return usable_cores()


def single_threaded_env() -> None:
    """Keep each worker to one thread: the pool already uses one process per core.

    Without this, OpenMP (tesseract) and BLAS libraries start a thread per core in every
    worker, and the workers fight over the same cores.
    """
    for name in ("OMP_THREAD_LIMIT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"


def _initialise(loader: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """Pool initializer: load the model once in this worker; remember a failure, never raise.

    A raising initializer breaks the whole pool with an unhelpful message; instead the failure
    is kept and every sample sent to this worker reports it.
    """
    global _MODEL, _LOADS, _LOAD_ERROR
    single_threaded_env()
    try:
        _MODEL = loader(*args)
        _LOADS += 1
    except Exception as exc:
        _LOAD_ERROR = f"{type(exc).__name__}: {exc}"


def model() -> Any:
    """The model this worker loaded (for work functions)."""
    if _LOAD_ERROR is not None:
        raise EngineFailure(f"the engine could not load its model: {_LOAD_ERROR}")
    return _MODEL


def _stamped(fn: Callable[..., T], args: tuple[Any, ...]) -> tuple[T, WorkerStamp]:
    started = time.perf_counter()
    try:
        result = fn(*args)
    except (MediaError, EngineFailure):
        raise
    except Exception as exc:  # engine exceptions may not pickle: send their text only
        raise EngineFailure(f"{type(exc).__name__}: {exc}") from None
    return result, WorkerStamp(os.getpid(), _LOADS, time.perf_counter() - started)


# Imported once by the fork server, so each new worker starts with them already loaded.
_PRELOAD = ["evals.engines.pool", "evals.engines.backend", "evals.engines.audio", "numpy", "scipy.signal"]


def _context() -> multiprocessing.context.BaseContext:
    """A fork server where the platform has one, else spawn; never a plain fork.

    The parent runs an event loop and threads, which fork does not copy safely. A fork server is
    a clean single-threaded process that imports the shared modules once and forks each worker
    from itself: a worker starts in milliseconds instead of re-importing numpy, scipy and the
    package (~0.5 s of CPU each with spawn).
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")  # pragma: no cover - Windows
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


class WorkPool(Protocol):
    """Where an engine's work runs: this machine's process pool, or Ray actors (ray_pool.py)."""

    async def run(self, fn: Callable[..., T], *args: Any) -> tuple[T, WorkerStamp]: ...

    async def aclose(self) -> None: ...


class EnginePool:
    """A lazily started process pool whose workers each load one engine model.

    `loader(*loader_args)` runs once per worker; `run(fn, *args)` runs `fn` in a worker, where
    `model()` returns what the loader made. A worker that dies (a crash in native code) breaks
    the pool: that sample fails and the next call starts a fresh pool.
    """

    def __init__(self, loader: Callable[..., Any], loader_args: tuple[Any, ...], workers: int) -> None:
        self.loader = loader
        self.loader_args = loader_args
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def _get(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=_context(),
                initializer=_initialise,
                initargs=(self.loader, self.loader_args),
            )
        return self._executor

    async def run(self, fn: Callable[..., T], *args: Any) -> tuple[T, WorkerStamp]:
        executor = self._get()
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(executor, functools.partial(_stamped, fn, args))
        except BrokenProcessPool as exc:
            if self._executor is executor:
                self._executor = None
                executor.shutdown(wait=False, cancel_futures=True)
            raise EngineFailure(
                f"an engine worker process died ({exc}); the next sample starts a new pool"
            ) from None

    async def aclose(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, True, cancel_futures=True)
