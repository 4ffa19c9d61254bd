"""Plain dictionaries (JSON) of comparisons: every number with its interval and n."""

from __future__ import annotations

from typing import Any

from evals.compare.align import Alignment
from evals.compare.build import CompareReport, PairComparison, TaskComparison
from evals.compare.fmt import finite
from evals.compare.quantities import Delta, Settings


def settings_dict(settings: Settings) -> dict[str, Any]:
    return {
        "confidence": settings.confidence,
        "resamples": settings.resamples,
        "seed": settings.seed,
        "power": settings.power,
        "interval": "two-sided percentile paired bootstrap",
    }


def delta_dict(delta: Delta, *, changes: int | None = None) -> dict[str, Any]:
    s = delta.stat
    worse, worse_low, worse_high = delta.worse_by()
    out: dict[str, Any] = {
        "metric": delta.quantity.name,
        "statistic": s.statistic,
        "higher_is_better": delta.quantity.higher_is_better,
        "n": s.n,
        "reference": finite(s.reference),
        "candidate": finite(s.candidate),
        "diff": finite(s.diff),
        "ci_low": finite(s.low),
        "ci_high": finite(s.high),
        "se": finite(s.se),
        "worse_by": finite(worse),
        "worse_by_ci": [finite(worse_low), finite(worse_high)],
        "mde": finite(delta.mde),
        "reading": delta.reading(),
        "n_without_value": delta.n_unvalued,
    }
    if delta.mcnemar is not None:
        test = delta.mcnemar
        out["mcnemar"] = {
            "lost": test.lost,
            "gained": test.gained,
            "p_value": test.p_value,
            "method": test.method,
        }
    if delta.quantity.is_metric:
        listed = delta.changed if changes is None else delta.changed[:changes]
        out["n_changed"] = len(delta.changed)
        out["changed"] = [
            {
                "sample_id": c.sample_id,
                "reference": c.reference,
                "candidate": c.candidate,
                "worse": c.worse,
                "reference_prediction": c.reference_prediction,
                "candidate_prediction": c.candidate_prediction,
                "targets": list(c.targets),
            }
            for c in listed
        ]
    return out


def alignment_dict(alignment: Alignment) -> dict[str, Any]:
    return {
        "n_paired": len(alignment.paired),
        "n_reference": len(alignment.ref),
        "n_candidate": len(alignment.cand),
        "unpaired_counts": alignment.unpaired_counts(),
        "unpaired": [
            {"sample_id": u.sample_id, "reference": u.reference, "candidate": u.candidate}
            for u in alignment.unpaired
        ],
    }


def task_dict(task: TaskComparison) -> dict[str, Any]:
    return {
        "task": task.task,
        "alignment": alignment_dict(task.alignment),
        "metrics": [delta_dict(d) for d in task.metrics],
        "operations": [delta_dict(d) for d in task.operations],
        "totals": {k: {"reference": v[0], "candidate": v[1]} for k, v in task.totals.items()},
        "notes": task.notes,
    }


def pair_dict(pair: PairComparison) -> dict[str, Any]:
    return {
        "reference": {"source": pair.reference.scores.label, "backend": pair.reference.backend},
        "candidate": {"source": pair.candidate.scores.label, "backend": pair.candidate.backend},
        "tasks": [task_dict(t) for t in pair.tasks],
        "notes": pair.notes,
    }


def report_dict(report: CompareReport) -> dict[str, Any]:
    return {
        "kind": "comparison",
        "settings": settings_dict(report.settings),
        "sources": [
            {
                "label": s.label,
                "source": s.source,
                "origin": s.origin,
                **s.identity.model_dump(mode="json", exclude={"source"}),
            }
            for s in report.sources
        ],
        "pairs": [pair_dict(p) for p in report.pairs],
    }
