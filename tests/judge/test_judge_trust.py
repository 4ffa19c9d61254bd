"""The judges' own trust figures: agreement with human labels, position consistency of a
pairwise judge, and the statistics themselves against hand calculations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from judge_support import TASKS, describe_task, judged_config
from runs import options

from evals.agreement import (
    PAIRED,
    accuracy,
    alpha_interval,
    batch_statistic,
    cohen_kappa,
    krippendorff_alpha,
    paired_interval,
    spearman,
)
from evals.session import start_run
from evals.testing.fake_provider import FakeJudge, FakeProvider

# ---- the statistics, by hand -----------------------------------------------------------------


def test_cohen_kappa_matches_a_hand_calculation() -> None:
    # 10 items, two raters, labels 0/1. Agreement: 7 of 10 (p_o = 0.7).
    a = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    b = [1, 1, 1, 1, 0, 0, 0, 0, 1, 1]
    # Rater a says 1 on 5/10, rater b on 6/10: p_e = 0.5·0.6 + 0.5·0.4 = 0.5; κ = (0.7-0.5)/0.5.
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert accuracy(a, b) == pytest.approx(0.7)


def test_quadratic_weighted_kappa_matches_a_hand_calculation() -> None:
    # Labels 1..3. Pairs: (1,1) (2,2) (3,3) (1,2) (3,2) (2,1).
    a = [1, 2, 3, 1, 3, 2]
    b = [1, 2, 3, 2, 2, 1]
    # Weights w = (i-j)²/(k-1)² with k = 3: 0 on the diagonal, 0.25 one apart, 1 two apart.
    # Observed disagreement: three pairs one apart, 3·0.25/6 = 0.125.
    # Marginals: a = (2, 2, 2)/6, b = (2, 3, 1)/6; expected = Σ pa_i·pb_j·w_ij
    #   = (1/3)·[(2·0 + 3·.25 + 1·1) + (2·.25 + 3·0 + 1·.25) + (2·1 + 3·.25 + 1·0)]/6
    #   = (1/3)·(1.75 + 0.75 + 2.75)/6 = 5.25/18 = 0.291666…
    expected = 1 - 0.125 / (5.25 / 18)
    assert cohen_kappa(a, b, weights="quadratic") == pytest.approx(expected)


def test_spearman_matches_a_hand_calculation() -> None:
    a = [1, 2, 3, 4, 5]
    b = [2, 1, 4, 3, 5]
    # No ties: ρ = 1 - 6Σd²/(n(n²-1)); d = (-1, 1, -1, 1, 0), Σd² = 4; ρ = 1 - 24/120 = 0.8.
    assert spearman(a, b) == pytest.approx(0.8)
    assert spearman([1, 1, 1], [1, 2, 3]) != spearman([1, 1, 1], [1, 2, 3])  # undefined: NaN


def test_krippendorff_alpha_matches_a_hand_calculation() -> None:
    # Two raters, four items, nominal values; rater 2 misses item 4 (not pairable: dropped).
    ratings = [[1, 1, 2, 2], [1, 2, 2, None]]
    # Pairable values: item1 (1,1), item2 (1,2), item3 (2,2): n = 6 values; n_1 = 3, n_2 = 3.
    # Coincidences: o_11 = 2, o_22 = 2, o_12 = o_21 = 1. D_o = (o_12 + o_21)/n = 2/6.
    # D_e = (n_1·n_2 + n_2·n_1)/(n(n-1)) = 18/30. α = 1 - D_o/D_e = 1 - (1/3)/(3/5) = 4/9.
    assert krippendorff_alpha(ratings, level="nominal") == pytest.approx(4 / 9)


def test_intervals_are_seeded_and_bracket_the_value() -> None:
    a = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 2, 3]
    b = [1, 2, 3, 5, 4, 2, 2, 3, 4, 4, 2, 1]
    first = paired_interval("spearman", a, b, seed=3, resamples=300)
    again = paired_interval("spearman", a, b, seed=3, resamples=300)
    assert first == again and first.low <= first.value <= first.high and first.n == 12
    alpha = alpha_interval([a, b], seed=3, resamples=200)
    assert alpha.low <= alpha.value <= alpha.high and alpha.n == 12


@pytest.mark.parametrize("statistic", ["accuracy", "cohen_kappa", "weighted_kappa", "spearman"])
def test_the_batched_resample_statistics_equal_the_libraries(statistic: str) -> None:
    """The bootstrap computes its resamples in one batch; each must equal the library's value."""
    rng = np.random.default_rng(11)
    left = rng.integers(1, 6, size=(300, 25)).astype(np.float64)
    right = np.clip(left + rng.integers(-1, 2, size=(300, 25)), 1, 5).astype(np.float64)
    left[0] = right[0] = 3.0  # one undefined row: NaN on both sides
    batched = batch_statistic(statistic, left, right)  # type: ignore[arg-type]
    one_by_one = np.array([PAIRED[statistic](x, y) for x, y in zip(left, right, strict=True)])
    assert np.allclose(batched, one_by_one, equal_nan=True, atol=1e-12)


# ---- in a run --------------------------------------------------------------------------------


