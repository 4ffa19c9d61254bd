"""Scoring and statistics speed (issue: performance, item 5).

    python benchmarks/bench_scoring.py

WER over 10,000 utterances (target ≤ 2 s), VQA accuracy over 100,000 answers with ten references
each (≤ 5 s), and bootstrap confidence intervals for 20 task × backend cells (≤ 2 s). Caches are
cleared before each measurement (cold); wall and CPU seconds, medians of three.
"""

from __future__ import annotations

import multiprocessing
import random
import statistics
import time
from collections.abc import Callable

from _common import append_results

from evals.aggregate import summarize_cell
from evals.scorers.speech import WER
from evals.scorers.vqa import VQAAccuracy

WORDS = " ".join(
    [
        "the a of and to in is was he for it with as his on be at by this had not are but from or have an "
        "they which one you were her all she there would their we him been has when who will more no if "
        "out so said what up its about into than them can only other new some could time these two may "
        "then do first any my now such like our over man me even most made after also did many before "
        "must through back years where much your way well down should because each just those people "
        "how too little state good very make world still own see men work long get here between both "
        "life being under never day same another know while last might us great old year off come since "
        "against go came right used take three twenty hundred dollars colour it's don't won't o'clock "
        "dr. 1,000 42 3.5 1990s uh um"
    ]
).split()
ANSWERS = [
    "yes",
    "no",
    "2",
    "3",
    "1",
    "red",
    "blue",
    "white",
    "dog",
    "cat",
    "t-shirt",
    "tennis",
    "Yes.",
    "two",
    "the dog",
    "baseball bat",
    "pizza",
    "kitchen",
    "left",
    "right",
    "0",
    "4",
    "black and white",
    "skiing",
    "man",
    "woman",
    "1,000",
    "10:30",
    "don't know",
]
ANSWERS += [f"word{i}" for i in range(500)]


def timed(work: Callable[[], tuple[float, float]]) -> tuple[float, float]:
    """Median wall and CPU seconds of three runs, each in a fresh interpreter (cold caches)."""
    context = multiprocessing.get_context("spawn")
    walls, cpus = [], []
    for _ in range(3):
        with context.Pool(1) as pool:
            wall, cpu = pool.apply(work)
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


class Clock:
    """Wall and CPU seconds of a block."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def utterances(rng: random.Random, n: int) -> tuple[list[str], list[str]]:
    references, hypotheses = [], []
    for _ in range(n):
        words = rng.choices(WORDS, k=rng.randint(6, 30))
        references.append(" ".join(words).capitalize() + rng.choice([".", "?", ""]))
        for _ in range(rng.randint(0, 4)):
            i = rng.randrange(len(words))
            op = rng.random()
            if op < 0.4:
                words[i] = rng.choice(WORDS)
            elif op < 0.7 and len(words) > 1:
                del words[i]
            else:
                words.insert(i, rng.choice(WORDS))
        hypotheses.append(" ".join(words))
    return references, hypotheses


def score_wer() -> tuple[float, float]:
    references, hypotheses = utterances(random.Random(0), 10_000)
    with Clock() as clock:
        wer = WER()
        for reference, hypothesis in zip(references, hypotheses, strict=True):
            wer.score(hypothesis, [reference])
    return clock.wall, clock.cpu


def vqa_questions() -> list[tuple[str, list[str]]]:
    rng = random.Random(1)
    questions = []
    for _ in range(100_000):
        main_answer = rng.choice(ANSWERS)
        refs = [main_answer] * rng.randint(4, 10)
        refs += rng.choices(ANSWERS, k=10 - len(refs))
        questions.append((rng.choice(ANSWERS), refs))
    return questions


def score_vqa() -> tuple[float, float]:
    questions = vqa_questions()
    with Clock() as clock:
        scorer = VQAAccuracy()
        for answer, refs in questions:
            scorer.score(answer, refs)
    return clock.wall, clock.cpu


def summarize_cells() -> tuple[float, float]:
    """20 cells of 500 samples: 3 metrics (one a corpus ratio) and a 5-value breakdown."""
    rng = random.Random(2)
    task = {
        "name": "t",
        "breakdowns": ["level"],
        "metrics": [
            {"name": "acc", "scorer": "s"},
            {"name": "f", "scorer": "s"},
            {"name": "wer", "scorer": "w", "ratio_of": ["errors", "words"], "higher_is_better": False},
        ],
    }
    cells = []
    for c in range(20):
        cells.append(
            [
                {
                    "task": "t",
                    "backend": f"b{c}",
                    "sample_id": f"{i}",
                    "status": "ok",
                    "cached": False,
                    "scores": {"acc": float(rng.random() < 0.7), "f": rng.random(), "wer": rng.random()},
                    "details": {"w": {"errors": rng.randint(0, 5), "words": rng.randint(5, 20)}},
                    "metadata": {"level": i % 5},
                    "usage": {},
                    "latency": {"total_s": rng.random()},
                    "cost_usd": 0.0,
                }
                for i in range(500)
            ]
        )
    with Clock() as clock:
        for c, cell in enumerate(cells):
            summarize_cell(task, {"name": f"b{c}"}, cell)
    return clock.wall, clock.cpu


def main() -> None:
    wer_wall, wer_cpu = timed(score_wer)
    vqa_wall, vqa_cpu = timed(score_vqa)
    boot_wall, boot_cpu = timed(summarize_cells)
    append_results(
        "Scoring and statistics",
        [
            "Each figure: the median of three runs, each in a fresh interpreter (cold caches); the inputs",
            "are built before the clock starts.",
            "",
            "| work | wall (median of 3) | CPU | target |",
            "| --- | --- | --- | --- |",
            f"| WER (Whisper normaliser, jiwer) over 10,000 utterances | {wer_wall:.2f} s | {wer_cpu:.2f} s | ≤ 2 s |",
            f"| VQA accuracy over 100,000 answers × 10 references | {vqa_wall:.2f} s | {vqa_cpu:.2f} s | ≤ 5 s |",
            f"| summaries with bootstrap CIs (2,000 resamples) for 20 cells × 500 samples, 3 metrics, 5-value breakdown | "
            f"{boot_wall:.2f} s | {boot_cpu:.2f} s | ≤ 2 s |",
        ],
    )


if __name__ == "__main__":
    main()
