"""`evals.load_run` / `load_runs` frames, and samples.parquet in pandas, polars and DuckDB."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from report_helpers import copy_run

import evals
from evals.analysis import newest_run, run_dirs
from evals.errors import InputError

RESULTS = {
    "run_id",
    "task",
    "backend",
    "backend_kind",
    "model",
    "sample_id",
    "status",
    "prediction",
    "targets",
    "error_kind",
    "error_message",
    "cached",
    "attempts",
    "cost_usd",
    "latency_s",
    "queue_s",
    "ttft_s",
    "prompt",
    "flags",
    "metadata",
    "details",
    "media",
    "finished_at",
    "input_tokens",
    "output_tokens",
    "image_tokens",
    "audio_tokens",
    "score.exact_match",
    "score.edit_rate",
    "score.label_accuracy",
}
SUMMARY = {
    "run_id",
    "task",
    "kind",
    "backend",
    "backend_kind",
    "model",
    "metric",
    "headline",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "sample_mean",
    "higher_is_better",
    "aggregation",
    "n_errors",
    "error_rate",
    "cost_usd",
    "cost_per_sample_usd",
    "latency_p50",
    "latency_p95",
    "latency_p99",
}


def test_load_run_frames_have_the_documented_columns(run_dir: Path) -> None:
    run = evals.load_run(run_dir)
    assert set(run.results.columns) >= RESULTS
    assert set(run.summary.columns) >= SUMMARY
    assert {
        "run_id",
        "task",
        "backend",
        "field",
        "group",
        "metric",
        "value",
        "ci_low",
        "ci_high",
        "n",
    } <= set(run.breakdowns.columns)
    assert len(run.results) == 160 and set(run.results["run_id"]) == {"run"}
    kinds = dict(zip(run.results["backend"], run.results["backend_kind"], strict=True))
    assert kinds["oracle"] == "baseline" and kinds["engine-c"] == "engine" and kinds["model-a"] == "provider"
    headline = run.summary[run.summary["headline"]]
    assert len(headline) == len(run.summary) == 15  # 3 tasks × 5 backends, one metric each
    tones = run.summary[(run.summary["task"] == "tones") & (run.summary["backend"] == "model-a")].iloc[0]
    assert (
        tones["aggregation"] == "corpus"
        and not tones["higher_is_better"]
        and not math.isnan(tones["sample_mean"])
    )
    counts = run.breakdowns[(run.breakdowns["field"] == "count") & (run.breakdowns["backend"] == "oracle")]
    assert list(counts["group"]) == ["0", "1", "2", "3", "4"] and list(counts["group_n"]) == [4, 3, 3, 3, 3]


def test_samples_are_tidy_with_errors_kept_as_nan(run_dir: Path) -> None:
    samples = evals.load_run(run_dir).samples
    assert len(samples) == 160  # one metric per task: one row per sample × backend
    assert {"meta.count", "meta.colour", "meta.noise", "metric", "score"} <= set(samples.columns)
    error = samples[(samples["sample_id"] == "s09") & (samples["backend"] == "model-a")]
    assert len(error) == 1 and error["metric"].iloc[0] == "exact_match" and math.isnan(error["score"].iloc[0])
    shapes = samples[(samples["task"] == "shapes") & (samples["status"] == "ok")]
    means = shapes.groupby("backend")["score"].mean()
    assert means["model-a"] == pytest.approx(13 / 15) and means["oracle"] == 1.0


def test_parquet_reads_in_pandas_polars_and_duckdb(run_dir: Path) -> None:
    import duckdb
    import polars as pl

    path = run_dir / "samples.parquet"
    frame = pd.read_parquet(path)
    polars_frame = pl.read_parquet(path)
    assert frame.shape == polars_frame.shape == (160, frame.shape[1])
    assert polars_frame.filter(pl.col("status") == "error").height == 1
    query = f"""select backend, avg("score.exact_match") as acc from read_parquet('{path}')
                where task = 'shapes' and status = 'ok' group by backend order by backend"""
    rows = dict(duckdb.sql(query).fetchall())
    assert rows["model-a"] == pytest.approx(13 / 15) and rows["oracle"] == 1.0
    targets = duckdb.sql(
        f"select targets from read_parquet('{path}') where sample_id = 's03' limit 1"
    ).fetchall()
    assert targets == [(["3"],)]


def test_load_runs_and_newest_run(run_dir: Path, tmp_path: Path) -> None:
    first = copy_run(run_dir, tmp_path / "runs" / "a")
    second = copy_run(run_dir, tmp_path / "runs" / "b")
    info = json.loads((second / "run.json").read_text())
    info.update(run_id="later", started_at=info["started_at"] + 60)
    (second / "run.json").write_text(json.dumps(info))
    assert run_dirs(tmp_path / "runs") == [first, second]
    assert newest_run(tmp_path / "runs") == second
    both = evals.load_runs(tmp_path / "runs")
    assert set(both.summary["run_id"]) == {"run", "later"} and len(both.results) == 320
    assert set(both.samples["run_id"]) == {"run", "later"} and set(both.breakdowns["run_id"]) == {
        "run",
        "later",
    }
    with pytest.raises(InputError):
        newest_run(tmp_path / "empty")
    with pytest.raises(InputError):
        evals.load_runs([])


def test_load_run_without_parquet_reads_the_journal(run_dir: Path, tmp_path: Path) -> None:
    copy = copy_run(run_dir, tmp_path / "run")
    (copy / "samples.parquet").unlink()
    (copy / "summary.json").unlink()
    run = evals.load_run(copy)
    assert len(run.results) == 160 and len(run.summary) == 15


def _with_status(run_dir: Path, dest: Path, status: str, *, keep_samples: int) -> Path:
    """A copy of the run as a run in `status` would leave it: the journal's first lines only,
    no summary and no parquet (those are written when a run finishes)."""
    copy = copy_run(run_dir, dest)
    info = json.loads((copy / "run.json").read_text())
    info.update(run_id=dest.name, status=status, started_at=info["started_at"] + 60)
    (copy / "run.json").write_text(json.dumps(info))
    lines = (copy / "samples.jsonl").read_text().splitlines(keepends=True)
    (copy / "samples.jsonl").write_text("".join(lines[:keep_samples]))
    for name in ("summary.json", "samples.parquet"):
        (copy / name).unlink()
    return copy


@pytest.mark.parametrize("status", ["failed", "interrupted"])
def test_load_run_of_a_run_that_ended_empty_names_it_and_its_status(
    run_dir: Path, tmp_path: Path, status: str
) -> None:
    ended = _with_status(run_dir, tmp_path / "ended", status, keep_samples=0)
    with pytest.raises(InputError) as caught:
        evals.load_run(ended)
    text = str(caught.value)
    assert str(ended) in text and f"status '{status}'" in text and "newest_run" in text


def test_load_run_of_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="not a run directory"):
        evals.load_run(tmp_path / "empty")


def test_a_running_run_loads_what_it_has_with_every_column(run_dir: Path, tmp_path: Path) -> None:
    empty = evals.load_run(_with_status(run_dir, tmp_path / "starting", "running", keep_samples=0))
    assert empty.results.empty and empty.notes == ["starting: status running; loaded what its journal holds"]
    for frame, column in ((empty.results, "status"), (empty.samples, "status"), (empty.summary, "headline")):
        assert column in frame.columns  # a notebook's frame["status"] is no KeyError
    assert empty.results[empty.results["status"] == "ok"].empty
    partial = evals.load_run(_with_status(run_dir, tmp_path / "half", "failed", keep_samples=40))
    assert len(partial.results) == 40 and partial.notes == [
        "half: status failed; loaded what its journal holds"
    ]


def test_load_runs_skips_unfinished_runs_with_a_note(run_dir: Path, tmp_path: Path) -> None:
    copy_run(run_dir, tmp_path / "runs" / "done")
    _with_status(run_dir, tmp_path / "runs" / "crashed", "failed", keep_samples=0)
    _with_status(run_dir, tmp_path / "runs" / "busy", "running", keep_samples=10)
    loaded = evals.load_runs(tmp_path / "runs")
    assert set(loaded.results["run_id"]) == {"run"} and len(loaded.results) == 160
    assert sorted(loaded.notes) == ["busy: skipped, status running", "crashed: skipped, status failed"]
    with pytest.raises(InputError, match="crashed: skipped, status failed"):
        evals.load_runs([tmp_path / "runs" / "crashed"])


def test_empty_frames_keep_the_columns_of_full_ones(run_dir: Path, tmp_path: Path) -> None:
    full = evals.load_run(run_dir)
    empty = evals.load_run(_with_status(run_dir, tmp_path / "starting", "running", keep_samples=0))
    assert set(full.summary.columns) == set(empty.summary.columns)
    assert set(full.breakdowns.columns) == set(empty.breakdowns.columns)
    assert set(empty.results.columns) <= set(full.results.columns)
    assert set(empty.samples.columns) <= set(full.samples.columns)
