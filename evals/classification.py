"""Precision, recall, F1 and the confusion matrix for label-answer tasks (yes/no, choices).

A scorer that reads a label from the answer records `predicted_label` and `reference_label` in
its details; the summary then carries scikit-learn's per-label report beside the accuracy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import JsonValue

from evals.rundata import ClassificationSummary, LabelScores, SampleRecord


def predicted_label(details: Mapping[str, JsonValue]) -> str:
    """The label a scorer read, or why it read none: "(unparsed)", "(contradictory)", "(ambiguous)"."""
    label = details.get("predicted_label")
    if label:
        return str(label)
    return f"({details.get('parse_failure') or 'unparsed'})"


def classification_summary(records: Sequence[SampleRecord]) -> dict[str, ClassificationSummary]:
    """Per scorer that records labels: labels, confusion matrix, per-label P/R/F1, macro F1."""
    by_scorer: dict[str, tuple[list[str], list[str]]] = {}
    for record in records:
        for scorer, details in record.details.items():
            if "reference_label" in details:
                truth, pred = by_scorer.setdefault(scorer, ([], []))
                truth.append(str(details["reference_label"]))
                pred.append(predicted_label(details))
    if not by_scorer:
        return {}
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    out: dict[str, ClassificationSummary] = {}
    for scorer, (truth, pred) in by_scorer.items():
        labels = sorted(set(truth) | set(pred))
        precision, recall, f1, support = precision_recall_fscore_support(
            truth, pred, labels=labels, zero_division=0
        )
        reference_labels = sorted(set(truth))
        macro = [f for label, f in zip(labels, f1, strict=True) if label in reference_labels]
        out[scorer] = ClassificationSummary(
            labels=labels,
            confusion_matrix=confusion_matrix(truth, pred, labels=labels).tolist(),
            per_label={
                label: LabelScores(precision=float(p), recall=float(r), f1=float(f), support=int(s))
                for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
            },
            macro_f1=float(sum(macro) / len(macro)) if macro else None,
        )
    return out
