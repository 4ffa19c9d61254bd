"""Ten reference answers per question, as ten VQA annotators would give them.

The intended answer is given by 5 to 8 annotators; the others use a synonym or, now and then,
disagree. The intended answer always appears at least 4 times, so answering it scores 1.0 under
VQA accuracy (min(1, matches / 3), averaged over the ten leave-one-out subsets).
"""

from __future__ import annotations

import random

N_ANSWERS = 10
MIN_MAJORITY = 5
MAX_MAJORITY = 8

SYNONYMS: dict[str, tuple[str, ...]] = {
    "red": ("crimson", "scarlet", "dark red"),
    "blue": ("navy", "dark blue", "royal blue"),
    "green": ("dark green", "lime", "emerald"),
    "yellow": ("gold", "golden", "lemon"),
    "purple": ("violet", "lavender", "magenta"),
    "orange": ("amber", "tangerine", "dark orange"),
    "circle": ("round", "oval", "dot"),
    "square": ("box", "rectangle", "block"),
    "triangle": ("triangular", "pyramid", "wedge"),
    "star": ("star shape", "5 pointed star", "asterisk"),
    "diamond": ("rhombus", "kite", "diamond shape"),
}
_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _alternatives(question_type: str, answer: str) -> tuple[str, ...]:
    if question_type == "count":
        n = int(answer)
        near = tuple(str(m) for m in (n - 1, n + 1) if m >= 0)
        word = (_NUMBER_WORDS[n],) if n < len(_NUMBER_WORDS) else ()
        return word + near
    if question_type == "existence":
        return ("no" if answer == "yes" else "yes",)
    return SYNONYMS[answer]


def reference_answers(rng: random.Random, question_type: str, answer: str) -> list[str]:
    """Ten answers: `answer` 5–8 times, the rest drawn from its synonyms (or, for yes/no, the
    other answer once at most), in a seeded order."""
    majority = rng.randint(MIN_MAJORITY, MAX_MAJORITY)
    alternatives = _alternatives(question_type, answer)
    if question_type == "existence":
        majority = max(majority, N_ANSWERS - 1)
    answers = [answer] * majority + [rng.choice(alternatives) for _ in range(N_ANSWERS - majority)]
    rng.shuffle(answers)
    return answers
