"""Backends made of other backends: each stage an ordinary backend built from the registry,
called in turn (a TTS round trip: synthesise, then transcribe; a speech cascade: transcribe,
answer, speak; a document pipeline: classify, then extract with a model per document type).

The composite owns its stages: it checks them before the run, gives them the task, closes them,
and puts their identities in its cache identity (another stage model, another answer). Each
stage call is timed (`Response.stages`, seconds per stage) and priced by that stage's own rule;
the composite's cost is the sum (`Response.cost_usd`), unknown when a stage's is. Exceptions of a
stage become errors classified by that stage, their message prefixed with its role.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from evals.backends.base import Backend, BackendConfig, TaskInfo, backend_registry
from evals.errors import InputError, MediaError
from evals.records import ErrorInfo, Request, Response, Usage


class StageSpec(BaseModel):
    """One stage: a backend type with its own model and options (as in a run config)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    timeout: float = Field(60.0, gt=0)
    options: dict[str, Any] = Field(default_factory=dict)


@dataclass(slots=True)
class StageAnswer:
    """One stage's response, how long it took, and what it cost (None: unknown)."""

    response: Response
    seconds: float
    cost_usd: float | None

    @property
    def ok(self) -> bool:
        return self.response.error is None


def build_stage(owner: str, role: str, spec: StageSpec) -> Backend:
    """The backend of one stage of backend `owner`, named `owner.role`; a bad stage is an error
    located at `backends.owner.options.role`."""
    try:
        cls = backend_registry.get(spec.type)
        return cls(
            BackendConfig(
                name=f"{owner}.{role}",
                type=spec.type,
                model=spec.model,
                base_url=spec.base_url,
                api_key_env=spec.api_key_env,
                timeout=spec.timeout,
                options=spec.options,
            )
        )
    except InputError as exc:
        raise exc.located(field=f"backends.{owner}.options.{role}") from None


class CompositeBackend(Backend):
    """Subclasses add their stages in `__init__` with `add_stage` and call them with
    `call_stage`; `finish` puts the stage times and the summed cost on the final response."""

    def __init__(self, config: BackendConfig) -> None:
        super().__init__(config)
        self.stages: dict[str, Backend] = {}

    def add_stage(self, role: str, spec: StageSpec) -> Backend:
        stage = build_stage(self.name, role, spec)
        self.stages[role] = stage
        return stage

    def refuse(self, role: str, why: str, fix: str) -> InputError:
        return InputError(
            f"backend {self.name!r}: the {role} stage cannot work: {why}",
            field=f"backends.{self.name}.options.{role}.type",
            fix=fix,
        )

    async def call_stage(self, role: str, request: Request) -> StageAnswer:
        stage = self.stages[role]
        started = time.perf_counter()
        try:
            response = await stage.generate(request)
        except MediaError as exc:
            response = Response(error=ErrorInfo(kind="media", message=str(exc)))
        except Exception as exc:  # classified by the stage that raised it
            response = Response(error=stage.classify_error(exc))
        seconds = time.perf_counter() - started
        if response.error is not None:
            response.error.message = f"{role}: {response.error.message}"
        cost = response.cost_usd if response.cost_usd is not None else stage.cost(response.usage)
        return StageAnswer(response, seconds, cost)

    @staticmethod
    def finish(response: Response, answers: dict[str, StageAnswer]) -> Response:
        """The composite's response with each stage's time and the stages' summed cost."""
        response.stages = {role: answer.seconds for role, answer in answers.items()}
        costs = [answer.cost_usd for answer in answers.values()]
        response.cost_usd = None if any(c is None for c in costs) else float(sum(c or 0.0 for c in costs))
        return response

    def cost(self, usage: Usage) -> float | None:
        """Known exactly from the stages' answers (`Response.cost_usd`); from usage alone (the dry
        run's estimate) only when every stage is free (local engines, baselines)."""
        return 0.0 if all(stage.kind != "provider" for stage in self.stages.values()) else None

    def default_concurrency(self) -> int:
        # Each sample goes through every stage: keep no more in flight than the slowest takes.
        return min((stage.concurrency for stage in self.stages.values()), default=8)

    def cache_identity(self) -> dict[str, Any]:
        identity = super().cache_identity()
        identity["stages"] = {role: stage.cache_identity() for role, stage in self.stages.items()}
        return identity

    def check(self) -> None:
        for stage in self.stages.values():
            stage.check()

    def warm_up(self) -> None:
        for stage in self.stages.values():
            stage.warm_up()

    def versions(self) -> dict[str, str]:
        return {f"{role}.{k}": v for role, stage in self.stages.items() for k, v in stage.versions().items()}

    async def setup(self, task: TaskInfo) -> None:
        for stage in self.stages.values():
            await stage.setup(task)

    async def aclose(self) -> None:
        for stage in self.stages.values():
            try:
                await stage.aclose()
            except Exception:  # closing one stage must not leave the others open
                continue
