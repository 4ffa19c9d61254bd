"""Reliability tests: faults, crashes, bad inputs, secrets, untrusted content, concurrency.
Helpers live beside the tests (soak_support.py, crash_support.py, …)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from soak_support import KEYS


@pytest.fixture(autouse=True)
def _keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.delenv("EVALS_PRICING", raising=False)


def pytest_configure(config: pytest.Config) -> None:
    # google-genai subclasses aiohttp.ClientSession, which aiohttp warns about: not ours to fix.
    config.addinivalue_line(
        "filterwarnings", "ignore:Inheritance class AiohttpClientSession:DeprecationWarning"
    )
