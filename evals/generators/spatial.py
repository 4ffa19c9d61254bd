"""Two shapes in a clear spatial relation: one axis far apart, the other nearly aligned, so
exactly one of left/right/above/below holds (image coordinates: y grows downwards)."""

from __future__ import annotations

import random

from evals.generators.shapes import PlacementError, Thing

RELATIONS: tuple[str, ...] = ("left", "right", "above", "below")
RELATION_PHRASES: dict[str, str] = {
    "left": "to the left of",
    "right": "to the right of",
    "above": "above",
    "below": "below",
}


def relation_holds(first: Thing, second: Thing, relation: str) -> bool:
    """True when `first` is clearly `relation` of `second`: far apart along the relation's axis
    (more than both radii plus a gap) and offset across it by at most a quarter of that distance
    and under half a shape's size."""
    dx, dy = first.x - second.x, first.y - second.y
    along, across = (dx, dy) if relation in ("left", "right") else (dy, dx)
    sign = -1.0 if relation in ("left", "above") else 1.0
    gap = first.r + second.r + 12
    return sign * along >= gap and abs(across) <= min(0.25 * abs(along), 0.4 * (first.r + second.r))


def place_pair(
    rng: random.Random, first: tuple[str, str], second: tuple[str, str], relation: str, size: int
) -> tuple[Thing, Thing]:
    """Two shapes, `first` placed `relation` of `second`, inside a square canvas."""
    for _ in range(1000):
        ra, rb = round(rng.uniform(14, 24), 1), round(rng.uniform(14, 24), 1)
        a = Thing(*first, rng.uniform(ra + 2, size - ra - 2), rng.uniform(ra + 2, size - ra - 2), ra)
        b = Thing(*second, rng.uniform(rb + 2, size - rb - 2), rng.uniform(rb + 2, size - rb - 2), rb)
        if relation_holds(a, b, relation):
            return a, b
    raise PlacementError(f"could not place a pair {relation} of each other on a {size}px canvas")
