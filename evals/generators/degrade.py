"""Scan-like degradations for rendered text, drawn per row from a difficulty level.

Each level draws from a small set of values, so breakdowns by rotation, blur, noise or scale
have a handful of groups rather than one per sample.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from PIL import Image

from evals.generators.imaging import add_noise, blur, downscale, rotate

Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "medium", "hard")


@dataclass(frozen=True)
class Degradation:
    rotation: float  # degrees, counter-clockwise
    blur: float  # Gaussian radius in pixels
    noise: float  # standard deviation of pixel noise, 0–255 units
    scale: float  # final size relative to the rendering (< 1 is low resolution)
    difficulty: Difficulty

    def metadata(self) -> dict[str, Any]:
        """The conditions and the difficulty level, as row columns (in this order)."""
        return asdict(self)


def draw_degradation(rng: random.Random, difficulty: Difficulty) -> Degradation:
    """Rotation, blur, noise and scale for one row at the given difficulty."""
    if difficulty == "easy":
        return Degradation(rotation=0.0, blur=0.0, noise=0.0, scale=1.0, difficulty=difficulty)
    if difficulty == "medium":
        return Degradation(
            rotation=rng.choice((-2.0, -1.0, 0.0, 1.0, 2.0)),
            blur=rng.choice((0.0, 0.6)),
            noise=rng.choice((0.0, 8.0)),
            scale=rng.choice((1.0, 0.75)),
            difficulty=difficulty,
        )
    return Degradation(
        rotation=rng.choice((-6.0, -4.0, 4.0, 6.0)),
        blur=rng.choice((0.8, 1.2)),
        noise=rng.choice((0.0, 12.0, 20.0)),
        scale=rng.choice((1.0, 0.75, 0.6)),
        difficulty=difficulty,
    )


def pick_difficulty(rng: random.Random, wanted: str) -> Difficulty:
    """The row's difficulty: the one asked for, or a uniform draw for `mixed`."""
    for level in DIFFICULTIES:
        if wanted == level:
            return level
    return rng.choice(DIFFICULTIES)


def apply_degradation(image: Image.Image, degradation: Degradation, rng: np.random.Generator) -> Image.Image:
    """Rotate, blur, shrink, then add noise (noise last, as a scanner's sensor would)."""
    paper = _paper_level(image)
    image = rotate(image, degradation.rotation, paper)
    image = blur(image, degradation.blur)
    image = downscale(image, degradation.scale)
    return add_noise(image, degradation.noise, rng)


def _paper_level(image: Image.Image) -> int:
    """The background grey level (the top-left pixel), used to fill corners after rotation."""
    value = image.getpixel((0, 0))
    return int(value) if isinstance(value, int | float) else 255
