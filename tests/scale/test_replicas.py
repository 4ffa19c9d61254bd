"""A backend spread over three replicas (three fake servers): requests go to the least busy,
a replica killed mid-run is taken out and its requests answered by the others (0 lost samples),
and the per-replica table in the summary shows the failover."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from backend_support import journal, run_config, run_options, write_task

from evals.backends.replicas import ReplicaBackend
from evals.plan import make_plan
from evals.session import start_run
from evals.testing.fake_provider import FakeConfig, FakeProvider


def replica_backend(servers: list[FakeProvider], **fields: object) -> dict[str, object]:
    return {
        "name": "llava",
        "type": "openai-compatible",
        "model": "llava",
        "base_urls": [s.openai_url for s in servers],
        "concurrency": 6,
        "max_retry_wait": 0.05,
        "options": {"free": True},
        "replicas": {"failures_to_eject": 1, "retry_after_s": 30},
        **fields,
    }


def test_requests_spread_over_replicas(tmp_path: Path) -> None:
    servers = [FakeProvider(config=FakeConfig(latency_ms=20)).start() for _ in range(3)]
    try:
        task = write_task(tmp_path, 30)
        outcome = start_run(run_config(task, replica_backend(servers)), tmp_path, run_options(tmp_path))
        assert all(r["status"] == "ok" for r in journal(outcome).values())
        counts = [s.state.requests() for s in servers]
        assert sum(counts) == 30 and min(counts) >= 5  # least-outstanding keeps all three busy
        replicas = outcome.summary.replicas
        assert [r.url for r in replicas] == [s.openai_url for s in servers]
        assert [r.requests for r in replicas] == counts and all(r.errors == 0 for r in replicas)
    finally:
        for server in servers:
            server.stop()


def test_a_replica_killed_mid_run_loses_no_sample(tmp_path: Path) -> None:
    servers = [FakeProvider(config=FakeConfig(latency_ms=30)).start() for _ in range(3)]
    victim = servers[1]
    killed = threading.Event()

    def kill_when_busy() -> None:
        deadline = time.monotonic() + 60
        while sum(s.state.requests() for s in servers) < 15 and time.monotonic() < deadline:
            time.sleep(0.005)
        victim.stop()
        killed.set()

    killer = threading.Thread(target=kill_when_busy, daemon=True)
    killer.start()
    try:
        task = write_task(tmp_path, 60)
        outcome = start_run(run_config(task, replica_backend(servers)), tmp_path, run_options(tmp_path))
        killer.join(10)
        assert killed.is_set()
        lines = journal(outcome)
        assert len(lines) == 60 and all(r["status"] == "ok" for r in lines.values()), "a sample was lost"
        assert all(r["scores"] == {"exact_match": 1.0} for r in lines.values())
        table = {r.url: r for r in outcome.summary.replicas}
        dead = table[victim.openai_url]
        # Taken out at least once (and again if it is retried after its wait while still down).
        assert dead.errors >= 1 and 1 <= dead.ejections <= dead.errors and dead.failovers >= 1
        assert sum(r.ok for r in table.values()) == 60
        alive = [table[s.openai_url] for s in servers if s is not victim]
        assert all(r.errors == 0 and r.ok > dead.ok for r in alive)
        assert (outcome.rundir.path / "replicas.json").is_file()
    finally:
        for server in servers:
            server.stop()


def test_replicas_wrap_any_backend_and_keep_one_cache_identity(tmp_path: Path) -> None:
    task = write_task(tmp_path, 1)
    urls = ["http://127.0.0.1:9/v1", "http://127.0.0.1:10/v1/"]
    plan = make_plan(
        run_config(task, {"name": "v", "type": "openai-compatible", "model": "m", "base_urls": urls}),
        tmp_path,
    )
    backend = plan.backends["v"]
    assert isinstance(backend, ReplicaBackend) and backend.type_name == "openai-compatible"
    assert [r.backend.config.base_url for r in backend.replicas] == urls
    assert backend.cache_identity()["base_url"] == ["http://127.0.0.1:10/v1", "http://127.0.0.1:9/v1"]
