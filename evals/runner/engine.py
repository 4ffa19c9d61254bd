"""The runner: streams each task's samples once, fans every sample out to its backends, scores
each answer as it arrives, and journals one line per sample × backend as soon as it is done.

Calls go through the `Caller` (cache, limits, retries, timeout, budget); a call that still
fails is journaled as an error with its kind, never scored. A response is cached before it is
journaled, so a crash between the two costs nothing on resume. Samples already in the journal
are never requested again. Produced media (an image, a spoken reply) are stored once in the run
directory and referenced from the journal.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rich.progress import TaskID

from evals.backends.base import Backend, TaskInfo
from evals.data.shard import Shard
from evals.errors import InputError, MediaError
from evals.journal import JournalWriter, Key
from evals.media import Media
from evals.records import ErrorInfo, Request, Sample
from evals.review import confidence_from_logprobs
from evals.rundata import Latency, MediaRef, SampleRecord
from evals.rundir import MediaStore
from evals.runner.calls import Caller, CallResult
from evals.runner.media_reads import read_files_off_loop
from evals.runner.progress import ProgressBoard
from evals.runner.scoring import ScoringStage
from evals.scoring import MediaItem, ScoreInput
from evals.secrets import scrub
from evals.task.loader import Task
from evals.values import json_safe, safe_text
from evals.video_request import info_of, preview_frames, video_parts
from evals.video_request import prepare as prepare_videos
from evals.video_strip import frames_picture

log = logging.getLogger(__name__)

# Inputs held only in memory (generated, streamed) are kept in the run directory for previews
# when at most this large; inputs read from files are referenced by path and hash instead.
PREVIEW_LIMIT_BYTES = 256_000


@dataclass
class RunStats:
    requests: int = 0
    cache_hits: int = 0
    journaled: int = 0
    skipped: int = 0
    not_run: int = 0
    judge_requests: int = 0
    scorer_errors: int = 0
    unknown_cost: set[str] = field(default_factory=set)


@dataclass
class _Prepared:
    """A sample's request and what is journaled about its inputs, built once for all backends."""

    request: Request
    canonical: dict[str, object]
    inputs: list[MediaRef]
    items: list[MediaItem]


