"""Model backends: each a small class registered under the entry-point group `evals.backends`."""

from evals.backends.base import Backend, BackendConfig, backend_registry

__all__ = ["Backend", "BackendConfig", "backend_registry"]
