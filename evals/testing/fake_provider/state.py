"""What the fake provider saw: requests per sample, outcomes, uploads — for tests to assert on."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from typing import Any

SAMPLE_MARKER = re.compile(r"\[sample:([^\]\s]+)\]")


def sample_key(text: str, body: bytes) -> str:
    """The `[sample:ID]` marker in the prompt, else a hash of the request body."""
    found = SAMPLE_MARKER.search(text)
    if found:
        return found.group(1)
    return "sha:" + hashlib.sha256(body).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Hit:
    """One request as the server saw it."""

    at: float  # time.monotonic() when it arrived
    provider: str
    endpoint: str
    sample: str
    attempt: int
    outcome: str  # "ok" or the fault served
    model: str | None = None
    images: int = 0  # image parts the request carried (inline or by URL)
    videos: int = 0  # video parts (inline or uploaded files)
    audio: int = 0  # audio parts

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ServerState:
    """Counters shared by the handlers (server thread) and the tests (another thread)."""

    hits: list[Hit] = field(default_factory=list)
    uploads: Counter[str] = field(default_factory=Counter)  # sha256 of the bytes → uploads
    _attempts: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next_attempt(self, sample: str) -> int:
        with self._lock:
            self._attempts[sample] += 1
            return self._attempts[sample]

    def record(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)

    def relabel(self, hit: Hit, outcome: str) -> None:
        """Change the outcome of a hit already recorded (an answer the client never received)."""
        with self._lock:
            for index in range(len(self.hits) - 1, -1, -1):
                if self.hits[index] is hit:
                    self.hits[index] = replace(hit, outcome=outcome)
                    return

    def record_upload(self, sha256: str) -> None:
        with self._lock:
            self.uploads[sha256] += 1

    def reset(self) -> None:
        with self._lock:
            self.hits.clear()
            self.uploads.clear()
            self._attempts.clear()

    # --- read side ---------------------------------------------------------------------------

    def snapshot(self) -> list[Hit]:
        with self._lock:
            return list(self.hits)

    def requests(self, sample: str | None = None) -> int:
        hits = self.snapshot()
        return len(hits) if sample is None else sum(1 for h in hits if h.sample == sample)

    def successes(self, sample: str | None = None) -> int:
        return sum(1 for h in self.snapshot() if h.outcome == "ok" and (sample is None or h.sample == sample))

    def samples(self) -> dict[str, dict[str, int]]:
        """sample → {"requests": n, "ok": n}."""
        out: dict[str, dict[str, int]] = {}
        for hit in self.snapshot():
            entry = out.setdefault(hit.sample, {"requests": 0, "ok": 0})
            entry["requests"] += 1
            entry["ok"] += hit.outcome == "ok"
        return out

    def times(self, sample: str) -> list[float]:
        return [h.at for h in self.snapshot() if h.sample == sample]

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            uploads = dict(self.uploads)
        return {"now": time.monotonic(), "samples": self.samples(), "uploads": uploads}
