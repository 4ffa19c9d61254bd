"""MMMU's own evaluation (Yue et al., 2024): multiple choice by its option parsing, open
answers by its numeric and string rules. Reference: MMMU-Benchmark/MMMU
`mmmu/utils/eval_utils.py` (`parse_multi_choice_response`, `parse_open_response`,
`eval_multi_choice`, `eval_open`); MMMU-Pro's variant of the option parsing is
`mmmu-pro/evaluate.py`. tests/data/golden_mmmu/ holds vectors produced by running both.

Multiple choice, in the reference's order: trim ,.!?;:' off the ends and pad with spaces; an
option letter in brackets "(B)" anywhere; else a letter standing alone " B " (MMMU-Pro: "B " or
"B."; MMMU-Pro first takes the one letter after the last "Answer:"); else, in an answer of more
than five words, any option's text. Several candidates: the one found last in the answer.

Open answers: the answer is lower-cased and cut into lines; in each line the shortest tail
after a cue ("is ", "so ", "therefore ", "answer ", … and "=" on the last line) is a key phrase
(the whole answer if none); the key phrases and every number in them are normalised (a number
becomes a float rounded to 2 places, text is lower-cased, a single character gets a space on
one side). It is right when a normalised number equals a normalised reference number, or a
reference text is contained in a key phrase.

One difference, on purpose: when nothing can be read, MMMU picks an option at random (seeded
once per process, so the pick depends on the order samples are scored); here the answer is
wrong and flagged `unparsed`. The golden vectors mark those inputs and check they are unparsed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import Field

from evals.scoring import Metric, SampleScore, ScorerOptions, TextScorer

Variant = Literal["mmmu", "mmmu_pro"]
Normalized = float | str

_EDGE_MARKS = (",", ".", "!", "?", ";", ":", "'")
_KEY_CUES = ("could be ", "so ", "is ", "thus ", "therefore ", "final ", "answer ", "result ")
_TRIVIAL_TAILS = frozenset({":", ",", ".", "!", "?", ";", "'"})
# The reference splits on ". " before a capital, but only after lower-casing the answer, so in
# effect only on line breaks; the same expression is kept so non-ASCII text behaves the same.
_CLAUSES = re.compile(r"\.\s(?=[A-Z])|\n")
# Numbers, in the reference's three passes: 1,234,567 / 1.5e-3 / plain (not followed by an
# exponent, a comma or another digit). A number may be found by more than one pass.
_GROUPED = re.compile(r"-?\b\d{1,3}(?:,\d{3})+\b")
_SCIENTIFIC = re.compile(r"-?\d+(?:\.\d+)?[eE][+-]?\d+")
_PLAIN = re.compile(r"-?(?:\d+\.\d+|\.\d+|\d+\b)(?![eE][+-]?\d+)(?![,\d])")


def option_letters(count: int) -> list[str]:
    return [chr(ord("A") + i) for i in range(count)]


def _trim_edges(text: str) -> str:
    for mark in _EDGE_MARKS:  # one mark at a time, as the reference does: ".,B" keeps ",B"
        text = text.strip(mark)
    return text


def pick_option(response: str, options: Sequence[str], variant: Variant = "mmmu") -> str | None:
    """The option letter MMMU's parser reads from `response`; None where it would guess."""
    letters = option_letters(len(options))
    if variant == "mmmu_pro":
        cue = response.rfind("Answer:")
        if cue != -1:
            tail = response[cue + len("Answer:") :].strip()
            named = [letter for letter in letters if letter in tail]
            if len(named) == 1:
                return named[0]
    padded = f" {_trim_edges(response)} "
    found = [letter for letter in letters if f"({letter})" in padded]
    how = "bracket"
    if not found:
        how = "letter"
        shapes = (" {} ",) if variant == "mmmu" else ("{} ", "{}.")
        for shape in shapes:
            found = [letter for letter in letters if shape.format(letter) in padded]
            if found:
                break
    if not found and len(padded.split()) > 5:
        how = "text"
        lowered = padded.lower()
        found = [letter for letter, option in zip(letters, options, strict=True) if option.lower() in lowered]
    if not found:
        return None
    if len(found) == 1:
        return found[0]

    def last_seen(letter: str) -> int:
        if how == "bracket":
            return padded.rfind(f"({letter})")
        if how == "letter":
            return padded.rfind(f" {letter} ")
        return padded.lower().rfind(options[letters.index(letter)].lower())

    return max(found, key=last_seen)  # the first of equals, as numpy's argmax


