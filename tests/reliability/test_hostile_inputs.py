"""The hostile corpus: bad flags, bombs, odd encodings, unusable paths and a crash, each through
the real `run-eval` in a child process. Every case asserts one line on stderr, the documented
exit code (2 bad input or a machine problem the user can fix, 4 an internal crash), no
traceback, and nothing written where nothing should be.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile_support import KEYS, MARK, assert_no_marker, one_error_line, run_eval

HERE = Path(__file__).parent
TASK = """name: qa
kind: custom
dataset: {{source: {source}, path: {path}{extra}}}
prompt:
  parts:
    - text: "{{{{ question }}}} Answer in one word."
scorers: [exact_match]
"""
ROWS = [{"id": f"q{i}", "question": f"What is {i}?", "answer": str(i)} for i in range(3)]


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def good_task(folder: Path, *, extra: str = "", rows_text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if rows_text is None:
        write_rows(folder / "rows.jsonl", ROWS)
    else:
        (folder / "rows.jsonl").write_text(rows_text)
    task = folder / "task.yaml"
    task.write_text(TASK.format(source="jsonl", path="rows.jsonl", extra=extra))
    return task


def run_args(task: Path, tmp: Path, *more: str) -> list[str]:
    return ["run", str(task), "--backends", "oracle", "--out", str(tmp / "out"), "--quiet",
            "--cache-dir", str(tmp / "cache"), *more]  # fmt: skip


# --- bad command-line values -----------------------------------------------------------------

FLAG_CASES = [
    ("--limit", "0"), ("--limit", "-1"), ("--limit", "x"), ("--limit", "1.5"),
    ("--concurrency", "0"), ("--concurrency", "-3"), ("--concurrency", "100000"),
    ("--concurrency", "many"), ("--budget", "-1"), ("--budget", "nan"), ("--budget", "inf"),
    ("--budget", "five"), ("--shard", "5/2"), ("--shard", "1/0"), ("--shard", "x"),
    ("--shard", "-1/2"), ("--name", "bad name!"), ("--backends", "nosuch"),
    ("--backends", ""), ("--no-such-flag", "1"),
]  # fmt: skip


@pytest.mark.parametrize(("flag", "value"), FLAG_CASES, ids=[f"{f}={v}" for f, v in FLAG_CASES])
def test_a_bad_flag_value_is_one_line_and_exit_2(tmp_path: Path, flag: str, value: str) -> None:
    task = good_task(tmp_path / "task")
    args = run_args(task, tmp_path)
    if flag == "--backends":
        args[args.index("--backends") + 1] = value
    else:
        args += [flag, value]
    line = one_error_line(run_eval(args, tmp_path))
    assert flag in line or "backend" in line, line
    assert "(fix: " in line, line
    assert not (tmp_path / "out").exists()


OTHER_COMMANDS = [
    ["report", "{tmp}/nowhere"],
    ["compare", "{tmp}/a", "{tmp}/b"],
    ["gate", "{tmp}/nowhere", "--rules", "{tmp}/rules.yaml"],
    ["validate", "{tmp}/nowhere.yaml"],
    ["list", "nothing-of-that-kind"],
    ["rescore", "{tmp}/nowhere"],
    ["merge", "{tmp}/a", "--out", "{tmp}/m"],
    ["baseline", "save", "{tmp}/nowhere", "{tmp}/b.json"],
    ["report", "{tmp}/nowhere", "--samples", "minus"],
    ["compare", "{tmp}/a", "{tmp}/b", "--resamples", "x"],
    ["no-such-command"],
]


@pytest.mark.parametrize("args", OTHER_COMMANDS, ids=[" ".join(a[:2]) for a in OTHER_COMMANDS])
def test_every_command_refuses_bad_arguments_in_one_line(tmp_path: Path, args: list[str]) -> None:
    ran = run_eval([a.format(tmp=tmp_path) for a in args], tmp_path)
    one_error_line(ran)


# --- unusable paths ----------------------------------------------------------------------------


def _file_at(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("a file, not a folder\n")
    return path


PATH_CASES: dict[str, Callable[[Path], list[str]]] = {
    "out_is_a_file": lambda tmp: ["--out", str(_file_at(tmp / "taken"))],
    "out_under_a_file": lambda tmp: ["--out", str(_file_at(tmp / "taken") / "run")],
    "reports_is_a_file": lambda tmp: ["--reports", str(_file_at(tmp / "reports"))],
    "cache_dir_is_a_file": lambda tmp: ["--cache-dir", str(_file_at(tmp / "cachefile"))],
    "cache_dir_under_a_file": lambda tmp: ["--cache-dir", str(_file_at(tmp / "cachefile") / "c")],
}


@pytest.mark.parametrize("case", list(PATH_CASES))
def test_an_unusable_path_is_one_line_and_exit_2(tmp_path: Path, case: str) -> None:
    task = good_task(tmp_path / "task")
    args = ["run", str(task), "--backends", "oracle", "--quiet"]
    extra = PATH_CASES[case](tmp_path)
    if extra[0] not in ("--out", "--reports"):
        args += ["--out", str(tmp_path / "out")]
    if "--cache-dir" not in extra:
        args += ["--cache-dir", str(tmp_path / "cache")]
    line = one_error_line(run_eval([*args, *extra], tmp_path))
    assert extra[0] in line and "(fix: " in line, line
    assert not (tmp_path / "out" / "run.json").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_cache_folder_is_one_line(tmp_path: Path) -> None:
    task = good_task(tmp_path / "task")
    cache = tmp_path / "ro"
    cache.mkdir()
    cache.chmod(0o500)
    args = ["run", str(task), "--backends", "oracle", "--quiet", "--out", str(tmp_path / "o")]
    line = one_error_line(run_eval([*args, "--cache-dir", str(cache)], tmp_path))
    assert "--cache-dir" in line


# --- hostile files: bombs, depth, huge numbers, odd encodings --------------------------------


def alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    return "\n".join(lines) + "\nname: bomb\n"


@dataclass(frozen=True)
class FileCase:
    name: str
    make: Callable[[Path], Path]  # writes the case under the folder, returns the file to check
    says: str  # words the error line must hold


def _task_text(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_rows(folder / "rows.jsonl", ROWS)
    path = folder / "task.yaml"
    path.write_text(text)
    return path


def _rows(folder: Path, text: str, extra: str = "") -> Path:
    return good_task(folder, rows_text=text, extra=extra)


def _csv(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rows.csv").write_text(text)
    path = folder / "task.yaml"
    path.write_text(TASK.format(source="csv", path="rows.csv", extra=""))
    return path


def _metadata(folder: Path, name: str, text: str | bytes) -> Path:
    images = folder / "imgs"
    images.mkdir(parents=True, exist_ok=True)
    from media_files import png

    (images / "a.png").write_bytes(png())
    target = images / name
    target.write_bytes(text if isinstance(text, bytes) else text.encode())
    path = folder / "task.yaml"
    path.write_text(
        "name: folder\nkind: custom\ndataset: {source: imagefolder, path: imgs, target: answer, images: [image]}\n"
        'prompt:\n  parts:\n    - {image: image}\n    - text: "What is it?"\nscorers: [exact_match]\n'
    )
    return path


DEEP = "[" * 100_000 + "]" * 100_000
BIG = "9" * 5000
FILE_CASES = [
    FileCase("yaml_alias_bomb", lambda f: _task_text(f, alias_bomb(9)), "expands to more than"),
    FileCase("yaml_alias_bomb_deeper", lambda f: _task_text(f, alias_bomb(30)), "expands to more than"),
    FileCase("yaml_nested_500", lambda f: _task_text(f, "name: " + "[" * 500 + "]" * 500 + "\n"), "nested more than"),
    FileCase("yaml_nested_maps", lambda f: _task_text(f, "".join(" " * i + f"k{i}:\n" for i in range(200)) + " " * 200 + "v: 1\n"), "nested more than"),
    FileCase("yaml_recursive_alias", lambda f: _task_text(f, "name: &x [*x]\n"), "recursive alias"),
    FileCase("yaml_huge_int", lambda f: _task_text(f, f"name: qa\nkind: custom\nlimit: {BIG}\n"), "number"),
    FileCase("yaml_too_large", lambda f: _task_text(f, "name: qa\n" + "# padding\n" * 500_000), "larger than"),
    FileCase("jsonl_deep", lambda f: _rows(f, '{"id": "a", "question": ' + DEEP + ', "answer": "1"}\n'), "nested too deeply"),
    FileCase("jsonl_huge_int_id", lambda f: _rows(f, f'{{"id": {BIG}, "question": "q", "answer": "1"}}\n'), "write very long numbers as strings"),
    FileCase("jsonl_huge_int_answer", lambda f: _rows(f, f'{{"id": "a", "question": "q", "answer": {BIG}}}\n'), "write very long numbers as strings"),
    FileCase("jsonl_empty", lambda f: _rows(f, ""), "has no rows"),
    FileCase("jsonl_blank_lines", lambda f: _rows(f, "\n\n  \n"), "has no rows"),
    FileCase("jsonl_list_row", lambda f: _rows(f, '["id", "q"]\n'), "expected a JSON object"),
    FileCase("jsonl_nan_bytes", lambda f: _rows(f, '{"id": "a", "question": "\x00", "answer": 1\n'), "invalid JSON"),
    FileCase("csv_cell_too_long", lambda f: _csv(f, "id,question,answer\na," + "x" * 140_000 + ",1\n"), "unreadable CSV"),
    FileCase("csv_header_only", lambda f: _csv(f, "id,question,answer\n"), "has no rows"),
    FileCase("csv_empty", lambda f: _csv(f, ""), "has no rows"),
    FileCase("metadata_malformed_line", lambda f: _metadata(f, "metadata.jsonl", '{"file_name": "a.png", "answer": "x"}\n{"file_name": \n'), "invalid JSON"),
    FileCase("metadata_list_row", lambda f: _metadata(f, "metadata.jsonl", '["a.png"]\n'), "expected a JSON object"),
    FileCase("metadata_deep", lambda f: _metadata(f, "metadata.jsonl", '{"file_name": "a.png", "answer": ' + DEEP + "}\n"), "nested too deeply"),
    FileCase("metadata_not_utf8", lambda f: _metadata(f, "metadata.csv", b"file_name,answer\na.png,\xff\xfe\n"), "UTF-8"),
    FileCase("missing_field_column", lambda f: _rows(f, json.dumps(ROWS[0]) + "\n", extra=", fields: {question: prompt_text}"), "column 'prompt_text' is not in the dataset"),
    FileCase("missing_choices_column", lambda f: _rows(f, json.dumps(ROWS[0]) + "\n", extra=", choices: options"), "column 'options' is not in the dataset"),
]  # fmt: skip


@pytest.mark.parametrize("case", FILE_CASES, ids=[c.name for c in FILE_CASES])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_hostile_file_is_one_line_and_exit_2(tmp_path: Path, case: FileCase, command: str) -> None:
    path = case.make(tmp_path / "case")
    args = ["validate", str(path)] if command == "validate" else run_args(path, tmp_path)
    line = one_error_line(run_eval(args, tmp_path))
    assert case.says in line, line
    assert str(path.parent) in line, line
    assert "(fix: " in line, line
    assert not (tmp_path / "out").exists(), "a run directory was written"


def test_the_bombs_stay_under_500_mb(tmp_path: Path) -> None:
    """validate and run on the bombs: refused with peak resident memory under 500 MB (the
    child's own VmHWM), with an address-space cap of 4 GB so a regression cannot take the
    machine down."""
    import subprocess
    import sys

    probe = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))\n"
        "from evals.cli.main import main\n"
        "rc = main(sys.argv[1:])\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent (pytest, which
        # may hold hundreds of MB by then) through fork and exec; VmHWM starts anew at exec.
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
        "print('PEAK', hwm)\n"
        "sys.exit(rc)\n"
    )
    bombs = [c for c in FILE_CASES if c.name in ("yaml_alias_bomb", "yaml_alias_bomb_deeper", "jsonl_deep")]
    for case in bombs:
        path = case.make(tmp_path / case.name)
        for args in (["validate", str(path)], run_args(path, tmp_path / case.name)):
            done = subprocess.run(
                [sys.executable, "-c", probe, *args],
                capture_output=True,
                timeout=300,
                env={**os.environ, "EVALS_CRASH_DIR": str(tmp_path / "crashes")},
            )
            err = done.stderr.decode()
            assert done.returncode == 2 and "Traceback" not in err, err[-2000:]
            peak_kb = int(done.stdout.decode().split("PEAK")[1].split()[0])
            assert peak_kb < 500 * 1024, f"{case.name}: peak {peak_kb / 1024:.0f} MB"


# --- odd but valid text: accepted, made safe ---------------------------------------------------


def test_a_lone_surrogate_in_a_row_is_replaced_not_a_crash(tmp_path: Path) -> None:
    rows = '{"id": "a", "question": "caf\\ud800?", "answer": "x\\udfff"}\n' + json.dumps(ROWS[1]) + "\n"
    task = _rows(tmp_path / "case", rows)
    assert run_eval(["validate", str(task)], tmp_path).code == 0
    for attempt in ("first", "again"):
        args = ["run", str(task), "--backends", "oracle,echo", "--out", str(tmp_path / attempt)]
        ran = run_eval([*args, "--cache-dir", str(tmp_path / "cache"), "--quiet"], tmp_path)
        assert ran.code == 0 and "Traceback" not in ran.err, ran.err[-2000:]
        journal = (tmp_path / attempt / "samples.jsonl").read_text(encoding="utf-8")
        assert "\ufffd" in journal or "\\ufffd" in journal
        assert (tmp_path / attempt / "samples.parquet").exists()
        assert json.loads((tmp_path / attempt / "run.json").read_text())["status"] == "finished"


def test_u2028_and_a_bom_in_metadata_are_read_as_text(tmp_path: Path) -> None:
    jsonl = _metadata(tmp_path / "j", "metadata.jsonl", '{"file_name": "a.png", "answer": "line\u2028sep"}\n')
    assert run_eval(["validate", str(jsonl)], tmp_path).code == 0
    csv_task = _metadata(tmp_path / "c", "metadata.csv", "\ufefffile_name,answer\na.png,x\n")
    ran = run_eval(["validate", str(csv_task)], tmp_path)
    assert ran.code == 0, ran.err


# --- a crash: its own exit code, one line, a crash log without keys ---------------------------


def test_an_internal_crash_is_exit_4_with_a_crash_log(tmp_path: Path) -> None:
    task = good_task(tmp_path / "task")
    config = tmp_path / "run.yaml"
    config.write_text(
        f"name: crash\ntasks: [{task}]\nbackends:\n  - {{name: b, type: 'buggy_backend:Buggy'}}\n"
    )
    env = {"PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    ran = run_eval(
        ["run", str(config), "--out", str(tmp_path / "out"), "--quiet", "--no-cache"], tmp_path, env=env
    )
    line = one_error_line(ran, code=4)
    assert line.startswith("error: internal error: RuntimeError: a bug in setup"), line
    logs = list((tmp_path / "crashes").glob("crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in line
    text = logs[0].read_text()
    assert "Traceback" in text and "buggy_backend.py" in text and "run-eval run" in text
    assert KEYS["OPENAI_API_KEY"] not in text and "[REDACTED]" in text
    assert_no_marker(tmp_path / "out", tmp_path / "crashes", texts=(ran.out, ran.err))
    info = json.loads((tmp_path / "out" / "run.json").read_text())
    assert info["status"] == "failed"
    assert MARK not in line


# --- a full disk while the final files are written -----------------------------------------------


def test_a_full_disk_at_finalize_is_one_line_never_finished_and_resume_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno

    import evals.finalize
    from evals.cli.main import main

    task = good_task(tmp_path / "task")
    out = tmp_path / "out"

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "samples.parquet"))

    with monkeypatch.context() as patch:
        patch.setattr(evals.finalize, "write_parquet", full)
        code = main(["run", str(task), "--backends", "oracle", "--out", str(out), "--quiet", "--no-cache"])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and "no space left" in lines[0] and "--resume" in lines[0], err
    assert json.loads((out / "run.json").read_text())["status"] != "finished"
    assert not (out / "samples.parquet").exists()

    code = main(["run", "--resume", str(out), "--quiet", "--no-cache"])
    assert code == 0, capsys.readouterr().err
    assert json.loads((out / "run.json").read_text())["status"] == "finished"
    assert (out / "samples.parquet").exists() and (out / "summary.json").exists()


# --- credentials and junk in a base_url ---------------------------------------------------------

BASE_URLS = [
    f"http://127.0.0.1:9/v1?api-key={MARK}",
    f"http://127.0.0.1:9/v1?password={MARK}",
    f"http://127.0.0.1:9/v1?auth={MARK}",
    f"http://127.0.0.1:9/v1?key={MARK}",
    f"http://127.0.0.1:9/v1?token={MARK}&x=1",
    f"http://127.0.0.1:9/v1#{MARK}",
    f"http://user:{MARK}@127.0.0.1:9/v1",
    f"ftp://127.0.0.1/{MARK}",
    "127.0.0.1:9/v1",
    "http://[::1/v1",
]


@pytest.mark.parametrize("url", BASE_URLS, ids=[f"url{i}" for i in range(len(BASE_URLS))])
def test_a_base_url_with_credentials_or_junk_is_refused_without_repeating_it(
    tmp_path: Path, url: str
) -> None:
    task = good_task(tmp_path / "task")
    config = tmp_path / "run.yaml"
    config.write_text(
        f"name: urls\ntasks: [{task}]\nbackends:\n"
        f"  - {{name: remote, type: openai-compatible, model: m, base_url: '{url}'}}\n"
    )
    for args in (["validate", str(config)], ["run", str(config), "--out", str(tmp_path / "out"), "--quiet"]):
        ran = run_eval(args, tmp_path)
        line = one_error_line(ran)
        assert f"{config}:4: backends.0.base_url: base_url " in line and "(fix: " in line, line
        assert_no_marker(tmp_path / "out", tmp_path / "crashes", texts=(ran.out, ran.err))
    assert not (tmp_path / "out").exists()


def test_scrubbing_removes_credentials_from_any_url_in_a_log_line() -> None:
    from evals.secrets import redact

    for name in ("api-key", "api_key", "password", "auth", "key", "token", "access_token", "secret", "sig"):
        text = redact(f"GET http://h/v1/chat?x=1&{name}={MARK}-tail#f done")
        assert MARK not in text and "REDACTED" in text, text


# --- formats listed as accepted are accepted ------------------------------------------------------


@pytest.mark.parametrize("compression", [None, "tiff_lzw"])
def test_a_tiff_image_is_read_and_sent_as_png(compression: str | None) -> None:
    import base64
    import io

    from PIL import Image

    from evals.backends._media import image_in
    from evals.media import Media, sniff_mime
    from evals.media_check import check_media
    from evals.records import Request

    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (200, 30, 30)).save(buffer, format="TIFF", compression=compression)
    data = buffer.getvalue()
    assert sniff_mime(data) == "image/tiff"
    assert check_media("image", data, "row 1") == data
    media = Media("image", lambda: data)
    mime, encoded = image_in(
        Request(task="t", sample_id="s", messages=()), media, frozenset({"image/png", "image/jpeg"})
    )
    with Image.open(io.BytesIO(base64.b64decode(encoded))) as sent:
        assert mime == "image/png" and sent.format == "PNG" and sent.size == (20, 10)


# --- media a run cannot use: found by validate; a failed run says what its errors were ----------

MEDIA_TASK = """name: pics
kind: custom
dataset: {source: jsonl, path: rows.jsonl, images: [image]}
prompt:
  parts:
    - {image: image}
    - text: "What is it?"
scorers: [exact_match]
"""


def media_task(folder: Path, images: list[str]) -> Path:
    from media_files import png

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.png").write_bytes(png())
    (folder / "notes.png").write_text("not a picture\n")
    write_rows(
        folder / "rows.jsonl",
        [{"id": f"p{i}", "image": name, "answer": "x"} for i, name in enumerate(images)],
    )
    (folder / "task.yaml").write_text(MEDIA_TASK)
    return folder / "task.yaml"


@pytest.mark.parametrize(
    ("image", "says"),
    [
        ("missing.png", "not found"),
        ("../../etc/passwd", "leaves the dataset's folder"),
        ("/etc/passwd", "is absolute"),
        ("notes.png", "not an image"),
        (".", "leaves the dataset's folder"),
    ],
)
def test_validate_checks_every_media_file(tmp_path: Path, image: str, says: str) -> None:
    task = media_task(tmp_path / "t", ["good.png", image, "good.png"])
    line = one_error_line(run_eval(["validate", str(task)], tmp_path))
    assert "1 media file(s) cannot be used" in line and says in line and f"{task}:3: dataset: " in line, line
    assert run_eval(["validate", str(media_task(tmp_path / "ok", ["good.png"]))], tmp_path).code == 0


def test_a_run_over_its_error_rate_prints_its_errors_by_kind(tmp_path: Path) -> None:
    task = media_task(tmp_path / "t", ["good.png", "missing.png", "notes.png", "gone.png"])
    out = tmp_path / "out"
    ran = run_eval(
        ["run", str(task), "--backends", "echo", "--out", str(out), "--quiet", "--no-cache"], tmp_path
    )
    assert ran.code == 1 and "Traceback" not in ran.err, ran.err
    assert "errors by kind:" in ran.err
    assert "  media: 3 (e.g. pics · echo · p1: " in ran.err and "not found" in ran.err, ran.err


def test_dry_run_says_which_backends_cannot_run_and_why(tmp_path: Path) -> None:
    task = good_task(tmp_path / "task")
    args = ["run", str(task), "--backends", "oracle,openai:gpt-4o-mini", "--dry-run"]
    ran = run_eval(args, tmp_path, env={"OPENAI_API_KEY": ""})
    assert ran.code == 0 and "Traceback" not in ran.err
    assert "backend openai:gpt-4o-mini cannot run:" in ran.out and "OPENAI_API_KEY" in ran.out, ran.out
    assert "oracle cannot run" not in ran.out
    assert "cannot run" not in run_eval(args, tmp_path).out  # with the key set


# --- media files that would hang or exhaust a run -----------------------------------------------


@pytest.mark.timeout(60)
def test_a_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    from evals.data.sources import read_media_file
    from evals.errors import MediaError

    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)  # opening it for reading would block until a writer comes
    with pytest.raises(MediaError, match="not a regular file"):
        read_media_file(fifo, "pipe.png", "image", "row 1 column 'image'")


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    from evals.data.sources import MAX_MEDIA_BYTES, read_media_file
    from evals.errors import MediaError

    huge = tmp_path / "huge.png"
    with huge.open("wb") as handle:  # sparse: no disk used, and never read
        handle.truncate(MAX_MEDIA_BYTES + 1)
    with pytest.raises(MediaError, match="the limit is 256 MB"):
        read_media_file(huge, "huge.png", "image", "row 1 column 'image'")


def test_a_stuck_media_read_is_that_samples_error_and_the_loop_stays_free() -> None:
    import asyncio
    import threading
    import time

    from evals.errors import MediaError
    from evals.media import Media
    from evals.records import Sample
    from evals.runner.media_reads import read_files_off_loop

    release = threading.Event()

    def stuck() -> bytes:
        release.wait(30)  # a read on a mount that stopped answering
        return b""

    sample = Sample("s1", {"image": Media("image", stuck, path="slow/mount.png")}, ["x"], {}, None)

    async def scenario() -> tuple[float, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        started = time.monotonic()
        with pytest.raises(MediaError, match="took longer than"):
            await read_files_off_loop(sample, timeout=0.5)
        task.cancel()
        return time.monotonic() - started, ticks

    elapsed, ticks = asyncio.run(scenario())
    release.set()
    assert elapsed < 10 and ticks > 5, (elapsed, ticks)  # the loop kept running meanwhile


def test_list_backends_fills_the_status_column(tmp_path: Path) -> None:
    missing = run_eval(["list", "backends"], tmp_path, env={"OPENAI_API_KEY": "", "COLUMNS": "250"})
    present = run_eval(["list", "backends"], tmp_path, env={"COLUMNS": "250"})
    assert missing.code == 0 and present.code == 0
    row = {line.split("│")[1].strip(): line for line in missing.out.splitlines() if line.count("│") > 4}
    assert "missing key (OPENAI_API_KEY)" in row["openai"], missing.out
    assert "installed" in row["oracle"] and "installed" in row["openai-compatible"]
    assert "missing key (OPENAI_API_KEY)" not in present.out
