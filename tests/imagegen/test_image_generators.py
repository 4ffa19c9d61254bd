"""The image-generation generators: rows are seeded, and what a row says is true of its spec,
its source and its mask; the renderer draws the spec."""

from __future__ import annotations

import io
import re
from functools import partial
from typing import Any

import numpy as np
import pytest
from PIL import Image

from evals.generators import IndexedGenerator
from evals.generators.export import media_bytes
from evals.generators.image_prompts import Compositional, ImageEdit, TextInImage
from evals.generators.picture_spec import editable_area, parse_spec, render_picture

GENERATORS: list[type[IndexedGenerator]] = [TextInImage, Compositional, ImageEdit]
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4}


def materialise(row: dict[str, Any]) -> dict[str, Any]:
    return {k: media_bytes(v) if callable(v) else v for k, v in row.items()}


@pytest.mark.parametrize("generator", GENERATORS, ids=lambda g: g.name)
def test_rows_depend_only_on_seed_and_index(generator: type[IndexedGenerator]) -> None:
    rows = [materialise(r) for r in generator().rows(6, seed=3)]
    again = [materialise(generator().row(3, i)) for i in (5, 2)]
    assert again == [rows[5], rows[2]]
    assert rows != [materialise(r) for r in generator().rows(6, seed=4)]
    assert set(rows[0]) == set(generator.columns)
    assert len({r["id"] for r in rows}) == 6


def test_text_rows_ask_for_the_text_they_carry() -> None:
    for row in TextInImage().rows(30, seed=0):
        spec = parse_spec(row["spec"])
        assert spec.text == row["answer"] and (spec.width, spec.height) == (row["width"], row["height"])
        for line in row["answer"].split("\n"):
            assert line in row["prompt"]
        assert row["n_words"] == len(row["answer"].split())


def test_compositional_specs_match_their_prompts_clause_by_clause() -> None:
    kinds_seen = set()
    for row in Compositional().rows(40, seed=0):
        spec = parse_spec(row["spec"])
        text = row["prompt"].lower()
        for group in spec.objects:
            said = re.search(rf"(\w+) {group.colour} {group.shape}", text)
            assert said is not None, (text, group)
            assert NUMBERS[said.group(1)] == group.count
            drawn = [t for t in spec.things() if (t.shape, t.colour) == (group.shape, group.colour)]
            assert len(drawn) == group.count
        kinds = [r["kind"] for r in row["requirements"]]
        assert len(kinds) == row["n_requirements"] == 2 * len(spec.objects) + ("position" in kinds)
        kinds_seen.add(row["category"])
    assert kinds_seen == {"count", "colour", "position"}


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)


def test_an_edit_changes_only_what_its_mask_allows() -> None:
    edits = set()
    for index in range(12):
        row = ImageEdit().row(0, index)
        edits.add(row["edit"])
        assert isinstance(row["image"], partial) and isinstance(row["mask"], partial)
        source, mask = row["image"](), row["mask"]()
        after = np.asarray(render_picture(parse_spec(row["spec"])), dtype=np.int16)
        before = _pixels(source)
        area = np.asarray(editable_area(Image.open(io.BytesIO(mask)))) > 0
        changed = np.abs(after - before).sum(axis=2) > 0
        assert changed.any() and not (changed & ~area).any()
        x0, y0, x1, y1 = row["edit_box"]
        assert area[y0:y1, x0:x1].all() and area.sum() == (x1 - x0 + 1) * (y1 - y0 + 1)
    assert edits == {"recolour", "remove", "add"}


def test_bad_specs_are_refused_with_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="unknown shape or colour"):
        parse_spec({"objects": [{"shape": "hexagon", "colour": "red", "count": 1}]})
    with pytest.raises(ValueError, match="count"):
        parse_spec({"objects": [{"shape": "circle", "colour": "red", "count": -1}]})
