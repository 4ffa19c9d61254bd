"""The `rules` scorer: business rules over the extracted record (total = sum of line items,
dates not in the future, a known VAT rate), evaluated by the sandboxed evaluator in
evals/safe_expr.py.

A rule's verdict on an answer is judged against its verdict on the reference: a right reading of
a deliberately inconsistent document violates a rule, and should. Metrics: `rule.<name>` (the
rule's verdict on the answer is the reference's) and `rules_agree` (every rule's is). Violations
themselves are facts about the answer, not scores: each answer that breaks a rule is flagged
`rules_violated` and `violates:<name>`, so the summary counts them per backend (the violation
rate, a review-routing signal). A rule that cannot be evaluated (a missing field, a wrong type)
counts as violated, its reason in the details. An answer with no JSON record is a scorer
failure, counted apart.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from evals.safe_expr import Rule, RuleError, UnsafeExpression
from evals.scorers.structured import read_json
from evals.scoring import Metric, SampleScore, ScorerFailed, ScorerOptions, TextScorer


class RuleSpec(BaseModel):
    """One rule: a name (for its metric) and a safe expression; a bare string is both."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    expr: str

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {
                "name": re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")[:40] or "rule",
                "expr": value,
            }
        return value

    @field_validator("expr")
    @classmethod
    def _safe(cls, value: str) -> str:
        try:
            Rule(value)
        except UnsafeExpression as exc:
            raise ValueError(str(exc)) from None
        return value


class RulesOptions(ScorerOptions):
    rules: list[RuleSpec] = Field(default_factory=list, description="set from extract.rules")
    today: dt.date | None = Field(None, description="the date `today` means (default: the day of scoring)")

    @field_validator("rules")
    @classmethod
    def _unique(cls, value: list[RuleSpec]) -> list[RuleSpec]:
        names = [r.name for r in value]
        if len(set(names)) != len(names):
            raise ValueError("two rules share a name; give each rule its own name")
        return value


def verdict(rule: Rule, record: Mapping[str, Any], today: dt.date | None) -> tuple[bool, str | None]:
    try:
        return rule.holds(record, today=today), None
    except RuleError as exc:
        return False, str(exc)


class Rules(TextScorer):
    """Business-rule checks of extracted records (see the module docstring)."""

    name = "rules"
    Options = RulesOptions
    options: RulesOptions

    def __init__(self, options: ScorerOptions | None = None) -> None:
        super().__init__(options)
        self.compiled = [(spec.name, Rule(spec.expr)) for spec in self.options.rules]

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (
            Metric(
                name="rules_agree",
                binary=True,
                description="every rule gives the same verdict on the answer as on the reference",
            ),
            *(
                Metric(
                    name=f"rule.{name}",
                    binary=True,
                    description=f"rule {name} gives the reference's verdict on the answer",
                )
                for name, _ in self.compiled
            ),
        )

    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        record, _, error = read_json(prediction)
        if not isinstance(record, Mapping):
            raise ScorerFailed(f"no JSON record to check rules on ({error or 'not an object'})")
        reference = _reference(targets)
        today = self.options.today
        values: dict[str, float] = {}
        details: dict[str, Any] = {}
        violated: list[str] = []
        for name, rule in self.compiled:
            holds, reason = verdict(rule, record, today)
            expected, _ = verdict(rule, reference, today)
            values[f"rule.{name}"] = float(holds == expected)
            details[f"holds.{name}"] = holds
            details[f"reference.{name}"] = expected
            if reason:
                details[f"error.{name}"] = reason[:200]
            if not holds:
                violated.append(name)
        values["rules_agree"] = float(all(values[f"rule.{n}"] for n, _ in self.compiled))
        details["violations"] = len(violated)
        # Violations are facts about the answer, not scores (a right answer to an inconsistent
        # document violates a rule): counted per backend as flags in the summary.
        flags = ("rules_violated", *(f"violates:{name}" for name in violated)) if violated else ()
        return SampleScore(values, details, flags)


def _reference(targets: Sequence[str]) -> Mapping[str, Any]:
    try:
        value = json.loads(targets[0]) if targets else None
    except ValueError:
        value = None
    if not isinstance(value, Mapping):
        raise ScorerFailed("the reference is not a JSON record: rules are judged against its verdicts")
    return value
