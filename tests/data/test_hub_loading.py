"""Hub sources without a hub: fail fast offline with the fix, keep file:line, pass the pinned
revision, check the provenance's columns and row counts, join configs; task names resolve."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from data_support import ROOT, TASKS

from evals.config import resolve_task_path
from evals.data.hub import unreachable
from evals.errors import InputError
from evals.task.loader import load_task

datasets = pytest.importorskip("datasets")


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def no_hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.setattr("evals.data.hub.hub_endpoint", lambda: endpoint)
    yield endpoint


def test_unreachable_hub_is_reported_at_once(no_hub: str) -> None:
    assert unreachable(no_hub, timeout=2.0)
    assert unreachable("not a url")


def test_offline_load_fails_fast_with_file_line_and_fix(no_hub: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        datasets, "load_dataset", lambda *a, **k: pytest.fail("no retries against a dead hub")
    )
    task = load_task(TASKS / "hub" / "chartqa.yaml")
    started = time.monotonic()
    with pytest.raises(InputError) as caught:
        next(iter(task.samples()))
    assert time.monotonic() - started < 5
    error = caught.value
    assert error.file == str(TASKS / "hub" / "chartqa.yaml") and error.line is not None
    text = str(error)
    assert "HF_HUB_OFFLINE=1" in text and "hf_disk" in text and "None" not in text
    assert "\n" not in text


def test_offline_mode_says_the_dataset_is_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def not_cached(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("Couldn't reach 'HuggingFaceM4/ChartQA' on the Hub (OfflineModeIsEnabled)")

    monkeypatch.setattr(datasets, "load_dataset", not_cached)
    with pytest.raises(InputError, match="not in the local Hugging Face cache") as caught:
        next(iter(load_task(TASKS / "hub" / "chartqa.yaml").samples()))
    assert caught.value.line is not None and "unset HF_HUB_OFFLINE" in str(caught.value)


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evals", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, **env},
    )


def test_cli_validate_needs_no_network_and_run_fails_in_one_line(tmp_path: Path) -> None:
    env = {"HF_ENDPOINT": f"http://127.0.0.1:{closed_port()}", "HF_HOME": str(tmp_path / "hf")}
    env |= {"HF_HUB_OFFLINE": "", "HF_DATASETS_OFFLINE": ""}
    checked = _cli("validate", "tasks/hub/chartqa.yaml", "tasks/hub/mmmu.yaml", env=env)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.count("ok ") == 2
    started = time.monotonic()
    ran = _cli(
        "run",
        "hub/chartqa.yaml",
        "--backends",
        "oracle",
        "--limit",
        "1",
        "--quiet",
        "--out",
        str(tmp_path / "run"),
        env=env,
    )
    assert ran.returncode == 2
    assert time.monotonic() - started < 60  # the interpreter's start; no 22 retries
    lines = [line for line in ran.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, ran.stderr
    assert "tasks/hub/chartqa.yaml:" in lines[0] and "HF_HUB_OFFLINE=1" in lines[0]
    assert "Traceback" not in ran.stderr and "revision None" not in ran.stderr


@pytest.mark.parametrize("entry", ["hub/gqa", "hub/gqa.yaml", "tasks/hub/gqa.yaml"])
def test_hub_names_resolve_the_same(entry: str, tmp_path: Path) -> None:
    assert resolve_task_path(entry, tmp_path) == TASKS / "hub" / "gqa.yaml"


def test_an_unknown_name_still_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="'hub/nope' not found"):
        resolve_task_path("hub/nope", tmp_path)


# --- a fake hub: load_dataset answered from local datasets -----------------------------------


class FakeHub:
    """Stands in for datasets.load_dataset: records calls, serves local datasets by config."""

    def __init__(self, tables: dict[str | None, Any]) -> None:
        self.tables = tables
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, hub_id: str, config: str | None = None, **kwargs: Any) -> Any:
        self.calls.append((hub_id, config, kwargs))
        return self.tables[config]


def _task_file(tmp_path: Path, name: str, change: dict[str, Any]) -> Path:
    raw = yaml.safe_load((TASKS / "hub" / f"{name}.yaml").read_text())
    for key, value in change.items():
        section, _, field = key.partition(".")
        raw[section][field] = value
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def _countbench(rows: int) -> Any:
    return datasets.Dataset.from_dict(
        {"text": ["two cats"] * rows, "question": ["How many cats?"] * rows, "number": [2] * rows},
        features=datasets.Features(
            {
                "text": datasets.Value("string"),
                "question": datasets.Value("string"),
                "number": datasets.Value("int32"),
            }
        ),
    ).cast_column("number", datasets.Value("int32"))


def test_the_pinned_revision_reaches_load_dataset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    hub = FakeHub({"DocVQA": datasets.Dataset.from_dict({"questionId": []})})
    monkeypatch.setattr(datasets, "load_dataset", hub)
    task = load_task(TASKS / "hub" / "docvqa.yaml")
    with pytest.raises(InputError):  # the fake lacks the declared columns
        list(task.samples())
    assert task.spec.provenance is not None
    assert hub.calls == [
        (
            task.spec.provenance.hub_id,
            "DocVQA",
            {"split": "validation", "revision": task.spec.provenance.revision, "streaming": True},
        )
    ]


def test_missing_declared_columns_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets, "load_dataset", FakeHub({None: _countbench(3)}))
    with pytest.raises(InputError, match="no column 'image'") as caught:
        list(load_task(TASKS / "hub" / "countbenchqa.yaml").samples())
    assert caught.value.field == "provenance.features" and caught.value.line is not None


def test_row_count_is_checked_when_every_row_was_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets, "load_dataset", FakeHub({None: _countbench(3)}))
    path = _task_file(
        tmp_path,
        "countbenchqa",
        {
            "provenance.features": {"text": "string", "question": "string", "number": "int32"},
            "dataset.images": [],
        },
    )
    task = load_task(path)
    assert len(list(task.samples(limit=2))) == 2  # a partial read checks nothing
    with pytest.raises(InputError) as caught:
        list(task.samples())
    message = str(caught.value)
    assert str(path) in message and "provenance.rows.test" in message
    assert "3 rows in split 'test'" in message and "expects 491" in message and "fix:" in message


def test_row_count_declared_by_the_card_is_checked_on_load(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    table = _countbench(3)
    table.info.splits = datasets.SplitDict({"test": datasets.SplitInfo("test", num_examples=400)})
    monkeypatch.setattr(datasets, "load_dataset", FakeHub({None: table}))
    path = _task_file(
        tmp_path,
        "countbenchqa",
        {
            "provenance.features": {"text": "string", "question": "string", "number": "int32"},
            "dataset.images": [],
        },
    )
    with pytest.raises(
        InputError, match="its card declares 400 rows in split 'test', the provenance expects 491"
    ):
        next(iter(load_task(path).samples()))


def _gqa_tables(missing: bool = False) -> FakeHub:
    import io

    from PIL import Image

    def png(shade: int) -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", (4, 4), (shade, 0, 0)).save(buffer, format="PNG")
        return buffer.getvalue()

    questions = datasets.Dataset.from_dict(
        {
            "id": ["q1", "q2"],
            "imageId": ["n1", "n9" if missing else "n2"],
            "question": ["Is the cup left?", "What color?"],
            "answer": ["yes", "red"],
            "fullAnswer": ["", ""],
            "isBalanced": [True, True],
        }
    )
    images = datasets.Dataset.from_dict(
        {"id": ["n1", "n2"], "image": [{"bytes": png(1), "path": "n1"}, {"bytes": png(2), "path": "n2"}]},
        features=datasets.Features({"id": datasets.Value("string"), "image": datasets.Image()}),
    )
    return FakeHub({"testdev_balanced_instructions": questions, "testdev_balanced_images": images})


def test_gqa_joins_images_by_id(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    hub = _gqa_tables()
    monkeypatch.setattr(datasets, "load_dataset", hub)
    path = _task_file(tmp_path, "gqa", {"provenance.rows": {"testdev": 2}})
    task = load_task(path)
    samples = list(task.samples())
    assert [s.id for s in samples] == ["q1", "q2"]
    images = [task.builder.build(s).media_parts()[0].media.data for s in samples]
    assert images[0] != images[1] and all(data.startswith(b"\x89PNG") for data in images)
    assert [call[1] for call in hub.calls] == ["testdev_balanced_instructions", "testdev_balanced_images"]
    assert all(call[2]["revision"] == task.spec.dataset.revision for call in hub.calls)  # type: ignore[union-attr]


def test_a_join_key_with_no_match_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets, "load_dataset", _gqa_tables(missing=True))
    with pytest.raises(InputError, match="no row of config testdev_balanced_images has id = 'n9'"):
        list(load_task(_task_file(tmp_path, "gqa", {})).samples(limit=2))
