"""Bad inputs: the corpus in tests/reliability/bad_inputs/ (task files, run configs, datasets)
and broken media made here. Counted: bad inputs with a clear error = all.

- A file or config problem: `run-eval validate` and `run-eval run` both exit 2 with one line
  that names the file (and line where it has one), the field or row, and the fix; nothing is
  sent and no run directory is written.
- A sample's media problem: that sample is a `media` error naming its file, row and column, the
  others are scored, the exit code follows max_error_rate; nothing poisoned is cached or
  journaled: after the inputs are fixed, a rerun with the same cache scores every sample right,
  asking the backend only for the samples that were broken.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import media_files
import pytest
from probe_backend import MediaProbe
from records_support import latest, read_journal

from evals.cache import ResponseCache
from evals.cli.main import main

CORPUS = Path(__file__).parent / "bad_inputs"


@dataclass(frozen=True)
class Case:
    file: str  # the case's YAML file in the corpus
    names: str  # the file the error must name (relative to the corpus)
    line: int | None  # the line it must give, where it has one
    where: str | None  # the field it must name (None: the file's line is the place)
    fix: str  # words of the fix it must give


T = "task_"
C = "config_"
# fmt: off
CASES = [
    Case(T + "yaml_syntax.yaml", T + "yaml_syntax.yaml", 4, None, "check indentation"),
    Case(T + "yaml_bad_indent.yaml", T + "yaml_bad_indent.yaml", 5, None, "check indentation"),
    Case(T + "unknown_key.yaml", T + "unknown_key.yaml", 8, "promt_extra", "allowed keys here: name, kind"),
    Case(T + "nested_unknown_key.yaml", T + "nested_unknown_key.yaml", 6, "dataset.imgs", "allowed keys here: id"),
    Case(T + "wrong_type_limit.yaml", T + "wrong_type_limit.yaml", 6, "dataset.limit", "give an integer"),
    Case(T + "wrong_type_max_tokens.yaml", T + "wrong_type_max_tokens.yaml", 9, "generation.max_tokens", "give an integer"),
    Case(T + "temperature_out_of_range.yaml", T + "temperature_out_of_range.yaml", 9, "generation.temperature", "at most 2"),
    Case(T + "missing_name.yaml", T + "missing_name.yaml", 1, "name", "add 'name:'"),
    Case(T + "missing_dataset.yaml", T + "missing_dataset.yaml", 1, "dataset", "add 'dataset:'"),
    Case(T + "unknown_kind.yaml", T + "unknown_kind.yaml", 2, "kind", "use one of 'vqa'"),
    Case(T + "unknown_source.yaml", T + "unknown_source.yaml", 3, "dataset.source", "use one of: 'jsonl'"),
    Case(T + "unknown_scorer.yaml", T + "unknown_scorer.yaml", 9, "scorers.1", "use one of: anls"),
    Case(T + "bad_scorer_option.yaml", T + "bad_scorer_option.yaml", 8, "scorers.0", "options allowed: case_sensitive"),
    Case(T + "bad_name.yaml", T + "bad_name.yaml", 1, "name", "match the pattern"),
    Case(T + "top_level_list.yaml", T + "top_level_list.yaml", 1, None, "start with keys such as"),
    Case(T + "empty.yaml", T + "empty.yaml", 1, None, "start with keys such as"),
    Case(T + "not_utf8.yaml", T + "not_utf8.yaml", 3, None, "save it as UTF-8"),
    Case(T + "python_tag.yaml", T + "python_tag.yaml", 3, None, "safe loader"),
    Case(T + "template_undefined.yaml", T + "template_undefined.yaml", 4, "prompt", "use one of: answer"),
    Case(T + "template_syntax.yaml", T + "template_syntax.yaml", 4, "prompt.parts.0", "check the {{ }}"),
    Case(T + "template_internals.yaml", T + "template_internals.yaml", 6, "prompt.parts.0", "only format the sample's fields"),
    Case(T + "template_globals.yaml", T + "template_globals.yaml", 5, "prompt.system", "only format the sample's fields"),
    Case(T + "template_row_undefined.yaml", T + "template_row_undefined.yaml", 6, "prompt.parts.0", "map it under dataset.fields"),
    Case(T + "custom_without_prompt.yaml", T + "custom_without_prompt.yaml", 1, "prompt", "add prompt:"),
    Case(T + "part_without_kind.yaml", T + "part_without_kind.yaml", 6, "prompt.parts.0", "{text: ...}"),
    Case(T + "media_not_declared.yaml", T + "media_not_declared.yaml", 4, "prompt", "add picture to dataset.images"),
    Case(T + "bad_breakdown.yaml", T + "bad_breakdown.yaml", 8, "breakdowns", "metadata column's name"),
    Case(T + "bad_column_path.yaml", T + "bad_column_path.yaml", 3, "dataset", "use a, a.b"),
    Case(T + "dataset_not_found.yaml", "data/missing.jsonl", None, "dataset.path", "relative to the task file"),
    Case(T + "row_without_reference.yaml", "data/no_reference.jsonl", 2, "dataset.target", "give every row a reference"),
    Case(T + "row_null_reference.yaml", "data/null_reference.jsonl", 3, "dataset.target", "give every row a reference"),
    Case(T + "row_bad_json.yaml", "data/bad_json.jsonl", 3, None, "one JSON object"),
    Case(T + "duplicate_ids.yaml", "data/duplicate_ids.jsonl", 3, "dataset.id", "ids must be unique"),
    Case(T + "row_not_object.yaml", "data/not_an_object.jsonl", 2, None, "one JSON object"),
    Case(T + "row_not_utf8.yaml", "data/not_utf8.jsonl", 3, None, "save the file as UTF-8"),
    Case(T + "row_without_id.yaml", "data/no_id.jsonl", 2, "dataset.id", "dataset.id: null"),
    Case(T + "csv_extra_cells.yaml", "data/extra_cells.csv", 3, None, "quote cells"),
    Case(T + "choices_not_list.yaml", "data/choices_not_list.jsonl", 2, "dataset.choices", "list of options"),
    Case(C + "yaml_syntax.yaml", C + "yaml_syntax.yaml", 3, None, "check indentation"),
    Case(C + "unknown_key.yaml", C + "unknown_key.yaml", 5, "budjet_usd", "allowed keys here: name"),
    Case(C + "backend_unknown_key.yaml", C + "backend_unknown_key.yaml", 6, "backends.0.concurency", "allowed keys here: name, type"),
    Case(C + "unknown_backend.yaml", C + "unknown_backend.yaml", 5, "backends.magic.type", "use one of: always-yes, anthropic"),
    Case(C + "backend_wrong_type.yaml", C + "backend_wrong_type.yaml", 6, "backends.0.concurrency", "give an integer"),
    Case(C + "missing_backends.yaml", C + "missing_backends.yaml", 3, "backends", "at least 1"),
    Case(C + "missing_tasks.yaml", C + "missing_tasks.yaml", 1, "tasks", "add 'tasks:'"),
    Case(C + "task_not_found.yaml", C + "task_not_found.yaml", 2, "tasks", "a path to a task file"),
    Case(C + "duplicate_backend.yaml", C + "duplicate_backend.yaml", 3, "backends", "a unique name"),
    Case(C + "backend_bad_option.yaml", C + "backend_bad_option.yaml", 4, "backends.o.options", "options allowed"),
    Case(C + "backend_matches_no_task.yaml", C + "backend_matches_no_task.yaml", 5, "backends.m.tasks", "tasks: patterns"),
    Case(C + "error_rate_out_of_range.yaml", C + "error_rate_out_of_range.yaml", 5, "max_error_rate", "at most 1"),
    Case(C + "negative_budget.yaml", C + "negative_budget.yaml", 5, "budget_usd", "at least 0"),
    Case(C + "bad_shard.yaml", C + "bad_shard.yaml", 5, "shard", "write it as i/n"),
    Case(C + "import_path_missing.yaml", C + "import_path_missing.yaml", 4, "backends.mine.type", "module is installed"),
    Case(C + "import_path_not_backend.yaml", C + "import_path_not_backend.yaml", 4, "backends.mine.type", "subclass of evals.Backend"),
    Case(C + "python_tag.yaml", C + "python_tag.yaml", 3, None, "safe loader"),
    Case(C + "modality_mismatch.yaml", C + "modality_mismatch.yaml", 4, "backends.claude", "tasks: filter"),
]
# fmt: on


@dataclass(frozen=True)
class MediaCase:
    sample: str  # its id in data/media_<kind>.jsonl
    kind: str
    says: str  # what its error message must say
    fix: str  # "file": good bytes at the same path; "row": the row points to a new good file


MEDIA_CASES = [
    MediaCase("missing", "image", "file 'media/missing.png' not found", "file"),
    MediaCase("unreadable", "image", "cannot read 'media/a_folder.png'", "row"),
    MediaCase("truncated_png", "image", "corrupt or truncated image", "file"),
    MediaCase("corrupt_png", "image", "corrupt or truncated image", "file"),
    MediaCase("truncated_jpeg", "image", "corrupt or truncated image", "file"),
    MediaCase("corrupt_jpeg", "image", "corrupt or truncated image", "file"),
    MediaCase("empty_image", "image", "the image file is empty", "file"),
    MediaCase("gigapixel_png", "image", "image is 100000×100000 (10000 megapixels); the limit is 50", "file"),
    MediaCase("text_as_image", "image", "not an image", "file"),
    MediaCase("escape_dotdot", "image", "leaves the dataset's folder", "row"),
    MediaCase("escape_absolute", "image", "is absolute", "row"),
    MediaCase("escape_symlink", "image", "leaves the dataset's folder", "row"),
    MediaCase("truncated_wav", "audio", "truncated WAV", "file"),
    MediaCase("zero_length_wav", "audio", "no samples (zero length)", "file"),
    MediaCase("corrupt_wav", "audio", "corrupt audio", "file"),
    MediaCase("empty_audio", "audio", "the audio file is empty", "file"),
    MediaCase("image_as_audio", "audio", "not an audio file", "row"),
    MediaCase("truncated_mp4", "video", "truncated or corrupt MP4", "file"),
    MediaCase("mp4_without_moov", "video", "without a 'moov' box", "file"),
    MediaCase("text_as_video", "video", "not a video file", "file"),
]
GOOD = {"image": media_files.png, "audio": media_files.wav, "video": media_files.mp4}
EXTENSION = {"image": "png", "audio": "wav", "video": "mp4"}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The corpus, copied, with its media made: good files and every broken one."""
    root = tmp_path / "bad_inputs"
    shutil.copytree(CORPUS, root)
    media = root / "data" / "media"
    media.mkdir()
    png = media_files.png()
    jpeg = media_files.jpeg()
    wav = media_files.wav()
    files = {
        "good1.png": png,
        "good2.png": png,
        "truncated.png": png[: len(png) // 2],
        "corrupt.png": media_files.corrupt_png(),
        "truncated.jpg": jpeg[: len(jpeg) // 2],
        "corrupt.jpg": b"\xff\xd8\xff\xe0" + bytes(range(256)) * 2,
        "empty.png": b"",
        "huge.png": media_files.gigapixel_png(),
        "notes.png": b"just some notes, not a picture\n",
        "good.wav": wav,
        "truncated.wav": wav[:-1000],
        "silence0.wav": media_files.wav(frames=0),
        "corrupt.wav": media_files.corrupt_wav(),
        "empty.wav": b"",
        "good.mp4": media_files.mp4(),
        "truncated.mp4": media_files.mp4()[:-100],
        "no_moov.mp4": media_files.mp4(moov=False),
        "notes.mp4": b"not a video\n",
    }
    for name, data in files.items():
        (media / name).write_bytes(data)
    (media / "a_folder.png").mkdir()
    (root / "outside.png").write_bytes(png)  # a good image, but outside the dataset's folder
    (media / "link_out.png").symlink_to(root / "outside.png")
    return root


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got: {err!r}"
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def is_clear(case: Case, root: Path, line: str) -> list[str]:
    """What the error line lacks (empty when it is clear)."""
    lacks = []
    place = f"{root / case.names}:{case.line}: " if case.line else f"{root / case.names}: "
    if place not in line:
        lacks.append(f"the place {place!r}")
    if case.where and f" {case.where}: " not in line:
        lacks.append(f"the field {case.where!r}")
    if "(fix: " not in line or case.fix not in line.split("(fix: ", 1)[1]:
        lacks.append(f"the fix {case.fix!r}")
    return lacks


def test_every_bad_file_and_config_is_one_clear_line_and_exit_2(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unclear: dict[str, list[str]] = {}
    for case in CASES:
        path = corpus / case.file
        out = corpus / "runs" / case.file
        run = ["run", str(path), "--out", str(out), "--quiet", "--cache-dir", str(corpus / "cache")]
        if case.file.startswith(T):
            run += ["--backends", "oracle"]
        for command in (["validate", str(path)], run):
            code = main(command)
            line = one_line_error(capsys.readouterr().err)
            lacks = is_clear(case, corpus, line) + ([] if code == 2 else [f"exit 2 (got {code})"])
            if lacks:
                unclear[f"{command[0]} {case.file}"] = [*lacks, line]
        assert not out.exists(), f"{case.file}: a run directory was written"
    assert not list(corpus.rglob("pwned.txt")), "a YAML tag ran code"
    assert not (corpus / "cache").exists() or not list((corpus / "cache").iterdir())
    clear = len(CASES) - len({key.split(" ", 1)[1] for key in unclear})
    assert clear == len(CASES), json.dumps(unclear, indent=1)


def test_the_corpus_is_covered_and_large_enough() -> None:
    yaml_cases = {p.name for p in CORPUS.glob("*.yaml")} - {"good_task.yaml", "media_run.yaml"}
    yaml_cases -= {f"media_{kind}.yaml" for kind in GOOD}
    assert yaml_cases == {case.file for case in CASES}, "every bad file in the corpus has an expectation"
    assert len(CASES) + len(MEDIA_CASES) >= 40
    rows = {json.loads(line)["id"] for kind in GOOD for line in (CORPUS / f"data/media_{kind}.jsonl").open()}
    assert {case.sample for case in MEDIA_CASES} < rows


def run_media(corpus: Path, out: str) -> tuple[int, dict[str, dict[str, Any]]]:
    config = corpus / "media_run.yaml"
    code = main(
        ["run", str(config), "--out", str(corpus / out), "--cache-dir", str(corpus / "cache"), "--quiet"]
    )
    records = latest(read_journal(corpus / out / "samples.jsonl")[0])
    return code, {sample: record for (_, _, sample), record in records.items()}


def fix_inputs(corpus: Path) -> None:
    """Repair every broken input: good bytes in place, or the row pointed at a good file."""
    media = corpus / "data" / "media"
    for kind in GOOD:
        dataset = corpus / "data" / f"media_{kind}.jsonl"
        rows = [json.loads(line) for line in dataset.read_text().splitlines()]
        for row in rows:
            case = next((c for c in MEDIA_CASES if c.sample == row["id"]), None)
            if case is None:
                continue
            if case.fix == "file":
                (corpus / "data" / row["file"]).write_bytes(GOOD[kind]())
            else:
                row["file"] = f"media/fixed_{row['id']}.{EXTENSION[kind]}"
                (corpus / "data" / row["file"]).write_bytes(GOOD[kind]())
        dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert (media / "a_folder.png").is_dir()


def test_broken_media_are_per_sample_errors_and_poison_nothing(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    MediaProbe.calls.clear()
    code, records = run_media(corpus, "first")
    capsys.readouterr()
    good = [s for s in records if s not in {c.sample for c in MEDIA_CASES}]
    assert len(records) == len(good) + len(MEDIA_CASES) == 24
    assert code == 1, "20 of 24 samples failed: above max_error_rate"
    clear = 0
    for case in MEDIA_CASES:
        record = records[case.sample]
        error = record["error"] or {}
        message = str(error.get("message", ""))
        row = next(
            i
            for i, line in enumerate((CORPUS / f"data/media_{case.kind}.jsonl").open(), start=1)
            if json.loads(line)["id"] == case.sample
        )
        place = f"media_{case.kind}.jsonl row {row} column 'file'"
        if (
            error.get("kind") == "media"
            and case.says in message
            and place in message
            and not record["scores"]
        ):
            clear += 1
        else:
            print(case.sample, record["status"], message)
        assert MediaProbe.calls[case.sample] == 0, f"{case.sample} was sent"
    assert clear == len(MEDIA_CASES), "bad media with a clear error = all"
    assert all(records[s]["status"] == "ok" and records[s]["scores"]["exact_match"] == 1.0 for s in good)
    summary = json.loads((corpus / "first" / "summary.json").read_text())
    assert sum(cell["errors_by_kind"].get("media", 0) for cell in summary["cells"]) == len(MEDIA_CASES)
    cache = ResponseCache(corpus / "cache")
    assert len(cache) == len(good), "only answers are cached, never a failure"
    cache.close()

    fix_inputs(corpus)
    calls_before = MediaProbe.calls.copy()
    code, records = run_media(corpus, "second")
    assert code == 0
    assert all(r["status"] == "ok" and r["scores"]["exact_match"] == 1.0 for r in records.values()), [
        (s, r["prediction"], r["targets"])
        for s, r in records.items()
        if r["status"] != "ok" or not r["scores"].get("exact_match")
    ]
    fresh = {s for s in records if MediaProbe.calls[s] > calls_before[s]}
    assert fresh == {c.sample for c in MEDIA_CASES}, "only the fixed samples were asked for"
    assert all(records[s]["cached"] for s in good)
    assert os.access(corpus / "second" / "report.html", os.R_OK)
