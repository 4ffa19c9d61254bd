"""The committed built-in datasets are exactly what their seeds regenerate.

Each dataset is rebuilt into a temporary folder and compared file by file (sha256) with the
committed one. A dataset whose `build.json` records other library versions than the installed
ones (the bytes depend on Pillow, numpy, matplotlib's fonts, libsndfile, espeak-ng…) is skipped
with the difference named: rebuild it with `python datasets/build.py NAME` and commit it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from data_support import DATASETS, TASKS, load_build_script

RECIPES: list[str] = list(load_build_script().RECIPES)
MAX_DATASET_BYTES = 5_000_000


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _installed_info(build_script: ModuleType, name: str) -> dict[str, Any]:
    try:
        info: dict[str, Any] = build_script.build_info(build_script.RECIPES[name])
    except (RuntimeError, OSError) as exc:  # e.g. espeak-ng not installed
        pytest.skip(f"{name}: cannot rebuild here: {exc}")
    return info


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory, build_script: ModuleType) -> Callable[[str], Path]:
    out = tmp_path_factory.mktemp("rebuilt")
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            built[name] = build_script.build(name, out)
        return built[name]

    return get


@pytest.mark.parametrize("name", RECIPES)
def test_rebuild_from_seed_is_byte_identical(
    name: str, build_script: ModuleType, rebuilt: Callable[[str], Path]
) -> None:
    committed = DATASETS / name
    assert (committed / "build.json").is_file(), f"{name} is not built: python datasets/build.py {name}"
    recorded = json.loads((committed / "build.json").read_text())
    installed = _installed_info(build_script, name)
    for key in ("python", "versions"):
        if recorded[key] != installed[key]:
            pytest.skip(
                f"{name} was built with {key} {recorded[key]}, this machine has {installed[key]}: "
                f"bytes may differ; rebuild with `python datasets/build.py {name}` and commit"
            )
    assert recorded == installed, "build.json does not match the recipe: rebuild the dataset"
    expected, actual = _digests(committed), _digests(rebuilt(name))
    assert sorted(actual) == sorted(expected), "the rebuild writes other files than are committed"
    changed = [path for path in expected if expected[path] != actual[path]]
    assert not changed, f"{len(changed)} files differ after rebuilding from the seed, e.g. {changed[:3]}"


@pytest.mark.parametrize("name", RECIPES)
def test_dataset_is_small_and_has_a_task(name: str, build_script: ModuleType) -> None:
    folder = DATASETS / name
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size < MAX_DATASET_BYTES, f"{name} is {size / 1e6:.1f} MB"
    rows = [json.loads(line) for line in (folder / "samples.jsonl").read_text().splitlines()]
    recipe = build_script.RECIPES[name]
    assert 100 <= len(rows) <= 300 and len(rows) == recipe.n
    assert len({r["id"] for r in rows}) == len(rows), "ids must be unique"
    for column, subfolder in recipe.media.items():
        assert all((folder / r[column]).is_file() and r[column].startswith(subfolder + "/") for r in rows)
    assert (TASKS / f"{name}.yaml").is_file()
    readme = (folder / "README.md").read_text()
    assert f"python datasets/build.py {name}" in readme and "License" in readme


def test_datasets_folder_is_not_a_package() -> None:
    # An __init__.py here would shadow the Hugging Face `datasets` library.
    assert not list(DATASETS.rglob("__init__.py"))


def test_speech_dataset_records_the_espeak_version() -> None:
    info = json.loads((DATASETS / "speech" / "build.json").read_text())
    assert info["versions"]["espeak-ng"]
    assert "espeak-ng" in (DATASETS / "speech" / "README.md").read_text()
