from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _judge_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The judge is an OpenAI backend pointed at the fake provider: it needs a key to start."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-judge-0123456789")
