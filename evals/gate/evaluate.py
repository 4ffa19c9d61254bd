"""Expand the rules over a run and give each check a verdict.

A rule's glob patterns expand into one check per matching task × backend × metric of the
current run. Pseudo-metrics (cost, latency, error rate) match only when named exactly, so
`metric: "*"` means every scored metric. A rule that matches nothing is an input error: a gate
that silently checks nothing is worse than none.
"""

from __future__ import annotations

import fnmatch
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from evals.baseline import RunScores
from evals.compare.align import Alignment, Column, align
from evals.compare.fmt import interval_text, value_text
from evals.compare.quantities import (
    LATENCY_QUANTILES,
    PSEUDO_METRICS,
    STREAM_QUANTILES,
    Delta,
    Quantity,
    Settings,
    measure,
    metric_quantity,
    pseudo_quantity,
)
from evals.errors import InputError
from evals.gate.robustness import decide_robustness, robustness_curves
from evals.gate.robustness import quantity as robustness_quantity
from evals.gate.rules import LoadedRules, Rule
from evals.gate.verdict import Decision, Verdict, decide
from evals.robustness import Curve
from evals.rundata import SummaryCell

EXIT_PASS = 0
EXIT_REGRESSION = 1  # a regression, or an absolute bound crossed
EXIT_INCONCLUSIVE = 3  # only with --strict


@dataclass
class Check:
    """One rule applied to one task × backend × metric."""

    index: int
    rule: Rule
    task: str
    backend: str
    metric: str
    quantity: Quantity
    settings: Settings
    decision: Decision
    value: float | None = None  # the current run's value
    baseline_value: float | None = None
    interval: tuple[float | None, float | None] = (None, None)  # of the value (bounds)
    delta: Delta | None = None
    alignment: Alignment | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def verdict(self) -> Verdict:
        return self.decision.verdict

    @property
    def kind(self) -> str:
        return self.rule.kind

    @property
    def name(self) -> str:
        return f"{self.metric} on {self.task} / {self.backend}"

    def bound_text(self) -> str:
        """The rule's bound in the quantity's unit (`≤ 5.00s`, `drop ≤ 0.0200`)."""
        rule, q = self.rule, self.quantity
        if rule.is_robustness:
            return rule.bound_text()
        if rule.max_drop is not None:
            return f"drop ≤ {value_text(q, rule.max_drop)}"
        parts = []
        if rule.min is not None:
            parts.append(f"≥ {value_text(q, rule.min)}")
        if rule.max is not None:
            parts.append(f"≤ {value_text(q, rule.max)}")
        return " and ".join(parts)


@dataclass
class GateResult:
    checks: list[Check]
    current: RunScores
    baseline: RunScores | None
    rules: LoadedRules
    strict: bool

    def counts(self) -> dict[str, int]:
        found = Counter(c.verdict for c in self.checks)
        return {v: found.get(v, 0) for v in ("pass", "regression", "fail", "inconclusive")}

    def exit_code(self) -> int:
        counts = self.counts()
        if counts["regression"] or counts["fail"]:
            return EXIT_REGRESSION
        if counts["inconclusive"] and self.strict:
            return EXIT_INCONCLUSIVE
        return EXIT_PASS

    def outcome(self) -> str:
        """One word for the whole gate: failed, inconclusive or passed."""
        code = self.exit_code()
        if code == EXIT_REGRESSION:
            return "failed"
        return "inconclusive" if self.counts()["inconclusive"] else "passed"


