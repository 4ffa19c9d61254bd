"""Prices per model, from `configs/pricing.yaml` plus the user's own files, and cost of a usage.

Override or extend the table with your own YAML file(s) in the same format: set
`EVALS_PRICING=/path/a.yaml:/path/b.yaml` (later files win, entry by entry) or call
`configure_pricing([path])` before a run (what a run config's `pricing:` field would do). An
unknown model costs `None` (unknown), never 0.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.errors import InputError
from evals.records import Usage
from evals.yamlfile import load_yaml

PRICING_ENV = "EVALS_PRICING"
DEFAULT_PRICING = Path(__file__).resolve().parent.parent / "configs" / "pricing.yaml"
PER_MILLION = 1_000_000.0
# A dated or versioned snapshot of a listed model (gpt-4o-2024-08-06, claude-3-5-sonnet-20241022).
_SNAPSHOT = re.compile(r"^-(\d{4}-\d{2}-\d{2}|\d{8}|\d{3}|latest|preview(-\d{2}-\d{2,4})?)$")
_PRICE_FIELDS = (
    "input",
    "output",
    "cached_input",
    "input_audio",
    "output_audio",
    "audio_per_minute",
    "per_million_characters",
)

_ALL_FIELDS = (*_PRICE_FIELDS, "per_image", "provider", "source", "checked", "note", "aliases")


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """USD per million tokens (input, output, cached input, audio input tokens), per minute of
    audio, per million characters; `None` where the provider does not charge by that unit or
    the price is not known."""

    model: str
    provider: str | None = None
    input: float | None = None
    output: float | None = None
    cached_input: float | None = None
    input_audio: float | None = None
    output_audio: float | None = None  # audio output tokens (speech-to-speech models)
    audio_per_minute: float | None = None
    per_million_characters: float | None = None
    source: str | None = None
    checked: str | None = None
    note: str | None = None
    # USD per generated image, keyed "QUALITY SIZE", "SIZE" or "any" (image models).
    per_image: tuple[tuple[str, float], ...] = ()

    def image_price(self, size: str | None, quality: str | None) -> float | None:
        """USD for one image of this size and quality; None when the table has no such entry."""
        prices = dict(self.per_image)
        for key in (f"{quality} {size}", str(size), "any"):
            if key in prices:
                return prices[key]
        return None

    def cost(self, usage: Usage) -> float | None:
        """Dollars for one response; None when a unit it used has no price here."""
        if self.audio_per_minute is not None and usage.audio_seconds is not None:
            return usage.audio_seconds / 60.0 * self.audio_per_minute
        if self.per_million_characters is not None and usage.input_characters is not None:
            return usage.input_characters * self.per_million_characters / PER_MILLION
        total = 0.0
        used = False
        if usage.input_tokens:
            if self.input is None:
                return None
            cached = min(usage.cached_input_tokens or 0, usage.input_tokens)
            audio = min(usage.audio_tokens or 0, usage.input_tokens - cached) if self.input_audio else 0
            plain = usage.input_tokens - cached - audio
            cached_price = self.cached_input if self.cached_input is not None else self.input
            total += plain * self.input + cached * cached_price + audio * (self.input_audio or 0.0)
            used = True
        if usage.output_tokens:
            if self.output is None:
                return None
            audio_out = min(usage.output_audio_tokens or 0, usage.output_tokens) if self.output_audio else 0
            total += (usage.output_tokens - audio_out) * self.output + audio_out * (self.output_audio or 0.0)
            used = True
        if not used:
            # Nothing billable was reported: free only if the model is priced by tokens at all.
            return 0.0 if self.input is not None else None
        return total / PER_MILLION


@dataclass(frozen=True, slots=True)
class BatchRate:
    """A provider's batch price as a share of its direct price (0.5: half), with its source."""

    provider: str
    multiplier: float
    source: str | None = None
    checked: str | None = None
    note: str | None = None


class PricingTable:
    def __init__(self, prices: dict[str, ModelPrice], batch: dict[str, BatchRate] | None = None) -> None:
        self.prices = prices
        self.batch = batch or {}

    def batch_cost(self, model: str, usage: Usage, provider: str) -> float | None:
        """Dollars for a response from the provider's batch API; None when unknown."""
        price = self.lookup(model)
        rate = self.batch.get((price.provider if price else None) or provider)
        if price is None or rate is None:
            return None
        cost = price.cost(usage)
        return None if cost is None else cost * rate.multiplier

    def lookup(self, model: str) -> ModelPrice | None:
        """The entry for a model: exact name or alias, else the listed model of which this is a
        dated snapshot (never a different model that merely shares a prefix)."""
        found = self.prices.get(model)
        if found is not None:
            return found
        best: ModelPrice | None = None
        for name, price in self.prices.items():
            snapshot = model.startswith(name) and _SNAPSHOT.match(model[len(name) :])
            if snapshot and (best is None or len(name) > len(best.model)):
                best = price
        return best

    def cost(self, model: str, usage: Usage) -> float | None:
        price = self.lookup(model)
        return None if price is None else price.cost(usage)

    @classmethod
    def load(cls, paths: list[Path]) -> PricingTable:
        prices: dict[str, ModelPrice] = {}
        batch: dict[str, BatchRate] = {}
        for path in paths:
            prices.update(_read(path))
            batch.update(_read_batch(path))
        return cls(prices, batch)


