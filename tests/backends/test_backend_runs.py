"""The real runner (session.start_run/resume_run) against the fake provider: retries, errors
that stay errors, budget stops and resumes, and a missing key refused before any request."""

from __future__ import annotations

from pathlib import Path

import pytest
from backend_support import journal, run_config, run_options, write_task
from runs import changed

from evals.errors import InputError
from evals.estimate import estimate_plan
from evals.plan import make_plan
from evals.session import resume_run, start_run
from evals.testing.fake_provider import FakeConfig, FakeProvider


def backend(fake: FakeProvider, **fields: object) -> dict[str, object]:
    return {"name": "gpt", "type": "openai", "model": "gpt-4o", "base_url": fake.openai_url, **fields}


def test_429_is_retried_after_retry_after(fake: FakeProvider, tmp_path: Path) -> None:
    fake.configure(FakeConfig(retry_after_s=0.3))
    fake.script("s01", ["429"])
    task = write_task(tmp_path, 3)
    outcome = start_run(run_config(task, backend(fake, max_retry_wait=5.0)), tmp_path, run_options(tmp_path))
    lines = journal(outcome)
    assert lines["s01"]["status"] == "ok" and lines["s01"]["attempts"] == 2
    assert lines["s01"]["scores"] == {"exact_match": 1.0}
    first, second = fake.state.times("s01")
    assert 0.3 <= second - first < 1.5  # waited what the server asked, measured at the server
    assert fake.state.samples() == {
        "s00": {"requests": 1, "ok": 1},
        "s01": {"requests": 2, "ok": 1},
        "s02": {"requests": 1, "ok": 1},
    }


