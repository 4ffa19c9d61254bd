"""Seeded video tasks, drawn with PIL and encoded with PyAV: short, low-resolution clips whose
answer needs time (how many balls entered the box, which colour came first, which way a ball
moved, what was on screen at a given second) and one long clip with a single odd frame.

Row i depends only on (seed, i, parameters); the clip is rendered and encoded only when a
request needs it. Each row carries `seconds` (the clip's length) for length breakdowns.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from PIL import Image, ImageDraw

from evals.generators import GeneratorParams, IndexedGenerator
from evals.generators.seeding import row_rng
from evals.generators.shapes import COLOURS
from evals.generators.video_encode import encode_mp4

BACKGROUND = (236, 238, 241)
LETTERS = "ABCDEFGH"
DIRECTIONS = ("left", "right", "up", "down")
SHOWN = ("circle", "square", "triangle", "cross")

Painter = Callable[[ImageDraw.ImageDraw, int], None]


class ClipParams(GeneratorParams):
    width: int = 128
    height: int = 96
    fps: int = 8


def _render(params: ClipParams, frames: int, paint: Painter, *, gop: int | None = None) -> bytes:
    def images() -> Iterator[Image.Image]:
        for index in range(frames):
            image = Image.new("RGB", (params.width, params.height), BACKGROUND)
            paint(ImageDraw.Draw(image), index)
            yield image

    return encode_mp4(images(), params.fps, (params.width, params.height), gop=gop)


def _ball(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: str) -> None:
    draw.ellipse((x - r, y - r, x + r, y + r), fill=COLOURS[colour])


def _options(rng: random.Random, answer: str, pool: list[str], k: int) -> tuple[list[str], str]:
    """k options including the answer, shuffled; the answer's letter."""
    options = [answer, *rng.sample([p for p in pool if p != answer], k - 1)]
    rng.shuffle(options)
    return options, LETTERS[options.index(answer)]


class BoxCountParams(ClipParams):
    seconds: int = 6
    max_balls: int = 4


class BoxCounting(IndexedGenerator):
    """Balls roll in from the left one after another; some reach the box on the right and drop
    in, the others stop short. How many entered the box? (No single frame shows the total.)"""

    name = "video_box_counting"
    description = "count the balls that roll into a box over a short clip"
    columns = ("id", "video", "question", "answer", "count", "balls", "seconds")
    Params = BoxCountParams
    params: BoxCountParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        p = self.params
        rng = row_rng(seed, index, "box")
        balls = rng.randint(1, p.max_balls)
        entering = [rng.random() < 0.6 for _ in range(balls)]
        frames = p.seconds * p.fps
        slot = frames // balls
        colours = [rng.choice(list(COLOURS)) for _ in range(balls)]
        box_x = p.width - 30

        def paint(draw: ImageDraw.ImageDraw, frame: int) -> None:
            draw.rectangle((box_x, p.height - 40, p.width - 4, p.height - 6), outline=(60, 60, 60), width=2)
            ball = min(frame // slot, balls - 1)
            step = (frame - ball * slot) / max(1, slot - 1)
            goal = box_x + 12 if entering[ball] else box_x - 40
            x = 8 + (goal - 8) * min(1.0, step * 1.3)
            inside = entering[ball] and x >= box_x + 8
            if not inside:
                _ball(draw, x, p.height - 23, 7, colours[ball])

        count = sum(entering)
        return {
            "id": f"box-{index:04d}",
            "video": partial(_render, p, frames, paint),
            "question": "Balls roll towards the box on the right. How many balls entered the box?",
            "answer": str(count),
            "count": count,
            "balls": balls,
            "seconds": p.seconds,
        }


class OrderParams(ClipParams):
    seconds: int = 5
    colours: int = 3


class ColourOrder(IndexedGenerator):
    """Coloured discs appear one at a time and stay; which colour appeared first? (The last
    frame shows them all, so only the order in time tells.)"""

    name = "video_colour_order"
    description = "which colour appeared first"
    columns = ("id", "video", "question", "options", "answer", "first", "seconds")
    Params = OrderParams
    params: OrderParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        p = self.params
        rng = row_rng(seed, index, "order")
        shown = rng.sample(list(COLOURS), p.colours)
        frames = p.seconds * p.fps
        starts = [int((k + 0.5) * frames / (p.colours + 1)) for k in range(p.colours)]
        spots = rng.sample(range(p.colours), p.colours)

        def paint(draw: ImageDraw.ImageDraw, frame: int) -> None:
            for colour, start, spot in zip(shown, starts, spots, strict=True):
                if frame >= start:
                    _ball(draw, (spot + 0.5) * p.width / p.colours, p.height / 2, 12, colour)

        options, letter = _options(rng, shown[0], list(COLOURS), 4)
        return {
            "id": f"order-{index:04d}",
            "video": partial(_render, p, frames, paint),
            "question": "Coloured discs appear one at a time. Which colour appeared first?",
            "options": options,
            "answer": letter,
            "first": shown[0],
            "seconds": p.seconds,
        }


class DirectionParams(ClipParams):
    seconds: int = 3


class MotionDirection(IndexedGenerator):
    """A ball moves steadily in one direction; which way? (One frame shows a ball, not where it
    is going.)"""

    name = "video_motion_direction"
    description = "the direction a ball moves"
    columns = ("id", "video", "question", "options", "answer", "direction", "seconds")
    Params = DirectionParams
    params: DirectionParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        p = self.params
        rng = row_rng(seed, index, "direction")
        direction = rng.choice(DIRECTIONS)
        colour = rng.choice(list(COLOURS))
        frames = p.seconds * p.fps
        dx, dy = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}[direction]
        reach_x, reach_y = p.width / 2 - 14, p.height / 2 - 14

        def paint(draw: ImageDraw.ImageDraw, frame: int) -> None:
            step = frame / max(1, frames - 1) * 2 - 1  # -1 → 1 across the clip
            _ball(draw, p.width / 2 + dx * step * reach_x, p.height / 2 + dy * step * reach_y, 9, colour)

        options = list(DIRECTIONS)
        rng.shuffle(options)
        return {
            "id": f"direction-{index:04d}",
            "video": partial(_render, p, frames, paint),
            "question": "In which direction does the ball move?",
            "options": options,
            "answer": LETTERS[options.index(direction)],
            "direction": direction,
            "seconds": p.seconds,
        }


