"""The report's Winoground table: per backend, the text, image and group scores, each with a
95% bootstrap interval over groups (the same draws as the headline's, so the group score's
interval equals the leaderboard's)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from evals import fmt
from evals.aggregate import BENCHMARK_METRIC
from evals.benchmark_aggregates import ScoredRow, winoground_outcomes
from evals.report.tables import Table, backend_name, num_cell
from evals.rundata import SampleRecord
from evals.stats import DEFAULT_RESAMPLES, percentile_bounds, resample_indices, seed_for
from evals.task.spec import WinogroundScores

TITLE = "Winoground scores"
SCORES = ("text", "image", "group")


def _cell(values: np.ndarray[Any, np.dtype[np.float64]], draws: np.ndarray[Any, np.dtype[np.float64]]) -> str:
    bounds = percentile_bounds(draws, 0.95)
    low, high = bounds if bounds is not None else (None, None)
    return f"{fmt.num(float(values.mean()))} [{fmt.num(low)}, {fmt.num(high)}]"


def winoground_table(
    task: str, aggregate: dict[str, Any] | None, records: list[SampleRecord], kinds: dict[str, str], seed: int
) -> Table | None:
    """None unless the task declares `aggregate: {kind: winoground}` and has complete groups."""
    if not aggregate or aggregate.get("kind") != "winoground":
        return None
    spec = WinogroundScores.model_validate(aggregate)
    by_backend: dict[str, list[ScoredRow]] = defaultdict(list)
    for r in records:
        if r.status == "ok" and spec.metric in r.scores:
            by_backend[r.backend].append(ScoredRow(r.sample_id, r.metadata, r.scores))
    table = Table(["backend", *(f"{s} score [95% CI]" for s in SCORES), "groups"])
    for backend in sorted(by_backend):
        outcomes, _ = winoground_outcomes(spec, by_backend[backend])
        n = outcomes.shape[0]
        if n == 0:
            continue
        rng = np.random.default_rng(seed_for(seed, task, backend, BENCHMARK_METRIC))
        blocks = resample_indices(rng, n, DEFAULT_RESAMPLES)
        draws = np.concatenate([outcomes[idx].mean(axis=1) for idx in blocks])
        if n < 2:  # as the headline does: no interval from one group
            draws = np.full((1, 3), np.nan)
        cells = [num_cell(_cell(outcomes[:, k], draws[:, k])) for k in range(3)]
        table.add(backend_name(backend, kinds.get(backend, "")), *cells, num_cell(str(n)))
    if not table.rows:
        return None
    table.caption = (
        "Text score: both captions matched to their images; image score: both images matched to their "
        "captions; group score: all four right (Thrush et al., Winoground, 2022). Chance for a backend "
        "that picks at random: 0.25, 0.25 and 0.0625."
    )
    return table
