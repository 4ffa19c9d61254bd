"""Run results as pandas DataFrames, for notebooks (`evals.load_run`, `evals.load_runs`).

Every frame starts with `run_id`, so frames of several runs concatenate. Columns (docs/reports.md
has the same list with examples):

`results`: one row per sample × backend (the columns of samples.parquet, plus run_id and
  backend_kind): task, backend, backend_kind (provider | engine | baseline), model, sample_id,
  status (ok | error | not_run), prediction, targets (list of references), error_kind,
  error_message, cached, attempts, cost_usd, latency_s, queue_s, ttft_s, prompt, flags,
  metadata / details / media (JSON text), finished_at, the usage columns (input_tokens,
  output_tokens, cached_input_tokens, image_tokens, audio_tokens, reasoning_tokens,
  audio_seconds) and one `score.<metric>` column per metric.
`samples`: one row per sample × backend × metric (tidy): run_id, task, backend, backend_kind,
  model, sample_id, status, prediction, targets, error_kind, cached, cost_usd, latency_s, one
  `meta.<field>` column per metadata field, metric, score. A sample that ended in an error has
  one row per metric of its task with score NaN (errors are never scores).
`summary`: one row per task × backend × metric: task, kind, backend, backend_type,
  backend_kind, model, metric, headline (the task's first metric), value, ci_low, ci_high (95%
  bootstrap), n, sample_mean (mean per sample, for corpus metrics), higher_is_better,
  aggregation (mean | corpus), n_total, n_scored, n_errors, n_not_run, error_rate, cache_hits,
  cost_usd, spent_usd, cost_per_sample_usd, latency_p50, latency_p95, latency_p99, latency_mean.
`breakdowns`: one row per task × backend × breakdown field × group × metric: task, backend,
  backend_kind, field, group (the metadata value, as text), group_n, metric, headline, value,
  ci_low, ci_high, n, higher_is_better.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from evals.errors import InputError
from evals.finalize import flat_row, latest_records
from evals.rundir import RunDir

_TIDY_KEEP = (
    "task",
    "backend",
    "backend_kind",
    "model",
    "sample_id",
    "status",
    "prediction",
    "targets",
    "error_kind",
    "cached",
    "cost_usd",
    "latency_s",
)


@dataclass
class RunData:
    run_id: str
    path: Path
    info: dict[str, Any]
    results: pd.DataFrame
    samples: pd.DataFrame
    summary: pd.DataFrame
    breakdowns: pd.DataFrame


def headline_metric(cell: dict[str, Any]) -> str | None:
    """A task's headline metric is the first one it declares (cells keep the declared order)."""
    return next(iter(cell.get("metrics") or {}), None)


def summary_frame(summary: dict[str, Any], run_id: str) -> pd.DataFrame:
    """One row per task × backend × metric, from a summary.json dict."""
    rows = []
    for cell in summary.get("cells", []):
        latency = cell.get("latency_s") or {}
        headline = headline_metric(cell)
        for metric, entry in (cell.get("metrics") or {}).items():
            rows.append(
                {
                    "run_id": run_id,
                    "task": cell["task"],
                    "kind": cell.get("kind"),
                    "backend": cell["backend"],
                    "backend_type": cell.get("backend_type"),
                    "backend_kind": cell.get("backend_kind"),
                    "model": cell.get("model"),
                    "metric": metric,
                    "headline": metric == headline,
                    "value": entry.get("value"),
                    "ci_low": entry.get("ci_low"),
                    "ci_high": entry.get("ci_high"),
                    "n": entry.get("n"),
                    "sample_mean": entry.get("sample_mean"),
                    "higher_is_better": entry.get("higher_is_better", True),
                    "aggregation": entry.get("aggregation"),
                    "n_total": cell.get("n_total"),
                    "n_scored": cell.get("n_scored"),
                    "n_errors": cell["n_errors"],
                    "n_not_run": cell["n_not_run"],
                    "error_rate": cell["error_rate"],
                    "cache_hits": cell.get("cache_hits"),
                    "cost_usd": cell.get("cost_usd"),
                    "spent_usd": cell.get("spent_usd"),
                    "cost_per_sample_usd": cell.get("cost_per_sample_usd"),
                    "latency_p50": latency.get("p50"),
                    "latency_p95": latency.get("p95"),
                    "latency_p99": latency.get("p99"),
                    "latency_mean": latency.get("mean"),
                }
            )
    return _numeric(pd.DataFrame(rows), ("value", "ci_low", "ci_high", "sample_mean", "cost_usd"))


def breakdown_frame(summary: dict[str, Any], run_id: str) -> pd.DataFrame:
    """One row per task × backend × breakdown field × group × metric."""
    rows = []
    for cell in summary.get("cells", []):
        headline = headline_metric(cell)
        for field, groups in (cell.get("breakdowns") or {}).items():
            for group, entry in groups.items():
                for metric, value in (entry.get("metrics") or {}).items():
                    rows.append(
                        {
                            "run_id": run_id,
                            "task": cell["task"],
                            "backend": cell["backend"],
                            "backend_kind": cell.get("backend_kind"),
                            "field": field,
                            "group": str(group),
                            "group_n": entry.get("n"),
                            "metric": metric,
                            "headline": metric == headline,
                            "value": value.get("value"),
                            "ci_low": value.get("ci_low"),
                            "ci_high": value.get("ci_high"),
                            "n": value.get("n"),
                            "higher_is_better": value.get("higher_is_better", True),
                        }
                    )
    columns = ["run_id", "task", "backend", "field", "group", "metric", "value", "ci_low", "ci_high"]
    frame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)
    return _numeric(frame, ("value", "ci_low", "ci_high"))


