"""DER and JER: the scorers' corpus figures equal pyannote.metrics accumulated over the same files."""

from __future__ import annotations

import random

import pytest
from speech_support import as_lines, declared, jitter, random_turns, record

from evals.aggregate import metric_summary
from evals.errors import InputError
from evals.scorers.diarization import DER, JER, annotation
from evals.scoring import ScorerFailed, build_scorer
from evals.segments import Segment, SegmentError, parse_segments, to_rttm


def corpus(seed: int, files: int, overlap: bool) -> list[tuple[list[Segment], list[Segment]]]:
    rng = random.Random(seed)
    pairs = []
    for _ in range(files):
        reference = random_turns(rng, rng.randint(2, 4), rng.randint(3, 12), overlap=overlap)
        pairs.append((reference, jitter(rng, reference, relabel=rng.uniform(0.0, 0.5))))
    return pairs


@pytest.mark.parametrize(
    ("collar", "skip_overlap", "overlap"),
    [(0.0, False, False), (0.25, False, True), (0.5, True, True), (0.0, True, True)],
)
@pytest.mark.parametrize("metric_name", ["der", "jer"])
def test_corpus_value_equals_pyannote_accumulated(
    metric_name: str, collar: float, skip_overlap: bool, overlap: bool
) -> None:
    from pyannote.metrics.diarization import DiarizationErrorRate, JaccardErrorRate

    options = {"collar": collar, "skip_overlap": skip_overlap}
    scorer = build_scorer(metric_name, options)
    direct = (DiarizationErrorRate if metric_name == "der" else JaccardErrorRate)(**options)
    records = []
    for index, (reference, hypothesis) in enumerate(corpus(7, 25, overlap)):
        # the reference as RTTM, the answer as plain lines: both spellings are read
        score = scorer.score(as_lines(hypothesis), [to_rttm(reference, f"f{index}")])
        records.append(record(scorer, score, f"f{index}"))
        alone = direct(annotation(reference), annotation(hypothesis))
        assert score.values[metric_name] == pytest.approx(alone, abs=1e-9)
    summary = metric_summary(records, declared(scorer), seed=0)
    assert summary.aggregation == "corpus" and summary.n == 25
    assert summary.value == pytest.approx(abs(direct), abs=1e-9)
    assert summary.ci_low is not None and summary.ci_high is not None
    assert summary.ci_low <= summary.value <= summary.ci_high
    assert f"collar {collar:g} s, skip_overlap {skip_overlap}" in scorer.metrics[0].description


def test_known_errors() -> None:
    reference = "0 10 A\n10 20 B"
    der = DER()
    perfect = der.score("0 10 x\n10 20 y", [reference])  # labels are mapped optimally
    assert perfect.values["der"] == 0.0 and perfect.details["total"] == 20.0
    confused = der.score("0 20 x", [reference])  # B's 10 s attributed to A's speaker
    assert confused.values["der"] == pytest.approx(0.5) and confused.details["confusion"] == 10.0
    missed = der.score("0 5 x", [reference])
    assert missed.details["missed detection"] == 15.0 and missed.values["der"] == pytest.approx(0.75)
    extra = der.score("0 10 x\n10 20 y\n20 25 y", [reference])
    assert extra.details["false alarm"] == 5.0 and extra.values["der"] == pytest.approx(0.25)
    # JER: A is intact (0); B's 10 s answered as 15 s: 1 - 10/15
    assert JER().score("0 10 x\n10 25 y", [reference]).values["jer"] == pytest.approx((0 + 1 / 3) / 2)


def test_unparsed_answer_is_all_missed_and_bad_reference_fails() -> None:
    scored = DER().score("I think two people spoke.", ["0 10 A"])
    assert scored.flags == ("unparsed",) and scored.values["der"] == 1.0
    with pytest.raises(ScorerFailed, match="reference is not segment lines"):
        DER().score("0 1 A", ["zero to ten: A"])
    with pytest.raises(ScorerFailed, match="no reference"):
        DER().score("0 1 A", [])
    with pytest.raises(InputError, match="collar"):
        build_scorer("der", {"collar": -1})


def test_segment_lines() -> None:
    rttm = "SPEAKER conv 1 1.500 2.250 <NA> <NA> S1 <NA> <NA>\n;; comment\n\n# note\n4 5.5 S2"
    assert parse_segments(rttm) == [Segment(1.5, 3.75, "S1"), Segment(4.0, 5.5, "S2")]
    assert parse_segments(to_rttm(parse_segments(rttm), "conv")) == parse_segments(rttm)
    for bad in ("1 2", "a b c", "3 2 A", "-1 2 A", "SPEAKER x 1 0"):
        with pytest.raises(SegmentError):
            parse_segments(bad)
