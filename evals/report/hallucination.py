"""The report's hallucination table: per backend, the hallucination rate on neutral and on
leading questions and the gap between them (leading − neutral) with a 95% bootstrap interval
(the two groups are different questions, so each is resampled on its own)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from evals import fmt
from evals.report.tables import Table, backend_name, num_cell
from evals.rundata import SampleRecord
from evals.stats import DEFAULT_RESAMPLES, percentile_bounds, resample_indices, seed_for

RATE = "hallucination_rate"
TITLE = "Hallucination: leading − neutral questions"


def _gap(neutral: list[float], leading: list[float], seed: int) -> tuple[float, float | None, float | None]:
    a, b = np.array(neutral, dtype=np.float64), np.array(leading, dtype=np.float64)
    value = float(b.mean() - a.mean())
    rng = np.random.default_rng(seed)
    draws_a = np.concatenate(
        [a[idx].mean(axis=1) for idx in resample_indices(rng, a.size, DEFAULT_RESAMPLES)]
    )
    draws_b = np.concatenate(
        [b[idx].mean(axis=1) for idx in resample_indices(rng, b.size, DEFAULT_RESAMPLES)]
    )
    bounds = percentile_bounds(draws_b - draws_a, 0.95)
    return (value, *bounds) if bounds is not None else (value, None, None)


def gap_table(task: str, records: list[SampleRecord], kinds: dict[str, str]) -> Table | None:
    """None when the task has no hallucination rate by phrasing."""
    groups: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        phrasing = record.metadata.get("phrasing")
        if record.status == "ok" and RATE in record.scores and phrasing in ("neutral", "leading"):
            groups[record.backend][str(phrasing)].append(record.scores[RATE])
    rows = {b: g for b, g in groups.items() if g.get("neutral") and g.get("leading")}
    if not rows:
        return None
    table = Table(["backend", "rate, neutral", "rate, leading", "leading − neutral [95% CI]", "n"])
    for backend in sorted(rows):
        neutral, leading = rows[backend]["neutral"], rows[backend]["leading"]
        value, low, high = _gap(neutral, leading, seed_for("gap", task, backend))
        table.add(
            backend_name(backend, kinds.get(backend, "")),
            num_cell(fmt.num(float(np.mean(neutral)))),
            num_cell(fmt.num(float(np.mean(leading)))),
            num_cell(f"{fmt.num(value)} [{fmt.num(low)}, {fmt.num(high)}]"),
            num_cell(f"{len(neutral)} + {len(leading)}"),
        )
    table.caption = (
        "Share of questions about absent objects answered as if the object were there; a positive gap "
        "means suggestive phrasing makes the backend see more that is not there."
    )
    return table
