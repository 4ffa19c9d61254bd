"""Hallucination metrics for existence and false-premise probes (tasks/hallucination.yaml).

Per sample, from the probe's metadata (`probe`, `truth`):
- `hallucination_accuracy`: the answer is right — the yes/no of an existence question, or, for
  a false premise, an answer that refuses it;
- `hallucination_rate`: on questions about an absent object only — 1 when the answer says it
  is there (existence answered yes) or accepts the false premise (answers without denying it);
- `yes_bias`: on existence questions — said_yes − truth_yes, so its mean is the share of yes
  answers minus the share of yes references (0: unbiased; 0.5: always yes on a balanced set).

False premises are read by a rule for short answers: the answer refuses the premise when it
denies the object (no/none/not/n't/without, "there is no…", "I don't see…"). Free-text answers
are better graded by the judge scorer (docs/judges.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from evals.scorers._yesno import read_yes_no
from evals.scoring import Metric, SampleScore, TextScorer

_DENIAL = re.compile(
    r"\b(?:no|not|none|nothing|never|without|absent|missing|neither|nor|cannot|isn't|aren't|"
    r"don't|doesn't|there(?:'s| is| are) no)\b|n't\b",
    re.IGNORECASE,
)


def refuses_premise(answer: str) -> bool:
    return bool(_DENIAL.search(answer))


class Hallucination(TextScorer):
    """Right answers, hallucinated objects and the yes-bias of existence and false-premise probes."""

    name = "hallucination"

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (
            Metric(
                name="hallucination_accuracy",
                binary=True,
                description="right yes/no on existence; premise refused on false premises",
            ),
            Metric(
                name="hallucination_rate",
                higher_is_better=False,
                binary=True,
                description="share of questions about absent objects answered as if present",
            ),
            Metric(
                name="yes_bias",
                higher_is_better=False,
                description="share of yes answers minus share of yes references (existence only)",
            ),
        )

    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        meta = metadata or {}
        probe, truth = meta.get("probe"), meta.get("truth")
        if probe == "false_premise":
            refused = refuses_premise(prediction)
            return SampleScore(
                {"hallucination_accuracy": float(refused), "hallucination_rate": float(not refused)},
                {"refused": refused},
            )
        if probe != "existence" or truth not in ("yes", "no"):
            return SampleScore({}, {"probe": str(probe)}, ("not_a_probe",))
        reading = read_yes_no(prediction)
        said_yes = reading.label == "yes"
        values = {
            "hallucination_accuracy": float(reading.label == truth),
            "yes_bias": float(said_yes) - float(truth == "yes"),
        }
        if truth == "no":
            values["hallucination_rate"] = float(said_yes)
        flags = (reading.failure,) if reading.failure else ()
        return SampleScore(values, {"read": reading.label}, flags)
