"""Fixtures for document-processing tests: keys in the environment and a fake provider (the
backend helpers of tests/backends are shared)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "backends"))

from backend_support import KEYS

from evals.testing.fake_provider import FakeConfig, FakeProvider


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)


@pytest.fixture
def fake(keys: None) -> Iterator[FakeProvider]:
    with FakeProvider(config=FakeConfig(retry_after_s=0.05, hang_s=5.0)) as server:
        yield server


def pytest_configure(config: pytest.Config) -> None:
    # google-genai subclasses aiohttp.ClientSession, which aiohttp warns about: not ours to fix.
    config.addinivalue_line(
        "filterwarnings", "ignore:Inheritance class AiohttpClientSession:DeprecationWarning"
    )
