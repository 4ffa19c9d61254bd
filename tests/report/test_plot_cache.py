"""Plots reused from the cache are the plots a full report draws; other inputs are never served
plots drawn for another (evals/report/plot_cache.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from report_helpers import load

from evals.aggregate import summarize
from evals.report import write_report
from evals.report import writer as report_writer
from evals.report.plot_cache import PLOTS_FOLDER, plot_digest
from evals.rundata import SampleRecord
from evals.rundir import RunDir
from evals.testing.fake_provider import FakeProvider


def _files(folder: Path) -> dict[str, bytes]:
    found = {p.name: p.read_bytes() for p in (folder / "plots").glob("*.png")}
    found |= {name: (folder / name).read_bytes() for name in ("report.md", "report.html")}
    return found


@pytest.mark.slow  # three real runs each: pytest -m slow
def test_plots_from_the_cache_equal_plots_drawn_afresh(
    run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run, summary, records = load(run_dir)
    cache = tmp_path / "cache"
    write_report(tmp_path / "fresh", run, summary, records)  # no cache: drawn
    write_report(tmp_path / "first", run, summary, records, plot_cache=cache)  # drawn, then kept
    assert len(list((cache / PLOTS_FOLDER).iterdir())) == 1

    def no_drawing(*args: object) -> None:
        raise AssertionError("plots were drawn although the cache holds them")

    monkeypatch.setattr(report_writer, "draw_plots", no_drawing)
    write_report(tmp_path / "again", run, summary, records[::-1], plot_cache=cache)  # journal order differs
    fresh = _files(tmp_path / "fresh")
    assert len(fresh) > 4
    assert _files(tmp_path / "first") == fresh
    assert _files(tmp_path / "again") == fresh


def _changed_score(record: SampleRecord) -> SampleRecord:
    scores = {name: 1.0 - value for name, value in record.scores.items()}
    return record.model_copy(update={"scores": scores})


def test_a_changed_journal_or_config_gets_another_digest(run_dir: Path) -> None:
    run, summary, records = load(run_dir)
    digest = plot_digest(run, summary, records)
    scored = next(i for i, r in enumerate(records) if r.scores)
    assert (
        plot_digest(
            run, summary, [*records[:scored], _changed_score(records[scored]), *records[scored + 1 :]]
        )
        != digest
    )
    assert plot_digest(run, summary, records[:-1]) != digest
    renamed = run.model_copy(
        update={"backends": [b.model_copy(update={"model": "other"}) for b in run.backends]}
    )
    assert plot_digest(renamed, summary, records) != digest
    changed = summary.model_copy(update={"cells": summary.cells[1:]})
    assert plot_digest(run, changed, records) != digest
    # What no plot reads: when each sample finished, and which run it is.
    later = [r.model_copy(update={"finished_at": (r.finished_at or 0) + 60}) for r in records]
    assert plot_digest(run, summary.model_copy(update={"run_id": "another"}), later) == digest


@pytest.mark.slow  # three real runs each: pytest -m slow
def test_a_changed_journal_is_drawn_again_not_served(
    run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run, summary, records = load(run_dir)
    cache = tmp_path / "cache"
    write_report(tmp_path / "first", run, summary, records, plot_cache=cache)
    drawn = []
    real = report_writer.draw_plots
    monkeypatch.setattr(report_writer, "draw_plots", lambda *a: drawn.append(1) or real(*a))
    write_report(tmp_path / "second", run, summary, records[:-1], plot_cache=cache)
    assert drawn == [1]
    assert len(list((cache / PLOTS_FOLDER).iterdir())) == 2


def _task(folder: Path) -> Path:
    from PIL import Image

    (folder / "data").mkdir()
    rows = []
    for i in range(12):
        Image.new("RGB", (16, 16), (i * 20, 0, 0)).save(folder / "data" / f"{i}.png")
        rows.append({"id": f"s{i:02d}", "image": f"{i}.png", "answer": "fake answer", "level": i % 3})
    (folder / "data" / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    task = folder / "task.yaml"
    task.write_text(
        "name: items\nkind: custom\n"
        "dataset: {source: jsonl, path: data/items.jsonl, images: [image]}\n"
        "prompt: {parts: [{image: image}, {text: 'What is it?'}]}\n"
        "scorers: [exact_match]\nbreakdowns: [level]\n"
    )
    return task


@pytest.mark.slow  # three real runs each: pytest -m slow
def test_a_cached_rerun_writes_what_a_full_finalize_writes(tmp_path: Path) -> None:
    """Through the real command: the re-run is served by the response cache and its plots by
    the plot cache; `run-eval report` then draws the same run's report afresh, without caches."""
    task = _task(tmp_path)
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-not-a-real-key"}
    with FakeProvider() as fake:
        config = tmp_path / "run.yaml"
        config.write_text(
            f"name: rerun\ntasks: [{task}]\nbackends:\n"
            f"  - {{name: gpt, type: openai, model: gpt-4o, base_url: '{fake.url}/v1'}}\n"
        )
        cache = tmp_path / "cache"
        for out in ("first", "second", "third"):
            command = [sys.executable, "-m", "evals", "run", str(config), "--out", str(tmp_path / out)]
            command += ["--quiet", "--cache-dir", str(cache)]
            done = subprocess.run(command, env=env, capture_output=True, timeout=120)
            assert done.returncode == 0, done.stderr.decode()[-2000:]
        sent = len(fake.state.snapshot())
    assert sent == 12  # the first run only
    assert len(list((cache / PLOTS_FOLDER).iterdir())) == 2  # fresh answers, then cached ones
    third = tmp_path / "third"
    command = [
        sys.executable,
        "-m",
        "evals",
        "report",
        str(third),
        "--recompute",
        "--out",
        str(tmp_path / "full"),
    ]
    done = subprocess.run(command, env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    served, full = _files(tmp_path / "third"), _files(tmp_path / "full")
    assert {n for n in served if n.endswith(".png")} >= {"scores.png", "breakdown-items-level.png"}
    assert served == full
    summaries = [json.loads((tmp_path / out / "summary.json").read_text()) for out in ("second", "third")]
    assert [s.pop("run_id") for s in summaries] == ["second", "third"]
    assert summaries[0] == summaries[1]
    rundir = RunDir(third)
    assert rundir.read_summary() == summarize(rundir.read_info(), rundir.records()).model_copy(
        update={"run_id": "third"}
    )
