"""A realistic run directory, built once per session through the real pipeline: three small tasks
(images, audio, yes/no labels) on two priced fake models, a free engine, a model of unknown price
and the baselines, with wrong answers, errors and injected markup."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from evals.config import RunConfig  # noqa: E402
from evals.session import RunOptions, start_run  # noqa: E402


def _shapes(folder: Path) -> None:
    from PIL import Image, ImageDraw

    rows = []
    for i in range(16):
        count = i % 5
        image = Image.new("RGB", (120, 80), (235, 238, 242))
        draw = ImageDraw.Draw(image)
        colour = ("red", "blue")[i % 2]
        for k in range(count):
            draw.ellipse(
                (8 + k * 22, 28, 26 + k * 22, 46), fill=(200, 30, 30) if colour == "red" else (30, 60, 200)
            )
        image.save(folder / f"shape{i:02d}.png")
        rows.append(
            {
                "id": f"s{i:02d}",
                "image": f"shape{i:02d}.png",
                "question": "How many circles?",
                "answer": str(count),
                "count": count,
                "colour": colour,
            }
        )
    (folder / "shapes.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def _tones(folder: Path) -> None:
    import soundfile as sf

    rows = []
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
    rng = np.random.default_rng(0)
    for i, word in enumerate(words):
        noise = (0.0, 0.1, 0.2)[i % 3]
        t = np.arange(16000) / 16000
        wave = 0.4 * np.sin(2 * np.pi * (220 + 40 * i) * t) + noise * rng.standard_normal(t.size)
        sf.write(folder / f"tone{i}.wav", wave.astype(np.float32), 16000)
        rows.append({"id": f"a{i}", "audio": f"tone{i}.wav", "answer": word, "noise": noise})
    (folder / "tones.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def _answers(folder: Path) -> None:
    rows = [
        {"id": f"q{i}", "question": f"Is {i} even?", "answer": "yes" if i % 2 == 0 else "no"}
        for i in range(10)
    ]
    (folder / "answers.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


TASKS = {
    "shapes": (
        "name: shapes\nkind: custom\n"
        "dataset: {source: jsonl, path: data/shapes.jsonl, images: [image], metadata: [count, colour]}\n"
        "prompt: {parts: [{image: image}, {text: '{{ question }}'}]}\n"
        "scorers: [exact_match]\nbreakdowns: [count, colour]\n"
    ),
    "tones": (
        "name: tones\nkind: custom\n"
        "dataset: {source: jsonl, path: data/tones.jsonl, audio: [audio]}\n"
        "prompt: {parts: [{audio: audio}, {text: Transcribe.}]}\n"
        "scorers: ['report_fakes:EditRate']\nbreakdowns: [noise]\n"
    ),
    "answers": (
        "name: answers\nkind: custom\n"
        "dataset: {source: jsonl, path: data/answers.jsonl}\n"
        "prompt: {parts: [{text: '{{ question }} Answer yes or no.'}]}\n"
        "scorers: ['report_fakes:LabelScorer']\n"
    ),
}


def write_tasks(folder: Path) -> list[Path]:
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    _shapes(data)
    _tones(data)
    _answers(data)
    paths = []
    for name, text in TASKS.items():
        (folder / f"{name}.yaml").write_text(text)
        paths.append(folder / f"{name}.yaml")
    return paths


BACKENDS = [
    {"name": "oracle", "type": "oracle"},
    {"name": "majority", "type": "majority"},
    {
        "name": "model-a",
        "type": "report_fakes:FakeModel",
        "model": "big",
        "options": {
            "wrong": ["s05", "a2", "q3"],
            "fail": ["s09"],
            "inject": ["s03"],
            "garble": ["q7"],
            "price_per_token": 4e-6,
        },
    },
    {
        "name": "model-b",
        "type": "report_fakes:FakeModel",
        "model": "small",
        "options": {
            "wrong": ["s01", "s02", "s06", "s11", "a1", "a2", "a4", "q1", "q2"],
            "price_per_token": 5e-7,
        },
    },
    {
        "name": "engine-c",
        "type": "report_fakes:FakeEngine",
        "tasks": ["shapes", "tones"],
        "options": {"wrong": ["s00", "s05", "s07", "s10", "s12", "s14", "a0", "a3", "a5"], "delay_s": 0.001},
    },
    {
        "name": "model-d",
        "type": "report_fakes:FakeModel",
        "model": "unpriced",
        "tasks": ["answers"],
        "options": {"wrong": ["q5"], "price_per_token": None},
    },
]


def make_run(folder: Path) -> Path:
    paths = write_tasks(folder / "tasks")
    config = RunConfig.model_validate(
        {"name": "report-test", "tasks": [str(p) for p in paths], "backends": BACKENDS, "max_error_rate": 0.1}
    )
    outcome = start_run(config, folder / "tasks", RunOptions(out=folder / "run", use_cache=False, quiet=True))
    return outcome.rundir.path


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared run directory (tests must not modify it; copy it first)."""
    return make_run(tmp_path_factory.mktemp("report-run"))
