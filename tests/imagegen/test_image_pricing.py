"""Per-image prices: the built-in entries, the key fallbacks, and a bad entry's error."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.errors import InputError
from evals.pricing import PricingTable, get_pricing


def test_builtin_image_prices_have_a_source_and_a_date() -> None:
    table = get_pricing()
    for model in ("dall-e-3", "dall-e-2", "gpt-image-1", "gemini-2.5-flash-image"):
        entry = table.lookup(model)
        assert entry is not None and entry.per_image and entry.source and entry.checked
    assert table.lookup("dall-e-3").image_price("1024x1792", "hd") == 0.12  # type: ignore[union-attr]
    assert table.lookup("dall-e-2").image_price("512x512", "standard") == 0.018  # type: ignore[union-attr]
    assert table.lookup("gemini-2.5-flash-image-preview").image_price(None, None) == 0.039  # type: ignore[union-attr]
    assert table.lookup("gpt-image-1").image_price("999x999", "low") is None  # type: ignore[union-attr]


def test_a_bad_per_image_entry_names_the_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "prices.yaml"
    path.write_text("models:\n  my-image-model:\n    per_image: 0.04\n")
    with pytest.raises(InputError) as caught:
        PricingTable.load([path])
    message = str(caught.value)
    assert "per_image" in message and "prices.yaml" in message and "QUALITY SIZE" in message
