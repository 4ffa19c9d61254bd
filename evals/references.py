"""Which reference counts as a sample's answer when it has several."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def most_common(targets: Sequence[str]) -> str:
    """The most frequent reference, the first seen on ties (stable, never random).

    The oracle baseline answers it, and scorers that compare against one reference (WER, counts,
    yes/no, spatial) use it, so the oracle always scores perfectly.
    """
    counts = Counter(targets)
    best = max(counts.values())
    return next(t for t in targets if counts[t] == best)
