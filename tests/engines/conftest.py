"""Fixtures for the engine tests (samples and helpers are in engine_samples.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from engine_samples import run

from evals.backends.base import Backend


@pytest.fixture(scope="module")
def close_later() -> Iterator[list[Backend]]:
    """Backends (and their process pools) to close when the module's tests are done."""
    backends: list[Backend] = []
    yield backends
    for backend in backends:
        run(backend.aclose())
