"""The README's own example task, copied as written into a folder with a matching dataset:
it validates and runs; with a column the data does not have, validate refuses it (exit 2) and
names the column and the columns that exist (it never reaches the prompt as "None")."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hostile_support import one_error_line, run_eval
from media_files import png

README = Path(__file__).parents[2] / "README.md"


def readme_task() -> str:
    text = README.read_text()
    section = text[text.index("## Task files") :]
    match = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert match is not None, "the README's Task files section has a YAML example"
    return match.group(1)


def folder_for(tmp: Path, task_text: str) -> Path:
    tasks = tmp / "tasks"
    data = tmp / "datasets" / "counting"
    tasks.mkdir(parents=True)
    data.mkdir(parents=True)
    (data / "shape.png").write_bytes(png())
    rows = [
        {
            "id": f"c{i}",
            "answer": str(i % 3),
            "options": ["0", "1", "2"],
            "image": "shape.png",
            "prompt_text": "How many red circles are there?",
            "count": i % 3,
            "colour": "red",
        }
        for i in range(6)
    ]
    (data / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    path = tasks / "counting.yaml"
    path.write_text(task_text)
    return path


def test_the_readme_task_validates_and_runs(tmp_path: Path) -> None:
    task = folder_for(tmp_path, readme_task())
    ran = run_eval(["validate", str(task)], tmp_path)
    assert ran.code == 0, ran.err
    out = tmp_path / "run"
    ran = run_eval(
        ["run", str(task), "--backends", "oracle,echo", "--out", str(out), "--quiet", "--no-cache"], tmp_path
    )
    assert ran.code == 0, ran.err
    prompts = [json.loads(line)["prompt"] for line in (out / "samples.jsonl").read_text().splitlines()]
    assert prompts and all("How many red circles" in p and "None" not in p for p in prompts), prompts[:2]


@pytest.mark.parametrize(
    ("written", "wrong"), [("{question: prompt_text}", "prompt_txt"), ("choices: options", "opts")]
)
def test_the_readme_task_with_a_wrong_column_fails_at_validate(
    tmp_path: Path, written: str, wrong: str
) -> None:
    text = readme_task()
    assert written in text
    task = folder_for(
        tmp_path, text.replace(written, written.replace(written.split(": ")[-1].strip("}"), wrong))
    )
    for args in (
        ["validate", str(task)],
        ["run", str(task), "--backends", "oracle", "--out", str(tmp_path / "o")],
    ):
        line = one_error_line(run_eval(args, tmp_path))
        assert f"column {wrong!r} is not in the dataset" in line and f"{task}:" in line, line
        assert "columns are: " in line and "prompt_text" in line, line
    assert not (tmp_path / "o").exists()
