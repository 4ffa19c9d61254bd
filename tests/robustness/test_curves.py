"""Score-against-severity curves, paired drops and relative robustness, on numbers worked out
by hand; the gate's robustness_auc rule on a real run."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.cli.main import main
from evals.gate.robustness import decide_robustness
from evals.gate.rules import Rule
from evals.robustness import Curve, LevelPoint, curves_for_cell, split_id
from evals.rundata import MetricDecl

ACC = MetricDecl(name="acc", higher_is_better=True)
CER = MetricDecl(name="cer", higher_is_better=False)


def _scores(metric: str, table: dict[int, list[float]]) -> dict[str, dict[str, float]]:
    return {
        f"s{i}@blur={level}": {metric: v} for level, values in table.items() for i, v in enumerate(values)
    }


def test_ids_split_into_base_perturbation_and_level() -> None:
    assert split_id("q1@rot=2@blur=3") == ("q1@rot=2", "blur", 3)
    assert split_id("q1@rot=2") is None  # a rotation is not a perturbation
    assert split_id("plain") is None


def test_curve_values_drops_and_auc_by_hand() -> None:
    # Means 1, 0.5, 0 at levels 0..2: area (0.75 + 0.25) over clean 1 × span 2 = 0.5.
    (found,) = curves_for_cell("t", "b", _scores("acc", {0: [1, 1], 1: [1, 0], 2: [0, 0]}), [ACC])
    assert [p.value for p in found.points] == [1.0, 0.5, 0.0]
    assert found.auc == pytest.approx(0.5)
    assert [p.drop for p in found.points] == [None, 0.5, 1.0]
    assert found.points[2].drop_low == found.points[2].drop_high == 1.0  # every pair lost 1
    assert found.n_auc == 2 and found.auc_low is not None and found.auc_low <= 0.5 <= (found.auc_high or 0)


def test_error_rates_are_read_as_goodness_and_drops_as_increases() -> None:
    # CER 0, 0.5, 1.5 → goodness 1, 0.5, 0 (an error rate over 1 counts as nothing right).
    (found,) = curves_for_cell("t", "b", _scores("cer", {0: [0, 0], 1: [0.5, 0.5], 2: [1.5, 1.5]}), [CER])
    assert found.auc == pytest.approx(0.5)
    assert [p.drop for p in found.points[1:]] == [0.5, 1.5]


def test_without_a_clean_level_there_is_a_curve_but_no_auc_or_drop() -> None:
    (found,) = curves_for_cell("t", "b", _scores("acc", {2: [1, 0], 4: [0, 0]}), [ACC])
    assert found.auc is None and all(p.drop is None for p in found.points)
    decision = decide_robustness(Rule(task="t", backend="b", metric="robustness_auc", min=0.5), found)
    assert decision.verdict == "inconclusive"


def _curve(auc: float, drop: tuple[float, float, float]) -> Curve:
    points = [LevelPoint(0, 50, 0.9, 0.85, 0.95), LevelPoint(1, 50, 0.8, 0.7, 0.9, *drop, 50)]
    return Curve("t", "b", "blur", "acc", True, points, auc, auc - 0.05, auc + 0.05, 50)


@pytest.mark.parametrize(
    ("rule", "curve", "verdict"),
    [
        ({"min": 0.8}, _curve(0.7, (0.1, 0.05, 0.15)), "fail"),
        ({"min": 0.6}, _curve(0.7, (0.1, 0.05, 0.15)), "pass"),
        ({"max_drop": 0.2}, _curve(0.9, (0.1, 0.05, 0.15)), "pass"),
        ({"max_drop": 0.02}, _curve(0.9, (0.1, 0.05, 0.15)), "regression"),
        ({"max_drop": 0.1}, _curve(0.9, (0.1, 0.05, 0.15)), "inconclusive"),
        ({"min": 0.5, "max_drop": 0.2}, _curve(0.9, (0.1, 0.05, 0.15)), "pass"),
    ],
)
def test_robustness_rule_verdicts(rule: dict[str, float], curve: Curve, verdict: str) -> None:
    decided = decide_robustness(Rule(task="t", backend="b", metric="robustness_auc", **rule), curve)
    assert decided.verdict == verdict


def test_robustness_rule_refuses_mixing_and_max() -> None:
    with pytest.raises(ValueError, match="robustness only"):
        Rule(task="t", backend="b", metric=["robustness_auc", "acc"], min=0.5)
    with pytest.raises(ValueError, match="not max"):
        Rule(task="t", backend="b", metric="robustness_auc", max=0.5)


def test_oracle_sweep_report_and_gate(
    image_dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    args = ["run", str(image_dataset), "--backends", "oracle", "--limit", "4", "--quiet", "--out", str(out)]
    assert main([*args, "--perturb", "blur=0..2"]) == 0
    report = (out / "report.md").read_text()
    assert "### Robustness and hallucination" in report and "blur: exact\\_match by severity" in report
    assert (out / "plots/robustness-items-blur.png").is_file()
    assert "robustness-items-blur.png" in (out / "report.html").read_text()
    # The run config's perturbations are part of the run: rescoring sees the same requests.
    assert main(["rescore", str(out), "--out", str(tmp_path / "rescored")]) == 0
    rules = tmp_path / "gates.yaml"
    rules.write_text(
        "rules:\n  - {task: items, backend: oracle, metric: robustness_auc, min: 0.99, max_drop: 0.01}\n"
    )
    capsys.readouterr()
    assert main(["gate", str(out), "--rules", str(rules)]) == 0  # the oracle loses nothing
    rules.write_text("rules:\n  - {task: items, backend: oracle, metric: robustness_auc, min: 1.01}\n")
    assert main(["gate", str(out), "--rules", str(rules)]) == 1
    rules.write_text("rules:\n  - {task: other, backend: oracle, metric: robustness_auc, min: 0.5}\n")
    assert main(["gate", str(out), "--rules", str(rules)]) == 2
