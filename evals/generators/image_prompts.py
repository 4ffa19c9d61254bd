"""Seeded rows for image generation and editing: text to render, compositional scenes, edits.

Every row carries the exact picture it asks for (`spec`, a `PictureSpec` as a mapping), so the
`renderer` baseline can draw it and the scorers know what was asked: the text (`answer`), the
canvas (`width`, `height`), the GenEval-style requirements (`requirements`: one yes/no question
per count, colour and position clause), and for edits the source, the mask and the edit box.
"""

from __future__ import annotations

import random
from functools import partial
from typing import Any

from evals.generators import GeneratorParams, IndexedGenerator
from evals.generators.imaging import png_bytes
from evals.generators.picture_spec import PictureSpec, PlacedShape, edit_mask, picture_png
from evals.generators.seeding import row_rng
from evals.generators.shapes import COLOURS, PLURAL, SHAPES, PlacementError, Thing, place
from evals.generators.words import ADJECTIVES, NOUNS

_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_ITEMS = ("TEA", "CAKE", "SOUP", "BREAD", "MILK", "JAM", "RICE", "SOAP", "PENS", "EGGS", "FISH", "SALT")


def _words(rng: random.Random, n: int) -> list[str]:
    pool = [*ADJECTIVES, *NOUNS]
    return [rng.choice(pool).upper() for _ in range(n)]


def _price(rng: random.Random) -> tuple[str, int]:
    cents = rng.randint(50, 1999)
    return f"{cents // 100}.{cents % 100:02d}", cents


class TextParams(GeneratorParams):
    width: int = 512
    height: int = 256


class TextInImage(IndexedGenerator):
    """Signs, labels and receipts that must show a given text, word for word."""

    name = "text_in_image"
    description = "images that must contain a given text (signs, labels, receipts)"
    columns = ("id", "prompt", "answer", "layout", "n_words", "width", "height", "spec")
    Params = TextParams
    params: TextParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        rng = row_rng(seed, index, "text")
        layout = rng.choice(("sign", "label", "receipt"))
        if layout == "sign":
            text = " ".join(_words(rng, rng.randint(1, 3)))
            prompt = f'A shop sign with the words "{text}" in large letters, nothing else written on it.'
        elif layout == "label":
            name, (price, _) = " ".join(_words(rng, 2)), _price(rng)
            text = f"{name}\n${price}"
            prompt = f'A product label that reads "{name}" with the price "${price}" on the line below.'
        else:
            items = rng.sample(_ITEMS, 2)
            prices = [_price(rng) for _ in items]
            total = sum(cents for _, cents in prices)
            lines = [f"{item} {price}" for item, (price, _) in zip(items, prices, strict=True)]
            lines.append(f"TOTAL {total // 100}.{total % 100:02d}")
            text = "\n".join(lines)
            quoted = ", ".join(f'"{line}"' for line in lines)
            prompt = f"A till receipt with exactly these three lines, in order: {quoted}."
        spec = PictureSpec(width=self.params.width, height=self.params.height, text=text)
        return {
            "id": f"text-{index:04d}",
            "prompt": prompt,
            "answer": text,
            "layout": layout,
            "n_words": len(text.split()),
            "width": spec.width,
            "height": spec.height,
            "spec": spec.model_dump(mode="json", exclude_defaults=True),
        }


def _noun(count: int, colour: str, shape: str) -> str:
    if count == 1:
        return f"one {colour} {shape}"
    return f"{_NUMBERS[count] if count < len(_NUMBERS) else count} {colour} {PLURAL[shape]}"