class AtTimeParams(ClipParams):
    seconds: int = 6


class ShapeAtTime(IndexedGenerator):
    """One shape a second, each a different one; what is on screen at 0:0k? (The clip's own
    time, so the frames' timestamps matter.)"""

    name = "video_shape_at_time"
    description = "which shape is on screen at a given second"
    columns = ("id", "video", "question", "options", "answer", "asked_second", "seconds")
    Params = AtTimeParams
    params: AtTimeParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        p = self.params
        rng = row_rng(seed, index, "at-time")
        sequence = [rng.choice(SHOWN) for _ in range(p.seconds)]
        for k in range(1, len(sequence)):  # neighbours differ, so the second asked matters
            while sequence[k] == sequence[k - 1]:
                sequence[k] = rng.choice(SHOWN)
        asked = rng.randint(1, p.seconds - 1)
        colour = rng.choice(list(COLOURS))
        cx, cy, r = p.width / 2, p.height / 2, 20

        def paint(draw: ImageDraw.ImageDraw, frame: int) -> None:
            shape = sequence[min(frame // p.fps, p.seconds - 1)]
            fill = COLOURS[colour]
            if shape == "circle":
                draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)
            elif shape == "square":
                draw.rectangle((cx - r, cy - r, cx + r, cy + r), fill=fill)
            elif shape == "triangle":
                draw.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=fill)
            else:
                draw.rectangle((cx - r, cy - 6, cx + r, cy + 6), fill=fill)
                draw.rectangle((cx - 6, cy - r, cx + 6, cy + r), fill=fill)

        answer = sequence[asked]
        options = list(SHOWN)
        rng.shuffle(options)
        return {
            "id": f"at-time-{index:04d}",
            "video": partial(_render, p, p.seconds * p.fps, paint),
            "question": f"What shape is on screen at 0:{asked:02d}.5?",
            "options": options,
            "answer": LETTERS[options.index(answer)],
            "asked_second": asked,
            "seconds": p.seconds,
        }


class NeedleParams(ClipParams):
    seconds: int = 40
    fps: int = 4


class OddFrameNeedle(IndexedGenerator):
    """A long, still clip with one odd frame: a coloured square flashed once. What colour was
    it? Sparse sampling misses it; the answer needs the frame itself."""

    name = "video_needle"
    description = "one odd frame in a long clip"
    columns = ("id", "video", "question", "options", "answer", "colour", "needle_second", "seconds")
    Params = NeedleParams
    params: NeedleParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        p = self.params
        rng = row_rng(seed, index, "needle")
        frames = p.seconds * p.fps
        needle = rng.randint(p.fps, frames - p.fps - 1)
        colour = rng.choice(list(COLOURS))

        def paint(draw: ImageDraw.ImageDraw, frame: int) -> None:
            draw.line((0, p.height - 12, p.width, p.height - 12), fill=(150, 150, 150), width=2)
            if frame == needle:
                draw.rectangle((p.width / 2 - 18, 14, p.width / 2 + 18, 50), fill=COLOURS[colour])

        options, letter = _options(rng, colour, list(COLOURS), 4)
        return {
            "id": f"needle-{index:04d}",
            "video": partial(_render, p, frames, paint, gop=p.fps * 4),
            "question": "A coloured square flashes on screen for a single frame. What colour is it?",
            "options": options,
            "answer": letter,
            "colour": colour,
            "needle_second": round(needle / p.fps, 2),
            "seconds": p.seconds,
        }