def test_401_is_not_retried_and_names_the_variable(
    fake: FakeProvider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.api_key = "the-right-key-000"
    monkeypatch.setenv("OPENAI_API_KEY", "a-wrong-key-1234")
    task = write_task(tmp_path, 2)
    outcome = start_run(run_config(task, backend(fake)), tmp_path, run_options(tmp_path))
    for line in journal(outcome).values():
        assert line["status"] == "error" and line["attempts"] == 1
        assert line["error"]["kind"] == "auth" and line["error"]["status"] == 401
        assert "set OPENAI_API_KEY" in line["error"]["message"]
        assert "a-wrong-key-1234" not in line["error"]["message"]
        assert line["prediction"] is None and line["scores"] == {}
    assert fake.state.requests() == 2


def test_dropped_connection_is_retried(fake: FakeProvider, tmp_path: Path) -> None:
    fake.script("s00", ["drop"])
    task = write_task(tmp_path, 2)
    outcome = start_run(run_config(task, backend(fake, max_retry_wait=0.05)), tmp_path, run_options(tmp_path))
    lines = journal(outcome)
    assert lines["s00"]["status"] == "ok" and lines["s00"]["attempts"] == 2
    assert fake.state.samples()["s00"] == {"requests": 2, "ok": 1}


def test_after_the_retry_bound_the_sample_is_an_error(fake: FakeProvider, tmp_path: Path) -> None:
    fake.script("s00", ["503"] * 10)
    task = write_task(tmp_path, 2)
    config = run_config(task, backend(fake, max_retries=2, max_retry_wait=0.02))
    outcome = start_run(config, tmp_path, run_options(tmp_path))
    lines = journal(outcome)
    assert lines["s00"]["status"] == "error" and lines["s00"]["attempts"] == 3
    assert lines["s00"]["error"]["kind"] == "server" and lines["s00"]["error"]["retryable"] is True
    assert lines["s00"]["scores"] == {} and lines["s00"]["prediction"] is None
    assert fake.state.requests("s00") == 3
    assert lines["s01"]["status"] == "ok"


def test_budget_refuses_to_start_when_the_estimate_exceeds_it(fake: FakeProvider, tmp_path: Path) -> None:
    task = write_task(tmp_path, 12)
    config = run_config(task, backend(fake, concurrency=1))
    with pytest.raises(InputError, match="over the budget"):
        start_run(config.model_copy(update={"budget_usd": 0.0001}), tmp_path, run_options(tmp_path))
    assert fake.state.requests() == 0


def test_budget_stops_the_run_and_resume_completes_it(fake: FakeProvider, tmp_path: Path) -> None:
    task = write_task(tmp_path, 12)
    config = run_config(task, backend(fake, concurrency=1))
    # The estimate counts max_tokens (8) of output; these answers are far longer, so the actual
    # spend passes a budget the estimate fitted in, and the runner must stop mid-run.
    estimate = estimate_plan(make_plan(config, tmp_path)).known_usd
    fake.answer = lambda request: "word " * 400
    first = start_run(
        config.model_copy(update={"budget_usd": estimate * 1.01}), tmp_path, run_options(tmp_path)
    )
    lines = journal(first)
    not_run = {sid for sid, line in lines.items() if line["status"] == "not_run"}
    done = {sid for sid, line in lines.items() if line["status"] == "ok"}
    assert not_run and done and not_run | done == set(lines) and len(lines) == 12
    assert all(lines[s]["error"]["kind"] == "budget" for s in not_run)
    spent = sum(lines[s]["cost_usd"] for s in done)
    assert spent >= estimate
    seen = fake.state.samples()
    assert set(seen) == done  # nothing was sent for the not_run samples
    assert all(counts == {"requests": 1, "ok": 1} for counts in seen.values())

    second = resume_run(first.rundir.path, run_options(tmp_path), changed(budget_usd=1.0))
    lines = journal(second)
    assert {line["status"] for line in lines.values()} == {"ok"}
    seen = fake.state.samples()
    assert set(seen) == set(lines)
    assert all(counts == {"requests": 1, "ok": 1} for counts in seen.values())  # nothing sent twice


def test_missing_key_is_one_clear_error_before_any_request(
    fake: FakeProvider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    task = write_task(tmp_path, 2)
    with pytest.raises(InputError) as caught:
        start_run(run_config(task, backend(fake)), tmp_path, run_options(tmp_path))
    assert "OPENAI_API_KEY" in str(caught.value)
    assert fake.state.requests() == 0
    monkeypatch.setenv("MY_KEY_VAR", "")
    with pytest.raises(InputError, match="MY_KEY_VAR"):
        start_run(run_config(task, backend(fake, api_key_env="MY_KEY_VAR")), tmp_path, run_options(tmp_path))
    assert fake.state.requests() == 0


@pytest.mark.parametrize(
    ("backend_type", "model", "variable"),
    [
        ("anthropic", "claude-3-5-haiku", "ANTHROPIC_API_KEY"),
        ("gemini", "gemini-2.0-flash", "GEMINI_API_KEY"),
    ],
)
def test_missing_key_other_providers(
    fake: FakeProvider,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    backend_type: str,
    model: str,
    variable: str,
) -> None:
    monkeypatch.delenv(variable)
    task = write_task(tmp_path, 1)
    spec = {"name": "b", "type": backend_type, "model": model, "base_url": fake.url}
    with pytest.raises(InputError, match=variable):
        start_run(run_config(task, spec), tmp_path, run_options(tmp_path))
    assert fake.state.requests() == 0


def test_gemini_run_with_video_shared_by_samples(fake: FakeProvider, tmp_path: Path) -> None:
    import json

    from backend_support import mp4

    data = tmp_path / "data"
    data.mkdir()
    (data / "a.mp4").write_bytes(mp4(3.0, payload=30_000))
    rows = [{"id": f"v{i}", "clip": "a.mp4", "answer": "fake answer"} for i in range(4)]
    (data / "v.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    task = tmp_path / "vid.yaml"
    task.write_text(
        "name: vid\nkind: custom\n"
        "dataset: {source: jsonl, path: data/v.jsonl, video: [clip]}\n"
        'prompt: {parts: [{video: clip}, {text: "What happens? [sample:{{ sample_id }}]"}]}\n'
        "scorers: [exact_match]\n"
    )
    spec = {
        "name": "gem",
        "type": "gemini",
        "model": "gemini-2.0-flash",
        "base_url": fake.url,
        "options": {"inline_video_max_bytes": 0, "file_poll_s": 0.01},
    }
    outcome = start_run(run_config(task, spec), tmp_path, run_options(tmp_path))
    lines = journal(outcome)
    assert {line["status"] for line in lines.values()} == {"ok"}
    assert sum(fake.state.uploads.values()) == 1
    assert all(line["usage"]["input_tokens"] >= 3 * 263 for line in lines.values())
    assert all(line["cost_usd"] > 0 for line in lines.values())
