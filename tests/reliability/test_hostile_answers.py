"""Hostile answers from every real SDK backend: HTTP 200s a careless client mishandles.

The fake provider's hostile mode (evals/testing/fake_provider/hostile.py) serves each shape to
one sample of each backend; the run (a child process, `run-eval -vv run`) must journal each as
what it is, crash on none, cache nothing that crashes a later run, and write no key anywhere:
- a lone surrogate: an ok answer with U+FFFD in its place, flagged `replaced_characters`;
- the key echoed back: an ok answer with the key scrubbed, in no file, cache or log;
- usage negative, absurd, not a number or missing: the answer kept, its cost unknown (never
  negative, never $0 for a priced model), flagged `invalid_usage` / `usage_missing`;
- a refusal or a filtered answer: an error of kind `refusal` (counted, never an ok "");
- `choices` not a list: a `bad_response` error;
- an empty answer: an ok "" (a model may say nothing).
A second run over the same cache is served every ok answer from it and journals the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hostile_support import assert_no_marker, run_eval
from records_support import latest, read_journal
from soak_support import BACKENDS, SoakBackend, write_task

from evals.testing.fake_provider import FakeConfig, FakeProvider
from evals.testing.fake_provider.hostile import SHAPES

CHAT = ("openai", "anthropic", "gemini", "openai-compatible")
TEXT_ONLY = ("surrogate", "key_echo", "choices_string", "empty_answer")  # a transcription's shapes


def shapes_of(backend: str) -> tuple[str, ...]:
    return SHAPES if backend in CHAT else TEXT_ONLY


@dataclass(frozen=True)
class Expect:
    status: str
    kind: str | None = None
    flag: str | None = None
    cost_known: bool = True


EXPECT: dict[str, Expect] = {
    "surrogate": Expect("ok", flag="replaced_characters"),
    "key_echo": Expect("ok"),
    "negative_usage": Expect("ok", flag="invalid_usage", cost_known=False),
    "huge_usage": Expect("ok", flag="invalid_usage", cost_known=False),
    "string_usage": Expect("ok", flag="invalid_usage", cost_known=False),
    "no_usage": Expect("ok", flag="usage_missing", cost_known=False),
    "refusal": Expect("error", kind="refusal"),
    "content_filter": Expect("error", kind="refusal"),
    "choices_string": Expect("error", kind="bad_response"),
    "empty_answer": Expect("ok"),
}


# google-genai validates the body itself: usage that is not an integer fails its parsing, so
# the answer cannot be read at all (a bad_response error, never a crash or a $0 answer).
SDK_REFUSES = {("gemini", "huge_usage"), ("gemini", "string_usage")}
FREE = {"openai-compatible"}  # options.free: no price, so no usage is not a problem


def expected(backend: str, shape: str) -> Expect:
    if (backend, shape) in SDK_REFUSES:
        return Expect("error", kind="bad_response")
    if backend in FREE and shape == "no_usage":
        return Expect("ok")
    return EXPECT[shape]


def sample_of(backend: str, shape: str) -> str:
    return f"{backend}-{shapes_of(backend).index(shape) + 1:05d}"


@pytest.fixture(scope="module")
def hostile_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("hostile")
    folder = tmp / "tasks"
    script: dict[str, list[str]] = {}
    for backend in BACKENDS:
        write_task(folder, backend, len(shapes_of(backend.name)) + 1)
        for shape in shapes_of(backend.name):
            script[sample_of(backend.name, shape)] = [f"shape:{shape}"] * 5
    with FakeProvider(answer=lambda request: "yes", config=FakeConfig(script=script)) as fake:
        entries = []
        for backend in BACKENDS:
            entry = backend.config(fake.url)
            entry.update(max_retries=1, max_retry_wait=0.05, timeout=20, concurrency=4)
            entries.append(entry)
        config = tmp / "run.yaml"
        tasks = [str(folder / f"{b.name}.yaml") for b in BACKENDS]
        config.write_text(yaml.safe_dump({"name": "hostile", "tasks": tasks, "backends": entries}))
        cache = tmp / "cache"
        runs = {}
        for name in ("first", "second"):
            out = tmp / name
            ran = run_eval(
                ["-vv", "run", str(config), "--out", str(out), "--cache-dir", str(cache)], tmp, child=True
            )
            runs[name] = (out, ran)
    return {"tmp": tmp, "cache": cache, "runs": runs}


def records_of(run: Path) -> dict[str, dict[str, Any]]:
    return {sample: r for (_, _, sample), r in latest(read_journal(run / "samples.jsonl")[0]).items()}


CASES = [(b.name, shape) for b in BACKENDS for shape in shapes_of(b.name)]


@pytest.mark.parametrize(("backend", "shape"), CASES, ids=[f"{b}-{s}" for b, s in CASES])
def test_each_hostile_answer_is_journaled_as_what_it_is(
    hostile_runs: dict[str, Any], backend: str, shape: str
) -> None:
    expect = expected(backend, shape)
    for name, (out, ran) in hostile_runs["runs"].items():
        assert "Traceback" not in ran.err, ran.err[-3000:]
        assert ran.code == 1, f"{name}: exit {ran.code}: {ran.err[-2000:]}"  # errors > max_error_rate
        record = records_of(out)[sample_of(backend, shape)]
        assert record["status"] == expect.status, (name, record)
        error = record.get("error") or {}
        assert error.get("kind") == expect.kind, (name, record)
        if expect.flag is not None:
            assert expect.flag in record["flags"], (name, record["flags"])
        if expect.status == "ok":
            if not expect.cost_known:
                assert record["cost_usd"] is None, (name, record["cost_usd"])
            assert record["cost_usd"] is None or record["cost_usd"] >= 0
            if name == "second":
                assert record["cached"], "the first run's answer was cached in a usable form"
        else:
            assert record["prediction"] is None and not record["scores"]
        if shape == "surrogate":
            assert "\ufffd" in record["prediction"]
        if shape == "key_echo" and backend not in FREE:  # the free local server gets no key
            assert "[REDACTED]" in record["prediction"] and "Bearer" in record["prediction"]


def test_no_hostile_answer_leaves_a_key_or_a_bad_file(hostile_runs: dict[str, Any]) -> None:
    tmp: Path = hostile_runs["tmp"]
    folders = [out for out, _ in hostile_runs["runs"].values()]
    texts = tuple(t for _, ran in hostile_runs["runs"].values() for t in (ran.out, ran.err))
    assert len(hostile_runs["runs"]["first"][1].err) > 1000, "-vv logs something"
    assert_no_marker(*folders, hostile_runs["cache"], tmp / "crashes", texts=texts)
    for out in folders:
        info = json.loads((out / "run.json").read_text())
        assert info["status"] == "finished"
        assert (out / "summary.json").exists() and (out / "samples.parquet").exists()
        for path in out.rglob("*.json*"):
            path.read_text(encoding="utf-8")  # every text file is valid UTF-8
        summary = json.loads((out / "summary.json").read_text())
        for cell in summary["cells"]:
            assert (cell["cost_usd"] or 0) >= 0
            refusals = cell["errors_by_kind"].get("refusal", 0)
            assert refusals == (2 if cell["backend"] in CHAT else 0), cell


def test_the_shapes_cover_every_backend() -> None:
    assert len(CASES) >= 40
    assert {b.name for b in BACKENDS} == {b for b, _ in CASES}
    assert isinstance(BACKENDS[0], SoakBackend)
