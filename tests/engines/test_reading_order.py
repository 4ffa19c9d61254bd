"""Reading order of detected boxes (no engine: the boxes are given)."""

from __future__ import annotations

import pytest

from evals.engines.reading_order import TextBox, group_lines, join_text

pytestmark = pytest.mark.engines


def box(text: str, left: float, top: float, width: float = 50, height: float = 20) -> TextBox:
    return TextBox(text, left, top, left + width, top + height)


def test_lines_top_to_bottom_and_boxes_left_to_right() -> None:
    boxes = [box("world", 100, 11), box("second", 0, 60), box("hello", 0, 10), box("line", 80, 58)]
    assert join_text(boxes) == "hello world\nsecond line"


def test_a_short_box_joins_the_line_it_overlaps() -> None:
    # A full stop's box is short and sits low; it still belongs to the line beside it.
    boxes = [
        box("Total", 0, 100, height=30),
        box(".", 60, 120, width=5, height=8),
        box("next", 0, 150, height=30),
    ]
    assert [[b.text for b in line] for line in group_lines(boxes)] == [["Total", "."], ["next"]]


def test_a_slightly_skewed_line_stays_one_line() -> None:
    boxes = [box(word, 60 * i, 10 + 3 * i) for i, word in enumerate(["a", "gently", "sloping", "line"])]
    assert join_text(boxes) == "a gently sloping line"


def test_polygons_become_boxes() -> None:
    found = TextBox.from_points("x", [[18.0, 15.0], [561.0, 17.0], [560.0, 50.0], [18.0, 48.0]])
    assert (found.left, found.top, found.right, found.bottom) == (18.0, 15.0, 561.0, 50.0)


def test_no_boxes_no_text() -> None:
    assert join_text([]) == ""
