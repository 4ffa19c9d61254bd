"""The speech cascade (transcribe → chat → speak) against the fake provider, and one run that
compares it with the realtime backend: per-stage times, TTFA side by side in the summary, the
report's streamed-latency table and CDF plot, and a gate rule on ttfa_p95."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from backend_support import media_part, request, run, run_config, run_options, text
from realtime_support import answer, clip, write_spoken_task
from realtime_support import cascade_backend as cascade_config
from realtime_support import realtime_backend as realtime_config

from evals.backends.base import BackendConfig, backend_registry
from evals.backends.cascade import CascadeBackend
from evals.config import RunConfig
from evals.errors import InputError
from evals.session import start_run
from evals.testing.fake_provider import FakeConfig
from evals.testing.fake_realtime import FakeRealtimeProvider, RealtimeSettings


@pytest.fixture
def fake_rt() -> Iterator[FakeRealtimeProvider]:
    server = FakeRealtimeProvider(
        answer=answer,
        config=FakeConfig(latency_ms=60.0, retry_after_s=0.05),
        realtime=RealtimeSettings(first_delta_ms=80.0),
    )
    with server:
        yield server


def make_cascade(fake: FakeRealtimeProvider) -> CascadeBackend:
    made = backend_registry.get("cascade")(BackendConfig.model_validate(cascade_config(fake.openai_url)))
    assert isinstance(made, CascadeBackend)
    return made


def test_stages_are_timed_and_the_answer_is_spoken(fake_rt: FakeRealtimeProvider) -> None:
    made = make_cascade(fake_rt)
    question = request(media_part("audio", clip(0.5)), text("Answer. [sample:q1]"), sample="q1")
    reply = run(made, lambda: made.generate(question))
    assert reply.error is None and reply.text == "four"
    assert set(reply.stages) == {"asr", "chat", "tts"}
    # Each stage waits the fake's 60 ms latency; TTFT after asr + chat, TTFA after all three.
    assert all(seconds >= 0.059 for seconds in reply.stages.values())
    assert reply.ttft_s is not None and reply.ttfa_s is not None
    assert reply.ttft_s >= reply.stages["asr"] + reply.stages["chat"] - 0.001
    assert reply.ttfa_s >= sum(reply.stages.values()) - 0.001 and reply.ttfa_s > reply.ttft_s
    assert reply.audio and reply.output("audio") is not None
    assert reply.raw is not None and reply.raw["asr"].startswith("what is the answer")
    assert reply.cost_usd is not None and reply.cost_usd > 0
    hits = [h.endpoint for h in fake_rt.state.snapshot()]
    assert hits == ["transcriptions", "chat", "speech"]


def test_a_stage_that_cannot_do_its_part_is_refused(fake_rt: FakeRealtimeProvider) -> None:
    config = cascade_config(fake_rt.openai_url)
    config["options"]["tts"] = {"type": "openai", "model": "gpt-4o-mini", "base_url": fake_rt.openai_url}
    with pytest.raises(InputError, match="tts stage cannot work"):
        backend_registry.get("cascade")(BackendConfig.model_validate(config))


def test_one_run_compares_realtime_and_cascade(fake_rt: FakeRealtimeProvider, tmp_path: Path) -> None:
    task = write_spoken_task(tmp_path, n=20, seconds=0.2)
    config = run_config(task, realtime_config(fake_rt.openai_url, concurrency=8))
    config = RunConfig.model_validate(
        {
            **config.model_dump(),
            "backends": [config.backends[0].model_dump(), cascade_config(fake_rt.openai_url)],
        }
    )
    outcome = start_run(config, tmp_path, run_options(tmp_path))
    cells = {c.backend: c for c in outcome.summary.cells}
    realtime, cascade = cells["realtime"], cells["cascade"]
    assert realtime.n_scored == cascade.n_scored == 20
    assert realtime.metrics["exact_match"].value == cascade.metrics["exact_match"].value == 1.0
    assert realtime.ttfa_s is not None and cascade.ttfa_s is not None
    # realtime: the fake's 80 ms first delta; cascade: three 60 ms HTTP calls at least.
    assert realtime.ttfa_s.p50 is not None and cascade.ttfa_s.p50 is not None
    assert 0.079 <= realtime.ttfa_s.p50 < cascade.ttfa_s.p50
    assert cascade.ttfa_s.p50 >= 0.179
    for found in (realtime.ttfa_s, cascade.ttfa_s):
        assert found.p50_ci is not None and found.p95_ci is not None and found.p99_ci is not None
        assert found.p50 is not None and found.p50_ci[0] <= found.p50 <= found.p50_ci[1]

    report = (outcome.rundir.path / "report.md").read_text()
    assert "### Streamed latency" in report
    assert all(f"{stage} " in report for stage in ("asr", "chat", "tts", "speech\\_in", "reply"))
    assert (outcome.rundir.path / "plots" / "stream_latency_cdf.png").stat().st_size > 1000
    html = (outcome.rundir.path / "report.html").read_text()
    assert "Streamed latency" in html and "Time to first audio and first token" in html

    from evals.cli.main import main

    rules = tmp_path / "gates.yaml"
    limit = (realtime.ttfa_s.p95 or 0.0) + 0.5
    rules.write_text(
        "rules:\n"
        f"  - {{task: spoken, backend: realtime, metric: ttfa_p95, max: {limit:.3f}}}\n"
        "  - {task: spoken, backend: cascade, metric: ttfa_p95, max: 0.01}\n"
    )
    out = tmp_path / "gate.json"
    code = main(["gate", str(outcome.rundir.path), "--rules", str(rules), "--json", str(out), "--quiet"])
    checks = json.loads(out.read_text())["checks"]
    verdicts = {c["backend"]: c["verdict"] for c in checks}
    assert code == 1 and verdicts == {"realtime": "pass", "cascade": "fail"}
