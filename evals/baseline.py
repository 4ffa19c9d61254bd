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
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from evals.aggregate import summarize
from evals.errors import InputError
from evals.fileio import write_bytes_atomic
from evals.rundata import (
    BASELINE_FORMAT,
    BASELINE_SCHEMA_VERSION,
    BackendInfo,
    BaselineFile,
    BaselineRun,
    BaselineSample,
    MetricDecl,
    SampleRecord,
    Status,
    SummaryCell,
    TaskInfo,
)
from evals.rundir import RunDir

Cell = tuple[str, str]  # (task, backend)


@dataclass(slots=True)
class SampleScores:
    """One sample × backend: status, scores, corpus-metric parts, cost and latency."""

    sample_id: str
    status: Status
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
    identity: BaselineRun
    tasks: dict[str, TaskInfo]
    backends: list[BackendInfo]
    cells: dict[Cell, SummaryCell]
    samples: dict[Cell, dict[str, SampleScores]]

    def cell_keys(self) -> list[Cell]:
        return [(t.name, b) for t in self.tasks.values() for b in t.backends]

    def backend_names(self) -> list[str]:
        seen: dict[str, None] = {}
        for _, backend in self.cell_keys():
            seen.setdefault(backend, None)
        return list(seen)


def sample_from_record(record: SampleRecord, metrics: Sequence[MetricDecl]) -> SampleScores:
    """The parts of a journal record that comparisons use."""
    parts: dict[str, tuple[float, float]] = {}
    for metric in metrics:
        if metric.ratio_of is None:
            continue
        found = record.details.get(metric.scorer) or {}
        num, den = metric.ratio_of
        a, b = found.get(num), found.get(den)
        if isinstance(a, int | float) and isinstance(b, int | float):
            parts[metric.name] = (float(a), float(b))
    return SampleScores(
        sample_id=record.sample_id,
        status=record.status,
        scores=dict(record.scores),
        parts=parts,
        cost_usd=record.cost_usd,
        latency_s=None if record.cached else record.latency.total_s,
        error_kind=record.error.kind if record.error else None,
        prediction=record.prediction,
        targets=list(record.targets),
    )


def from_run_dir(path: Path) -> RunScores:
    """Read run.json, the journal (latest record per sample) and summary.json."""
    rundir = RunDir.existing(path)
    run = rundir.read_info()
    records = rundir.records()
    summary = rundir.read_summary() or summarize(run, records)
    tasks = {t.name: t for t in run.tasks}
    samples: dict[Cell, dict[str, SampleScores]] = {}
    for record in records:
        info = tasks.get(record.task)
        metrics = info.metrics if info else []
        samples.setdefault((record.task, record.backend), {})[record.sample_id] = sample_from_record(
            record, metrics
        )
    identity = BaselineRun(
        run_id=run.run_id or rundir.path.name,
        name=run.name,
        git_commit=run.git_commit,
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=run.status,
    )
    return RunScores(
        label=identity.run_id or rundir.path.name,
        source=str(path),
        origin="run",
        identity=identity,
        tasks=tasks,
        backends=run.model_backends,
        cells={c.key: c for c in summary.cells},
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
) -> BaselineFile:
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
    rows: list[BaselineSample] = []
    for key in kept:
        for sample_id in sorted(scores.samples.get(key, {})):
            rows.append(_sample_row(key, scores.samples[key][sample_id], predictions))
    return BaselineFile(
        saved_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        run=scores.identity.model_copy(update={"source": scores.source}),
        tasks=[
            TaskInfo(
                name=info.name,
                kind=info.kind,
                sha256=info.sha256,
                metrics=info.metrics,
                backends=[b for b in info.backends if (info.name, b) in kept],
            )
            for name, info in scores.tasks.items()
            if name in keep_tasks
        ],
        backends=[
            BackendInfo(name=b.name, type=b.type, kind=b.kind, model=b.model, versions=b.versions)
            for b in scores.backends
            if b.name in keep_backends
        ],
        cells=[_compact_cell(scores.cells[key]) for key in kept if key in scores.cells],
        samples=rows,
    )


def _compact_cell(cell: SummaryCell) -> SummaryCell:
    """The summary figures a baseline keeps: counts, cost, latency, metrics (no breakdowns)."""
    return SummaryCell(
        task=cell.task,
        backend=cell.backend,
        backend_kind=cell.backend_kind,
        model=cell.model,
        n_total=cell.n_total,
        n_scored=cell.n_scored,
        n_errors=cell.n_errors,
        n_not_run=cell.n_not_run,
        error_rate=cell.error_rate,
        cost_usd=cell.cost_usd,
        cost_per_sample_usd=cell.cost_per_sample_usd,
        latency_s=cell.latency_s,
        ttft_s=cell.ttft_s,
        ttfa_s=cell.ttfa_s,
        metrics=cell.metrics,
    )


def _sample_row(key: Cell, sample: SampleScores, predictions: bool) -> BaselineSample:
    return BaselineSample(
        task=key[0],
        backend=key[1],
        id=sample.sample_id,
        status=sample.status,
        scores=sample.scores,
        parts={name: list(pair) for name, pair in sample.parts.items()},
        cost_usd=sample.cost_usd,
        latency_s=round(sample.latency_s, 6) if sample.latency_s is not None else None,
        error_kind=sample.error_kind,
        prediction=sample.prediction if predictions else None,
        targets=sample.targets if predictions else None,
    )


def dumps_baseline(document: BaselineFile) -> str:
    """Pretty JSON for the header and one line per sample (readable diffs when committed)."""
    data = document.model_dump(mode="json", exclude_none=True)
    head = {k: v for k, v in data.items() if k != "samples"}
    lines = [json.dumps(row, ensure_ascii=False, sort_keys=True) for row in data["samples"]]
    text = json.dumps(head, indent=1, ensure_ascii=False)
    body = ",\n".join(f"  {line}" for line in lines)
    return f'{text[:-2]},\n "samples": [\n{body}\n ]\n}}\n'


def save_baseline(document: BaselineFile, path: Path) -> None:
    """Write atomically; `.gz` names are gzip-compressed (mtime 0: same input, same bytes)."""
    data = dumps_baseline(document).encode("utf-8")
    if path.name.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, data)


def _bad(path: Path, message: str, fix: str | None = None) -> InputError:
    return InputError(
        message, file=str(path), fix=fix or "write it again with: run-eval baseline save RUN_DIR PATH"
    )


def read_baseline_document(path: Path) -> BaselineFile:
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
    try:
        return BaselineFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _bad(path, f"damaged baseline file: {where}: {first['msg']}") from exc


def from_baseline_file(path: Path) -> RunScores:
    data = read_baseline_document(path)
    samples: dict[Cell, dict[str, SampleScores]] = {}
    for row in data.samples:
        samples.setdefault((row.task, row.backend), {})[row.id] = SampleScores(
            sample_id=row.id,
            status=row.status,
            scores=dict(row.scores),
            parts={k: (float(v[0]), float(v[1])) for k, v in row.parts.items() if len(v) == 2},
            cost_usd=row.cost_usd,
            latency_s=row.latency_s,
            error_kind=row.error_kind,
            prediction=row.prediction,
            targets=row.targets,
        )
    return RunScores(
        label=f"baseline {data.run.run_id or path.name}",
        source=str(path),
        origin="baseline",
        identity=data.run,
        tasks={t.name: t for t in data.tasks},
        backends=list(data.backends),
        cells={c.key: c for c in data.cells},
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
