"""Facts about the machine the harness runs on."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores this process may use (its affinity mask, where the platform has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS and Windows
        return max(1, os.cpu_count() or 1)
