"""`run-eval run --dry-run`: what would be sent, and what it would cost, before anything is."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape

from evals import fmt
from evals.config import RunConfig
from evals.errors import InputError
from evals.estimate import CellEstimate, PlanEstimate, estimate_plan, video_warning
from evals.plan import Plan, make_plan
from evals.terminal import Table, output


def _row(cell: CellEstimate) -> list[str]:
    tokens = f"{cell.input_tokens:,}" if not cell.unsized else f"≥{cell.input_tokens:,}"
    return [
        cell.task,
        cell.backend,
        cell.model,
        str(cell.samples),
        tokens,
        f"{cell.image_tokens:,}" if cell.image_tokens else "",
        f"{cell.video_tokens:,}" if cell.video_tokens else "",
        f"{cell.output_tokens:,}",
        f"{cell.audio_seconds / 60:,.1f}" if cell.audio_seconds else "",
        fmt.cost(cell.usd) + (" (batch)" if cell.batched else ""),
    ]


def plan_table(config: RunConfig, estimate: PlanEstimate) -> Table:
    table = Table(title=f"plan for {config.name} (nothing sent; estimates)")
    for column in (
        "task",
        "backend",
        "model",
        "samples",
        "input tok",
        "image tok",
        "video tok",
        "output tok ≤",
        "audio min",
    ):
        table.add_column(column, justify="right" if column not in ("task", "backend", "model") else "left")
    table.add_column("est. cost", justify="right")
    for cell in estimate.cells:
        table.add_row(*_row(cell))
    total = estimate.total_usd
    shown = fmt.cost(total) if total is not None else f"≥{fmt.cost(estimate.known_usd)}"
    table.add_row(
        "total" + (" (judges included)" if estimate.judges else ""),
        "",
        "",
        str(estimate.samples),
        f"{sum(c.input_tokens for c in estimate.cells):,}",
        f"{sum(c.image_tokens for c in estimate.cells):,}",
        f"{sum(c.video_tokens for c in estimate.cells):,}",
        f"{sum(c.output_tokens for c in estimate.cells):,}",
        "",
        shown,
        style="bold",
    )
    return table


def judge_table(estimate: PlanEstimate) -> Table:
    """What judging would cost, apart from the models under test (its dollars are in the total
    above and in the --budget check)."""
    table = Table(title="judges (apart from the models under test; estimates)")
    for column in ("task", "judge", "model", "requests", "input tok", "image tok", "output tok ≤"):
        table.add_column(column, justify="left" if column in ("task", "judge", "model") else "right")
    table.add_column("est. cost", justify="right")
    for cell in estimate.judges:
        row = _row(cell)
        table.add_row(*row[:7], row[8])
    judged = estimate.judge_usd
    table.add_row(
        "judging total",
        "",
        "",
        str(sum(c.samples for c in estimate.judges)),
        f"{sum(c.input_tokens for c in estimate.judges):,}",
        f"{sum(c.image_tokens for c in estimate.judges):,}",
        f"{sum(c.output_tokens for c in estimate.judges):,}",
        fmt.cost(judged) if judged is not None else "unknown",
        style="bold",
    )
    return table


def batch_table(cells: list[CellEstimate]) -> Table:
    """Batch mode: each batched cell at the batch price beside the same requests sent directly."""
    table = Table(title="batch mode: batch price beside the direct price (estimates)")
    for column in ("task", "backend", "model", "batch cost", "direct cost", "saved"):
        table.add_column(column, justify="left" if column in ("task", "backend", "model") else "right")
    for cell in cells:
        saved = cell.sync_usd - cell.usd if cell.sync_usd is not None and cell.usd is not None else None
        table.add_row(
            cell.task, cell.backend, cell.model, fmt.cost(cell.usd), fmt.cost(cell.sync_usd), fmt.cost(saved)
        )
    return table


def print_plan(config: RunConfig, base: Path, *, console: Console | None = None) -> int:
    plan = make_plan(config, base, check_backends=False)
    estimate = estimate_plan(plan, limit=config.limit, shard=config.shard)
    out = console or output()
    out.print(plan_table(config, estimate))
    if estimate.judges:
        out.print(judge_table(estimate))
    for cell in estimate.cells:
        if cell.output_images:
            each = fmt.cost(cell.usd / cell.output_images) if cell.usd is not None else "unknown"
            out.print(f"{cell.task} · {cell.backend}: {cell.output_images} image(s) at {each} each")
    for cell in [*estimate.cells, *estimate.judges]:
        for note in cell.notes:
            out.print(f"[yellow]{cell.task} · {cell.backend}: {note}[/]")
    out.print(
        "Text at ~4 characters a token, images and audio by each provider's published rule, "
        "video as frames × the image rule or at the provider's per-second rate, "
        "output at max_tokens (an upper bound); see docs/cost.md."
    )
    warning = video_warning(estimate)
    if warning:
        out.print(f"[yellow]{warning}[/]")
    batched = [c for c in estimate.cells if c.batched]
    if batched:
        out.print(batch_table(batched))
    if config.budget_usd is not None:
        verdict = "within" if estimate.known_usd <= config.budget_usd else "OVER"
        out.print(f"budget {fmt.cost(config.budget_usd)}: the known estimate is {verdict} it")
    for name, reason in cannot_run(plan):
        out.print(f"[red]backend {escape(name)} cannot run:[/] {escape(reason)}", soft_wrap=True)
    return 0


def cannot_run(plan: Plan) -> list[tuple[str, str]]:
    """Backends (and judges) that a real run would refuse, with why: the run's own check (an
    API key, an SDK, a base_url), so --dry-run says it before anything is spent."""
    found = []
    for name, backend in plan.all_backends.items():
        try:
            backend.check()
        except InputError as exc:
            found.append((name, str(exc)))
    return found
