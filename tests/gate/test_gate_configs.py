"""The shipped gate rules and CI example: they load, and the rules fit the demo's layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from synth import ids, record, write_run

from evals.baseline import load_scores
from evals.config import load_config
from evals.gate import evaluate, load_rules
from evals.plan import make_plan

ROOT = Path(__file__).resolve().parents[2]


def demo_layout() -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
    """task → (backends, metric declarations), read from configs/demo.yaml itself."""
    config = load_config(ROOT / "configs" / "demo.yaml")
    plan = make_plan(config, ROOT / "configs", check_backends=False)
    return {t.name: (t.backends, [m.model_dump() for m in t.metrics]) for t in plan.describe_tasks()}


DEMO = demo_layout()


def demo_run(path: Path) -> Path:
    records = []
    for task, (backends, metrics) in DEMO.items():
        for backend in backends:
            for i, sid in enumerate(ids(20)):
                scores: dict[str, float] = {}
                details: dict[str, Any] = {}
                for m in metrics:
                    right = backend == "oracle" or i % 3 != 0
                    value = float(right) if m["higher_is_better"] else float(not right)
                    scores[m["name"]] = value
                    if m["ratio_of"]:
                        errors, length = m["ratio_of"]
                        details[m["scorer"]] = {errors: 0 if right else 2, length: 10}
                        scores[m["name"]] = 0.0 if right else 0.2
                records.append(
                    record(sid, task=task, backend=backend, scores=scores, details=details, cost=0.0)
                )
    return write_run(path, records, {task: metrics for task, (_, metrics) in DEMO.items()})


def test_the_demo_rules_load_and_every_rule_matches_the_demo(tmp_path: Path) -> None:
    rules = load_rules(ROOT / "configs" / "gates.yaml")
    assert rules.baseline_path() == (ROOT / "reports" / "baselines" / "demo.json.gz").resolve()
    run = load_scores(demo_run(tmp_path / "demo"))
    result = evaluate(rules, run, run)  # the run as its own baseline: everything must pass
    assert result.counts()["pass"] == len(result.checks) and result.exit_code() == 0
    checked = {(c.rule.name, c.task, c.backend, c.metric) for c in result.checks}
    assert ("oracle-sanity", "vqa", "oracle", "vqa_accuracy") in checked
    assert ("ocr-cer", "ocr-receipts", "rapidocr", "cer") in checked
    assert ("speech-wer", "speech", "pocketsphinx", "wer") in checked
    cells = sum(len(backends) for backends, _ in DEMO.values())
    assert sum(1 for c in result.checks if c.rule.name == "errors") == cells  # every task × backend cell
    assert ("tts-intelligibility", "tts-intelligibility", "espeak+whisper", "wer") in checked


def test_the_github_actions_example_runs_the_gate_and_comments() -> None:
    workflow = yaml.safe_load((ROOT / "examples" / "github-actions" / "evals.yml").read_text())
    steps = workflow["jobs"]["gate"]["steps"]
    commands = "\n".join(step.get("run", "") for step in steps)
    assert "run-eval run" in commands and "--cache-dir" in commands
    assert "run-eval gate" in commands and "--markdown" in commands and "--junit" in commands
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("actions/cache/restore") for u in uses)
    assert any(u.startswith("actions/github-script") for u in uses)
