"""Task files: the schema (`TaskSpec`), defaults per kind, loading and prompt rendering."""

from evals.task.spec import TaskSpec

__all__ = ["TaskSpec"]
