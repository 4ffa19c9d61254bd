"""Run configs and task files for the judge tests: built-in judged tasks on baselines, graded by
the fake provider acting as a judge (an OpenAI-compatible judge on 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.config import RunConfig
from evals.testing.fake_provider import FakeProvider

ROOT = Path(__file__).resolve().parents[2]
TASKS = ROOT / "tasks"
DATASETS = ROOT / "datasets"


def judge_backend(fake: FakeProvider, name: str = "judge", model: str = "gpt-4o-mini") -> dict[str, Any]:
    return {
        "name": name,
        "type": "openai",
        "model": model,
        "base_url": fake.openai_url,
        "max_retry_wait": 0.05,
    }


def judged_config(
    tasks: list[str | Path],
    fake: FakeProvider,
    *,
    backends: list[dict[str, Any]] | None = None,
    judges: list[dict[str, Any]] | None = None,
    limit: int | None = 20,
    **extra: Any,
) -> RunConfig:
    return RunConfig.model_validate(
        {
            "name": "judged",
            "tasks": [str(t) for t in tasks],
            "backends": backends
            or [{"name": "oracle", "type": "oracle"}, {"name": "majority", "type": "majority"}],
            "judges": judges or [judge_backend(fake)],
            "limit": limit,
            **extra,
        }
    )


def describe_task(folder: Path, scorers: list[Any], *, name: str = "scenes", labelled: bool = False) -> Path:
    """A task over a built-in describe dataset, with the given scorers."""
    dataset = DATASETS / ("describe-labelled" if labelled else "describe") / "samples.jsonl"
    metadata = ["scene", "human_score", "human_pass"] if labelled else ["scene"]
    path = folder / f"{name}.yaml"
    path.write_text(
        json.dumps(
            {
                "name": name,
                "kind": "custom",
                "dataset": {
                    "source": "jsonl",
                    "path": str(dataset),
                    "target": "candidate" if labelled else "answer",
                    "images": ["image"],
                    "metadata": metadata,
                },
                "prompt": {"parts": [{"image": "image"}, {"text": "{{ question }}"}]},
                "generation": {"max_tokens": 200},
                "scorers": scorers,
            }
        )
    )
    return path
