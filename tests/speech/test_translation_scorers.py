"""BLEU and chrF: the corpus figures equal what sacrebleu's own command line prints for the same
hypothesis and reference files; signatures recorded."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from speech_support import declared, record

from evals.aggregate import metric_summary
from evals.generators.parallel import SENTENCES
from evals.scoring import TextScorer, build_scorer


def hypotheses(seed: int) -> tuple[list[str], list[str]]:
    """Each English sentence, and a system's imperfect version: words dropped, swapped, changed."""
    rng = random.Random(seed)
    references, systems = [], []
    for english, *_ in SENTENCES:
        words = english.split()
        if rng.random() < 0.3 and len(words) > 3:
            del words[rng.randrange(len(words))]
        if rng.random() < 0.3:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        if rng.random() < 0.3:
            words[rng.randrange(len(words))] = rng.choice(["the", "a", "house", "quickly"])
        references.append(english)
        systems.append(" ".join(words) if rng.random() > 0.05 else "")
    return references, systems


def cli(tmp_path: Path, references: list[str], systems: list[str], *args: str) -> dict[str, object]:
    (tmp_path / "ref.txt").write_text("\n".join(references) + "\n")
    (tmp_path / "hyp.txt").write_text("\n".join(systems) + "\n")
    command = [sys.executable, "-m", "sacrebleu", str(tmp_path / "ref.txt"), "-i", str(tmp_path / "hyp.txt")]
    done = subprocess.run([*command, *args, "-w", "12"], capture_output=True, text=True, check=True)
    found: dict[str, object] = json.loads(done.stdout)
    return found


def corpus_value(scorer: TextScorer, references: list[str], systems: list[str]) -> float | None:
    records = [
        record(scorer, scorer.score(h, [r]), str(i))
        for i, (h, r) in enumerate(zip(systems, references, strict=True))
    ]
    return metric_summary(records, declared(scorer), seed=0).value


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(
    ("name", "options", "args"),
    [
        ("bleu", {}, ["-m", "bleu"]),
        ("bleu", {"tokenize": "intl", "lowercase": True}, ["-m", "bleu", "-tok", "intl", "-lc"]),
        ("chrf", {}, ["-m", "chrf"]),
        ("chrf", {"plus_plus": True}, ["-m", "chrf", "--chrf-word-order", "2"]),
    ],
)
def test_equal_to_the_sacrebleu_cli(
    tmp_path: Path, seed: int, name: str, options: dict[str, object], args: list[str]
) -> None:
    references, systems = hypotheses(seed)
    scorer = build_scorer(name, options)
    assert isinstance(scorer, TextScorer)
    printed = cli(tmp_path, references, systems, *args)
    value = corpus_value(scorer, references, systems)
    assert value == pytest.approx(float(printed["score"]), abs=1e-9)  # type: ignore[arg-type]
    # the CLI's signature is the one the metric records (the CLI adds its own nrefs)
    signature = str(printed["signature"])
    assert signature in scorer.metrics[0].description


def test_sentence_values_and_recorded_signature() -> None:
    bleu = build_scorer("bleu")
    assert isinstance(bleu, TextScorer)
    same = bleu.score("The cat is sleeping on the sofa.", ["The cat is sleeping on the sofa."])
    assert same.values["bleu"] == pytest.approx(100.0)
    assert same.details["signature"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:")
    chrf = build_scorer("chrf")
    assert isinstance(chrf, TextScorer)
    assert chrf.score("", ["Where is the station?"]).values["chrf"] == 0.0
    two = chrf.score("Where is the station?", ["Where's the station?", "Where is the station?"])
    assert two.values["chrf"] == pytest.approx(100.0) and two.details["signature"].startswith("nrefs:var|")
