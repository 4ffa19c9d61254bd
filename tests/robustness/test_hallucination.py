"""Hallucination probes: the generator's balance, the scorer's rules, and runs where the
answers are known — the oracle (all right), always-yes (yes-bias exactly 0.5) and a fake
provider that says yes only when led (the leading − neutral gap is 1)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from evals.cli.main import main
from evals.generators.hallucination import CYCLE, HallucinationParams, HallucinationProbes
from evals.scorers.hallucination import Hallucination, refuses_premise
from evals.testing.fake_provider import FakeConfig, FakeProvider
from evals.testing.fake_provider.request import FakeRequest

TASK = Path(__file__).resolve().parents[2] / "tasks" / "hallucination.yaml"


def test_probes_are_balanced_and_absent_objects_are_absent() -> None:
    generator = HallucinationProbes(HallucinationParams())
    rows = [generator.row(0, i) for i in range(4 * CYCLE)]
    existence = [r for r in rows if r["probe"] == "existence"]
    assert Counter(r["answer"] for r in existence) == {"yes": 24, "no": 24}
    assert Counter((r["setting"], r["phrasing"]) for r in existence) == {
        (s, p): 8 for s in ("random", "popular", "adversarial") for p in ("neutral", "leading")
    }
    assert sum(r["probe"] == "false_premise" for r in rows) == 16
    assert generator.row(0, 5)["image"]() == generator.row(0, 5)["image"]()  # same seed, same scene
    for row in rows:
        things = row["image"].args[0]  # the scene the picture is drawn from
        kinds = {f"{t.colour} {t.shape}" for t in things}
        if row["probe"] == "false_premise":
            assert row["object"] not in {t.shape for t in things}
        else:
            assert (row["object"] in kinds) == (row["answer"] == "yes")
        if row["setting"] == "adversarial" and row["answer"] == "no":
            shapes = Counter(t.shape for t in things)
            assert row["object"].split()[1] == shapes.most_common(1)[0][0]  # co-occurs with the scene


@pytest.mark.parametrize(
    ("answer", "refused"),
    [
        ("There is no star.", True),
        ("I don't see a star", True),
        ("None.", True),
        ("Red.", False),
        ("Yes.", False),
    ],
)
def test_false_premise_rule(answer: str, refused: bool) -> None:
    assert refuses_premise(answer) is refused


def test_scorer_metrics_per_probe() -> None:
    scorer = Hallucination.from_options({})
    absent = {"probe": "existence", "truth": "no"}
    assert scorer.score("Yes, there is.", ["no"], metadata=absent).values == {
        "hallucination_accuracy": 0.0, "yes_bias": 1.0, "hallucination_rate": 1.0,
    }  # fmt: skip
    present = scorer.score("No.", ["yes"], metadata={"probe": "existence", "truth": "yes"}).values
    assert present == {"hallucination_accuracy": 0.0, "yes_bias": -1.0}  # no rate: nothing absent
    premise = scorer.score(
        "It is blue.", ["There is no star"], metadata={"probe": "false_premise", "truth": "absent"}
    )
    assert premise.values == {"hallucination_accuracy": 0.0, "hallucination_rate": 1.0}


def _summary(out: Path) -> dict[tuple[str, str], dict[str, float]]:
    data = json.loads((out / "summary.json").read_text())
    return {
        (c["task"], c["backend"]): {k: v["value"] for k, v in c["metrics"].items()} for c in data["cells"]
    }


def test_oracle_is_perfect_and_always_yes_shows_the_yes_bias_exactly(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = [
        "run",
        str(TASK),
        "--backends",
        "oracle,always-yes",
        "--limit",
        "64",
        "--quiet",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    found = _summary(out)
    assert found[("hallucination", "oracle")] == {
        "hallucination_accuracy": 1.0, "hallucination_rate": 0.0, "yes_bias": 0.0,
    }  # fmt: skip
    yes = found[("hallucination", "always-yes")]
    assert yes["yes_bias"] == 0.5  # says yes to all; half the existence references are yes
    assert yes["hallucination_rate"] == 1.0  # every absent object "seen", every premise accepted
    assert yes["hallucination_accuracy"] == 6 / 16  # only the present-object questions are right
    info = json.loads((out / "run.json").read_text())
    assert {b["name"]: b["kind"] for b in info["backends"]}["always-yes"] == "baseline"


def _suggestible(request: FakeRequest) -> str:
    led = "isn't there" in request.text or "The two" in request.text
    return "Yes, it is there." if led else "No, I don't see it."


@pytest.fixture
def suggestible() -> FakeProvider:
    with FakeProvider(config=FakeConfig(), answer=_suggestible) as server:
        yield server


def test_fake_provider_run_reports_the_leading_minus_neutral_gap(
    suggestible: FakeProvider, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    config = tmp_path / "run.yaml"
    config.write_text(
        f"name: halluc\ntasks: [{TASK}]\nlimit: 32\n"
        f"backends: [{{name: gpt, type: openai, model: gpt-4o, base_url: '{suggestible.openai_url}'}}]\n"
    )
    assert main(["run", str(config), "--quiet", "--out", str(out), "--no-cache"]) == 0
    report = (out / "report.md").read_text()
    assert "leading − neutral" in report
    data = json.loads((out / "summary.json").read_text())
    (cell,) = data["cells"]
    by_phrasing = cell["breakdowns"]["phrasing"]
    assert by_phrasing["leading"]["metrics"]["hallucination_rate"]["value"] == 1.0
    assert by_phrasing["neutral"]["metrics"]["hallucination_rate"]["value"] == 0.0
    assert "| gpt | 0 | 1 | 1 " in report.replace(".000", "")
