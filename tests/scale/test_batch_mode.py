"""Batch mode end to end (session.start_run / resume_run) against the fake provider's batch APIs
on all three providers: answers journaled and scored like direct ones, cost at the batch rate,
failed items sent again in a new batch (or directly), batches split by size, and the dry run's
batch price beside the direct one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from backend_support import journal, run_config, run_options, write_task

from evals.estimate import estimate_plan
from evals.plan import make_plan
from evals.pricing import cost_of
from evals.records import Usage
from evals.session import start_run
from evals.testing.fake_provider import BatchConfig, FakeProvider

FAST = {"linger_s": 0.05, "poll_s": 0.02, "poll_max_s": 0.05}
PROVIDERS = [("openai", "gpt-4o-mini"), ("anthropic", "claude-haiku-4-5"), ("gemini", "gemini-2.5-flash")]


def batch_backend(fake: FakeProvider, kind: str, model: str, **batch: Any) -> dict[str, Any]:
    url = fake.openai_url if kind == "openai" else fake.url
    return {
        "name": kind,
        "type": kind,
        "model": model,
        "base_url": url,
        "batch": {**FAST, **batch},
        "max_retry_wait": 0.05,
    }


def ledger(outcome: Any, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((outcome.rundir.path / "batches" / f"{name}.json").read_text())
    return data


@pytest.mark.parametrize(("kind", "model"), PROVIDERS)
def test_batch_run_scores_and_costs_half(fake: FakeProvider, tmp_path: Path, kind: str, model: str) -> None:
    fake.batches.configure(BatchConfig(polls_to_complete=2))
    task = write_task(tmp_path, 12)
    outcome = start_run(run_config(task, batch_backend(fake, kind, model)), tmp_path, run_options(tmp_path))
    lines = journal(outcome)
    assert len(lines) == 12 and all(r["status"] == "ok" for r in lines.values())
    assert all(r["scores"] == {"exact_match": 1.0} for r in lines.values())
    # every request went through a batch (none directly), once
    hits = fake.state.snapshot()
    assert {h.endpoint.split(":")[0] for h in hits} == {"batch"} and len(hits) == 12
    for line in lines.values():
        usage = Usage.model_validate(line["usage"])
        direct = cost_of(model, usage)
        assert direct is not None and line["cost_usd"] == pytest.approx(direct / 2)
    cell = outcome.summary.cells[0]
    assert cell.cost_usd == pytest.approx(sum(r["cost_usd"] for r in lines.values()))
    batches = ledger(outcome, kind)["batches"]
    assert sum(len(b["custom_ids"]) for b in batches) == 12
    assert all(b["state"] == "ended" for b in batches)
    assert fake.batches.counts["batches"] == len(batches)


@pytest.mark.parametrize(("kind", "model"), PROVIDERS)
def test_failed_and_expired_items_go_again_in_a_new_batch(
    fake: FakeProvider, tmp_path: Path, kind: str, model: str
) -> None:
    fake.batches.configure(BatchConfig(script={"s01": ["expired"], "s02": ["errored"], "s03": ["invalid"]}))
    task = write_task(tmp_path, 5)
    outcome = start_run(run_config(task, batch_backend(fake, kind, model)), tmp_path, run_options(tmp_path))
    lines = journal(outcome)
    assert lines["s01"]["status"] == "ok" and lines["s01"]["attempts"] == 2
    assert lines["s02"]["status"] == "ok" and lines["s02"]["attempts"] == 2
    assert lines["s03"]["status"] == "error" and lines["s03"]["error"]["kind"] == "bad_request"
    assert fake.state.requests("s01") == 2 and fake.state.requests("s00") == 1
    batches = ledger(outcome, kind)["batches"]
    assert len(batches) == 2  # the first, then one for the two that failed
    assert len(batches[1]["custom_ids"]) == 2


def test_retry_sync_sends_failed_items_directly_at_the_direct_price(
    fake: FakeProvider, tmp_path: Path
) -> None:
    fake.batches.configure(BatchConfig(script={"s01": ["expired"]}))
    task = write_task(tmp_path, 3)
    backend = batch_backend(fake, "openai", "gpt-4o-mini", retry="sync")
    outcome = start_run(run_config(task, backend), tmp_path, run_options(tmp_path))
    lines = journal(outcome)
    assert all(r["status"] == "ok" for r in lines.values())
    endpoints = [h.endpoint for h in fake.state.snapshot() if h.sample == "s01"]
    assert endpoints == ["batch:chat", "chat"]
    direct = cost_of("gpt-4o-mini", Usage.model_validate(lines["s01"]["usage"]))
    assert lines["s01"]["cost_usd"] == pytest.approx(direct)
    batched = cost_of("gpt-4o-mini", Usage.model_validate(lines["s00"]["usage"]))
    assert batched is not None and lines["s00"]["cost_usd"] == pytest.approx(batched / 2)


def test_batches_are_split_by_size(fake: FakeProvider, tmp_path: Path) -> None:
    task = write_task(tmp_path, 9)
    backend = batch_backend(fake, "anthropic", "claude-haiku-4-5", max_requests=4, linger_s=0.3)
    outcome = start_run(run_config(task, backend), tmp_path, run_options(tmp_path))
    assert all(r["status"] == "ok" for r in journal(outcome).values())
    sizes = sorted(len(b["custom_ids"]) for b in ledger(outcome, "anthropic")["batches"])
    assert sizes == [1, 4, 4]

    bytes_task = write_task(tmp_path / "b", 6)
    one = len(json.dumps({"x": "y" * 400}))  # every item carries a ~1 kB image: 3 kB holds two
    backend = batch_backend(fake, "openai", "gpt-4o-mini", max_bytes=max(1024, 3 * one), linger_s=0.3)
    outcome = start_run(run_config(bytes_task, backend), tmp_path / "b", run_options(tmp_path / "b"))
    batches = ledger(outcome, "openai")["batches"]
    assert len(batches) >= 2 and all(b["bytes"] <= max(1024, 3 * one) for b in batches)
    assert sum(len(b["custom_ids"]) for b in batches) == 6


def test_dry_run_shows_the_batch_price_beside_the_direct_price(fake: FakeProvider, tmp_path: Path) -> None:
    task = write_task(tmp_path, 4)
    direct = make_plan(
        run_config(task, {**batch_backend(fake, "gemini", "gemini-2.5-flash"), "batch": False}), tmp_path
    )
    batched = make_plan(run_config(task, batch_backend(fake, "gemini", "gemini-2.5-flash")), tmp_path)
    sync_cell = estimate_plan(direct).cells[0]
    batch_cell = estimate_plan(batched).cells[0]
    assert not sync_cell.batched and batch_cell.batched
    assert sync_cell.usd and batch_cell.usd == pytest.approx(sync_cell.usd / 2)
    assert batch_cell.sync_usd == pytest.approx(sync_cell.usd)


def test_batch_on_a_backend_without_a_batch_api_is_refused(tmp_path: Path) -> None:
    from evals.errors import InputError

    task = write_task(tmp_path, 1)
    config = run_config(task, {"name": "o", "type": "oracle", "batch": True})
    with pytest.raises(InputError, match="has no batch API"):
        make_plan(config, tmp_path)


def test_batch_flag_applies_to_provider_backends_only(tmp_path: Path) -> None:
    from evals.config import Overrides

    task = write_task(tmp_path, 1)
    config = run_config(task, {"name": "g", "type": "openai"}).model_copy()
    config = config.model_validate(
        {
            **config.model_dump(mode="json"),
            "backends": [{"name": "g", "type": "openai"}, {"name": "o", "type": "oracle"}],
        }
    )
    changed = config.with_overrides(Overrides(batch=True))
    assert changed.backends[0].batch is not None and changed.backends[1].batch is None


def test_dry_run_prints_the_batch_table(fake: FakeProvider, tmp_path: Path) -> None:
    from rich.console import Console

    from evals.cli.dry_run import print_plan

    task = write_task(tmp_path, 3)
    console = Console(record=True, width=200)
    print_plan(run_config(task, batch_backend(fake, "openai", "gpt-4o-mini")), tmp_path, console=console)
    text = console.export_text()
    assert "batch mode: batch price beside the direct price" in text
    assert "(batch)" in text and "saved" in text


def test_batch_with_several_base_urls_is_refused(fake: FakeProvider, tmp_path: Path) -> None:
    from evals.errors import InputError

    task = write_task(tmp_path, 1)
    backend = {
        **batch_backend(fake, "openai", "gpt-4o-mini"),
        "base_urls": [fake.openai_url, fake.openai_url],
    }
    with pytest.raises(InputError, match="both batch: and base_urls:"):
        make_plan(run_config(task, backend), tmp_path)
