"""Hallucination probes on seeded shape scenes, where the generator knows every object.

Objects are coloured shapes ("a red star"). Each scene is built around a dominant shape (most
of its objects are that shape in several colours), so what co-occurs is known by construction.

Rows cycle through 16 probes (POPE, Li et al. 2023, balanced yes/no; plus false premises):
- existence, 12 rows: setting × truth × phrasing. The object asked about is present (yes), or
  absent (no) and drawn by the setting — `random`: any absent object; `popular`: the absent
  object most frequent over all scenes (a fixed popularity order); `adversarial`: an absent
  object of the scene's dominant shape (what co-occurs with what is there).
  Phrasing `neutral` ("Is there a red star in the image?") or `leading` ("There is a red star
  in the image, isn't there?").
- false premise, 4 rows: about a shape absent from the scene. Neutral: "What colour is the
  star in the image?"; leading: "The two stars in the image are the same colour. Which colour
  are they?". The right answer refuses the premise.
"""

from __future__ import annotations

import random
from functools import partial
from typing import Any

from evals.generators import GeneratorParams, IndexedGenerator
from evals.generators.scenes import _things, _with_retries
from evals.generators.shapes import COLOURS, PLURAL, SHAPES, place, radius_for, scene_png

# Popularity of each object over all scenes: a fixed order, most popular first; scenes draw
# their extra objects with weights falling along it, so "popular" absent objects are real.
POPULARITY: tuple[tuple[str, str], ...] = tuple(
    sorted(
        ((s, c) for s in SHAPES for c in COLOURS),
        key=lambda k: (SHAPES.index(k[0]) + list(COLOURS).index(k[1])) % 7,
    )
)
SETTINGS = ("random", "popular", "adversarial")
PHRASINGS = ("neutral", "leading")
CYCLE = 16


def _name(kind: tuple[str, str]) -> str:
    return f"{kind[1]} {kind[0]}"


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


class HallucinationParams(GeneratorParams):
    size: int = 256
    min_objects: int = 3
    max_objects: int = 7


class HallucinationProbes(IndexedGenerator):
    """POPE-style existence questions (random, popular, adversarial), false premises, and
    leading against neutral phrasings, on scenes whose every object is known."""

    name = "hallucination_probes"
    description = "existence, false-premise and leading questions about seeded shape scenes"
    columns = (
        "id", "image", "question", "answer", "probe", "setting", "phrasing", "truth", "object",
        "n_objects",
    )  # fmt: skip
    Params = HallucinationParams
    params: HallucinationParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        return _with_retries(seed, index, "hallucination", partial(self._build, index=index))

    def _scene(self, rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        dominant = rng.choice(SHAPES)
        count = rng.randint(self.params.min_objects, self.params.max_objects)
        colours = list(COLOURS)
        own = rng.sample(colours, k=min(len(colours) - 2, max(2, count - 2)))
        kinds = [(dominant, c) for c in own]
        weights = [1.0 / (1 + i) for i in range(len(POPULARITY))]
        # The scene leaves out at least two shapes entirely (false premises ask about them).
        extra_shapes = rng.sample([s for s in SHAPES if s != dominant], k=2)
        while len(kinds) < count:
            kind = rng.choices(POPULARITY, weights=weights)[0]
            if kind[0] in extra_shapes and kind not in kinds:
                kinds.append(kind)
        return dominant, kinds

    def _build(self, rng: random.Random, index: int) -> dict[str, Any]:
        size = self.params.size
        dominant, kinds = self._scene(rng)
        radius = radius_for(len(kinds), size, size, rng)
        radii = [round(radius * rng.uniform(0.85, 1.15), 1) for _ in kinds]
        things = _things(kinds, radii, place(rng, radii, size, size))
        slot = index % CYCLE
        phrasing = PHRASINGS[slot % 2]
        present = set(kinds)
        absent = [k for k in POPULARITY if k not in present]
        row: dict[str, Any] = {"id": f"halluc-{index:04d}", "image": partial(scene_png, things, size, size)}
        if slot < 12:
            setting = SETTINGS[slot // 4]
            truth = "yes" if (slot // 2) % 2 == 0 else "no"
            if truth == "yes":
                kind = rng.choice(kinds)
            elif setting == "random":
                kind = rng.choice(absent)
            elif setting == "popular":
                kind = absent[0]
            else:
                kind = next(k for k in absent if k[0] == dominant)
            thing = _name(kind)
            question = (
                f"Is there {_a(thing)} in the image?"
                if phrasing == "neutral"
                else f"There is {_a(thing)} in the image, isn't there?"
            )
            row |= {"question": question, "answer": truth, "probe": "existence", "setting": setting}
        else:
            missing = sorted(set(SHAPES) - {k[0] for k in kinds})
            shape = rng.choice(missing)
            thing = shape
            question = (
                f"What colour is the {shape} in the image?"
                if phrasing == "neutral"
                else f"The two {PLURAL[shape]} in the image are the same colour. Which colour are they?"
            )
            truth = "absent"
            row |= {
                "question": question,
                "answer": f"There is no {shape} in the image.",
                "probe": "false_premise",
                "setting": "none",
            }
        return row | {"phrasing": phrasing, "truth": truth, "object": thing, "n_objects": len(kinds)}
