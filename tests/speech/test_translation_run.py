"""Speech translation end to end: the built-in task through `openai-translate` on the real SDK
against the fake provider's /v1/audio/translations; the run's corpus BLEU and chrF equal
sacrebleu's command line on the journal's hypotheses and references."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evals.config import RunConfig
from evals.generators.translation import SpokenTranslations
from evals.session import RunOptions, start_run
from evals.testing.fake_provider import FakeProvider, FakeRequest

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="needs espeak-ng: apt-get install espeak-ng"
)
TASK = Path(__file__).resolve().parents[2] / "tasks" / "speech-translation.yaml"
N = 9


def answers() -> dict[str, str]:
    """What the fake 'hears' in each clip: the reference, damaged in a different way per row."""
    found = {}
    for index in range(N):
        row = SpokenTranslations().row(0, index)
        words = row["answer"].split()
        damaged = [words[1:], words[:-1], [*words[:2], "the", *words[2:]]][index % 3]
        found[hashlib.sha256(row["audio"]()).hexdigest()] = " ".join(damaged)
    return found


def test_run_matches_the_sacrebleu_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-openai-0123456789")
    heard = answers()
    seen: list[FakeRequest] = []

    def answer(request: FakeRequest) -> str:
        seen.append(request)
        return heard.get(hashlib.sha256(request.audio[0]).hexdigest(), "unknown clip")

    with FakeProvider(answer=answer) as fake:
        backend = {"name": "whisper-1", "type": "openai-translate", "base_url": fake.openai_url}
        config = RunConfig.model_validate(
            {"name": "st", "tasks": [str(TASK)], "limit": N, "backends": [backend]}
        )
        rundir = start_run(
            config, tmp_path, RunOptions(reports=tmp_path / "reports", use_cache=False, quiet=True)
        )
    assert {r.endpoint for r in seen} == {"translations"} and len(seen) == N
    assert all("language" not in r.body for r in seen)
    journal = [json.loads(line) for line in (rundir.rundir.path / "samples.jsonl").read_text().splitlines()]
    assert len(journal) == N and {r["status"] for r in journal} == {"ok"}
    assert "unknown clip" not in {r["prediction"] for r in journal}
    (tmp_path / "hyp.txt").write_text("".join(r["prediction"] + "\n" for r in journal))
    (tmp_path / "ref.txt").write_text("".join(r["targets"][0] + "\n" for r in journal))
    summary = json.loads((rundir.rundir.path / "summary.json").read_text())
    (cell,) = summary["cells"]
    cells = cell["metrics"]
    for metric in ("bleu", "chrf"):
        command = [
            sys.executable,
            "-m",
            "sacrebleu",
            str(tmp_path / "ref.txt"),
            "-i",
            str(tmp_path / "hyp.txt"),
        ]
        printed = json.loads(
            subprocess.run(
                [*command, "-m", metric, "-w", "12"], capture_output=True, text=True, check=True
            ).stdout
        )
        assert cells[metric]["value"] == pytest.approx(printed["score"], abs=1e-9)
