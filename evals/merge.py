"""`run-eval merge`: join runs made with `--shard i/n` (on several machines, say) into one run
directory whose summary, report, gate and compare are those of the whole.

Shards are refused unless they are parts of one run: finished, the same tasks (same requests:
the task files' request hashes), the same backends and judges, the same config apart from the
shard, the same version of multimodal-evals, distinct shard indexes of one shard count, and no
sample journaled by two of them. Missing shards are allowed (the summary then covers fewer
samples) but named.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import JsonValue

from evals.errors import InputError
from evals.finalize import finalize
from evals.journal import write_journal
from evals.rundata import RunInfo, SampleRecord, Summary
from evals.rundir import MEDIA_DIR, RunDir

# Config keys that may differ between shards of one run (where and how each was run).
_PER_SHARD = ("shard", "name", "budget_usd")


@dataclass
class MergeOutcome:
    rundir: RunDir
    summary: Summary
    shards: list[str] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)  # shard indexes not given
    samples: int = 0


def _shard_of(info: RunInfo, path: Path) -> tuple[int, int]:
    shard = info.config.get("shard")
    if not isinstance(shard, str) or "/" not in shard:
        raise InputError(
            "this run was not made with --shard i/n",
            file=str(path),
            fix="merge joins shards of one run: run each part with --shard i/n",
        )
    index, _, count = shard.partition("/")
    return int(index), int(count)


def _comparable(config: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {k: v for k, v in config.items() if k not in _PER_SHARD}


def _check_same(first: RunInfo, other: RunInfo, path: Path) -> None:
    def refuse(what: str) -> InputError:
        return InputError(
            f"not a shard of the same run as the first: {what} differ",
            file=str(path),
            fix="merge only shards made from one config, one set of task files and one version",
        )

    if [(t.name, t.request_sha256 or t.sha256) for t in first.tasks] != [
        (t.name, t.request_sha256 or t.sha256) for t in other.tasks
    ]:
        raise refuse("the tasks (names or task files' requests)")
    if [(b.name, b.type, b.model, b.role) for b in first.backends] != [
        (b.name, b.type, b.model, b.role) for b in other.backends
    ]:
        raise refuse("the backends")
    if _comparable(first.config) != _comparable(other.config):
        raise refuse("the run configs (apart from the shard)")
    if first.versions.get("multimodal-evals") != other.versions.get("multimodal-evals"):
        raise refuse("the multimodal-evals versions")


def _link_media(sources: list[RunDir], target: RunDir) -> None:
    folder = target.path / MEDIA_DIR
    for source in sources:
        media = source.path / MEDIA_DIR
        if not media.is_dir():
            continue
        folder.mkdir(exist_ok=True)
        for item in media.iterdir():
            destination = folder / item.name
            if destination.exists():
                continue  # stored by content: the same name is the same bytes
            try:
                os.link(item, destination)
            except OSError:
                shutil.copy2(item, destination)


def merge_runs(paths: list[Path], out: Path) -> MergeOutcome:
    if len(paths) < 2:
        raise InputError(
            "give at least two shard run directories", field="RUN_DIR", fix="run-eval merge A B …"
        )
    if (out / "run.json").exists():
        raise InputError("this folder already holds a run", file=str(out), fix="choose another --out")
    dirs = [RunDir.existing(p) for p in paths]
    infos = [d.read_info() for d in dirs]
    for info, rundir in zip(infos, dirs, strict=True):
        if info.status != "finished":
            raise InputError(
                f"this shard's status is {info.status!r}",
                file=str(rundir.run_file),
                fix=f"finish it first: run-eval run --resume {rundir.path}",
            )
    shards = [_shard_of(info, d.path) for info, d in zip(infos, dirs, strict=True)]
    counts = {count for _, count in shards}
    if len(counts) != 1:
        raise InputError(
            f"the shards split the data differently ({', '.join(f'{i}/{n}' for i, n in shards)})",
            field="RUN_DIR",
            fix="merge shards made with the same n in --shard i/n",
        )
    seen: dict[int, Path] = {}
    for (index, _), rundir in zip(shards, dirs, strict=True):
        if index in seen:
            raise InputError(
                f"shard {index} is given twice ({seen[index]} and {rundir.path})",
                field="RUN_DIR",
                fix="give each shard once",
            )
        seen[index] = rundir.path
    for info, rundir in zip(infos[1:], dirs[1:], strict=True):
        _check_same(infos[0], info, rundir.path)
    records: list[SampleRecord] = []
    owner: dict[tuple[str, str, str], Path] = {}
    for rundir in dirs:
        for record in rundir.records():
            if record.key in owner:
                raise InputError(
                    f"sample {record.sample_id!r} of task {record.task!r} on {record.backend!r} is in two "
                    f"shards ({owner[record.key]} and {rundir.path}): the shards overlap",
                    field="RUN_DIR",
                    fix="merge shards made with distinct --shard i/n of one run",
                )
            owner[record.key] = rundir.path
            records.append(record)
    out.mkdir(parents=True, exist_ok=True)
    target = RunDir(out)
    target.lock()
    try:
        first = infos[0]
        merged = first.model_copy(
            update={
                "run_id": out.name,
                "status": "finalizing",
                "started_at": min((i.started_at for i in infos if i.started_at is not None), default=None),
                "finished_at": time.time(),
                "config": {**first.config, "shard": None},
                "attempts": [a for info in infos for a in info.attempts],
                "merged_from": [str(d.path.resolve()) for d in dirs],
            }
        )
        target.write_info(merged)
        _link_media(dirs, target)
        write_journal(target.journal, records)
        summary = finalize(target)
    finally:
        target.unlock()
    count = next(iter(counts))
    return MergeOutcome(
        rundir=target,
        summary=summary,
        shards=[f"{i}/{n}" for i, n in shards],
        missing=sorted(set(range(count)) - set(seen)),
        samples=len(records),
    )
