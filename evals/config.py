"""Run configs: which tasks, on which backends, with what limits and budget."""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from evals.backends.base import BackendConfig
from evals.backends.scale_config import BATCH_TYPES, BatchSettings
from evals.data.shard import Shard
from evals.errors import InputError
from evals.perturb.spec import PerturbSpec
from evals.yamlfile import line_of, load_model, load_yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class RunConfig(BaseModel):
    """A run config file (see configs/demo.yaml). Task paths are relative to the config file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("run", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    tasks: list[str] = Field(min_length=1, description="task files, or names of tasks in tasks/")
    backends: list[BackendConfig] = Field(min_length=1)
    providers: list[BackendConfig] = Field(
        default_factory=list,
        description="provider backends added by --with-providers when their API key is set",
    )
    limit: int | None = Field(None, ge=1, description="at most N samples per task")
    shard: Shard | None = Field(None, description="i/n: run every n-th sample starting at i")
    budget_usd: float | None = Field(
        None, ge=0, allow_inf_nan=False, description="stop sending once this is spent"
    )
    max_error_rate: float = Field(0.05, ge=0, le=1, description="exit 1 when errors pass this share")
    pricing: list[str] = Field(
        default_factory=list, description="price files overriding configs/pricing.yaml (relative paths)"
    )
    seed: int = 0
    perturb: PerturbSpec | None = Field(
        None, description="perturbations applied to every task with media of their kind, e.g. {blur: 0..5}"
    )

    @field_validator("backends")
    @classmethod
    def _unique_names(cls, backends: list[BackendConfig]) -> list[BackendConfig]:
        names = [b.name for b in backends]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"backend name {name!r} is used twice; give each backend a unique name")
        return backends

    judges: list[BackendConfig] = Field(
        default_factory=list,
        description="backends that scorers call (judges); never run as models under test",
    )

    @field_validator("judges")
    @classmethod
    def _unique_judges(cls, judges: list[BackendConfig]) -> list[BackendConfig]:
        names = [b.name for b in judges]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"judge name {name!r} is used twice; give each judge a unique name")
        return judges

    def with_overrides(self, overrides: Overrides) -> RunConfig:
        """This config with the command line's values applied (the one place they are)."""
        update: dict[str, Any] = {}
        if overrides.limit is not None:
            update["limit"] = overrides.limit
        if overrides.shard is not None:
            update["shard"] = overrides.shard
        if overrides.budget_usd is not None:
            update["budget_usd"] = overrides.budget_usd
        if overrides.name is not None:
            update["name"] = overrides.name
        if overrides.perturb is not None:
            update["perturb"] = overrides.perturb
        if overrides.concurrency is not None:
            update["backends"] = [
                b.model_copy(update={"concurrency": overrides.concurrency}) for b in self.backends
            ]
        if overrides.batch:
            backends = update.get("backends", self.backends)
            update["backends"] = [
                b.model_copy(update={"batch": b.batch or BatchSettings()}) if b.type in BATCH_TYPES else b
                for b in backends
            ]
        if not update:
            return self
        return RunConfig.model_validate(self.model_dump(mode="json") | _dumped(update))

    def backends_for(self, task: str) -> list[BackendConfig]:
        return [
            b for b in self.backends if b.tasks is None or any(fnmatch.fnmatchcase(task, p) for p in b.tasks)
        ]


class Overrides(BaseModel):
    """What the command line may change in a run config (checked like the config itself)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: int | None = Field(None, ge=1, description="--limit")
    shard: Shard | None = Field(None, description="--shard")
    budget_usd: float | None = Field(None, ge=0, allow_inf_nan=False, description="--budget")
    concurrency: int | None = Field(None, ge=1, le=1024, description="--concurrency")
    name: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="--name")
    perturb: PerturbSpec | None = Field(None, description="--perturb")
    batch: bool | None = Field(None, description="--batch")


def _dumped(update: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in update.items():
        if isinstance(value, BaseModel):
            out[key] = value.model_dump(mode="json")
        elif isinstance(value, list):
            out[key] = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
        else:
            out[key] = value
    return out


def load_config(path: Path) -> RunConfig:
    return load_model(path, RunConfig)


def locate_in_config(exc: InputError, path: Path) -> InputError:
    """Point an error about a run config (a backend's type, options, key; its tasks) at the
    config file and, when its field names a key of the file, at that key's line. Errors that
    already name another file (a task, a dataset) keep it."""
    if exc.file is not None and exc.file != str(path):
        return exc
    exc.located(file=str(path))
    if exc.line is not None or not exc.field:
        return exc
    try:
        data, lines = load_yaml(path)
    except InputError:
        return exc
    steps: list[str | int] = list(exc.field.split("."))
    if steps[0] in ("backends", "providers") and len(steps) > 1 and isinstance(data, dict):
        names = [b.get("name") if isinstance(b, dict) else None for b in data.get(steps[0]) or []]
        if steps[1] in names:
            steps[1] = names.index(steps[1])
    if (steps[0],) in lines:
        exc.line = line_of(lines, tuple(steps))
    return exc


def resolve_task_path(entry: str, base: Path) -> Path:
    """A task entry is a path (relative to `base`, the working folder or the project) or a task
    name found in the tasks folder; `.yaml` may be left off and a leading `tasks/` may be given,
    so `hub/gqa`, `hub/gqa.yaml` and `tasks/hub/gqa.yaml` all name tasks/hub/gqa.yaml."""
    candidate = Path(entry)
    forms = [candidate]
    if candidate.name and candidate.suffix not in (".yaml", ".yml"):
        forms.insert(0, candidate.with_name(candidate.name + ".yaml"))
    for root in (base, Path.cwd(), PROJECT_ROOT):
        for form in forms:
            if (root / form).is_file():
                return root / form
    in_tasks = [Path(*f.parts[1:]) if f.parts[:1] == ("tasks",) else f for f in forms]
    for folder in (Path.cwd() / "tasks", PROJECT_ROOT / "tasks"):
        for form in in_tasks:
            if form.parts and (folder / form).is_file():
                return folder / form
    raise InputError(
        f"task {entry!r} not found",
        field="tasks",
        fix="give a path to a task file, or the name of a file in tasks/ such as hub/gqa (run-eval list)",
    )


def parse_backend_arg(text: str) -> BackendConfig:
    """`--backends` items: `type`, `type:model`, or `name=type:model`."""
    name, _, spec = text.rpartition("=")
    backend_type, _, model = spec.partition(":")
    data: dict[str, Any] = {"name": name or spec, "type": backend_type}
    if model:
        data["model"] = model
    return BackendConfig.model_validate(data)
