"""Scene generators over flat coloured shapes: counting, spatial relations, and VQA questions.

Each row draws its scene from its own random stream; when the shapes do not fit (rare), the
row tries again with the next stream of the same row, so rows stay independent of each other.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import partial
from typing import Any, Literal

from evals.generators import GeneratorParams, IndexedGenerator
from evals.generators.seeding import row_rng, weighted_choice
from evals.generators.shapes import (
    COLOURS,
    PLURAL,
    SHAPES,
    PlacementError,
    Thing,
    overlapping,
    place,
    radius_for,
    scene_png,
)
from evals.generators.spatial import (
    RELATION_PHRASES,
    RELATIONS,
    place_pair,
)
from evals.generators.vqa_answers import reference_answers

LETTERS = "ABCDEFGHIJ"
_ATTEMPTS = 20


def _with_retries(
    seed: int, index: int, salt: str, build: Callable[[random.Random], dict[str, Any]]
) -> dict[str, Any]:
    for attempt in range(_ATTEMPTS):
        try:
            return build(row_rng(seed, index, f"{salt}:{attempt}"))
        except PlacementError:
            continue
    raise PlacementError(f"row {index}: no layout found in {_ATTEMPTS} attempts; use a larger canvas")


def _things(
    specs: list[tuple[str, str]], radii: list[float], centres: list[tuple[float, float]]
) -> list[Thing]:
    return [Thing(s, c, x, y, r) for (s, c), r, (x, y) in zip(specs, radii, centres, strict=True)]


def _all_kinds() -> list[tuple[str, str]]:
    return [(shape, colour) for shape in SHAPES for colour in COLOURS]


class CountingParams(GeneratorParams):
    max_count: int = 24
    size: int = 320
    overlap_share: float = 0.3


class CountingScenes(IndexedGenerator):
    """How many shapes of a kind, colour, or both are in a scene with distractors (0 to 20+)."""

    name = "counting_scenes"
    description = "count shapes of a given kind and/or colour among distractors"
    columns = (
        "id", "image", "question", "answer", "count", "shape", "colour", "query",
        "overlap", "n_objects", "difficulty",
    )  # fmt: skip
    Params = CountingParams
    params: CountingParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        return _with_retries(seed, index, "counting", partial(self._build, index=index))

    def _build(self, rng: random.Random, index: int) -> dict[str, Any]:
        size = self.params.size
        count = rng.randint(0, self.params.max_count)
        query = weighted_choice(rng, [("shape_colour", 0.6), ("shape", 0.2), ("colour", 0.2)])
        shape, colour = rng.choice(SHAPES), rng.choice(list(COLOURS))

        def matches(kind: tuple[str, str]) -> bool:
            return (query == "colour" or kind[0] == shape) and (query == "shape" or kind[1] == colour)

        kinds = _all_kinds()
        wanted = [k for k in kinds if matches(k)]
        others = [k for k in kinds if not matches(k)]
        n_distractors = rng.randint(0, max(2, 10 - count // 2))
        specs = [rng.choice(wanted) for _ in range(count)] + [
            rng.choice(others) for _ in range(n_distractors)
        ]
        rng.shuffle(specs)
        radius = radius_for(len(specs), size, size, rng)
        radii = [round(radius * rng.uniform(0.85, 1.15), 1) for _ in specs]
        allow_overlap = rng.random() < self.params.overlap_share
        things = _things(specs, radii, place(rng, radii, size, size, overlap=0.35 if allow_overlap else 0.0))
        overlap = overlapping(things)
        noun = {
            "shape_colour": f"{colour} {PLURAL[shape]}",
            "shape": PLURAL[shape],
            "colour": f"{colour} shapes",
        }[query]
        if count > 12 or (overlap and count > 5):
            difficulty = "hard"
        elif count <= 5 and not overlap:
            difficulty = "easy"
        else:
            difficulty = "medium"
        return {
            "id": f"count-{index:04d}",
            "image": partial(scene_png, things, size, size),
            "question": f"How many {noun} are there?",
            "answer": str(count),
            "count": count,
            "shape": shape if query != "colour" else "any",
            "colour": colour if query != "shape" else "any",
            "query": query,
            "overlap": overlap,
            "n_objects": len(things),
            "difficulty": difficulty,
        }


Form = Literal["yes_no", "multiple_choice"]


class SpatialParams(GeneratorParams):
    size: int = 256
    min_objects: int = 2
    max_objects: int = 5
    multiple_choice_share: float = 0.5
    choice_answer: Literal["letter", "text"] = "letter"
    # Yes/no rows carry the options ["yes", "no"] so that every row of a mixed task has options
    # (the field mapping asks every row for them); False leaves them out (None).
    yes_no_choices: bool = True


class SpatialScenes(IndexedGenerator):
    """Left/right/above/below between two named shapes among distractors, asked as a yes/no
    question or as a multiple-choice question over the four relations."""

    name = "spatial_scenes"
    description = "spatial relations between two shapes: yes/no and multiple-choice forms"
    columns = ("id", "image", "question", "choices", "answer", "relation", "asked", "form", "n_objects")
    Params = SpatialParams
    params: SpatialParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        return _with_retries(seed, index, "spatial", partial(self._build, index=index))

    def _build(self, rng: random.Random, index: int) -> dict[str, Any]:
        size = self.params.size
        n_objects = rng.randint(self.params.min_objects, self.params.max_objects)
        specs = rng.sample(_all_kinds(), n_objects)
        relation = rng.choice(RELATIONS)
        first, second = place_pair(rng, specs[0], specs[1], relation, size)
        radii = [round(rng.uniform(14, 22), 1) for _ in specs[2:]]
        rest = _things(specs[2:], radii, place(rng, radii, size, size, taken=[first, second]))
        things = [first, second, *rest]
        rng.shuffle(things)
        form: Form = "multiple_choice" if rng.random() < self.params.multiple_choice_share else "yes_no"
        choices: list[str] | None = None
        if form == "yes_no":
            asked = relation if rng.random() < 0.5 else rng.choice([r for r in RELATIONS if r != relation])
            question = f"Is the {first.name} {RELATION_PHRASES[asked]} the {second.name}?"
            answer = "yes" if asked == relation else "no"
            choices = ["yes", "no"] if self.params.yes_no_choices else None
        else:
            asked = relation
            choices = list(RELATIONS)
            rng.shuffle(choices)
            question = f"Where is the {first.name} relative to the {second.name}?"
            position = choices.index(relation)
            answer = LETTERS[position] if self.params.choice_answer == "letter" else relation
        return {
            "id": f"spatial-{index:04d}",
            "image": partial(scene_png, things, size, size),
            "question": question,
            "choices": choices,
            "answer": answer,
            "relation": relation,
            "asked": asked,
            "form": form,
            "n_objects": n_objects,
        }


QuestionType = Literal["colour", "shape", "count", "existence"]
_QUESTION_TYPES: tuple[QuestionType, ...] = ("colour", "shape", "count", "existence")


class VqaParams(GeneratorParams):
    size: int = 256
    max_count: int = 6


class VqaScenes(IndexedGenerator):
    """Colour, shape, count and existence questions over a scene, with ten human-like reference
    answers each (synonyms and the odd disagreement), as in VQAv2."""

    name = "vqa_scenes"
    description = "VQA-style questions with ten reference answers (colour, shape, count, existence)"
    columns = ("id", "image", "question", "answers", "question_type", "answer_type", "n_objects")
    Params = VqaParams
    params: VqaParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        return _with_retries(seed, index, "vqa", partial(self._build, index=index))

    def _build(self, rng: random.Random, index: int) -> dict[str, Any]:
        size = self.params.size
        question_type = _QUESTION_TYPES[index % len(_QUESTION_TYPES)]
        specs, question, answer = _VQA_BUILDERS[question_type](rng, self.params.max_count)
        rng.shuffle(specs)
        radii = [round(rng.uniform(16, 26), 1) for _ in specs]
        things = _things(specs, radii, place(rng, radii, size, size))
        answer_type = {"existence": "yes/no", "count": "number"}.get(question_type, "other")
        return {
            "id": f"vqa-{index:04d}",
            "image": partial(scene_png, things, size, size),
            "question": question,
            "answers": reference_answers(rng, question_type, answer),
            "question_type": question_type,
            "answer_type": answer_type,
            "n_objects": len(things),
        }


_VqaBuild = Callable[[random.Random, int], tuple[list[tuple[str, str]], str, str]]


def _colour_question(rng: random.Random, max_count: int) -> tuple[list[tuple[str, str]], str, str]:
    """A shape that appears once; the others have different shapes."""
    shapes = rng.sample(SHAPES, rng.randint(2, 4))
    specs = [(shape, rng.choice(list(COLOURS))) for shape in shapes]
    shape, colour = specs[0]
    return specs, f"What color is the {shape}?", colour


def _shape_question(rng: random.Random, max_count: int) -> tuple[list[tuple[str, str]], str, str]:
    """A colour that appears once; the others have different colours."""
    colours = rng.sample(list(COLOURS), rng.randint(2, 4))
    specs = [(rng.choice(SHAPES), colour) for colour in colours]
    shape, colour = specs[0]
    return specs, f"What shape is the {colour} object?", shape


def _count_question(rng: random.Random, max_count: int) -> tuple[list[tuple[str, str]], str, str]:
    shape = rng.choice(SHAPES)
    count = rng.randint(0, max_count)
    others = [s for s in SHAPES if s != shape]
    specs = [(shape, rng.choice(list(COLOURS))) for _ in range(count)]
    specs += [(rng.choice(others), rng.choice(list(COLOURS))) for _ in range(rng.randint(1, 4))]
    return specs, f"How many {PLURAL[shape]} are there?", str(count)


def _existence_question(rng: random.Random, max_count: int) -> tuple[list[tuple[str, str]], str, str]:
    shape, colour = rng.choice(SHAPES), rng.choice(list(COLOURS))
    present = rng.random() < 0.5
    # Near misses (same shape or same colour) make "no" questions worth asking.
    near = [(s, c) for s, c in _all_kinds() if (s == shape) != (c == colour)]
    specs = rng.sample(near, rng.randint(1, 4))
    if present:
        specs.append((shape, colour))
    return (
        specs,
        f"Is there {'an' if colour[0] in 'aeiou' else 'a'} {colour} {shape}?",
        "yes" if present else "no",
    )


_VQA_BUILDERS: dict[QuestionType, _VqaBuild] = {
    "colour": _colour_question,
    "shape": _shape_question,
    "count": _count_question,
    "existence": _existence_question,
}
