"""The report's pipeline tables for backends made of stages (a document pipeline: classify →
extract): per backend and stage, the documents it saw, its median seconds and mean dollars per
document, and the whole pipeline's; and the classify stage's confusion matrix against the
sample's `doc_type` (from the journal's `stages`; evals/backends/document_pipeline.py)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping

from evals import fmt
from evals.report.tables import Table, backend_name, num_cell
from evals.rundata import SampleRecord

TRUTH_FIELD = "doc_type"  # the sample's metadata field the classifier is judged against
CLASSIFY = "classify"


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _money(values: list[float | None]) -> str:
    if not values:
        return "·"
    if any(v is None for v in values):
        return "unknown"
    return fmt.cost(sum(v or 0.0 for v in values) / len(values))


def stage_table(records: list[SampleRecord], kinds: dict[str, str]) -> Table | None:
    """None when no backend of the task has stages."""
    by_backend: dict[str, list[SampleRecord]] = defaultdict(list)
    for record in records:
        if record.status == "ok" and record.stages:
            by_backend[record.backend].append(record)
    if not by_backend:
        return None
    table = Table(["backend", "stage", "documents", "median seconds", "mean $ per document"])
    for backend in sorted(by_backend):
        cell = by_backend[backend]
        roles: dict[str, list[Mapping[str, object]]] = defaultdict(list)
        for record in cell:
            for role, found in record.stages.items():
                roles[role].append(found)
        label = backend_name(backend, kinds.get(backend, ""))
        for role in sorted(roles, key=lambda r: (r != CLASSIFY, r)):
            seconds = [s for s in (_number(f.get("seconds")) for f in roles[role]) if s is not None]
            costs = [_number(f.get("cost_usd")) for f in roles[role]]
            table.add(
                label,
                role,
                num_cell(str(len(roles[role]))),
                num_cell(fmt.seconds(statistics.median(seconds)) if seconds else "·"),
                num_cell(_money(costs)),
            )
            label = ""
        totals = [
            sum(s for s in (_number(f.get("seconds")) for f in r.stages.values()) if s is not None)
            for r in cell
        ]
        table.add(
            "",
            "whole pipeline",
            num_cell(str(len(cell))),
            num_cell(fmt.seconds(statistics.median(totals))),
            num_cell(_money([r.cost_usd for r in cell])),
        )
    table.caption = (
        "Each stage's documents, median seconds and mean dollars per document it handled; the whole "
        "pipeline's per document (cached answers cost what they cost when first asked)."
    )
    return table


def confusion_tables(records: list[SampleRecord], kinds: dict[str, str]) -> list[tuple[str, Table]]:
    """Per backend with a classify stage: true `doc_type` (rows) × classified type (columns)."""
    pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for record in records:
        found = record.stages.get(CLASSIFY)
        truth = record.metadata.get(TRUTH_FIELD)
        if record.status == "ok" and found and truth is not None:
            pairs[record.backend].append((str(truth), str(found.get("answer"))))
    out = []
    for backend in sorted(pairs):
        cell = pairs[backend]
        truths = sorted({t for t, _ in cell})
        answers = sorted({a for _, a in cell} | set(truths))
        table = Table([f"{TRUTH_FIELD} ↓ / classified →", *answers])
        for truth in truths:
            table.add(truth, *(num_cell(str(cell.count((truth, a)))) for a in answers))
        right = sum(1 for t, a in cell if t == a)
        table.caption = f"Classify stage: {right} of {len(cell)} documents typed right."
        out.append((f"Document types classified by {backend_name(backend, kinds.get(backend, ''))}", table))
    return out


def pipeline_tables(records: list[SampleRecord], kinds: dict[str, str]) -> list[tuple[str, Table]]:
    table = stage_table(records, kinds)
    if table is None:
        return []
    return [("Pipeline stages: seconds and dollars per document", table), *confusion_tables(records, kinds)]
