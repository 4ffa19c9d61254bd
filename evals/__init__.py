"""multimodal-evals: which multimodal model for this job, at what cost and latency.

The public API is small: `load_run`/`load_runs` (results as pandas), the records and
interfaces to extend the harness (`TaskSpec`, `Sample`, `Backend`, `Scorer`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evals.version import __version__

__all__ = ["Backend", "Sample", "Scorer", "TaskSpec", "__version__", "load_run", "load_runs"]

if TYPE_CHECKING:
    from evals.analysis import load_run, load_runs
    from evals.backends.base import Backend
    from evals.records import Sample
    from evals.scoring import Scorer
    from evals.task.spec import TaskSpec

_LAZY = {
    "load_run": "evals.analysis",
    "load_runs": "evals.analysis",
    "Backend": "evals.backends.base",
    "Sample": "evals.records",
    "Scorer": "evals.scoring",
    "TaskSpec": "evals.task.spec",
}


def __getattr__(name: str) -> Any:
    """Import on first use, so `import evals` stays cheap (pandas loads only for load_run)."""
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'evals' has no attribute {name!r}")
