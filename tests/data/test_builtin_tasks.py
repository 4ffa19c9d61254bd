"""Every built-in task validates, the oracle scores perfectly and `majority` scores its prior.

The expected prior is computed here from the dataset: the answer `majority` should give (the most
frequent first reference, ties to the first seen) scored by the task's own scorers on every
sample, aggregated as the metric says (a mean, or a corpus ratio of sums).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from data_support import TASKS, cell, run_tasks, scorers_available

from evals.task.loader import Task, check_task, load_task

BUILTIN = sorted(TASKS.glob("*.yaml"))
# Text-to-speech and image-generation tasks are scored on a backend's speech or image: the text
# baselines cannot answer them (tests/imagegen runs the image ones on the renderer baseline).
# Judge-graded tasks need a judge backend (tests/judge runs them with the fake provider).
_MEDIA_OUT = ("kind: tts", "kind: text_to_image", "kind: image_edit")
ANSWERED = [
    p
    for p in BUILTIN
    if not any(k in p.read_text() for k in _MEDIA_OUT) and "name: judge" not in p.read_text()
]
HUB = sorted((TASKS / "hub").glob("*.yaml"))
SCALE = {"bleu": 100.0, "chrf": 100.0}  # sacrebleu's 0-100 scale
# The summary fixture runs every built-in task, the audio ones (conversations, spoken
# translations) synthesised on demand: minutes on a loaded 2-core machine.
pytestmark = pytest.mark.timeout(900)


def _first_most_common(values: list[str]) -> str:
    counts = Counter(values)
    best = max(counts.values())
    return next(v for v in values if counts[v] == best)


def _scorer_names(task_paths: list[Path]) -> list[str]:
    from evals.task.kinds import default_scorers
    from evals.task.spec import TaskSpec
    from evals.yamlfile import load_model

    names: set[str] = set()
    for path in task_paths:
        spec = load_model(path, TaskSpec)
        names |= {s.name for s in (spec.scorers if spec.scorers is not None else default_scorers(spec))}
    return sorted(names)


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    missing = scorers_available(_scorer_names(ANSWERED))
    if missing:
        pytest.skip(f"scorers not written yet: {', '.join(missing)}")
    return run_tasks(ANSWERED, ["oracle", "majority"], tmp_path_factory.mktemp("reports"))


@pytest.mark.parametrize("path", BUILTIN + HUB, ids=lambda p: p.stem)
def test_task_file_loads(path: Path) -> None:
    missing = scorers_available(_scorer_names([path]))
    if missing:
        pytest.skip(f"scorers not written yet: {', '.join(missing)}")
    task = load_task(path)
    assert task.name == path.stem
    if path.parent == TASKS:
        check_task(task)  # built-in data is local: every row is read and mapped
        samples = list(task.samples())
        assert 100 <= len(samples) <= 300
        for field in task.spec.breakdowns:
            assert all(field in s.metadata and s.metadata[field] is not None for s in samples), field


@pytest.mark.parametrize("path", ANSWERED, ids=lambda p: p.stem)
@pytest.mark.slow  # every built-in task run in full (2 min): pytest -m slow
def test_oracle_is_perfect(path: Path, summary: dict[str, Any]) -> None:
    entry = cell(summary, path.stem, "oracle")
    assert entry["n_errors"] == 0 and entry["n_scored"] == entry["n_total"] > 0
    for name, metric in entry["metrics"].items():
        best = SCALE.get(name, 1.0) if metric["higher_is_better"] else 0.0
        assert metric["value"] == pytest.approx(best), f"{name} = {metric['value']}"


def _expected_prior(task: Task) -> dict[str, float]:
    samples = list(task.samples())
    answer = _first_most_common([_first_most_common(s.targets) for s in samples])
    expected: dict[str, float] = {}
    per_sample: list[dict[str, float]] = [{} for _ in samples]
    for scorer in task.scorers:
        scores = [scorer.score(answer, s.targets, choices=s.choices, metadata=s.metadata) for s in samples]
        for values, score in zip(per_sample, scores, strict=True):
            values.update(score.values)
        for metric in scorer.metrics:
            if metric.ratio_of:
                top, bottom = metric.ratio_of
                expected[metric.name] = sum(s.details[top] for s in scores) / sum(
                    s.details[bottom] for s in scores
                )
            elif metric.corpus:  # a combiner of statistics summed over the corpus (field F1)
                from evals.corpus import combiner

                sums = [sum(float(s.details.get(k, 0)) for s in scores) for k in metric.corpus_stats]
                expected[metric.name] = combiner(metric.corpus)(np.array(sums))
            else:
                values = [s.values[metric.name] for s in scores if metric.name in s.values]
                expected[metric.name] = sum(values) / len(values)
    if task.spec.aggregate is not None:  # the benchmark's own headline, over the same scores
        from evals.benchmark_aggregates import ScoredRow, benchmark_score

        rows = [ScoredRow(s.id, s.metadata, v) for s, v in zip(samples, per_sample, strict=True)]
        expected["benchmark"] = benchmark_score(task.spec.aggregate, rows).value
    return expected


@pytest.mark.parametrize("path", ANSWERED, ids=lambda p: p.stem)
@pytest.mark.slow  # every built-in task run in full (2 min): pytest -m slow
def test_majority_scores_the_prior(path: Path, summary: dict[str, Any]) -> None:
    task = load_task(path)
    measured = {k: v["value"] for k, v in cell(summary, task.name, "majority")["metrics"].items()}
    assert measured == pytest.approx(_expected_prior(task))


@pytest.mark.slow  # every built-in task run in full (2 min): pytest -m slow
def test_priors_that_follow_from_the_design(summary: dict[str, Any]) -> None:
    """Independent of any scorer: balanced digits give 10%; one count out of 0–24 is rare."""
    digits = cell(summary, "handwritten-digits", "majority")["metrics"]
    assert digits["exact_match"]["value"] == pytest.approx(0.1)
    counting = load_task(TASKS / "counting.yaml")
    targets = [s.targets[0] for s in counting.samples()]
    share = Counter(targets).most_common(1)[0][1] / len(targets)
    assert cell(summary, "counting", "majority")["metrics"]["count_exact"]["value"] == pytest.approx(share)
    assert share < 0.1
    spatial = cell(summary, "spatial", "majority")["metrics"]["spatial_accuracy"]["value"]
    assert 0.15 < spatial < 0.4, "one yes/no answer is right on about a quarter of the rows"
