"""The run directory: the contract with CI and notebooks (DESIGN.md, "Run directory").

reports/<run-id>/
  run.json         config snapshot, versions, git commit, start/end, status
  samples.jsonl    the journal (append-only; the resume point)
  summary.json     per task × backend × metric: value, CI, n, errors, cost, latency
  samples.parquet  one row per sample × backend, written at the end
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from evals.errors import InputError
from evals.secrets import redact_value

SCHEMA_VERSION = 1
RUN_FILE = "run.json"
SUMMARY_FILE = "summary.json"
PARQUET_FILE = "samples.parquet"
LOCK_FILE = ".lock"

_PACKAGES = (
    "multimodal-evals",
    "openai",
    "anthropic",
    "google-genai",
    "httpx",
    "aiohttp",
    "pydantic",
    "numpy",
    "pandas",
    "jiwer",
    "whisper-normalizer",
    "datasets",
    "pytesseract",
    "rapidocr-onnxruntime",
    "onnxruntime",
    "pocketsphinx",
)


def package_versions(extra: dict[str, str] | None = None) -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    found.update(extra or {})
    return found


def git_commit(folder: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and commit else None


def write_json_atomic(path: Path, data: Any) -> None:
    """Write to a temporary file and rename: readers see the old or the new file, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False, default=str)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


def new_run_id(name: str) -> str:
    return f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"


class RunDir:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock: IO[str] | None = None

    run_file = property(lambda self: self.path / RUN_FILE)
    journal = property(lambda self: self.path / "samples.jsonl")
    summary_file = property(lambda self: self.path / SUMMARY_FILE)
    parquet_file = property(lambda self: self.path / PARQUET_FILE)

    @classmethod
    def create(cls, reports: Path, name: str) -> RunDir:
        base = new_run_id(name)
        for attempt in range(1000):
            path = reports / (base if attempt == 0 else f"{base}-{attempt + 1}")
            try:
                path.mkdir(parents=True)
                return cls(path)
            except FileExistsError:
                continue
        raise InputError(f"cannot create a run folder under {reports}")

    @classmethod
    def existing(cls, path: Path) -> RunDir:
        if not (path / RUN_FILE).is_file():
            raise InputError(
                "not a run directory (no run.json)",
                file=str(path),
                fix="pass a folder written by run-eval run",
            )
        return cls(path)

    def lock(self) -> None:
        """One writer per run directory: a second `run`/`--resume` on it is refused."""
        handle = (self.path / LOCK_FILE).open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise InputError(
                "another run-eval process (a run, a resume or a report) is writing this run directory",
                file=str(self.path),
                fix="wait for it to finish (`run-eval report RUN_DIR --out DIR` writes a report elsewhere)",
            ) from None
        self._lock = handle

    def unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def read_run(self) -> dict[str, Any]:
        try:
            data = json.loads(self.run_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read run.json: {exc}", file=str(self.run_file)) from exc
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise InputError(
                f"run schema version {version}, this tool reads {SCHEMA_VERSION}",
                file=str(self.run_file),
                fix="use the multimodal-evals version that wrote it",
            )
        return dict(data)

    def write_run(self, data: dict[str, Any]) -> None:
        write_json_atomic(self.run_file, redact_value({"schema_version": SCHEMA_VERSION, **data}))

    def update_run(self, **fields: Any) -> None:
        data = self.read_run()
        data.update(fields)
        self.write_run({k: v for k, v in data.items() if k != "schema_version"})

    def run_info(self) -> dict[str, Any]:
        return {"python": sys.version.split()[0], "platform": platform.platform()}
