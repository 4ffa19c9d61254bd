"""Agreement with the reference implementations on the golden vectors in tests/scorers/golden/.

Each file holds inputs and what the reference code itself returned for them (README.md beside
the files says which code, at which commit, and how it was run). Every test asserts 100%
agreement and names the first cases that differ.
"""

from __future__ import annotations

import gzip
import json
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evals.backends import _tokens
from evals.scorers._whisper import WhisperEnglish, get_normalizer, whisper_basic
from evals.scorers.anls import ANLS
from evals.scorers.relaxed import RelaxedAccuracy
from evals.scorers.speech import CER, WER
from evals.scorers.vqa import VQAAccuracy

GOLDEN = Path(__file__).with_name("golden")
MIN_CASES = 2000


def rows(name: str) -> list[dict[str, Any]]:
    with gzip.open(GOLDEN / name, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def assert_all_agree(cases: list[dict[str, Any]], got: Callable[[dict[str, Any]], Any], key: str) -> None:
    assert len(cases) >= MIN_CASES
    differ = [(case, got(case)) for case in cases if got(case) != case[key]]
    assert not differ, f"{len(differ)} of {len(cases)} differ, e.g. {differ[:3]}"


@pytest.mark.parametrize(("variant", "key"), [("vqaeval", "vqaeval"), ("vqaeval-2017", "vqaeval_2017")])
def test_vqa_accuracy_matches_vqaeval(variant: str, key: str) -> None:
    scorer = VQAAccuracy.from_options({"variant": variant})
    assert_all_agree(
        rows("vqa.jsonl.gz"),
        lambda c: scorer.score(c["answer"], c["references"]).values["vqa_accuracy"],
        key,
    )


def test_the_two_vqa_revisions_really_differ_on_the_vectors() -> None:
    cases = rows("vqa.jsonl.gz")
    assert sum(c["vqaeval"] != c["vqaeval_2017"] for c in cases) > 300


def test_anls_matches_the_rrc_script() -> None:
    scorer = ANLS()
    assert_all_agree(
        rows("anls.jsonl.gz"), lambda c: scorer.score(c["answer"], c["references"]).values["anls"], "expected"
    )


def test_relaxed_accuracy_matches_pix2struct() -> None:
    scorer = RelaxedAccuracy()
    assert_all_agree(
        rows("chartqa.jsonl.gz"),
        lambda c: scorer.score(c["answer"], c["references"]).values["relaxed_accuracy"],
        "expected",
    )


def test_whisper_normalisers_match_openai_whisper() -> None:
    cases = rows("whisper_normalizer.jsonl.gz")
    english = WhisperEnglish()
    assert_all_agree(cases, lambda c: english(c["text"]), "english")
    assert_all_agree(cases, lambda c: whisper_basic(c["text"]), "basic")


def _counts(details: dict[str, Any]) -> list[int]:
    return [details["hits"], details["substitutions"], details["deletions"], details["insertions"]]


def test_wer_and_cer_counts_match_whisper_and_jiwer() -> None:
    cases = [c for c in rows("whisper_wer.jsonl.gz") if "words" in c]  # jiwer refuses empty references
    wer, cer = WER(), CER()
    assert_all_agree(cases, lambda c: _counts(wer.score(c["hypothesis"], [c["reference"]]).details), "words")
    assert_all_agree(cases, lambda c: _counts(cer.score(c["hypothesis"], [c["reference"]]).details), "chars")


def _corpus_wer(cases: list[dict[str, Any]]) -> float:
    scored = [WER().score(c["hypothesis"], [c["reference"]]).details for c in cases]
    return sum(d["errors"] for d in scored) / sum(d["reference_length"] for d in scored)


def test_corpus_wer_matches_jiwer_over_the_corpus() -> None:
    cases = [c for c in rows("whisper_wer.jsonl.gz") if "words" in c]
    expected = json.loads((GOLDEN / "whisper_corpus.json").read_text())
    assert expected["n"] == len(cases)
    assert _corpus_wer(cases) == pytest.approx(expected["wer"], abs=1e-12)


SLANG = ("cause", "kinda", "sorta", "dunno", "gonna")


def test_no_installed_normaliser_package_can_move_wer(monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in for whisper-normalizer >= 0.1.8, which rewrites "cause" as "because": if the
    # scorer used any installed package, these figures would move.
    calls: list[str] = []

    class Rewriting:
        def __call__(self, text: str) -> str:
            calls.append(text)
            return text.replace("cause", "because").replace("kinda", "kind of")

    package = types.ModuleType("whisper_normalizer")
    english = types.ModuleType("whisper_normalizer.english")
    english.EnglishTextNormalizer = Rewriting  # type: ignore[attr-defined]
    basic = types.ModuleType("whisper_normalizer.basic")
    basic.BasicTextNormalizer = Rewriting  # type: ignore[attr-defined]
    for name, module in (
        ("whisper_normalizer", package),
        (english.__name__, english),
        (basic.__name__, basic),
    ):
        monkeypatch.setitem(sys.modules, name, module)
    get_normalizer.cache_clear()
    try:
        cases = [c for c in rows("whisper_wer.jsonl.gz") if "words" in c]
        corpus = [c for c in cases if any(w in (c["reference"] + c["hypothesis"]).lower() for w in SLANG)]
        assert len(corpus) > 100
        text = " ".join(c["reference"] for c in corpus).lower()
        assert all(w in text for w in SLANG) and any(ch.isdigit() for ch in text) and "colour" in text
        expected_errors = sum(sum(c["words"][1:]) for c in corpus)
        expected_length = sum(sum(c["words"][:3]) for c in corpus)
        assert _corpus_wer(corpus) == pytest.approx(expected_errors / expected_length, abs=1e-12)
        assert WhisperEnglish()("the cause of it, kinda") == "the cause of it kinda"
        assert calls == []
    finally:
        get_normalizer.cache_clear()


def test_openai_tile_tokens_match_epam_and_published_examples() -> None:
    cases = rows("image_tokens_openai_tiles.jsonl.gz")
    assert_all_agree(
        cases, lambda c: _tokens.openai_tile_tokens(c["width"], c["height"], c["detail"]), "expected"
    )
    # Where EPAM's tokenizer ran, its figure is the expected one; it fails only on extreme aspect ratios.
    failed = [c for c in cases if c["epam"] is None]
    assert all(c["epam"] == c["expected"] for c in cases if c["epam"] is not None)
    assert all(c.get("note") == "epam_error" for c in failed) and len(failed) < 60


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("image_tokens_anthropic.jsonl.gz", _tokens.anthropic_image_tokens),
        ("image_tokens_gemini.jsonl.gz", _tokens.gemini_image_tokens),
    ],
)
def test_image_token_readings(name: str, rule: Callable[[int, int], int]) -> None:
    assert_all_agree(rows(name), lambda c: rule(c["width"], c["height"]), "expected")
