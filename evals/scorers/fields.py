"""The `fields` scorer: an extracted record against its reference JSON, field by field.

Per document: whether the answer was JSON at all (`json_valid`) and whether it conforms to the
task's JSON Schema (`schema_valid`), then field counts (evals/scorers/record_match.py). Headlines
over the corpus: micro precision, recall and F1 (true/false positives and negatives summed over
every field of every document), macro F1 (the mean of each field's own F1), exact-document
accuracy, and one F1 per field (`f1.total`, `f1.items.amount`: the per-field table of which fields
a model gets wrong). An unreadable answer is scored — every reference field missed — never a crash.

The matchers come from the task's `extract.fields`, and for fields it does not declare, from the
schema (numbers numeric, `format: date` dates, `enum` enums, arrays of objects line items).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from evals.corpus import register_combiner
from evals.scorers.field_match import MatcherSpec
from evals.scorers.record_match import (
    FieldSpec,
    ListSpec,
    compare_records,
    field_specs_for,
    parse_field_specs,
)
from evals.scorers.structured import parse_answer
from evals.scoring import Metric, SampleScore, ScorerFailed, ScorerOptions, TextScorer


def _f1(tp: float, fp: float, fn: float) -> float:
    denominator = 2 * tp + fp + fn
    return float(2 * tp / denominator) if denominator > 0 else float("nan")


def micro_f1(sums: NDArray[np.float64]) -> float:
    return _f1(*sums[:3])


def micro_precision(sums: NDArray[np.float64]) -> float:
    tp, fp = sums[0], sums[1]
    return float(tp / (tp + fp)) if tp + fp > 0 else float("nan")


def micro_recall(sums: NDArray[np.float64]) -> float:
    tp, fn = sums[0], sums[2]
    return float(tp / (tp + fn)) if tp + fn > 0 else float("nan")


def macro_f1(sums: NDArray[np.float64]) -> float:
    """The mean over fields of each field's F1 (fields never present anywhere left out)."""
    scores = [_f1(*row) for row in sums.reshape(-1, 3)]
    defined = [s for s in scores if not np.isnan(s)]
    return float(np.mean(defined)) if defined else float("nan")


register_combiner("field_f1", micro_f1)
register_combiner("field_precision", micro_precision)
register_combiner("field_recall", micro_recall)
register_combiner("field_macro_f1", macro_f1)


def _types(schema: Mapping[str, Any]) -> set[str]:
    kind = schema.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()


def _matcher_from_schema(schema: Mapping[str, Any]) -> FieldSpec:
    types = _types(schema) - {"null"}
    if "enum" in schema:
        return MatcherSpec(match="enum")
    if types & {"number", "integer"}:
        return MatcherSpec(match="numeric")
    if "string" in types and schema.get("format") == "date":
        return MatcherSpec(match="date")
    if "array" in types:
        items = schema.get("items")
        if isinstance(items, Mapping) and isinstance(items.get("properties"), Mapping):
            fields = {}
            for name, sub in items["properties"].items():
                found = _matcher_from_schema(sub)
                fields[name] = found if isinstance(found, MatcherSpec) else MatcherSpec(match="exact")
            return ListSpec(fields=fields)
        return MatcherSpec(match="exact")
    if "string" in types:
        return MatcherSpec(match="text")
    return MatcherSpec(match="exact")


def specs_from_schema(schema: Mapping[str, Any] | None, declared: Mapping[str, Any]) -> dict[str, FieldSpec]:
    """Field specs: the schema's top-level properties with inferred matchers, overridden (item
    fields too) by the declared ones."""
    specs: dict[str, FieldSpec] = {}
    properties = (schema or {}).get("properties")
    if isinstance(properties, Mapping):
        specs = {name: _matcher_from_schema(sub) for name, sub in properties.items()}
    for name, spec in parse_field_specs(declared).items():
        known = specs.get(name)
        if isinstance(spec, ListSpec) and isinstance(known, ListSpec):
            spec = ListSpec(fields={**known.fields, **spec.fields})
        specs[name] = spec
    return specs


def field_paths(specs: Mapping[str, FieldSpec]) -> list[str]:
    paths: list[str] = []
    for name, spec in specs.items():
        if isinstance(spec, ListSpec):
            paths += [f"{name}.{sub}" for sub in spec.fields]
        else:
            paths.append(name)
    return paths


