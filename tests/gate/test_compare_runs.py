"""`run-eval compare` on runs made by the real runner: paired differences with intervals, the
samples that changed (from what to what), samples missing on one side, cost and latency."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals.cli.main import main
from evals.config import RunConfig
from evals.session import RunOptions, start_run

SCRIPTED = "scripted:ScriptedBackend"


@pytest.fixture(scope="module")
def task(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("task")
    rows = [{"id": f"s{i:02d}", "question": f"Say item {i}", "answer": "the cat sat"} for i in range(40)]
    (folder / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    path = folder / "items.yaml"
    path.write_text(
        "name: items\nkind: custom\n"
        "dataset: {source: jsonl, path: items.jsonl}\n"
        "prompt:\n  parts:\n    - text: '{{ question }}'\n"
        "scorers: [exact_match, 'scripted:ToyWER']\n"
    )
    return path


def run(task: Path, out: Path, backends: list[dict[str, Any]], limit: int | None = None) -> Path:
    config = RunConfig.model_validate(
        {"name": "cmp", "tasks": [str(task)], "backends": backends, "limit": limit}
    )
    start_run(config, task.parent, RunOptions(out=out, quiet=True, use_cache=False))
    return out


def scripted(name: str, wrong: list[str], cost: float = 0.002, answer: str = "nope") -> dict[str, Any]:
    options = {"wrong": wrong, "cost_per_call": cost, "wrong_answer": answer}
    return {"name": name, "type": SCRIPTED, "options": options}


@pytest.fixture(scope="module")
def runs(task: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("runs")
    run(task, folder / "a", [scripted("model", ["s03", "s07"])])
    wrong_b = ["s03", "s10", "s11", "s12"]
    run(task, folder / "b", [scripted("model", wrong_b, cost=0.003, answer="<b>bold</b> | pipe")], limit=38)
    run(task, folder / "c", [scripted("a", ["s01"]), scripted("b", ["s01", "s02", "s05"])])
    return folder


def test_two_runs_paired_differences_intervals_and_changed_samples(runs: Path) -> None:
    out = runs / "cmp"
    assert main(["compare", str(runs / "a"), str(runs / "b"), "--out", str(out)]) == 0
    data = json.loads((out / "compare.json").read_text())
    (pair,) = data["pairs"]
    assert pair["reference"]["backend"] == pair["candidate"]["backend"] == "model"
    (items,) = pair["tasks"]
    assert items["alignment"]["n_paired"] == 38
    assert items["alignment"]["unpaired_counts"] == {"ok → absent": 2}
    assert {u["sample_id"] for u in items["alignment"]["unpaired"]} == {"s38", "s39"}
    metrics = {m["metric"]: m for m in items["metrics"]}
    exact = metrics["exact_match"]
    assert exact["diff"] == pytest.approx(-2 / 38)
    assert exact["ci_low"] < exact["diff"] < exact["ci_high"]
    assert exact["mcnemar"] == {"lost": 3, "gained": 1, "p_value": pytest.approx(0.625), "method": "exact"}
    changed = {c["sample_id"]: c for c in exact["changed"]}
    assert set(changed) == {"s07", "s10", "s11", "s12"}
    assert changed["s10"]["worse"] and not changed["s07"]["worse"]
    assert (changed["s10"]["reference_prediction"], changed["s10"]["candidate_prediction"]) == (
        "the cat sat",
        "<b>bold</b> | pipe",
    )
    wer = metrics["toy_wer"]
    assert wer["statistic"] == "ratio" and not wer["higher_is_better"]
    assert wer["reference"] == pytest.approx(6 / 114) and wer["candidate"] == pytest.approx(12 / 114)
    assert wer["worse_by"] == pytest.approx(6 / 114) and wer["ci_low"] <= wer["diff"] <= wer["ci_high"]
    cost = next(o for o in items["operations"] if o["metric"] == "cost_per_sample_usd")
    assert cost["diff"] == pytest.approx(0.001) and cost["ci_low"] == cost["ci_high"] == pytest.approx(0.001)
    assert {o["metric"] for o in items["operations"]} == {
        "cost_per_sample_usd",
        "latency_p50",
        "latency_p95",
        "error_rate",
    }
    markdown = (out / "compare.md").read_text()
    assert "s10" in markdown and "1.0000 → 0.0000" in markdown and "ok → absent" in markdown
    assert "\\| pipe" in markdown and "<b>" not in markdown
    html = (out / "compare.html").read_text()
    assert "&lt;b&gt;bold&lt;/b&gt; | pipe" in html and "<b>bold" not in html
    assert "http" not in html.replace("http-equiv", "")  # self-contained: no links out


def test_backends_of_one_run_and_named_columns(runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(runs / "c"), "--backends", "a,b"]) == 0
    text = capsys.readouterr().out
    assert "· a → " in text and "· b" in text
    assert "2 (2 worse, 0 better)" in text  # s02 and s05 turned wrong
    assert main(["compare", f"{runs / 'a'}:model", f"{runs / 'c'}:b", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    exact = data["pairs"][0]["tasks"][0]["metrics"][0]
    assert (
        exact["mcnemar"]["lost"] == 3 and exact["mcnemar"]["gained"] == 2
    )  # s01, s02, s05 lost; s03, s07 gained
    assert main(["compare", str(runs / "c")]) == 2  # one run needs --backends
    assert main(["compare", str(runs / "c"), "--backends", "a,zzz"]) == 2


def test_backends_on_one_side_only_are_named_not_dropped(
    task: Path, runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(task, tmp_path / "d", [scripted("model", ["s03"]), scripted("extra", ["s01"])], limit=10)
    assert main(["compare", str(runs / "a"), str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "backends only in the candidate" in out and "extra" in out, out[:3000]
