"""The business-rule evaluator: what it computes, and what it refuses before running."""

from __future__ import annotations

import datetime as dt

import pytest

from evals.safe_expr import MAX_CHARS, Rule, RuleError, UnsafeExpression

INVOICE = {
    "total": 23.8,
    "subtotal": 20.0,
    "tax": 3.8,
    "vat_rate": 0.19,
    "date": "2026-03-04",
    "items": [{"amount": 12.5}, {"amount": 7.5}],
    "currency": "EUR",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("subtotal == sum(items[*].amount)", True),
        ("total == subtotal + tax", True),  # 20.0 + 3.8 is 23.8 only within float tolerance
        ("total == sum(items[*].amount)", False),
        ("vat_rate in [0, 0.07, 0.19]", True),
        ("vat_rate in [0, 0.07]", False),
        ("date <= today", True),
        ("date > date('2026-03-05')", False),
        ("len(items) == 2 and items[0].amount > items[1].amount", True),
        ("currency in ['EUR', 'USD'] if total > 0 else False", True),
        ("approx(total, 23.79, 0.01)", True),
        ("round(total * 100) == 2380", True),
        ("0 < tax < subtotal", True),
        ("max(items[*].amount) - min(items[*].amount)", 5.0),
        ("not (tax > total)", True),
        ("-tax < 0", True),
    ],
)
def test_values(text: str, expected: object) -> None:
    assert Rule(text).evaluate(INVOICE, today=dt.date(2026, 12, 1)) == expected


def test_today_is_the_date_given() -> None:
    rule = Rule("date <= today")
    assert rule.holds(INVOICE, today=dt.date(2026, 3, 4))
    assert not rule.holds(INVOICE, today=dt.date(2026, 3, 3))


@pytest.mark.parametrize(
    "text",
    [
        "currency.__class__",  # Python attributes
        "items.__len__",
        "().__class__.__bases__[0].__subclasses__()",
        "__import__('os').system('true')",  # imports through a call
        "import os",  # an import statement is not an expression
        "open('/etc/passwd')",  # calls to anything but the whitelist
        "currency.upper()",
        "getattr(total, 'real')",
        "eval('1')",
        "(lambda: 1)()",
        "[x for x in items]",  # comprehensions
        "_secret",
        "x := 1",
        "f'{total}'",
        "sum(*items)",
        "sum(items, start=1)",
        "2 ** 100",  # a constant exponent above the limit
    ],
)
def test_refused_before_running(text: str) -> None:
    with pytest.raises(UnsafeExpression):
        Rule(text)


def test_oversized_expressions_are_refused() -> None:
    with pytest.raises(UnsafeExpression, match="characters"):
        Rule("total + " * (MAX_CHARS // 8 + 1) + "1")
    with pytest.raises(UnsafeExpression, match="parts"):
        Rule("+".join(["1"] * 120))  # short enough in text, too many nodes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("missing > 0", "no field 'missing'"),
        ("sum > 0", "no field 'sum'"),  # a bare name is a field, never the function
        ("items[5].amount", "out of range"),
        ("currency.code", "needs a record"),
        ("currency * 100000000", "multiplies numbers only"),  # no huge strings
        ("items * 3", "multiplies numbers only"),
        ("total ** (tax * 100)", "exponent"),
        ("9 ** 9 ** 9", "exponent"),  # 9 ** 387420489 is refused, never computed
        ("sum(currency)", "needs a list"),
        ("total / 0", "division"),
        ("total < currency", "cannot compare"),
    ],
)
def test_errors_on_a_record_are_rule_errors(text: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        Rule(text).evaluate(INVOICE)
