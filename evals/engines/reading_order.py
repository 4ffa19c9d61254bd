"""Put detected text boxes in reading order: lines top to bottom, boxes left to right in a line.

Two boxes are on the same line when they overlap vertically by at least half the height of the
shorter one (a box's centre alone misplaces a short word such as "a" or "." beside tall ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import fmean

SAME_LINE_OVERLAP = 0.5


@dataclass(frozen=True, slots=True)
class TextBox:
    text: str
    left: float
    top: float
    right: float
    bottom: float

    @classmethod
    def from_points(cls, text: str, points: Iterable[Sequence[float]]) -> TextBox:
        """From a detector's polygon (any number of corner points)."""
        xs, ys = zip(*((float(p[0]), float(p[1])) for p in points), strict=True)
        return cls(text, min(xs), min(ys), max(xs), max(ys))

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


def _same_line(line: list[TextBox], box: TextBox) -> bool:
    top = fmean(b.top for b in line)
    bottom = fmean(b.bottom for b in line)
    overlap = min(bottom, box.bottom) - max(top, box.top)
    return overlap >= SAME_LINE_OVERLAP * min(bottom - top, box.bottom - box.top)


def group_lines(boxes: Iterable[TextBox]) -> list[list[TextBox]]:
    """Boxes grouped into lines, lines top to bottom, each line's boxes left to right."""
    lines: list[list[TextBox]] = []
    for box in sorted(boxes, key=lambda b: (b.middle, b.left)):
        home = next((line for line in lines if _same_line(line, box)), None)
        if home is None:
            lines.append([box])
        else:
            home.append(box)
    lines.sort(key=lambda line: fmean(b.middle for b in line))
    return [sorted(line, key=lambda b: b.left) for line in lines]


def join_text(boxes: Iterable[TextBox]) -> str:
    """The boxes' texts in reading order: spaces within a line, newlines between lines."""
    return "\n".join(" ".join(b.text for b in line) for line in group_lines(boxes))
