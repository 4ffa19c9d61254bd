"""The page's layout: the headline matrix fits the page, categories are bars and ordered levels
curves, CJK text in plots draws without a warning per glyph, secondary sections are collapsed."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from report_helpers import load

import evals
from evals.report.headline import headline_tables
from evals.report.plots import draw_run_plots, plot_breakdown
from evals.report.plots.base import png_bytes
from evals.report.plots.breakdowns import is_answer_class
from evals.report.plots.fonts import (
    KNOWN_CJK,
    LAST_RESORT,
    cjk_font,
    font_chain,
    fontconfig_cjk_families,
    pick_cjk,
    plot_font_family,
)
from evals.report.ranking import rank_run


def test_headline_matrix_puts_the_longer_side_in_rows(run_dir: Path) -> None:
    run, summary, _ = load(run_dir)
    rankings = rank_run(summary, run)
    backends = [b.name for b in run.model_backends]
    kinds = {b.name: b.kind or "" for b in run.model_backends}
    assert len(backends) > len(rankings) == 3

    (by_backend,) = headline_tables(rankings.values(), backends, kinds)
    assert by_backend.header == [
        "backend ↓ · task →",
        "shapes\nexact_match ↑",
        "tones\nedit_rate ↓",
        "answers\nlabel_accuracy ↑",
    ]
    assert [row[0].text for row in by_backend.rows] == backends
    assert [row[0].sub for row in by_backend.rows][:2] == ["baseline", "baseline"]  # oracle, majority
    best = {r.task: r.best.backend for r in rankings.values() if r.best}
    for row in by_backend.rows:
        for task, cell in zip(rankings, row[1:], strict=True):
            assert cell.best == (best[task] == row[0].text) and cell.text.endswith("★") == cell.best
    assert by_backend.rows[-1][1].text == "·"  # model-d ran only "answers"

    (by_task,) = headline_tables(rankings.values(), backends[:2], kinds)
    assert by_task.header == ["task ↓ · backend →", "oracle\nbaseline", "majority\nbaseline"]
    assert (by_task.rows[0][0].text, by_task.rows[0][0].sub) == ("shapes", "exact_match ↑")


def test_headline_matrix_too_wide_is_cut_into_parts_that_lose_nothing(run_dir: Path) -> None:
    run, summary, _ = load(run_dir)
    rankings = rank_run(summary, run)
    backends = [b.name for b in run.model_backends]
    kinds = {b.name: b.kind or "" for b in run.model_backends}
    parts = headline_tables(rankings.values(), backends, kinds, max_columns=2)
    assert [p.caption for p in parts] == ["part 1 of 2", "part 2 of 2"]
    assert [len(p.header) - 1 for p in parts] == [2, 1]
    assert [h.split("\n")[0] for p in parts for h in p.header[1:]] == list(rankings)
    for part in parts:  # every part repeats every row label
        assert [row[0].text for row in part.rows] == backends and all(
            len(r) == len(part.header) for r in part.rows
        )


def _curves(figure: Figure) -> list[Line2D]:
    """The plotted series lines (error bars' caps and stems are lines too, without a marker)."""
    return [line for line in figure.axes[0].lines if line.get_marker() == "o"]


def test_a_field_that_holds_the_answer_is_a_category(run_dir: Path) -> None:
    data = evals.load_run(run_dir)
    # shapes: `count` is the reference answer (like a digit's label); tones: `noise` is a level.
    assert is_answer_class(data.results, "shapes", "count")
    assert not is_answer_class(data.results, "shapes", "colour")
    assert not is_answer_class(data.results, "tones", "noise")
    assert not is_answer_class(data.results, "shapes", "missing")

    bars = plot_breakdown(data.breakdowns, "shapes", "count", ordered=False)
    curve = plot_breakdown(data.breakdowns, "tones", "noise")
    assert bars is not None and curve is not None
    groups = data.breakdowns[(data.breakdowns["task"] == "shapes") & (data.breakdowns["field"] == "count")]
    series = groups[groups["headline"] & groups["value"].notna()]
    assert len(bars.axes[0].patches) == len(series) and not _curves(bars)
    assert [t.get_text() for t in bars.axes[0].get_xticklabels()] == ["0", "1", "2", "3", "4"]
    assert len(_curves(curve)) == 5 and not curve.axes[0].patches  # a line (and a band) per backend

    # The run's report draws exactly that bar chart (PNGs are deterministic).
    plots = {p.name: p for p in draw_run_plots(data.summary, data.breakdowns, data.results)}
    assert plots["breakdown-shapes-count.png"].png == png_bytes(bars)
    assert plots["breakdown-tones-noise.png"].png == png_bytes(curve)


def _digits_frame() -> pd.DataFrame:
    rows = []
    for digit in (3, 10, 0, 1, 2):  # out of order, and 10 after 2 only when sorted as numbers
        for backend, value in (("ocr-a", 0.5 + digit / 40), ("ocr-b", 0.4)):
            rows.append(
                {
                    "task": "digits",
                    "backend": backend,
                    "backend_kind": "engine",
                    "field": "digit",
                    "group": str(digit),
                    "metric": "exact_match",
                    "headline": True,
                    "value": value,
                    "ci_low": value - 0.1,
                    "ci_high": value + 0.1,
                    "n": 20,
                    "higher_is_better": True,
                }
            )
    return pd.DataFrame(rows)


def test_numeric_levels_are_a_curve_unless_declared_categories() -> None:
    frame = _digits_frame()
    curve = plot_breakdown(frame, "digits", "digit")
    bars = plot_breakdown(frame, "digits", "digit", ordered=False)
    assert curve is not None and bars is not None
    assert len(_curves(curve)) == 2 and not curve.axes[0].patches
    assert len(bars.axes[0].patches) == 10 and not _curves(bars)
    assert [t.get_text() for t in bars.axes[0].get_xticklabels()] == ["0", "1", "2", "3", "10"]
    assert "95% CI" in bars.axes[0].get_title(loc="left") and "band" in curve.axes[0].get_title(loc="left")


def test_cjk_font_choice() -> None:
    installed = ["DejaVu Sans", "Noto Sans CJK JP", "WenQuanYi Zen Hei", LAST_RESORT]
    assert pick_cjk(installed, ["Droid Sans Fallback", "Noto Sans CJK JP"]) == "Noto Sans CJK JP"
    assert pick_cjk(installed, KNOWN_CJK) == "Noto Sans CJK JP"
    assert pick_cjk(["DejaVu Sans"], KNOWN_CJK) is None
    assert font_chain(["sans-serif"], "WenQuanYi Zen Hei", installed) == [
        "sans-serif",
        "WenQuanYi Zen Hei",
        LAST_RESORT,
    ]
    assert font_chain(["sans-serif"], None, ["DejaVu Sans"]) == ["sans-serif"]


def test_plots_use_the_installed_cjk_font_or_fall_back_quietly() -> None:
    installed = fontconfig_cjk_families()
    family = plot_font_family()
    assert family[0] == "sans-serif"
    if installed:
        assert cjk_font() in installed and cjk_font() in family
    else:
        assert cjk_font() is None
    frame = _digits_frame().assign(field="类别", group=lambda f: f["group"].map(lambda g: f"类型{g}"))
    frame["backend"] = frame["backend"].map({"ocr-a": "模型-a", "ocr-b": "ocr-b"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one "Glyph … missing from font" per character, before
        figure = plot_breakdown(frame, "digits", "类别")
        assert figure is not None
        png = png_bytes(figure)
    assert png.startswith(b"\x89PNG")


def test_page_declares_utf8_first_and_collapses_secondary_sections(run_dir: Path) -> None:
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page[:1024]  # browsers look for it in the first 1,024 bytes
    overview = page.index('<section id="overview">')
    assert page.index('<table class="matrix headline">') > overview
    assert "<img" not in page[:overview]
    assert all('loading="lazy"' in tag for tag in re.findall(r"<img [^>]*>", page))
    for title in ("Surprising samples", "Worst samples", "Breakdowns", "Classification report"):
        assert f'<details class="section"><summary>{title}' in page
    assert page.count("<details open") == 1  # only the run settings, at the end
    assert page.index("<details open") > page.index('<section id="config">')
