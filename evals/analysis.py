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
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evals.aggregate import summarize
from evals.errors import InputError
from evals.parquet import flat_row
from evals.rundata import RunInfo, SampleRecord, Summary
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


# What an empty frame still carries, so a notebook's `frame["status"]` works on a run with no
# samples yet (a KeyError there was the first thing a failed run showed a user).
_RESULT_COLUMNS = (
    *_TIDY_KEEP,
    "error_message",
    "attempts",
    "queue_s",
    "ttft_s",
    "prompt",
    "flags",
    "metadata",
    "details",
    "media",
    "finished_at",
)
_SUMMARY_COLUMNS = (
    "run_id",
    "task",
    "kind",
    "backend",
    "backend_type",
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
    "n_total",
    "n_scored",
    "n_errors",
    "n_not_run",
    "error_rate",
    "cache_hits",
    "cost_usd",
    "spent_usd",
    "cost_per_sample_usd",
    "judge_cost_usd",
    "latency_p50",
    "latency_p95",
    "latency_p99",
    "latency_mean",
)
_BREAKDOWN_COLUMNS = (
    "run_id",
    "task",
    "backend",
    "backend_kind",
    "field",
    "group",
    "group_n",
    "metric",
    "headline",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "higher_is_better",
)


@dataclass
class RunData:
    run_id: str
    path: Path
    info: RunInfo
    results: pd.DataFrame
    samples: pd.DataFrame
    summary: pd.DataFrame
    breakdowns: pd.DataFrame
    infos: list[RunInfo] = field(default_factory=list)  # every run's, for load_runs
    notes: list[str] = field(default_factory=list)  # runs left out, and why


def summary_frame(summary: Summary, run_id: str) -> pd.DataFrame:
    """One row per task × backend × metric."""
    rows = []
    for cell in summary.cells:
        latency = cell.latency_s
        headline = cell.headline()
        for metric, entry in cell.metrics.items():
            rows.append(
                {
                    "run_id": run_id,
                    "task": cell.task,
                    "kind": cell.kind,
                    "backend": cell.backend,
                    "backend_type": cell.backend_type,
                    "backend_kind": cell.backend_kind,
                    "model": cell.model,
                    "metric": metric,
                    "headline": metric == headline,
                    "value": entry.value,
                    "ci_low": entry.ci_low,
                    "ci_high": entry.ci_high,
                    "n": entry.n,
                    "sample_mean": entry.sample_mean,
                    "higher_is_better": entry.higher_is_better,
                    "aggregation": entry.aggregation,
                    "n_total": cell.n_total,
                    "n_scored": cell.n_scored,
                    "n_errors": cell.n_errors,
                    "n_not_run": cell.n_not_run,
                    "error_rate": cell.error_rate,
                    "cache_hits": cell.cache_hits,
                    "cost_usd": cell.cost_usd,
                    "spent_usd": cell.spent_usd,
                    "cost_per_sample_usd": cell.cost_per_sample_usd,
                    "judge_cost_usd": cell.judge.cost_usd if cell.judge else None,
                    "latency_p50": latency.p50,
                    "latency_p95": latency.p95,
                    "latency_p99": latency.p99,
                    "latency_mean": latency.mean,
                }
            )
    return _numeric(
        pd.DataFrame(rows) if rows else pd.DataFrame(columns=list(_SUMMARY_COLUMNS)),
        ("value", "ci_low", "ci_high", "sample_mean", "cost_usd", "judge_cost_usd"),
    )


def breakdown_frame(summary: Summary, run_id: str) -> pd.DataFrame:
    """One row per task × backend × breakdown field × group × metric."""
    rows = []
    for cell in summary.cells:
        headline = cell.headline()
        for field_name, groups in cell.breakdowns.items():
            for group, entry in groups.items():
                for metric, value in entry.metrics.items():
                    rows.append(
                        {
                            "run_id": run_id,
                            "task": cell.task,
                            "backend": cell.backend,
                            "backend_kind": cell.backend_kind,
                            "field": field_name,
                            "group": str(group),
                            "group_n": entry.n,
                            "metric": metric,
                            "headline": metric == headline,
                            "value": value.value,
                            "ci_low": value.ci_low,
                            "ci_high": value.ci_high,
                            "n": value.n,
                            "higher_is_better": value.higher_is_better,
                        }
                    )
    frame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=list(_BREAKDOWN_COLUMNS))
    return _numeric(frame, ("value", "ci_low", "ci_high"))


