"""How "best" is decided (evals.report.ranking), on hand-made summary cells."""

from __future__ import annotations

from typing import Any

from evals.report.ranking import rank_task
from evals.rundata import SummaryCell


def cell(
    backend: str, value: float | None, kind: str = "provider", *, higher: bool = True, **extra: Any
) -> SummaryCell:
    low, high = (None, None) if value is None else (value - 0.05, value + 0.05)
    return SummaryCell.model_validate(
        {
            "task": "t",
            "backend": backend,
            "backend_kind": kind,
            "backend_type": extra.pop("type", kind),
            "metrics": {
                "m": {"value": value, "ci_low": low, "ci_high": high, "n": 100, "higher_is_better": higher}
            },
            "error_rate": extra.pop("error_rate", 0.0),
            "cost_per_sample_usd": extra.pop("cost", 0.001),
            "latency_s": {"p50": extra.pop("p50", 1.0)},
            **extra,
        }
    )


def names(ranking: Any) -> list[str]:
    return [s.backend for s in ranking.standings]


def test_a_model_is_crowned_over_a_better_baseline() -> None:
    ranking = rank_task([cell("oracle", 1.0, "baseline", type="oracle"), cell("a", 0.7), cell("b", 0.8)])
    assert names(ranking) == ["oracle", "b", "a"]
    assert ranking.best is not None and ranking.best.backend == "b" and not ranking.only_baselines
    assert ranking.best.notes() == ["best", "cost front"]


def test_lower_is_better_metrics_rank_ascending() -> None:
    ranking = rank_task(
        [cell("a", 0.30, higher=False), cell("b", 0.10, higher=False), cell("c", 0.20, higher=False)]
    )
    assert names(ranking) == ["b", "c", "a"] and ranking.best is not None and ranking.best.backend == "b"


def test_only_baselines_crowns_a_baseline() -> None:
    ranking = rank_task([cell("majority", 0.4, "baseline"), cell("random", 0.3, "baseline")])
    assert ranking.only_baselines and ranking.best is not None and ranking.best.backend == "majority"


def test_error_rate_above_the_limit_is_not_crowned() -> None:
    ranking = rank_task([cell("flaky", 0.95, error_rate=0.2), cell("steady", 0.8)], max_error_rate=0.05)
    assert ranking.best is not None and ranking.best.backend == "steady"
    flaky = ranking.by_backend()["flaky"]
    assert "error rate above 5%" in flaky.notes()


def test_ties_go_to_the_cheaper_then_faster_backend() -> None:
    ranking = rank_task(
        [
            cell("dear", 0.8, cost=0.01),
            cell("cheap", 0.8, cost=0.001, p50=3.0),
            cell("fast", 0.8, cost=0.001, p50=1.0),
        ]
    )
    assert names(ranking) == ["fast", "cheap", "dear"]


def test_overlapping_intervals_and_no_score() -> None:
    ranking = rank_task([cell("a", 0.80), cell("b", 0.78), cell("c", 0.50), cell("d", None)])
    marks = {s.backend: (s.overlaps_best, s.not_eligible) for s in ranking.standings}
    assert marks == {"a": (False, None), "b": (True, None), "c": (False, None), "d": (False, "no score")}
    assert names(ranking)[-1] == "d"


def test_a_model_no_better_than_a_prior_baseline_is_flagged() -> None:
    ranking = rank_task(
        [
            cell("oracle", 1.0, "baseline", type="oracle"),
            cell("majority", 0.5, "baseline", type="majority"),
            cell("weak", 0.4),
        ]
    )
    best = ranking.best
    assert (
        best is not None and best.backend == "weak" and best.not_above == ["majority"]
    )  # the oracle is a ceiling
    assert "no better than baseline majority" in best.notes()


def test_unknown_cost_is_off_the_front() -> None:
    ranking = rank_task(
        [
            cell("priced", 0.7, cost=0.01),
            cell("unpriced", 0.9, cost=None),
            cell("free", 0.6, "engine", cost=0.0),
        ]
    )
    front = {s.backend for s in ranking.standings if s.on_front}
    assert front == {"priced", "free"}