def _matches(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _metric_matches(name: str, patterns: list[str]) -> bool:
    if name in PSEUDO_METRICS:
        return name in patterns
    return _matches(name, patterns)


def expand(rule: Rule, current: RunScores) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    for task in current.tasks.values():
        if not _matches(task.name, rule.task):
            continue
        metrics = [m.name for m in task.metrics] + list(PSEUDO_METRICS)
        for backend in task.backends:
            if _matches(backend, rule.backend):
                found.extend((task.name, backend, m) for m in metrics if _metric_matches(m, rule.metric))
    return found


def _quantity(current: RunScores, task: str, metric: str) -> Quantity:
    decl = current.tasks[task].metric(metric)
    if decl is not None:
        return metric_quantity(decl)
    return pseudo_quantity(metric) or Quantity(metric, "mean", False, "cost")


def _cell_value(cell: SummaryCell | None, metric: str) -> tuple[float | None, float | None, float | None]:
    """(value, ci_low, ci_high) of a metric or pseudo-metric in a summary cell."""
    if cell is None:
        return None, None, None
    entry = cell.metrics.get(metric)
    if entry is not None:
        return entry.value, entry.ci_low, entry.ci_high
    if metric in LATENCY_QUANTILES:
        return getattr(cell.latency_s, metric.removeprefix("latency_")), None, None
    if metric in STREAM_QUANTILES:
        kind, _, quantile = metric.partition("_")
        found = getattr(cell, f"{kind}_s")
        if found is None:
            return None, None, None
        bounds = getattr(found, f"{quantile}_ci", None)  # the percentile's bootstrap interval
        return getattr(found, quantile), *(bounds if bounds is not None else (None, None))
    value = getattr(cell, metric, None)
    return (float(value) if isinstance(value, int | float) else None), None, None


def _why_missing(cell: SummaryCell | None, metric: str) -> str:
    if metric in LATENCY_QUANTILES or metric in STREAM_QUANTILES:
        return "no latency measured (every answer came from the cache, or none was scored)"
    if metric.startswith("cost"):
        return "cost unknown (no price for this model in the pricing table)"
    return f"no value: {cell.n_scored if cell else 0} scored samples"


def bound_check(check: Check, current: RunScores) -> None:
    rule = check.rule
    cell = current.cells.get((check.task, check.backend))
    value, low, high = _cell_value(cell, check.metric)
    check.value, check.interval = value, (low, high)
    q = check.quantity
    if value is None or not math.isfinite(value):
        check.decision = Decision("inconclusive", _why_missing(cell, check.metric))
        return
    shown = value_text(q, value)
    # Sums of many float costs drift in the last bits (1000 × $0.001 = $1.0000000000000007):
    # that is not crossing a $1 budget.
    slack = 1e-9 * max(1.0, abs(value))
    if rule.min is not None and value < rule.min - slack:
        check.decision = Decision("fail", f"{shown} is below the minimum {value_text(q, rule.min)}")
    elif rule.max is not None and value > rule.max + slack:
        check.decision = Decision("fail", f"{shown} is above the maximum {value_text(q, rule.max)}")
    else:
        check.decision = Decision("pass", f"{shown} is within {check.bound_text()}")
    bounds = [b for b in (rule.min, rule.max) if b is not None]
    if low is not None and high is not None and low < high and any(low <= b <= high for b in bounds):
        check.notes.append(
            f"the bound lies inside the value's {check.settings.confidence:.0%} interval "
            f"{interval_text(q, low, high)}: this run is close to the line"
        )


def regression_check(check: Check, current: RunScores, baseline: RunScores) -> None:
    task, backend, metric = check.task, check.backend, check.metric
    base_task = baseline.tasks.get(task)
    if base_task is None or backend not in base_task.backends:
        check.decision = Decision("inconclusive", f"{task} / {backend} is not in the baseline")
        return
    if check.quantity.is_metric:
        base_decl = base_task.metric(metric)
        decl = current.tasks[task].metric(metric)
        if base_decl is None:
            check.decision = Decision("inconclusive", f"metric {metric!r} is not in the baseline")
            return
        if decl is not None and (base_decl.higher_is_better, base_decl.ratio_of) != (
            decl.higher_is_better,
            decl.ratio_of,
        ):
            check.decision = Decision(
                "inconclusive", f"metric {metric!r} is declared differently in the baseline"
            )
            return
    cur_task = current.tasks[task]
    if base_task.sha256 and cur_task.sha256 and base_task.sha256 != cur_task.sha256:
        check.notes.append("the task file changed since the baseline (sha256 differs)")
    alignment = align(task, Column(baseline, backend), Column(current, backend))
    delta = measure(alignment, check.quantity, check.settings)
    check.alignment, check.delta = alignment, delta
    check.value, check.baseline_value = delta.stat.candidate, delta.stat.reference
    if alignment.unpaired:
        counts = ", ".join(f"{k}: {v}" for k, v in alignment.unpaired_counts().items())
        check.notes.append(f"{len(alignment.unpaired)} samples not paired ({counts})")
    if delta.n_unvalued:
        check.notes.append(f"{delta.n_unvalued} paired samples have no {metric} value on one side")
    assert check.rule.max_drop is not None
    check.decision = decide(delta, check.rule.max_drop)


def evaluate(
    rules: LoadedRules, current: RunScores, baseline: RunScores | None, *, strict: bool = False
) -> GateResult:
    spec = rules.model
    expanded: list[tuple[int, Rule, list[tuple[str, str, str]]]] = []
    robust: list[tuple[int, Rule, list[Curve]]] = []
    for index, rule in enumerate(spec.rules):
        if rule.is_robustness:
            settings = Settings(rule.confidence or spec.confidence, spec.resamples, spec.seed, spec.power)
            curves = robustness_curves(rule, current, settings)
            if not curves:
                raise InputError(
                    f"rule {index + 1} ({rule.label()}) matches no perturbation sweep of the run",
                    file=str(rules.path),
                    line=rules.line_of(index),
                    field=f"rules.{index}",
                    fix="run the task with perturb: (or --perturb blur=0..5), levels 0 and more",
                )
            robust.append((index, rule, curves))
            continue
        found = expand(rule, current)
        if not found:
            raise InputError(
                f"rule {index + 1} ({rule.label()}) matches no task × backend × metric of the run",
                file=str(rules.path),
                line=rules.line_of(index),
                field=f"rules.{index}",
                fix=f"the run has tasks {sorted(current.tasks)}, backends {current.backend_names()}",
            )
        if rule.kind == "regression" and baseline is None:
            raise InputError(
                f"rule {index + 1} ({rule.label()}) compares with a baseline, and none was given",
                file=str(rules.path),
                line=rules.line_of(index),
                fix="pass --baseline RUN_DIR|FILE, or set baseline: in the rules file",
            )
        expanded.append((index, rule, found))
    checks = []
    for index, rule, found in expanded:
        settings = Settings(rule.confidence or spec.confidence, spec.resamples, spec.seed, spec.power)
        for task, backend, metric in found:
            started = time.perf_counter()
            check = Check(
                index,
                rule,
                task,
                backend,
                metric,
                _quantity(current, task, metric),
                settings,
                Decision("inconclusive", "not evaluated"),
            )
            if rule.kind == "regression":
                assert baseline is not None
                regression_check(check, current, baseline)
            else:
                bound_check(check, current)
            check.seconds = time.perf_counter() - started
            checks.append(check)
    for index, rule, curves in robust:
        settings = Settings(rule.confidence or spec.confidence, spec.resamples, spec.seed, spec.power)
        for swept in curves:
            check = Check(
                index,
                rule,
                swept.task,
                swept.backend,
                f"robustness_auc:{swept.metric}@{swept.perturbation}",
                robustness_quantity(swept),
                settings,
                decide_robustness(rule, swept),
                value=swept.auc,
                interval=(swept.auc_low, swept.auc_high),
            )
            checks.append(check)
    checks.sort(key=lambda c: c.index)
    return GateResult(checks, current, baseline, rules, strict)


def resolve_baseline(rules: LoadedRules, override: Path | None) -> Path | None:
    """--baseline wins; otherwise the rules file's `baseline:`, relative to the rules file."""
    return override if override is not None else rules.baseline_path()
