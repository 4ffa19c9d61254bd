"""Fixtures for scale tests (batch mode, replicas): keys in the environment and fake providers
on 127.0.0.1; helpers are shared with tests/backends (backend_support.py)."""

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
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.delenv("EVALS_PRICING", raising=False)


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    server = FakeProvider(config=FakeConfig(retry_after_s=0.05, hang_s=5.0))
    with server:
        yield server


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "filterwarnings", "ignore:Inheritance class AiohttpClientSession:DeprecationWarning"
    )
