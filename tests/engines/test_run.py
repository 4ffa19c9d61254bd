"""Engines through the real runner: journaled like any backend, cost 0, latency measured."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from engine_samples import ASR_VOICE, LINES, needs, render_line

from evals.config import RunConfig
from evals.errors import InputError
from evals.plan import make_plan
from evals.session import RunOptions, start_run

pytestmark = [pytest.mark.engines, needs("tesseract", "espeak-ng")]


def write_task(folder: Path, name: str, kind: str, rows: list[dict[str, Any]], **extra: Any) -> Path:
    (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    spec = {
        "name": name,
        "kind": kind,
        "dataset": {"source": "jsonl", "path": f"{name}.jsonl", **extra.pop("dataset", {})},
        "scorers": [{"name": "exact_match"}],  # the project's wer/cer scorers are not written yet
        **extra,
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def ocr_task(folder: Path) -> Path:
    rows = []
    for index, text in enumerate(LINES[:3]):
        (folder / f"line{index}.png").write_bytes(render_line(text))
        rows.append({"id": f"l{index}", "image": f"line{index}.png", "answer": text})
    return write_task(
        folder, "lines", "ocr", rows, dataset={"images": ["image"]}, hints={"text_layout": "line"}
    )


def tts_task(folder: Path) -> Path:
    rows = [{"id": "s1", "text": "open the door", "answer": "open the door"}]
    rows.append({"id": "s2", "text": "turn on the light", "answer": "turn on the light"})
    return write_task(folder, "speak", "tts", rows)


def journal(outcome_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (outcome_dir / "samples.jsonl").read_text().splitlines()]


def start(tmp_path: Path, task: Path, backends: list[dict[str, Any]]) -> Path:
    config = RunConfig.model_validate({"name": "engines", "tasks": [str(task)], "backends": backends})
    options = RunOptions(reports=tmp_path / "reports", use_cache=False, quiet=True)
    return start_run(config, tmp_path, options).rundir.path


def test_ocr_engines_run_like_any_backend(tmp_path: Path) -> None:
    one = {"workers": 1}  # a worker each: the concurrency follows the pool size
    backends = [
        {"name": "tess", "type": "tesseract", "options": one},
        {"name": "rapid", "type": "rapidocr", "options": one},
    ]
    rundir = start(tmp_path, ocr_task(tmp_path), backends)
    records = journal(rundir)
    assert len(records) == 6 and {r["status"] for r in records} == {"ok"}
    assert all(r["cost_usd"] == 0.0 and r["latency"]["total_s"] > 0 for r in records)
    tesseract = {r["sample_id"]: r["prediction"] for r in records if r["backend"] == "tess"}
    assert tesseract == {f"l{i}": text for i, text in enumerate(LINES[:3])}
    run = json.loads((rundir / "run.json").read_text())
    described = {b["name"]: b for b in run["backends"]}
    assert described["tess"]["kind"] == "engine" and "tesseract" in described["tess"]["versions"]
    assert described["tess"]["concurrency"] == described["rapid"]["concurrency"] == 1


def test_tts_round_trip_answers_with_the_transcript(tmp_path: Path) -> None:
    options = {"tts": {"type": "espeak", "options": {"voice": ASR_VOICE, "workers": 1}}}
    options["asr"] = {"type": "pocketsphinx", "options": {"workers": 1}}
    rundir = start(
        tmp_path, tts_task(tmp_path), [{"name": "rt", "type": "tts-roundtrip", "options": options}]
    )
    records = journal(rundir)
    assert {r["status"] for r in records} == {"ok"}
    assert all(
        r["prediction"] and r["usage"]["audio_seconds"] > 0.5 and r["cost_usd"] == 0.0 for r in records
    )


def test_espeak_alone_on_a_tts_task_is_refused_before_the_run(tmp_path: Path) -> None:
    config = RunConfig.model_validate(
        {"tasks": [str(tts_task(tmp_path))], "backends": [{"name": "say", "type": "espeak"}]}
    )
    with pytest.raises(InputError, match="tts-roundtrip"):
        make_plan(config, tmp_path)


def test_a_missing_engine_stops_the_run_before_it_starts(tmp_path: Path) -> None:
    config = RunConfig.model_validate(
        {
            "tasks": [str(ocr_task(tmp_path))],
            "backends": [
                {"name": "tess", "type": "tesseract", "options": {"tesseract_cmd": "/nowhere/tesseract"}}
            ],
        }
    )
    with pytest.raises(InputError) as caught:
        make_plan(config, tmp_path)
    assert caught.value.fix == "apt-get install tesseract-ocr tesseract-ocr-eng"
    assert not (tmp_path / "reports").exists()
