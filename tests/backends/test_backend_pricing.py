"""The pricing table: lookups, cost arithmetic, and user overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.errors import InputError
from evals.pricing import PricingTable, configure_pricing, cost_of, get_pricing, pricing_paths
from evals.records import Usage


@pytest.fixture(autouse=True)
def _fresh_table() -> None:
    configure_pricing([])


def test_every_entry_has_a_source_and_date() -> None:
    table = get_pricing()
    assert len(table.prices) >= 30
    for price in table.prices.values():
        assert price.source and price.source.startswith("https://") and price.checked, price.model


def test_snapshots_resolve_but_other_models_do_not() -> None:
    table = get_pricing()
    assert table.lookup("gpt-4o-2024-11-20").model == "gpt-4o"  # type: ignore[union-attr]
    assert table.lookup("gpt-4o-mini-2024-07-18").model == "gpt-4o-mini"  # type: ignore[union-attr]
    assert table.lookup("claude-3-7-sonnet-20250219").model == "claude-3-7-sonnet"  # type: ignore[union-attr]
    assert table.lookup("gemini-1.5-flash-002").model == "gemini-1.5-flash"  # type: ignore[union-attr]
    assert table.lookup("gpt-4o-realtime-foo") is None
    assert cost_of("llava-1.5", Usage(input_tokens=10, output_tokens=1)) is None


def test_cost_arithmetic() -> None:
    usage = Usage(input_tokens=1_000_000, cached_input_tokens=400_000, output_tokens=100_000)
    assert cost_of("gpt-4o", usage) == pytest.approx(0.6 * 2.5 + 0.4 * 1.25 + 0.1 * 10.0)
    # no confirmed cached price: cached tokens at the input price (an upper bound)
    assert cost_of("gemini-2.5-pro", usage) == pytest.approx(1.25 + 1.0)
    assert cost_of("whisper-1", Usage(audio_seconds=120)) == pytest.approx(0.012)
    assert cost_of("gpt-4o", Usage()) == 0.0
    assert cost_of("tts-1", Usage(audio_seconds=3.0)) is None


def test_user_file_overrides_and_extends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "models:\n"
        "  gpt-4o: {input: 1.0, output: 2.0, source: https://example.org/contract, checked: 2026-11}\n"
        "  my-llava:\n    input: 0.0\n    output: 0.0\n    aliases: [llava-hf/llava-1.5-7b-hf]\n"
    )
    monkeypatch.setenv("EVALS_PRICING", str(mine))
    configure_pricing([])
    assert pricing_paths()[-1] == mine
    assert cost_of("gpt-4o", Usage(input_tokens=1_000_000, output_tokens=1_000_000)) == pytest.approx(3.0)
    assert cost_of("llava-hf/llava-1.5-7b-hf", Usage(input_tokens=5, output_tokens=5)) == 0.0
    assert cost_of("claude-haiku-4-5", Usage(output_tokens=1_000_000)) == pytest.approx(5.0)  # still there
    monkeypatch.delenv("EVALS_PRICING")
    configure_pricing([mine])  # the run-config route
    assert cost_of("gpt-4o", Usage(input_tokens=1_000_000)) == pytest.approx(1.0)


def test_bad_files_are_input_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("models:\n  x: {input: cheap}\n")
    with pytest.raises(InputError, match="must be a number"):
        PricingTable.load([bad])
    bad.write_text("models:\n  x: {inptu: 1}\n")
    with pytest.raises(InputError, match="unknown field"):
        PricingTable.load([bad])
    monkeypatch.setenv("EVALS_PRICING", str(tmp_path / "missing.yaml"))
    with pytest.raises(InputError, match="not found"):
        pricing_paths()
