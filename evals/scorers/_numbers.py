"""Numbers written in an answer: digits ("12", "1,000", "2.5") and English number words
("twenty-three", "a hundred and five", "a dozen", "none"), each with where it starts and ends.

Tokens are whole words, so "12" is never read as "2" and "3rd" or "x2" are not numbers at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNIT_WORDS = (
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen"),
    "nineteen",
)
_UNITS = {name: value for value, name in enumerate(_UNIT_WORDS)}
_TENS_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_TENS = {name: 10 * (i + 2) for i, name in enumerate(_TENS_WORDS)}
_ZERO_WORDS = frozenset({"none", "nothing", "nobody", "zero"})
_TOKEN = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w]|[.,]\d)|[a-z]+", re.IGNORECASE)
_PUNCT_AFTER = re.compile(r"\s*(?:[.,!?;:)]|$)")


@dataclass(frozen=True, slots=True)
class Number:
    value: float
    start: int
    end: int


@dataclass(slots=True)
class _Tok:
    text: str
    start: int
    end: int
    digits: float | None


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    for m in _TOKEN.finditer(text):
        if m.group(1) is not None:
            value = float(m.group(1).replace(",", "") + (m.group(2) or ""))
            out.append(_Tok(m.group(), m.start(), m.end(), value))
        else:
            out.append(_Tok(m.group().lower(), m.start(), m.end(), None))
    return out


def _below_hundred(toks: list[_Tok], i: int) -> tuple[int, int] | None:
    """ "seven", "seventeen", "seventy", "seventy-seven" / "seventy seven" → (value, next index)."""
    if i >= len(toks):
        return None
    word = toks[i].text
    if word in _UNITS:
        return _UNITS[word], i + 1
    if word in _TENS:
        value = _TENS[word]
        if i + 1 < len(toks) and 0 < _UNITS.get(toks[i + 1].text, 0) < 10:
            return value + _UNITS[toks[i + 1].text], i + 2
        return value, i + 1
    return None


def _below_thousand(toks: list[_Tok], i: int) -> tuple[int, int] | None:
    """Up to "nine hundred and ninety-nine"; "a hundred" is 100."""
    if i < len(toks) and toks[i].text == "a" and i + 1 < len(toks) and toks[i + 1].text == "hundred":
        head: tuple[int, int] | None = (1, i + 1)
    elif i < len(toks) and toks[i].text == "hundred":
        head = (1, i)
    else:
        head = _below_hundred(toks, i)
    if head is None:
        return None
    value, j = head
    if j < len(toks) and toks[j].text == "hundred" and 0 < value < 10:
        value, j = value * 100, j + 1
        k = j + 1 if j < len(toks) and toks[j].text == "and" else j
        rest = _below_hundred(toks, k)
        if rest is not None and rest[0] > 0:
            value, j = value + rest[0], rest[1]
    return value, j


def _number_words(toks: list[_Tok], i: int) -> tuple[int, int] | None:
    """A number in words starting at token i, up to the thousands, or a dozen / half a dozen."""
    words = [t.text for t in toks[i : i + 3]]
    if words[:3] == ["half", "a", "dozen"]:
        return 6, i + 3
    if words[:2] == ["a", "dozen"]:
        return 12, i + 2
    if words[:1] == ["dozen"]:
        return 12, i + 1
    if i + 1 < len(toks) and toks[i].text == "a" and toks[i + 1].text == "thousand":
        head: tuple[int, int] | None = (1, i + 1)
    else:
        head = _below_thousand(toks, i)
    if head is None:
        return None
    value, j = head
    if j < len(toks) and toks[j].text == "dozen" and 0 < value < 100:
        return value * 12, j + 1
    if j < len(toks) and toks[j].text == "thousand" and 0 < value < 1000:
        value, j = value * 1000, j + 1
        k = j + 1 if j < len(toks) and toks[j].text == "and" else j
        rest = _below_thousand(toks, k)
        if rest is not None and rest[0] > 0:
            value, j = value + rest[0], rest[1]
    return value, j


def find_numbers(text: str) -> list[Number]:
    """Every number in the text, in order; "none", "nothing", "no one" and "no <noun>" are 0.

    A bare "no" counts as 0 only when it is the whole answer or governs a noun ("no red balls");
    "No, there are three" is an interjection and gives just the 3.
    """
    toks = _tokens(text)
    found: list[Number] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.digits is not None:
            found.append(Number(tok.digits, tok.start, tok.end))
            i += 1
            continue
        if tok.text in _ZERO_WORDS:
            found.append(Number(0.0, tok.start, tok.end))
            i += 1
            continue
        if tok.text == "no" and (
            len(toks) == 1 or not _PUNCT_AFTER.match(text, tok.end) or text[tok.end :].strip() == "."
        ):
            found.append(Number(0.0, tok.start, tok.end))
            i += 1
            continue
        parsed = _number_words(toks, i)
        if parsed is None:
            i += 1
            continue
        value, j = parsed
        found.append(Number(float(value), tok.start, toks[j - 1].end))
        i = j
    return found
