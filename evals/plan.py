"""Turn a run config into a checked plan: loaded tasks, built backends, and which backend runs
which task. Everything that can be refused is refused here, before a request is sent."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import JsonValue

from evals.backends.base import Backend, BackendConfig, backend_registry
from evals.backends.replicas import replicated
from evals.backends.scale_config import BATCH_TYPES
from evals.batch.backend import batched
from evals.config import RunConfig, resolve_task_path
from evals.errors import InputError
from evals.perturb.spec import perturbation_kind
from evals.records import stable_hash
from evals.rundata import BackendInfo, BackendRole, ScorerDecl, TaskInfo
from evals.task.loader import Task, load_task, with_perturbations


@dataclass
class Plan:
    config: RunConfig
    tasks: list[Task]
    backends: dict[str, Backend]
    pairs: dict[str, list[str]]  # task name → backend names
    judges: dict[str, Backend] = field(default_factory=dict)  # backends scorers may call

    def describe_tasks(self) -> list[TaskInfo]:
        return [describe_task(task, self.pairs.get(task.name, [])) for task in self.tasks]

    def describe_backends(self) -> list[BackendInfo]:
        return [describe_backend(b, "model") for b in self.backends.values()] + [
            describe_backend(b, "judge") for b in self.judges.values()
        ]

    @property
    def all_backends(self) -> dict[str, Backend]:
        return {**self.backends, **self.judges}


def request_hash(task: Task) -> str:
    """What decides the requests a task sends: everything but its scorers and prose."""
    decisive = task.spec.model_dump(mode="json", exclude={"scorers", "description", "tags", "breakdowns"})
    return stable_hash(decisive)


def describe_task(task: Task, backends: list[str]) -> TaskInfo:
    return TaskInfo(
        name=task.name,
        kind=task.spec.kind,
        path=str(task.path.resolve()) if task.path else None,
        sha256=hashlib.sha256(task.path.read_bytes()).hexdigest() if task.path else None,
        request_sha256=request_hash(task),
        metrics=[m.model_copy(update={"scorer": s.name}) for s in task.scorers for m in s.metrics],
        scorers=[ScorerDecl(name=s.name, options=s.options_record(), calls=s.calls()) for s in task.scorers],
        breakdowns=list(task.spec.breakdowns),
        backends=backends,
        aggregate=task.spec.aggregate.model_dump(mode="json") if task.spec.aggregate else None,
        review=_review(task),
    )


def _review(task: Task) -> dict[str, JsonValue] | None:
    extract = task.spec.extract
    if extract is None or extract.review is None:
        return None
    dumped: dict[str, JsonValue] = extract.review.model_dump(mode="json")
    return dumped


def describe_backend(backend: Backend, role: BackendRole) -> BackendInfo:
    return BackendInfo(
        name=backend.name,
        type=backend.type_name,
        kind=backend.kind,
        model=backend.model,
        role=role,
        base_url=backend.config.base_url,
        modalities=sorted(backend.modalities),
        outputs=sorted(backend.outputs),
        concurrency=backend.concurrency,
        rpm=backend.config.rpm,
        timeout=backend.config.timeout,
        max_retries=backend.config.max_retries,
        versions=backend.versions(),
    )


def with_available_providers(config: RunConfig) -> tuple[RunConfig, list[str]]:
    """The config plus its `providers` whose key is in the environment; and why others were not."""
    added, skipped = [], []
    for provider in config.providers:
        try:
            build_backend(provider).check()
        except InputError as exc:
            skipped.append(f"{provider.name}: {exc.fix or exc.message}")
            continue
        added.append(provider)
    return config.model_copy(update={"backends": [*config.backends, *added], "providers": []}), skipped


def build_backend(config: BackendConfig, *, section: str = "backends") -> Backend:
    try:
        cls = backend_registry.get(config.type)
    except InputError as exc:
        raise exc.located(field=f"{section}.{config.name}.type") from None
    backend = cls(config)
    if config.batch is not None:
        if config.type not in BATCH_TYPES:
            raise InputError(
                f"backend {config.name!r} of type {config.type!r} has no batch API",
                field=f"{section}.{config.name}.batch",
                fix=f"remove batch: (batch mode serves the types {', '.join(BATCH_TYPES)})",
            )
        if config.base_urls:
            raise InputError(
                f"backend {config.name!r} sets both batch: and base_urls:",
                field=f"{section}.{config.name}.base_urls",
                fix="a batch API is one provider endpoint: use one base_url with batch, or drop batch",
            )
        backend = batched(backend)
    if config.base_urls:
        backend = replicated(backend)
    return backend


def make_plan(config: RunConfig, base: Path, *, check_backends: bool = True) -> Plan:
    tasks: list[Task] = []
    seen: set[str] = set()
    for entry in config.tasks:
        task = load_task(resolve_task_path(entry, base))
        if config.perturb:
            task = with_perturbations(task, config.perturb, strict=False)
        if task.name in seen:
            raise InputError(f"task {task.name!r} is listed twice", field="tasks", fix="list it once")
        seen.add(task.name)
        tasks.append(task)
    if config.perturb:
        _check_perturbations_used(config.perturb, tasks)
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
    judges = {}
    for judge_config in config.judges:
        if judge_config.name in backends:
            raise InputError(
                f"judge {judge_config.name!r} has the name of a backend under test",
                field=f"judges.{judge_config.name}",
                fix="give the judge its own name",
            )
        judges[judge_config.name] = build_backend(judge_config, section="judges")
    for task in tasks:
        for scorer in task.scorers:
            for name in scorer.calls():
                if name not in judges:
                    known = ", ".join(sorted(judges)) or "none is configured"
                    raise InputError(
                        f"task {task.name!r}: scorer {scorer.name!r} calls judge {name!r}, "
                        f"which the run config does not define (judges: {known})",
                        field="judges",
                        fix=f"add it under judges: in the run config, e.g. - {{name: {name}, type: openai, "
                        "model: gpt-4o-mini}",
                    )
    if check_backends:
        for backend in [*backends.values(), *judges.values()]:
            backend.check()
    return Plan(config, tasks, backends, pairs, judges)


def _check_pair(task: Task, backend: Backend) -> None:
    needs = task.modalities()
    if "video" in needs and "video" not in backend.modalities and "image" in backend.modalities:
        needs = (needs - {"video"}) | {"image"}  # it gets the video as frames (docs/video.md)
    _check_video_changes(backend)
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


def _check_video_changes(backend: Backend) -> None:
    """A backend's `video:` sampling changes name real settings with valid values."""
    if not backend.config.video:
        return
    from pydantic import ValidationError

    from evals.task.spec import SamplingSpec, merge_sampling

    try:
        SamplingSpec.model_validate(merge_sampling({}, backend.config.video))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or "value"
        raise InputError(
            f"backend {backend.name!r} video sampling: {where}: {first['msg']}",
            field=f"backends.{backend.name}.video",
            fix=f"settings allowed: {', '.join(SamplingSpec.model_fields)} (docs/video.md)",
        ) from None


def _check_perturbations_used(perturb: dict[str, list[int]], tasks: list[Task]) -> None:
    """A run config's perturbation that no task's media can take is a mistake, not a no-op."""
    for name in perturb:
        if not any(task.spec.perturb and name in task.spec.perturb for task in tasks):
            raise InputError(
                f"perturbation {name!r} changes {perturbation_kind(name)}, which no task of the run sends",
                field="perturb",
                fix="drop it, or add a task with that kind of media (docs/robustness.md)",
            )
