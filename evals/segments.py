"""Speaker turns as text: "who spoke when", read from and written to RTTM-style lines.

A diarization reference (a dataset column) and a diarization answer (a backend's text) are both
one turn per line. Two spellings are read:

- RTTM (NIST's Rich Transcription Time Marked format): `SPEAKER <file> <chan> <onset> <duration>
  <NA> <NA> <speaker> <NA> <NA>`;
- plain: `<start> <end> <speaker>` in seconds (what a prompted model is asked to answer).

Blank lines and lines starting with `#` or `;;` are skipped. Anything else is a `SegmentError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class SegmentError(ValueError):
    """A line that is neither RTTM nor `start end speaker`."""


@dataclass(frozen=True, slots=True)
class Segment:
    start: float
    end: float
    speaker: str

    @property
    def duration(self) -> float:
        return self.end - self.start


def _number(text: str, line: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise SegmentError(f"{text!r} is not a number of seconds in line {line!r}") from exc
    if value != value or value < 0:
        raise SegmentError(f"{text!r} is not a non-negative number of seconds in line {line!r}")
    return value


def parse_line(line: str) -> Segment | None:
    fields = line.split()
    if not fields or fields[0].startswith(("#", ";;")):
        return None
    if fields[0] == "SPEAKER":
        if len(fields) < 8:
            raise SegmentError(f"an RTTM SPEAKER line has 10 fields; got {len(fields)} in {line!r}")
        onset, duration = _number(fields[3], line), _number(fields[4], line)
        return Segment(onset, onset + duration, fields[7])
    if len(fields) != 3:
        raise SegmentError(f"expected 'start end speaker' or an RTTM SPEAKER line, got {line!r}")
    start, end = _number(fields[0], line), _number(fields[1], line)
    if end < start:
        raise SegmentError(f"the end is before the start in {line!r}")
    return Segment(start, end, fields[2])


def parse_segments(text: str) -> list[Segment]:
    """Every turn in `text`, in the order written."""
    found = (parse_line(line) for line in text.splitlines())
    return [s for s in found if s is not None]


def to_rttm(segments: Iterable[Segment], uri: str = "audio") -> str:
    """RTTM lines, times to the millisecond."""
    lines = [
        f"SPEAKER {uri} 1 {s.start:.3f} {s.duration:.3f} <NA> <NA> {s.speaker} <NA> <NA>" for s in segments
    ]
    return "\n".join(lines)
