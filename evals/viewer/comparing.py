"""The compare page: two backends of a run, or two runs, with the paired statistics of
`run-eval compare` (the same code) and a forest plot of the differences."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from evals.baseline import RunScores, load_scores
from evals.compare import Settings, compare, report_dict
from evals.errors import InputError
from evals.viewer.catalog import Catalog, RunView

RESAMPLES = 2000  # enough for a page; `run-eval compare` takes --resamples for more


@dataclass
class Side:
    view: RunView
    backend: str


_CACHE: dict[tuple[str, int, float], RunScores] = {}


def _scores(view: RunView) -> RunScores:
    table = view.table()
    key = (view.id, table.version, view.rundir.run_file.stat().st_mtime)
    if key not in _CACHE:
        for old in [k for k in _CACHE if k[0] == view.id]:
            del _CACHE[old]
        _CACHE[key] = load_scores(view.path)
    return _CACHE[key]


def forest(deltas: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Positions (in a 200-wide picture) of each metric's difference and interval on one axis."""
    rows = [d for d in deltas if d.get("diff") is not None and d.get("ci_low") is not None]
    if not rows:
        return None
    reach = max(max(abs(d["ci_low"]), abs(d["ci_high"] or 0.0), abs(d["diff"])) for d in rows) or 1.0
    reach = float(10 ** math.ceil(math.log10(reach))) if reach > 0 else 1.0

    def at(x: float) -> float:
        return round(130 + 65 * x / reach, 2)  # the axis runs from 65 to 195; labels before it

    return {
        "reach": reach,
        "rows": [
            {
                "metric": d["metric"],
                "low": at(d["ci_low"]),
                "high": at(d["ci_high"]),
                "diff": at(d["diff"]),
                "worse": (d.get("worse_by_ci") or [0, 0])[0] is not None and (d["worse_by_ci"][0] or 0) > 0,
            }
            for d in rows
        ],
    }


def compare_page(catalog: Catalog, args: dict[str, str]) -> dict[str, Any]:
    run_a = catalog.get(args.get("run", ""))
    if run_a is None:
        raise InputError("no such run", field="run", fix="pick a run from the runs list")
    run_b = catalog.get(args.get("run_b") or run_a.id)
    if run_b is None:
        raise InputError("no such run", field="run_b", fix="pick a run from the runs list")
    a, b = args.get("a", ""), args.get("b", "")
    backends = [x.name for x in run_a.info().model_backends]
    context: dict[str, Any] = {
        "run_a": run_a,
        "run_b": run_b,
        "a": a,
        "b": b,
        "backends": backends,
        "backends_b": [x.name for x in run_b.info().model_backends],
        "runs": [v.id for v in catalog.ordered()],
        "report": None,
    }
    if not a or not b:
        return context
    settings = Settings(resamples=RESAMPLES)
    if run_b is run_a:
        report = compare([(_scores(run_a), None)], backends=[a, b], settings=settings)
    else:
        report = compare([(_scores(run_a), a), (_scores(run_b), b)], settings=settings)
    data = report_dict(report)
    for pair in data["pairs"]:
        for task in pair["tasks"]:
            task["forest"] = forest(task["metrics"])
    context["report"] = data
    return context
