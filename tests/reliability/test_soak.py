"""The fault soak: every real SDK backend (openai, anthropic, gemini, openai-compatible,
openai-transcribe) against the fake provider serving 10% 429 (Retry-After 0.05 s), 5% 500/503,
2% hangs past the timeout, 1% dropped connections and 1% malformed bodies, plus one scripted
400, 401, 403 and 404 per backend.

Asserted per backend, from the server's own request counts and the journal: samples lost = 0,
duplicate successful requests = 0, requests per sample ≤ max_retries + 1, journal attempts =
server requests, every error's kind = the last fault served (a failure is never scored), final
client errors asked once with a fix in their message; the summary reports the same error rate.
The default suite runs ~430 requests per backend; `-m soak` runs ≥ 5,000 per backend.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from records_support import latest, read_journal
from soak_support import (
    BACKENDS,
    FINAL_FAULTS,
    MAX_RETRIES,
    RETRY_AFTER_S,
    SoakResult,
    answer,
    run_soak,
    script_final_faults,
    soak_faults,
    table,
)

from evals.testing.fake_provider import FakeProvider

MIX = ("429", "500", "503", "hang", "drop", "malformed")


def fix_phrase(backend: str, fault: str) -> str:
    """What a final error's message must tell the user to do."""
    variable = {
        "openai": "OPENAI_API_KEY",
        "openai-transcribe": "OPENAI_API_KEY",
        "anthropic": "ANTHROPIC_API_KEY",
        "gemini": "GEMINI_API_KEY",
        "openai-compatible": "a variable named by the backend's api_key_env",
    }[backend]
    return {
        "400": "check the backend's model and options",
        "401": f"set {variable} to a valid key",
        "403": f"the key in {variable} may lack access",
        "404": "check the backend's model name and base_url",
    }[fault]


def soak(tmp_path: Path, n: int) -> tuple[SoakResult, FakeProvider]:
    config = soak_faults()
    script_final_faults(config.script, BACKENDS)
    with FakeProvider(answer=answer, config=config) as fake:
        result = run_soak(tmp_path, fake.url, n, fake.state.snapshot)
    return result, fake


def check(result: SoakResult, fake: FakeProvider, n: int, min_requests: int, max_wall_s: float) -> None:
    print("\n".join(table(result)))
    for entry in result.books.values():
        name = entry.name
        assert entry.lost == 0, f"{name}: samples lost"
        assert entry.journaled == entry.samples == n
        assert entry.duplicates == 0, f"{name}: a successful answer was requested again"
        assert entry.over_bound == 0 and entry.max_requests <= MAX_RETRIES + 1
        assert entry.attempts_mismatch == 0, f"{name}: journal attempts differ from the server's count"
        assert entry.kind_mismatch == 0, f"{name}: an error's kind is not the fault that was served"
        assert entry.scored_errors == 0, f"{name}: a failed call carries a score or a prediction"
        assert entry.final_retried == 0, f"{name}: a 400/401/403/404 was asked again"
        assert entry.requests >= min_requests, f"{name}: only {entry.requests} requests"
        assert entry.scored + sum(entry.errors.values()) == n
        assert entry.faults["429"] > 0 and entry.retries > 0
    totals = {fault: sum(e.faults[fault] for e in result.books.values()) for fault in MIX}
    assert all(totals.values()), f"every fault of the mix was served: {totals}"
    assert result.wall_s < max_wall_s, f"the soak took {result.wall_s:.0f} s"

    # Final errors: one request each, their kind, and a message that says what to fix.
    records = latest(read_journal(result.outcome.rundir.journal)[0])
    for backend in BACKENDS:
        for index, (fault, kind) in enumerate(FINAL_FAULTS.items(), start=1):
            sample = f"{backend.name}-{index:05d}"
            record = records[(backend.name, backend.name, sample)]
            assert fake.state.requests(sample) == 1 and record["attempts"] == 1
            assert record["error"]["kind"] == kind and record["error"]["retryable"] is False
            assert fix_phrase(backend.name, fault) in record["error"]["message"], record["error"]

    # A 429's Retry-After is honoured: the next request of that sample comes no sooner.
    hits = fake.state.snapshot()
    by_sample: dict[str, list[float]] = {}
    for hit in sorted(hits, key=lambda h: h.at):
        by_sample.setdefault(hit.sample, []).append(hit.at)
    after_429 = [
        by_sample[h.sample][h.attempt] - h.at
        for h in hits
        if h.outcome == "429" and len(by_sample[h.sample]) > h.attempt
    ]
    assert after_429 and min(after_429) >= RETRY_AFTER_S * 0.9

    # The run reports the same error rate and kinds as the books; it passed max_error_rate.
    summary = json.loads(result.outcome.rundir.summary_file.read_text())
    for cell in summary["cells"]:
        entry = result.books[cell["backend"]]
        assert cell["n_total"] == n and cell["n_scored"] == entry.scored
        assert cell["errors_by_kind"] == dict(entry.errors)
        assert cell["error_rate"] == pytest.approx(entry.error_rate)
        assert cell["error_rate"] < 0.05
    assert result.outcome.exit_code == 0


@pytest.mark.slow  # the short fault soak, ~40 s: pytest -m slow (the long one: -m soak)
def test_fault_soak_loses_nothing_and_pays_once(tmp_path: Path) -> None:
    result, fake = soak(tmp_path, n=350)
    check(result, fake, n=350, min_requests=400, max_wall_s=60)


@pytest.mark.soak
def test_fault_soak_full_count(tmp_path: Path) -> None:
    result, fake = soak(tmp_path, n=4300)
    check(result, fake, n=4300, min_requests=5000, max_wall_s=600)
