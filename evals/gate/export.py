"""The gate's result as a plain dictionary (the --json output)."""

from __future__ import annotations

from typing import Any

from evals.compare.export import alignment_dict, delta_dict
from evals.compare.fmt import finite
from evals.gate.evaluate import Check, GateResult

CHANGES_IN_JSON = 50


def check_dict(check: Check) -> dict[str, Any]:
    rule = check.rule
    out: dict[str, Any] = {
        "rule": check.index + 1,
        "rule_name": rule.label(),
        "task": check.task,
        "backend": check.backend,
        "metric": check.metric,
        "kind": check.kind,
        "verdict": check.verdict,
        "message": check.decision.message,
        "bound": {"min": rule.min, "max": rule.max, "max_drop": rule.max_drop},
        "confidence": check.settings.confidence,
        "value": finite(check.value),
        "baseline_value": finite(check.baseline_value),
        "notes": check.notes,
    }
    if check.kind == "bound":
        out["value_ci"] = [finite(check.interval[0]), finite(check.interval[1])]
    if check.delta is not None:
        out["paired"] = delta_dict(check.delta, changes=CHANGES_IN_JSON)
        out["mde"] = check.decision.mde
        out["n_needed"] = check.decision.n_needed
    if check.alignment is not None:
        out["alignment"] = alignment_dict(check.alignment)
    return out


def result_dict(result: GateResult) -> dict[str, Any]:
    spec = result.rules.model
    return {
        "kind": "gate",
        "outcome": result.outcome(),
        "exit_code": result.exit_code(),
        "strict": result.strict,
        "counts": result.counts(),
        "rules_file": str(result.rules.path),
        "settings": {
            "confidence": spec.confidence,
            "power": spec.power,
            "resamples": spec.resamples,
            "seed": spec.seed,
            "interval": "two-sided percentile paired bootstrap; McNemar for right/wrong metrics",
        },
        "current": {**result.current.identity.model_dump(mode="json"), "source": result.current.source},
        "baseline": (
            {**result.baseline.identity.model_dump(mode="json"), "source": result.baseline.source}
            if result.baseline
            else None
        ),
        "checks": [check_dict(c) for c in result.checks],
    }
