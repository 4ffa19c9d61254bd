"""Baselines that need nothing installed: the ceiling, the prior, and chance.

They are labelled `baseline` everywhere they appear, so nobody mistakes them for a model.
"""

from __future__ import annotations

import hashlib
import random
from typing import ClassVar

from evals.backends.base import Backend, BackendOptions, TaskInfo
from evals.records import Request, Response, Sample
from evals.references import most_common


class _Baseline(Backend):
    kind = "baseline"
    cacheable = False
    modalities = frozenset({"text", "image", "audio", "video"})

    async def generate(self, request: Request) -> Response:  # pragma: no cover - answer() is used
        raise NotImplementedError(f"{self.type_name} answers from the sample, not the request")


class OracleBackend(_Baseline):
    """Answers with the reference (the most frequent one when there are several): the ceiling,
    and a check that prompt, scorers and aggregation are wired right."""

    type_name = "oracle"
    default_model = "oracle"

    async def answer(self, request: Request, sample: Sample) -> Response:
        return Response(text=most_common(sample.targets) if sample.targets else "")


class MajorityOptions(BackendOptions):
    pass


class MajorityBackend(_Baseline):
    """Always gives the task's most frequent answer: the classic prior baseline.

    The prior is taken over the evaluated dataset's references (no training split is assumed),
    which is what "answering the most common answer" scores on that dataset.
    """

    type_name = "majority"
    default_model = "majority"
    Options = MajorityOptions

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._prior: dict[str, str] = {}

    async def setup(self, task: TaskInfo) -> None:
        firsts = [most_common(t) for t in task.targets() if t]
        self._prior[task.name] = most_common(firsts) if firsts else ""

    async def answer(self, request: Request, sample: Sample) -> Response:
        return Response(text=self._prior.get(request.task, ""))


class RandomChoiceOptions(BackendOptions):
    seed: int = 0


class RandomChoiceBackend(_Baseline):
    """Picks an option at random, seeded per sample id (so order and concurrency do not matter).

    With `choices` it answers one option's text (choice scorers read a letter or the text);
    without, one of the distinct answers the dataset uses (yes/no, left/right, counts): the
    chance level of the task.
    """

    type_name = "random-choice"
    default_model = "random-choice"
    Options = RandomChoiceOptions
    options: RandomChoiceOptions

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._answers: dict[str, list[str]] = {}

    async def setup(self, task: TaskInfo) -> None:
        seen: dict[str, None] = {}
        for targets in task.targets():
            if targets:
                seen.setdefault(most_common(targets))
        self._answers[task.name] = sorted(seen)

    def _rng(self, task: str, sample_id: str) -> random.Random:
        digest = hashlib.sha256(f"{self.options.seed}\x00{task}\x00{sample_id}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    async def answer(self, request: Request, sample: Sample) -> Response:
        rng = self._rng(request.task, sample.id)
        if sample.choices:
            return Response(text=rng.choice(sample.choices))
        answers = self._answers.get(request.task) or [""]
        return Response(text=rng.choice(answers))


class EchoBackend(_Baseline):
    """Answers with the request's text: an in-process backend for measuring harness overhead."""

    type_name = "echo"
    default_model = "echo"
    cacheable: ClassVar[bool] = False

    async def answer(self, request: Request, sample: Sample) -> Response:
        for message in reversed(request.messages):
            if message.role == "user":
                return Response(text=message.text)
        return Response(text="")


class AlwaysYesBackend(_Baseline):
    """Answers "Yes." to everything: the pure yes-bias, against which hallucination probes show
    how far a model's "yes" answers track what is in the picture."""

    type_name = "always-yes"
    default_model = "always-yes"

    async def answer(self, request: Request, sample: Sample) -> Response:
        return Response(text="Yes.")
