"""Turn a run config into a checked plan: loaded tasks, built backends, and which backend runs
which task. Everything that can be refused is refused here, before a request is sent."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.backends.base import Backend, BackendConfig, backend_registry
from evals.config import RunConfig, resolve_task_path
from evals.errors import InputError
from evals.task.loader import Task, load_task


@dataclass
class Plan:
    config: RunConfig
    tasks: list[Task]
    backends: dict[str, Backend]
    pairs: dict[str, list[str]]  # task name → backend names

    def describe_tasks(self) -> list[dict[str, Any]]:
        out = []
        for task in self.tasks:
            out.append(
                {
                    "name": task.name,
                    "kind": task.spec.kind,
                    "path": str(task.path.resolve()) if task.path else None,
                    "sha256": hashlib.sha256(task.path.read_bytes()).hexdigest() if task.path else None,
                    "metrics": [
                        {
                            "name": m.name,
                            "scorer": s.name,
                            "higher_is_better": m.higher_is_better,
                            "ratio_of": list(m.ratio_of) if m.ratio_of else None,
                            "binary": m.binary,
                        }
                        for s in task.scorers
                        for m in s.metrics
                    ],
                    "breakdowns": list(task.spec.breakdowns),
                    "backends": self.pairs.get(task.name, []),
                }
            )
        return out

    def describe_backends(self) -> list[dict[str, Any]]:
        return [
            {
                "name": b.name,
                "type": b.type_name,
                "kind": b.kind,
                "model": b.model,
                "base_url": b.config.base_url,
                "modalities": sorted(b.modalities),
                "concurrency": b.concurrency,
                "rpm": b.config.rpm,
                "timeout": b.config.timeout,
                "max_retries": b.config.max_retries,
                "versions": b.versions(),
            }
            for b in self.backends.values()
        ]


def build_backend(config: BackendConfig) -> Backend:
    try:
        cls = backend_registry.get(config.type)
    except InputError as exc:
        raise exc.located(field=f"backends.{config.name}.type") from None
    return cls(config)


def make_plan(config: RunConfig, base: Path, *, check_backends: bool = True) -> Plan:
    tasks: list[Task] = []
    seen: set[str] = set()
    for entry in config.tasks:
        task = load_task(resolve_task_path(entry, base))
        if task.name in seen:
            raise InputError(f"task {task.name!r} is listed twice", field="tasks", fix="list it once")
        seen.add(task.name)
        tasks.append(task)
    backends = {b.name: build_backend(b) for b in config.backends}
    pairs: dict[str, list[str]] = {}
    for task in tasks:
        chosen = [b.name for b in config.backends_for(task.name)]
        for name in chosen:
            _check_pair(task, backends[name])
        pairs[task.name] = chosen
    used = {n for names in pairs.values() for n in names}
    unused = [name for name in backends if name not in used]
    if unused:
        raise InputError(
            f"backend {unused[0]!r} matches no task",
            field=f"backends.{unused[0]}.tasks",
            fix="fix its tasks: patterns, or remove it",
        )
    if check_backends:
        for backend in backends.values():
            backend.check()
    return Plan(config, tasks, backends, pairs)


def _check_pair(task: Task, backend: Backend) -> None:
    needs = task.modalities()
    missing = sorted(needs - backend.modalities)
    if missing:
        raise InputError(
            f"task {task.name!r} sends {', '.join(missing)}, which backend {backend.name!r} "
            f"({backend.type_name}) cannot take (it accepts {', '.join(sorted(backend.modalities))})",
            field=f"backends.{backend.name}",
            fix="give the backend a tasks: filter that leaves this task out, or pick another backend",
        )
    lacking = sorted(task.needs_outputs - backend.outputs)
    if lacking:
        speech = task.output == "audio"
        raise InputError(
            f"task {task.name!r} is scored on {' and '.join(sorted(task.needs_outputs))} output; backend "
            f"{backend.name!r} ({backend.type_name}) produces {', '.join(sorted(backend.outputs))}",
            field=f"backends.{backend.name}",
            fix=(
                "wrap the speech synthesiser in a tts-roundtrip backend (synthesise, then transcribe)"
                if speech
                else "use a backend that produces that output, or filter this task out"
            ),
        )
