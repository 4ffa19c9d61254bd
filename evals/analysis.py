"""Run results as pandas DataFrames, for notebooks (`evals.load_run`, `evals.load_runs`).

`samples`: one row per sample × backend × metric (tidy): run_id, task, backend, model,
  sample_id, status, metric, score, prediction, targets, error_kind, cached, cost_usd,
  latency_s, and every metadata field as a column.
`results`: one row per sample × backend (wide): the columns of samples.parquet.
`summary`: one row per task × backend × metric: value, ci_low, ci_high, n, n_errors,
  error_rate, cost_usd, latency_p50/p95/p99, higher_is_better, aggregation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from evals.finalize import flat_row, latest_records
from evals.rundir import RunDir


@dataclass
class RunData:
    run_id: str
    path: Path
    info: dict[str, Any]
    results: pd.DataFrame
    samples: pd.DataFrame
    summary: pd.DataFrame


def summary_frame(summary: dict[str, Any], run_id: str) -> pd.DataFrame:
    rows = []
    for cell in summary.get("cells", []):
        latency = cell.get("latency_s") or {}
        for metric, entry in (cell.get("metrics") or {}).items():
            rows.append(
                {
                    "run_id": run_id,
                    "task": cell["task"],
                    "backend": cell["backend"],
                    "backend_kind": cell.get("backend_kind"),
                    "model": cell.get("model"),
                    "metric": metric,
                    "value": entry.get("value"),
                    "ci_low": entry.get("ci_low"),
                    "ci_high": entry.get("ci_high"),
                    "n": entry.get("n"),
                    "n_errors": cell["n_errors"],
                    "n_not_run": cell["n_not_run"],
                    "error_rate": cell["error_rate"],
                    "cost_usd": cell.get("cost_usd"),
                    "cost_per_sample_usd": cell.get("cost_per_sample_usd"),
                    "latency_p50": latency.get("p50"),
                    "latency_p95": latency.get("p95"),
                    "latency_p99": latency.get("p99"),
                    "higher_is_better": entry.get("higher_is_better"),
                    "aggregation": entry.get("aggregation"),
                }
            )
    return pd.DataFrame(rows)


def _tidy(results: pd.DataFrame, run_id: str) -> pd.DataFrame:
    if results.empty:
        return pd.DataFrame(columns=["run_id", "task", "backend", "sample_id", "metric", "score"])
    score_columns = [c for c in results.columns if c.startswith("score.")]
    keep = [
        "task",
        "backend",
        "model",
        "sample_id",
        "status",
        "prediction",
        "targets",
        "error_kind",
        "cached",
        "cost_usd",
        "latency_s",
    ]
    base = results[[c for c in keep if c in results.columns]].copy()
    metadata = pd.DataFrame([json.loads(m or "{}") for m in results["metadata"]], index=results.index)
    base = pd.concat([base, metadata.add_prefix("meta.")], axis=1)
    if not score_columns:
        base["metric"] = None
        base["score"] = None
        tidy = base
    else:
        long = results[score_columns].melt(var_name="metric", value_name="score", ignore_index=False)
        long["metric"] = long["metric"].str.removeprefix("score.")
        tidy = base.join(long, how="left")
        tidy = tidy[tidy["score"].notna() | (tidy["status"] != "ok")]
    tidy.insert(0, "run_id", run_id)
    return tidy.reset_index(drop=True)


def load_run(path: str | Path) -> RunData:
    """Load one run directory. Reads samples.parquet when present, else the journal."""
    rundir = RunDir.existing(Path(path))
    info = rundir.read_run()
    run_id = str(info.get("run_id") or rundir.path.name)
    if rundir.parquet_file.exists():
        results = pd.read_parquet(rundir.parquet_file)
    else:
        results = pd.DataFrame([flat_row(r) for r in latest_records(rundir)])
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
        samples=_tidy(results, run_id),
        summary=summary_frame(summary_data, run_id),
    )


def load_runs(paths: list[str | Path] | str | Path) -> RunData:
    """Several runs concatenated (a `run_id` column tells them apart); a folder means its runs."""
    if isinstance(paths, str | Path):
        folder = Path(paths)
        found = [p.parent for p in sorted(folder.glob("*/run.json"))] or [folder]
        paths = list(found)
    loaded = [load_run(p) for p in paths]
    return RunData(
        run_id=",".join(r.run_id for r in loaded),
        path=Path(paths[0]) if paths else Path("."),
        info={"runs": [r.info for r in loaded]},
        results=pd.concat([r.results.assign(run_id=r.run_id) for r in loaded], ignore_index=True),
        samples=pd.concat([r.samples for r in loaded], ignore_index=True),
        summary=pd.concat([r.summary for r in loaded], ignore_index=True),
    )
