"""Per-sample scores of one run, read from a run directory or from a compact baseline file.

A baseline file is what a repository commits so CI can compare a new run with a known one:
per-sample scores (and, for corpus metrics such as WER, the numerator and denominator of each
sample), the metric declarations, the run's identity and its summary figures for cost, latency
and errors. No media; predictions only when asked. JSON, gzip-compressed when the name ends in
`.gz`, with one sample per line so a committed baseline diffs line by line.
"""

from __future__ import annotations

import fnmatch
import gzip
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from evals.errors import InputError

BASELINE_FORMAT = "multimodal-evals-baseline"
BASELINE_SCHEMA_VERSION = 1
Cell = tuple[str, str]  # (task, backend)

_CELL_FIELDS = (
    "task",
    "backend",
    "backend_kind",
    "model",
    "n_total",
    "n_scored",
    "n_errors",
    "n_not_run",
    "error_rate",
    "cost_usd",
    "cost_per_sample_usd",
    "latency_s",
    "metrics",
)
_IDENTITY_FIELDS = ("run_id", "name", "git_commit", "started_at", "finished_at", "status")


@dataclass(frozen=True, slots=True)
class MetricDecl:
    """A metric as run.json declares it: its scorer, direction and how it aggregates."""

    name: str
    scorer: str = ""
    higher_is_better: bool = True
    ratio_of: tuple[str, str] | None = None
    binary: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MetricDecl:
        ratio = data.get("ratio_of")
        return cls(
            name=str(data["name"]),
            scorer=str(data.get("scorer") or ""),
            higher_is_better=bool(data.get("higher_is_better", True)),
            ratio_of=(str(ratio[0]), str(ratio[1])) if ratio else None,
            binary=bool(data.get("binary", False)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "scorer": self.scorer,
            "higher_is_better": self.higher_is_better,
            "ratio_of": list(self.ratio_of) if self.ratio_of else None,
            "binary": self.binary,
        }


@dataclass(frozen=True, slots=True)
class TaskInfo:
    name: str
    kind: str | None
    sha256: str | None
    metrics: tuple[MetricDecl, ...]
    backends: tuple[str, ...]

    def metric(self, name: str) -> MetricDecl | None:
        return next((m for m in self.metrics if m.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "sha256": self.sha256,
            "metrics": [m.to_dict() for m in self.metrics],
            "backends": list(self.backends),
        }


@dataclass(slots=True)
class SampleScores:
    """One sample × backend: status, scores, corpus-metric parts, cost and latency."""

    sample_id: str
    status: str  # ok | error | not_run
    scores: dict[str, float] = field(default_factory=dict)
    parts: dict[str, tuple[float, float]] = field(default_factory=dict)  # metric → (num, den)
    cost_usd: float | None = None
    latency_s: float | None = None  # None for cache hits: no latency was measured
    error_kind: str | None = None
    prediction: str | None = None
    targets: list[str] | None = None


@dataclass
class RunScores:
    """What compare and gate need from a run, whichever form it came in."""

    label: str
    source: str
    origin: Literal["run", "baseline"]
    identity: dict[str, Any]
    tasks: dict[str, TaskInfo]
    backends: list[dict[str, Any]]
    cells: dict[Cell, dict[str, Any]]
    samples: dict[Cell, dict[str, SampleScores]]

    def cell_keys(self) -> list[Cell]:
        return [(t.name, b) for t in self.tasks.values() for b in t.backends]

    def backend_names(self) -> list[str]:
        seen: dict[str, None] = {}
        for _, backend in self.cell_keys():
            seen.setdefault(backend, None)
        return list(seen)


def sample_from_record(record: dict[str, Any], metrics: tuple[MetricDecl, ...]) -> SampleScores:
    """The parts of a journal record that comparisons use."""
    details = record.get("details") or {}
    parts: dict[str, tuple[float, float]] = {}
    for metric in metrics:
        if metric.ratio_of is None:
            continue
        found = details.get(metric.scorer) or {}
        num, den = metric.ratio_of
        if num in found and den in found:
            parts[metric.name] = (float(found[num]), float(found[den]))
    latency = record.get("latency") or {}
    error = record.get("error") or {}
    return SampleScores(
        sample_id=str(record["sample_id"]),
        status=str(record.get("status", "ok")),
        scores={k: float(v) for k, v in (record.get("scores") or {}).items() if v is not None},
        parts=parts,
        cost_usd=record.get("cost_usd"),
        latency_s=None if record.get("cached") else latency.get("total_s"),
        error_kind=error.get("kind"),
        prediction=record.get("prediction"),
        targets=[str(t) for t in record.get("targets") or []],
    )


def _task_info(data: dict[str, Any]) -> TaskInfo:
    return TaskInfo(
        name=str(data["name"]),
        kind=data.get("kind"),
        sha256=data.get("sha256"),
        metrics=tuple(MetricDecl.from_dict(m) for m in data.get("metrics") or []),
        backends=tuple(str(b) for b in data.get("backends") or []),
    )


def from_run_dir(path: Path) -> RunScores:
    """Read run.json, the journal (latest record per sample) and summary.json."""
    from evals.aggregate import summarize
    from evals.finalize import latest_records
    from evals.rundir import RunDir

    rundir = RunDir.existing(path)
    run = rundir.read_run()
    records = latest_records(rundir)
    if rundir.summary_file.exists():
        try:
            summary = json.loads(rundir.summary_file.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise InputError(f"cannot read summary.json: {exc}", file=str(rundir.summary_file)) from exc
    else:
        summary = summarize(run, records)
    tasks = {t["name"]: _task_info(t) for t in run.get("tasks", [])}
    samples: dict[Cell, dict[str, SampleScores]] = {}
    for record in records:
        info = tasks.get(record["task"])
        metrics = info.metrics if info else ()
        key = (record["task"], record["backend"])
        samples.setdefault(key, {})[str(record["sample_id"])] = sample_from_record(record, metrics)
    cells = {(c["task"], c["backend"]): c for c in summary.get("cells", [])}
    identity = {k: run.get(k) for k in _IDENTITY_FIELDS}
    identity["run_id"] = identity["run_id"] or rundir.path.name
    return RunScores(
        label=str(identity["run_id"]),
        source=str(path),
        origin="run",
        identity=identity,
        tasks=tasks,
        backends=list(run.get("backends", [])),
        cells=cells,
        samples=samples,
    )


def _matches(name: str, patterns: list[str] | None) -> bool:
    return patterns is None or any(fnmatch.fnmatchcase(name, p) for p in patterns)


def baseline_document(
    scores: RunScores,
    *,
    predictions: bool = False,
    tasks: list[str] | None = None,
    backends: list[str] | None = None,
) -> dict[str, Any]:
    """The baseline file's content: identity, declarations, summary cells, per-sample rows."""
    kept = [key for key in scores.cell_keys() if _matches(key[0], tasks) and _matches(key[1], backends)]
    if not kept:
        raise InputError(
            "no task × backend of the run matches the filters",
            field="--tasks/--backends",
            fix=f"the run has tasks {sorted(scores.tasks)} and backends {scores.backend_names()}",
        )
    keep_tasks = {task for task, _ in kept}
    keep_backends = {backend for _, backend in kept}
    rows: list[dict[str, Any]] = []
    for key in kept:
        for sample_id in sorted(scores.samples.get(key, {})):
            rows.append(_sample_row(key, scores.samples[key][sample_id], predictions))
    return {
        "format": BASELINE_FORMAT,
        "schema_version": BASELINE_SCHEMA_VERSION,
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "run": {**scores.identity, "source": scores.source},
        "tasks": [
            {**info.to_dict(), "backends": [b for b in info.backends if (info.name, b) in kept]}
            for name, info in scores.tasks.items()
            if name in keep_tasks
        ],
        "backends": [
            {k: b.get(k) for k in ("name", "type", "kind", "model", "versions")}
            for b in scores.backends
            if b.get("name") in keep_backends
        ],
        "cells": [{k: scores.cells[key].get(k) for k in _CELL_FIELDS} for key in kept if key in scores.cells],
        "samples": rows,
    }


def _sample_row(key: Cell, sample: SampleScores, predictions: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"task": key[0], "backend": key[1], "id": sample.sample_id, "status": sample.status}
    if sample.scores:
        row["scores"] = sample.scores
    if sample.parts:
        row["parts"] = {name: list(pair) for name, pair in sample.parts.items()}
    if sample.cost_usd is not None:
        row["cost_usd"] = sample.cost_usd
    if sample.latency_s is not None:
        row["latency_s"] = round(sample.latency_s, 6)
    if sample.error_kind:
        row["error_kind"] = sample.error_kind
    if predictions:
        row["prediction"] = sample.prediction
        row["targets"] = sample.targets
    return row


def dumps_baseline(document: dict[str, Any]) -> str:
    """Pretty JSON for the header and one line per sample (readable diffs when committed)."""
    head = {k: v for k, v in document.items() if k != "samples"}
    lines = [json.dumps(row, ensure_ascii=False, sort_keys=True, default=str) for row in document["samples"]]
    text = json.dumps(head, indent=1, ensure_ascii=False, default=str)
    body = ",\n".join(f"  {line}" for line in lines)
    return f'{text[:-2]},\n "samples": [\n{body}\n ]\n}}\n'


def save_baseline(document: dict[str, Any], path: Path) -> None:
    """Write atomically; `.gz` names are gzip-compressed (mtime 0: same input, same bytes)."""
    data = dumps_baseline(document).encode("utf-8")
    if path.name.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _bad(path: Path, message: str, fix: str | None = None) -> InputError:
    return InputError(
        message, file=str(path), fix=fix or "write it again with: run-eval baseline save RUN_DIR PATH"
    )


def read_baseline_document(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the baseline: {exc.strerror}", file=str(path)) from exc
    try:
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        data = json.loads(raw.decode("utf-8"))
    except (OSError, EOFError, ValueError) as exc:
        raise _bad(path, f"not a readable baseline file: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
        raise _bad(path, f'not a baseline file (no "format": "{BASELINE_FORMAT}")')
    version = data.get("schema_version")
    if version != BASELINE_SCHEMA_VERSION:
        raise _bad(
            path,
            f"baseline schema version {version}, this tool reads {BASELINE_SCHEMA_VERSION}",
            fix="save the baseline again with this version of run-eval",
        )
    return data


def from_baseline_file(path: Path) -> RunScores:
    data = read_baseline_document(path)
    try:
        tasks = {t["name"]: _task_info(t) for t in data["tasks"]}
        samples: dict[Cell, dict[str, SampleScores]] = {}
        for row in data["samples"]:
            key = (str(row["task"]), str(row["backend"]))
            samples.setdefault(key, {})[str(row["id"])] = SampleScores(
                sample_id=str(row["id"]),
                status=str(row["status"]),
                scores={k: float(v) for k, v in (row.get("scores") or {}).items()},
                parts={k: (float(v[0]), float(v[1])) for k, v in (row.get("parts") or {}).items()},
                cost_usd=row.get("cost_usd"),
                latency_s=row.get("latency_s"),
                error_kind=row.get("error_kind"),
                prediction=row.get("prediction"),
                targets=row.get("targets"),
            )
        cells = {(c["task"], c["backend"]): dict(c) for c in data["cells"]}
        identity = {k: data["run"].get(k) for k in _IDENTITY_FIELDS}
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        raise _bad(path, f"damaged baseline file: {type(exc).__name__}: {exc}") from exc
    return RunScores(
        label=f"baseline {identity.get('run_id') or path.name}",
        source=str(path),
        origin="baseline",
        identity=identity,
        tasks=tasks,
        backends=list(data.get("backends") or []),
        cells=cells,
        samples=samples,
    )


def load_scores(path: Path) -> RunScores:
    """A run directory or a baseline file, read into the same shape."""
    if path.is_dir():
        return from_run_dir(path)
    if path.is_file():
        return from_baseline_file(path)
    raise InputError(
        "no such run directory or baseline file",
        file=str(path),
        fix="pass a folder written by run-eval run, or a file written by run-eval baseline save",
    )
