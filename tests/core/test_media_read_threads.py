"""Media reads run on reused daemon threads; a stuck read keeps only its own thread."""

from __future__ import annotations

import threading
from collections.abc import Callable

from evals.runner.media_reads import DaemonWorkers


def test_an_idle_thread_is_reused_and_a_stuck_job_does_not_block_the_next() -> None:
    workers = DaemonWorkers(idle_s=5.0)
    names: list[int] = []
    done = threading.Event()

    def job() -> None:
        names.append(threading.get_ident())
        done.set()

    for _ in range(3):  # one after the other: the same thread serves all three
        done.clear()
        workers.submit(job)
        assert done.wait(5.0)
        assert _wait_until(lambda: workers.idle == 1)  # marked idle just after the job returns
    assert len(set(names)) == 1

    release = threading.Event()
    workers.submit(lambda: release.wait(10.0))  # stuck: holds the idle thread
    done.clear()
    workers.submit(job)  # served by another thread, at once
    assert done.wait(5.0)
    assert names[-1] != names[0]
    release.set()


def _wait_until(check: Callable[[], bool]) -> bool:
    for _ in range(1000):  # at most ~10 s
        if check():
            return True
        threading.Event().wait(0.01)
    return False


def test_an_idle_thread_ends_after_its_wait() -> None:
    workers = DaemonWorkers(idle_s=0.2)
    done = threading.Event()
    workers.submit(done.set)
    assert done.wait(5.0)
    assert _wait_until(lambda: workers.idle == 1)
    assert _wait_until(lambda: workers.idle == 0)  # it ended: the next job gets a new thread
    done.clear()
    workers.submit(done.set)
    assert done.wait(5.0)
