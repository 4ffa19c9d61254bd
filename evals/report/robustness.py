"""The report's robustness section: score against severity per perturbation, with intervals,
the paired drop from the clean input at each level, relative robustness (AUC), and one plot of
the curves per task × perturbation (evals/robustness.py computes; this lays out)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from evals import fmt
from evals.report.plots import PlotFile
from evals.report.tables import Table, backend_name, num_cell
from evals.robustness import Curve, curves_for_cell
from evals.rundata import RunInfo, SampleRecord

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CAPTION = (
    "Mean per sample at each severity (0 = clean) with its 95% bootstrap interval; drop: the paired "
    "change from clean on the same samples, in the worse direction (positive = worse). Relative "
    "robustness: area under the curve over the clean score (1.0 = no loss; docs/robustness.md)."
)


def run_curves(run: RunInfo, records: list[SampleRecord]) -> dict[str, list[Curve]]:
    """Curves of each task's headline metric (its first), by task."""
    scores: dict[tuple[str, str], dict[str, dict[str, float]]] = defaultdict(dict)
    for record in records:
        if record.status == "ok" and record.scores:
            scores[(record.task, record.backend)][record.sample_id] = dict(record.scores)
    tasks = {t.name: t for t in run.tasks}
    out: dict[str, list[Curve]] = {}
    for (task, backend), cell in scores.items():
        info = tasks.get(task)
        if info is None or not info.metrics:
            continue
        found = curves_for_cell(task, backend, cell, info.metrics[:1])
        if found:
            out.setdefault(task, []).extend(found)
    return out


def _point_text(value: float, low: float, high: float) -> str:
    return f"{fmt.num(value)} [{fmt.num(low)}, {fmt.num(high)}]"


def robustness_tables(curves: list[Curve], kinds: dict[str, str]) -> list[tuple[str, Table]]:
    by_perturbation: dict[str, list[Curve]] = defaultdict(list)
    for found in curves:
        by_perturbation[found.perturbation].append(found)
    out = []
    for name in sorted(by_perturbation):
        group = sorted(by_perturbation[name], key=lambda c: c.backend)
        levels = sorted({p.severity for c in group for p in c.points})
        metric = group[0].metric
        table = Table(["backend", "relative robustness [95% CI]", *(f"level {lv}" for lv in levels)])
        drops = Table(["backend", *(f"drop at {lv}" for lv in levels if lv)])
        for found in group:
            points = {p.severity: p for p in found.points}
            auc = (
                _point_text(found.auc, found.auc_low or found.auc, found.auc_high or found.auc)
                if found.auc is not None
                else "— (needs level 0 and another)"
            )
            label = backend_name(found.backend, kinds.get(found.backend, ""))
            cells = [
                num_cell(_point_text(p.value, p.low, p.high)) if (p := points.get(lv)) else num_cell("·")
                for lv in levels
            ]
            table.add(label, num_cell(auc), *cells)
            drop_cells = []
            for lv in levels:
                if not lv:
                    continue
                p = points.get(lv)
                if p is None or p.drop is None:
                    drop_cells.append(num_cell("·"))
                else:
                    drop_cells.append(
                        num_cell(f"{fmt.num(p.drop)} [{fmt.num(p.drop_low)}, {fmt.num(p.drop_high)}]")
                    )
            drops.add(label, *drop_cells)
        table.caption = CAPTION
        out.append((f"{name}: {metric} by severity", table))
        if len(drops.header) > 1:
            out.append((f"{name}: paired drop of {metric} from clean", drops))
    return out


def plot_curves(curves: list[Curve], kinds: dict[str, str]) -> Figure | None:
    """Score against severity, one line per backend with its 95% band."""
    # matplotlib loads only when plots are drawn (a report may take its plots from the cache)
    from evals.report.plots.base import styled

    return styled(_draw_curves)(curves, kinds)


def _draw_curves(curves: list[Curve], kinds: dict[str, str]) -> Figure | None:
    from evals.report.plots.base import new_figure, palette

    if not curves:
        return None
    colours = palette([c.backend for c in curves], kinds)
    figure = new_figure(6.4, 3.8)
    ax = figure.add_subplot()
    for found in sorted(curves, key=lambda c: c.backend):
        x = np.array([p.severity for p in found.points], dtype=float)
        y = np.array([p.value for p in found.points])
        low = np.array([p.low for p in found.points])
        high = np.array([p.high for p in found.points])
        colour = colours[found.backend]
        auc = f" (rel. {found.auc:.2f})" if found.auc is not None else ""
        style = "--" if kinds.get(found.backend) == "baseline" else "-"
        ax.plot(x, y, style, marker="o", color=colour, label=f"{found.backend}{auc}")
        ax.fill_between(x, low, high, color=colour, alpha=0.18, linewidth=0)
    first = curves[0]
    ax.set_xlabel(f"{first.perturbation} severity (0 = clean)")
    ax.set_ylabel(f"{first.metric} {fmt.arrow(first.higher_is_better)}")
    ax.set_xticks(sorted({p.severity for c in curves for p in c.points}))
    ax.set_title(f"{first.task}: {first.metric} against {first.perturbation}")
    ax.legend(loc="best")
    return figure


def robustness_plots(by_task: dict[str, list[Curve]], kinds: dict[str, str]) -> list[PlotFile]:
    from evals.report.plots import slug
    from evals.report.plots.base import png_bytes

    plots = []
    for task, curves in sorted(by_task.items()):
        names = sorted({c.perturbation for c in curves})
        for name in names:
            figure = plot_curves([c for c in curves if c.perturbation == name], kinds)
            if figure is None:
                continue
            plots.append(
                PlotFile(
                    f"robustness-{slug(task)}-{slug(name)}.png",
                    f"{task}: robustness to {name}",
                    "Score against severity with 95% bands; the legend gives each backend's relative "
                    "robustness.",
                    png_bytes(figure),
                    task=task,
                    field=f"perturb:{name}",
                )
            )
    return plots
