"""Image–text matching on seeded shape scenes: Winoground-style pairs and caption choices.

A scene holds two named shapes in a clear spatial relation ("a red circle to the left of a blue
square"), plus optional distractors of other shapes. Its caption has three same-word twins, each
false for the scene: the colours swapped (`attribute`), the shapes swapped (`object`), or the
two noun phrases swapped around the relation (`relation`). Because the twins use exactly the
same words, a model that reads captions as a bag of words cannot tell them apart.

- `winoground_pairs` (Thrush et al., *Winoground*, CVPR 2022): a group is two images and two
  captions C0, C1 differing only in word order, where image I0 shows C0 and I1 shows C1. A group
  is asked as four rows: two *text* questions (one image, which of the two captions) and two
  *image* questions (one caption, which of the two images). The text score counts a group when
  both text questions are right, the image score when both image questions are, the group score
  when all four are (the task's `aggregate: {kind: winoground}`).
- `caption_choices`: one scene and four captions, the true one and its three twins, shuffled.
"""

from __future__ import annotations

import random
from functools import partial
from typing import Any

from evals.generators import GeneratorParams, IndexedGenerator
from evals.generators.scenes import _with_retries
from evals.generators.shapes import COLOURS, SHAPES, Thing, place, scene_png
from evals.generators.spatial import RELATION_PHRASES, RELATIONS, place_pair

SWAPS = ("attribute", "object", "relation")
QUESTIONS_PER_GROUP = 4
IMAGE_CHOICES = ("the first image", "the second image")
TEXT_QUESTION = "Which caption describes the image?"


def _a(thing: Thing) -> str:
    article = "an" if thing.colour[0] in "aeiou" else "a"
    return f"{article} {thing.colour} {thing.shape}"


def caption(first: Thing, relation: str, second: Thing) -> str:
    return f"{_a(first)} {RELATION_PHRASES[relation]} {_a(second)}"


def swapped(first: Thing, second: Thing, swap: str) -> tuple[Thing, Thing]:
    """The pair that its caption's twin describes, in the twin's word order: `first` is still
    the shape named first and stands `relation` of `second`."""
    if swap == "attribute":  # the colours change hands
        return (
            Thing(first.shape, second.colour, first.x, first.y, first.r),
            Thing(second.shape, first.colour, second.x, second.y, second.r),
        )
    if swap == "object":  # the shapes change hands
        return (
            Thing(second.shape, first.colour, first.x, first.y, first.r),
            Thing(first.shape, second.colour, second.x, second.y, second.r),
        )
    if swap == "relation":  # the second object is now named first, so it takes the first's place
        return (
            Thing(second.shape, second.colour, first.x, first.y, second.r),
            Thing(first.shape, first.colour, second.x, second.y, first.r),
        )
    raise ValueError(f"unknown swap {swap!r}")


class MatchParams(GeneratorParams):
    size: int = 224
    max_distractors: int = 2


class _Scene:
    """The pair in its relation, plus distractors of other shapes (the same in both images)."""

    def __init__(self, rng: random.Random, params: MatchParams) -> None:
        shapes = rng.sample(SHAPES, 2)
        colours = rng.sample(list(COLOURS), 2)
        self.relation = rng.choice(RELATIONS)
        self.first, self.second = place_pair(
            rng, (shapes[0], colours[0]), (shapes[1], colours[1]), self.relation, params.size
        )
        others = [(s, c) for s in SHAPES if s not in shapes for c in COLOURS]
        kinds = rng.sample(others, rng.randint(0, params.max_distractors))
        radii = [round(rng.uniform(12, 18), 1) for _ in kinds]
        centres = place(rng, radii, params.size, params.size, taken=[self.first, self.second])
        self.distractors = [
            Thing(s, c, x, y, r) for (s, c), r, (x, y) in zip(kinds, radii, centres, strict=True)
        ]
        self.size = params.size

    def image(self, first: Thing, second: Thing) -> partial[bytes]:
        return partial(scene_png, [*self.distractors, first, second], self.size, self.size)


class WinogroundPairs(IndexedGenerator):
    """Winoground-style groups of two images and two same-word captions, four rows a group:
    text questions (which caption fits this image) and image questions (which image fits this
    caption). Rows 4g..4g+3 share group g; the swap cycles attribute, object, relation."""

    name = "winoground_pairs"
    description = "Winoground-style groups: two scenes, two captions differing in word order"
    columns = ("id", "images", "question", "choices", "answer", "group", "question_type", "swap", "caption")
    Params = MatchParams
    params: MatchParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        group = index // QUESTIONS_PER_GROUP
        # Every row of a group draws the group's scene from the group's own stream.
        built = _with_retries(seed, group, "winoground", partial(self._group, group=group))
        row: dict[str, Any] = built["rows"][index % QUESTIONS_PER_GROUP]
        return row

    def _group(self, rng: random.Random, group: int) -> dict[str, Any]:
        scene = _Scene(rng, self.params)
        swap = SWAPS[group % len(SWAPS)]
        twin = swapped(scene.first, scene.second, swap)
        captions = [
            caption(scene.first, scene.relation, scene.second),
            caption(twin[0], scene.relation, twin[1]),
        ]
        images = [scene.image(scene.first, scene.second), scene.image(*twin)]
        common = {"group": f"wino-{group:04d}", "swap": swap}
        rows: dict[int, dict[str, Any]] = {}
        for k in range(2):  # text questions: image k, both captions; caption k is right
            rows[k] = {
                "images": [images[k]],
                "question": TEXT_QUESTION,
                "choices": list(captions),
                "answer": "AB"[k],
                "question_type": "text",
                "caption": "",
            }
        for k in range(2):  # image questions: caption k, both images; image k is right
            rows[2 + k] = {
                "images": list(images),
                "question": f'Which image matches the caption "{captions[k]}"?',
                "choices": list(IMAGE_CHOICES),
                "answer": "AB"[k],
                "question_type": "image",
                "caption": captions[k],
            }
        base = group * QUESTIONS_PER_GROUP
        return {"rows": [{"id": f"wino-{base + q:04d}", **rows[q], **common} for q in sorted(rows)]}


class CaptionChoices(IndexedGenerator):
    """One scene and four same-word captions (the true one and its attribute, object and
    relation twins) in a seeded order; the answer is the true caption's letter."""

    name = "caption_choices"
    description = "pick the caption of a scene among its same-word twins (four options)"
    columns = ("id", "image", "question", "choices", "answer", "relation", "n_objects")
    Params = MatchParams
    params: MatchParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        return _with_retries(seed, index, "captions", partial(self._build, index=index))

    def _build(self, rng: random.Random, index: int) -> dict[str, Any]:
        scene = _Scene(rng, self.params)
        true = caption(scene.first, scene.relation, scene.second)
        pairs = [swapped(scene.first, scene.second, s) for s in SWAPS]
        twins = [caption(a, scene.relation, b) for a, b in pairs]
        options = [true, *twins]
        rng.shuffle(options)
        return {
            "id": f"captions-{index:04d}",
            "image": scene.image(scene.first, scene.second),
            "question": TEXT_QUESTION,
            "choices": options,
            "answer": "ABCD"[options.index(true)],
            "relation": scene.relation,
            "n_objects": 2 + len(scene.distractors),
        }
