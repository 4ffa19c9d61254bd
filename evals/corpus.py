"""Corpus-level metrics: a headline computed from per-sample statistics summed over the corpus.

A metric declares `corpus: NAME` and `corpus_stats: (keys…)` (keys of its scorer's per-sample
details); the summary sums those statistics over the samples (or over a bootstrap resample) and
hands the sums to the combiner registered under NAME. Corpus WER is the simplest case (errors
over reference words, `ratio_of`); corpus BLEU and chrF combine n-gram counts the same way.

Combiners are looked up by name in a table that scorer modules fill when imported (the summary
loads a metric's scorer first), never imported from a path a run directory names (run
directories are data, not code).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

# sums of the declared statistics, shape (k,) → the metric's value (NaN when undefined)
Combiner = Callable[[NDArray[np.float64]], float]

_COMBINERS: dict[str, Combiner] = {}


def register_combiner(name: str, combiner: Combiner) -> None:
    _COMBINERS[name] = combiner


def combiner(name: str) -> Combiner:
    found = _COMBINERS.get(name)
    if found is None:
        raise KeyError(f"no corpus combiner named {name!r}")
    return found


def ratio(sums: NDArray[np.float64]) -> float:
    """sums[0] / sums[1]; NaN when the denominator is 0."""
    return float(sums[0] / sums[1]) if sums[1] > 0 else float("nan")


register_combiner("ratio", ratio)
