"""Per-field matchers for extracted records: exact, normalised text, ANLS, numeric with
tolerance, date, money (amount and currency), enum.

Each matcher compares one predicted value with one reference value and returns a similarity in
[0, 1] and whether it counts as a match. Values may be JSON scalars or text as a document prints
them ("$1,234.50", "12,50 EUR", "03/04/2026"): they are normalised before comparing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evals.scorers.anls import normalized_distance

MatcherName = Literal["exact", "text", "anls", "numeric", "date", "money", "enum"]


class MatcherSpec(BaseModel):
    """How one field is compared. A bare name in YAML (`total: money`) is `{match: money}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    match: MatcherName = "text"
    tolerance: float = Field(0.005, ge=0, description="numeric, money: absolute tolerance")
    relative: float = Field(0.0, ge=0, description="numeric: relative tolerance")
    threshold: float = Field(0.8, ge=0, le=1, description="anls: the similarity that counts as a match")
    dayfirst: bool = Field(False, description="date: read 03/04/2026 as 3 April")
    currency: str | None = Field(None, description="money: the currency assumed when none is written")
    aliases: dict[str, str] = Field(default_factory=dict, description="enum: written form → value")


@dataclass(frozen=True, slots=True)
class Match:
    similarity: float
    matched: bool


MISSING_VALUES: tuple[Any, ...] = (None, "", [], {})


def is_missing(value: Any) -> bool:
    return any(value is m or value == m for m in MISSING_VALUES) and not isinstance(value, bool | int | float)


def normalise_text(value: Any) -> str:
    """Case-folded, accents kept, punctuation other than inner . , - / removed, spaces collapsed."""
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    text = re.sub(r"[^\w\s.,/-]", " ", text)
    return " ".join(text.split()).strip(" .,-/")


_NUMBER = re.compile(r"[-+]?\d[\d.,' \u00a0]*")


def parse_number(value: Any) -> float | None:
    """A number from JSON or printed text: 1,234.50 / 1.234,50 / 1 234,5 / (12.00) / 12-."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    negative = (text.startswith("(") and text.endswith(")")) or text.endswith("-") or text.startswith("-")
    found = _NUMBER.search(text)
    if found is None:
        return None
    digits = re.sub(r"[' \u00a0]", "", found.group(0)).lstrip("+-")
    if "," in digits and "." in digits:
        # The later separator is the decimal one.
        if digits.rfind(",") > digits.rfind("."):
            digits = digits.replace(".", "").replace(",", ".")
        else:
            digits = digits.replace(",", "")
    elif "," in digits:
        head, _, tail = digits.rpartition(",")
        # 12,50 is a decimal comma; 1,234 and 1,234,567 are thousands.
        digits = digits.replace(",", "") if len(tail) == 3 and head else head.replace(",", "") + "." + tail
    elif digits.count(".") > 1:
        digits = digits.replace(".", "")
    try:
        number = float(digits.rstrip("."))
    except ValueError:
        return None
    return -number if negative else number


CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "rp": "IDR"}
_CODE = re.compile(r"\b([A-Z]{3})\b")


def parse_money(value: Any, default_currency: str | None = None) -> tuple[float | None, str | None]:
    """(amount, ISO currency) from {amount, currency}, a number, or text like "€ 12,50"."""
    if isinstance(value, dict):
        amount = parse_number(value.get("amount"))
        currency = value.get("currency")
        return amount, (str(currency).upper() if currency else default_currency)
    amount = parse_number(value)
    currency = default_currency
    if isinstance(value, str):
        code = _CODE.search(value.upper())
        if code:
            currency = code.group(1)
        else:
            lowered = value.lower()
            currency = next((c for s, c in CURRENCY_SYMBOLS.items() if s in lowered), default_currency)
    return amount, currency


_DATE_FORMATS_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")


def parse_date(value: Any, *, dayfirst: bool = False) -> dt.date | None:
    """A calendar date from ISO text or a printed date (12 Mar 2026, 03/12/2026, 2026.03.12)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if _DATE_FORMATS_ISO.match(text):
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            return None
    from dateutil import parser

    try:
        return parser.parse(text, dayfirst=dayfirst, fuzzy=True).date()
    except (ValueError, OverflowError):
        return None


def _binary(ok: bool) -> Match:
    return Match(1.0 if ok else 0.0, ok)


def compare(spec: MatcherSpec, predicted: Any, reference: Any) -> Match:
    """Compare two present values with the field's matcher."""
    match spec.match:
        case "exact":
            return _binary(_canonical(predicted) == _canonical(reference))
        case "text":
            return _binary(normalise_text(predicted) == normalise_text(reference))
        case "enum":

            def canon(v: Any) -> str:
                text = normalise_text(v)
                return normalise_text(spec.aliases.get(text, spec.aliases.get(str(v), text)))

            return _binary(canon(predicted) == canon(reference))
        case "anls":
            similarity = 1.0 - normalized_distance(str(reference), str(predicted))
            return Match(similarity, similarity >= spec.threshold)
        case "numeric":
            a, b = parse_number(predicted), parse_number(reference)
            if a is None or b is None:
                return _binary(False)
            return _binary(abs(a - b) <= max(spec.tolerance, spec.relative * abs(b)) + 1e-9)
        case "date":
            da, db = (
                parse_date(predicted, dayfirst=spec.dayfirst),
                parse_date(reference, dayfirst=spec.dayfirst),
            )
            return _binary(da is not None and da == db)
        case "money":
            (a, ca), (b, cb) = parse_money(predicted, spec.currency), parse_money(reference, spec.currency)
            if a is None or b is None:
                return _binary(False)
            same_currency = ca is None or cb is None or ca == cb
            return _binary(same_currency and abs(a - b) <= spec.tolerance + 1e-9)
    raise AssertionError(spec.match)


def _canonical(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
