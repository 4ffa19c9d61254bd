"""A backend with a bug, loaded by path (`buggy_backend:Buggy`): its `setup` raises, as a bug in
the harness would, outside any one sample. The run must end with the crash exit code, one line
naming a crash log, and no traceback on the terminal."""

from __future__ import annotations

import os

from evals.backends.base import Backend, TaskInfo
from evals.records import Request, Response


class Buggy(Backend):
    type_name = "buggy"
    kind = "baseline"
    modalities = frozenset({"text", "image", "audio", "video"})

    async def setup(self, task: TaskInfo) -> None:
        key = os.environ.get("OPENAI_API_KEY", "")
        raise RuntimeError(f"a bug in setup (the environment holds {key})")

    async def generate(self, request: Request) -> Response:
        return Response(text="never")