class Runner:
    def __init__(
        self,
        tasks: list[Task],
        backends: dict[str, Backend],
        pairs: dict[str, list[str]],
        journal: JournalWriter,
        done: set[Key],
        *,
        caller: Caller,
        scoring: ScoringStage,
        media: MediaStore,
        progress: ProgressBoard | None = None,
        limit: int | None = None,
        shard: Shard | None = None,
        seed: int = 0,
    ) -> None:
        self.tasks = tasks
        self.backends = backends
        self.pairs = pairs
        self.journal = journal
        self.done = done
        self.caller = caller
        self.scoring = scoring
        self.media = media
        self.progress = progress or ProgressBoard(enabled=False)
        self.limit = limit
        self.shard = shard
        self.seed = seed
        self._stats = RunStats()
        self._bars: dict[tuple[str, str], TaskID] = {}

    @property
    def stats(self) -> RunStats:
        calls = self.caller.stats
        stats = self._stats
        stats.requests = calls.requests - self.scoring.stats.judge_requests
        stats.cache_hits = calls.cache_hits - self.scoring.stats.judge_cache_hits
        stats.not_run = calls.not_sent
        stats.judge_requests = self.scoring.stats.judge_requests
        stats.scorer_errors = self.scoring.stats.scorer_errors
        stats.unknown_cost = set(calls.unknown_cost)
        return stats

    async def run(self) -> RunStats:
        try:
            async with asyncio.TaskGroup() as group:
                for task in self.tasks:
                    group.create_task(self._run_task(task))
        except BaseExceptionGroup as group:
            # A bad row met while streaming (a hub dataset) is bad input, not a crash: surface
            # the InputError itself (exit 2 with its one line), not the task groups around it.
            found = _first_input_error(group)
            if found is None:
                raise
            raise found from None
        return self.stats

    async def _run_task(self, task: Task) -> None:
        backends = [self.backends[name] for name in self.pairs.get(task.name, [])]
        if not backends:
            return
        info = TaskInfo(task.name, task.spec.kind, task.targets)
        for backend in backends:
            await backend.setup(info)
        total = (
            task.count(limit=self.limit, shard=self.shard)
            if self.progress.enabled or self.progress.plain
            else None
        )
        for backend in backends:
            self._bars[(task.name, backend.name)] = self.progress.add(f"{task.name} · {backend.name}", total)
        window = asyncio.Semaphore(max(4, 2 * max(b.concurrency for b in backends)))
        async with asyncio.TaskGroup() as group:
            for sample in task.samples(limit=self.limit, shard=self.shard):
                todo = [b for b in backends if (task.name, b.name, sample.id) not in self.done]
                self._stats.skipped += len(backends) - len(todo)
                for backend in backends:
                    if backend not in todo:  # journaled by an earlier attempt: counts as done
                        self.progress.advance(self._bars[(task.name, backend.name)])
                if not todo:
                    continue
                await window.acquire()
                group.create_task(self._run_sample(task, sample, todo, window))

    async def _run_sample(
        self, task: Task, sample: Sample, backends: list[Backend], window: asyncio.Semaphore
    ) -> None:
        try:
            try:
                await read_files_off_loop(sample)  # a slow disk or mount never stalls the run
                request = task.builder.build(sample)
                if "perturb" in sample.metadata:  # perturbing media is CPU work: off the loop
                    canonical = await asyncio.to_thread(request.canonical)
                else:
                    canonical = request.canonical()  # reads and hashes the media, once
                if video_parts(request):  # frames decoded once for every backend, off the loop
                    await asyncio.to_thread(prepare_videos, request, [b.receiver for b in backends])
            except InputError as exc:  # a template that fails on this row: the task must change
                raise exc.located(file=str(task.path) if task.path else None) from None
            except MediaError as exc:
                error = ErrorInfo(kind="media", message=scrub(str(exc)))
                for backend in backends:
                    record = self._base_record(task, backend, sample, None, [])
                    record.status, record.error = "error", error
                    self._journal(record, spent=0.0)
                return
            pictures: dict[int, tuple[float | None, bytes | None]] = {}
            if video_parts(request):  # reads headers and draws the frames pictures: off the loop
                pictures = await asyncio.to_thread(_video_pictures, request)
            inputs = self._inputs(sample, pictures)
            prepared = _Prepared(request, canonical, *inputs)
            await asyncio.gather(*(self._run_one(task, b, sample, prepared) for b in backends))
        finally:
            sample.release_media()
            window.release()

    def _inputs(
        self, sample: Sample, pictures: dict[int, tuple[float | None, bytes | None]]
    ) -> tuple[list[MediaRef], list[MediaItem]]:
        """References to the sample's media (stored for previews when held only in memory), and
        the same media as a scorer sees them. A video is never read whole here: its reference
        carries its duration and a picture of the frames sampled from it."""
        refs: list[MediaRef] = []
        items: list[MediaItem] = []
        for name, media in sample.media_fields():
            if media.kind == "video":
                refs.append(self._video_ref(name, media, *pictures.get(id(media), (None, None))))
                items.append(MediaItem(media.kind, media.mime, media.sha256, name, _loader(media)))
                continue
            data = media.data
            ref = MediaRef(kind=media.kind, sha256=media.sha256, mime=media.mime, path=media.path, name=name)
            if media.path is None and len(data) <= PREVIEW_LIMIT_BYTES:
                stored = self.media.put(media.kind, data, media.mime, name=name)
                ref.stored = stored.stored
            refs.append(ref)
            items.append(MediaItem(media.kind, media.mime, media.sha256, name, _loader(media)))
        return refs, items

    def _video_ref(self, name: str, media: Media, seconds: float | None, picture: bytes | None) -> MediaRef:
        ref = MediaRef(kind="video", sha256=media.sha256, mime=media.mime, path=media.path, name=name)
        ref.bytes, ref.seconds = media.size(), seconds
        if media.path is None and ref.bytes <= PREVIEW_LIMIT_BYTES:
            ref.stored = self.media.put("video", media.data, media.mime, name=name).stored
        if picture is not None:
            ref.frames = self.media.put("image", picture, "image/jpeg", name=f"{name} frames")
        return ref

    async def _run_one(self, task: Task, backend: Backend, sample: Sample, prepared: _Prepared) -> None:
        result = await self.caller.call(backend, prepared.request, sample, canonical=prepared.canonical)
        record = self._base_record(task, backend, sample, prepared.request, prepared.inputs)
        self._fill(record, backend, result)
        if record.status == "ok":
            response = result.response
            outputs = [self.media.put(o.kind, o.data, o.mime, name=o.name) for o in response.outputs]
            record.outputs = outputs
            item = ScoreInput(
                task=task.name,
                backend=backend.name,
                sample_id=sample.id,
                prediction=record.prediction or "",
                targets=list(sample.targets),
                choices=list(sample.choices) if sample.choices is not None else None,
                metadata=sample.metadata,
                outputs=[
                    MediaItem(o.kind, o.mime, o.sha256, o.name, _constant(o.data)) for o in response.outputs
                ],
                inputs=prepared.items,
                prompt=record.prompt,
            )
            scored = await self.scoring.score(task.scorers, item, seed=self.seed)
            record.scores = scored.scores
            record.details = scored.details
            record.flags.extend(f for f in scored.flags if f not in record.flags)
            record.scorer_errors = scored.errors
            record.scorer_calls = scored.calls
        spent = 0.0 if result.cached else (result.cost_usd or 0.0)
        spent += sum(c.spent_usd for c in record.scorer_calls.values())
        self._journal(record, spent=spent)

    def _base_record(
        self, task: Task, backend: Backend, sample: Sample, request: Request | None, inputs: list[MediaRef]
    ) -> SampleRecord:
        return SampleRecord(
            task=task.name,
            backend=backend.name,
            sample_id=sample.id,
            status="ok",
            targets=list(sample.targets),
            choices=list(sample.choices) if sample.choices is not None else None,
            metadata=json_safe(sample.metadata),
            prompt=safe_text(request.prompt_text()) if request is not None else None,
            inputs=inputs,
            model=backend.model,
        )

    @staticmethod
    def _fill(record: SampleRecord, backend: Backend, result: CallResult) -> None:
        response = result.response
        record.usage = response.usage
        record.cost_usd = result.cost_usd
        record.cached = result.cached
        record.attempts = result.attempts
        record.request_hash = result.cache_key
        record.finish_reason = response.finish_reason
        record.model = response.model or backend.model
        # Cache hits took no time; baselines answer in-process from the sample, so their
        # "latency" would only measure the event loop. Neither is a latency sample.
        if not result.cached and backend.kind != "baseline":
            record.latency = result.latency
        else:
            record.latency = Latency()
        if not result.sent:
            record.status, record.error = "not_run", response.error
        elif response.error is not None:
            record.status, record.error = "error", response.error
        else:
            record.prediction = safe_text(response.text)  # made safe by the caller already
            record.confidence = (
                response.confidence
                if response.confidence is not None
                else confidence_from_logprobs(response.logprobs)
            )
            record.stages = {role: json_safe(found) for role, found in response.stage_details.items()}
        record.flags.extend(f for f in result.flags if f not in record.flags)

    def _journal(self, record: SampleRecord, *, spent: float) -> None:
        record.finished_at = time.time()
        self.journal.append(record)
        self.done.add(record.key)
        self._stats.journaled += 1
        bar = self._bars.get((record.task, record.backend))
        if bar is not None:
            self.progress.advance(bar, error=record.status != "ok", spent=spent)


def _video_pictures(request: Request) -> dict[int, tuple[float | None, bytes | None]]:
    """Per video (by its Media's id): its length and a picture of the frames sampled from it
    (decoded already for the backends, or the default sampling's). Blocking: run in a thread."""
    out: dict[int, tuple[float | None, bytes | None]] = {}
    for part in video_parts(request):
        try:
            seconds = info_of(request, part).seconds
            shown = preview_frames(request, part)
            out[id(part.media)] = (seconds, frames_picture([(f.time, f.data) for f in shown]))
        except MediaError:
            out[id(part.media)] = (None, None)
    return out


def _loader(media: Media) -> Callable[[], bytes]:
    return lambda: media.data


def _constant(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def _first_input_error(group: BaseExceptionGroup[BaseException]) -> InputError | None:
    for exc in group.exceptions:
        if isinstance(exc, InputError):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            found = _first_input_error(exc)
            if found is not None:
                return found
    return None


def backends_needing(tasks: Iterable[Task], pairs: dict[str, list[str]]) -> set[str]:
    return {name for task in tasks for name in pairs.get(task.name, [])}
