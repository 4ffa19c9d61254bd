"""Fixtures for the built-in data tests (helpers live in data_support.py)."""

from __future__ import annotations

from types import ModuleType

import pytest
from data_support import load_build_script


@pytest.fixture(scope="session")
def build_script() -> ModuleType:
    return load_build_script()
