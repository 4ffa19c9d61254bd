"""The run directory: the contract with CI and notebooks (DESIGN.md, "Run directory").

reports/<run-id>/
  run.json         what ran, with what, when, and how it ended (`RunInfo`)
  samples.jsonl    the journal (append-only `SampleRecord` lines; the resume point)
  summary.json     per task × backend × metric: value, CI, n, errors, cost, latency (`Summary`)
  samples.parquet  one row per sample × backend, written at the end
  media/           produced media and input previews, stored once by content (`<sha256>.<ext>`)
  pairwise.jsonl   pairwise judge verdicts, when a task has a pairwise judge (`PairwiseRecord`)

Every read and write goes through the typed records of `evals.rundata`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import subprocess
import time
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from evals.errors import InputError
from evals.fileio import write_bytes_atomic, write_json_atomic
from evals.journal import read_journal
from evals.rundata import (
    READABLE_VERSIONS,
    SCHEMA_VERSION,
    MediaKind,
    MediaRef,
    PairwiseRecord,
    ReplicaSummary,
    RunInfo,
    SampleRecord,
    Summary,
    upgrade_run,
)
from evals.secrets import redact_value

RUN_FILE = "run.json"
SUMMARY_FILE = "summary.json"
PARQUET_FILE = "samples.parquet"
JOURNAL_FILE = "samples.jsonl"
PAIRWISE_FILE = "pairwise.jsonl"
MEDIA_DIR = "media"
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
    "datasets",
    "pytesseract",
    "rapidocr-onnxruntime",
    "onnxruntime",
    "pocketsphinx",
)

_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/bmp": "bmp",
    "audio/wav": "wav",
    "audio/flac": "flac",
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "video/mp4": "mp4",
    "video/webm": "webm",
}


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


def new_run_id(name: str) -> str:
    return f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"


def extension_for(mime: str | None) -> str:
    return _EXTENSIONS.get(mime or "", "bin")


class MediaStore:
    """Media kept by the run, each stored once under `media/` by its sha256."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._known: set[str] = set()

    def put(self, kind: MediaKind, data: bytes, mime: str | None, *, name: str | None = None) -> MediaRef:
        sha = hashlib.sha256(data).hexdigest()
        relative = f"{MEDIA_DIR}/{sha}.{extension_for(mime)}"
        if relative not in self._known:
            path = self.folder.parent / relative
            if not path.exists():
                self.folder.mkdir(parents=True, exist_ok=True)
                # Not fsynced: the journal line that names it is written after, and a file lost
                # in a power cut is re-created on resume from the cache.
                write_bytes_atomic(path, data, durable=False)
            self._known.add(relative)
        return MediaRef(kind=kind, sha256=sha, mime=mime, stored=relative, name=name, bytes=len(data))

    def path(self, ref: MediaRef) -> Path | None:
        """Where a stored medium lives, or None (refused if it would leave the run directory)."""
        if not ref.stored:
            return None
        path = (self.folder.parent / ref.stored).resolve()
        if not path.is_relative_to(self.folder.resolve()):
            return None
        return path

    def read(self, ref: MediaRef) -> bytes | None:
        """The stored bytes, only when they still match the reference's hash."""
        path = self.path(ref)
        if path is None or not path.is_file():
            return None
        data = path.read_bytes()
        if ref.sha256 is not None and hashlib.sha256(data).hexdigest() != ref.sha256:
            return None
        return data


