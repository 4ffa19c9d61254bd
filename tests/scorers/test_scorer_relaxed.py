"""ChartQA relaxed accuracy: pix2struct's relaxed_correctness (vectors: test_golden_vectors.py), and
our lenient variant."""

from __future__ import annotations

import pytest

from evals.scorers.relaxed import LenientRelaxedAccuracy, RelaxedAccuracy, lenient_number


def strict(prediction: str, targets: list[str], **options: object) -> float:
    return RelaxedAccuracy.from_options(options).score(prediction, targets).values["relaxed_accuracy"]


def lenient(prediction: str, targets: list[str]) -> float:
    return LenientRelaxedAccuracy().score(prediction, targets).values["relaxed_accuracy_lenient"]


@pytest.mark.parametrize(
    ("prediction", "target", "expected"),
    [
        ("105", "100", 1.0),  # exactly +5%
        ("95", "100", 1.0),  # exactly -5%
        ("42", "40", 1.0),  # 2 / 40 = 0.05
        ("105.1", "100", 0.0),
        ("42.0001", "40", 0.0),
        ("-5.2", "-5", 1.0),
        ("0.5", "50%", 1.0),  # a trailing % divides by 100
        ("50", "50%", 0.0),
        ("50%", "50", 0.0),
        ("45%", "0.45", 1.0),
        ("0", "0", 1.0),  # a zero target is compared as text
        ("0.0", "0", 0.0),
        ("0", "0.0", 0.0),
        ("yes", "Yes", 1.0),
        ("yes.", "yes", 0.0),
        ("1234", "1,234", 0.0),  # float() does not read separators
        ("$5", "5", 0.0),
        ("12 kg", "12", 0.0),
        ("1000", "1e3", 1.0),  # but it reads exponents
        ("1_000", "1000", 1.0),  # and underscores
        ("nan", "nan", 0.0),  # nan is never within tolerance
        ("inf", "inf", 0.0),
    ],
)
def test_pix2struct_relaxed_correctness(prediction: str, target: str, expected: float) -> None:
    assert strict(prediction, [target]) == expected


def test_best_over_references_and_tolerance_option() -> None:
    assert strict("10", ["20", "10.4"]) == 1.0
    assert strict("106", ["100"], max_relative_change=0.1) == 1.0
    assert strict("101", ["100"], max_relative_change=0.0) == 0.0


def test_strip_option() -> None:
    # pix2struct compares the strings as given (the default); strip: true trims both sides first.
    assert strict("Yes ", ["Yes"]) == 0.0
    assert strict("Yes ", ["Yes"], strip=True) == 1.0
    assert strict("50%\n", ["0.5"]) == 0.0  # '%' is no longer last: text, not a number
    assert strict("50%\n", ["0.5"], strip=True) == 1.0
    assert strict("yes", ["yes\n"]) == 0.0
    assert strict("yes", ["yes\n"], strip=True) == 1.0
    assert strict(" 12 ", ["12"]) == 1.0  # float() itself ignores edge spaces


@pytest.mark.parametrize(
    ("prediction", "target", "expected"),
    [
        ("1,234", "1234", 1.0),
        ("$1,234.50", "1234.5", 1.0),
        ("12 kg", "12", 1.0),
        ("USD 12", "12", 1.0),
        ("-$5", "-5", 1.0),
        ("−5", "-5", 1.0),  # Unicode minus
        ("45", "45%", 1.0),  # a % on one side may mean x or x/100
        ("45%", "45", 1.0),
        ("0.45", "45%", 1.0),
        ("45%", "0.45", 1.0),
        ("0.45%", "45%", 0.0),  # both sides in % compare as written
        ("45", "0.45", 0.0),  # no % anywhere: no rescaling
        ("0.0", "0", 1.0),  # a zero target compares numerically
        ("0.01", "0", 0.0),
        ("approximately 105", "100", 1.0),
        ("Answer: 42", "40", 1.0),
        ("**42**", "40", 1.0),
        ("Yes.", "yes", 1.0),
        ("blue", "red", 0.0),
        ("1,2", "12", 0.0),  # not a separator pattern: read as text
    ],
)
def test_lenient(prediction: str, target: str, expected: float) -> None:
    assert lenient(prediction, [target]) == expected


def test_lenient_number_parts() -> None:
    assert lenient_number("€1,000,000") is not None
    parsed = lenient_number("3 percentage points")
    assert parsed is not None and parsed.value == 3 and parsed.percent
    assert lenient_number("about 12 or so more than that one") is None  # more than three unit words
    assert lenient_number("12 (approx)") is None


def test_no_reference() -> None:
    for scorer in (RelaxedAccuracy(), LenientRelaxedAccuracy()):
        result = scorer.score("1", [])
        assert list(result.values.values()) == [0.0] and result.flags == ("no_reference",)
