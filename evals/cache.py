"""The response cache: SQLite (WAL) keyed on a canonical request hash.

The key covers the backend's identity (type, model, options) and the request (messages with
media by content hash, generation parameters); it never includes time, so an entry does not
expire by itself. Each value carries its own checksum: a damaged entry is dropped with a
warning and requested again, never trusted; a damaged database file is moved aside and rebuilt.
Several processes may share one cache: SQLite's locking serialises their writes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from evals.errors import InputError
from evals.records import OutputMedia, Response, Usage

log = logging.getLogger(__name__)

CACHE_FILE = "responses.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    checksum TEXT NOT NULL,
    created REAL NOT NULL
)
"""


def default_cache_dir() -> Path:
    env = os.environ.get("EVALS_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("multimodal-evals"))


def encode_response(response: Response) -> dict[str, Any]:
    data: dict[str, Any] = {
        "text": response.text,
        "usage": response.usage.model_dump(exclude_none=True),
        "model": response.model,
        "finish_reason": response.finish_reason,
    }
    if response.ttft_s is not None or response.ttfa_s is not None:
        data["ttft_s"], data["ttfa_s"] = response.ttft_s, response.ttfa_s
    if response.logprobs is not None:
        data["logprobs"] = response.logprobs
    if response.confidence is not None:
        data["confidence"] = response.confidence
    if response.stage_details:
        data["stage_details"] = response.stage_details
    if response.surrogates_replaced:
        data["replaced"] = True
    if response.usage.invalid:
        data["usage_invalid"] = list(response.usage.invalid)
    if response.cost_usd is not None or response.stages:
        data["cost_usd"], data["stages"] = response.cost_usd, response.stages
    if response.outputs:
        data["outputs"] = [
            {"kind": o.kind, "mime": o.mime, "name": o.name, "b64": base64.b64encode(o.data).decode()}
            for o in response.outputs
        ]
    return data


def decode_response(data: dict[str, Any]) -> Response:
    outputs = [
        OutputMedia(kind=o["kind"], data=base64.b64decode(o["b64"]), mime=o["mime"], name=o.get("name"))
        for o in data.get("outputs") or []
    ]
    if data.get("audio_b64"):  # entries written before outputs were general
        outputs.append(OutputMedia(kind="audio", data=base64.b64decode(data["audio_b64"]), mime="audio/wav"))
    usage = Usage.model_validate(data.get("usage") or {})
    if data.get("usage_invalid"):
        usage._invalid = tuple(data["usage_invalid"])
    return Response(
        text=data["text"],
        usage=usage,
        surrogates_replaced=bool(data.get("replaced")),
        model=data.get("model"),
        finish_reason=data.get("finish_reason"),
        ttft_s=data.get("ttft_s"),
        ttfa_s=data.get("ttfa_s"),
        logprobs=data.get("logprobs"),
        confidence=data.get("confidence"),
        stage_details=dict(data.get("stage_details") or {}),
        cost_usd=data.get("cost_usd"),
        stages=dict(data.get("stages") or {}),
        outputs=outputs,
    )


def _is_busy(exc: sqlite3.Error) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def _is_damage(exc: sqlite3.Error) -> bool:
    """Errors that mean the file is not a sound database (not a lock, not a full disk)."""
    text = str(exc)
    return not isinstance(exc, sqlite3.OperationalError) or any(
        marker in text for marker in ("not a database", "malformed", "corrupt")
    )


class ResponseCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / CACHE_FILE
        self.hits = 0
        self.misses = 0
        self.dropped = 0
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._conn = self._open()
        except (OSError, sqlite3.OperationalError) as exc:
            raise InputError(
                f"the response cache cannot be opened here ({exc})",
                file=str(folder),
                field="--cache-dir",
                fix="give a writable folder with --cache-dir DIR, or run with --no-cache",
            ) from None

    def _connect(self) -> sqlite3.Connection:
        # Switching to WAL takes a lock that SQLite may refuse at once (no busy wait) while
        # another process opens the same file: retry that step for a few seconds.
        deadline = time.monotonic() + 30
        while True:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            try:
                conn.execute("PRAGMA busy_timeout = 30000")
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute(_SCHEMA)
                conn.execute("SELECT count(*) FROM responses WHERE key = ''").fetchone()
                return conn
            except sqlite3.OperationalError as exc:
                conn.close()
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):
                raise
            aside = self.path.with_name(f"{CACHE_FILE}.corrupt-{int(time.time())}")
            log.warning("cache %s is damaged (%s): moved to %s and rebuilt", self.path, exc, aside)
            for suffix in ("", "-wal", "-shm"):
                part = Path(str(self.path) + suffix)
                if part.exists():
                    part.replace(Path(str(aside) + suffix))
            return self._connect()

    @staticmethod
    def _checksum(key: str, value: bytes) -> str:
        return hashlib.sha256(key.encode() + b"\x00" + value).hexdigest()

    def get(self, key: str) -> Response | None:
        try:
            row = self._conn.execute("SELECT value, checksum FROM responses WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError as exc:
            log.warning("cache read failed (%s): treating as a miss", exc)
            row = None
        if row is None:
            self.misses += 1
            return None
        value, checksum = bytes(row[0]), row[1]
        try:
            if self._checksum(key, value) != checksum:
                raise ValueError("checksum mismatch")
            response = decode_response(json.loads(value))
        except (ValueError, KeyError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
            log.warning("cache entry %s… is damaged (%s): dropped, will ask again", key[:12], exc)
            self._conn.execute("DELETE FROM responses WHERE key = ?", (key,))
            self.dropped += 1
            self.misses += 1
            return None
        self.hits += 1
        return response

    def put(self, key: str, response: Response) -> None:
        value = json.dumps(encode_response(response), separators=(",", ":")).encode()
        try:
            self._conn.execute(
                "INSERT OR REPLACE INTO responses (key, value, checksum, created) VALUES (?,?,?,?)",
                (key, value, self._checksum(key, value), time.time()),
            )
        except sqlite3.DatabaseError as exc:
            log.warning("cache write failed (%s): the answer is kept in the journal only", exc)

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        self._conn.close()
