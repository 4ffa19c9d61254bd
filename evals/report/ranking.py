"""Who is best on a task, who is tied with it, and who is worth its price.

Rules (docs/reports.md, "How best is decided"):
- a task is ranked on its headline metric, the first metric it declares, in the direction the
  metric declares (`higher_is_better`);
- a backend is eligible for "best" when it has a value and its error rate is within the run's
  `max_error_rate` (its score would otherwise cover a different, easier set of samples);
- baselines (oracle, majority, chance) are ranked and shown, but crowned only when no model or
  engine is eligible: the oracle is a ceiling, not a choice;
- ties on the value go to the cheaper backend, then the faster (p50), then the name;
- a crowned model that does no better than a prior or chance baseline (any baseline but the
  oracle, which answers the reference and is the ceiling) is flagged "no better than baseline";
- "CI overlaps best" marks every other backend whose 95% interval overlaps the best one's: the
  data does not separate them (the paired test of `run-eval compare` is the sharper tool);
- the cost front is the Pareto front of cost per sample against the headline value over models
  and engines with a known cost: no other backend is both cheaper (or as cheap) and better.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from evals.rundata import RunInfo, Summary, SummaryCell

BASELINE = "baseline"
CEILING_TYPES = frozenset({"oracle"})  # baselines that answer the reference: a ceiling, not a prior


@dataclass
class Standing:
    """One backend's place on one task."""

    backend: str
    kind: str
    type: str | None
    model: str | None
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    error_rate: float
    cost_per_sample: float | None
    p50: float | None
    cell: SummaryCell
    best: bool = False
    overlaps_best: bool = False
    on_front: bool = False
    not_eligible: str | None = None
    not_above: list[str] = field(default_factory=list)  # baselines a crowned model does not beat

    @property
    def is_baseline(self) -> bool:
        return self.kind == BASELINE

    def notes(self) -> list[str]:
        out = []
        if self.best:
            out.append("best")
        if self.not_above:
            out.append(f"no better than baseline {', '.join(self.not_above)}")
        if self.overlaps_best:
            out.append("CI overlaps best")
        if self.on_front:
            out.append("cost front")
        if self.is_baseline:
            out.append("baseline")
        if self.not_eligible and not self.is_baseline:
            out.append(self.not_eligible)
        return out


@dataclass
class TaskRanking:
    task: str
    kind: str | None
    metric: str | None
    higher_is_better: bool
    standings: list[Standing] = field(default_factory=list)
    only_baselines: bool = False

    @property
    def best(self) -> Standing | None:
        return next((s for s in self.standings if s.best), None)

    def by_backend(self) -> dict[str, Standing]:
        return {s.backend: s for s in self.standings}


def standing_of(cell: SummaryCell, metric: str | None) -> Standing:
    entry = cell.metrics.get(metric or "")
    return Standing(
        backend=cell.backend,
        kind=cell.backend_kind or "unknown",
        type=cell.backend_type,
        model=cell.model,
        value=entry.value if entry else None,
        ci_low=entry.ci_low if entry else None,
        ci_high=entry.ci_high if entry else None,
        n=entry.n if entry else 0,
        error_rate=cell.error_rate,
        cost_per_sample=cell.cost_per_sample_usd,
        p50=cell.latency_s.p50,
        cell=cell,
    )


def _order_key(standing: Standing, higher_is_better: bool) -> tuple[int, float, float, float, str]:
    value = standing.value
    signed = (-value if higher_is_better else value) if value is not None else 0.0
    cost = standing.cost_per_sample if standing.cost_per_sample is not None else float("inf")
    p50 = standing.p50 if standing.p50 is not None else float("inf")
    return (value is None, signed, cost, p50, standing.backend)


def rank_task(cells: Sequence[SummaryCell], max_error_rate: float = 0.05) -> TaskRanking:
    """Rank the cells of one task (see the module docstring for the rules)."""
    first = cells[0] if cells else None
    metric = first.headline() if first else None
    entry = first.metrics.get(metric or "") if first else None
    higher = entry.higher_is_better if entry else True
    ranking = TaskRanking(first.task if first else "", first.kind if first else None, metric, higher)
    standings = [standing_of(c, metric) for c in cells]
    standings.sort(key=lambda s: _order_key(s, higher))
    for standing in standings:
        if standing.value is None:
            standing.not_eligible = "no score"
        elif standing.error_rate > max_error_rate:
            standing.not_eligible = f"error rate above {max_error_rate:.0%}"
    eligible = [s for s in standings if s.not_eligible is None]
    models = [s for s in eligible if not s.is_baseline]
    ranking.only_baselines = not models and bool(eligible)
    pool = models or eligible
    if pool:
        best = pool[0]  # standings are sorted, so the first of the pool is its best
        best.best = True
        if not best.is_baseline:
            best.not_above = [s.backend for s in eligible if _prior(s) and not _better(best, s, higher)]
        for standing in standings:
            if standing is not best and _overlaps(standing, best):
                standing.overlaps_best = True
    front = pareto_front(
        [(s.backend, s.cost_per_sample, s.value) for s in standings if not s.is_baseline], higher
    )
    for standing in standings:
        standing.on_front = standing.backend in front
    ranking.standings = standings
    return ranking


def _prior(standing: Standing) -> bool:
    return standing.is_baseline and standing.type not in CEILING_TYPES


def _better(a: Standing, b: Standing, higher_is_better: bool) -> bool:
    assert a.value is not None and b.value is not None
    return a.value > b.value if higher_is_better else a.value < b.value


def _overlaps(a: Standing, b: Standing) -> bool:
    if None in (a.ci_low, a.ci_high, b.ci_low, b.ci_high):
        return False
    assert a.ci_low is not None and a.ci_high is not None and b.ci_low is not None and b.ci_high is not None
    return a.ci_low <= b.ci_high and b.ci_low <= a.ci_high


def pareto_front(
    points: Sequence[tuple[str, float | None, float | None]], higher_is_better: bool = True
) -> set[str]:
    """Names of the (name, cost, value) points no other point dominates; unknown cost or value
    never enters. A point dominates another when it costs no more and scores no worse, and is
    strictly better on one of the two."""
    known = [(n, c, v if higher_is_better else -v) for n, c, v in points if c is not None and v is not None]
    front = set()
    for name, cost, value in known:
        dominated = any(
            c <= cost and v >= value and (c < cost or v > value) for other, c, v in known if other != name
        )
        if not dominated:
            front.add(name)
    return front


def max_error_rate(run: RunInfo) -> float:
    value = run.config.get("max_error_rate", 0.05)
    return float(value) if isinstance(value, int | float) else 0.05


def rank_run(summary: Summary, run: RunInfo) -> dict[str, TaskRanking]:
    """A ranking per task, in the order run.json lists the tasks."""
    limit = max_error_rate(run)
    by_task: dict[str, list[SummaryCell]] = {}
    for cell in summary.cells:
        by_task.setdefault(cell.task, []).append(cell)
    order = [t.name for t in run.tasks if t.name in by_task]
    order += [t for t in by_task if t not in order]
    return {task: rank_task(by_task[task], limit) for task in order}
