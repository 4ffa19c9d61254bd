"""Fixtures for robustness tests: the wire-level fake provider and keys for it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "backends"))

from backend_support import KEYS

from evals.testing.fake_provider import FakeConfig, FakeProvider


@pytest.fixture(autouse=True)
def _keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("EVALS_PRICING", raising=False)


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    with FakeProvider(config=FakeConfig()) as server:
        yield server
