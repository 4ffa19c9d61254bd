"""Hugging Face sources on local data: save_to_disk folders, imagefolder and audiofolder.

The hub loader (`source: hf`) is the same code path as `hf_disk` after `load_dataset`; these
tests prove the field mapping and the undecoded media handling without a network.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile

from evals.task.loader import check_task, load_task

datasets = pytest.importorskip("datasets")


def png_bytes(color: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return buffer.getvalue()


def wav_bytes(seconds: float = 0.2) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, np.zeros(int(16000 * seconds), dtype=np.float32), 16000, format="WAV")
    return buffer.getvalue()


def test_saved_dataset_with_image_feature_and_nested_answers(tmp_path: Path) -> None:
    features = datasets.Features(
        {
            "question_id": datasets.Value("int64"),
            "question": datasets.Value("string"),
            "image": datasets.Image(),
            "answers": [{"answer": datasets.Value("string"), "answer_id": datasets.Value("int64")}],
        }
    )
    rows = {
        "question_id": [1, 2],
        "question": ["What colour?", "Which colour?"],
        "image": [
            {"bytes": png_bytes((255, 0, 0)), "path": None},
            {"bytes": png_bytes((0, 0, 255)), "path": None},
        ],
        "answers": [[{"answer": "red", "answer_id": 1}] * 3, [{"answer": "blue", "answer_id": 1}] * 3],
    }
    datasets.Dataset.from_dict(rows, features=features).save_to_disk(str(tmp_path / "saved"))
    (tmp_path / "t.yaml").write_text(
        "name: saved\nkind: custom\n"
        "dataset: {source: hf_disk, path: saved, id: question_id, target: 'answers[*].answer', images: [image]}\n"
        "prompt: {parts: [{image: image}, {text: '{{ question }}'}]}\nscorers: [exact_match]\n"
    )
    task = load_task(tmp_path / "t.yaml")
    check_task(task)
    samples = list(task.samples())
    assert [s.id for s in samples] == ["1", "2"]
    assert samples[1].targets == ["blue", "blue", "blue"]
    assert samples[0].fields["image"].data == png_bytes((255, 0, 0))  # the original bytes, not re-encoded
    request = task.builder.build(samples[0])
    assert request.prompt_text() == "<image>What colour?"


def test_dataset_dict_needs_a_split(tmp_path: Path) -> None:
    dd = datasets.DatasetDict({"validation": datasets.Dataset.from_dict({"id": ["a"], "answer": ["x"]})})
    dd.save_to_disk(str(tmp_path / "dd"))
    (tmp_path / "t.yaml").write_text(
        "name: dd\nkind: custom\ndataset: {source: hf_disk, path: dd}\n"
        "prompt: {parts: [{text: 'hi'}]}\nscorers: [exact_match]\n"
    )
    from evals.errors import InputError

    with pytest.raises(InputError, match="validation"):
        list(load_task(tmp_path / "t.yaml").samples())
    text = (tmp_path / "t.yaml").read_text().replace("path: dd}", "path: dd, split: validation}")
    (tmp_path / "t.yaml").write_text(text)
    assert [s.targets for s in load_task(tmp_path / "t.yaml").samples()] == [["x"]]


def test_imagefolder_labels(tmp_path: Path) -> None:
    for label, color in (("cat", (255, 0, 0)), ("dog", (0, 255, 0))):
        (tmp_path / "imgs" / "train" / label).mkdir(parents=True)
        for i in range(2):
            (tmp_path / "imgs" / "train" / label / f"{i}.png").write_bytes(png_bytes(color))
    (tmp_path / "t.yaml").write_text(
        "name: folder\nkind: custom\n"
        "dataset: {source: imagefolder, path: imgs, id: null, target: label, images: [image]}\n"
        "prompt: {parts: [{image: image}, {text: 'What animal?'}]}\nscorers: [exact_match]\n"
    )
    samples = list(load_task(tmp_path / "t.yaml").samples())
    assert len(samples) == 4
    assert {s.targets[0] for s in samples} == {"cat", "dog"}  # the folder names
    assert samples[0].fields["image"].mime == "image/png"


def test_audiofolder_without_an_audio_codec(tmp_path: Path) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.wav").write_bytes(wav_bytes())
    (folder / "metadata.csv").write_text("file_name,transcription\na.wav,hello there\nb.wav,good bye\n")
    (tmp_path / "t.yaml").write_text(
        "name: clips\nkind: custom\n"
        "dataset: {source: audiofolder, path: clips, id: null, target: transcription, audio: [audio]}\n"
        "prompt: {parts: [{audio: audio}, {text: 'Transcribe.'}]}\nscorers: [exact_match]\n"
    )
    samples = list(load_task(tmp_path / "t.yaml").samples())
    assert sorted(s.targets[0] for s in samples) == ["good bye", "hello there"]
    assert samples[0].fields["audio"].mime == "audio/wav"
