"""Handwritten lines: deterministic bytes, text the stroke alphabet can write, glyphs inside
the line's metrics, ink where the words are, and a run where the oracle reads every line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
from PIL import Image

from evals.cli.main import main
from evals.generators.handwriting import HandwritingLines, HandwritingParams, render_line
from evals.generators.strokes import ALPHABET, ASCENDER, DESCENDER, GLYPHS

TASK = Path(__file__).resolve().parents[2] / "tasks" / "handwriting-lines.yaml"


def _ink(data: bytes) -> np.ndarray:
    grey = np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=np.float64)
    return grey < 150  # ink is dark; paper and the ruled line are light


def test_same_seed_same_bytes_and_every_line_differs() -> None:
    generator = HandwritingLines(HandwritingParams())
    rows = [generator.row(0, i) for i in range(12)]
    assert [r["image"]() for r in rows[:3]] == [generator.row(0, i)["image"]() for i in range(3)]
    assert len({r["image"]() for r in rows}) == 12
    assert HandwritingLines(HandwritingParams()).row(1, 0)["answer"] != rows[0]["answer"] or (
        HandwritingLines(HandwritingParams()).row(1, 0)["image"]() != rows[0]["image"]()
    )
    for row in rows:
        assert set(row["answer"]) <= ALPHABET and row["answer"] == row["answer"].strip()
        assert Image.open(io.BytesIO(row["image"]())).format == "PNG"


def test_the_same_text_is_never_drawn_twice_the_same() -> None:
    params = HandwritingParams(ruled_share=0.0)
    first, second = render_line("garden 42", 0, 1, params), render_line("garden 42", 0, 2, params)
    assert first != second  # another writer (and other glyph jitter), same words


def test_glyphs_stay_inside_the_line_metrics() -> None:
    for char, (advance, strokes) in GLYPHS.items():
        points = [p for stroke in strokes for p in stroke]
        xs, ys = [x for x, _ in points], [y for _, y in points]
        assert min(xs) >= -0.05 and max(xs) <= advance + 0.05, char
        assert min(ys) >= DESCENDER - 0.05 and max(ys) <= ASCENDER + 0.05, char


def test_ink_spreads_with_the_text() -> None:
    params = HandwritingParams(ruled_share=0.0, max_slant=0.0)
    short, long = _ink(render_line("ab", 0, 3, params)), _ink(render_line("ab ab ab ab", 0, 3, params))
    assert 0 < short.sum() < long.sum()
    columns = np.flatnonzero(long.any(axis=0))
    assert np.ptp(columns) > 3 * np.ptp(np.flatnonzero(short.any(axis=0)))


def test_oracle_reads_every_line(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert (
        main(["run", str(TASK), "--backends", "oracle", "--limit", "12", "--quiet", "--out", str(out)]) == 0
    )
    (cell,) = json.loads((out / "summary.json").read_text())["cells"]
    values = {k: v["value"] for k, v in cell["metrics"].items()}
    assert values == {"cer": 0.0, "wer": 0.0, "exact_match": 1.0}
