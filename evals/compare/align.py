"""Line two sides up on the same samples; whatever cannot be paired is listed, never dropped."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from evals.baseline import RunScores, SampleScores

ABSENT = "absent"


@dataclass(frozen=True, slots=True)
class Column:
    """One side of a comparison: a backend's results in a run (or a baseline file)."""

    scores: RunScores
    backend: str

    @property
    def label(self) -> str:
        return f"{self.scores.label} · {self.backend}"


@dataclass(frozen=True, slots=True)
class Unpaired:
    """A sample that is not scored on both sides, with its status on each (or `absent`)."""

    sample_id: str
    reference: str
    candidate: str


@dataclass
class Alignment:
    task: str
    reference: Column
    candidate: Column
    ref: dict[str, SampleScores]
    cand: dict[str, SampleScores]
    paired: list[str] = field(default_factory=list)  # scored (status ok) on both sides
    both: list[str] = field(default_factory=list)  # present on both sides, whatever the status
    unpaired: list[Unpaired] = field(default_factory=list)

    def unpaired_counts(self) -> dict[str, int]:
        """How many samples fell out, by `reference status → candidate status`."""
        counts = Counter(f"{u.reference} → {u.candidate}" for u in self.unpaired)
        return dict(sorted(counts.items()))


def align(task: str, reference: Column, candidate: Column) -> Alignment:
    ref = reference.scores.samples.get((task, reference.backend), {})
    cand = candidate.scores.samples.get((task, candidate.backend), {})
    out = Alignment(task, reference, candidate, ref, cand)
    for sample_id in sorted(set(ref) | set(cand)):
        left = ref[sample_id].status if sample_id in ref else ABSENT
        right = cand[sample_id].status if sample_id in cand else ABSENT
        if left != ABSENT and right != ABSENT:
            out.both.append(sample_id)
        if left == "ok" and right == "ok":
            out.paired.append(sample_id)
        else:
            out.unpaired.append(Unpaired(sample_id, left, right))
    return out
