"""The gate fails on a real regression and not on noise: verdicts on synthetic per-sample scores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from synth import ACC, SCORE, WER, binary_pair, ids, record, rules_file, score_records, write_run

from evals.baseline import load_scores
from evals.compare.quantities import Delta, Quantity, Settings
from evals.gate import EXIT_INCONCLUSIVE, EXIT_PASS, EXIT_REGRESSION, GateResult, evaluate, load_rules
from evals.gate.export import result_dict
from evals.gate.verdict import decide
from evals.paired import paired_mean


def gate(
    tmp_path: Path,
    baseline: list[dict[str, Any]],
    current: list[dict[str, Any]],
    rules: str,
    metrics: list[dict[str, Any]] | None = None,
    *,
    strict: bool = False,
) -> GateResult:
    declared = {"t": metrics or [ACC]}
    write_run(tmp_path / "base", baseline, declared)
    write_run(tmp_path / "cur", current, declared)
    loaded = load_rules(rules_file(tmp_path / "gates.yaml", "baseline: base\n" + rules))
    return evaluate(loaded, load_scores(tmp_path / "cur"), load_scores(tmp_path / "base"), strict=strict)


def drop_rule(metric: str = "acc", max_drop: float = 0.02) -> str:
    return f"rules:\n  - {{task: t, backend: m, metric: {metric}, max_drop: {max_drop}}}\n"


def test_a_true_five_point_drop_on_1000_samples_is_a_regression(tmp_path: Path) -> None:
    base, cur = binary_pair(1000, right=800, lost=70, gained=20)  # 0.80 → 0.75
    result = gate(tmp_path, score_records(base), score_records(cur), drop_rule())
    (check,) = result.checks
    assert check.verdict == "regression"
    assert check.delta is not None and check.delta.mcnemar is not None
    worse, low, high = check.delta.worse_by()
    assert worse == pytest.approx(0.05)
    assert 0.02 < low < 0.05 < high
    assert (check.delta.mcnemar.lost, check.delta.mcnemar.gained) == (70, 20)
    assert check.delta.mcnemar.p_value < 1e-6
    assert result.exit_code() == EXIT_REGRESSION


def test_a_one_point_wobble_on_50_samples_is_inconclusive_not_a_regression(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    base = rng.uniform(0.3, 0.9, size=50)
    noise = rng.normal(0, 0.06, size=50)
    cur = base - 0.01 + (noise - noise.mean())  # exactly one point lower on average
    result = gate(
        tmp_path,
        score_records(base.tolist(), "score"),
        score_records(cur.tolist(), "score"),
        drop_rule("score"),
        [SCORE],
    )
    (check,) = result.checks
    assert check.verdict == "inconclusive"
    assert check.delta is not None and check.delta.worse_by()[0] == pytest.approx(0.01)
    assert check.decision.mde is not None and check.decision.mde > 0.02
    assert check.decision.n_needed is not None and check.decision.n_needed > 50
    assert (
        "smallest change" in check.decision.message
        and "paired samples would resolve" in check.decision.message
    )
    assert result.exit_code() == EXIT_PASS  # inconclusive passes with a warning...
    strict = gate(
        tmp_path,
        score_records(base.tolist(), "score"),
        score_records(cur.tolist(), "score"),
        drop_rule("score"),
        [SCORE],
        strict=True,
    )
    assert strict.exit_code() == EXIT_INCONCLUSIVE  # ...and fails with --strict


def test_one_right_answer_lost_on_50_samples_is_inconclusive(tmp_path: Path) -> None:
    base, cur = binary_pair(50, right=40, lost=2, gained=1)
    result = gate(tmp_path, score_records(base), score_records(cur), drop_rule(max_drop=0.0))
    assert [c.verdict for c in result.checks] == ["inconclusive"]


def test_identical_runs_pass_even_on_few_samples(tmp_path: Path) -> None:
    base, _ = binary_pair(50, right=35, lost=0, gained=0)
    words = [{"errors": i % 3, "words": 5 + i % 7} for i in range(50)]
    records = [
        record(sid, scores={"acc": a, "wer": w["errors"] / w["words"]}, details={"wer": w})
        for sid, a, w in zip(ids(50), base, words, strict=True)
    ]
    rules = (
        "rules:\n"
        "  - {task: t, backend: m, metric: [acc, wer], max_drop: 0.0}\n"
        "  - {task: t, backend: m, metric: cost_per_sample_usd, max_drop: 0.0}\n"
    )
    result = gate(tmp_path, records, records, rules, [ACC, WER])
    assert [(c.metric, c.verdict) for c in result.checks] == [
        ("acc", "pass"),
        ("wer", "pass"),
        ("cost_per_sample_usd", "pass"),
    ]
    assert result.exit_code() == EXIT_PASS


def test_absolute_bounds_on_cost_latency_and_errors_trip_when_crossed(tmp_path: Path) -> None:
    scores = [1.0] * 300
    slow = [
        record(sid, scores={"acc": 1.0}, cost=0.01, latency=6.0 if i % 10 == 0 else 1.0)
        for i, sid in enumerate(ids(300))
    ]
    slow[0] = record(slow[0].sample_id, status="error")
    slow[1] = record(slow[1].sample_id, status="error")
    rules = (
        "rules:\n"
        "  - {name: budget, task: t, backend: m, metric: cost_usd, max: 2.0}\n"
        "  - {name: p95, task: t, backend: m, metric: latency_p95, max: 5.0}\n"
        "  - {name: p50, task: t, backend: m, metric: latency_p50, max: 5.0}\n"
        "  - {name: errors, task: t, backend: m, metric: error_rate, max: 0.005}\n"
        "  - {name: quality, task: t, backend: m, metric: acc, min: 0.9}\n"
    )
    result = gate(tmp_path, score_records(scores), slow, rules)
    verdicts = {c.rule.name: c.verdict for c in result.checks}
    assert verdicts == {"budget": "fail", "p95": "fail", "p50": "pass", "errors": "fail", "quality": "pass"}
    budget = next(c for c in result.checks if c.rule.name == "budget")
    assert budget.value == pytest.approx(2.98) and "above the maximum" in budget.decision.message
    assert result.exit_code() == EXIT_REGRESSION
    cheap = [record(sid, scores={"acc": 1.0}, cost=0.001, latency=1.0) for sid in ids(300)]
    assert gate(tmp_path, cheap, cheap, rules).counts() == {
        "pass": 5,
        "regression": 0,
        "fail": 0,
        "inconclusive": 0,
    }


def _utterances(short_errors: int, long_errors: int) -> list[dict[str, Any]]:
    out = []
    for i, sid in enumerate(ids(1000)):
        errors, words = (long_errors, 40) if i % 4 == 0 else (short_errors, 3)
        out.append(
            record(sid, scores={"wer": errors / words}, details={"wer": {"errors": errors, "words": words}})
        )
    return out


def test_wer_regression_is_judged_on_the_corpus_ratio_resampling_utterances(tmp_path: Path) -> None:
    # Short utterances improve (1 → 0 errors), long ones get much worse (2 → 8 of 40 words):
    # the mean WER per utterance falls from 0.26 to 0.05, but corpus WER rises 0.10 → 0.16.
    base, cur = _utterances(1, 2), _utterances(0, 8)
    result = gate(tmp_path, base, cur, drop_rule("wer", 0.02), [WER])
    (check,) = result.checks
    assert check.delta is not None and check.delta.stat.statistic == "ratio"
    assert check.baseline_value == pytest.approx(
        1250 / 12250
    )  # 750·1 + 250·2 errors over 750·3 + 250·40 words
    assert check.value == pytest.approx(2000 / 12250)
    assert check.verdict == "regression"
    assert len(check.delta.changed) == 1000 and sum(c.worse for c in check.delta.changed) == 250
    improved = gate(tmp_path, cur, base, drop_rule("wer", 0.0), [WER])
    assert improved.checks[0].verdict == "pass"


def test_mcnemar_guards_against_calling_a_few_changed_answers_a_regression(tmp_path: Path) -> None:
    base, cur = binary_pair(50, right=40, lost=5, gained=0)
    (check,) = gate(tmp_path, score_records(base), score_records(cur), drop_rule(max_drop=0.0)).checks
    assert check.delta is not None and check.delta.worse_by()[1] > 0  # the bootstrap alone would fail it
    assert check.verdict == "inconclusive" and "McNemar" in check.decision.message  # exact p = 0.0625
    base, cur = binary_pair(50, right=40, lost=10, gained=0)
    (check,) = gate(tmp_path, score_records(base), score_records(cur), drop_rule(max_drop=0.0)).checks
    assert check.verdict == "regression"  # p = 2 / 1024


def test_missing_and_failed_samples_are_reported_not_dropped(tmp_path: Path) -> None:
    base = score_records([1.0] * 100)
    cur = [r for r in score_records([1.0] * 105) if not "s0090" <= r.sample_id <= "s0099"]
    cur[5] = record("s0005", status="error")
    result = gate(tmp_path, base, cur, drop_rule())
    (check,) = result.checks
    assert check.alignment is not None and check.delta is not None
    assert check.delta.stat.n == 89
    assert check.alignment.unpaired_counts() == {"absent → ok": 5, "ok → absent": 10, "ok → error": 1}
    assert any("16 samples not paired" in note for note in check.notes)
    listed = result_dict(result)["checks"][0]["alignment"]["unpaired"]
    assert {"sample_id": "s0005", "reference": "ok", "candidate": "error"} in listed
    assert {u["sample_id"] for u in listed} >= {"s0090", "s0099", "s0100", "s0104"}


def test_same_inputs_same_verdicts_and_numbers(tmp_path: Path) -> None:
    base, cur = binary_pair(400, right=300, lost=25, gained=12)
    first = result_dict(gate(tmp_path, score_records(base), score_records(cur), drop_rule()))
    second = result_dict(gate(tmp_path, score_records(base), score_records(cur), drop_rule()))
    assert first["checks"] == second["checks"]


def test_pseudo_metric_regressions_and_what_the_baseline_lacks(tmp_path: Path) -> None:
    base = [
        record(sid, scores={"acc": 1.0}, cost=0.001, latency=1.0 + (i % 7) / 10)
        for i, sid in enumerate(ids(200))
    ]
    cur = [
        record(sid, scores={"acc": 1.0}, cost=0.002, latency=2.0 + (i % 7) / 10)
        for i, sid in enumerate(ids(200))
    ]
    rules = (
        "rules:\n"
        "  - {task: t, backend: m, metric: cost_per_sample_usd, max_drop: 0.0005}\n"
        "  - {task: t, backend: m, metric: latency_p95, max_drop: 0.5}\n"
        "  - {task: t, backend: m, metric: error_rate, max_drop: 0.01}\n"
    )
    result = gate(tmp_path, base, cur, rules)
    assert [c.verdict for c in result.checks] == ["regression", "regression", "pass"]
    write_run(tmp_path / "other", [record(sid, task="u") for sid in ids(5)], {"u": [ACC]})
    loaded = load_rules(
        rules_file(tmp_path / "g2.yaml", "rules:\n  - {task: t, backend: m, metric: acc, max_drop: 0.01}\n")
    )
    lacking = evaluate(loaded, load_scores(tmp_path / "cur"), load_scores(tmp_path / "other"))
    assert (
        lacking.checks[0].verdict == "inconclusive"
        and "not in the baseline" in lacking.checks[0].decision.message
    )
    # The console's closing warning says the real reason, not "too few samples" (issue 16).
    from io import StringIO

    from rich.console import Console

    from evals.gate.console import print_result

    text = StringIO()
    print_result(lacking, Console(file=text, width=200))
    warning = text.getvalue().strip().splitlines()[-1]
    assert "1 not in the baseline" in warning and "too few samples" not in warning, warning


def _verdicts(true_drop: float, trials: int) -> list[str]:
    rng = np.random.default_rng(1234)
    quantity = Quantity("score", "mean", True)
    settings = Settings(resamples=1000)
    out = []
    for trial in range(trials):
        sample = rng.normal(0.6, 0.2, size=200)
        reference = sample + rng.normal(0, 0.1, size=200)
        candidate = sample - true_drop + rng.normal(0, 0.1, size=200)
        stat = paired_mean(reference, candidate, seed=trial, resamples=1000)
        out.append(decide(Delta(quantity, stat, settings), 0.0).verdict)
    return out


def test_noise_rarely_fails_the_gate_and_a_real_drop_almost_always_does() -> None:
    noise = _verdicts(0.0, 80)
    assert noise.count("regression") <= 5  # at most (1 − 0.95) / 2 expected: 2 of 80
    drop = _verdicts(0.05, 40)  # five standard errors
    assert drop.count("regression") >= 38
