"""Scenes to describe in words, graded by a judge against the scene's own record.

`describe_scenes`: a scene of 2-6 shapes; the question asks for a description; the reference is
the exact description ("two red circles, a blue square and a green star") and the row keeps the
scene record (every object with its position) for a faithfulness judge.

`labelled_descriptions`: the same kind of scene with a candidate description that carries 0-4
known errors (an invented object, a wrong colour, a wrong count), and the labels those errors
give exactly: `human_score` = 5 - errors (1-5) and `human_pass` = no error. They stand in for
human labels (the generator knows the truth), so a judge's agreement figures can be shown.
"""

from __future__ import annotations

import random
from collections import Counter
from functools import partial
from typing import Any

from evals.generators import GeneratorParams, IndexedGenerator
from evals.generators.scenes import _things, _with_retries
from evals.generators.shapes import COLOURS, PLURAL, SHAPES, Thing, place, scene_png

QUESTION = "Describe the shapes in this image: how many of each kind, and their colours."
_NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven"}
Kind = tuple[str, str]  # (colour, shape)


def _region(thing: Thing, size: int) -> str:
    column = ("left", "centre", "right")[min(2, int(3 * thing.x / size))]
    row = ("top", "middle", "bottom")[min(2, int(3 * thing.y / size))]
    return "centre" if (row, column) == ("middle", "centre") else f"{row} {column}"


def scene_record(things: list[Thing], size: int) -> str:
    """Every object with its position, in reading order: the scene's own record."""
    ordered = sorted(things, key=lambda t: (min(2, int(3 * t.y / size)), t.x))
    return "; ".join(f"{t.colour} {t.shape} ({_region(t, size)})" for t in ordered)


def _phrase(kind: Kind, count: int) -> str:
    colour, shape = kind
    if count == 1:
        article = "an" if colour[0] in "aeiou" else "a"
        return f"{article} {colour} {shape}"
    return f"{_NUMBERS.get(count, str(count))} {colour} {PLURAL[shape]}"


def describe(counts: dict[Kind, int]) -> str:
    """The description of a scene by kinds and counts, largest groups first."""
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0]))
    phrases = [_phrase(kind, count) for kind, count in ordered if count > 0]
    listed = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return f"The image shows {listed}."


def _scene(rng: random.Random, size: int, n_min: int, n_max: int) -> tuple[list[Thing], dict[Kind, int]]:
    kinds = [(colour, shape) for shape in SHAPES for colour in COLOURS]
    chosen = rng.sample(kinds, rng.randint(1, 3))
    specs = [rng.choice(chosen) for _ in range(rng.randint(n_min, n_max))]
    for kind in chosen:  # every chosen kind appears at least once
        if kind not in specs:
            specs[rng.randrange(len(specs))] = kind
    radii = [round(rng.uniform(16, 24), 1) for _ in specs]
    things = _things([(s, c) for c, s in specs], radii, place(rng, radii, size, size))
    return things, dict(Counter((t.colour, t.shape) for t in things))


class DescribeParams(GeneratorParams):
    size: int = 256
    min_objects: int = 2
    max_objects: int = 6


class DescribeScenes(IndexedGenerator):
    """Open-ended descriptions of shape scenes; the reference and the scene record are exact."""

    name = "describe_scenes"
    description = "describe a scene of shapes; graded by a judge against the scene's record"
    columns = ("id", "image", "question", "answer", "scene", "n_objects", "n_kinds")
    Params = DescribeParams
    params: DescribeParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        return _with_retries(seed, index, "describe", partial(self._build, index=index))

    def _build(self, rng: random.Random, index: int) -> dict[str, Any]:
        size = self.params.size
        things, counts = _scene(rng, size, self.params.min_objects, self.params.max_objects)
        return {
            "id": f"describe-{index:04d}",
            "image": partial(scene_png, things, size, size),
            "question": QUESTION,
            "answer": describe(counts),
            "scene": scene_record(things, size),
            "n_objects": len(things),
            "n_kinds": len(counts),
        }


class LabelledParams(DescribeParams):
    # Weights of 0, 1, 2, 3 and 4 errors in a candidate description.
    error_weights: tuple[float, float, float, float, float] = (0.3, 0.25, 0.2, 0.15, 0.1)


class LabelledDescriptions(IndexedGenerator):
    """Candidate descriptions with known errors, labelled exactly by the generator."""

    name = "labelled_descriptions"
    description = "candidate scene descriptions with 0-4 known errors and exact 1-5 and pass/fail labels"
    columns = (
        "id", "image", "question", "candidate", "answer", "scene", "errors", "n_errors",
        "human_score", "human_pass",
    )  # fmt: skip
    Params = LabelledParams
    params: LabelledParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        return _with_retries(seed, index, "labelled", partial(self._build, index=index))

    def _build(self, rng: random.Random, index: int) -> dict[str, Any]:
        size = self.params.size
        things, counts = _scene(rng, size, self.params.min_objects, self.params.max_objects)
        wanted = rng.choices(range(5), weights=self.params.error_weights)[0]
        candidate = dict(counts)
        made: list[str] = []
        for _ in range(wanted):
            made.append(_add_error(rng, candidate, counts))
        return {
            "id": f"labelled-{index:04d}",
            "image": partial(scene_png, things, size, size),
            "question": QUESTION,
            "candidate": describe(candidate),
            "answer": describe(counts),
            "scene": scene_record(things, size),
            "errors": ",".join(made),
            "n_errors": len(made),
            "human_score": 5 - len(made),
            "human_pass": not made,
        }


def _add_error(rng: random.Random, candidate: dict[Kind, int], truth: dict[Kind, int]) -> str:
    """One more error in the candidate: an invented kind, a group recoloured to a kind the scene
    lacks, or a group miscounted; each changes what the candidate states."""
    absent = [(c, s) for s in SHAPES for c in COLOURS if (c, s) not in truth and (c, s) not in candidate]
    kind = rng.choice(("invent", "colour", "count"))
    true_groups = [k for k in candidate if k in truth and candidate[k] == truth[k]]
    if kind == "colour" and true_groups:
        old = rng.choice(true_groups)
        options = [k for k in absent if k[1] == old[1]] or absent
        new = rng.choice(options)
        candidate[new] = candidate.pop(old)
        return "colour"
    if kind == "count" and true_groups:
        group = rng.choice(true_groups)
        candidate[group] += 1 if candidate[group] < 2 or rng.random() < 0.5 else -1
        return "count"
    candidate[rng.choice(absent)] = rng.randint(1, 2)
    return "invent"
