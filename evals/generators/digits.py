"""Real handwritten digits: scikit-learn's `load_digits` (8×8 grey levels 0–16), enlarged to PNG.

The images are the UCI "Optical Recognition of Handwritten Digits" test set (43 writers; CC BY
4.0), shipped inside scikit-learn, so nothing is downloaded. Rows cycle through the digits 0–9
(balanced classes); row i takes the (i // 10)-th image of digit i % 10 in a seeded shuffle.
Enlarging is `nearest` by default (each source pixel becomes a square block: the image shows
exactly the data) or `bicubic` (smooth strokes that look more like ink); `margin` adds white
paper around the digit (the source images run to their edges, which OCR engines read badly).
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageOps
from pydantic import Field

from evals.generators import GeneratorParams, IndexedGenerator
from evals.generators.imaging import png_bytes
from evals.generators.seeding import row_rng


@lru_cache(maxsize=1)
def digit_images() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return np.asarray(bunch.images), np.asarray(bunch.target)


@lru_cache(maxsize=8)
def digit_order(seed: int) -> tuple[tuple[int, ...], ...]:
    """For each digit, the indices of its images in a seeded order."""
    _, targets = digit_images()
    orders = []
    for digit in range(10):
        indices = [int(k) for k in np.flatnonzero(targets == digit)]
        row_rng(seed, digit, "digits-order").shuffle(indices)
        orders.append(tuple(indices))
    return tuple(orders)


def digit_png(source_index: int, size: int, resample: str, margin: int = 0) -> bytes:
    """Dark ink on white paper: grey level 255 - value * 255 / 16, enlarged to size × size,
    then `margin` white pixels on every side."""
    images, _ = digit_images()
    ink = np.rint(255 - images[source_index] * (255 / 16)).astype(np.uint8)
    method = Image.Resampling.NEAREST if resample == "nearest" else Image.Resampling.BICUBIC
    digit = Image.fromarray(ink).resize((size, size), resample=method)
    if margin:
        digit = ImageOps.expand(digit, border=margin, fill=255)
    return png_bytes(digit)


class DigitsParams(GeneratorParams):
    size: int = 128
    resample: Literal["nearest", "bicubic"] = "nearest"
    margin: int = Field(0, ge=0, le=512)


class Digits(IndexedGenerator):
    """A handwritten digit per row (balanced over 0–9) and its label."""

    name = "digits"
    description = "handwritten digits from scikit-learn's load_digits, enlarged to PNG"
    columns = ("id", "image", "answer", "digit", "source_index")
    Params = DigitsParams
    params: DigitsParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        digit, rank = index % 10, index // 10
        order = digit_order(seed)[digit]
        if rank >= len(order):
            raise ValueError(f"digit {digit} has {len(order)} images; row {index} asks for more")
        source_index = order[rank]
        return {
            "id": f"digit-{index:04d}",
            "image": partial(
                digit_png, source_index, self.params.size, self.params.resample, self.params.margin
            ),
            "answer": str(digit),
            "digit": digit,
            "source_index": source_index,
        }
