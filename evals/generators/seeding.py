"""Per-row random streams: row i of a generator depends only on (seed, i, what it is drawing).

Python's `random.Random(str)` seeds from a SHA-512 of the string, which is stable across
Python versions and platforms; numpy's `default_rng` takes a list of integers the same way.
"""

from __future__ import annotations

import hashlib
import random
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def row_rng(seed: int, index: int, salt: str = "") -> random.Random:
    """The random stream of row `index`; `salt` separates independent draws of the same row."""
    return random.Random(f"{seed}:{index}:{salt}")


def row_np_rng(seed: int, index: int, salt: str = "") -> np.random.Generator:
    """A numpy stream for the same row (noise images, audio noise)."""
    tag = int.from_bytes(hashlib.sha256(salt.encode()).digest()[:4], "big")
    return np.random.default_rng([seed & 0xFFFFFFFF, index, tag])


def weighted_choice(rng: random.Random, options: list[tuple[T, float]]) -> T:
    """One option drawn by weight (weights need not sum to one)."""
    values = [value for value, _ in options]
    weights = [weight for _, weight in options]
    return rng.choices(values, weights=weights, k=1)[0]
