"""A realistic run directory (the report tests' run: images, audio, labels, errors and an
answer with injected markup), built once per session through the real pipeline."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
_spec = importlib.util.spec_from_file_location("report_run_builder", HERE.parent / "report" / "conftest.py")
assert _spec is not None and _spec.loader is not None
_builder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_builder)


@pytest.fixture(scope="session")
def viewer_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run inside a reports folder (tests must not modify it)."""

    folder = tmp_path_factory.mktemp("viewer")
    path: Path = _builder.make_run(folder)
    return path
