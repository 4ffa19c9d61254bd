"""Benchmark headlines as the benchmarks define them, against values worked out by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter

from evals.benchmark_aggregates import (
    AggregateError,
    ScoredRow,
    benchmark_interval,
    benchmark_score,
)
from evals.stats import bootstrap_mean
from evals.task.spec import AggregateSpec

SPEC: TypeAdapter[Any] = TypeAdapter(AggregateSpec)


def spec(**data: Any) -> Any:
    return SPEC.validate_python(data)


def row(sample_id: str, value: float, metric: str = "m", **metadata: Any) -> ScoredRow:
    return ScoredRow(sample_id, metadata, {metric: value})


# CV-Bench: ADE20K 3/4 right, COCO 1/2, Omni3D 2/5.
CV_BENCH_ROWS = (
    [row(f"a{i}", v, source="ADE20K") for i, v in enumerate([1, 1, 1, 0])]
    + [row(f"c{i}", v, source="COCO") for i, v in enumerate([1, 0])]
    + [row(f"o{i}", v, source="Omni3D") for i, v in enumerate([1, 1, 0, 0, 0])]
)
CV_BENCH = spec(
    kind="grouped_mean", metric="m", field="source", groups={"2D": ["ADE20K", "COCO"], "3D": ["Omni3D"]}
)


def test_cv_bench_overall_is_half_of_2d_plus_3d() -> None:
    score = benchmark_score(CV_BENCH, CV_BENCH_ROWS)
    # 2D = (0.75 + 0.5) / 2 = 0.625; 3D = 0.4; overall = (0.625 + 0.4) / 2 = 0.5125
    assert score.value == pytest.approx(0.5125)
    assert score.parts == pytest.approx({"ADE20K": 0.75, "COCO": 0.5, "Omni3D": 0.4, "2D": 0.625, "3D": 0.4})
    assert score.n == 11 and score.unit == "sample"
    # ...which is not the plain mean the task used to report (6/11)
    assert score.value != pytest.approx(6 / 11)


def test_grouped_mean_plain_and_weighted() -> None:
    plain = benchmark_score(spec(kind="grouped_mean", metric="m", field="source"), CV_BENCH_ROWS)
    assert plain.value == pytest.approx((0.75 + 0.5 + 0.4) / 3)
    weighted = spec(
        kind="grouped_mean", metric="m", field="source", weights={"ADE20K": 1, "COCO": 1, "Omni3D": 2}
    )
    assert benchmark_score(weighted, CV_BENCH_ROWS).value == pytest.approx((0.75 + 0.5 + 2 * 0.4) / 4)


def test_a_missing_group_gives_no_headline_and_says_why() -> None:
    score = benchmark_score(CV_BENCH, [r for r in CV_BENCH_ROWS if r.metadata["source"] != "COCO"])
    assert np.isnan(score.value) and "COCO" in score.note
    assert benchmark_interval(CV_BENCH, CV_BENCH_ROWS[:4], seed=1).score.note


def test_an_undeclared_group_is_an_error() -> None:
    with pytest.raises(AggregateError, match="KITTI"):
        benchmark_score(CV_BENCH, [*CV_BENCH_ROWS, row("k", 1, source="KITTI")])


# MME: two subtasks. existence: image a (right, right), b (right, wrong), c (wrong, wrong):
# acc = 3/6 = 50, acc+ = 1/3 = 33.33 -> 83.33. code_reasoning: image d (right, right),
# e (right, wrong): acc = 3/4 = 75, acc+ = 1/2 = 50 -> 125.
MME_ROWS = [
    row(f"{image}{q}", v, category=category, question_id=image)
    for category, image, answers in [
        ("existence", "a", (1, 1)),
        ("existence", "b", (1, 0)),
        ("existence", "c", (0, 0)),
        ("code_reasoning", "d", (1, 1)),
        ("code_reasoning", "e", (1, 0)),
    ]
    for q, v in enumerate(answers)
]
MME = spec(
    kind="acc_plus",
    metric="m",
    subtask="category",
    pair="question_id",
    totals={"perception": ["existence"], "cognition": ["code_reasoning"]},
)


def test_mme_sums_acc_and_acc_plus_per_subtask() -> None:
    score = benchmark_score(MME, MME_ROWS)
    assert score.parts["existence"] == pytest.approx(50 + 100 / 3)
    assert score.parts["code_reasoning"] == pytest.approx(125)
    assert score.parts["perception"] == pytest.approx(83.3333333)
    assert score.parts["cognition"] == pytest.approx(125)
    assert score.value == pytest.approx(208.3333333)
    assert score.n == 5 and score.unit == "image"


def test_mme_subtask_outside_the_totals_is_an_error() -> None:
    with pytest.raises(AggregateError, match="OCR"):
        benchmark_score(MME, [*MME_ROWS, row("z", 1, category="OCR", question_id="z")])


# MMBench circular: q1 right in all 4 rotations, q2 wrong in 1 of 3, q3 right in both.
CIRCULAR_ROWS = [
    row(f"{q}@rot={k}", v, circular_id=q, rotation=k, rotations=len(vs), category=cat)
    for q, cat, vs in [("q1", "ocr", [1, 1, 1, 1]), ("q2", "ocr", [1, 0, 1]), ("q3", "scene", [1, 1])]
    for k, v in enumerate(vs)
]


def test_mmbench_circular_counts_a_question_only_if_every_rotation_is_right() -> None:
    score = benchmark_score(spec(kind="circular", metric="m"), CIRCULAR_ROWS)
    assert score.value == pytest.approx(2 / 3) and score.n == 3 and score.unit == "question"
    by = benchmark_score(spec(kind="circular", metric="m", by="category"), CIRCULAR_ROWS)
    assert by.value == pytest.approx(2 / 3)  # pooled over questions, not a mean of categories
    assert by.parts == pytest.approx({"ocr": 0.5, "scene": 1.0})


def test_circular_notes_questions_with_rotations_missing() -> None:
    score = benchmark_score(spec(kind="circular", metric="m"), CIRCULAR_ROWS[1:])
    assert "1 questions have rotations missing" in score.note


def test_circular_needs_rotations() -> None:
    with pytest.raises(AggregateError, match=r"dataset\.circular"):
        benchmark_score(spec(kind="circular", metric="m"), [row("q", 1)])


# OCRBench: right answers counted, out of 1000.
OCR_ROWS = [
    row(f"r{i}", v, question_type=t)
    for i, (t, v) in enumerate(
        [
            ("Regular Text Recognition", 1),
            ("Regular Text Recognition", 1),
            ("Doc-oriented VQA", 0),
            ("Doc-oriented VQA", 1),
            ("Key Information Extraction", 0),
        ]
    )
]


def test_ocrbench_counts_right_answers_out_of_the_cap() -> None:
    score = benchmark_score(spec(kind="capped_sum", metric="m", cap=1000, by="question_type"), OCR_ROWS)
    assert score.value == 3
    assert score.parts == {
        "Doc-oriented VQA": 1,
        "Key Information Extraction": 0,
        "Regular Text Recognition": 2,
    }
    assert benchmark_score(spec(kind="capped_sum", metric="m", cap=2), OCR_ROWS).value == 2


def test_pope_f1_per_setting_then_their_mean() -> None:
    def labelled(i: int, setting: str, truth: str, said: str | None) -> ScoredRow:
        return ScoredRow(
            f"{setting}{i}", {"category": setting}, {"yes_no": float(truth == said)}, truth, said
        )

    rows = [
        # random: tp 2, fp 1, fn 1 -> F1 = 4 / (4 + 1 + 1) = 2/3
        *(
            labelled(i, "random", t, s)
            for i, (t, s) in enumerate(
                [("yes", "yes"), ("yes", "yes"), ("no", "yes"), ("yes", "no"), ("no", "no")]
            )
        ),
        # adversarial: tp 1, fp 0, fn 1 (an unreadable answer is not a yes) -> F1 = 2 / 3
        *(
            labelled(i, "adversarial", t, s)
            for i, (t, s) in enumerate([("yes", "yes"), ("yes", None), ("no", "no")])
        ),
    ]
    score = benchmark_score(spec(kind="f1_per_group", metric="yes_no", field="category"), rows)
    assert score.parts == pytest.approx({"adversarial": 2 / 3, "random": 2 / 3})
    assert score.value == pytest.approx(2 / 3)


def test_all_of_group_counts_pairs() -> None:
    rows = [
        row(f"{p}{k}", v, pair=p)
        for p, vs in [("a", [1, 1]), ("b", [1, 0]), ("c", [0, 0])]
        for k, v in enumerate(vs)
    ]
    score = benchmark_score(spec(kind="all_of_group", metric="m", group="pair"), rows)
    assert score.value == pytest.approx(1 / 3) and score.n == 3


def test_a_missing_metric_is_an_error_naming_the_sample() -> None:
    with pytest.raises(AggregateError, match=r"'a0'.*'other'"):
        benchmark_score(spec(kind="grouped_mean", metric="other", field="source"), CV_BENCH_ROWS)


def test_circular_interval_resamples_questions_not_rows() -> None:
    """With one stratum, the interval is exactly the bootstrap of the per-question outcomes (the
    same seeded draws evals.stats makes); a bootstrap over rows would differ."""
    rows = [
        row(f"q{q}@rot={k}", float(q % 3 != 0 or k != 1), circular_id=f"q{q}", rotations=4)
        for q in range(40)
        for k in range(4)
    ]
    per_question = [float(q % 3 != 0) for q in range(40)]
    interval = benchmark_interval(spec(kind="circular", metric="m"), rows, seed=7, resamples=500)
    expected = bootstrap_mean(per_question, seed=7, resamples=500)
    assert interval.score.value == pytest.approx(expected.value)
    assert (interval.low, interval.high) == pytest.approx((expected.low, expected.high))
    by_rows = bootstrap_mean([r.values["m"] for r in rows], seed=7, resamples=500)
    assert (by_rows.low, by_rows.high) != pytest.approx((expected.low, expected.high))


def test_interval_is_seeded_and_brackets_the_value() -> None:
    first = benchmark_interval(MME, MME_ROWS * 3, seed=3, resamples=300)
    again = benchmark_interval(MME, MME_ROWS * 3, seed=3, resamples=300)
    assert (first.low, first.high) == (again.low, again.high)
    assert first.low <= first.score.value <= first.high and first.low < first.high
    single = benchmark_interval(CV_BENCH, CV_BENCH_ROWS[:1], seed=3)
    assert np.isnan(single.score.value) and single.resamples == 0
