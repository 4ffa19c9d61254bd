"""Dataset sources: rows map to samples; media stay inside the dataset folder; selection."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from evals.data.fieldpath import MISSING, get_path
from evals.data.shard import Shard
from evals.errors import InputError, MediaError
from evals.task.loader import load_task


def rewrite_rows(task_path: Path, edit: dict[int, dict[str, object]]) -> None:
    data = task_path.parent / "data" / "items.jsonl"
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    for index, changes in edit.items():
        rows[index].update(changes)
        rows[index] = {k: v for k, v in rows[index].items() if v is not None}
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_samples_stream_with_targets_metadata_and_lazy_media(image_dataset: Path) -> None:
    task = load_task(image_dataset)
    samples = list(task.samples())
    assert len(samples) == 30
    first = samples[0]
    assert first.id == "s00" and first.targets == ["blue"] and first.metadata == {"level": "easy"}
    media = first.fields["image"]
    assert media._data is None  # nothing read yet
    assert media.mime == "image/png" and len(media.sha256) == 64


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("../outside.png", "leaves the dataset's folder"),
        ("/etc/passwd", "absolute"),
        ("sub/../../x.png", "leaves"),
    ],
)
def test_media_paths_cannot_escape_the_dataset_folder(image_dataset: Path, path: str, why: str) -> None:
    (image_dataset.parent / "outside.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    rewrite_rows(image_dataset, {0: {"image": path}})
    sample = next(load_task(image_dataset).samples())
    with pytest.raises(MediaError, match=why):
        _ = sample.fields["image"].data


def test_symlink_out_of_the_dataset_is_refused(image_dataset: Path, tmp_path: Path) -> None:
    secret = tmp_path.parent / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n")
    os.symlink(secret, image_dataset.parent / "data" / "link.png")
    rewrite_rows(image_dataset, {0: {"image": "link.png"}})
    sample = next(load_task(image_dataset).samples())
    with pytest.raises(MediaError, match="leaves the dataset's folder"):
        _ = sample.fields["image"].data


def test_missing_and_corrupt_media_are_per_sample_errors(image_dataset: Path) -> None:
    (image_dataset.parent / "data" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    rewrite_rows(image_dataset, {0: {"image": "nope.png"}, 1: {"image": "broken.png"}})
    samples = list(load_task(image_dataset).samples())
    with pytest.raises(MediaError, match="not found"):
        _ = samples[0].fields["image"].data
    with pytest.raises(MediaError, match="corrupt or truncated"):
        _ = samples[1].fields["image"].data
    assert samples[2].fields["image"].data  # the others are fine


def test_row_without_reference_names_file_line_and_column(image_dataset: Path) -> None:
    rewrite_rows(image_dataset, {4: {"answer": None}})
    with pytest.raises(InputError) as info:
        list(load_task(image_dataset).samples())
    err = info.value
    assert err.line == 5 and err.file and err.file.endswith("items.jsonl")
    assert "no reference in column 'answer'" in str(err)


def test_bad_json_line_is_an_input_error_with_its_line(image_dataset: Path) -> None:
    data = image_dataset.parent / "data" / "items.jsonl"
    lines = data.read_text().splitlines()
    lines[7] = "{not json"
    data.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as info:
        list(load_task(image_dataset).samples())
    assert info.value.line == 8 and "invalid JSON" in str(info.value)


def test_duplicate_ids_are_refused(image_dataset: Path) -> None:
    rewrite_rows(image_dataset, {3: {"id": "s00"}})
    with pytest.raises(InputError, match="duplicate id 's00'"):
        list(load_task(image_dataset).samples())


def test_limit_seeded_sample_and_shards(image_dataset: Path) -> None:
    task = load_task(image_dataset)
    assert [s.id for s in task.samples(limit=3)] == ["s00", "s01", "s02"]
    shards = [[s.id for s in task.samples(shard=Shard(index=i, count=3))] for i in range(3)]
    assert sorted(i for shard in shards for i in shard) == [s.id for s in task.samples()]
    assert all(len(s) == 10 for s in shards)
    text = image_dataset.read_text().replace(
        "  images: [image]", "  images: [image]\n  sample: {n: 5, seed: 7}"
    )
    image_dataset.write_text(text)
    picked = [s.id for s in load_task(image_dataset).samples()]
    again = [s.id for s in load_task(image_dataset).samples()]
    assert picked == again and len(picked) == 5 and picked == sorted(picked)
    other = image_dataset.read_text().replace("seed: 7", "seed: 8")
    image_dataset.write_text(other)
    assert [s.id for s in load_task(image_dataset).samples()] != picked


def test_cheap_counts_match_what_is_streamed(image_dataset: Path) -> None:
    task = load_task(image_dataset)
    for limit, shard in (
        (None, None),
        (7, None),
        (None, Shard(index=1, count=4)),
        (11, Shard(index=2, count=3)),
    ):
        assert task.count(limit=limit, shard=shard) == len(list(task.samples(limit=limit, shard=shard)))


def test_bad_shard_text_is_an_input_error() -> None:
    with pytest.raises(InputError, match="bad shard"):
        Shard.parse("3/3")
    assert Shard.parse("1/4") == Shard(index=1, count=4)


def test_csv_source_with_list_cells(tmp_path: Path) -> None:
    (tmp_path / "rows.csv").write_text('id,question,answer\nq1,"Say, hi","[""hi"", ""hello""]"\nq2,Two?,2\n')
    (tmp_path / "t.yaml").write_text(
        "name: csvtask\nkind: custom\ndataset: {source: csv, path: rows.csv}\n"
        "prompt: {parts: [{text: '{{ question }}'}]}\nscorers: [exact_match]\n"
    )
    samples = list(load_task(tmp_path / "t.yaml").samples())
    assert samples[0].targets == ["hi", "hello"] and samples[0].fields["question"] == "Say, hi"
    assert samples[1].targets == ["2"]


def test_field_paths() -> None:
    row = {"answers": [{"answer": "a"}, {"answer": "b"}], "meta": {"level": 2}}
    assert get_path(row, "answers[*].answer") == ["a", "b"]
    assert get_path(row, "answers[1].answer") == "b"
    assert get_path(row, "meta.level") == 2
    assert get_path(row, "meta.nope") is MISSING
    assert get_path(row, "answers[5]") is MISSING
