"""Field-mapping features the benchmarks need: gathered columns, options stored as the text of a
list, renamed references, and MMBench's circular rotations."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from evals.errors import InputError
from evals.task.loader import build_task, check_task
from evals.task.spec import TaskSpec


def write_rows(folder: Path, rows: list[dict[str, Any]]) -> Path:
    for index in range(3):
        buffer = io.BytesIO()
        Image.new("RGB", (4, 4), (index * 60, 0, 0)).save(buffer, format="PNG")
        (folder / f"img{index}.png").write_bytes(buffer.getvalue())
    path = folder / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def task_for(path: Path, **dataset: Any) -> Any:
    task = dataset.pop("_task", {})
    spec = TaskSpec.model_validate(
        {
            "name": "t",
            "kind": "multiple_choice",
            "dataset": {"source": "jsonl", "path": str(path), **dataset},
            **task,
        }
    )
    return build_task(spec)


MMBENCH_ROWS = [
    {
        "id": "q1",
        "question": "Which?",
        "A": "cat",
        "B": "dog",
        "C": "bird",
        "D": "nan",
        "answer": "B",
        "image": "img0.png",
    },
    {
        "id": "q2",
        "question": "Where?",
        "A": "left",
        "B": "right",
        "C": None,
        "D": "",
        "answer": "A",
        "image": "img1.png",
    },
]


def test_gather_skips_blank_columns(tmp_path: Path) -> None:
    task = task_for(
        write_rows(tmp_path, MMBENCH_ROWS),
        gather={"options": ["A", "B", "C", "D"]},
        choices="options",
        images=["image"],
    )
    first, second = task.samples()
    assert first.choices == ["cat", "dog", "bird"] and second.choices == ["left", "right"]
    assert first.fields["options"] == ["cat", "dog", "bird"]


def test_gathered_media_become_one_list_of_images(tmp_path: Path) -> None:
    rows = [
        {
            "id": "m",
            "question": "q",
            "answer": "x",
            "image_1": "img0.png",
            "image_2": None,
            "image_3": "img2.png",
        }
    ]
    spec = {
        "images": ["image_1", "image_2", "image_3"],
        "gather": {"images": ["image_1", "image_2", "image_3"]},
        "_task": {"kind": "vqa", "prompt": {"parts": [{"image": "images"}, {"text": "{{ question }}"}]}},
    }
    task = task_for(write_rows(tmp_path, rows), **spec)
    check_task(task)  # the gathered field counts as a column of the mapped row
    (sample,) = task.samples()
    parts = task.builder.build(sample).media_parts()
    assert len(parts) == 2 and parts[0].media.data != parts[1].media.data


def test_options_stored_as_the_text_of_a_list(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "question": "q", "options": "['Baroque', 'Rococo']", "answer": "B", "image": "img0.png"},
        {"id": "b", "question": "q", "options": "[]", "answer": "12.5", "image": "img0.png"},
        {"id": "c", "question": "q", "options": "[__import__('os')]", "answer": "A", "image": "img0.png"},
    ]
    task = task_for(write_rows(tmp_path, rows), choices="options", images=["image"])
    samples = task.samples()
    assert next(samples).choices == ["Baroque", "Rococo"]
    assert next(samples).choices is None  # an open question: no options
    with pytest.raises(InputError, match="holds no list of options"):  # literals only, nothing runs
        next(samples)


def test_target_map_turns_indices_into_letters(tmp_path: Path) -> None:
    rows = [{"id": "a", "question": "q", "options": ["x", "y", "z"], "answer": 2, "image": "img0.png"}]
    task = task_for(
        write_rows(tmp_path, rows),
        choices="options",
        images=["image"],
        target_map={"0": "A", "1": "B", "2": "C"},
    )
    (sample,) = task.samples()
    assert sample.targets == ["C"]


def test_circular_rotates_options_and_moves_the_reference(tmp_path: Path) -> None:
    task = task_for(
        write_rows(tmp_path, MMBENCH_ROWS),
        gather={"options": ["A", "B", "C", "D"]},
        choices="options",
        images=["image"],
        circular=True,
    )
    samples = list(task.samples())
    assert [s.id for s in samples] == ["q1@rot=0", "q1@rot=1", "q1@rot=2", "q2@rot=0", "q2@rot=1"]
    assert [s.choices for s in samples[:3]] == [
        ["cat", "dog", "bird"],
        ["dog", "bird", "cat"],
        ["bird", "cat", "dog"],
    ]
    # "dog" is B, then A, then C: the reference follows its option.
    assert [s.targets for s in samples[:3]] == [["B"], ["A"], ["C"]]
    assert [s.metadata["circular_id"] for s in samples] == ["q1"] * 3 + ["q2"] * 2
    assert [s.metadata["rotation"] for s in samples] == [0, 1, 2, 0, 1]
    assert {s.metadata["rotations"] for s in samples[:3]} == {3}
    assert samples[1].fields["options"] == ["dog", "bird", "cat"]
    # Each rotation has media of its own: releasing one sample's media leaves the others readable.
    first = samples[0].media()[0]
    _ = first.data
    samples[0].release_media()
    assert samples[1].media()[0].data.startswith(b"\x89PNG")
    # The prompt lists the rotated options.
    text = task.builder.build(samples[1]).prompt_text()
    assert text.index("dog") < text.index("bird") < text.index("cat")


def test_circular_limits_count_questions(tmp_path: Path) -> None:
    task = task_for(
        write_rows(tmp_path, MMBENCH_ROWS),
        gather={"options": ["A", "B", "C", "D"]},
        choices="options",
        images=["image"],
        circular=True,
    )
    assert [s.id for s in task.samples(limit=1)] == ["q1@rot=0", "q1@rot=1", "q1@rot=2"]
    assert task.count() is None  # a question's rotations are known only once read


def test_circular_needs_choices_and_the_circular_aggregate_needs_rotations(tmp_path: Path) -> None:
    path = write_rows(tmp_path, MMBENCH_ROWS)
    with pytest.raises(ValueError, match=r"dataset\.choices"):
        task_for(path, circular=True)
    with pytest.raises(ValueError, match=r"dataset\.circular: true"):
        TaskSpec.model_validate(
            {
                "name": "t",
                "kind": "multiple_choice",
                "dataset": {"source": "jsonl", "path": str(path), "choices": "options"},
                "aggregate": {"kind": "circular", "metric": "multiple_choice"},
            }
        )


def test_aggregate_fields_are_kept_as_metadata(tmp_path: Path) -> None:
    spec = TaskSpec.model_validate(
        {
            "name": "t",
            "kind": "yes_no",
            "dataset": {"source": "jsonl", "path": str(tmp_path / "x.jsonl")},
            "aggregate": {
                "kind": "acc_plus",
                "metric": "yes_no",
                "subtask": "category",
                "pair": "question_id",
                "totals": {"all": ["a"]},
            },
        }
    )
    assert {"category", "question_id"} <= set(spec.dataset.metadata)
