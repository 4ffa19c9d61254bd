"""Field matchers and line-item assignment against hand-computed cases."""

from __future__ import annotations

import datetime as dt

import pytest

from evals.scorers.field_match import MatcherSpec, compare, parse_date, parse_money, parse_number
from evals.scorers.record_match import ListSpec, compare_records, parse_field_specs


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1,234.50", 1234.5),
        ("1.234,50", 1234.5),
        ("12,50", 12.5),
        ("1,234", 1234.0),
        ("1 234,5", 1234.5),
        ("(12.00)", -12.0),
        ("$ 7", 7.0),
        ("-3.5", -3.5),
        (42, 42.0),
        ("n/a", None),
    ],
)
def test_numbers_as_printed(text: object, number: float | None) -> None:
    assert parse_number(text) == number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("$1,234.50", (1234.5, "USD")),
        ("€ 12,50", (12.5, "EUR")),
        ("12.50 GBP", (12.5, "GBP")),
        ({"amount": "3.10", "currency": "eur"}, (3.1, "EUR")),
        (19.99, (19.99, None)),
    ],
)
def test_money_amount_and_currency(value: object, expected: tuple[float, str | None]) -> None:
    assert parse_money(value) == expected


def test_money_matching() -> None:
    money = MatcherSpec(match="money")
    assert compare(money, "$1,234.50", 1234.5).matched  # no currency on one side: amount decides
    assert compare(money, "€1.234,50", {"amount": 1234.5, "currency": "EUR"}).matched
    assert not compare(money, "$1,234.50", "1234.50 EUR").matched  # same amount, other currency
    assert not compare(money, "1234.51", 1234.5).matched  # beyond half a cent
    assert compare(MatcherSpec(match="money", currency="USD"), "1234.50", "$1234.50").matched


@pytest.mark.parametrize(
    ("text", "dayfirst", "day"),
    [
        ("2026-03-04", False, dt.date(2026, 3, 4)),
        ("4 Mar 2026", False, dt.date(2026, 3, 4)),
        ("March 4, 2026", False, dt.date(2026, 3, 4)),
        ("03/04/2026", False, dt.date(2026, 3, 4)),
        ("03/04/2026", True, dt.date(2026, 4, 3)),
        ("2026-02-30", False, None),
        ("no date", False, None),
    ],
)
def test_dates_normalised(text: str, dayfirst: bool, day: dt.date | None) -> None:
    assert parse_date(text, dayfirst=dayfirst) == day


def test_matchers() -> None:
    assert compare(MatcherSpec(match="date"), "4 March 2026", "2026-03-04").matched
    assert not compare(MatcherSpec(match="date"), "5 March 2026", "2026-03-04").matched
    assert compare(MatcherSpec(match="text"), "  ACME  Ltd. ", "acme ltd").matched
    assert not compare(MatcherSpec(match="exact"), "ACME Ltd", "acme ltd").matched
    assert compare(MatcherSpec(match="exact"), 3.0, "3").matched
    anls = compare(MatcherSpec(match="anls", threshold=0.8), "Harbor Bakery", "Harbor Bakerv")
    assert anls.similarity == pytest.approx(1 - 1 / 13) and anls.matched
    assert compare(MatcherSpec(match="numeric", tolerance=0.1), "10.05", 10).matched
    assert not compare(MatcherSpec(match="numeric", tolerance=0.0), "10.05", 10).matched
    assert compare(MatcherSpec(match="numeric", tolerance=0, relative=0.01), 101, 100).matched
    enum = MatcherSpec(match="enum", aliases={"euro": "EUR"})
    assert compare(enum, "Euro", "eur").matched and not compare(enum, "USD", "EUR").matched


ITEM_SPECS = parse_field_specs(
    {"items": {"match": "list", "fields": {"description": "text", "qty": "numeric", "amount": "money"}}}
)
REFERENCE = {
    "items": [
        {"description": "Coffee beans", "qty": 2, "amount": 20.0},
        {"description": "Whole milk", "qty": 1, "amount": 1.5},
        {"description": "Pasta", "qty": 3, "amount": 4.5},
    ]
}


def test_items_in_another_order_all_match() -> None:
    shuffled = {"items": [REFERENCE["items"][2], REFERENCE["items"][0], REFERENCE["items"][1]]}
    counts = compare_records(shuffled, REFERENCE, ITEM_SPECS)
    assert counts.totals() == (9, 0, 0) and counts.exact
    assert sorted(counts.pairs["items"]) == [(0, 2), (1, 0), (2, 1)]


def test_a_missing_item_and_a_wrong_amount() -> None:
    # Milk is missing; pasta's amount is wrong; a made-up item is added.
    predicted = {
        "items": [
            {"description": "Pasta", "qty": 3, "amount": "4.60"},
            {"description": "Coffee beans", "qty": 2, "amount": "$20.00"},
        ]
    }
    counts = compare_records(predicted, REFERENCE, ITEM_SPECS)
    # Pairs: pasta→pasta, coffee→coffee. Fields: coffee 3 TP; pasta 2 TP + amount FP/FN;
    # milk's 3 fields FN. TP 5, FP 1, FN 4.
    assert counts.totals() == (5, 1, 4)
    assert counts.fn["items.description"] == 1 and counts.fp["items.amount"] == 1
    assert counts.fn["items.amount"] == 2 and not counts.exact


def test_an_extra_item_is_false_positives() -> None:
    predicted = {"items": [*REFERENCE["items"], {"description": "Tea", "qty": 1, "amount": 2.0}]}
    assert compare_records(predicted, REFERENCE, ITEM_SPECS).totals() == (9, 3, 0)


def test_scalars_present_absent_and_unreadable() -> None:
    specs = parse_field_specs({"total": "money", "date": "date", "note": "text"})
    reference = {"total": 10.0, "date": "2026-01-02", "note": None}
    predicted = {"total": "10.00", "date": "2026-01-03", "note": "paid"}
    counts = compare_records(predicted, reference, specs)
    # total TP; date FP+FN; note FP (the reference has none).
    assert counts.totals() == (1, 2, 1)
    assert compare_records(None, reference, specs).totals() == (0, 0, 2)


def test_list_spec_is_parsed() -> None:
    assert isinstance(ITEM_SPECS["items"], ListSpec)
    with pytest.raises(ValueError):
        parse_field_specs({"total": "fuzzy"})
