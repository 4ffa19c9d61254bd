"""Task files: valid ones load with kind defaults; bad ones fail at file:line with a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.cli.main import main
from evals.errors import InputError
from evals.task.loader import check_task, load_task

GOOD = """\
name: items
kind: custom
dataset:
  source: jsonl
  path: data/items.jsonl
  images: [image]
prompt:
  parts:
    - image: image
    - text: "{{ question }}"
scorers: [exact_match]
"""


def write(tmp_path: Path, text: str, name: str = "task.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        check_task(load_task(path))
    return info.value


def test_a_valid_task_loads_with_its_prompt_and_scorers(image_dataset: Path) -> None:
    task = load_task(image_dataset)
    check_task(task)
    assert task.name == "items"
    assert [m.name for m in task.metrics] == ["exact_match"]
    assert task.modalities() == {"text", "image"}


def test_kind_sets_default_prompt_and_scorers(image_dataset: Path) -> None:
    text = image_dataset.read_text().replace("kind: custom", "kind: vqa")
    text = text.split("prompt:")[0]  # no prompt, no scorers: the kind's defaults apply
    path = write(image_dataset.parent, text, "vqa.yaml")
    task = load_task(path) if _has_scorer("vqa_accuracy") else None
    if task is None:
        pytest.skip("vqa_accuracy scorer not installed yet")
    assert [type(p).__name__ for p in task.prompt.parts] == ["ImagePartSpec", "TextPartSpec"]
    assert "{{ question }}" in task.prompt.parts[1].text  # type: ignore[union-attr]


def _has_scorer(name: str) -> bool:
    from evals.scoring import scorer_registry

    try:
        scorer_registry.get(name)
    except Exception:
        return False
    return True


@pytest.mark.parametrize(
    ("mutation", "line", "field", "words"),
    [
        (
            ("kind: custom", "kind: custom\ncolour: red"),
            3,
            "colour",
            ["unknown key 'colour'", "allowed keys"],
        ),
        (("kind: custom", "kind: poetry"), 2, "kind", ["vqa", "ocr"]),
        (("name: items\n", ""), None, "name", ["required field is missing", "add 'name:'"]),
        (("  images: [image]", "  images: image"), 6, "dataset.images", ["list"]),
        (("source: jsonl", "source: parquet"), 4, "dataset", ["jsonl"]),
        (("    - text:", "    - txt:"), 10, "prompt.parts.1", ["needs one key of", "got keys: txt"]),
    ],
)
def test_schema_errors_name_file_line_field_and_fix(
    tmp_path: Path, mutation: tuple[str, str], line: int | None, field: str, words: list[str]
) -> None:
    path = write(tmp_path, GOOD.replace(*mutation))
    err = error_of(path)
    assert err.file == str(path)
    if line is not None:
        assert err.line == line, str(err)
    assert err.field is not None and err.field.startswith(field), str(err)
    for word in words:
        assert word in str(err)


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("kind: custom", "kind: [custom"))
    err = error_of(path)
    assert "YAML syntax error" in err.message
    assert err.line is not None and err.line >= 2


def test_unknown_scorer_points_at_the_scorers_list(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("[exact_match]", "[exact_matchh]"))
    err = error_of(path)
    assert "unknown scorer 'exact_matchh'" in str(err)
    assert "exact_match" in (err.fix or "")
    assert err.line == 11


def test_undefined_template_variable_is_found_before_running(image_dataset: Path) -> None:
    path = write(image_dataset.parent, image_dataset.read_text().replace("{{ question }}", "{{ questoin }}"))
    err = error_of(path)
    assert "questoin" in err.message and "question" in (err.fix or "")


def test_template_cannot_reach_python_internals(image_dataset: Path, tmp_path: Path) -> None:
    evil = image_dataset.read_text().replace(
        "{{ question }}", "{{ question.__class__.__mro__[1].__subclasses__() }}"
    )
    path = write(image_dataset.parent, evil, "evil.yaml")
    task = load_task(path)
    sample = next(task.samples())
    with pytest.raises(InputError) as info:
        task.builder.build(sample)
    assert "sandbox" in str(info.value) or "undefined" in str(info.value)


def test_non_utf8_task_file_is_rejected_with_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(GOOD.encode().replace(b"custom", b"cust\xffom"))
    err = error_of(path)
    assert "UTF-8" in err.message and err.line == 2


def test_validate_command_prints_file_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD.replace("kind: custom", "kind: custom\ncolour: red"))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:3" in err.replace("\n", "")
    assert "colour" in err


def test_validate_command_accepts_a_good_task(
    image_dataset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(image_dataset)]) == 0
    assert "ok" in capsys.readouterr().out
