"""Image–text matching: the generators' captions are true exactly where they should be, the
Winoground scores on hand-worked groups, and runs where the answers are known — the oracle (all
1.0), the random-choice baseline (recounted from its journal) and a fake provider that matches
captions to images but always picks the first image (text 1, image 0, group 0)."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from evals.benchmark_aggregates import ScoredRow, benchmark_score
from evals.cli.main import main
from evals.generators.matching import CaptionChoices, MatchParams, WinogroundPairs
from evals.generators.shapes import Thing
from evals.generators.spatial import RELATION_PHRASES, relation_holds
from evals.task.spec import AggregateSpec
from evals.testing.fake_provider import FakeConfig, FakeProvider
from evals.testing.fake_provider.request import FakeRequest

TASKS = Path(__file__).resolve().parents[2] / "tasks"
_CAPTION = re.compile(r"an? (\w+) (\w+) (" + "|".join(RELATION_PHRASES.values()) + r") an? (\w+) (\w+)")


def describes(text: str, things: list[Thing]) -> bool:
    """Whether a caption is true of a scene, read from the scene's own objects."""
    match = _CAPTION.fullmatch(text)
    assert match, text
    c1, s1, phrase, c2, s2 = match.groups()
    relation = next(r for r, p in RELATION_PHRASES.items() if p == phrase)
    return any(
        relation_holds(a, b, relation)
        for a in things
        if (a.colour, a.shape) == (c1, s1)
        for b in things
        if (b.colour, b.shape) == (c2, s2)
    )


def _things(image: Any) -> list[Thing]:
    return list(image.args[0])  # the scene the picture is drawn from


def test_winoground_groups_pair_same_word_captions_with_their_images() -> None:
    generator = WinogroundPairs(MatchParams())
    rows = [generator.row(0, i) for i in range(24)]
    for start in range(0, 24, 4):
        text0, text1, image0, image1 = rows[start : start + 4]
        c0, c1 = text0["choices"]
        assert sorted(c0.split()) == sorted(c1.split()) and c0 != c1  # same words, other order
        i0, i1 = image0["images"]
        assert describes(c0, _things(i0)) and not describes(c1, _things(i0))
        assert describes(c1, _things(i1)) and not describes(c0, _things(i1))
        assert [r["answer"] for r in (text0, text1, image0, image1)] == ["A", "B", "A", "B"]
        assert [r["question_type"] for r in (text0, text1, image0, image1)] == [
            "text",
            "text",
            "image",
            "image",
        ]
        assert len({r["group"] for r in (text0, text1, image0, image1)}) == 1
        assert c0 in image0["question"] and c1 in image1["question"]
    assert {r["swap"] for r in rows} == {"attribute", "object", "relation"}
    # Same seed, same bytes; the two images of a group differ.
    again = WinogroundPairs(MatchParams()).row(0, 2)["images"]
    assert [im() for im in again] == [im() for im in rows[2]["images"]]
    assert rows[2]["images"][0]() != rows[2]["images"][1]()
    assert WinogroundPairs(MatchParams()).row(1, 2)["images"][0]() != rows[2]["images"][0]()


def test_caption_choices_have_exactly_one_true_caption() -> None:
    generator = CaptionChoices(MatchParams())
    letters = set()
    for index in range(30):
        row = generator.row(0, index)
        truths = [describes(c, _things(row["image"])) for c in row["choices"]]
        assert truths.count(True) == 1
        assert row["answer"] == "ABCD"[truths.index(True)]
        assert len({tuple(sorted(c.split())) for c in row["choices"]}) == 1  # all the same words
        letters.add(row["answer"])
    assert letters == set("ABCD")
    assert generator.row(0, 3)["image"]() == CaptionChoices(MatchParams()).row(0, 3)["image"]()


def _row(sample_id: str, group: str, kind: str, right: int, **extra: Any) -> ScoredRow:
    return ScoredRow(sample_id, {"group": group, "question_type": kind, **extra}, {"m": float(right)})


WINOGROUND: Any = TypeAdapter(AggregateSpec).validate_python({"kind": "winoground", "metric": "m"})


