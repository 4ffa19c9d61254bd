"""The scorer interface: a named metric computed per sample, aggregated per task × backend.

A scorer registers under the entry-point group `evals.scorers`. It declares the metrics it
produces and how each aggregates: the mean of per-sample values, or a corpus ratio of sums of
two per-sample counts (how WER and CER are reported: total errors over total reference words).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from evals.errors import InputError
from evals.registry import Registry


@dataclass(frozen=True, slots=True)
class Metric:
    """One number a scorer produces per sample.

    `ratio_of=(numerator, denominator)` names two keys of the scorer's per-sample details; the
    headline is then sum(numerator) / sum(denominator) over samples (corpus level), and the
    per-sample value is kept for the mean-per-utterance view. `binary` marks right/wrong metrics
    (values 0 or 1), for which paired comparisons use McNemar's test.
    """

    name: str
    higher_is_better: bool = True
    ratio_of: tuple[str, str] | None = None
    binary: bool = False
    description: str = ""


@dataclass(slots=True)
class SampleScore:
    """Per-metric values for one sample, the scorer's details, and flags such as `unparsed`."""

    values: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)
    flags: tuple[str, ...] = ()


class ScorerOptions(BaseModel):
    """Options a scorer accepts in a task file; subclasses add fields. Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Scorer(ABC):
    """Scores a prediction against the sample's references."""

    name: ClassVar[str]
    Options: ClassVar[type[ScorerOptions]] = ScorerOptions

    def __init__(self, options: ScorerOptions | None = None) -> None:
        self.options = options if options is not None else self.Options()

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Scorer:
        try:
            parsed = cls.Options.model_validate(dict(options))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            allowed = ", ".join(cls.Options.model_fields) or "no options"
            raise InputError(
                f"scorer {cls.name!r} option {where!r}: {first['msg']}",
                fix=f"options allowed: {allowed}",
            ) from exc
        return cls(parsed)

    @property
    @abstractmethod
    def metrics(self) -> tuple[Metric, ...]:
        """The metrics this scorer fills in `SampleScore.values`."""

    @abstractmethod
    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        """Score one prediction; never raise for a bad prediction (flag it instead)."""


scorer_registry: Registry[Scorer] = Registry("evals.scorers", "scorer", Scorer)


def build_scorer(name: str, options: Mapping[str, Any] | None = None) -> Scorer:
    return scorer_registry.get(name).from_options(options or {})
