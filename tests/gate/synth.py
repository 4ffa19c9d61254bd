"""Synthetic run directories: run.json, a journal and summary.json, without running anything.

The summary is computed by the real `evals.aggregate.summarize`, so cost, latency and metric
cells are what a real run would hold for the same journal.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from evals.aggregate import summarize
from evals.journal import write_journal
from evals.rundata import (
    BackendInfo,
    ErrorInfo,
    Latency,
    MetricDecl,
    RunInfo,
    SampleRecord,
    Status,
    TaskInfo,
)
from evals.rundir import RunDir

ACC = {"name": "acc", "scorer": "acc", "higher_is_better": True, "ratio_of": None, "binary": True}
SCORE = {"name": "score", "scorer": "score", "higher_is_better": True, "ratio_of": None, "binary": False}
WER = {
    "name": "wer",
    "scorer": "wer",
    "higher_is_better": False,
    "ratio_of": ["errors", "words"],
    "binary": False,
}


def record(
    sample_id: str,
    *,
    task: str = "t",
    backend: str = "m",
    scores: dict[str, float] | None = None,
    details: dict[str, Any] | None = None,
    status: Status = "ok",
    cost: float | None = 0.001,
    latency: float | None = 0.5,
    prediction: str | None = None,
    targets: tuple[str, ...] = ("x",),
) -> SampleRecord:
    ok = status == "ok"
    return SampleRecord(
        task=task,
        backend=backend,
        sample_id=sample_id,
        status=status,
        prediction=prediction if ok else None,
        targets=list(targets),
        scores=(scores or {}) if ok else {},
        details=(details or {}) if ok else {},
        cost_usd=cost if ok else None,
        latency=Latency(total_s=latency),
        cached=latency is None,
        attempts=1,
        error=None if ok else ErrorInfo(kind="server", message="injected"),
    )


def write_run(
    path: Path,
    records: Iterable[SampleRecord],
    metrics: dict[str, list[dict[str, Any]] | list[MetricDecl]],
    *,
    run_id: str | None = None,
    sha256: str = "task-v1",
) -> Path:
    """A finished run directory holding these journal records."""
    rows = list(records)
    path.mkdir(parents=True, exist_ok=True)
    backends = sorted({r.backend for r in rows})
    run = RunInfo(
        run_id=run_id or path.name,
        name="synthetic",
        status="finished",
        started_at=0.0,
        finished_at=1.0,
        tasks=[
            TaskInfo(
                name=task,
                kind="custom",
                sha256=sha256,
                metrics=[MetricDecl.model_validate(m) for m in declared],
                backends=sorted({r.backend for r in rows if r.task == task}) or backends,
            )
            for task, declared in metrics.items()
        ],
        backends=[BackendInfo(name=b, type="synthetic", kind="provider", model=b) for b in backends],
    )
    rundir = RunDir(path)
    rundir.write_info(run)
    write_journal(rundir.journal, rows)
    rundir.write_summary(summarize(run, rows))
    return path


def ids(n: int) -> list[str]:
    return [f"s{i:04d}" for i in range(n)]


def binary_pair(n: int, right: int, lost: int, gained: int, seed: int = 0) -> tuple[list[float], list[float]]:
    """Right/wrong scores of a baseline with `right` right answers, and a current run that turns
    `lost` of them wrong and `gained` of the wrong ones right (positions shuffled, seeded)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    base = np.zeros(n)
    base[order[:right]] = 1.0
    current = base.copy()
    current[order[:lost]] = 0.0
    current[order[right : right + gained]] = 1.0
    return base.tolist(), current.tolist()


def score_records(values: list[float], metric: str = "acc", **extra: Any) -> list[SampleRecord]:
    return [record(sid, scores={metric: v}, **extra) for sid, v in zip(ids(len(values)), values, strict=True)]


def rules_file(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