def test_winoground_scores_on_hand_worked_groups() -> None:
    # g1 all right; g2 text right, one image question wrong; g3 text wrong, image right;
    # g4 all wrong. Text: g1, g2 → 2/4; image: g1, g3 → 2/4; group: g1 → 1/4.
    outcomes = {"g1": (1, 1, 1, 1), "g2": (1, 1, 1, 0), "g3": (0, 1, 1, 1), "g4": (0, 0, 0, 0)}
    rows = [
        _row(f"{g}-{k}", g, "text" if k < 2 else "image", v)
        for g, values in outcomes.items()
        for k, v in enumerate(values)
    ]
    score = benchmark_score(WINOGROUND, rows)
    assert score.parts == {"text_score": 0.5, "image_score": 0.5, "group_score": 0.25}
    assert score.value == 0.25 and score.n == 4 and score.unit == "group"
    # A group cut short (no image question) is left out, and said so.
    short = benchmark_score(WINOGROUND, [*rows, _row("g5-0", "g5", "text", 1)])
    assert short.parts == score.parts and "1 groups left out" in short.note
    # In a sweep each level is a group of its own.
    swept = [
        _row(f"{r.sample_id}@blur={lvl}", str(r.metadata["group"]), str(r.metadata["question_type"]),
             int(r.values["m"]) if lvl == 0 else 0, perturb="blur", severity=lvl)
        for r in rows for lvl in (0, 2)
    ]  # fmt: skip
    assert benchmark_score(WINOGROUND, swept).parts["text_score"] == 2 / 8


def _cells(out: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((out / "summary.json").read_text())
    return {c["backend"]: c for c in data["cells"]}


def test_oracle_scores_one_and_random_choice_matches_its_journal(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["run", str(TASKS / "winoground-shapes.yaml"), "--backends", "oracle,random-choice"]
    assert main([*args, "--limit", "40", "--quiet", "--out", str(out)]) == 0
    cells = _cells(out)
    assert cells["oracle"]["benchmark"]["parts"] == {
        "text_score": 1.0,
        "image_score": 1.0,
        "group_score": 1.0,
    }
    assert cells["oracle"]["metrics"]["multiple_choice"]["value"] == 1.0
    right: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for line in (out / "samples.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record.get("backend") == "random-choice" and record.get("status") == "ok":
            meta = record["metadata"]
            right[meta["group"]][meta["question_type"]].append(record["scores"]["multiple_choice"] == 1.0)
    text = sum(all(g["text"]) for g in right.values()) / len(right)
    image = sum(all(g["image"]) for g in right.values()) / len(right)
    group = sum(all(g["text"]) and all(g["image"]) for g in right.values()) / len(right)
    assert len(right) == 10
    assert cells["random-choice"]["benchmark"]["parts"] == {
        "text_score": text, "image_score": image, "group_score": group,
    }  # fmt: skip
    report = (out / "report.md").read_text()
    assert "Winoground scores" in report and "| oracle (baseline) | 1.000 [1.000, 1.000] |" in report.replace(
        "\\[", "["
    ).replace("\\]", "]")
    info = json.loads((out / "run.json").read_text())
    assert {b["name"]: b["kind"] for b in info["backends"]}["random-choice"] == "baseline"


def _which_image() -> dict[str, int]:
    """sha256 of each rendered image → 0 (I0) or 1 (I1) of its group, for the first 4 groups."""
    generator = WinogroundPairs(MatchParams())
    known = {}
    for group in range(4):
        images = generator.row(0, 4 * group + 2)["images"]
        for k, image in enumerate(images):
            known[hashlib.sha256(image()).hexdigest()] = k
    return known


@pytest.fixture
def caption_reader() -> Any:
    """Knows which image of its group a picture is, so it matches captions to images; asked
    which image fits a caption, it always says the first."""
    known = _which_image()

    def answer(request: FakeRequest) -> str:
        if "Which caption describes the image?" in request.text and len(request.images) == 1:
            return "AB"[known[hashlib.sha256(request.images[0]).hexdigest()]]
        assert len(request.images) == 2 and "A. the first image" in request.text
        return "A"

    with FakeProvider(config=FakeConfig(), answer=answer) as server:
        yield server


def test_fake_provider_run_gives_text_score_without_image_score(
    caption_reader: FakeProvider, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    config = tmp_path / "run.yaml"
    config.write_text(
        f"name: wino\ntasks: [{TASKS / 'winoground-shapes.yaml'}]\nlimit: 16\n"
        f"backends: [{{name: gpt, type: openai, model: gpt-4o, base_url: '{caption_reader.openai_url}'}}]\n"
    )
    assert main(["run", str(config), "--quiet", "--out", str(out), "--no-cache"]) == 0
    (cell,) = _cells(out).values()
    assert cell["metrics"]["multiple_choice"]["n"] == 16  # every question answered, none failed
    assert cell["benchmark"]["parts"] == {"text_score": 1.0, "image_score": 0.0, "group_score": 0.0}
    assert cell["metrics"]["multiple_choice"]["value"] == 0.75  # 2 text + 1 of 2 image questions
