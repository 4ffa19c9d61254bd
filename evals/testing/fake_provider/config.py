"""What the fake provider does besides answering: latency and faults, random or scripted."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields
from typing import Any

# Faults by name. Status faults answer with that status and the provider's error body.
FAULTS = (
    "ok",
    "400",
    "401",
    "403",
    "404",
    "408",
    "409",
    "429",
    "500",
    "503",
    "529",
    "hang",  # answer nothing until the client gives up (or `hang_s` passes)
    "drop",  # close the connection without an answer
    "malformed",  # 200 with a truncated JSON body
    "empty",  # 200 with an empty body
)  # and "shape:NAME": a hostile 200 answer (hostile.py SHAPES)


@dataclass
class FakeConfig:
    """Latency and random faults (each a probability, drawn from one seeded generator).

    `script` fails given attempts deterministically: {"s1": ["429", "429"]} makes the first two
    requests of sample s1 answer 429 and later ones answer normally; "*" applies to every sample.
    Scripted faults win over random ones.
    """

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    seed: int = 0
    rate_limit: float = 0.0
    server_error: float = 0.0
    unavailable: float = 0.0
    overloaded: float = 0.0
    hang: float = 0.0
    drop: float = 0.0
    malformed: float = 0.0
    empty: float = 0.0
    retry_after_s: float | None = 1.0  # sent with 429/503/529; None sends no header
    retry_after_ms: bool = False  # also send retry-after-ms (OpenAI/Anthropic SDKs read it)
    should_retry: bool | None = None  # send x-should-retry: true/false with error answers
    hang_s: float = 30.0
    # Every answer token's log-probability when a chat request asks for `logprobs`.
    token_logprob: float = -0.05
    cached_tokens: int = 0  # report this many prompt tokens as served from the provider's cache
    file_processing_polls: int = 1  # uploaded video stays PROCESSING for this many `get`s
    script: dict[str, list[str]] = field(default_factory=dict)
    # Quotas (0: none). Over quota, a request is answered 429 with Retry-After; every answer
    # carries the provider's rate-limit headers (quota.py). `quota_window_s` is how many
    # seconds of the per-minute rate the buckets hold (60 as a provider; less in tests).
    quota_rpm: float = 0.0
    quota_tpm: float = 0.0
    quota_window_s: float = 60.0

    def __post_init__(self) -> None:
        for faults in self.script.values():
            for fault in faults:
                if fault not in FAULTS and not fault.startswith("shape:"):  # shape: hostile.py
                    raise ValueError(f"unknown fault {fault!r}; use one of {', '.join(FAULTS)}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FakeConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fake-provider settings: {', '.join(unknown)}")
        return cls(**data)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class FaultPicker:
    """Chooses the fault for one request: the script first, then the random draws."""

    def __init__(self, config: FakeConfig) -> None:
        self.config = config
        self._rng = random.Random(config.seed)

    def pick(self, sample: str, attempt: int) -> str:
        config = self.config
        for key in (sample, "*"):
            planned = config.script.get(key)
            if planned and attempt <= len(planned):
                return planned[attempt - 1]
        draws = (
            ("429", config.rate_limit),
            ("500", config.server_error),
            ("503", config.unavailable),
            ("529", config.overloaded),
            ("hang", config.hang),
            ("drop", config.drop),
            ("malformed", config.malformed),
            ("empty", config.empty),
        )
        if not any(p for _, p in draws):
            return "ok"
        roll = self._rng.random()
        for fault, probability in draws:
            if roll < probability:
                return fault
            roll -= probability
        return "ok"

    def latency_s(self) -> float:
        config = self.config
        jitter = self._rng.uniform(-config.jitter_ms, config.jitter_ms) if config.jitter_ms else 0.0
        return max(0.0, config.latency_ms + jitter) / 1000.0
