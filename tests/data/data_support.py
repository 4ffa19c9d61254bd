"""Helpers for the built-in data tests: paths, the dataset build script, and a run helper."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from evals.config import RunConfig
from evals.session import RunOptions, start_run

ROOT = Path(__file__).resolve().parents[2]
TASKS = ROOT / "tasks"
DATASETS = ROOT / "datasets"


def load_build_script() -> ModuleType:
    """`datasets/build.py` as a module (the folder is data, not a package)."""
    name = "evals_datasets_build"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, DATASETS / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run_tasks(tasks: list[Path], backends: list[str], reports: Path) -> dict[str, Any]:
    """Run tasks on baseline backends in-process and return summary.json's content.

    The HTML/plot reports are not written: they are not under test here and cost seconds.
    """
    config = RunConfig.model_validate(
        {
            "name": "data",
            "tasks": [str(t) for t in tasks],
            "backends": [{"name": b, "type": b} for b in backends],
        }
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("evals.finalize.write_reports", lambda *args, **kwargs: None)
        outcome = start_run(config, ROOT, RunOptions(reports=reports, use_cache=False, quiet=True))
    return outcome.summary.model_dump()


def cell(summary: dict[str, Any], task: str, backend: str) -> dict[str, Any]:
    for entry in summary["cells"]:
        if entry["task"] == task and entry["backend"] == backend:
            return entry
    raise KeyError(f"no cell for {task} × {backend}")


def scorers_available(names: list[str]) -> list[str]:
    """The scorers among `names` that cannot be imported yet (empty when all are there)."""
    from evals.scoring import scorer_registry

    missing = []
    for name in names:
        try:
            scorer_registry.get(name)
        except Exception:
            missing.append(name)
    return missing
