"""Gate checks of a run's perturbation sweeps: `metric: robustness_auc` with `min` (relative
robustness, the area under the score-against-severity curve over the clean score) and
`max_drop` (the paired drop from clean allowed at every severity level).

Verdicts per task × backend × perturbation: `fail` when the relative robustness is below min,
`regression` when at some level the drop's interval lies wholly above max_drop, `pass` when the
value is at least min and every level's interval lies at or below max_drop, `inconclusive`
otherwise (an interval straddles max_drop, or the run has no clean level to compare with).
"""

from __future__ import annotations

import math

from evals.baseline import RunScores
from evals.compare.quantities import Quantity, Settings
from evals.gate.rules import ROBUSTNESS_AUC, Rule
from evals.gate.verdict import Decision
from evals.robustness import Curve, curves_for_cell


def _metric_of(pattern: str) -> str | None:
    """The metric a `robustness_auc[:NAME]` pattern names (None: the task's headline)."""
    _, _, name = pattern.partition(":")
    return name or None


def robustness_curves(rule: Rule, current: RunScores, settings: Settings) -> list[Curve]:
    import fnmatch

    found: list[Curve] = []
    for task in current.tasks.values():
        if not any(fnmatch.fnmatchcase(task.name, p) for p in rule.task) or not task.metrics:
            continue
        wanted = {_metric_of(p) for p in rule.metric}
        metrics = [m for m in task.metrics if m.name in wanted]
        if None in wanted:
            metrics = [task.metrics[0], *[m for m in metrics if m is not task.metrics[0]]]
        for backend in task.backends:
            if not any(fnmatch.fnmatchcase(backend, p) for p in rule.backend):
                continue
            samples = current.samples.get((task.name, backend), {})
            scores = {sid: s.scores for sid, s in samples.items() if s.status == "ok" and s.scores}
            found += curves_for_cell(
                task.name,
                backend,
                scores,
                metrics,
                confidence=settings.confidence,
                resamples=settings.resamples,
            )
    return found


def decide_robustness(rule: Rule, found: Curve) -> Decision:
    if found.auc is None:
        return Decision(
            "inconclusive", "no relative robustness: the sweep needs level 0 (clean) and another level"
        )
    shown = f"relative robustness {found.auc:.3f}"
    if found.auc_low is not None and found.auc_high is not None:
        shown += f" [{found.auc_low:.3f}, {found.auc_high:.3f}]"
    shown += f" (n={found.n_auc})"
    if rule.min is not None and found.auc < rule.min:
        return Decision("fail", f"{shown} is below the minimum {rule.min:g}")
    if rule.max_drop is None:
        return Decision("pass", f"{shown} is at least {rule.min:g}")
    unsure = []
    for point in found.points:
        if point.drop is None or point.drop_low is None or point.drop_high is None:
            continue
        drop = (
            f"drop {point.drop:.3f} [{point.drop_low:.3f}, {point.drop_high:.3f}] at level {point.severity}"
        )
        if not math.isnan(point.drop_low) and point.drop_low > rule.max_drop:
            return Decision("regression", f"{drop} > allowed {rule.max_drop:g}; {shown}")
        if math.isnan(point.drop_high) or point.drop_high > rule.max_drop:
            unsure.append(drop)
    if unsure:
        return Decision("inconclusive", f"{unsure[0]} straddles allowed {rule.max_drop:g}; {shown}")
    return Decision("pass", f"every level's drop is within {rule.max_drop:g}; {shown}")


def quantity(found: Curve) -> Quantity:
    return Quantity(f"{ROBUSTNESS_AUC}:{found.metric}", "mean", True)