class FieldsOptions(ScorerOptions):
    schema_: dict[str, Any] | None = Field(
        None, alias="schema", description="the JSON Schema answers must conform to (set from extract.schema)"
    )
    fields: dict[str, Any] = Field(
        default_factory=dict,
        description="matcher per field: exact | text | anls | numeric | date | money | enum, or "
        "{match: list, fields: {...}} for line items (set from extract.fields)",
    )
    per_field: bool = Field(True, description="one F1 metric per field (f1.<field>)")


class Fields(TextScorer):
    """Field-level scoring of extracted records (see the module docstring)."""

    name = "fields"
    Options = FieldsOptions
    options: FieldsOptions

    def __init__(self, options: ScorerOptions | None = None) -> None:
        super().__init__(options)
        self.specs = specs_from_schema(self.options.schema_, self.options.fields)
        self.paths = field_paths(self.specs)

    @property
    def metrics(self) -> tuple[Metric, ...]:
        counts = ("tp", "fp", "fn")
        # field_f1 first: the report takes a task's first metric as its headline.
        declared = [
            Metric(
                name="field_f1",
                corpus="field_f1",
                corpus_stats=counts,
                description="micro F1 over every field of every document",
            ),
            Metric(
                name="field_precision",
                corpus="field_precision",
                corpus_stats=counts,
                description="micro precision",
            ),
            Metric(
                name="field_recall", corpus="field_recall", corpus_stats=counts, description="micro recall"
            ),
            Metric(
                name="doc_exact",
                binary=True,
                description="every field right: no false positive or negative in the document",
            ),
            Metric(
                name="json_valid", binary=True, description="the answer is JSON (fenced or in prose counts)"
            ),
            Metric(
                name="schema_valid", binary=True, description="the answer conforms to the task's JSON Schema"
            ),
        ]
        if self.paths:
            stats = tuple(f"{c}.{p}" for p in self.paths for c in counts)
            declared.append(
                Metric(
                    name="field_macro_f1",
                    corpus="field_macro_f1",
                    corpus_stats=stats,
                    description="mean over fields of each field's F1",
                )
            )
        if self.options.per_field:
            declared += [
                Metric(
                    name=f"f1.{p}",
                    corpus="field_f1",
                    corpus_stats=tuple(f"{c}.{p}" for c in counts),
                    description=f"F1 of field {p}",
                )
                for p in self.paths
            ]
        return tuple(declared)

    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        reference = _reference(targets)
        parsed = parse_answer(prediction, self.options.schema_)
        record = parsed.value if isinstance(parsed.value, Mapping) else None
        specs = field_specs_for(self.specs, reference)
        counts = compare_records(record, reference, specs)
        tp, fp, fn = counts.totals()
        values: dict[str, float] = {
            "json_valid": float(parsed.value is not None),
            "schema_valid": float(parsed.schema_valid),
            "field_f1": _nan_to(_f1(tp, fp, fn), 1.0),
            "field_precision": _nan_to(tp / (tp + fp) if tp + fp else float("nan"), 1.0),
            "field_recall": _nan_to(tp / (tp + fn) if tp + fn else float("nan"), 1.0),
            "doc_exact": float(counts.exact and record is not None),
        }
        if self.paths:
            values["field_macro_f1"] = values["field_f1"]
        details: dict[str, Any] = {"tp": tp, "fp": fp, "fn": fn, "strict_json": parsed.strict}
        wrong = []
        for path in counts.paths:
            details[f"tp.{path}"] = counts.tp[path]
            details[f"fp.{path}"] = counts.fp[path]
            details[f"fn.{path}"] = counts.fn[path]
            if counts.fp[path] or counts.fn[path]:
                wrong.append(path)
        if self.options.per_field:
            for path in self.paths:
                values[f"f1.{path}"] = _nan_to(_f1(counts.tp[path], counts.fp[path], counts.fn[path]), 1.0)
        details["wrong_fields"] = ",".join(wrong)
        if parsed.error:
            details["error"] = parsed.error[:300]
        flags = () if parsed.value is not None else ("unparsed",)
        return SampleScore(values, details, flags)


def _nan_to(value: float, default: float) -> float:
    return default if np.isnan(value) else float(value)


def _reference(targets: Sequence[str]) -> Mapping[str, Any]:
    if not targets:
        raise ScorerFailed("the sample has no reference record")
    try:
        value = json.loads(targets[0])
    except ValueError as exc:
        raise ScorerFailed(f"the reference is not JSON: {exc}") from exc
    if not isinstance(value, Mapping):
        raise ScorerFailed("the reference is not a JSON object")
    return value
