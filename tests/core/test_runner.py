"""The runner end to end: scores, errors that are never scored, retries, cache, resume, budget."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from counting_backend import CountingBackend
from records_support import no_latency, read_journal
from runs import changed, config, counting, options

from evals.analysis import load_run
from evals.session import resume_run, start_run


@pytest.fixture(autouse=True)
def _reset_counts() -> None:
    CountingBackend.calls.clear()


def journal(outcome_path: Path) -> list[dict[str, object]]:
    return read_journal(outcome_path / "samples.jsonl")[0]


def test_baselines_run_end_to_end_and_write_the_run_directory(image_dataset: Path, tmp_path: Path) -> None:
    cfg = config(
        image_dataset,
        backends=[{"name": "oracle", "type": "oracle"}, {"name": "majority", "type": "majority"}],
    )
    outcome = start_run(cfg, image_dataset.parent, options(tmp_path))
    assert outcome.exit_code == 0
    files = {p.name for p in outcome.rundir.path.iterdir()}
    assert {"run.json", "samples.jsonl", "summary.json", "samples.parquet"} <= files
    cells = {c["backend"]: c for c in outcome.summary.model_dump()["cells"]}
    oracle = cells["oracle"]["metrics"]["exact_match"]
    assert oracle["value"] == 1.0 and oracle["n"] == 30 and oracle["ci_low"] == 1.0
    majority = cells["majority"]["metrics"]["exact_match"]
    assert majority["value"] == pytest.approx(20 / 30)  # "red" is 2 of every 3 answers
    assert majority["ci_low"] < majority["value"] < majority["ci_high"]
    assert cells["majority"]["backend_kind"] == "baseline"
    assert set(cells["oracle"]["breakdowns"]["level"]) == {"easy", "hard"}
    run = load_run(outcome.rundir.path)
    assert len(run.results) == 60 and set(run.summary["metric"]) == {"exact_match"}
    assert len(run.samples) == 60 and "meta.level" in run.samples.columns
    info = json.loads((outcome.rundir.path / "run.json").read_text())
    assert info["schema_version"] == 2 and info["status"] == "finished"
    assert info["tasks"][0]["metrics"][0]["name"] == "exact_match"
    assert "pydantic" in info["versions"]


def test_second_identical_run_is_served_by_the_cache(image_dataset: Path, tmp_path: Path) -> None:
    cfg = config(image_dataset, backends=[counting()])
    first = start_run(cfg, image_dataset.parent, options(tmp_path))
    assert sum(CountingBackend.calls.values()) == 30 and first.stats.requests == 30
    CountingBackend.calls.clear()
    second = start_run(cfg, image_dataset.parent, options(tmp_path))
    assert sum(CountingBackend.calls.values()) == 0 and second.stats.cache_hits == 30
    records = journal(second.rundir.path)
    assert all(r["cached"] for r in records) and all(no_latency(r) for r in records)
    assert (
        second.summary.model_dump()["cells"][0]["metrics"]
        == first.summary.model_dump()["cells"][0]["metrics"]
    )
    assert (
        second.summary.model_dump()["cells"][0]["latency_s"]["n"] == 0
    )  # cache hits are not latency samples


def test_failed_calls_are_errors_not_wrong_answers(image_dataset: Path, tmp_path: Path) -> None:
    cfg = config(
        image_dataset, backends=[counting(fail_first=99, fail_kind="server", max_retries=2)], limit=5
    )
    outcome = start_run(cfg, image_dataset.parent, options(tmp_path))
    records = journal(outcome.rundir.path)
    assert [r["status"] for r in records] == ["error"] * 5
    assert all(r["error"]["kind"] == "server" and r["attempts"] == 3 and r["scores"] == {} for r in records)
    cell = outcome.summary.model_dump()["cells"][0]
    assert cell["n_errors"] == 5 and cell["error_rate"] == 1.0
    assert cell["metrics"]["exact_match"]["n"] == 0 and cell["metrics"]["exact_match"]["value"] is None
    assert outcome.exit_code == 1  # error rate above max_error_rate


def test_retry_after_is_honoured_then_the_answer_is_scored(image_dataset: Path, tmp_path: Path) -> None:
    cfg = config(
        image_dataset, backends=[{**counting(fail_first=1, retry_after=0.3), "max_retry_wait": 5}], limit=2
    )
    started = time.perf_counter()
    outcome = start_run(cfg, image_dataset.parent, options(tmp_path, use_cache=False))
    assert time.perf_counter() - started >= 0.3
    records = journal(outcome.rundir.path)
    assert all(
        r["status"] == "ok" and r["attempts"] == 2 and r["scores"]["exact_match"] == 1.0 for r in records
    )


def test_non_retryable_errors_are_tried_once(image_dataset: Path, tmp_path: Path) -> None:
    cfg = config(image_dataset, backends=[counting(fail_first=99, fail_kind="auth")], limit=3)
    outcome = start_run(cfg, image_dataset.parent, options(tmp_path))
    assert all(r["attempts"] == 1 and r["error"]["kind"] == "auth" for r in journal(outcome.rundir.path))
    assert sum(CountingBackend.calls.values()) == 3


def test_timeouts_are_classified_and_bounded(image_dataset: Path, tmp_path: Path) -> None:
    cfg = config(image_dataset, backends=[counting(delay_s=5, timeout=0.1, max_retries=1)], limit=2)
    started = time.perf_counter()
    outcome = start_run(cfg, image_dataset.parent, options(tmp_path))
    assert time.perf_counter() - started < 3
    assert all(r["error"]["kind"] == "timeout" and r["attempts"] == 2 for r in journal(outcome.rundir.path))


def test_broken_media_is_a_per_sample_error_and_is_never_sent(image_dataset: Path, tmp_path: Path) -> None:
    (image_dataset.parent / "data" / "img3.png").write_bytes(b"\x89PNG\r\n\x1a\ntruncated")
    (image_dataset.parent / "data" / "img4.png").unlink()
    cfg = config(image_dataset, backends=[counting()], limit=6)
    outcome = start_run(cfg, image_dataset.parent, options(tmp_path))
    by_id = {r["sample_id"]: r for r in journal(outcome.rundir.path)}
    assert by_id["s03"]["error"]["kind"] == "media" and "corrupt" in by_id["s03"]["error"]["message"]
    assert by_id["s04"]["error"]["kind"] == "media" and "not found" in by_id["s04"]["error"]["message"]
    assert "s03" not in CountingBackend.calls and "s04" not in CountingBackend.calls
    assert sum(1 for r in by_id.values() if r["status"] == "ok") == 4


def test_budget_stops_sending_and_resume_with_more_budget_finishes(
    image_dataset: Path, tmp_path: Path
) -> None:
    cfg = config(
        image_dataset, backends=[counting(cost_per_call=0.01, concurrency=1)], budget_usd=0.05, limit=12
    )
    first = start_run(cfg, image_dataset.parent, options(tmp_path))
    statuses = [r["status"] for r in journal(first.rundir.path)]
    assert statuses.count("ok") == 5 and statuses.count("not_run") == 7
    assert first.summary.model_dump()["cells"][0]["n_not_run"] == 7
    resumed = resume_run(first.rundir.path, options(tmp_path), changed(budget_usd=1.0))
    final = {r["sample_id"]: r["status"] for r in journal(resumed.rundir.path)}
    assert set(final.values()) == {"ok"} and len(final) == 12
    assert max(CountingBackend.calls.values()) == 1 and sum(CountingBackend.calls.values()) == 12
    assert resumed.summary.model_dump()["cells"][0]["spent_usd"] == pytest.approx(0.12)


def test_resume_sends_nothing_for_journaled_samples(image_dataset: Path, tmp_path: Path) -> None:
    cfg = config(image_dataset, backends=[counting()], limit=10)
    first = start_run(cfg, image_dataset.parent, options(tmp_path, use_cache=False))
    CountingBackend.calls.clear()
    again = resume_run(first.rundir.path, options(tmp_path, use_cache=False), changed(limit=30))
    assert again.stats.skipped == 10 and sum(CountingBackend.calls.values()) == 20
    assert not {f"s{i:02d}" for i in range(10)} & set(CountingBackend.calls)
    assert len(journal(again.rundir.path)) == 30


def test_a_torn_journal_line_is_ignored_and_cut(image_dataset: Path, tmp_path: Path) -> None:
    cfg = config(image_dataset, backends=[counting()], limit=5)
    first = start_run(cfg, image_dataset.parent, options(tmp_path, use_cache=False))
    path = first.rundir.path / "samples.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:3]) + lines[3][:40])  # a crash in the middle of line 4
    CountingBackend.calls.clear()
    resumed = resume_run(first.rundir.path, options(tmp_path, use_cache=False))
    records = journal(resumed.rundir.path)
    assert len(records) == 5 and len({r["sample_id"] for r in records}) == 5
    assert sum(CountingBackend.calls.values()) == 2


def test_resume_refuses_a_changed_task(image_dataset: Path, tmp_path: Path) -> None:
    from evals.errors import InputError

    first = start_run(config(image_dataset, limit=2), image_dataset.parent, options(tmp_path))
    image_dataset.write_text(image_dataset.read_text() + "description: changed\n")
    with pytest.raises(InputError, match="changed since this run started"):
        resume_run(first.rundir.path, options(tmp_path))


def test_progress_bars_render_on_a_terminal(image_dataset: Path, tmp_path: Path) -> None:
    import io

    from rich.console import Console

    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=120)
    opts = options(tmp_path, use_cache=False)
    opts.quiet = False
    opts.progress = True
    opts.console = console
    start_run(
        config(image_dataset, backends=[counting(cost_per_call=0.25)], limit=8), image_dataset.parent, opts
    )
    text = stream.getvalue()
    assert "items · counter" in text and "8/8" in text and "$2.00" in text


def test_off_a_terminal_progress_is_plain_lines(image_dataset: Path, tmp_path: Path) -> None:
    import io

    from rich.console import Console

    stream = io.StringIO()
    opts = options(tmp_path, use_cache=False)
    opts.quiet = False
    opts.progress = None  # not asked: stderr is not a terminal under pytest, so plain lines
    opts.console = Console(file=stream, width=80)
    start_run(
        config(image_dataset, backends=[counting(cost_per_call=0.25)], limit=8), image_dataset.parent, opts
    )
    lines = [line for line in stream.getvalue().splitlines() if line.startswith("progress ")]
    assert len(lines) == 1  # the cell's line when it finished (a 30 s run would also print on the way)
    assert lines[0].startswith("progress items · counter: 8/8 done, 0 errors, $2.00, ")
    assert "\x1b" not in stream.getvalue()  # no bar drawing codes in a log


def test_plain_progress_repeats_while_cells_run() -> None:
    import io

    from rich.console import Console

    from evals.runner.progress import ProgressBoard

    stream = io.StringIO()
    board = ProgressBoard(None, Console(file=stream, width=80), every_s=0.0)
    first, second = board.add("a · x", 3), board.add("b · y", 2)
    board.advance(first)
    board.advance(second, error=True, spent=0.5)
    board.advance(second)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("progress a · x: 1/3 done, 0 errors, $0.00")
    assert "progress b · y: 2/2 done, 1 errors, $0.50" in "\n".join(lines)


def test_modalities_are_checked_before_the_run(image_dataset: Path, tmp_path: Path) -> None:
    from evals.errors import InputError
    from evals.plan import make_plan

    cfg = config(image_dataset, backends=[{"name": "echo", "type": "echo"}])
    plan = make_plan(cfg, image_dataset.parent)
    assert plan.pairs == {"items": ["echo"]}
    cfg = config(
        image_dataset,
        backends=[{"name": "x", "type": "counting_backend:CountingBackend", "tasks": ["other-*"]}],
    )
    with pytest.raises(InputError, match="matches no task"):
        make_plan(cfg, image_dataset.parent)
