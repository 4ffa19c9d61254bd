"""The fake provider as a judge: an answer function that reads the judge prompts our rubrics
write and returns verdicts — well-formed ones, and malformed ones on a seeded schedule.

It is a stand-in for tests and benchmarks, never a real judge: its grade is the share of the
answer's word pairs ("red circle") found in the reference or scene record, so it is right about
invented objects and wrong colours and blind to miscounts (which makes its agreement with
exact labels imperfect, as a real judge's is).

    with FakeProvider(answer=FakeJudge(malformed=0.1, seed=3)) as fake: ...
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass

from evals.testing.fake_provider.request import FakeRequest

_TAG = r"<{name}>\s*(.*?)\s*</{name}>"
_SCALE = re.compile(r"an integer from (-?\d+) to (-?\d+)")
_WORD = re.compile(r"[a-z]+")
_PHRASE_BREAK = re.compile(r"[,;.:()\n]|\band\b")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "of",
        "with",
        "is",
        "are",
        "there",
        "image",
        "shows",
        "in",
        "on",
        "at",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
    ]
)
MALFORMED = (
    "The answer looks fine to me.",  # prose, no JSON
    '{"score": "high", "reason": "looks right"}',  # wrong type
    '{"reason": "no judgement given"}',  # the judgement is missing
    '{"score": 4, "reason": "cut off',  # truncated JSON
    '{"score": 99, "reason": "off the scale"}',  # off the scale
)


def _tag(text: str, name: str) -> str | None:
    found = re.search(_TAG.format(name=name), text, re.DOTALL)
    return found.group(1) if found else None


def _pairs(text: str) -> set[tuple[str, str]]:
    """Adjacent content-word pairs within each phrase (phrases end at punctuation and "and")."""
    found: set[tuple[str, str]] = set()
    for phrase in _PHRASE_BREAK.split(text.lower()):
        words = [w for w in _WORD.findall(phrase) if w not in _STOP]
        found.update(itertools.pairwise(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words))
    return found


def overlap_grade(answer: str, reference: str) -> float:
    """Share of the answer's word pairs found in the reference (1.0 for an answer with none)."""
    said = _pairs(answer)
    return len(said & _pairs(reference)) / len(said) if said else 1.0


@dataclass
class FakeJudge:
    """Answers judge prompts. `malformed`: share of requests answered with a malformed verdict,
    drawn per request from a hash of (seed, request text), so the schedule does not depend on
    order or concurrency. `prefer_first`: a position-biased judge that always picks answer 1.
    `pass_at`: the grade from which pass_fail passes."""

    malformed: float = 0.0
    seed: int = 0
    prefer_first: bool = False
    pass_at: float = 0.75

    def _draw(self, text: str, salt: str) -> float:
        digest = hashlib.sha256(f"{self.seed}\x00{salt}\x00{text}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def __call__(self, request: FakeRequest) -> str:
        text = request.text
        if self.malformed and self._draw(text, "malformed") < self.malformed:
            return MALFORMED[int(self._draw(text, "kind") * len(MALFORMED))]
        reference = _tag(text, "scene") or _tag(text, "reference") or ""
        if '"winner"' in text:
            first, second = _tag(text, "answer_1") or "", _tag(text, "answer_2") or ""
            if self.prefer_first:
                return json.dumps({"winner": "1", "reason": "the first answer (fake judge)"})
            a, b = overlap_grade(first, reference), overlap_grade(second, reference)
            winner = "tie" if abs(a - b) < 1e-9 else ("1" if a > b else "2")
            return json.dumps({"winner": winner, "reason": f"overlap {a:.2f} against {b:.2f} (fake judge)"})
        grade = overlap_grade(_tag(text, "answer") or "", reference)
        if '"pass"' in text:
            passed = grade >= self.pass_at
            return json.dumps({"pass": passed, "reason": f"overlap {grade:.2f} (fake judge)"})
        scale = _SCALE.search(text)
        low, high = (int(scale.group(1)), int(scale.group(2))) if scale else (1, 5)
        score = low + round(grade * (high - low))
        return json.dumps({"score": score, "reason": f"overlap {grade:.2f} (fake judge)"})