def test_agreement_with_human_labels_matches_a_recalculation_from_the_journal(tmp_path: Path) -> None:
    """The built-in describe-labelled task: the oracle replays candidates with known errors."""
    with FakeProvider(answer=FakeJudge()) as fake:
        cfg = judged_config(
            [TASKS / "describe-labelled.yaml"],
            fake,
            backends=[{"name": "oracle", "type": "oracle"}],
            limit=60,
        )
        outcome = start_run(cfg, TASKS, options(tmp_path))
    [summary] = outcome.summary.judging
    figures = {f.statistic: f for f in summary.agreement}
    assert set(figures) == {"weighted_kappa", "spearman"}
    records = sorted(outcome.rundir.records(), key=lambda r: r.sample_id)
    judged = [float(r.details["judge"]["verdicts"]["judge"]["value"]) for r in records]  # type: ignore[index, call-overload, arg-type]
    human = [float(r.metadata["human_score"]) for r in records]  # type: ignore[arg-type]
    assert figures["weighted_kappa"].value == pytest.approx(cohen_kappa(judged, human, weights="quadratic"))
    assert figures["spearman"].value == pytest.approx(spearman(judged, human))
    for figure in figures.values():
        assert figure.n == 60 and figure.ci_low is not None and figure.ci_high is not None
        assert figure.ci_low <= figure.value <= figure.ci_high  # type: ignore[operator]
    # The fake judge catches invented objects and wrong colours but not miscounts: it agrees,
    # imperfectly, and its misses are listed as disagreements with the human label.
    assert 0.2 < figures["spearman"].value < 1.0  # type: ignore[operator]
    assert summary.disagreements and all("human" in d.values for d in summary.disagreements)


def test_pass_fail_agreement_is_accuracy_and_kappa(tmp_path: Path) -> None:
    task = describe_task(
        tmp_path,
        [{"name": "judge", "options": {"mode": "pass_fail", "rubric": "faithfulness"}}],
        labelled=True,
    )
    with FakeProvider(answer=FakeJudge()) as fake:
        cfg = judged_config([task], fake, backends=[{"name": "oracle", "type": "oracle"}], limit=50)
        outcome = start_run(cfg, tmp_path, options(tmp_path))
    [summary] = outcome.summary.judging
    figures = {f.statistic: f for f in summary.agreement}
    records = sorted(outcome.rundir.records(), key=lambda r: r.sample_id)
    judged = [float(r.details["judge"]["value"]) for r in records]  # type: ignore[arg-type]
    human = [1.0 if r.metadata["human_pass"] else 0.0 for r in records]
    assert figures["accuracy"].value == pytest.approx(accuracy(judged, human))
    assert figures["cohen_kappa"].value == pytest.approx(cohen_kappa(judged, human))
    assert figures["accuracy"].note == "against human_pass"


def test_a_judge_that_always_prefers_the_first_answer_has_no_position_consistency(tmp_path: Path) -> None:
    task = describe_task(tmp_path, [{"name": "judge_pairwise", "options": {"rubric": "faithfulness"}}])
    with FakeProvider(answer=FakeJudge(prefer_first=True)) as fake:
        outcome = start_run(judged_config([task], fake), tmp_path, options(tmp_path))
    [summary] = outcome.summary.judging
    assert summary.position_consistency == pytest.approx(0.0)
    [rate] = summary.win_rates
    # Every verdict flips with the order, so both orders cancel into ties: no winner is made up.
    assert rate.ties == rate.n == 20 and rate.win_rate == pytest.approx(0.5)
    assert rate.position_consistency == pytest.approx(0.0)
    records = outcome.rundir.read_pairwise()
    assert all(r.a_first.winner == "first" and r.b_first.winner == "first" for r in records)
    assert all(r.outcome == "tie" and r.consistent is False for r in records)


def test_pairwise_agreement_with_human_preferences(tmp_path: Path) -> None:
    """Rows that name the better backend: the judge's outcomes are compared with them."""
    import json

    rows = []
    folder = Path(__file__).resolve().parents[2] / "datasets" / "describe"
    for i, line in enumerate((folder / "samples.jsonl").read_text().splitlines()[:12]):
        row = json.loads(line)
        (tmp_path / row["image"]).parent.mkdir(exist_ok=True)
        (tmp_path / row["image"]).write_bytes((folder / row["image"]).read_bytes())
        row["human_preference"] = "oracle" if i % 4 else "majority"  # one in four disagrees
        rows.append(row)
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    task = tmp_path / "prefs.yaml"
    task.write_text(
        json.dumps(
            {
                "name": "prefs",
                "kind": "custom",
                "dataset": {
                    "source": "jsonl",
                    "path": str(data),
                    "target": "answer",
                    "images": ["image"],
                    "metadata": ["scene", "human_preference"],
                },
                "prompt": {"parts": [{"image": "image"}, {"text": "{{ question }}"}]},
                "scorers": [{"name": "judge_pairwise", "options": {"rubric": "faithfulness"}}],
            }
        )
    )
    with FakeProvider(answer=FakeJudge()) as fake:
        outcome = start_run(judged_config([task], fake, limit=None), tmp_path, options(tmp_path))
    [summary] = outcome.summary.judging
    figures = {f.statistic: f for f in summary.agreement}
    records = sorted(outcome.rundir.read_pairwise(), key=lambda r: r.sample_id)
    judged = [{"a": "oracle", "b": "majority"}.get(r.outcome or "", "tie") for r in records]
    human = [r.human_preference for r in records]
    assert figures["accuracy"].value == pytest.approx(
        sum(j == h for j, h in zip(judged, human, strict=True)) / 12
    )
    assert figures["accuracy"].n == 12
