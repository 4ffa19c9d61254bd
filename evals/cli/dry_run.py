"""`run-eval run --dry-run`: what would be sent, and what it would cost, before anything is."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from evals.config import RunConfig
from evals.data.samples import Shard
from evals.plan import make_plan
from evals.session import RunOptions, apply_overrides


def print_plan(config: RunConfig, base: Path, options: RunOptions) -> int:
    config = apply_overrides(config, options)
    plan = make_plan(config, base, check_backends=False)
    shard = Shard.parse(config.shard) if config.shard else None
    table = Table(title=f"plan for {config.name} (nothing sent)", header_style="bold")
    for column in ("task", "backend", "model", "samples"):
        table.add_column(column)
    for task in plan.tasks:
        count = sum(1 for _ in task.samples(limit=config.limit, shard=shard))
        for name in plan.pairs[task.name]:
            backend = plan.backends[name]
            table.add_row(task.name, name, backend.model, str(count))
    Console().print(table)
    return 0
