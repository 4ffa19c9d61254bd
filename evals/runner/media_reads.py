"""Reading a sample's media files off the event loop, with a bound.

A file on a slow network mount (or one that stops answering) read on the loop would stall every
request in flight. Files are read in a daemon thread; a read that takes longer than
`MEDIA_READ_TIMEOUT_S` is that sample's `media` error and the run goes on (the thread is left
to finish or hang on its own: it never holds the process open at exit). Generated media stay
on the loop: they are rendered in memory, and some renderers are not thread-safe.

Threads are reused: starting one per sample cost more than the read itself on a loaded machine
(2,000 thread starts ≈ 1.5 s of a cached re-run). A thread that finished a read waits a little
for the next; a stuck read keeps only its own thread, and the next read gets another.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import TypeVar

from evals.errors import MediaError
from evals.media import Media
from evals.records import Sample

T = TypeVar("T")
MEDIA_READ_TIMEOUT_S = 120.0
IDLE_THREAD_S = 5.0  # how long a reader thread waits for its next read before it ends


class DaemonWorkers:
    """Daemon threads that run one job at a time each and are reused while they are idle."""

    def __init__(self, idle_s: float = IDLE_THREAD_S) -> None:
        self.idle_s = idle_s
        self._idle: list[queue.SimpleQueue[Callable[[], None]]] = []  # inboxes of idle threads
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> None:
        """Run `job` (which must not raise) on an idle thread, or on a new one."""
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = queue.SimpleQueue()
            threading.Thread(target=self._serve, args=(inbox,), name="media-read", daemon=True).start()
        inbox.put(job)

    def _serve(self, inbox: queue.SimpleQueue[Callable[[], None]]) -> None:
        while True:
            try:
                job = inbox.get(timeout=self.idle_s)
            except queue.Empty:
                with self._lock:
                    if inbox in self._idle:  # still idle: end (else a job is being handed over)
                        self._idle.remove(inbox)
                        return
                job = inbox.get()
            job()
            with self._lock:
                self._idle.append(inbox)

    @property
    def idle(self) -> int:
        with self._lock:
            return len(self._idle)


_WORKERS = DaemonWorkers()


async def in_daemon_thread(work: Callable[[], T], timeout: float) -> T:
    """`work()` in a daemon thread; TimeoutError after `timeout` seconds (the thread is not
    waited for, at the deadline or at exit)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(value: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)  # type: ignore[arg-type]

    def run() -> None:
        try:
            value, error = work(), None
        except BaseException as exc:  # handed to the awaiting task
            value, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop closed while this thread was reading
            loop.call_soon_threadsafe(settle, value, error)

    _WORKERS.submit(run)
    return await asyncio.wait_for(future, timeout)


def _file_backed(sample: Sample) -> list[Media]:
    """The sample's media read from files (not videos: those are streamed)."""
    return [media for _, media in sample.media_fields() if media.path and media.kind != "video"]


async def read_files_off_loop(sample: Sample, timeout: float = MEDIA_READ_TIMEOUT_S) -> None:
    """Read every file-backed image and audio of the sample (each Media keeps its bytes), off
    the loop. A MediaError is left for the request to raise, where it names its file."""
    files = _file_backed(sample)
    if not files:
        return

    def read_all() -> None:
        for media in files:
            with contextlib.suppress(MediaError):  # raised again, named, when the request reads it
                media.data  # noqa: B018 - read and kept by the Media

    try:
        await in_daemon_thread(read_all, timeout)
    except TimeoutError:
        raise MediaError(
            f"reading the sample's media files took longer than {timeout:.0f} s (a slow or stuck disk)"
        ) from None
