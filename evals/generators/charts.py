"""Bar, line and pie charts drawn with matplotlib from known data, and questions about them.

Every chart carries data labels (values on bars and points, percentages on slices), so each
question has one exact answer read off the chart. Rows come in groups of `questions_per_chart`
about the same chart: row i asks about chart i // questions_per_chart.

Determinism: the Agg renderer, DejaVu Sans (matplotlib's default font), matplotlib's default
style (whatever the user's matplotlibrc says), a fixed dpi and no Software metadata in the PNG.
"""

from __future__ import annotations

import io
import random
import threading
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Literal

from evals.generators import GeneratorParams, IndexedGenerator
from evals.generators.seeding import row_rng
from evals.generators.words import DAYS, MONTHS, STREETS

ChartType = Literal["bar", "line", "pie"]
CHART_TYPES: tuple[ChartType, ...] = ("bar", "line", "pie")
QUESTION_TYPES = ("value", "max", "min", "difference")
_PALETTE = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C")

# (title, axis label, categories, ordered) themes; line charts use only the ordered ones.
# No label looks like a number, so relaxed accuracy never compares labels with a tolerance.
_THEMES: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    ("Monthly sales", "Units sold", tuple(m[:3] for m in MONTHS), True),
    ("Visitors per day", "Visitors", tuple(d[:3] for d in DAYS), True),
    (
        "Fruit harvested",
        "Crates",
        ("Apples", "Pears", "Plums", "Cherries", "Grapes", "Peaches", "Lemons"),
        False,
    ),
    ("Rainfall by town", "Rain (mm)", tuple(f"{s}ton" for s in STREETS[:8]), False),
    ("Tickets by team", "Tickets", ("Alpha", "Bravo", "Delta", "Echo", "Kilo", "Lima", "Sierra"), False),
    ("Weekly revenue", "Revenue ($k)", tuple(f"Week {k}" for k in range(1, 9)), True),
)


@dataclass(frozen=True)
class ChartData:
    chart_type: ChartType
    title: str
    axis_label: str
    labels: tuple[str, ...]
    values: tuple[int, ...]  # percentages summing to 100 for pies


def draw_chart_data(rng: random.Random, chart_type: ChartType) -> ChartData:
    """Categories from a theme and distinct integer values (so max and min are unique)."""
    themes = [t for t in _THEMES if chart_type != "line" or t[3]]
    title, axis_label, categories, ordered = rng.choice(themes)
    n = rng.randint(3, 6) if chart_type == "pie" else rng.randint(4, 7)
    if ordered:
        start = rng.randint(0, len(categories) - n)
        labels = categories[start : start + n]
    else:
        labels = tuple(rng.sample(categories, n))
    if chart_type == "pie":
        values = _distinct_parts(rng, n, 100)
        title = title.replace("Monthly sales", "Share of sales").replace("per day", "share")
    else:
        values = tuple(rng.sample(range(5, 96), n))
    return ChartData(chart_type, title, axis_label, labels, values)


def _distinct_parts(rng: random.Random, n: int, total: int) -> tuple[int, ...]:
    """`n` distinct positive integers (each at least 4) summing to `total`."""
    while True:
        cuts = sorted(rng.sample(range(1, total), n - 1))
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        if min(parts) >= 4 and len(set(parts)) == n:
            return tuple(parts)


# matplotlib's style context swaps global rcParams: one chart is drawn at a time.
_DRAWING = threading.Lock()


@lru_cache(maxsize=8)
def chart_png(data: ChartData, dpi: int = 100) -> bytes:
    """The chart as PNG bytes (cached: several rows ask about the same chart)."""
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _DRAWING, matplotlib.style.context("default"):
        figure = Figure(figsize=(4.8, 3.6), dpi=dpi)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        colours = [_PALETTE[k % len(_PALETTE)] for k in range(len(data.values))]
        if data.chart_type == "bar":
            bars = axes.bar(data.labels, data.values, color=colours)
            axes.bar_label(bars, fontsize=9)
            axes.set_ylabel(data.axis_label)
            axes.set_ylim(0, max(data.values) * 1.15)
        elif data.chart_type == "line":
            axes.plot(data.labels, data.values, marker="o", color=_PALETTE[0])
            for x, y in enumerate(data.values):
                axes.annotate(
                    str(y), (x, y), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=9
                )
            axes.set_ylabel(data.axis_label)
            axes.set_ylim(0, max(data.values) * 1.2)
        else:
            axes.pie(data.values, labels=data.labels, colors=colours, autopct=_percent, startangle=90)
            axes.set_aspect("equal")
        axes.set_title(data.title)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _percent(share: float) -> str:
    # The slices are integer percentages summing to 100: round, never truncate (34.99… is 35).
    return f"{round(share)}%"


def ask(rng: random.Random, data: ChartData, question_type: str) -> tuple[str, str]:
    """A question about the chart and its exact answer (a number as digits, or a label)."""
    noun = "percentage" if data.chart_type == "pie" else "value"
    pairs = list(zip(data.labels, data.values, strict=True))
    if question_type == "value":
        label, value = rng.choice(pairs)
        return f"What is the {noun} for {label}?", str(value)
    if question_type == "max":
        return f"Which category has the highest {noun}?", max(pairs, key=lambda p: p[1])[0]
    if question_type == "min":
        return f"Which category has the lowest {noun}?", min(pairs, key=lambda p: p[1])[0]
    (a, va), (b, vb) = rng.sample(pairs, 2)
    return f"What is the difference between the {noun}s of {a} and {b}?", str(abs(va - vb))


class ChartsParams(GeneratorParams):
    questions_per_chart: int = 3
    chart_types: tuple[ChartType, ...] = CHART_TYPES
    dpi: int = 100


class Charts(IndexedGenerator):
    """Questions about values, maxima, minima and differences in bar, line and pie charts."""

    name = "charts"
    description = "bar/line/pie charts from known data; value, max, min and difference questions"
    columns = ("id", "image", "question", "answer", "chart_id", "chart_type", "question_type", "answer_kind")
    Params = ChartsParams
    params: ChartsParams

    def __init__(self, params: GeneratorParams | None = None) -> None:
        super().__init__(params)
        if not 1 <= self.params.questions_per_chart <= len(QUESTION_TYPES):
            raise ValueError(f"questions_per_chart must be 1 to {len(QUESTION_TYPES)}")
        if not self.params.chart_types:
            raise ValueError("chart_types must name at least one chart type")

    def chart(self, seed: int, chart_index: int) -> ChartData:
        rng = row_rng(seed, chart_index, "chart")
        types = self.params.chart_types
        return draw_chart_data(rng, types[chart_index % len(types)])

    def row(self, seed: int, index: int) -> dict[str, Any]:
        per_chart = self.params.questions_per_chart
        chart_index, slot = divmod(index, per_chart)
        data = self.chart(seed, chart_index)
        order = list(QUESTION_TYPES)
        row_rng(seed, chart_index, "chart-questions").shuffle(order)
        question_type = order[slot]
        question, answer = ask(row_rng(seed, index, "question"), data, question_type)
        return {
            "id": f"chart-{chart_index:03d}-{question_type}",
            "image": partial(chart_png, data, self.params.dpi),
            "question": question,
            "answer": answer,
            "chart_id": f"chart-{chart_index:03d}",
            "chart_type": data.chart_type,
            "question_type": question_type,
            "answer_kind": "label" if question_type in ("max", "min") else "number",
        }
