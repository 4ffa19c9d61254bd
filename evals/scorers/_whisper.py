"""Whisper's text normalisers, our own implementation, proven equal to openai/whisper's.

`WhisperEnglish` behaves as openai/whisper `whisper/normalizers/english.py::EnglishTextNormalizer`
and `whisper_basic` as `basic.py::BasicTextNormalizer()`: the same steps in the same order, with
their quirks (`"2.0"` becomes `"2"`, `"and a half"` alone vanishes, `"point"` before a
non-decimal number word is dropped). The rule tables are restated here; the British→American
spellings are read from `whisper_spellings.tsv` (derived from whisper's `english.json`, provenance
in its header). tests/scorers/golden/ holds outputs of whisper's own code for thousands of strings.

Owning it keeps WER stable: the `whisper-normalizer` package, from 0.1.8 on, also expands
"kinda", "sorta", "dunno" and "cause", so a package upgrade would move published figures.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Literal

# --- symbols and diacritics ------------------------------------------------------------------

# Letters NFKD does not split into a base letter and a mark (whisper's ADDITIONAL_DIACRITICS).
_LETTER_FOLDS = {
    "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "ẞ": "SS",
    "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "th", "ł": "l", "Ł": "L",
}  # fmt: skip


class _CharMap(dict[int, str]):
    """A `str.translate` table filled in on first sight of each character.

    Marks, symbols and punctuation (Unicode categories M*, S*, P*) become a space; with
    `fold_diacritics`, combining marks (Mn) vanish and the letters above are spelled out.
    Characters in `keep` stay.
    """

    def __init__(self, keep: str, fold_diacritics: bool) -> None:
        super().__init__()
        self._keep = keep
        self._fold = fold_diacritics

    def __missing__(self, code: int) -> str:
        char = chr(code)
        category = unicodedata.category(char)
        if char in self._keep:
            out = char
        elif self._fold and char in _LETTER_FOLDS:
            out = _LETTER_FOLDS[char]
        elif self._fold and category == "Mn":
            out = ""
        elif category[0] in "MSP":
            out = " "
        else:
            out = char
        self[code] = out
        return out


_BRACKETED = re.compile(r"[<\[][^>\]]*[>\]]")  # "[noise]", "<unk>"
_PARENTHESISED = re.compile(r"\(([^)]+?)\)")  # "(laughs)"
_SPACES = re.compile(r"\s+")

# --- numbers ---------------------------------------------------------------------------------

_UNITS = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
_UNITS += " sixteen seventeen eighteen nineteen"
_ONES = {word: value for value, word in enumerate(_UNITS.split(), start=1)}
_ZEROS = frozenset({"o", "oh", "zero"})
_ONES_SUFFIXED: dict[str, tuple[int, str]] = {
    ("sixes" if word == "six" else word + "s"): (value, "s") for word, value in _ONES.items()
}
_IRREGULAR_ORDINALS = {"zeroth": 0, "first": 1, "second": 2, "third": 3, "fifth": 5, "twelfth": 12}
for _word, _value in _IRREGULAR_ORDINALS.items():
    _ONES_SUFFIXED[_word] = (_value, {1: "st", 2: "nd", 3: "rd"}.get(_value, "th"))
for _word, _value in _ONES.items():
    if _value > 3 and _value not in (5, 12):  # "eighth", and "nineth" (sic: "ninth" is no number)
        _ONES_SUFFIXED[_word + ("h" if _word.endswith("t") else "th")] = (_value, "th")
_TENS = {
    word: 10 * (i + 2)
    for i, word in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])
}
_TENS_SUFFIXED: dict[str, tuple[int, str]] = {
    **{word.replace("y", "ies"): (value, "s") for word, value in _TENS.items()},
    **{word.replace("y", "ieth"): (value, "th") for word, value in _TENS.items()},
}
_SCALE_NAMES = "thousand million billion trillion quadrillion quintillion sextillion septillion octillion"
_SCALE_NAMES += " nonillion decillion"
_MULTIPLIERS = {"hundred": 100, **{word: 1000 ** (i + 1) for i, word in enumerate(_SCALE_NAMES.split())}}
_MULTIPLIERS_SUFFIXED: dict[str, tuple[int, str]] = {
    **{word + "s": (value, "s") for word, value in _MULTIPLIERS.items()},
    **{word + "th": (value, "th") for word, value in _MULTIPLIERS.items()},
}
_DECIMAL_WORDS = frozenset(_ONES) | frozenset(_TENS) | _ZEROS
_SIGN_WORDS = {"minus": "-", "negative": "-", "plus": "+", "positive": "+"}  # before a number
_CURRENCY_WORDS = {  # after a number
    "pound": "£", "pounds": "£", "euro": "€", "euros": "€", "dollar": "$", "dollars": "$",
    "cent": "¢", "cents": "¢",
}  # fmt: skip
_PREFIX_CHARS = frozenset(_SIGN_WORDS.values()) | frozenset(_CURRENCY_WORDS.values())
_CONNECTIVES = frozenset({"and", "double", "triple", "point"})
_NUMBER_WORDS = (
    _ZEROS
    | frozenset(_ONES)
    | frozenset(_ONES_SUFFIXED)
    | frozenset(_TENS)
    | frozenset(_TENS_SUFFIXED)
    | frozenset(_MULTIPLIERS)
    | frozenset(_MULTIPLIERS_SUFFIXED)
    | frozenset(_SIGN_WORDS)
    | frozenset(_CURRENCY_WORDS)
    | frozenset({"per", "percent"})
    | _CONNECTIVES
)
_DIGITS = re.compile(r"^\d+(\.\d+)?$")  # Unicode digits, as whisper's pattern reads them
_ANY_DIGIT = re.compile(r"\d")
_HALF = re.compile(r"\band\s+a\s+half\b")
_LETTER_DIGIT = re.compile(r"([a-z])([0-9])")
_DIGIT_LETTER = re.compile(r"([0-9])([a-z])")
_DIGIT_SUFFIX = re.compile(r"([0-9])\s+(st|nd|rd|th|s)\b")
_DOLLARS_AND_CENTS = re.compile(r"([€£$])([0-9]+) (?:and )?¢([0-9]{1,2})\b")
_ZERO_POINT_CENTS = re.compile(r"[€£$]0.([0-9]{1,2})\b")  # whisper's '.' is unescaped: any character
_LONE_ONE = re.compile(r"\b1(s?)\b")

Number = int | str  # an int while it is a whole number built by arithmetic, else its digits as text


def _fraction(text: Number) -> Fraction | None:
    try:
        return Fraction(text)
    except ValueError:
        return None


def _expand_halves(text: str) -> str:
    """Rewrite "<number> and a half" as "<number> point five"; a blank piece drops its half."""
    pieces = _HALF.split(text)
    kept: list[str] = []
    for i, piece in enumerate(pieces):
        if not piece.strip():
            continue
        kept.append(piece)
        if i < len(pieces) - 1:
            last = piece.rsplit(maxsplit=2)[-1]
            numeric = last in _DECIMAL_WORDS or last in _MULTIPLIERS
            kept.append("point five" if numeric else "and a half")
    return " ".join(kept)


class _NumberReader:
    """Reads a list of words left to right, joining spelled numbers into digits.

    `value` is the number being built and `sign` the symbol to put before it (a sign word read
    before it, a digit string's own prefix, or a currency word read after it). `emit` flushes.
    """

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self.out: list[str] = []
        self.value: Number | None = None
        self.sign: str | None = None

    def emit(self, text: Number) -> None:
        rendered = str(text)
        if self.sign is not None:
            rendered = self.sign + rendered
        self.out.append(rendered)
        self.value = None
        self.sign = None

    def flush(self) -> None:
        if self.value is not None:
            self.emit(self.value)

    def read(self) -> list[str]:
        words = self.words
        skip_next = False
        for i, word in enumerate(words):
            if skip_next:
                skip_next = False
                continue
            before = words[i - 1] if i > 0 else None
            after = words[i + 1] if i + 1 < len(words) else None
            skip_next = self.step(before, word, after)
        self.flush()
        return self.out

    def step(self, before: str | None, word: str, after: str | None) -> bool:
        """Handle one word; True when it consumed the next word too."""
        after_is_digits = after is not None and _DIGITS.match(after) is not None
        signed = word[0] in _PREFIX_CHARS
        bare = word[1:] if signed else word
        if _DIGITS.match(bare):
            self.digits(word, bare, signed)
        elif word not in _NUMBER_WORDS:
            self.flush()
            self.emit(word)
        elif word in _ZEROS:
            self.value = str(self.value or "") + "0"
        elif word in _ONES:
            self.value = self.join_unit(_ONES[word], before)
        elif word in _ONES_SUFFIXED:
            unit, suffix = _ONES_SUFFIXED[word]
            self.emit(f"{self.join_unit(unit, before)}{suffix}")
        elif word in _TENS:
            self.value = self.join_tens(_TENS[word])
        elif word in _TENS_SUFFIXED:
            tens, suffix = _TENS_SUFFIXED[word]
            self.emit(f"{self.join_tens(tens)}{suffix}")
        elif word in _MULTIPLIERS:
            self.multiply(_MULTIPLIERS[word])
        elif word in _MULTIPLIERS_SUFFIXED:
            self.multiply_suffixed(*_MULTIPLIERS_SUFFIXED[word])
        elif word in _SIGN_WORDS:
            self.flush()
            if after in _NUMBER_WORDS or after_is_digits:
                self.sign = _SIGN_WORDS[word]
            else:
                self.emit(word)
        elif word in _CURRENCY_WORDS:
            if self.value is not None:
                self.sign = _CURRENCY_WORDS[word]
                self.emit(self.value)
            else:
                self.emit(word)
        elif word in ("per", "percent"):
            return self.percent(word, after)
        else:
            return self.connective(before, word, after, after_is_digits)
        return False

    def digits(self, word: str, bare: str, signed: bool) -> None:
        """A number written in digits, maybe after '-', '+', '$', '£', '€' or '¢'."""
        if self.value is not None:
            if isinstance(self.value, str) and self.value.endswith("."):
                self.value = self.value + word  # the decimals after "point"
                return
            self.emit(self.value)
        if signed:
            self.sign = word[0]
        exact = Fraction(bare)
        # Whole numbers become ints ("2.0" → 2, "007" → 7); others keep their digits.
        self.value = exact.numerator if exact.denominator == 1 else bare

    def join_unit(self, unit: int, before: str | None) -> Number:
        """Add "one" … "nineteen" to the number read so far."""
        value = self.value
        if value is None:
            return unit
        if isinstance(value, str) or before in _ONES:
            if before in _TENS and unit < 10:
                text = str(value)
                assert text.endswith("0")
                return text[:-1] + str(unit)  # "...twenty" "five" → "...25"
            return str(value) + str(unit)  # "one" "two" → "12": digits read one by one
        room = 10 if unit < 10 else 100
        return value + unit if value % room == 0 else str(value) + str(unit)

    def join_tens(self, tens: int) -> Number:
        value = self.value
        if value is None:
            return tens
        if isinstance(value, str) or value % 100 != 0:
            return str(value) + str(tens)
        return value + tens

    def multiply(self, factor: int) -> None:
        value = self.value
        if value is None:
            self.value = factor
        elif isinstance(value, str) or value == 0:
            exact = _fraction(value)
            product = exact * factor if exact is not None else None
            if product is not None and product.denominator == 1:
                self.value = product.numerator
            else:
                self.emit(value)
                self.value = factor
        else:  # only the last three digits are scaled: "two thousand three hundred" → 2300
            self.value = value // 1000 * 1000 + value % 1000 * factor

    def multiply_suffixed(self, factor: int, suffix: str) -> None:
        value = self.value
        if value is None:
            self.emit(f"{factor}{suffix}")
        elif isinstance(value, str):
            exact = _fraction(value)
            product = exact * factor if exact is not None else None
            if product is not None and product.denominator == 1:
                self.emit(f"{product.numerator}{suffix}")
            else:
                self.emit(value)
                self.emit(f"{factor}{suffix}")
        else:
            self.emit(f"{value // 1000 * 1000 + value % 1000 * factor}{suffix}")
        self.value = None

    def percent(self, word: str, after: str | None) -> bool:
        """After a number, "percent" and "per cent" become '%'."""
        if self.value is None:
            self.emit(word)
            return False
        if word == "percent":
            self.emit(f"{self.value}%")
            return False
        if after == "cent":
            self.emit(f"{self.value}%")
            return True
        self.emit(self.value)
        self.emit(word)
        return False

    def connective(self, before: str | None, word: str, after: str | None, after_is_digits: bool) -> bool:
        """The words "and", "double", "triple", "point": special only before something numeric."""
        if after not in _NUMBER_WORDS and not after_is_digits:
            self.flush()
            self.emit(word)
            return False
        if word == "and":
            if before not in _MULTIPLIERS:  # "hundred and five" drops the "and"
                self.flush()
                self.emit(word)
            return False
        if word in ("double", "triple"):
            if after in _ONES or after in _ZEROS:
                digit = str(_ONES.get(after or "", 0))
                self.value = str(self.value or "") + digit * (2 if word == "double" else 3)
                return True
            self.flush()
            self.emit(word)
            return False
        # "point": starts decimals only before a digit word or digits; otherwise it is dropped.
        if after in _DECIMAL_WORDS or after_is_digits:
            self.value = str(self.value or "") + "."
        return False


def _keep_cents(match: re.Match[str]) -> str:
    return f"{match.group(1)}{match.group(2)}.{int(match.group(3)):02d}"


def standardise_numbers(text: str) -> str:
    """Whisper's EnglishNumberNormalizer: spelled numbers to digits, currency words to symbols."""
    text = _expand_halves(text)
    text = _LETTER_DIGIT.sub(r"\1 \2", text)
    text = _DIGIT_LETTER.sub(r"\1 \2", text)
    text = _DIGIT_SUFFIX.sub(r"\1\2", text)
    text = " ".join(_NumberReader(text.split()).read())
    text = _DOLLARS_AND_CENTS.sub(_keep_cents, text)  # "$2 and ¢7" → "$2.07"
    text = _ZERO_POINT_CENTS.sub(lambda m: f"¢{int(m.group(1))}", text)  # "$0.07" → "¢7"
    return _LONE_ONE.sub(r"one\1", text)  # "1" → "one", for readability


# --- the English normaliser ------------------------------------------------------------------


def _read_spellings() -> dict[str, str]:
    table = Path(__file__).with_name("whisper_spellings.tsv").read_text(encoding="utf-8")
    pairs = (line.split("\t") for line in table.splitlines() if line and not line.startswith("#"))
    return {british: american for british, american in pairs}


# Rewrites in whisper's order. Whole words first (titles keep a trailing space, as whisper's do).
_WHOLE_WORDS = (
    ("won't", "will not"), ("can't", "can not"), ("let's", "let us"), ("ain't", "aint"),
    ("y'all", "you all"), ("wanna", "want to"), ("gotta", "got to"), ("gonna", "going to"),
    ("i'ma", "i am going to"), ("imma", "i am going to"), ("woulda", "would have"),
    ("coulda", "could have"), ("shoulda", "should have"), ("ma'am", "madam"),
    ("mr", "mister "), ("mrs", "missus "), ("st", "saint "), ("dr", "doctor "),
    ("prof", "professor "), ("capt", "captain "), ("gov", "governor "), ("ald", "alderman "),
    ("gen", "general "), ("sen", "senator "), ("rep", "representative "), ("pres", "president "),
    ("rev", "reverend "), ("hon", "honorable "), ("asst", "assistant "), ("assoc", "associate "),
    ("lt", "lieutenant "), ("col", "colonel "), ("jr", "junior "), ("sr", "senior "),
    ("esq", "esquire "),
)  # fmt: skip
# Then endings, which may follow any letters: perfect tenses before the bare contractions.
_ENDINGS = (
    ("'d been", " had been"), ("'s been", " has been"), ("'d gone", " had gone"),
    ("'s gone", " has gone"), ("'d done", " had done"), ("'s got", " has got"),
    ("n't", " not"), ("'re", " are"), ("'s", " is"), ("'d", " would"), ("'ll", " will"),
    ("'t", " not"), ("'ve", " have"), ("'m", " am"),
)  # fmt: skip


class WhisperEnglish:
    """Whisper's EnglishTextNormalizer (create once, reuse: the symbol table fills as it goes)."""

    def __init__(self) -> None:
        rewrites = [(w, re.compile(rf"\b{re.escape(w)}\b"), out) for w, out in _WHOLE_WORDS]
        rewrites += [(e, re.compile(rf"{re.escape(e)}\b"), out) for e, out in _ENDINGS]
        self._rewrites = rewrites  # (literal that must be present, pattern, replacement)
        self._fillers = re.compile(r"\b(?:uh|um|hmm|mm|mmm|mhm)\b")
        self._space_apostrophe = re.compile(r"\s+'")
        self._digit_comma = re.compile(r"(\d),(\d)")
        self._period = re.compile(r"\.([^0-9]|$)")
        self._symbols = _CharMap(keep=".%$¢€£", fold_diacritics=True)
        self._spellings = _read_spellings()
        self._loose_symbol = re.compile(r"[.$¢€£]([^0-9])")
        self._loose_percent = re.compile(r"([^0-9])%")

    def __call__(self, text: str) -> str:
        s = text.lower()
        s = _BRACKETED.sub("", s)
        s = _PARENTHESISED.sub("", s)
        s = self._fillers.sub("", s)
        s = self._space_apostrophe.sub("'", s)
        for literal, pattern, replacement in self._rewrites:
            if literal in s:  # a rewrite whose text is absent cannot match: skip its regex
                s = pattern.sub(replacement, s)
        s = self._digit_comma.sub(r"\1\2", s)  # "1,000" → "1000"
        s = self._period.sub(r" \1", s)  # periods not before a digit
        s = unicodedata.normalize("NFKD", s).translate(self._symbols)
        words = s.split()
        if _ANY_DIGIT.search(s) or not _NUMBER_WORDS.isdisjoint(words) or _HALF.search(s):
            s = standardise_numbers(s)
        else:  # what the number step gives text without digits, number words or "and a half"
            s = " ".join(words)
        s = " ".join(self._spellings.get(word, word) for word in s.split())
        s = self._loose_symbol.sub(r" \1", s)  # symbols not next to a number
        s = self._loose_percent.sub(r"\1 ", s)
        return _SPACES.sub(" ", s)


_BASIC_SYMBOLS = _CharMap(keep="", fold_diacritics=False)


def whisper_basic(text: str) -> str:
    """Whisper's BasicTextNormalizer(): lower-case, no bracketed text, symbols to spaces (NFKC)."""
    s = text.lower()
    s = _BRACKETED.sub("", s)
    s = _PARENTHESISED.sub("", s)
    s = unicodedata.normalize("NFKC", s).translate(_BASIC_SYMBOLS).lower()
    return _SPACES.sub(" ", s)


# --- what the speech scorers use ------------------------------------------------------------

NormalizerName = Literal["none", "basic", "whisper-english"]


def _collapse(text: str) -> str:
    return " ".join(text.split())


@lru_cache(maxsize=4)
def get_normalizer(name: str) -> Callable[[str], str]:
    """The text normaliser a speech scorer applies to both sides, memoised over recent strings.

    The cache is shared by every scorer using the same normaliser (WER and CER on one task score
    the same strings; every backend scores the same references). Whisper's normalisers may leave
    a space at either end; it is dropped here (jiwer strips it too).
    """
    if name == "whisper-english":
        inner: Callable[[str], str] = WhisperEnglish()
    elif name == "basic":
        inner = whisper_basic
    elif name == "none":
        inner = _collapse
    else:
        raise ValueError(f"unknown normalizer {name!r}")

    @lru_cache(maxsize=65536)
    def normalise(text: str) -> str:
        return _collapse(inner(text))

    return normalise
