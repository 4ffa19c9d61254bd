"""From a paired comparison and a bound to a verdict: pass, regression or inconclusive.

Let δ be the change in the worse direction (baseline − current for higher-is-better metrics,
current − baseline otherwise) and [lo, hi] its two-sided interval at the stated confidence.

- regression: lo > max_drop — the drop exceeds the bound with at least that confidence. For
  right/wrong metrics McNemar's test must also reject "no change" at the same level, in the
  worse direction (the bootstrap alone is too eager when only a few samples changed);
- pass: hi ≤ max_drop — confident the drop is within the bound;
- inconclusive: the interval straddles the bound. The report gives the minimum detectable
  change, MDE = (z_{(1+c)/2} + z_power) · SE, and about how many samples would resolve it.

Each one-sided error rate is at most (1 − confidence) / 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from evals.compare.fmt import p_text, value_text
from evals.compare.quantities import Delta
from evals.paired import samples_needed

Verdict = Literal["pass", "regression", "fail", "inconclusive"]


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    message: str
    mde: float | None = None
    n_needed: int | None = None


def decide(delta: Delta, max_drop: float) -> Decision:
    q = delta.quantity
    stat = delta.stat
    if not stat.known:
        return Decision("inconclusive", "no paired samples with a value on both sides")
    worse, low, high = delta.worse_by()
    if stat.n < 2 and not low == high == 0:
        return Decision(
            "inconclusive", f"one paired sample cannot show a change (worse by {value_text(q, worse)})"
        )
    confidence = delta.settings.confidence
    shown = (
        f"worse by {value_text(q, worse, signed=True)} "
        f"[{value_text(q, low, signed=True)}, {value_text(q, high, signed=True)}] "
        f"({confidence:.0%}, n={stat.n})"
    )
    allowed = f"allowed {value_text(q, max_drop)}"
    test = delta.mcnemar
    mcnemar_ok = test is None or (test.p_value < 1 - confidence and test.lost > test.gained)
    if not math.isnan(low) and low > max_drop and mcnemar_ok:
        extra = f"; McNemar p={p_text(test.p_value)}" if test is not None else ""
        return Decision("regression", f"{shown} > {allowed}{extra}")
    if not math.isnan(high) and high <= max_drop:
        return Decision("pass", f"{shown} ≤ {allowed}")
    mde = delta.mde
    needed = samples_needed(stat.se, stat.n, max_drop, confidence=confidence, power=delta.settings.power)
    if not math.isnan(low) and low > max_drop and test is not None:
        changed = f"p={p_text(test.p_value)}, {test.lost} lost and {test.gained} gained"
        why = f"{shown} > {allowed}, but McNemar's test does not confirm a drop ({changed})"
    else:
        why = f"{shown} straddles {allowed}"
    if math.isfinite(mde):
        power = f"{delta.settings.power:.0%} power"
        why += f"; the smallest change n={stat.n} detects is {value_text(q, mde)} ({power})"
    if needed is not None and needed > stat.n:
        why += f"; about {needed:,} paired samples would resolve a drop of {value_text(q, max_drop)}"
    return Decision("inconclusive", why, mde if math.isfinite(mde) else None, needed)
