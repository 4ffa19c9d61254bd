"""Label answers: multiple choice (which option) and yes/no, read out of free text.

Both record `reference_label` and `predicted_label` (None when nothing could be read, with the
reason in `parse_failure`), so the summary adds precision, recall, F1 and a confusion matrix.
An answer that cannot be read is wrong and flagged (`unparsed`, `ambiguous`, `contradictory`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from evals.references import most_common
from evals.scorers._options import read_choice, resolve_reference
from evals.scorers._text import Reading, fold
from evals.scorers._yesno import read_yes_no
from evals.scoring import Metric, SampleScore, ScorerOptions, TextScorer


def label_score(
    metric: str, reading: Reading, accepted: Sequence[str], reference_label: str, **extra: Any
) -> SampleScore:
    """1 when the read label is one of the accepted ones; labels and failures in the details."""
    correct = reading.label is not None and reading.label in accepted
    details: dict[str, Any] = {
        "reference_label": reference_label,
        "predicted_label": reading.label,
        "how": reading.how,
        **extra,
    }
    flags: tuple[str, ...] = ()
    if reading.failure:
        details["parse_failure"] = reading.failure
        flags = (reading.failure,)
    return SampleScore({metric: 1.0 if correct else 0.0}, details, flags)


class MultipleChoice(TextScorer):
    """Accuracy on multiple-choice questions; references may be letters or option texts."""

    name = "multiple_choice"

    metric = Metric(
        name="multiple_choice",
        binary=True,
        description="share of answers picking the reference option (letter or option text)",
    )

    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        if not targets:
            return SampleScore({"multiple_choice": 0.0}, {}, ("no_reference",))
        main = resolve_reference(most_common(targets), choices)
        accepted = {label for t in targets if (label := resolve_reference(t, choices)) is not None}
        if main is None or not accepted:
            if choices:  # the reference names no option: a data problem, kept out of the labels
                return SampleScore({"multiple_choice": 0.0}, {"reference": targets[0]}, ("bad_reference",))
            # No options and no letter among the references: plain texts, compared folded.
            answer = fold(prediction)
            reading = Reading(answer, None, "text") if answer else Reading.failed("unparsed", "empty")
            texts = [fold(t) for t in targets]
            return label_score("multiple_choice", reading, texts, fold(most_common(targets)))
        return label_score("multiple_choice", read_choice(prediction, choices), sorted(accepted), main)


class YesNoOptions(ScorerOptions):
    implicit_yes: bool = Field(
        False,
        description="read a statement with neither a yes/no word nor a negation as yes "
        "(POPE's evaluation does); by default it is unparsed",
    )


class YesNo(TextScorer):
    """Yes/no accuracy with synonyms and negation; POPE-style P/R/F1 come from the labels."""

    name = "yes_no"
    Options = YesNoOptions
    options: YesNoOptions

    metric = Metric(name="yes_no", binary=True, description="share of answers with the reference's yes/no")

    def score(
        self,
        prediction: str,
        targets: Sequence[str],
        *,
        choices: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> SampleScore:
        if not targets:
            return SampleScore({"yes_no": 0.0}, {}, ("no_reference",))
        reference = read_yes_no(most_common(targets)).label
        if reference is None:  # a data problem, kept out of the labels
            return SampleScore({"yes_no": 0.0}, {"reference": targets[0]}, ("bad_reference",))
        reading = read_yes_no(prediction, implicit_yes=self.options.implicit_yes)
        return label_score("yes_no", reading, [reference], reference)