def _read(path: Path) -> dict[str, ModelPrice]:
    data, _ = load_yaml(path)
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, dict):
        raise InputError(
            "a pricing file needs a 'models:' mapping", file=str(path), fix="see configs/pricing.yaml"
        )
    out: dict[str, ModelPrice] = {}
    for name, entry in models.items():
        if not isinstance(entry, dict):
            raise InputError(f"model {name!r}: expected a mapping", file=str(path), field=f"models.{name}")
        values: dict[str, Any] = {}
        for key, value in entry.items():
            if key in _PRICE_FIELDS:
                if value is not None and not isinstance(value, int | float):
                    raise InputError(
                        f"model {name!r}: {key} must be a number (USD) or null",
                        file=str(path),
                        field=f"models.{name}.{key}",
                    )
                values[key] = None if value is None else float(value)
            elif key == "per_image":
                values[key] = _per_image(path, str(name), value)
            elif key in ("provider", "source", "checked", "note"):
                values[key] = None if value is None else str(value)
            elif key != "aliases":
                raise InputError(
                    f"model {name!r}: unknown field {key!r}",
                    file=str(path),
                    field=f"models.{name}",
                    fix=f"fields: {', '.join(_ALL_FIELDS)}",
                )
        price = ModelPrice(model=str(name), **values)
        out[str(name)] = price
        for alias in entry.get("aliases") or []:
            out[str(alias)] = price
    return out


def _per_image(path: Path, name: str, value: Any) -> tuple[tuple[str, float], ...]:
    if not isinstance(value, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value.values()
    ):
        raise InputError(
            f"model {name!r}: per_image must map 'QUALITY SIZE' (or 'SIZE', or 'any') to USD",
            file=str(path),
            field=f"models.{name}.per_image",
            fix="e.g. per_image: {standard 1024x1024: 0.04}",
        )
    return tuple(sorted((str(k), float(v)) for k, v in value.items()))


def _read_batch(path: Path) -> dict[str, BatchRate]:
    """The optional `batch:` section: provider → {multiplier, source, checked, note}."""
    data, _ = load_yaml(path)
    section = data.get("batch") if isinstance(data, dict) else None
    if section is None:
        return {}
    out: dict[str, BatchRate] = {}
    for provider, entry in section.items() if isinstance(section, dict) else []:
        multiplier = entry.get("multiplier") if isinstance(entry, dict) else None
        if not isinstance(multiplier, int | float) or not 0 < multiplier <= 1:
            raise InputError(
                f"batch rate of {provider!r} needs a multiplier between 0 and 1",
                file=str(path),
                field=f"batch.{provider}.multiplier",
                fix="e.g. multiplier: 0.5 for half the direct price",
            )
        text = {k: None if entry.get(k) is None else str(entry[k]) for k in ("source", "checked", "note")}
        out[str(provider)] = BatchRate(str(provider), float(multiplier), **text)
    if not isinstance(section, dict):
        raise InputError("'batch:' must map providers to rates", file=str(path), field="batch")
    return out


_lock = threading.Lock()
_table: PricingTable | None = None
_extra: list[Path] = []


def pricing_paths() -> list[Path]:
    """The built-in table, then `EVALS_PRICING` files, then files given to `configure_pricing`."""
    paths = [DEFAULT_PRICING] if DEFAULT_PRICING.is_file() else []
    env = os.environ.get(PRICING_ENV)
    if env:
        for item in env.split(os.pathsep):
            if item:
                path = Path(item).expanduser()
                if not path.is_file():
                    raise InputError("pricing file not found", file=str(path), field=PRICING_ENV)
                paths.append(path)
    return [*paths, *_extra]


def configure_pricing(paths: list[Path] | None = None) -> PricingTable:
    """Use these override files (on top of the built-in table and EVALS_PRICING); reload."""
    global _table
    with _lock:
        _extra[:] = list(paths or [])
        _table = PricingTable.load(pricing_paths())
        return _table


def get_pricing() -> PricingTable:
    global _table
    with _lock:
        if _table is None:
            _table = PricingTable.load(pricing_paths())
        return _table


def cost_of(model: str, usage: Usage) -> float | None:
    return get_pricing().cost(model, usage)


def batch_cost_of(model: str, usage: Usage, provider: str) -> float | None:
    return get_pricing().batch_cost(model, usage, provider)
