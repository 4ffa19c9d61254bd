"""Generators: row i depends only on (seed, i, params), and what each row says is true of its media."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from evals.generators import IndexedGenerator, build_generator, generator_registry
from evals.generators.charts import Charts, ask, chart_png
from evals.generators.digits import Digits
from evals.generators.export import export_rows, media_bytes
from evals.generators.ocr import OcrLines, Receipts
from evals.generators.scenes import CountingScenes, SpatialScenes, VqaScenes
from evals.generators.shapes import Thing, overlapping
from evals.generators.spatial import RELATIONS, place_pair, relation_holds
from evals.generators.speech import SpeechClips

IMAGE_GENERATORS: list[type[IndexedGenerator]] = [
    OcrLines,
    Receipts,
    CountingScenes,
    SpatialScenes,
    VqaScenes,
    Charts,
    Digits,
]
HAVE_ESPEAK = shutil.which("espeak-ng") is not None
ALL_GENERATORS = [
    *IMAGE_GENERATORS,
    pytest.param(SpeechClips, marks=pytest.mark.skipif(not HAVE_ESPEAK, reason="espeak-ng not installed")),
]


def materialise(row: dict[str, Any]) -> dict[str, Any]:
    """The row with media rendered to bytes, so rows compare by content."""
    return {k: media_bytes(v) if callable(v) else v for k, v in row.items()}


def scene(row: dict[str, Any], column: str = "image") -> list[Thing]:
    """The shapes a scene row draws (its image is `partial(scene_png, things, w, h)`)."""
    render = row[column]
    assert isinstance(render, partial)
    things: list[Thing] = render.args[0]
    return things


@pytest.mark.parametrize("cls", ALL_GENERATORS)
def test_row_depends_only_on_seed_and_index(cls: type[IndexedGenerator]) -> None:
    first = [materialise(r) for r in cls().rows(3, seed=11)]
    # A fresh generator, asked for other rows first and in another order, gives the same row 2.
    other = cls()
    for index in (5, 0):
        materialise(other.row(11, index))
    assert materialise(other.row(11, 2)) == first[2]
    assert [materialise(r) for r in cls().rows(3, seed=11)] == first
    assert set(first[0]) == set(cls.columns)
    assert materialise(cls().row(12, 0)) != first[0], "another seed should give another row"


@pytest.mark.parametrize("cls", IMAGE_GENERATORS)
def test_registered_under_its_name_and_renders_png(cls: type[IndexedGenerator]) -> None:
    assert generator_registry.get(cls.name) is cls
    generator = build_generator(cls.name, {})
    data = media_bytes(generator.row(0, 0)["image"])
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"tIME" not in data and b"Software" not in data, "PNG must not carry time or software chunks"


def test_unknown_parameter_is_an_input_error() -> None:
    from evals.errors import InputError

    with pytest.raises(InputError, match="max_count"):
        build_generator("counting_scenes", {"max_cont": 3})


def test_counting_answer_is_the_number_of_matching_shapes() -> None:
    generator = CountingScenes()
    counts = []
    for index in range(40):
        row = generator.row(0, index)
        things = scene(row)
        wanted = [
            t for t in things if row["shape"] in ("any", t.shape) and row["colour"] in ("any", t.colour)
        ]
        assert len(wanted) == row["count"] == int(row["answer"])
        assert row["overlap"] == overlapping(things)
        assert row["n_objects"] == len(things)
        counts.append(row["count"])
    assert min(counts) <= 3 and max(counts) >= 18, "counts should span 0 to 20+"


def test_spatial_pairs_hold_exactly_one_relation() -> None:
    import random

    for seed in range(60):
        relation = RELATIONS[seed % 4]
        first, second = place_pair(random.Random(seed), ("circle", "red"), ("square", "blue"), relation, 256)
        assert [r for r in RELATIONS if relation_holds(first, second, r)] == [relation]


def test_spatial_answers_follow_the_scene() -> None:
    generator = SpatialScenes()
    forms = Counter()
    for index in range(60):
        row = generator.row(0, index)
        things = scene(row)
        names = [t.name for t in things]
        assert len(set(names)) == len(names) == row["n_objects"], "names must pick one shape each"
        match = re.match(r"(?:Is|Where is) the (\w+ \w+) .* the (\w+ \w+)\?", row["question"])
        assert match is not None
        first, second = (things[names.index(name)] for name in match.groups())
        assert relation_holds(first, second, row["relation"])
        forms[row["form"]] += 1
        if row["form"] == "multiple_choice":
            assert row["choices"][ord(row["answer"]) - ord("A")] == row["relation"]
        else:
            assert row["choices"] == ["yes", "no"]
            assert (row["answer"] == "yes") == (row["asked"] == row["relation"])
    assert forms["multiple_choice"] > 15 and forms["yes_no"] > 15


def test_vqa_references_and_scene_agree() -> None:
    generator = VqaScenes()
    for index in range(60):
        row = generator.row(0, index)
        things = scene(row)
        answers = row["answers"]
        top, top_count = Counter(answers).most_common(1)[0]
        assert len(answers) == 10 and top_count >= 4, "the oracle must score 1.0 under VQA accuracy"
        question = row["question"]
        if row["question_type"] == "colour":
            shape = question.removeprefix("What color is the ").rstrip("?")
            assert [t.colour for t in things if t.shape == shape] == [top]
        elif row["question_type"] == "shape":
            colour = question.removeprefix("What shape is the ").removesuffix(" object?")
            assert [t.shape for t in things if t.colour == colour] == [top]
        elif row["question_type"] == "count":
            plural = question.removeprefix("How many ").removesuffix(" are there?")
            assert sum(t.shape + "s" == plural for t in things) == int(top)
        else:
            colour, shape = question.rstrip("?").split()[-2:]
            present = any(t.colour == colour and t.shape == shape for t in things)
            assert top == ("yes" if present else "no")


def test_chart_answers_are_read_from_the_data() -> None:
    import random

    generator = Charts()
    for chart_index in range(30):
        data = generator.chart(0, chart_index)
        assert len(set(data.values)) == len(data.values), "values are distinct: one maximum, one minimum"
        if data.chart_type == "pie":
            assert sum(data.values) == 100
        pairs = dict(zip(data.labels, data.values, strict=True))
        rng = random.Random(chart_index)
        assert ask(rng, data, "max")[1] == max(pairs, key=pairs.__getitem__)
        assert ask(rng, data, "min")[1] == min(pairs, key=pairs.__getitem__)
        question, answer = ask(rng, data, "difference")
        a, b = re.findall(r"of (.+) and (.+)\?", question)[0]
        assert int(answer) == abs(pairs[a] - pairs[b])
    rows = list(generator.rows(9, 0))
    assert len({r["chart_id"] for r in rows}) == 3 and len({r["id"] for r in rows}) == 9
    assert {r["chart_type"] for r in rows} == {"bar", "line", "pie"}
    assert chart_png(generator.chart(0, 1)) == media_bytes(rows[3]["image"])


def test_receipt_totals_add_up() -> None:
    generator = Receipts()
    for index in range(30):
        lines = generator.row(0, index)["answer"].split("\n")
        money = {
            line.rsplit(" ", 1)[0]: line.rsplit(" ", 1)[1] for line in lines if re.search(r"\d+\.\d\d$", line)
        }
        cents = {label: round(float(value) * 100) for label, value in money.items()}
        tax = next((v for k, v in cents.items() if k.startswith("Tax")), 0)
        items = [v for k, v in cents.items() if k not in ("Subtotal", "TOTAL") and not k.startswith("Tax")]
        assert sum(items) == cents["Subtotal"]
        assert cents["Subtotal"] + tax == cents["TOTAL"]


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr not installed")
def test_easy_lines_are_readable_by_tesseract(tmp_path: Path) -> None:
    generator = OcrLines(OcrLines.Params(difficulty="easy", fonts=("sans",)))
    for index in range(3):
        row = generator.row(0, index)
        image = tmp_path / f"{index}.png"
        image.write_bytes(media_bytes(row["image"]))
        text = subprocess.run(
            ["tesseract", str(image), "-", "--psm", "7"], capture_output=True, text=True, check=True
        ).stdout.strip()
        assert text == row["answer"], f"tesseract read {text!r}"


def test_digits_are_balanced_real_labels() -> None:
    from sklearn.datasets import load_digits

    targets = load_digits().target
    rows = list(Digits().rows(250, 0))
    assert Counter(r["digit"] for r in rows) == dict.fromkeys(range(10), 25)
    assert all(targets[r["source_index"]] == r["digit"] == int(r["answer"]) for r in rows)
    assert len({r["source_index"] for r in rows}) == 250, "no image is used twice"
    image = Image.open(io.BytesIO(media_bytes(rows[0]["image"])))
    assert image.size == (128, 128) and image.mode == "L"


def test_export_writes_shared_media_once(tmp_path: Path) -> None:
    rows = list(Charts().rows(6, 0))
    written = export_rows(iter(rows), tmp_path, {"image": "images"}, stem="chart_id")
    assert sorted(p.name for p in (tmp_path / "images").iterdir()) == ["chart-000.png", "chart-001.png"]
    lines = [json.loads(line) for line in (tmp_path / "samples.jsonl").read_text().splitlines()]
    assert lines == written and lines[1]["image"] == "images/chart-000.png"
    assert list(lines[0]) == list(Charts.columns)
    clash = [{"id": "a", "image": b"\x89PNG\r\n\x1a\n1"}, {"id": "a", "image": b"\x89PNG\r\n\x1a\n2"}]
    with pytest.raises(ValueError, match=r"images/a\.png"):
        export_rows(iter(clash), tmp_path / "clash", {"image": "images"})


def test_noise_is_mixed_at_the_stated_snr() -> None:
    from evals.generators.audio import mix_at_snr, power, resample, to_flac, trim_silence

    rng = np.random.default_rng(0)
    speech = np.sin(np.linspace(0, 400 * np.pi, 16000)) * 0.5
    noise = rng.standard_normal(20000)
    for snr in (20, 10, 5):
        mixed = mix_at_snr(speech, noise, snr)
        assert 10 * np.log10(power(speech) / power(mixed - speech)) == pytest.approx(snr, abs=1e-9)
    assert len(resample(speech, 22050, 16000)) == round(16000 * 16000 / 22050)
    padded = np.concatenate([np.zeros(8000), speech, np.zeros(8000)])
    assert len(trim_silence(padded, 16000)) == pytest.approx(16000 + 2 * 1600, abs=2)
    import soundfile

    decoded, rate = soundfile.read(io.BytesIO(to_flac(speech)), dtype="int16")
    assert rate == 16000 and decoded.ndim == 1
    assert np.all(decoded % 16 == 0), "12-bit precision: the four low bits are zero"


@pytest.mark.skipif(not HAVE_ESPEAK, reason="espeak-ng not installed")
def test_speech_clips_are_16k_mono_and_noisy_ones_differ() -> None:
    import soundfile

    generator = SpeechClips(SpeechClips.Params(noisy_share=0.0))
    clean = generator.row(0, 0)
    noisy = SpeechClips(SpeechClips.Params(noisy_share=1.0, noise_kinds=("white",), snrs_db=(5,))).row(0, 0)
    assert clean["answer"] == noisy["answer"] and noisy["snr_db"] == 5 and clean["snr_db"] == "clean"
    signals = []
    for row in (clean, noisy):
        audio, rate = soundfile.read(io.BytesIO(media_bytes(row["audio"])))
        assert rate == 16000 and audio.ndim == 1
        assert 0.15 * row["n_words"] < len(audio) / rate < 1.0 * row["n_words"] + 1
        signals.append(audio)
    assert len(signals[0]) == len(signals[1]) and not np.array_equal(signals[0], signals[1])