def _key_phrases(response: str) -> list[str]:
    text = response.strip().strip(".").lower()
    clauses = _CLAUSES.split(text)
    phrases = []
    for position, clause in enumerate(clauses):
        cues = _KEY_CUES + (("=",) if position == len(clauses) - 1 else ())
        shortest: str | None = None
        for cue in cues:
            if cue in clause:
                tail = clause.split(cue)[-1].strip()
                if not shortest or len(tail) < len(shortest):
                    shortest = tail
        if shortest and shortest.strip() not in _TRIVIAL_TAILS:
            phrases.append(shortest)
    return phrases or [text]


def numbers_in(text: str) -> list[str]:
    return [*_GROUPED.findall(text), *_SCIENTIFIC.findall(text), *_PLAIN.findall(text)]


def normalized(text: str) -> list[Normalized]:
    """A number as a float rounded to 2 places (Python's float() decides what is a number,
    commas removed); text lower-cased, a single character padded on either side."""
    text = text.strip()
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        lowered = text.lower()
        return [f" {lowered}", f"{lowered} "] if len(lowered) == 1 else [lowered]
    return [round(number, 2)]


def read_open_answer(response: str) -> list[Normalized]:
    """What MMMU reads from a free-form answer: key phrases and their numbers, normalised."""
    phrases = _key_phrases(response)
    candidates = [*phrases, *(n for phrase in phrases for n in numbers_in(phrase))]
    return list(dict.fromkeys(value for candidate in candidates for value in normalized(candidate)))


def open_answer_right(references: Sequence[str], readings: Sequence[Normalized]) -> bool:
    answers = [value for reference in references for value in normalized(reference)]
    for reading in readings:
        if isinstance(reading, str):
            if any(isinstance(answer, str) and answer in reading for answer in answers):
                return True
        elif reading in answers:
            return True
    return False


def open_references(targets: Sequence[str]) -> list[str]:
    """References as MMMU keeps them: a few open answers are a list, stored as its text."""
    out: list[str] = []
    for target in targets:
        text = target.strip()
        if text.startswith("[") and text.endswith("]"):
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                value = None
            if isinstance(value, list) and value:
                out.extend(str(v) for v in value)
                continue
        out.append(target)
    return out


class MMMUOptions(ScorerOptions):
    variant: Variant = Field(
        "mmmu", description="whose option parsing: mmmu (MMMU) or mmmu_pro (MMMU-Pro's evaluate.py)"
    )


class MMMUScorer(TextScorer):
    """Accuracy as MMMU's evaluation computes it, for multiple-choice and open questions."""

    name = "mmmu"
    Options = MMMUOptions
    options: MMMUOptions

    metric = Metric(
        name="mmmu",
        binary=True,
        description="right by MMMU's own rules (option parsing; numeric/string matching)",
    )

    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        if not targets:
            return SampleScore({"mmmu": 0.0}, {}, ("no_reference",))
        kind = (metadata or {}).get("question_type")
        multiple_choice = kind == "multiple-choice" if kind else bool(choices)
        if not multiple_choice:
            readings = read_open_answer(prediction)
            right = open_answer_right(open_references(targets), readings)
            return SampleScore({"mmmu": float(right)}, {"read": [str(r) for r in readings[:20]]})
        if not choices:
            return SampleScore({"mmmu": 0.0}, {"reference": targets[0]}, ("bad_reference",))
        reference = targets[0].strip()
        picked = pick_option(prediction, choices, self.options.variant)
        details: dict[str, Any] = {"reference_label": reference, "predicted_label": picked}
        if picked is None:
            details["parse_failure"] = "unparsed"
            return SampleScore({"mmmu": 0.0}, details, ("unparsed",))
        return SampleScore({"mmmu": float(picked in (t.strip() for t in targets))}, details)
