"""What a run would cost before it runs: tokens and dollars per task × backend, and in total.

Each sample's request is built as the runner would build it; each backend predicts its usage
with its provider's published rules (`Backend.estimate_usage`: text at ~4 characters a token,
images by the provider's tile or patch rule read from the image header, audio and video by
duration, output at the task's max_tokens as an upper bound) and prices it with `Backend.cost`.
A cell whose model has no price, or whose media the rules cannot size, has dollars `None`.
docs/cost.md lists every rule with its source.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from evals.batch.backend import BatchBackend
from evals.data.shard import Shard
from evals.errors import InputError, MediaError
from evals.media import Media
from evals.plan import Plan
from evals.records import Request, Sample, Usage
from evals.scoring import MediaItem, ScoreInput
from evals.task.loader import Task

Key = tuple[str, str, str]  # (task, backend, sample id), as in the journal


@dataclass
class CellEstimate:
    task: str
    backend: str
    model: str
    samples: int = 0
    input_tokens: int = 0
    image_tokens: int = 0
    audio_tokens: int = 0
    video_tokens: int = 0
    output_tokens: int = 0
    audio_seconds: float = 0.0
    output_images: int = 0  # images a generation backend would produce
    usd: float | None = 0.0
    unsized: int = 0  # samples whose usage could not be predicted
    unpriced: int = 0  # samples whose predicted usage has no price
    # Batch mode: `usd` is at the batch price; this is the same usage sent directly.
    sync_usd: float | None = None
    batched: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return self.usd is not None


@dataclass
class PlanEstimate:
    cells: list[CellEstimate]
    # What the judges would cost, per task × judge (`samples` counts judge requests there):
    # shown apart from the models, and counted in the totals and the budget check.
    judges: list[CellEstimate] = field(default_factory=list)

    @property
    def total_usd(self) -> float | None:
        """Dollars over all cells, judges included; None when any cell's cost is unknown."""
        if any(c.usd is None for c in [*self.cells, *self.judges] if c.samples):
            return None
        return sum(c.usd or 0.0 for c in [*self.cells, *self.judges])

    @property
    def known_usd(self) -> float:
        """Dollars over the cells whose cost is known (a lower bound when some are not)."""
        return sum(c.usd or 0.0 for c in [*self.cells, *self.judges])

    @property
    def judge_usd(self) -> float | None:
        """Dollars of judging alone; None when a judge's cost is unknown."""
        if any(c.usd is None for c in self.judges if c.samples):
            return None
        return sum(c.usd or 0.0 for c in self.judges)

    @property
    def unknown(self) -> list[CellEstimate]:
        return [c for c in [*self.cells, *self.judges] if c.samples and c.usd is None]

    @property
    def samples(self) -> int:
        return sum(c.samples for c in self.cells)

    def as_dict(self) -> dict[str, object]:
        return {
            "total_usd": self.total_usd,
            "known_usd": self.known_usd,
            "cells": [_cell_dict(c) for c in self.cells],
            "judge_usd": self.judge_usd,
            "judges": [_cell_dict(c) for c in self.judges],
        }


def _cell_dict(c: CellEstimate) -> dict[str, object]:
    return {
        "task": c.task,
        "backend": c.backend,
        "model": c.model,
        "samples": c.samples,
        "input_tokens": c.input_tokens,
        "image_tokens": c.image_tokens,
        "audio_tokens": c.audio_tokens,
        "video_tokens": c.video_tokens,
        "output_tokens": c.output_tokens,
        "audio_seconds": c.audio_seconds,
        "usd": c.usd,
        "batched": c.batched,
        "sync_usd": c.sync_usd,
        "notes": c.notes,
    }


def estimate_plan(
    plan: Plan, *, limit: int | None = None, shard: Shard | None = None, skip: Collection[Key] = ()
) -> PlanEstimate:
    """Predicted tokens and dollars of every (task, backend) pair of the plan, sending nothing.

    `limit`/`shard` select samples as the run would; `skip` leaves out samples already in a
    journal (for a resumed run). Media are read (headers only are parsed) and released again.
    """
    cells: list[CellEstimate] = []
    judge_cells: list[CellEstimate] = []
    for task in plan.tasks:
        backends = [plan.backends[name] for name in plan.pairs.get(task.name, [])]
        row = {b.name: CellEstimate(task.name, b.name, b.model) for b in backends}
        for backend in backends:
            if isinstance(backend, BatchBackend):
                row[backend.name].batched, row[backend.name].sync_usd = True, 0.0
        judged = {
            name: CellEstimate(task.name, name, plan.judges[name].model)
            for s in task.scorers
            for name in s.calls()
            if name in plan.judges
        }
        for sample in task.samples(limit=limit, shard=shard):
            todo = [b for b in backends if (task.name, b.name, sample.id) not in skip]
            if not todo:
                continue
            try:
                request = task.builder.build(sample)
                for backend in todo:
                    usage = backend.estimate_usage(request)
                    _add(row[backend.name], usage, backend.cost)
                    if isinstance(backend, BatchBackend):
                        _add_sync(row[backend.name], usage, backend.sync_cost)
                if judged:
                    _add_judging(plan, task, sample, request, [b.name for b in todo], judged)
            except MediaError:
                for backend in todo:
                    row[backend.name].samples += 1
                    row[backend.name].unsized += 1
            finally:
                sample.release_media()
        for cell in [*row.values(), *judged.values()]:
            if cell.unsized:
                cell.usd = cell.sync_usd = None
                cell.notes.append(
                    f"{cell.unsized} sample(s) could not be sized (media unreadable by the rules)"
                )
            if cell.unpriced:
                cell.usd = cell.sync_usd = None
                cell.notes.append(f"no price for model {cell.model!r} in the pricing table")
        cells.extend(row.values())
        judge_cells.extend(judged.values())
    return PlanEstimate(cells, judge_cells)


