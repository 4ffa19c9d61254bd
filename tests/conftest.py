"""Shared fixtures: small datasets written into tmp folders, and a clean environment."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent / "core"))


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """No test touches the user's real response cache."""
    monkeypatch.setenv("EVALS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    yield


def write_png(path: Path, color: tuple[int, int, int] = (200, 10, 10), size: int = 16) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (size, size), color).save(path)


@pytest.fixture
def image_dataset(tmp_path: Path) -> Path:
    """A 30-row JSONL dataset with one PNG per row, and a task file for it; returns the task path."""
    data = tmp_path / "data"
    rows = []
    for i in range(30):
        write_png(data / f"img{i}.png", (i * 8, 0, 0))
        rows.append(
            {
                "id": f"s{i:02d}",
                "image": f"img{i}.png",
                "question": f"What is item {i}?",
                "answer": "red" if i % 3 else "blue",
                "level": ["easy", "hard"][i % 2],
            }
        )
    (data / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    task = tmp_path / "items.yaml"
    task.write_text(
        "name: items\n"
        "kind: custom\n"
        "dataset:\n"
        "  source: jsonl\n"
        "  path: data/items.jsonl\n"
        "  images: [image]\n"
        "prompt:\n"
        "  parts:\n"
        "    - image: image\n"
        '    - text: "{{ question }} [sample:{{ sample_id }}]"\n'
        "scorers: [exact_match]\n"
        "breakdowns: [level]\n"
    )
    return task
