"""`--executor ray`: local engines run as Ray actors on a cluster; everything else stays here.

Only the engines' CPU- or GPU-bound work moves: each engine backend (tesseract, rapidocr,
whisper, pocketsphinx, espeak, diarization, and the engine stages of composites such as
tts-roundtrip) gets actors that load its model once, placed by Ray on nodes with the resources
the backend declares (`num_cpus`, `num_gpus`). Provider calls stay asynchronous in this
process, and this process alone reads the cache and writes the journal, so resume, the cache
and exactly-once behave as without Ray.

This module is imported only when `--executor ray` is given; Ray is an optional extra.
"""

from __future__ import annotations

import importlib
import math
import os
import socket
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from evals.backends.base import Backend
from evals.backends.composite import CompositeBackend
from evals.engines.backend import EngineBackend
from evals.errors import InputError

# Whether this process joined the cluster itself (and so leaves it when the run ends).
_JOINED = False
REACH_TIMEOUT_S = 5.0
LOOPBACK = {"127.0.0.1", "localhost"}
INSTALL_FIX = "pip install 'multimodal-evals[ray]', or run without --executor ray"


@dataclass
class RayPlacement:
    """What was placed on the cluster: per engine backend, its actors and their resources."""

    address: str
    actors: dict[str, tuple[int, float, float]] = field(default_factory=dict)
    # Top-level backends whose CPU-bound work all runs on the cluster: the driver's
    # one-request-per-core limit does not apply to them.
    remote: set[str] = field(default_factory=set)


def import_ray() -> ModuleType:
    """Ray, or a one-line error saying how to install it."""
    # A harness sends nothing anywhere unasked: Ray's usage statistics stay off unless the
    # environment turns them on.
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        return importlib.import_module("ray")
    except ImportError as exc:
        raise InputError(
            f"--executor ray needs the ray package, which cannot be imported ({exc})",
            field="--executor",
            fix=INSTALL_FIX,
        ) from None


def connect(address: str | None) -> str:
    """Join the cluster at `address`, or start a local one on loopback; its GCS address."""
    if not address or address.split(":")[0] in LOOPBACK:
        # A cluster of this machine only. Ray would bind its servers to the machine's network
        # address, found by asking the routing table for a route out; this switch (Ray's
        # single-machine mode, read when Ray is imported) keeps every server on 127.0.0.1.
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    ray = import_ray()
    if ray.is_initialized():
        return str(ray.get_runtime_context().gcs_address)
    if address:
        _check_reachable(address)
    global _JOINED
    try:
        ray.init(address=address or None, log_to_driver=False, include_dashboard=False)
        _JOINED = True
    except (ConnectionError, RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"cannot join the Ray cluster at {address or 'a new local cluster'}: {first}",
            field="--ray-address",
            fix="give the head node's address (host:port, as `ray start --head` prints it), "
            "or leave --ray-address out for a local cluster",
        ) from None
    return str(ray.get_runtime_context().gcs_address)


def _check_reachable(address: str) -> None:
    """Ray retries an address that does not answer for minutes; one TCP connection says at once."""
    target = address.removeprefix("ray://")
    host, _, port = target.rpartition(":")
    if address == "auto" or not host or not port.isdigit():
        return  # Ray's own forms ("auto", a bare host): Ray resolves and reports them
    try:
        socket.create_connection((host, int(port)), timeout=REACH_TIMEOUT_S).close()
    except OSError as exc:
        raise InputError(
            f"no Ray cluster answers at {address} ({exc.strerror or exc})",
            field="--ray-address",
            fix="start it with `ray start --head` and give the address it prints (host:port), "
            "or leave --ray-address out for a local cluster",
        ) from None


def disconnect() -> None:
    """Leave the cluster if `connect` joined it (a caller already in one stays in it)."""
    global _JOINED
    if _JOINED:
        import_ray().shutdown()
        _JOINED = False


def engines_of(backend: Backend) -> list[EngineBackend]:
    """The engine backends doing a backend's work: itself, or a composite's engine stages."""
    if isinstance(backend, EngineBackend):
        return [backend]
    if isinstance(backend, CompositeBackend):
        return [engine for stage in backend.stages.values() for engine in engines_of(stage)]
    return []


def _actors(engine: EngineBackend, cluster: dict[str, float], sharing: int) -> int:
    """The backend's `workers`, or as many actors as its share of the cluster holds."""
    cpus, gpus = engine.options.num_cpus, engine.options.num_gpus
    if gpus > cluster.get("GPU", 0.0):
        raise InputError(
            f"backend {engine.name!r} asks for {gpus:g} GPU per actor; the Ray cluster has "
            f"{cluster.get('GPU', 0.0):g}",
            field=f"backends.{engine.name}.options.num_gpus",
            fix="lower num_gpus, or join a cluster with GPUs (--ray-address)",
        )
    if engine.options.workers is not None:
        return engine.options.workers
    fits = [cluster.get("CPU", 0.0) / sharing / cpus] if cpus > 0 else []
    if gpus > 0:
        fits.append(cluster.get("GPU", 0.0) / sharing / gpus)
    return max(1, math.floor(min(fits))) if fits else 1


def place_engines(backends: dict[str, Backend], address: str, cluster: dict[str, float]) -> RayPlacement:
    """Give every engine backend Ray actors instead of a local process pool.

    Engines without `workers` share the cluster's CPUs (and GPUs) evenly. Actors hold their
    resources while they live, so a request for more than the cluster has would wait for ever:
    it is refused before anything runs.
    """
    from evals.engines.ray_pool import Placement, RayEnginePool

    placement = RayPlacement(address)
    engines = {id(e): e for b in backends.values() for e in engines_of(b)}
    sharing = max(1, sum(1 for e in engines.values() if e.options.workers is None))
    wanted_cpus = 0.0
    for engine in engines.values():
        actors = _actors(engine, cluster, sharing)
        options = engine.options
        function, args = engine.loader()
        where = Placement(actors, options.num_cpus, options.num_gpus)
        engine.run_on(RayEnginePool(function, args, where), actors)
        placement.actors[engine.name] = (actors, options.num_cpus, options.num_gpus)
        wanted_cpus += actors * options.num_cpus
    if wanted_cpus > cluster.get("CPU", 0.0):
        raise InputError(
            f"the engines' Ray actors need {wanted_cpus:g} CPUs; the cluster has {cluster.get('CPU', 0.0):g}",
            field="backends.*.options.workers",
            fix="lower workers or num_cpus, or join a larger cluster",
        )
    placement.remote = {
        name for name, backend in backends.items() if backend.cpu_bound and engines_of(backend)
    }
    return placement


def start(backends: dict[str, Backend], address: str | None) -> RayPlacement:
    """Join (or start) the cluster and place the engines on it."""
    gcs = connect(address)
    cluster: dict[str, Any] = import_ray().cluster_resources()
    return place_engines(backends, gcs, {k: float(v) for k, v in cluster.items()})
