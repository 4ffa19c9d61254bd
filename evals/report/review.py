"""The report's review-routing section for `extract` tasks: per backend, where its confidences
came from, how well calibrated they are (ECE), and the confidence threshold that keeps the error
rate among auto-accepted documents within the task's target, with the share it accepts; one
figure per task with the coverage-vs-error curves and the reliability diagram
(evals/review.py computes; this lays out)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from evals import fmt
from evals.report.plots import PlotFile
from evals.report.tables import Table, backend_name, num_cell
from evals.review import ReviewSpec, Routing, routing
from evals.rundata import RunInfo, SampleRecord

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TITLE = "Review routing"
FIELD = "review"  # PlotFile.field of the section's figures
CAPTION = (
    "A document is right when every field is (doc_exact). Accepting the documents whose confidence is "
    "at least the threshold sends the rest to a person: coverage is the share accepted, error the share "
    "of wrong documents among them. Confidence: the backend's own (token log-probabilities, an "
    "engine's estimate), else the record's self-reported `confidence`, lowered per violated rule "
    "(docs/documents.md). ECE: expected calibration error over equal-width bins."
)


def _spec(run: RunInfo, task: str) -> ReviewSpec | None:
    """The task's review settings; None for a task that is not an extraction."""
    info = next((t for t in run.tasks if t.name == task), None)
    if info is None or info.kind != "extract":
        return None
    return ReviewSpec.model_validate(info.review) if info.review else ReviewSpec()


def run_routing(run: RunInfo, records: list[SampleRecord]) -> dict[str, list[Routing]]:
    """Each extract task's routing per backend, by task."""
    cells: dict[tuple[str, str], list[SampleRecord]] = defaultdict(list)
    for record in records:
        cells[(record.task, record.backend)].append(record)
    out: dict[str, list[Routing]] = {}
    for (task, backend), cell in sorted(cells.items()):
        spec = _spec(run, task)
        if spec is None:
            continue
        found = routing(backend, cell, spec)
        if found is not None:
            out.setdefault(task, []).append(found)
    return out


def routing_table(found: list[Routing], kinds: dict[str, str]) -> Table:
    target = found[0].target_error if found else 0.0
    table = Table(
        [
            "backend",
            "n",
            "confidence from",
            "ECE",
            "documents right",
            f"threshold for error ≤ {fmt.num(target)}",
            "auto-accepted",
            "error among accepted",
        ]
    )
    for item in found:
        sources = ", ".join(f"{name} {count}" for name, count in sorted(item.sources.items()))
        accuracy = 1.0 - float(item.curve.error[-1]) if item.curve.error.size else float("nan")
        if item.operating is None:
            operating = [num_cell("— (none meets it)"), num_cell("0"), num_cell("·")]
        else:
            threshold, coverage, error = item.operating
            operating = [num_cell(fmt.num(threshold)), num_cell(fmt.num(coverage)), num_cell(fmt.num(error))]
        table.add(
            backend_name(item.backend, kinds.get(item.backend, "")),
            num_cell(str(item.n)),
            sources,
            num_cell(fmt.num(item.calibration.ece)),
            num_cell(fmt.num(accuracy)),
            *operating,
        )
    table.caption = CAPTION
    return table


def review_tables(found: list[Routing], kinds: dict[str, str]) -> list[tuple[str, Table]]:
    return [(TITLE, routing_table(found, kinds))] if found else []


def plot_routing(task: str, found: list[Routing], kinds: dict[str, str]) -> Figure | None:
    """Left: error among accepted against coverage, the target as a line and each backend's
    operating point marked. Right: the reliability diagram (accuracy against mean confidence per bin)."""
    # matplotlib loads only when plots are drawn (a report may take its plots from the cache)
    from evals.report.plots.base import styled

    return styled(_draw_routing)(task, found, kinds)


def _draw_routing(task: str, found: list[Routing], kinds: dict[str, str]) -> Figure | None:
    from evals.report.plots.base import new_figure, palette

    if not found:
        return None
    colours = palette([r.backend for r in found], kinds)
    figure = new_figure(9.6, 3.8)
    left, right = figure.subplots(1, 2)
    for item in found:
        colour = colours[item.backend]
        style = "--" if kinds.get(item.backend) == "baseline" else "-"
        left.plot(item.curve.coverage, item.curve.error, style, marker=".", color=colour, label=item.backend)
        if item.operating is not None:
            left.plot([item.operating[1]], [item.operating[2]], "o", color=colour)
        cal = item.calibration
        right.plot(
            cal.confidence,
            cal.accuracy,
            style,
            marker="o",
            color=colour,
            label=f"{item.backend} (ECE {fmt.num(cal.ece)})",
        )
    target = found[0].target_error
    left.axhline(target, color="#555555", linewidth=0.8, linestyle=":")
    left.set_xlim(0.0, 1.02)
    left.set_ylim(bottom=0.0)
    left.set_xlabel("coverage (share auto-accepted)")
    left.set_ylabel("error rate among accepted ↓")
    left.set_title(f"{task}: coverage vs error (target {fmt.num(target)})")
    left.legend(loc="upper left")
    right.plot([0, 1], [0, 1], color="#999999", linewidth=0.8, linestyle=":")
    right.set_xlim(0.0, 1.0)
    right.set_ylim(0.0, 1.05)
    right.set_xlabel("mean confidence in bin")
    right.set_ylabel("share of documents right")
    right.set_title("reliability diagram")
    right.legend(loc="upper left")
    return figure


def review_plots(by_task: dict[str, list[Routing]], kinds: dict[str, str]) -> list[PlotFile]:
    from evals.report.plots import slug
    from evals.report.plots.base import png_bytes

    plots = []
    for task, found in sorted(by_task.items()):
        figure = plot_routing(task, found, kinds)
        if figure is None:
            continue
        plots.append(
            PlotFile(
                f"review-{slug(task)}.png",
                f"{task}: review routing",
                "Error among auto-accepted documents against the share accepted (dots: the threshold "
                "that meets the target), and calibration of the confidences.",
                png_bytes(figure),
                task=task,
                field=FIELD,
            )
        )
    return plots
