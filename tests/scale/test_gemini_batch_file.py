"""Gemini batches beyond 20 MB of requests: a JSONL input file uploaded through the Files API
(`src` is the file's name) and a JSONL results file downloaded, through google-genai against the
fake provider; a small batch still goes inline."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from backend_support import journal, run_config, run_options, write_task
from PIL import Image

from evals.batch.apis import GeminiBatches
from evals.session import start_run
from evals.testing.fake_provider import BatchConfig, FakeProvider

FAST = {"linger_s": 0.05, "poll_s": 0.02, "poll_max_s": 0.05}


def noise_png(path: Path) -> int:
    """An incompressible 1024×768 picture (~2.4 MB of PNG): its size in bytes."""
    Image.frombytes("RGB", (1024, 768), os.urandom(1024 * 768 * 3)).save(path, format="PNG")
    return path.stat().st_size


@pytest.mark.parametrize(
    "real_size",
    [
        # The same path with the inline limit lowered: small pictures, a fast test.
        pytest.param(False, id="limit-lowered"),
        # 10 incompressible pictures, ~32 MB of requests: Gemini's real 20 MB limit.
        pytest.param(True, id="over-20-MB", marks=pytest.mark.slow),
    ],
)
def test_a_batch_over_the_inline_limit_goes_as_a_jsonl_file_and_a_retry_goes_inline(
    fake: FakeProvider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_size: bool
) -> None:
    fake.batches.configure(BatchConfig(polls_to_complete=2, script={"s01": ["expired"], "s02": ["invalid"]}))
    task = write_task(tmp_path, 10)
    if real_size:
        sizes = [noise_png(tmp_path / "data" / f"img{i}.png") for i in range(10)]
        assert sum(sizes) * 4 / 3 > GeminiBatches.inline_max_bytes  # base64 in the request bodies
    else:
        monkeypatch.setattr(GeminiBatches, "inline_max_bytes", 2_000)  # 10 items of ~0.6 kB; 1 fits
    backend = {
        "name": "gemini",
        "type": "gemini",
        "model": "gemini-2.5-flash",
        "base_url": fake.url,
        "batch": FAST,
        "max_retry_wait": 0.05,
    }
    outcome = start_run(run_config(task, backend), tmp_path, run_options(tmp_path))
    lines = journal(outcome)
    assert len(lines) == 10
    assert all(lines[f"s{i:02d}"]["scores"] == {"exact_match": 1.0} for i in (0, 1, *range(3, 10)))
    assert lines["s01"]["attempts"] == 2  # expired in the file batch, answered in the inline one
    assert lines["s02"]["status"] == "error" and lines["s02"]["error"]["kind"] == "bad_request"
    # one input file read, one results file downloaded; the retry batch was inline
    assert fake.batches.counts["batches"] == 2
    assert fake.batches.counts["files"] == 1 and fake.batches.counts["results"] == 1
    uploaded = [f for f in fake.files._files.values() if f.mime_type == "jsonl"]
    assert len(uploaded) == 1
    rows = [json.loads(line) for line in uploaded[0].data.decode().splitlines()]
    assert len(rows) == 10 and set(rows[0]) == {"key", "request"}
    request = rows[0]["request"]
    assert request["contents"][0]["parts"] and "generationConfig" in request  # the REST body
    ledger = json.loads((outcome.rundir.path / "batches" / "gemini.json").read_text())
    assert [len(b["custom_ids"]) for b in ledger["batches"]] == [10, 1]
