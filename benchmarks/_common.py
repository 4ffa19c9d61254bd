"""Shared by the benchmark scripts: the machine's description, medians, and the results file.

Each script prints its figures and appends a dated section to `benchmarks/results.md`; the
machine is shared and noisy, so scripts report medians of several repeats and ratios.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.md"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"


def median_of(repeats: int, run: Callable[[], float]) -> tuple[float, list[float]]:
    values = [run() for _ in range(repeats)]
    return statistics.median(values), values


def append_results(title: str, lines: list[str]) -> None:
    """Append a dated section; never rewrite what other scripts wrote."""
    stamp = time.strftime("%Y-%m-%d %H:%M")
    section = [f"\n## {title} — {stamp}", f"Machine: {machine()}", "", *lines, ""]
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nAppended by the scripts in this folder; newest last.\n")
    with RESULTS.open("a") as handle:
        handle.write("\n".join(section))
    print("\n".join(section))
