"""Which option of a multiple-choice question an answer picks, read out of free text.

In order of trust: the whole answer is a letter or an option's text; the answer opens with a
letter ("B. Paris", "(B)"); explicit statements ("Answer: B", "the correct option is (B)",
"B is correct"); finally any option named anywhere. Two different options at the level that
decides are `ambiguous`; nothing found is `unparsed`. Letters are A, B, C… in option order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from evals.scorers._text import ANSWER_CUE, EDGE_PUNCT, Reading, clean_answer, fold, phrase_pattern

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_LONE = re.compile(r"[(\[]?\s*([A-Za-z])\s*[)\]]?\s*[.:)]?")
_LEADING = re.compile(r"[(\[]([A-Za-z])[)\]]|([A-Za-z])\)|([A-Z])[.:](?=\s|$)")
# "(B) and (C)", "B/C", "B, C": a leading letter that opens a list of letters.
_LETTER_LIST = re.compile(r"\s*(?:,|/|&|\band\b|\bor\b)\s*[(\[]?([A-Za-z])[)\]]?(?![\w'])")
# After an answer cue: a letter, bracketed or followed by a delimiter in any case, or a bare capital.
_CUE_LETTER = re.compile(r"[(\[]([A-Za-z])[)\]]|([A-Za-z])(?=[.):;,!?]|\s*$)|([A-Z])(?![\w'])")
_LETTER_VERDICT = re.compile(
    r"(?:\b(?:option|choice|answer)\s+)?[(\[]?\b([A-Z])\b[)\]]?\s+(?:is|seems|looks|appears)\s+"
    r"(?:to\s+be\s+)?(?:the\s+)?(?:correct|right|best)\b",
)
_LETTER_MENTION = re.compile(
    r"[(\[]([A-Za-z])[)\]]"  # (b) or [B]
    r"|\b(?:option|choice)\s+([A-Za-z])(?![\w'])"  # option B
    r"|(?<![\w'])((?-i:[B-HJ-Z]))(?![\w'])"  # a bare capital other than the words "A" and "I"
    r"|(?<![\w'])((?-i:[AI]))(?=[.):](?:\s|$))",  # "A." / "I)" ending a clause
    re.IGNORECASE,
)


def letter(index: int) -> str:
    return LETTERS[index]


def _index(found: str | None, count: int, *, any_case: bool = True) -> int | None:
    if not found or (not any_case and not found.isupper()):
        return None
    index = LETTERS.find(found.upper())
    return index if 0 <= index < count else None


@lru_cache(maxsize=1024)
def _option_patterns(options: tuple[str, ...]) -> tuple[tuple[int, re.Pattern[str]], ...]:
    """Each option's text as a whole-word pattern, longest first (so "dark red" beats "red")."""
    order = sorted(range(len(options)), key=lambda i: -len(options[i]))
    plain = [" ".join(option.split()).strip(EDGE_PUNCT) for option in options]
    return tuple((i, re.compile(phrase_pattern(plain[i]), re.IGNORECASE)) for i in order if plain[i])


def _option_spans(text: str, options: tuple[str, ...]) -> list[tuple[int, int, int]]:
    """(start, end, option) for each option named in the text; a name inside a longer one is skipped."""
    taken: list[tuple[int, int, int]] = []
    for index, pattern in _option_patterns(options):
        for m in pattern.finditer(text):
            if not any(s <= m.start() and m.end() <= e for s, e, _ in taken):
                taken.append((m.start(), m.end(), index))
    return sorted(taken)


def _option_at(text: str, pos: int, options: tuple[str, ...]) -> int | None:
    """The option whose text starts the answer at `pos` (longest match), if any."""
    rest = text[pos:]
    for index, pattern in _option_patterns(options):
        m = pattern.match(rest)
        if m:
            return index
    return None


def resolve_reference(target: str, choices: Sequence[str] | None) -> str | None:
    """A reference as a letter: a letter in range, or the text of one of the options."""
    count = len(choices) if choices else len(LETTERS)
    text = target.strip()
    lone = _LONE.fullmatch(text)
    if lone:
        index = _index(lone.group(1), count)
        if index is not None:
            return letter(index)
    if choices:
        wanted = fold(text)
        for i, option in enumerate(choices):
            if fold(option) == wanted:
                return letter(i)
    return None


def read_choice(answer: str, choices: Sequence[str] | None) -> Reading:
    """The option an answer picks, as a letter; `choices` None means letters only (A–Z)."""
    options = tuple(choices) if choices else ()
    count = len(options) if options else len(LETTERS)
    text = clean_answer(answer)
    if not text:
        return Reading.failed("unparsed", "empty")

    lone = _LONE.fullmatch(text)
    if lone and (index := _index(lone.group(1), count)) is not None:
        return Reading(letter(index), how="letter")
    if options:
        whole = fold(text)
        for i, option in enumerate(options):
            if fold(option) == whole:
                return Reading(letter(i), how="option text")

    leading = _LEADING.match(text)
    if leading:
        index = _index(leading.group(1) or leading.group(2) or leading.group(3), count)
        if index is not None:
            rest = fold(text[leading.end() :])
            named = [i for i, option in enumerate(options) if fold(option) == rest and rest]
            if named and named[0] != index:
                return Reading.failed("ambiguous", "leading letter names another option's text")
            listed = _LETTER_LIST.match(text, leading.end())
            if listed and _index(listed.group(1), count) not in (None, index):
                return Reading.failed("ambiguous", "a list of letters")
            return Reading(letter(index), how="leading letter")

    stated = _stated(text, options, count)
    if stated:
        if len(set(stated)) > 1:
            return Reading.failed("ambiguous", "answer statements disagree")
        return Reading(letter(stated[0]), how="answer statement")

    named = _named(text, options, count)
    if len(set(named)) == 1:
        return Reading(letter(named[0]), how="mention")
    if named:
        return Reading.failed("ambiguous", "several options named")
    return Reading.failed("unparsed", "no option found")


def _stated(text: str, options: tuple[str, ...], count: int) -> list[int]:
    """Options picked by explicit statements: "Answer: B", "I choose (B)", "B is correct"."""
    found: list[tuple[int, int]] = []
    for cue in ANSWER_CUE.finditer(text):
        rest = text[cue.end() :]
        m = _CUE_LETTER.match(rest)
        index = None
        if m:
            index = _index(m.group(1) or m.group(2), count)
            if index is None:
                index = _index(m.group(3), count, any_case=False)
        if index is None and options:
            index = _option_at(text, cue.end(), options)
        if index is not None:
            found.append((cue.start(), index))
    for m in _LETTER_VERDICT.finditer(text):
        index = _index(m.group(1), count)
        if index is not None:
            found.append((m.start(), index))
    return [index for _, index in sorted(found)]


def _named(text: str, options: tuple[str, ...], count: int) -> list[int]:
    """Every option the text names, by letter or by its text."""
    found: list[tuple[int, int]] = []
    for m in _LETTER_MENTION.finditer(text):
        index = _index(next(g for g in m.groups() if g is not None), count)
        if index is not None:
            found.append((m.start(), index))
    found.extend((start, index) for start, _, index in _option_spans(text, options))
    return [index for _, index in sorted(found)]
