"""Compare an extracted record with its reference, field by field.

Scalar fields use their declared matcher (evals/scorers/field_match.py). A list of records (line
items) is first matched to the reference by optimal assignment — scipy's `linear_sum_assignment`
(the Hungarian method) on the mean similarity of the items' fields — and the matched pairs are
then compared field by field. Counting, per leaf field (`total`, `items.amount`):
- both present and matching: a true positive;
- predicted present but wrong (or not in the reference): a false positive, and a false
  negative too when the reference has a value;
- reference present and not predicted: a false negative; both absent: nothing.
A predicted item with no partner adds a false positive per present field; a reference item with
no partner a false negative per present field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from evals.scorers.field_match import MatcherSpec, compare, is_missing


class ListSpec(BaseModel):
    """A list of records (line items), matched by assignment before their fields are compared."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    match: Literal["list"] = "list"
    fields: dict[str, MatcherSpec] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("fields"), dict):
            fields = {k: {"match": v} if isinstance(v, str) else v for k, v in value["fields"].items()}
            return {**value, "fields": fields}
        return value


FieldSpec = MatcherSpec | ListSpec


def parse_field_specs(raw: Mapping[str, Any]) -> dict[str, FieldSpec]:
    """`{total: money, items: {match: list, fields: {amount: money}}}` → typed specs."""
    specs: dict[str, FieldSpec] = {}
    for name, value in raw.items():
        if isinstance(value, FieldSpecTypes):
            specs[name] = value
            continue
        entry = {"match": value} if isinstance(value, str) else dict(value)
        specs[name] = (
            ListSpec.model_validate(entry)
            if entry.get("match") == "list"
            else MatcherSpec.model_validate(entry)
        )
    return specs


FieldSpecTypes = (MatcherSpec, ListSpec)


@dataclass
class Counts:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    pairs: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def add(self, path: str, *, tp: int = 0, fp: int = 0, fn: int = 0) -> None:
        # Touch all three so every compared path appears in the per-field table.
        self.tp[path] += tp
        self.fp[path] += fp
        self.fn[path] += fn

    @property
    def paths(self) -> list[str]:
        return sorted(set(self.tp) | set(self.fp) | set(self.fn))

    def totals(self) -> tuple[int, int, int]:
        return sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())

    @property
    def exact(self) -> bool:
        _, fp, fn = self.totals()
        return fp == 0 and fn == 0


def _inferred(value: Any) -> FieldSpec:
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        keys = sorted({k for v in value for k in v})
        first = {k: next(v[k] for v in value if k in v) for k in keys}
        return ListSpec(fields={k: _scalar_inferred(v) for k, v in first.items()})
    return _scalar_inferred(value)


def _scalar_inferred(value: Any) -> MatcherSpec:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return MatcherSpec(match="numeric")
    if isinstance(value, dict | list):
        return MatcherSpec(match="exact")
    return MatcherSpec(match="text")


def field_specs_for(declared: Mapping[str, FieldSpec], reference: Mapping[str, Any]) -> dict[str, FieldSpec]:
    """The declared fields, plus the reference's other fields with a matcher inferred from the
    value's type (numbers numeric, lists of records a list, anything else normalised text)."""
    specs = dict(declared)
    for name, value in reference.items():
        if name not in specs and not is_missing(value):
            specs[name] = _inferred(value)
    return specs


def _present(record: Mapping[str, Any], name: str) -> bool:
    return name in record and not is_missing(record[name])


def _scalar(
    counts: Counts, path: str, spec: MatcherSpec, pred: Mapping[str, Any], ref: Mapping[str, Any], name: str
) -> float:
    has_pred, has_ref = _present(pred, name), _present(ref, name)
    if not has_pred and not has_ref:
        counts.add(path)
        return 1.0
    if has_pred and has_ref:
        result = compare(spec, pred[name], ref[name])
        if result.matched:
            counts.add(path, tp=1)
        else:
            counts.add(path, fp=1, fn=1)
        return result.similarity
    counts.add(path, fp=int(has_pred), fn=int(has_ref))
    return 0.0


def _similarity(spec: ListSpec, pred: Mapping[str, Any], ref: Mapping[str, Any]) -> float:
    """Mean similarity of two items over the item fields either of them has."""
    names = [n for n in spec.fields if _present(pred, n) or _present(ref, n)]
    if not names:
        return 1.0
    scratch = Counts()
    return sum(_scalar(scratch, n, spec.fields[n], pred, ref, n) for n in names) / len(names)


def _records(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [v if isinstance(v, Mapping) else {} for v in value]


def _items(counts: Counts, path: str, spec: ListSpec, predicted: Any, reference: Any) -> None:
    from scipy.optimize import linear_sum_assignment

    preds, refs = _records(predicted), _records(reference)
    if not isinstance(predicted, list | type(None)) and not is_missing(predicted):
        counts.add(path, fp=1)  # a list expected, something else given
    pairs: list[tuple[int, int]] = []
    if preds and refs:
        similarity = np.array([[_similarity(spec, p, r) for r in refs] for p in preds])
        rows, cols = linear_sum_assignment(similarity, maximize=True)
        pairs = [(int(i), int(j)) for i, j in zip(rows, cols, strict=True)]
    counts.pairs[path] = pairs
    for i, j in pairs:
        for name, sub in spec.fields.items():
            _scalar(counts, f"{path}.{name}", sub, preds[i], refs[j], name)
    matched_pred, matched_ref = {i for i, _ in pairs}, {j for _, j in pairs}
    for i, item in enumerate(preds):
        if i not in matched_pred:
            for name in spec.fields:
                counts.add(f"{path}.{name}", fp=int(_present(item, name)))
    for j, item in enumerate(refs):
        if j not in matched_ref:
            for name in spec.fields:
                counts.add(f"{path}.{name}", fn=int(_present(item, name)))


def compare_records(
    predicted: Mapping[str, Any] | None, reference: Mapping[str, Any], specs: Mapping[str, FieldSpec]
) -> Counts:
    """Field counts of one document; `predicted` None (unreadable) counts every reference field
    as a false negative."""
    counts = Counts()
    pred = predicted if isinstance(predicted, Mapping) else {}
    for name, spec in specs.items():
        if isinstance(spec, ListSpec):
            item_specs = spec
            if not spec.fields:
                sample = _records(reference.get(name)) or _records(pred.get(name))
                inferred = _inferred([dict(r) for r in sample]) if sample else None
                item_specs = inferred if isinstance(inferred, ListSpec) else spec
            _items(counts, name, item_specs, pred.get(name), reference.get(name))
        else:
            _scalar(counts, name, spec, pred, reference, name)
    return counts
