"""The `fields` and `rules` scorers: per-document values, corpus headlines computed from summed
counts, and malformed answers scored rather than crashed."""

from __future__ import annotations

import json

import numpy as np
import pytest

from evals.corpus import combiner
from evals.scorers.fields import Fields, macro_f1
from evals.scorers.rules import Rules
from evals.scoring import ScorerFailed, build_scorer

SCHEMA = {
    "type": "object",
    "required": ["number", "total", "date", "items"],
    "additionalProperties": False,
    "properties": {
        "number": {"type": "string"},
        "total": {"type": "number"},
        "date": {"type": "string", "format": "date"},
        "currency": {"type": "string", "enum": ["EUR", "USD"]},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "amount": {"type": "number"}},
            },
        },
    },
}
REFERENCE = {
    "number": "A-1",
    "total": 12.5,
    "date": "2026-03-04",
    "currency": "EUR",
    "items": [{"name": "Tea", "amount": 2.5}, {"name": "Milk", "amount": 10.0}],
}


def scorer(**options: object) -> Fields:
    built = build_scorer("fields", {"schema": SCHEMA, **options})
    assert isinstance(built, Fields)
    return built


def test_matchers_are_inferred_from_the_schema() -> None:
    names = [m.name for m in scorer().metrics]
    assert names[:7] == [
        "field_f1", "field_precision", "field_recall", "doc_exact", "json_valid", "schema_valid", "field_macro_f1",
    ]  # fmt: skip
    assert names[7:] == [
        "f1.number",
        "f1.total",
        "f1.date",
        "f1.currency",
        "f1.items.name",
        "f1.items.amount",
    ]
    specs = scorer().specs
    assert specs["date"].match == "date" and specs["currency"].match == "enum"  # type: ignore[union-attr]


def test_a_right_answer_in_other_words() -> None:
    answer = {**REFERENCE, "date": "2026-03-04", "total": 12.50, "items": list(reversed(REFERENCE["items"]))}
    result = scorer().score(json.dumps(answer), [json.dumps(REFERENCE)])
    assert result.values["doc_exact"] == 1.0 and result.values["schema_valid"] == 1.0
    assert (result.details["tp"], result.details["fp"], result.details["fn"]) == (8, 0, 0)


def test_wrong_and_missing_fields_counted() -> None:
    answer = {"number": "A-1", "total": 13.0, "date": "2026-03-04", "items": [{"name": "Tea", "amount": 2.5}]}
    result = scorer().score(json.dumps(answer), [json.dumps(REFERENCE)])
    # number, date, tea's 2 fields: TP 4. total wrong: FP 1, FN 1. currency and milk's 2: FN 3.
    assert (result.details["tp"], result.details["fp"], result.details["fn"]) == (4, 1, 4)
    assert result.values["field_f1"] == pytest.approx(8 / 13)
    assert result.values["f1.total"] == 0.0 and result.values["f1.number"] == 1.0
    assert result.details["wrong_fields"] == "currency,items.amount,items.name,total"
    assert result.values["doc_exact"] == 0.0 and result.values["schema_valid"] == 1.0


@pytest.mark.parametrize(
    ("answer", "json_valid", "schema_valid"),
    [
        ("Sorry, I cannot read this invoice.", 0.0, 0.0),
        ('{"number": "A-1", "total": 12.5', 0.0, 0.0),  # cut off
        ('{"number": "A-1", "total": "12.50", "date": "2026-03-04", "items": []}', 1.0, 0.0),  # wrong type
        ('{"number": "A-1", "total": 12.5, "date": "2026-03-04", "items": [], "x": 1}', 1.0, 0.0),  # extra
        (
            'Here it is:\n```json\n{"number": "A-1", "total": 12.5, "date": "2026-03-04", "items": []}\n```',
            1.0,
            1.0,
        ),
    ],
)
def test_malformed_answers_are_scored_not_raised(answer: str, json_valid: float, schema_valid: float) -> None:
    result = scorer().score(answer, [json.dumps(REFERENCE)])
    assert result.values["json_valid"] == json_valid and result.values["schema_valid"] == schema_valid
    if not json_valid:
        assert result.flags == ("unparsed",) and result.details["tp"] == 0 and result.details["fn"] == 8
    else:
        assert "error" in result.details or schema_valid


def test_corpus_headlines_from_summed_counts() -> None:
    # Two documents: (tp, fp, fn) = (4, 1, 4) and (8, 0, 0). Micro F1 = 24 / (24 + 1 + 4).
    sums = np.array([12.0, 1.0, 4.0])
    assert combiner("field_f1")(sums) == pytest.approx(24 / 29)
    assert combiner("field_precision")(sums) == pytest.approx(12 / 13)
    assert combiner("field_recall")(sums) == pytest.approx(12 / 16)
    # Macro: field a F1 = 1.0, field b (1 tp, 1 fp, 1 fn) = 0.5, field c never present: left out.
    assert macro_f1(np.array([3.0, 0, 0, 1, 1, 1, 0, 0, 0])) == pytest.approx(0.75)


def test_reference_must_be_json() -> None:
    with pytest.raises(ScorerFailed):
        scorer().score("{}", ["not json"])


RULES = [
    {"name": "adds_up", "expr": "approx(total, sum(items[*].amount))"},
    {"name": "known_currency", "expr": "currency in ['EUR', 'USD']"},
    "date <= today",
]


def rules() -> Rules:
    built = build_scorer("rules", {"rules": RULES, "today": "2026-12-01"})
    assert isinstance(built, Rules)
    return built


def test_rules_on_answers_and_references() -> None:
    result = rules().score(json.dumps(REFERENCE), [json.dumps(REFERENCE)])
    assert result.values == {
        "rule.adds_up": 1.0,
        "rule.known_currency": 1.0,
        "rule.date_today": 1.0,
        "rules_agree": 1.0,
    }
    assert result.flags == () and result.details["violations"] == 0
    # A wrong total breaks a rule the reference keeps; a missing currency errs (a violation).
    answer = {**REFERENCE, "total": 99.0}
    del answer["currency"]
    result = rules().score(json.dumps(answer), [json.dumps(REFERENCE)])
    assert result.values == {
        "rule.adds_up": 0.0,
        "rule.known_currency": 0.0,
        "rule.date_today": 1.0,
        "rules_agree": 0.0,
    }
    assert "no field 'currency'" in result.details["error.known_currency"]
    assert result.details["violations"] == 2
    assert result.flags == ("rules_violated", "violates:adds_up", "violates:known_currency")


def test_an_inconsistent_document_read_right_breaks_the_rule_and_agrees() -> None:
    inconsistent = {**REFERENCE, "total": 13.5}
    result = rules().score(json.dumps(inconsistent), [json.dumps(inconsistent)])
    assert result.flags == ("rules_violated", "violates:adds_up")
    assert result.values["rule.adds_up"] == 1.0 and result.values["rules_agree"] == 1.0
    # Reading it as consistent (the total the items add up to) disagrees with the reference.
    result = rules().score(json.dumps(REFERENCE), [json.dumps(inconsistent)])
    assert result.flags == () and result.values["rule.adds_up"] == 0.0


def test_rules_need_a_record_and_safe_expressions() -> None:
    with pytest.raises(ScorerFailed):
        rules().score("no json here", [json.dumps(REFERENCE)])
    with pytest.raises(ScorerFailed, match="reference"):
        rules().score(json.dumps(REFERENCE), ["not json"])
    from evals.errors import InputError

    with pytest.raises(InputError, match="not allowed"):
        build_scorer("rules", {"rules": ["total.__class__"]})