def _numeric(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """None-only columns become float NaN, so arithmetic and plotting work on any run."""
    for column in columns:
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def results_frame(records: list[dict[str, Any]], run: dict[str, Any], run_id: str) -> pd.DataFrame:
    """One row per sample × backend from journal records (what samples.parquet holds)."""
    frame = pd.DataFrame([flat_row(r) for r in records])
    return _with_run_columns(frame, run, run_id)


def _with_run_columns(frame: pd.DataFrame, run: dict[str, Any], run_id: str) -> pd.DataFrame:
    if frame.empty:
        frame = pd.DataFrame(columns=["task", "backend", "sample_id", "status", "metadata"])
    kinds = {b["name"]: b.get("kind") for b in run.get("backends", [])}
    frame = frame.drop(columns=[c for c in ("run_id", "backend_kind") if c in frame.columns])
    frame.insert(0, "run_id", run_id)
    frame.insert(list(frame.columns).index("backend") + 1, "backend_kind", frame["backend"].map(kinds))
    return _numeric(frame, ("cost_usd", "latency_s", "queue_s", "ttft_s"))


def tidy_samples(results: pd.DataFrame, task_metrics: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """From `results` (wide) to one row per sample × backend × metric.

    `task_metrics` (task → its metric names, from run.json) decides which metrics a task's rows
    carry; without it, the metrics that have a score in some row of the task.
    """
    if results.empty:
        return pd.DataFrame(columns=["run_id", "task", "backend", "sample_id", "metric", "score"])
    score_columns = [c for c in results.columns if c.startswith("score.")]
    base = results[[c for c in ("run_id", *_TIDY_KEEP) if c in results.columns]].copy()
    metadata = pd.DataFrame(
        [json.loads(m) if isinstance(m, str) and m else {} for m in results.get("metadata", [])],
        index=results.index,
    )
    base = pd.concat([base, metadata.add_prefix("meta.")], axis=1)
    if not score_columns:
        base["metric"] = None
        base["score"] = float("nan")
        return base.reset_index(drop=True)
    long = results[score_columns].melt(var_name="metric", value_name="score", ignore_index=False)
    long["metric"] = long["metric"].str.removeprefix("score.")
    tidy = base.join(long, how="left")
    if task_metrics is None:
        scored = tidy[tidy["score"].notna()]
        task_metrics = {str(t): list(g.unique()) for t, g in scored.groupby("task")["metric"]}
    # A task's rows carry only its own metrics; an errored sample keeps one NaN row per metric.
    own = pd.Series(
        [
            metric in task_metrics.get(task, ())
            for task, metric in zip(tidy["task"], tidy["metric"], strict=True)
        ],
        index=tidy.index,
        dtype=bool,
    )
    tidy = tidy[own | tidy["score"].notna()]
    return tidy.sort_values(["task", "backend", "sample_id", "metric"], kind="stable").reset_index(drop=True)


def _task_metrics(info: dict[str, Any]) -> dict[str, list[str]]:
    return {t["name"]: [m["name"] for m in t.get("metrics", [])] for t in info.get("tasks", [])}


def load_run(path: str | Path) -> RunData:
    """Load one run directory. Reads samples.parquet when present, else the journal."""
    rundir = RunDir.existing(Path(path))
    info = rundir.read_run()
    run_id = str(info.get("run_id") or rundir.path.name)
    if rundir.parquet_file.exists():
        results = _with_run_columns(pd.read_parquet(rundir.parquet_file), info, run_id)
    else:
        results = results_frame(latest_records(rundir), info, run_id)
    if rundir.summary_file.exists():
        summary_data = json.loads(rundir.summary_file.read_text(encoding="utf-8"))
    else:
        from evals.aggregate import summarize

        summary_data = summarize(info, latest_records(rundir))
    return RunData(
        run_id=run_id,
        path=rundir.path,
        info=info,
        results=results,
        samples=tidy_samples(results, _task_metrics(info)),
        summary=summary_frame(summary_data, run_id),
        breakdowns=breakdown_frame(summary_data, run_id),
    )


def run_dirs(folder: str | Path) -> list[Path]:
    """The run directories directly under a folder (those with a run.json), oldest first."""
    found = [p.parent for p in Path(folder).glob("*/run.json")]
    return sorted(found, key=_started_at)


def _started_at(path: Path) -> tuple[float, str]:
    try:
        started = json.loads((path / "run.json").read_text(encoding="utf-8")).get("started_at")
    except (OSError, ValueError):
        started = None
    return (float(started) if isinstance(started, int | float) else path.stat().st_mtime, path.name)


def newest_run(folder: str | Path = "reports") -> Path:
    """The most recently started run under a folder (what a notebook opens by default)."""
    found = run_dirs(folder)
    if not found:
        raise InputError(
            "no run directories here", file=str(folder), fix="run `run-eval` first, or pass a run directory"
        )
    return found[-1]


def load_runs(paths: list[str | Path] | str | Path) -> RunData:
    """Several runs concatenated (a `run_id` column tells them apart); a folder means its runs."""
    if isinstance(paths, str | Path):
        folder = Path(paths)
        paths = list(run_dirs(folder)) or [folder]
    if not paths:
        raise InputError("no runs to load", fix="pass run directories, or a folder that holds them")
    loaded = [load_run(p) for p in paths]
    return RunData(
        run_id=",".join(r.run_id for r in loaded),
        path=Path(paths[0]),
        info={"runs": [r.info for r in loaded]},
        results=pd.concat([r.results for r in loaded], ignore_index=True),
        samples=pd.concat([r.samples for r in loaded], ignore_index=True),
        summary=pd.concat([r.summary for r in loaded], ignore_index=True),
        breakdowns=pd.concat([r.breakdowns for r in loaded], ignore_index=True),
    )