def _requirements(groups: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One yes/no question per clause: each group's count, then its colour."""
    out = []
    for group in groups:
        shape, colour, count = group["shape"], group["colour"], group["count"]
        if count == 1:
            out.append({"kind": "count", "question": f"Is there exactly one {shape}?"})
            out.append({"kind": "colour", "question": f"Is the {shape} {colour}?"})
        else:
            out.append({"kind": "count", "question": f"Are there exactly {count} {PLURAL[shape]}?"})
            out.append({"kind": "colour", "question": f"Are all the {PLURAL[shape]} {colour}?"})
    return out


class CompositionalParams(GeneratorParams):
    size: int = 256
    max_count: int = 4


_RELATIONS = {
    "left of": ("left", "right"),
    "right of": ("right", "left"),
    "above": ("top", "bottom"),
    "below": ("bottom", "top"),
}


class Compositional(IndexedGenerator):
    """Counts, colours and positions stated exactly: "two red circles to the left of one blue
    square", with a yes/no requirement per clause (GenEval's object, count, colour, position)."""

    name = "compositional"
    description = "counts, colours and relative positions stated exactly, one requirement per clause"
    columns = (
        "id",
        "prompt",
        "answer",
        "category",
        "n_requirements",
        "width",
        "height",
        "requirements",
        "spec",
    )
    Params = CompositionalParams
    params: CompositionalParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        rng = row_rng(seed, index, "compositional")
        category = rng.choice(("count", "colour", "position"))
        shapes = rng.sample(SHAPES, 2)
        colours = rng.sample(list(COLOURS), 2)
        if category == "count":
            count = rng.randint(1, self.params.max_count)
            groups = [{"shape": shapes[0], "colour": colours[0], "count": count, "region": "any"}]
            prompt = f"Exactly {_noun(count, colours[0], shapes[0])} on a plain background, nothing else."
            relation = None
        else:
            counts = (
                [1, 1]
                if category == "colour"
                else [rng.randint(1, self.params.max_count), rng.randint(1, self.params.max_count)]
            )
            relation = rng.choice(list(_RELATIONS))
            regions = _RELATIONS[relation]
            groups = [
                {"shape": s, "colour": c, "count": n, "region": r}
                for s, c, n, r in zip(shapes, colours, counts, regions, strict=True)
            ]
            first, second = _noun(counts[0], colours[0], shapes[0]), _noun(counts[1], colours[1], shapes[1])
            phrase = {"left of": "to the left of", "right of": "to the right of"}.get(relation, relation)
            prompt = f"{first.capitalize()} {phrase} {second}, on a plain background."
        requirements = _requirements(groups)
        if relation is not None:
            a, b = PLURAL[shapes[0]], PLURAL[shapes[1]]
            phrase = {"left of": "to the left of", "right of": "to the right of"}.get(relation, relation)
            requirements.append({"kind": "position", "question": f"Are the {a} {phrase} the {b}?"})
        size = self.params.size
        spec = PictureSpec(width=size, height=size, objects=groups)
        return {
            "id": f"comp-{index:04d}",
            "prompt": prompt,
            "answer": prompt,
            "category": category,
            "n_requirements": len(requirements),
            "width": size,
            "height": size,
            "requirements": requirements,
            "spec": spec.model_dump(mode="json", exclude_defaults=True),
        }


class EditParams(GeneratorParams):
    size: int = 256
    min_objects: int = 3
    max_objects: int = 5
    margin: int = 6


def _box(thing: Thing, margin: int, size: int) -> tuple[int, int, int, int]:
    r = thing.r + margin
    return (
        max(0, int(thing.x - r)),
        max(0, int(thing.y - r)),
        min(size - 1, int(thing.x + r) + 1),
        min(size - 1, int(thing.y + r) + 1),
    )


def _placed(things: list[Thing]) -> list[PlacedShape]:
    return [PlacedShape(shape=t.shape, colour=t.colour, x=t.x, y=t.y, r=t.r) for t in things]


class ImageEdit(IndexedGenerator):
    """Recolour, remove or add one shape in a textured scene; the mask covers the edited shape
    (OpenAI's convention: transparent where the edit goes). `spec` is the scene after the edit."""

    name = "image_edit"
    description = "recolour / remove / add one shape in a scene, with the mask known"
    columns = ("id", "image", "mask", "instruction", "answer", "edit", "width", "height", "edit_box", "spec")
    Params = EditParams
    params: EditParams

    def row(self, seed: int, index: int) -> dict[str, Any]:
        for attempt in range(20):
            try:
                return self._build(row_rng(seed, index, f"edit:{attempt}"), seed, index)
            except PlacementError:
                continue
        raise PlacementError(f"row {index}: no layout found; use a larger canvas")

    def _build(self, rng: random.Random, seed: int, index: int) -> dict[str, Any]:
        size = self.params.size
        n = rng.randint(self.params.min_objects, self.params.max_objects)
        radius = size / 11
        radii = [round(radius * rng.uniform(0.85, 1.15), 1) for _ in range(n + 1)]
        centres = place(rng, radii, size, size, overlap=0.0)
        kinds = [(rng.choice(SHAPES), rng.choice(list(COLOURS))) for _ in range(n + 1)]
        things = [Thing(s, c, x, y, r) for (s, c), r, (x, y) in zip(kinds, radii, centres, strict=True)]
        before, spare = things[:n], things[n]
        edit = rng.choice(("recolour", "remove", "add"))
        if edit == "add":
            after = [*before, spare]
            target = spare
            instruction = f"Add a {spare.colour} {spare.shape} in the masked area; change nothing else."
            answer = f"a {spare.colour} {spare.shape} added"
        else:
            k = rng.randrange(n)
            target = before[k]
            if edit == "remove":
                after = before[:k] + before[k + 1 :]
                instruction = f"Remove the {target.colour} {target.shape}; change nothing else."
                answer = f"the {target.colour} {target.shape} removed"
            else:
                colour = rng.choice([c for c in COLOURS if c != target.colour])
                changed = Thing(target.shape, colour, target.x, target.y, target.r)
                after = [*before[:k], changed, *before[k + 1 :]]
                instruction = f"Make the {target.colour} {target.shape} {colour}; change nothing else."
                answer = f"the {target.shape} is {colour}"
        texture = (seed * 1_000_003 + index) & 0xFFFFFFFF
        source = PictureSpec(width=size, height=size, shapes=_placed(before), texture_seed=texture)
        result = PictureSpec(width=size, height=size, shapes=_placed(after), texture_seed=texture)
        box = _box(target, self.params.margin, size)
        return {
            "id": f"edit-{index:04d}",
            "image": partial(picture_png, source),
            "mask": partial(_mask_png, size, box),
            "instruction": instruction,
            "answer": answer,
            "edit": edit,
            "width": size,
            "height": size,
            "edit_box": list(box),
            "spec": result.model_dump(mode="json", exclude_defaults=True),
        }


def _mask_png(size: int, box: tuple[int, int, int, int]) -> bytes:
    return png_bytes(edit_mask(size, size, box))