def _add_judging(
    plan: Plan,
    task: Task,
    sample: Sample,
    request: Request,
    backends: list[str],
    cells: dict[str, CellEstimate],
) -> None:
    """The judge requests one sample would make (with a stand-in answer as long as the task's
    max_tokens), each predicted and priced by its judge backend."""
    item = ScoreInput(
        task=task.name,
        backend="",
        sample_id=sample.id,
        prediction="",
        targets=list(sample.targets),
        choices=list(sample.choices) if sample.choices is not None else None,
        metadata=sample.metadata,
        inputs=[MediaItem(m.kind, m.mime, m.sha256, name, _reader(m)) for name, m in sample.media_fields()],
        prompt=request.prompt_text(),
    )
    for scorer in task.scorers:
        if not scorer.calls():
            continue
        for name, judge_request in scorer.estimate_calls(item, backends, task.spec.generation.max_tokens):
            judge = plan.judges.get(name)
            if judge is not None and name in cells:
                _add(cells[name], judge.estimate_usage(judge_request), judge.cost)


def _reader(media: Media) -> Callable[[], bytes]:
    return lambda: media.data


def _add(cell: CellEstimate, usage: object, cost: object) -> None:
    from evals.records import Usage

    cell.samples += 1
    if not isinstance(usage, Usage):
        cell.unsized += 1
        return
    cell.input_tokens += usage.input_tokens or 0
    cell.image_tokens += usage.image_tokens or 0
    cell.audio_tokens += usage.audio_tokens or 0
    cell.video_tokens += usage.video_tokens or 0
    cell.output_tokens += usage.output_tokens or 0
    cell.audio_seconds += usage.audio_seconds or 0.0
    cell.output_images += usage.output_images or 0
    dollars = cost(usage)  # type: ignore[operator]
    if dollars is None:
        cell.unpriced += 1
    elif cell.usd is not None:
        cell.usd += float(dollars)


def _add_sync(cell: CellEstimate, usage: Usage | None, cost: Callable[[Usage], float | None]) -> None:
    """The direct (synchronous) price of a batched cell, shown beside its batch price."""
    dollars = cost(usage) if usage is not None else None
    if dollars is None:
        cell.sync_usd = None
    elif cell.sync_usd is not None:
        cell.sync_usd += dollars


VIDEO_DOMINATES = 0.5  # share of a run's estimated dollars above which video is named


def video_dollars(cell: CellEstimate) -> float:
    """The cell's dollars in proportion to its video tokens (input and output priced alike: a
    lower bound for video when output costs more)."""
    tokens = cell.input_tokens + cell.output_tokens
    if not cell.usd or not tokens:
        return 0.0
    return cell.usd * cell.video_tokens / tokens


def video_warning(estimate: PlanEstimate) -> str | None:
    """A line naming the task whose video dominates the estimate, when video is most of it."""
    total = estimate.known_usd
    by_task: dict[str, float] = {}
    for cell in estimate.cells:
        by_task[cell.task] = by_task.get(cell.task, 0.0) + video_dollars(cell)
    video = sum(by_task.values())
    if total <= 0 or video / total < VIDEO_DOMINATES:
        return None
    task, dollars = max(by_task.items(), key=lambda item: item[1])
    return (
        f"video is {video / total:.0%} of the estimated ${total:.4f}; task {task!r} alone "
        f"${dollars:.4f} ({dollars / total:.0%}). Fewer frames (fps, frames, max_frames), a smaller "
        "max_side or detail: low on its video part lower it (docs/video.md)"
    )


def check_budget(estimate: PlanEstimate, budget_usd: float | None) -> None:
    """Refuse to start a run whose estimate exceeds its budget (an InputError, exit code 2).

    Only known dollars are compared: cells without a price cannot be held against the budget
    (the runner still stops sending once the actual spend reaches it).
    """
    if budget_usd is None:
        return
    known = estimate.known_usd
    if known > budget_usd:
        worst = max(estimate.cells, key=lambda c: c.usd or 0.0)
        video = video_warning(estimate)
        raise InputError(
            f"the run is estimated at ${known:.4f}, over the budget of ${budget_usd:.4f} "
            f"(largest: {worst.task} on {worst.backend}, ${worst.usd or 0.0:.4f})"
            + (f"; {video}" if video else ""),
            field="--budget",
            fix="raise --budget, lower --limit or max_tokens, or see the figures with --dry-run",
        )
