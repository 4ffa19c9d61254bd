"""Handwritten-looking text lines drawn with our own stroke alphabet (`strokes.py`).

Every line has a writer: a slant, a size, a pen width, an ink, a baseline that wobbles along the
line and a spacing; every glyph then varies on its own (size, slant, a shift off the baseline,
jitter of each pen point), and strokes are smoothed into curves (Catmull–Rom). The same glyph
never comes out twice the same, as in real handwriting; the same seed always gives the same
bytes. Lines are lowercase words from the project's vocabulary, sometimes with a number.
"""

from __future__ import annotations

import math
import random
from functools import partial
from typing import Any

from PIL import Image, ImageDraw

from evals.generators import GeneratorParams, IndexedGenerator
from evals.generators.imaging import png_bytes
from evals.generators.seeding import row_rng
from evals.generators.strokes import ASCENDER, DESCENDER, GLYPHS, SPACE, Point, Stroke
from evals.generators.words import ADJECTIVES, NOUNS, PLURALS, PREPOSITIONS, VERBS, VERBS_PAST

_SUPERSAMPLE = 3
_INKS = ((20, 24, 30), (25, 40, 110), (40, 40, 48), (15, 55, 95))


class HandwritingParams(GeneratorParams):
    min_words: int = 2
    max_words: int = 5
    number_share: float = 0.3
    min_size: int = 16  # x-height in pixels
    max_size: int = 26
    max_slant: float = 22.0  # degrees to the right (a few writers lean left: down to −max/4)
    ruled_share: float = 0.3


def line_text(rng: random.Random, params: HandwritingParams) -> str:
    pools = (ADJECTIVES, NOUNS, PLURALS, PREPOSITIONS, VERBS, VERBS_PAST)
    words = [rng.choice(rng.choice(pools)) for _ in range(rng.randint(params.min_words, params.max_words))]
    if rng.random() < params.number_share:
        words.insert(rng.randint(0, len(words)), str(rng.randint(2, 9999)))
    return " ".join(w.lower() for w in words)


def _catmull_rom(p0: float, p1: float, p2: float, p3: float, t: float) -> float:
    return 0.5 * (
        2 * p1
        + (p2 - p0) * t
        + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t * t
        + (3 * p1 - p0 - 3 * p2 + p3) * t * t * t
    )


def _smooth(points: Stroke, steps: int = 4) -> Stroke:
    """A Catmull–Rom curve through the points (the pen does not turn sharp corners)."""
    if len(points) < 3:
        return points
    padded = [points[0], *points, points[-1]]
    out: Stroke = []
    for i in range(1, len(padded) - 2):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = padded[i - 1 : i + 3]
        for k in range(steps):
            t = k / steps
            out.append((_catmull_rom(x0, x1, x2, x3, t), _catmull_rom(y0, y1, y2, y3, t)))
    out.append(points[-1])
    return out


class _Writer:
    """One line's hand: the choices that stay the same along the line."""

    def __init__(self, rng: random.Random, params: HandwritingParams) -> None:
        self.rng = rng
        self.size = rng.uniform(params.min_size, params.max_size)
        self.slant = rng.uniform(-params.max_slant / 4, params.max_slant)
        self.pen = rng.uniform(0.075, 0.13) * self.size
        self.ink = rng.choice(_INKS)
        self.paper = tuple(rng.randint(238, 252) for _ in range(3))
        self.wobble = (rng.uniform(0.03, 0.1), rng.uniform(2.5, 6.0), rng.uniform(0, 2 * math.pi))
        self.spacing = rng.uniform(0.08, 0.2)
        self.ruled = rng.random() < params.ruled_share

    def glyph(self, char: str, x: float) -> tuple[list[Stroke], float]:
        """The glyph's strokes in line units (x-heights) placed at x, and its advance."""
        rng = self.rng
        advance, strokes = GLYPHS[char]
        scale = rng.uniform(0.9, 1.1)
        shear = math.tan(math.radians(self.slant + rng.gauss(0, 3)))
        amplitude, period, phase = self.wobble
        lift = amplitude * math.sin(x / period * 2 * math.pi + phase) + rng.gauss(0, 0.03)
        placed = []
        for stroke in strokes:
            moved: Stroke = []
            for px, py in stroke:
                gx, gy = px * scale + rng.gauss(0, 0.022), py * scale + rng.gauss(0, 0.022)
                moved.append((x + gx + gy * shear, gy + lift))
            placed.append(_smooth(moved))
        return placed, advance * scale + self.spacing


def render_line(text: str, seed: int, index: int, params: HandwritingParams) -> bytes:
    rng = row_rng(seed, index, "handwriting-pen")
    writer = _Writer(rng, params)
    strokes: list[Stroke] = []
    x = 0.0
    for char in text:
        if char == " ":
            x += SPACE * rng.uniform(0.85, 1.3)
            continue
        placed, advance = writer.glyph(char, x)
        strokes += placed
        x += advance
    unit = writer.size * _SUPERSAMPLE
    margin = 0.6
    lean = max(0.0, math.tan(math.radians(writer.slant))) * ASCENDER
    width = math.ceil((x + lean + 2 * margin) * unit)
    height = math.ceil((ASCENDER - DESCENDER + 2 * margin) * unit)
    top = ASCENDER + margin

    def to_pixels(point: Point) -> tuple[float, float]:
        return ((point[0] + margin) * unit, (top - point[1]) * unit)

    image = Image.new("RGB", (width, height), writer.paper)
    draw = ImageDraw.Draw(image)
    if writer.ruled:  # a faint ruled line just under the baseline, as on notepaper
        y = (top + 0.08) * unit
        draw.line([(0, y), (width, y)], fill=(170, 190, 220), width=max(1, _SUPERSAMPLE))
    pen = max(1, round(writer.pen * _SUPERSAMPLE))
    for stroke in strokes:
        pixels = [to_pixels(p) for p in stroke]
        if len(pixels) == 1 or (math.dist(pixels[0], pixels[-1]) < pen and len(pixels) <= 2):
            cx, cy = pixels[0]  # a dot (i, j)
            draw.ellipse((cx - pen * 0.7, cy - pen * 0.7, cx + pen * 0.7, cy + pen * 0.7), fill=writer.ink)
        else:
            draw.line(pixels, fill=writer.ink, width=pen, joint="curve")
    final = (max(1, width // _SUPERSAMPLE), max(1, height // _SUPERSAMPLE))
    return png_bytes(image.resize(final, Image.Resampling.BOX))


class HandwritingLines(IndexedGenerator):
    """Lines of lowercase words (and numbers) in a seeded hand: slant, size, pen, ink, a
    wobbling baseline, and per-glyph variation, drawn from a stroke alphabet of our own."""

    name = "handwriting_lines"
    description = "handwritten-looking English text lines from a stroke model (lowercase, digits)"
    columns = ("id", "image", "answer", "size", "slant", "ruled", "n_chars")
    Params = HandwritingParams
    params: HandwritingParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        rng = row_rng(seed, index, "handwriting")
        text = line_text(rng, self.params)
        writer = _Writer(row_rng(seed, index, "handwriting-pen"), self.params)  # what render draws
        return {
            "id": f"hand-{index:04d}",
            "image": partial(render_line, text, seed, index, self.params),
            "answer": text,
            "size": round(writer.size),
            "slant": "left" if writer.slant < 0 else "upright" if writer.slant < 8 else "right",
            "ruled": writer.ruled,
            "n_chars": len(text),
        }
