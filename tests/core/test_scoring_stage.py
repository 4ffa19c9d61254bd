"""The scoring stage: scorers that need an output image or call a judge run through it, judges
are paid for apart from the models, and `rescore` changes scores without asking the models."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from counting_backend import CountingBackend, calls_in
from runs import config, counting, options

from evals.config import RunConfig
from evals.errors import InputError
from evals.plan import make_plan
from evals.rescore import RescoreOptions, rescore
from evals.rundir import RunDir
from evals.session import start_run
from evals.testing.fake_provider import FakeProvider, FakeRequest

ROOT = Path(__file__).resolve().parents[2]


def write_task(folder: Path, scorers: list[Any], *, rows: int = 24, name: str = "grey") -> Path:
    data = folder / "data.jsonl"
    data.write_text(
        "".join(
            json.dumps({"id": f"s{i:02d}", "level": str(i * 10), "answer": str(i * 10)}) + "\n"
            for i in range(rows)
        )
    )
    task = folder / f"{name}.yaml"
    task.write_text(
        json.dumps(
            {
                "name": name,
                "kind": "custom",
                "dataset": {"source": "jsonl", "path": "data.jsonl"},
                "prompt": {"parts": [{"text": "Paint grey level {{ level }}."}]},
                "scorers": scorers,
            }
        )
    )
    return task


def test_a_scorer_that_needs_the_output_image_runs_through_the_stage(tmp_path: Path) -> None:
    task = write_task(tmp_path, ["stage_support:Brightness", "exact_match"])
    cfg = config(task, backends=[{"name": "painter", "type": "stage_support:PainterBackend"}])
    outcome = start_run(cfg, tmp_path, options(tmp_path))
    cell = outcome.summary.cells[0]
    # Ids s00, s05, s10, s15, s20 were painted too bright: 19 of 24 match.
    assert (
        cell.metrics["bright_match"].value == pytest.approx(19 / 24) and cell.metrics["bright_match"].n == 24
    )
    assert cell.metrics["exact_match"].value == 0.0  # the text says "painted …": images were scored
    records = outcome.rundir.records()
    refs = [r.outputs[0] for r in records]
    assert all(ref.kind == "image" and ref.stored and ref.stored.startswith("media/") for ref in refs)
    stored = sorted((outcome.rundir.path / "media").glob("*.png"))
    assert len(stored) == 24 == len({ref.sha256 for ref in refs})  # one file per distinct image
    html = (outcome.rundir.path / "report.html").read_text()
    assert "image produced by painter" in html  # generated images are shown beside the answers


def test_a_backend_that_produces_no_image_is_refused_before_the_run(tmp_path: Path) -> None:
    task = write_task(tmp_path, ["stage_support:Brightness"])
    cfg = config(task, backends=[counting()])
    with pytest.raises(InputError, match="image"):
        make_plan(cfg, tmp_path)


def judge_answer(request: FakeRequest) -> str:
    """Says yes when the answer repeats the reference; every 7th sample gets an unreadable verdict."""
    lines = dict(line.split(": ", 1) for line in request.text.splitlines() if ": " in line)
    lines = {k: v.split(" [sample:")[0] for k, v in lines.items()}
    if request.sample.endswith(("s07", "s14", "s21")):
        return "It depends."
    return "yes" if lines.get("Reference") == lines.get("Answer") else "no"


def judged_config(task: Path, fake: FakeProvider, calls_file: Path) -> RunConfig:
    return RunConfig.model_validate(
        {
            "name": "judged",
            "tasks": [str(task)],
            "backends": [
                counting("model", calls_file=str(calls_file), cost_per_call=0.01),
                counting("wrong", calls_file=str(calls_file), answer="7", cost_per_call=0.001),
            ],
            "judges": [
                {
                    "name": "judge",
                    "type": "openai",
                    "model": "gpt-4o-mini",
                    "base_url": fake.openai_url,
                    "max_retry_wait": 0.05,
                }
            ],
        }
    )


def test_a_judge_is_called_through_the_stage_and_paid_for_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-judge-0123456789")
    task = write_task(
        tmp_path, ["exact_match", {"name": "stage_support:AskJudge", "options": {"judge": "judge"}}]
    )
    calls = tmp_path / "calls.txt"
    with FakeProvider(answer=judge_answer) as fake:
        outcome = start_run(judged_config(task, fake, calls), tmp_path, options(tmp_path))
        judge_requests = fake.state.requests()
    cells = {c.backend: c for c in outcome.summary.cells}
    right, wrong = cells["model"], cells["wrong"]
    # Three unreadable verdicts per backend are scorer errors: counted apart, never a 0.
    assert right.metrics["judged_correct"].value == 1.0 and right.metrics["judged_correct"].n == 21
    assert wrong.metrics["judged_correct"].value == 0.0 and wrong.metrics["judged_correct"].n == 21
    assert right.scorer_errors == {"ask_judge": 3} and right.n_errors == 0
    assert right.metrics["exact_match"].n == 24
    # The models' cost and the judge's are kept apart.
    assert right.cost_usd == pytest.approx(0.24) and wrong.cost_usd == pytest.approx(0.024)
    assert right.judge is not None and right.judge.calls == 24 and right.judge.cost_usd is not None
    assert right.judge.cost_usd > 0 and right.judge.tokens["input_tokens"] > 0
    assert judge_requests == 48
    record = next(r for r in outcome.rundir.records() if r.sample_id == "s07" and r.backend == "model")
    assert record.scorer_errors["ask_judge"].kind == "scorer"
    assert "unreadable verdict" in record.scorer_errors["ask_judge"].message
    assert record.scorer_calls["ask_judge"].backend == "judge"
    assert sum(calls_in(calls).values()) == 48  # each model answered each sample once
    info = outcome.rundir.read_info()
    assert [b.role for b in info.backends] == ["model", "model", "judge"]


def test_rescore_with_a_changed_judge_asks_only_the_judge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-judge-0123456789")
    task = write_task(tmp_path, ["exact_match"])
    calls = tmp_path / "calls.txt"
    with FakeProvider(answer=judge_answer) as fake:
        outcome = start_run(judged_config(task, fake, calls), tmp_path, options(tmp_path))
        models_before = sum(calls_in(calls).values())
        assert fake.state.requests() == 0  # no scorer calls the judge yet
        write_task(
            tmp_path, ["exact_match", {"name": "stage_support:AskJudge", "options": {"judge": "judge"}}]
        )
        first = rescore(outcome.rundir.path, RescoreOptions())
        assert fake.state.requests() == 48 and first.judge_requests == 48
        again = rescore(outcome.rundir.path, RescoreOptions())  # the judge's answers are cached now
        assert fake.state.requests() == 48 and again.judge_requests == 0 and again.judge_cache_hits == 48
    assert sum(calls_in(calls).values()) == models_before  # not one request to the models under test
    cells = {c.backend: c for c in again.summary.cells}
    assert cells["model"].metrics["judged_correct"].value == 1.0
    assert cells["model"].metrics["exact_match"] == outcome.summary.cells[0].metrics["exact_match"]
    info = RunDir(outcome.rundir.path).read_info()
    assert [m.name for m in info.tasks[0].metrics] == ["exact_match", "judged_correct"]


def test_rescore_refuses_a_task_whose_requests_changed(tmp_path: Path) -> None:
    task = write_task(tmp_path, ["exact_match"])
    outcome = start_run(config(task, backends=[counting()]), tmp_path, options(tmp_path))
    text = task.read_text().replace("Paint grey level", "Draw grey level")
    task.write_text(text)
    with pytest.raises(InputError, match="different requests"):
        rescore(outcome.rundir.path, RescoreOptions())


def demo_like_config(tmp_path: Path, calls: Path, tasks: list[str]) -> RunConfig:
    return RunConfig.model_validate(
        {
            "name": "demo-like",
            "tasks": tasks,
            "backends": [
                {"name": "oracle", "type": "oracle"},
                counting("counter", calls_file=str(calls), answer="2"),
            ],
            "limit": 20,
        }
    )


def test_rescore_of_demo_tasks_with_an_extra_scorer_sends_nothing_and_matches_a_full_rerun(
    tmp_path: Path,
) -> None:
    """The demo's vision tasks, with one extra scorer added to each by rescore (through the CLI):
    no request to the models, and the summary of the unchanged scorers equals a fresh run's."""
    calls = tmp_path / "calls.txt"
    tasks = ["counting", "vqa"]
    first = start_run(demo_like_config(tmp_path, calls, tasks), ROOT / "configs", options(tmp_path))
    sent = sum(calls_in(calls).values())
    assert sent == 40
    CountingBackend.calls.clear()
    out = tmp_path / "rescored"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "evals",
            "rescore",
            str(first.rundir.path),
            "--scorers",
            "exact_match",
            "--out",
            str(out),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**__import__("os").environ, "PYTHONPATH": str(Path(__file__).parent)},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "0 requests to the models under test" in done.stderr
    assert sum(calls_in(calls).values()) == sent  # nothing was sent
    rescored = RunDir(out).read_summary()
    assert rescored is not None
    again = start_run(
        demo_like_config(tmp_path, calls, tasks), ROOT / "configs", options(tmp_path, use_cache=False)
    )
    fresh = {c.key: c for c in again.summary.cells}
    for cell in rescored.cells:
        for metric, entry in first.summary.cell(*cell.key).metrics.items():  # type: ignore[union-attr]
            assert cell.metrics[metric] == entry == fresh[cell.key].metrics[metric]
        assert "exact_match" in cell.metrics  # the added scorer
        assert cell.metrics["exact_match"].n == 20
