"""WER and CER through jiwer: known S/D/I counts, normalisers, empty sides, corpus vs mean."""

from __future__ import annotations

import pytest

from evals.aggregate import metric_summary
from evals.errors import InputError
from evals.rundata import MetricDecl, SampleRecord
from evals.scorers._whisper import WhisperEnglish
from evals.scorers.speech import CER, WER
from evals.scoring import SampleScore, TextScorer, build_scorer


def wer(prediction: str, reference: str, normalizer: str = "none") -> SampleScore:
    return WER.from_options({"normalizer": normalizer}).score(prediction, [reference])


def counts(result: SampleScore) -> tuple[int, int, int, int]:
    d = result.details
    return d["substitutions"], d["deletions"], d["insertions"], d["hits"]


def test_known_counts() -> None:
    result = wer("the cat sit on mat", "the cat sat on the mat")
    assert counts(result) == (1, 1, 0, 4)  # sat -> sit, "the" deleted
    assert result.details["reference_length"] == 6 and result.details["errors"] == 2
    assert result.values["wer"] == pytest.approx(2 / 6)
    assert counts(wer("a x b", "a b")) == (0, 0, 1, 2)
    assert wer("a x b", "a b").values["wer"] == 0.5
    assert counts(wer("x y z", "a b c")) == (3, 0, 0, 0)
    assert wer("one two three four", "one").values["wer"] == 3.0  # WER is not capped


def test_empty_hypothesis_is_all_deletions() -> None:
    result = wer("", "hello big world")
    assert counts(result) == (0, 3, 0, 0) and result.values["wer"] == 1.0 and result.flags == ()


def test_empty_reference() -> None:
    silent = wer("", "")
    assert silent.values["wer"] == 0.0 and silent.flags == ("empty_reference",)
    noisy = wer("hello there", "")
    assert noisy.values["wer"] == 1.0 and noisy.flags == ("empty_reference",)
    assert noisy.details["insertions"] == 2 and noisy.details["reference_length"] == 0
    # The normaliser can empty a reference: Whisper's drops fillers.
    emptied = wer("uh", "um", normalizer="whisper-english")
    assert emptied.values["wer"] == 0.0 and emptied.flags == ("empty_reference",)
    assert WER().score("hi", []).flags == ("no_reference", "empty_reference")


@pytest.mark.parametrize(
    ("hypothesis", "reference", "normalizer", "expected"),
    [
        ("hello world", "Hello, World!", "none", 1.0),
        ("hello world", "Hello, World!", "basic", 0.0),
        ("hello world", "Hello, World!", "whisper-english", 0.0),
        ("mister smith paid $20", "Mr. Smith paid twenty dollars", "whisper-english", 0.0),
        # basic: "mr smith paid twenty dollars" vs "mister smith paid 20": 2 S + 1 D over 5 words
        ("mister smith paid $20", "Mr. Smith paid twenty dollars", "basic", 0.6),
        ("the color is gray", "The colour is grey", "whisper-english", 0.0),
        ("i will not go", "I won't go", "whisper-english", 0.0),
        ("hello", "hello [noise] um", "whisper-english", 0.0),
        ("hello\n\nworld", "hello world", "none", 0.0),  # whitespace is only a separator
    ],
)
def test_normalisers(hypothesis: str, reference: str, normalizer: str, expected: float) -> None:
    assert wer(hypothesis, reference, normalizer).values["wer"] == pytest.approx(expected)


def test_default_normaliser_is_whisper_english() -> None:
    assert WER().options.normalizer == "whisper-english"  # type: ignore[attr-defined]
    assert WER().score("hello world", ["Hello, World!"]).values["wer"] == 0.0
    with pytest.raises(InputError):
        build_scorer("wer", {"normalizer": "lowercase"})


def test_cer() -> None:
    cer = CER.from_options({"normalizer": "none"})
    result = cer.score("abd", ["abc"])
    assert counts(result) == (1, 0, 0, 2) and result.values["cer"] == pytest.approx(1 / 3)
    # spaces are characters: "a b" -> "ab" deletes one of three
    assert cer.score("ab", ["a b"]).values["cer"] == pytest.approx(1 / 3)
    assert cer.score("", ["abc"]).values["cer"] == 1.0
    assert CER().score("Hello, World!", ["hello world"]).values["cer"] == 0.0


def test_several_references_use_the_most_frequent() -> None:
    assert WER().score("b", ["a", "b", "b"]).values["wer"] == 0.0
    assert WER().score("a", ["a", "b"]).values["wer"] == 0.0  # tie: the first


def test_metric_declarations() -> None:
    for scorer, unit in ((WER(), "wer"), (CER(), "cer")):
        (metric,) = scorer.metrics
        assert metric.name == unit and not metric.higher_is_better
        assert metric.ratio_of == ("errors", "reference_length")


def _record(scorer: TextScorer, hypothesis: str, reference: str, sample_id: str) -> SampleRecord:
    scored = scorer.score(hypothesis, [reference])
    return SampleRecord(
        task="t",
        backend="b",
        sample_id=sample_id,
        status="ok",
        scores=scored.values,
        details={scorer.name: scored.details},
    )


def test_corpus_and_mean_differ_where_they_should() -> None:
    scorer = WER.from_options({"normalizer": "none"})
    records = [
        _record(scorer, "a b c d e f g h i x", "a b c d e f g h i j", "long"),  # 1 / 10
        _record(scorer, "y", "z", "short"),  # 1 / 1
    ]
    metric = MetricDecl(name="wer", scorer="wer", ratio_of=("errors", "reference_length"))
    entry = metric_summary(records, metric, seed=0)
    assert entry.aggregation == "corpus"
    assert entry.value == pytest.approx(2 / 11)  # total errors / total reference words
    assert entry.sample_mean == pytest.approx((0.1 + 1.0) / 2)


def test_corpus_counts_insertions_against_an_empty_reference() -> None:
    scorer = WER.from_options({"normalizer": "none"})
    records = [_record(scorer, "a b", "a b", "1"), _record(scorer, "noise noise", "", "2")]
    metric = MetricDecl(name="wer", scorer="wer", ratio_of=("errors", "reference_length"))
    assert metric_summary(records, metric, seed=0).value == pytest.approx(2 / 2)


# What openai/whisper's EnglishTextNormalizer returns for these (its quirks included); the golden
# vectors (test_golden_vectors.py) hold thousands more.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the cause of it, kinda", "the cause of it kinda"),  # whisper-normalizer 0.1.8+ differs
        ("We gonna go", "we going to go"),
        ("2.0 and 007", "2 and 7"),
        ("and a half", ""),
        ("point hundred", "100"),
        ("the ninth of nine", "the ninth of 9"),  # its ordinal table spells "nineth"
        ("$2 and ¢7", "$2.07"),
        ("I won't go; y'all can't", "i will not go you all can not"),
        ("The colour of honour is grey", "the color of honor is gray"),
    ],
)
def test_english_normaliser_examples(text: str, expected: str) -> None:
    assert WhisperEnglish()(text) == expected


def test_empty_reference_counts_characters_for_cer() -> None:
    result = CER.from_options({"normalizer": "none"}).score("ab c", [""])
    assert result.details["insertions"] == 4 and result.values["cer"] == 1.0
    assert result.flags == ("empty_reference",)