class RunDir:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock: IO[str] | None = None
        self.media = MediaStore(path / MEDIA_DIR)

    run_file = property(lambda self: self.path / RUN_FILE)
    journal = property(lambda self: self.path / JOURNAL_FILE)
    summary_file = property(lambda self: self.path / SUMMARY_FILE)
    parquet_file = property(lambda self: self.path / PARQUET_FILE)
    pairwise_file = property(lambda self: self.path / PAIRWISE_FILE)

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

    # ---- the one-writer lock ----------------------------------------------------------------

    def lock(self) -> None:
        """One writer per run directory: a second `run`/`--resume` on it is refused.

        The lock file is removed on unlock; a process that opened it just before it was removed
        would hold a lock on a file no longer there, so after locking, the file at the path must
        still be the one locked (else try again)."""
        path = self.path / LOCK_FILE
        for _ in range(100):
            handle = path.open("w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                raise InputError(
                    "another run-eval process (a run, a resume or a report) is writing this run directory",
                    file=str(self.path),
                    fix="wait for it to finish (run-eval report RUN_DIR --out DIR writes a report elsewhere)",
                ) from None
            try:
                same = os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._lock = handle
                return
            handle.close()
        raise InputError("could not lock the run directory", file=str(self.path), fix="try again")

    def unlock(self) -> None:
        if self._lock is not None:
            # The lock file goes with the lock: a finished run leaves no empty `.lock` behind.
            with contextlib.suppress(OSError):
                (self.path / LOCK_FILE).unlink()
            self._lock.close()
            self._lock = None

    # ---- run.json ---------------------------------------------------------------------------

    def read_info(self) -> RunInfo:
        try:
            data = json.loads(self.run_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read run.json: {exc}", file=str(self.run_file)) from exc
        if not isinstance(data, dict):
            raise InputError("run.json is not an object", file=str(self.run_file))
        version = data.get("schema_version")
        if version not in READABLE_VERSIONS:
            raise InputError(
                f"run schema version {version}; this version of multimodal-evals reads versions "
                f"{', '.join(map(str, READABLE_VERSIONS))}",
                file=str(self.run_file),
                fix="read it with the multimodal-evals version that wrote it (run.json's versions say which)",
            )
        if version != SCHEMA_VERSION:
            data = upgrade_run(data)
        try:
            return RunInfo.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InputError(
                f"run.json field {where!r}: {first['msg']}",
                file=str(self.run_file),
                fix="the file was edited or damaged: restore it, or start a new run",
            ) from exc

    @property
    def schema_version(self) -> int:
        """The version the files on disk were written with (before any upgrade in memory)."""
        try:
            data = json.loads(self.run_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return SCHEMA_VERSION
        version = data.get("schema_version") if isinstance(data, dict) else None
        return int(version) if isinstance(version, int) else SCHEMA_VERSION

    def write_info(self, info: RunInfo) -> None:
        data = redact_value(info.model_dump(mode="json"))
        data["schema_version"] = SCHEMA_VERSION
        write_json_atomic(self.run_file, data)

    def update_info(self, **fields: Any) -> RunInfo:
        info = self.read_info().model_copy(update=fields)
        self.write_info(info)
        return info

    # ---- journal and summary ----------------------------------------------------------------

    def records(self) -> list[SampleRecord]:
        """The latest journal record per (task, backend, sample), in journal order."""
        records, _ = read_journal(self.journal, upgrade=self.schema_version != SCHEMA_VERSION)
        latest: dict[tuple[str, str, str], SampleRecord] = {}
        for record in records:
            latest.pop(record.key, None)
            latest[record.key] = record
        return list(latest.values())

    def all_records(self) -> list[SampleRecord]:
        records, _ = read_journal(self.journal, upgrade=self.schema_version != SCHEMA_VERSION)
        return records

    def read_summary(self) -> Summary | None:
        """summary.json, or None when it is missing or from another schema version."""
        if not self.summary_file.is_file():
            return None
        try:
            data = json.loads(self.summary_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read summary.json: {exc}", file=str(self.summary_file)) from exc
        if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
            return None  # recomputed from the journal by the caller
        try:
            return Summary.model_validate(data)
        except ValidationError as exc:
            raise InputError(
                f"summary.json does not match its schema: {exc.errors()[0]['msg']}",
                file=str(self.summary_file),
                fix="rewrite it with `run-eval report RUN_DIR`",
            ) from exc

    def write_summary(self, summary: Summary) -> None:
        write_json_atomic(self.summary_file, summary)

    def read_replicas(self) -> list[ReplicaSummary]:
        """replicas.json: per-replica figures of backends with several base_urls (or none)."""
        path = self.path / "replicas.json"
        if not path.is_file():
            return []
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return [
                ReplicaSummary.model_validate({**entry, "backend": backend})
                for backend, entries in data.items()
                for entry in entries
            ]
        except (ValueError, ValidationError, AttributeError, TypeError) as exc:
            raise InputError("replicas.json is not readable", file=str(path), fix=str(exc)[:200]) from None

    def read_pairwise(self) -> list[PairwiseRecord]:
        """pairwise.jsonl (empty when the run has no pairwise judge)."""
        if not self.pairwise_file.is_file():
            return []
        records = []
        for number, line in enumerate(self.pairwise_file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(PairwiseRecord.model_validate_json(line))
            except ValidationError as exc:
                raise InputError(
                    f"line {number} does not match its schema: {exc.errors()[0]['msg']}",
                    file=str(self.pairwise_file),
                    fix="rewrite it with `run-eval rescore RUN_DIR`",
                ) from exc
        return records

    def write_pairwise(self, records: list[PairwiseRecord]) -> None:
        """The whole file at once (it is recomputed from the journal; judge answers are cached)."""
        text = "".join(r.model_dump_json() + "\n" for r in records)
        write_bytes_atomic(self.pairwise_file, text.encode("utf-8"))