def _numeric(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """None-only columns become float NaN, so arithmetic and plotting work on any run."""
    for column in columns:
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def results_frame(records: list[SampleRecord], run: RunInfo, run_id: str) -> pd.DataFrame:
    """One row per sample × backend from journal records (what samples.parquet holds)."""
    frame = pd.DataFrame([flat_row(r) for r in records])
    return _with_run_columns(frame, run, run_id)


def _with_run_columns(frame: pd.DataFrame, run: RunInfo, run_id: str) -> pd.DataFrame:
    if frame.empty:
        frame = pd.DataFrame(columns=list(_RESULT_COLUMNS))
    kinds = {b.name: b.kind for b in run.backends}
    frame = frame.drop(columns=[c for c in ("run_id", "backend_kind") if c in frame.columns])
    frame.insert(0, "run_id", run_id)
    frame.insert(list(frame.columns).index("backend") + 1, "backend_kind", frame["backend"].map(kinds))
    return _numeric(frame, ("cost_usd", "latency_s", "queue_s", "ttft_s", "ttfa_s"))


def tidy_samples(results: pd.DataFrame, task_metrics: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """From `results` (wide) to one row per sample × backend × metric.

    `task_metrics` (task → its metric names, from run.json) decides which metrics a task's rows
    carry; without it, the metrics that have a score in some row of the task.
    """
    if results.empty:
        return pd.DataFrame(columns=["run_id", *_TIDY_KEEP, "metric", "score"])
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


def _task_metrics(info: RunInfo) -> dict[str, list[str]]:
    return {t.name: [m.name for m in t.metrics] for t in info.tasks}


def load_run(path: str | Path) -> RunData:
    """Load one run directory. Reads samples.parquet when present, else the journal.

    A run that is still running, or that failed or was interrupted after some samples, loads
    from its journal (the summary computed from what it has, and a note in `notes`); a running
    one with no samples yet gives empty frames. A run that ended with no sample at all, or a
    folder that is not a run, is an InputError naming the folder and its status."""
    rundir = RunDir.existing(Path(path))
    info = rundir.read_info()
    run_id = info.run_id or rundir.path.name
    finished = info.status == "finished"
    if finished and rundir.parquet_file.exists():
        results = _with_run_columns(pd.read_parquet(rundir.parquet_file), info, run_id)
        records = None
    else:
        records = rundir.records()
        if not records and info.status not in ("running", "finalizing", "finished"):
            raise InputError(
                f"run {rundir.path.name} has status {info.status!r} and no finished sample: nothing to load",
                file=str(rundir.path),
                fix="pick a finished run (evals.analysis.newest_run(folder) finds the newest), "
                "or resume this one with run-eval run --resume",
            )
        results = results_frame(records, info, run_id)
    summary = rundir.read_summary() if finished else None
    if summary is None:
        summary = summarize(info, records if records is not None else rundir.records())
    return RunData(
        run_id=run_id,
        path=rundir.path,
        info=info,
        results=results,
        samples=tidy_samples(results, _task_metrics(info)),
        summary=summary_frame(summary, run_id),
        breakdowns=breakdown_frame(summary, run_id),
        infos=[info],
        notes=[] if finished else [f"{run_id}: status {info.status}; loaded what its journal holds"],
    )


def run_dirs(folder: str | Path) -> list[Path]:
    """The run directories directly under a folder (those with a run.json), oldest first."""
    found = [p.parent for p in Path(folder).glob("*/run.json")]
    return sorted(found, key=_started_at)


def _started_at(path: Path) -> tuple[float, str]:
    try:
        started = json.loads((path / "run.json").read_text(encoding="utf-8")).get("started_at")
    except (OSError, ValueError, AttributeError):
        started = None
    return (float(started) if isinstance(started, int | float) else path.stat().st_mtime, path.name)


def run_status(path: str | Path) -> str | None:
    """A run directory's status from its run.json (finished, running, failed, interrupted…),
    or None when it has no readable run.json."""
    path = Path(path)
    try:
        status = json.loads((path / "run.json").read_text(encoding="utf-8")).get("status")
    except (OSError, ValueError, AttributeError):
        return None
    return status if isinstance(status, str) else None


def newest_run(folder: str | Path = "reports", *, finished: bool = True) -> Path:
    """The most recently started run under a folder (what a notebook opens by default); by
    default only runs that finished (a failed or running run is passed over, with its name in
    the error when none finished)."""
    found = run_dirs(folder)
    usable = [p for p in found if not finished or run_status(p) == "finished"]
    if not usable:
        others = ", ".join(f"{p.name} ({run_status(p) or 'unreadable'})" for p in found[-3:])
        raise InputError(
            "no finished run directories here" + (f" (newest: {others})" if others else ""),
            file=str(folder),
            fix="run `run-eval` first, or pass a run directory to load_run",
        )
    return usable[-1]


def load_runs(paths: list[str | Path] | str | Path) -> RunData:
    """Several runs concatenated (a `run_id` column tells them apart). Only finished runs are
    loaded: a failed, running or interrupted one, or a folder without a run.json, is skipped
    with a one-line note in `notes` (load it alone with `load_run` to see what it has). A
    folder means the runs in it; a folder that is itself a run loads that run."""
    folder: Path | None = None
    if isinstance(paths, str | Path):
        folder = Path(paths)
        paths = list(run_dirs(folder)) or [folder]
    candidates = [Path(p) for p in paths]
    chosen = [p for p in candidates if run_status(p) == "finished"]
    notes = [
        f"{p.name}: skipped, status {run_status(p) or 'unknown (no readable run.json)'}"
        for p in candidates
        if p not in chosen
    ]
    if not chosen:
        raise InputError(
            "no finished runs to load" + (f" ({'; '.join(notes)})" if notes else ""),
            file=str(folder) if folder is not None else None,
            fix="pass finished run directories, or a folder that holds finished runs",
        )
    loaded = [load_run(p) for p in chosen]
    return RunData(
        run_id=",".join(r.run_id for r in loaded),
        path=chosen[0],
        info=loaded[0].info,
        results=pd.concat([r.results for r in loaded], ignore_index=True),
        samples=pd.concat([r.samples for r in loaded], ignore_index=True),
        summary=pd.concat([r.summary for r in loaded], ignore_index=True),
        breakdowns=pd.concat([r.breakdowns for r in loaded], ignore_index=True),
        infos=[r.info for r in loaded],
        notes=notes + [n for r in loaded for n in r.notes],
    )
