"""`run-eval list`: one line per item in each section, descriptions cut at a word, never
mid-word; `run-eval list NAME` shows one item in full; an unknown name is one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_run import run_eval

from evals.backends.base import backend_registry
from evals.cli.list_cmd import first_sentence, fit
from evals.generators import generator_registry
from evals.scoring import scorer_registry


def rows(out: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("│")[1:-1]] for line in out.splitlines() if "│" in line]


@pytest.fixture(scope="module")
def listing(tmp_path_factory: pytest.TempPathFactory) -> str:
    ran = run_eval(["list"], tmp_path_factory.mktemp("list"), env={"OPENAI_API_KEY": ""})
    assert ran.code == 0 and not ran.err, ran.err
    return ran.out


def test_every_item_is_one_line(listing: str) -> None:
    names = [row[0] for row in rows(listing)]
    for registry in (backend_registry, scorer_registry, generator_registry):
        for name in registry.names():
            assert name in names, name
    assert "counting" in names and "invoice-extract" in names
    assert all(name for name in names), "a row continued on a second line"
    assert len(listing.splitlines()) < 140
    hub = len(list((Path(__file__).parents[2] / "tasks" / "hub").glob("*.yaml")))
    assert f"+{hub} hub tasks (datasets from the Hugging Face Hub): run-eval list hub" in listing


def test_descriptions_stop_at_a_word(listing: str) -> None:
    by_name = {row[0]: row[-1] for row in rows(listing)}
    cut = 0
    for registry in (scorer_registry, generator_registry):
        for name in registry.names():
            full = first_sentence(registry.get(name).__doc__ or "")
            shown = by_name[name]
            if not full or shown == full:
                continue
            cut += 1
            assert shown.endswith("…"), (name, shown)
            kept = shown.removesuffix("…")
            assert full.startswith(kept) and full[len(kept)] in " ,;:-–—(", (name, shown, full)
    assert cut > 0  # some descriptions were long enough to need cutting


def test_backend_status_column_is_filled(listing: str) -> None:
    status = {row[0]: row[4] for row in rows(listing) if len(row) == 6}
    assert status["openai"] == "missing key (OPENAI_API_KEY)"
    assert status["oracle"] == "installed" and status["openai-compatible"] == "installed"


def test_fit_never_cuts_a_word() -> None:
    assert fit("Counting accuracy: exact, off by one", 20) == "Counting accuracy…"
    assert fit("short", 20) == "short"
    assert first_sentence("One thing. Two things.\n\nMore.") == "One thing."


def test_list_a_task_in_full(tmp_path: Path) -> None:
    ran = run_eval(["list", "counting"], tmp_path)
    assert ran.code == 0, ran.err
    fields = dict(line.split(maxsplit=1) for line in ran.out.splitlines() if line.strip())
    assert fields["kind"] == "counting" and fields["size"] == "200 samples"
    assert fields["dataset"].startswith("jsonl ") and fields["dataset"].endswith("samples.jsonl")
    assert fields["scorers"] == "count (count_exact, count_off_by_one, count_abs_error)"
    assert fields["file"].endswith("tasks/counting.yaml")
    assert "200 scenes" in fields["description"]  # the whole description, past its first sentence


def test_list_a_backend_in_full(tmp_path: Path) -> None:
    ran = run_eval(["list", "openai"], tmp_path, env={"OPENAI_API_KEY": ""})
    assert ran.code == 0, ran.err
    fields = dict(line.split(maxsplit=1) for line in ran.out.splitlines() if line.strip())
    assert fields["status"] == "missing key (OPENAI_API_KEY)" and fields["key"] == "OPENAI_API_KEY"
    assert fields["kind"] == "provider" and "image" in fields["accepts"]
    assert "stream" in fields["options"] and fields["package"] == "openai"


def test_unknown_name_is_one_line_with_close_matches(tmp_path: Path) -> None:
    ran = run_eval(["list", "countin"], tmp_path)
    assert ran.code == 2 and not ran.out
    assert len(ran.err.strip().splitlines()) == 1 and "Traceback" not in ran.err
    assert "'countin'" in ran.err and "counting" in ran.err
