"""Helpers to build run configs around the counting backend for runner tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evals.assembly import ConfigRequest
from evals.config import Overrides, RunConfig
from evals.session import RunOptions

COUNTING = "counting_backend:CountingBackend"


def config(task: Path, *, backends: list[dict[str, Any]] | None = None, **extra: Any) -> RunConfig:
    return RunConfig.model_validate(
        {
            "name": "t",
            "tasks": [str(task)],
            "backends": backends or [{"name": "counter", "type": COUNTING}],
            **extra,
        }
    )


def counting(name: str = "counter", **options: Any) -> dict[str, Any]:
    settings = {
        k: options.pop(k)
        for k in list(options)
        if k in ("concurrency", "timeout", "max_retries", "max_retry_wait")
    }
    return {"name": name, "type": COUNTING, "max_retry_wait": 0.05, **settings, "options": options}


def options(tmp: Path, **extra: Any) -> RunOptions:
    return RunOptions(reports=tmp / "reports", quiet=True, **extra)


def changed(**values: Any) -> ConfigRequest:
    """What `--resume RUN --budget 1 --limit 30` asks for: overrides of the stored config."""
    return ConfigRequest(overrides=Overrides.model_validate(values))
