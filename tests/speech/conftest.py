"""The speech tests import their helpers from speech_support.py beside them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


def pytest_configure(config: pytest.Config) -> None:
    # The tests call pyannote.metrics directly without a UEM, as the scorers do; it warns each time.
    config.addinivalue_line("filterwarnings", "ignore:'uem' was approximated:UserWarning")
