"""API keys are read from the environment only and appear in no file the run writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError
from runs import config, counting, options

from evals.secrets import redact, scrub
from evals.session import start_run

KEY = "sk-test-RECOGNISABLE-0123456789abcdef"


def test_keys_and_url_credentials_never_reach_the_run_directory(
    image_dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-RECOGNISABLE-987654")
    failing = counting(
        "leaky",
        fail_first=99,
        fail_kind="auth",
        fail_message=f"401 invalid key {KEY} (token tok-RECOGNISABLE-987654)",
    )
    leaky_url = {
        **failing,
        "base_url": "https://user:hunter2-RECOGNISABLE@example.invalid/v1?key=RECOGNISABLE-q",
    }
    with pytest.raises(ValidationError, match="base_url carries credentials"):  # refused at load
        config(image_dataset, backends=[leaky_url, {"name": "oracle", "type": "oracle"}], limit=3)
    cfg = config(image_dataset, backends=[failing, {"name": "oracle", "type": "oracle"}], limit=3)
    outcome = start_run(cfg, image_dataset.parent, options(tmp_path))
    written = [p for p in outcome.rundir.path.rglob("*") if p.is_file()]
    assert {"run.json", "samples.jsonl", "summary.json", "samples.parquet"} <= {p.name for p in written}
    for path in written:
        data = path.read_bytes()
        assert b"RECOGNISABLE" not in data, f"{path.name} leaks a secret"
    assert b"[REDACTED]" in (outcome.rundir.path / "samples.jsonl").read_bytes()
    cache_files = list(Path(os.environ["EVALS_CACHE_DIR"]).rglob("*"))
    assert all(b"RECOGNISABLE" not in p.read_bytes() for p in cache_files if p.is_file())


def test_redaction_rules() -> None:
    assert redact("http://a:b@host/x") == "http://REDACTED@host/x"
    assert redact("https://host/x?key=abc&y=1") == "https://host/x?key=REDACTED&y=1"
    assert scrub("the key is abcdefgh123", ["abcdefgh123"]) == "the key is [REDACTED]"
