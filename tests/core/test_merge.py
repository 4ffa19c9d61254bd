"""`run-eval merge`: four shards of a run equal the unsharded run; shards that are not parts of
one run are refused with one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from runs import config, counting, options

from evals.config import RunConfig
from evals.errors import InputError
from evals.merge import merge_runs
from evals.rundir import RunDir
from evals.session import start_run


def shard_config(task: Path, shard: str | None) -> RunConfig:
    cfg = config(task, backends=[counting(answer="red"), {"name": "oracle", "type": "oracle"}])
    return cfg.model_copy(update={"shard": shard}) if shard else cfg


def run_shard(task: Path, tmp: Path, shard: str | None, out: str) -> Path:
    data = shard_config(task, shard).model_dump(mode="json")
    cfg = RunConfig.model_validate(data)
    return start_run(cfg, task.parent, options(tmp, out=tmp / out, use_cache=False)).rundir.path


def scores(path: Path) -> dict[tuple[str, str, str], dict[str, float]]:
    return {r.key: r.scores for r in RunDir(path).records()}


def test_four_shards_merge_into_the_unsharded_run(image_dataset: Path, tmp_path: Path) -> None:
    whole = run_shard(image_dataset, tmp_path, None, "whole")
    parts = [run_shard(image_dataset, tmp_path, f"{i}/4", f"part{i}") for i in range(4)]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "evals",
            "merge",
            *map(str, parts),
            "--out",
            str(tmp_path / "merged"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**__import__("os").environ, "PYTHONPATH": str(Path(__file__).parent)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "merged 4 shards" in done.stderr
    merged = RunDir(tmp_path / "merged")
    assert merged.read_info().status == "finished" and (merged.path / "samples.parquet").is_file()
    assert scores(merged.path) == scores(whole)
    left, right = merged.read_summary(), RunDir(whole).read_summary()
    assert left is not None and right is not None
    assert [c.metrics for c in left.cells] == [c.metrics for c in right.cells]
    assert [c.breakdowns for c in left.cells] == [c.breakdowns for c in right.cells]
    assert [c.n_scored for c in left.cells] == [30, 30]


def test_overlapping_or_foreign_shards_are_refused(image_dataset: Path, tmp_path: Path) -> None:
    a = run_shard(image_dataset, tmp_path, "0/2", "a")
    again = run_shard(image_dataset, tmp_path, "0/2", "again")
    with pytest.raises(InputError, match="given twice"):
        merge_runs([a, again], tmp_path / "m1")
    # Same shard index but declared as 1/2 by editing: the samples overlap and are refused.
    info = json.loads((again / "run.json").read_text())
    info["config"]["shard"] = "1/2"
    (again / "run.json").write_text(json.dumps(info))
    with pytest.raises(InputError, match="overlap"):
        merge_runs([a, again], tmp_path / "m2")
    other = image_dataset.parent / "other.yaml"
    other.write_text(image_dataset.read_text().replace("[sample:", "[id:"))
    b = run_shard(other, tmp_path, "1/2", "b")
    with pytest.raises(InputError, match="tasks"):
        merge_runs([a, b], tmp_path / "m3")
    whole = run_shard(image_dataset, tmp_path, None, "whole")
    with pytest.raises(InputError, match="not made with --shard"):
        merge_runs([a, whole], tmp_path / "m4")
    assert not (tmp_path / "m1").exists() and not (tmp_path / "m3" / "run.json").exists()
