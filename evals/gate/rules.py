"""The gate's rules file (configs/gates.yaml): one typed model, errors at file:line."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from evals.compare.quantities import PSEUDO_METRICS
from evals.paired import DEFAULT_CONFIDENCE, DEFAULT_POWER, DEFAULT_RESAMPLES
from evals.yamlfile import Loc, load_model, load_yaml

Patterns = list[str]
# The robustness pseudo-metric: `robustness_auc` (the task's headline metric) or
# `robustness_auc:NAME` (metric NAME), checked on the run's own perturbation sweeps.
ROBUSTNESS_AUC = "robustness_auc"


def is_robustness_metric(name: str) -> bool:
    return name == ROBUSTNESS_AUC or name.startswith(ROBUSTNESS_AUC + ":")


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


class Rule(BaseModel):
    """One rule: which task × backend × metric (glob patterns), and one kind of bound.

    Absolute: `min` and/or `max` on the current run's value. Regression: `max_drop`, how much
    worse than the baseline the metric may get (an increase for lower-is-better metrics).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(None, description="shown in every output; default: built from the rule")
    task: Patterns = Field(description="task name or glob pattern (or a list of them)")
    backend: Patterns = Field(description="backend name or glob pattern (or a list of them)")
    metric: Patterns = Field(
        description="metric name or glob, or a pseudo-metric: " + ", ".join(PSEUDO_METRICS)
    )
    min: float | None = Field(None, description="absolute bound: the value must be at least this")
    max: float | None = Field(None, description="absolute bound: the value must be at most this")
    max_drop: float | None = Field(
        None, ge=0, description="regression bound: how much worse than the baseline, in the metric's unit"
    )
    confidence: float | None = Field(None, gt=0.5, lt=1, description="overrides the file's confidence")
    description: str = ""

    @field_validator("task", "backend", "metric", mode="before")
    @classmethod
    def _listed(cls, value: object) -> object:
        return _as_list(value)

    @field_validator("task", "backend", "metric")
    @classmethod
    def _not_empty(cls, value: Patterns) -> Patterns:
        if not value or any(not p.strip() for p in value):
            raise ValueError("give a name or a glob pattern such as 'ocr-*'")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Rule:
        if any(is_robustness_metric(m) for m in self.metric):
            if not all(is_robustness_metric(m) for m in self.metric):
                raise ValueError(
                    "a robustness_auc rule checks robustness only; put other metrics in another rule"
                )
            if self.max is not None:
                raise ValueError("robustness_auc takes min and max_drop, not max")
            if self.min is None and self.max_drop is None:
                raise ValueError("give min (relative robustness) and/or max_drop (per severity level)")
            return self
        absolute = self.min is not None or self.max is not None
        if absolute == (self.max_drop is not None):
            raise ValueError("give either min/max (an absolute bound) or max_drop (a regression bound)")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        if self.max_drop is not None and "cost_usd" in self.metric:
            raise ValueError(
                "cost_usd is a run total and cannot be paired; use cost_per_sample_usd for regressions"
            )
        return self

    @property
    def is_robustness(self) -> bool:
        return any(is_robustness_metric(m) for m in self.metric)

    @property
    def kind(self) -> Literal["bound", "regression"]:
        """A robustness rule is a bound on the run itself (no baseline), even with max_drop."""
        return "regression" if self.max_drop is not None and not self.is_robustness else "bound"

    def label(self) -> str:
        if self.name:
            return self.name
        where = f"{'|'.join(self.task)} / {'|'.join(self.backend)} / {'|'.join(self.metric)}"
        return f"{where} {self.bound_text()}"

    def bound_text(self) -> str:
        if self.is_robustness:
            parts = [f"≥ {self.min:g}"] if self.min is not None else []
            parts += [f"drop ≤ {self.max_drop:g} at every level"] if self.max_drop is not None else []
            return " and ".join(parts)
        if self.max_drop is not None:
            return f"drop ≤ {self.max_drop:g}"
        if self.min is not None and self.max is not None:
            return f"{self.min:g} ≤ value ≤ {self.max:g}"
        return f"≥ {self.min:g}" if self.min is not None else f"≤ {self.max:g}"


class RulesFile(BaseModel):
    """The whole rules file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    baseline: str | None = Field(
        None, description="baseline run directory or file, relative to this file (--baseline overrides)"
    )
    confidence: float = Field(DEFAULT_CONFIDENCE, gt=0.5, lt=1, description="two-sided interval level")
    power: float = Field(DEFAULT_POWER, gt=0, lt=1, description="for the minimum detectable change")
    resamples: int = Field(DEFAULT_RESAMPLES, ge=200, le=200_000, description="bootstrap resamples")
    seed: int = Field(0, description="bootstrap seed: same inputs and seed, same verdicts")
    rules: list[Rule] = Field(min_length=1)


class LoadedRules:
    """A rules file, its path, and the line of every rule (for errors found later)."""

    def __init__(self, path: Path, model: RulesFile, lines: dict[Loc, int]) -> None:
        self.path = path
        self.model = model
        self._lines = lines

    def line_of(self, index: int) -> int | None:
        return self._lines.get(("rules", index))

    def baseline_path(self) -> Path | None:
        if self.model.baseline is None:
            return None
        return (self.path.parent / self.model.baseline).resolve()


def load_rules(path: Path) -> LoadedRules:
    model = load_model(path, RulesFile)
    _, lines = load_yaml(path)
    return LoadedRules(path, model, lines)
