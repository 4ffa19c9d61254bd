"""Flat coloured shapes on a plain background: the scenes for counting, spatial and VQA rows.

Scenes are drawn at twice their size and shrunk (a cheap, deterministic anti-aliasing); every
shape has a darker outline so overlapping shapes stay countable.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

from evals.generators.imaging import png_bytes

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (214, 39, 40),
    "blue": (31, 96, 214),
    "green": (44, 160, 44),
    "yellow": (240, 200, 20),
    "purple": (140, 70, 190),
    "orange": (250, 130, 20),
}
SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "star", "diamond")
PLURAL: dict[str, str] = {shape: shape + "s" for shape in SHAPES}
_SUPERSAMPLE = 2


@dataclass(frozen=True)
class Thing:
    """One shape in a scene: its kind, colour, centre and radius in pixels."""

    shape: str
    colour: str
    x: float
    y: float
    r: float

    @property
    def name(self) -> str:
        return f"{self.colour} {self.shape}"


def _polygon(shape: str, x: float, y: float, r: float) -> list[tuple[float, float]]:
    if shape == "square":
        h = r * 0.85
        return [(x - h, y - h), (x + h, y - h), (x + h, y + h), (x - h, y + h)]
    if shape == "diamond":
        return [(x, y - r), (x + r * 0.75, y), (x, y + r), (x - r * 0.75, y)]
    if shape == "triangle":
        return [(x + r * math.cos(a), y + r * math.sin(a)) for a in _angles(3, -math.pi / 2)]
    if shape == "star":
        points = []
        for k, angle in enumerate(_angles(10, -math.pi / 2)):
            radius = r if k % 2 == 0 else r * 0.45
            points.append((x + radius * math.cos(angle), y + radius * math.sin(angle)))
        return points
    raise ValueError(f"unknown shape {shape!r}")


def _angles(n: int, start: float) -> list[float]:
    return [start + 2 * math.pi * k / n for k in range(n)]


def _darker(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    red, green, blue = rgb
    return (red * 3 // 5, green * 3 // 5, blue * 3 // 5)


def draw_thing(draw: ImageDraw.ImageDraw, thing: Thing, scale: int = 1) -> None:
    fill = COLOURS[thing.colour]
    outline = _darker(fill)
    x, y, r = thing.x * scale, thing.y * scale, thing.r * scale
    width = max(1, round(1.5 * scale))
    if thing.shape == "circle":
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=outline, width=width)
    else:
        draw.polygon(_polygon(thing.shape, x, y, r), fill=fill, outline=outline, width=width)


def render_scene(
    things: list[Thing], width: int, height: int, background: tuple[int, int, int] = (250, 250, 247)
) -> Image.Image:
    """Draw the shapes in order (later ones on top) and return the image at its final size."""
    big = Image.new("RGB", (width * _SUPERSAMPLE, height * _SUPERSAMPLE), background)
    draw = ImageDraw.Draw(big)
    for thing in things:
        draw_thing(draw, thing, _SUPERSAMPLE)
    return big.resize((width, height), resample=Image.Resampling.BOX)


def scene_png(things: list[Thing], width: int, height: int) -> bytes:
    return png_bytes(render_scene(things, width, height))


class PlacementError(RuntimeError):
    """No room for the shapes asked for (raise the canvas size or lower the counts)."""


def place(
    rng: random.Random,
    radii: list[float],
    width: int,
    height: int,
    *,
    taken: list[Thing] | None = None,
    overlap: float = 0.0,
    attempts: int = 400,
) -> list[tuple[float, float]]:
    """Centres for shapes of the given radii, inside the canvas and apart from each other.

    `overlap` (0–0.6) is how far two shapes may cut into each other, as a share of the sum of
    their radii; 0 keeps a small gap between all shapes. With overlap, about half the shapes are
    put right against one already placed, so some do overlap. Shapes in `taken` are avoided too.
    """
    placed: list[tuple[float, float, float]] = [(t.x, t.y, t.r) for t in taken or []]
    centres: list[tuple[float, float]] = []
    for r in radii:
        for _ in range(attempts):
            if overlap > 0 and centres and rng.random() < 0.5:
                ox, oy, orad = rng.choice(placed)
                angle = rng.uniform(0, 2 * math.pi)
                distance = (r + orad) * rng.uniform(1.0 - overlap, 0.92)
                x, y = ox + distance * math.cos(angle), oy + distance * math.sin(angle)
            else:
                x, y = rng.uniform(r + 2, width - r - 2), rng.uniform(r + 2, height - r - 2)
            inside = r + 2 <= x <= width - r - 2 and r + 2 <= y <= height - r - 2
            if inside and all(_apart(x, y, r, other, overlap) for other in placed):
                break
        else:
            raise PlacementError(f"no room for {len(radii)} shapes on a {width}×{height} canvas")
        placed.append((x, y, r))
        centres.append((x, y))
    return centres


def overlapping(things: list[Thing]) -> bool:
    """True when any two shapes' bounding circles intersect."""
    return any(
        math.hypot(a.x - b.x, a.y - b.y) < a.r + b.r for i, a in enumerate(things) for b in things[i + 1 :]
    )


def _apart(x: float, y: float, r: float, other: tuple[float, float, float], overlap: float) -> bool:
    ox, oy, orad = other
    limit = (r + orad) * (1.0 - overlap) + (3.0 if overlap == 0 else 0.0)
    return math.hypot(x - ox, y - oy) >= limit


def radius_for(count: int, width: int, height: int, rng: random.Random) -> float:
    """A shape radius that leaves room for `count` shapes on the canvas (smaller when crowded)."""
    room = math.sqrt(width * height / max(count, 1)) / 2.9
    return round(min(rng.uniform(13, 24), max(room, 7.0)), 1)
