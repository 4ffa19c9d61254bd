"""`run-eval run CONFIG|TASK… [--backends …]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from evals.cli.main import Handler
from evals.config import PROJECT_ROOT, RunConfig, load_config, locate_in_config, parse_backend_arg
from evals.errors import InputError
from evals.session import RunOptions, resume_run, start_run
from evals.yamlfile import load_yaml

DEMO_CONFIG = PROJECT_ROOT / "configs" / "demo.yaml"


def add(parser: argparse.ArgumentParser) -> Handler:
    parser.add_argument(
        "targets",
        nargs="*",
        metavar="CONFIG|TASK",
        help="a run config, or task files/names (default: configs/demo.yaml)",
    )
    parser.add_argument("--backends", help="comma-separated: type, type:model or name=type:model")
    parser.add_argument("--limit", type=int, help="at most N samples per task")
    parser.add_argument("--shard", help="i/n: run every n-th sample starting at i")
    parser.add_argument("--out", type=Path, help="run directory to create (default reports/<run-id>)")
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="parent of new run directories")
    parser.add_argument("--resume", type=Path, metavar="RUN_DIR", help="continue this run")
    parser.add_argument(
        "--retry-errors", action="store_true", help="on --resume, ask again for errored samples"
    )
    parser.add_argument("--concurrency", type=int, help="requests in flight per backend")
    parser.add_argument("--budget", type=float, metavar="USD", help="stop sending once this is spent")
    parser.add_argument("--dry-run", action="store_true", help="show the plan and the estimate; send nothing")
    parser.add_argument("--cache-dir", type=Path, help="response cache folder (default: user cache dir)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument("--refresh-cache", action="store_true", help="ask again and overwrite cached answers")
    parser.add_argument("--name", help="run name (the run id's prefix)")
    parser.add_argument(
        "--with-providers",
        action="store_true",
        help="add the config's providers whose API key is in the environment",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars or summary table")
    return handle


def _is_run_config(path: Path) -> bool:
    data, _ = load_yaml(path)
    return isinstance(data, dict) and "backends" in data


def config_file(args: argparse.Namespace) -> Path | None:
    """The run config the arguments name (the demo's by default), or None for task files."""
    if not args.targets:
        return DEMO_CONFIG
    path = Path(args.targets[0])
    single = len(args.targets) == 1 and path.suffix in (".yaml", ".yml") and path.is_file()
    return path if single and _is_run_config(path) else None


def config_from_args(args: argparse.Namespace) -> tuple[RunConfig, Path]:
    targets = [str(t) for t in args.targets]
    if not targets:
        if not DEMO_CONFIG.is_file():
            raise InputError(
                "no config given and the demo config is not here",
                file=str(DEMO_CONFIG),
                fix="run-eval run CONFIG.yaml, or run from the repository",
            )
        targets = [str(DEMO_CONFIG)]
    paths = [Path(t) for t in targets]
    configs = [p for p in paths if p.suffix in (".yaml", ".yml") and p.is_file() and _is_run_config(p)]
    if configs:
        if len(targets) > 1:
            raise InputError(
                "give one run config, or task files, not both",
                field="CONFIG|TASK",
                fix=f"run-eval run {configs[0]}",
            )
        config = load_config(configs[0])
        if args.backends:
            backends = [parse_backend_arg(b) for b in args.backends.split(",") if b]
            config = config.model_copy(update={"backends": backends})
        if args.name:
            config = config.model_copy(update={"name": args.name})
        if args.with_providers:
            config, skipped = config.with_providers()
            for line in skipped:
                Console(stderr=True, highlight=False).print(f"provider skipped: {line}")
        return config, configs[0].parent
    if not args.backends:
        raise InputError(
            "no backends named",
            field="--backends",
            fix="add --backends oracle,majority (or a run config with backends:)",
        )
    backends = [parse_backend_arg(b) for b in args.backends.split(",") if b]
    config = RunConfig(name=args.name or "run", tasks=targets, backends=backends)
    return config, Path.cwd()


def options_from_args(args: argparse.Namespace) -> RunOptions:
    return RunOptions(
        reports=args.reports,
        out=args.out,
        use_cache=not args.no_cache,
        cache_dir=args.cache_dir,
        refresh_cache=args.refresh_cache,
        retry_errors=args.retry_errors,
        limit=args.limit,
        shard=args.shard,
        budget_usd=args.budget,
        concurrency=args.concurrency,
        quiet=args.quiet,
    )


def _in_file(exc: InputError, path: Path | None) -> InputError:
    """Name the file a config problem comes from (a backend's key, type, base_url…) when the
    error does not name one already; command-line arguments (`--shard`) stay as they are."""
    if path is not None and not (exc.field or "").startswith("--"):
        locate_in_config(exc, path)
    return exc


def handle(args: argparse.Namespace) -> int:
    options = options_from_args(args)
    if args.resume:
        if args.targets:
            raise InputError(
                "--resume takes its config from the run directory",
                field="CONFIG|TASK",
                fix=f"run-eval run --resume {args.resume}",
            )
        try:
            return resume_run(args.resume, options).exit_code
        except InputError as exc:
            raise _in_file(exc, args.resume / "run.json") from exc.__cause__
    config, base = config_from_args(args)
    source = config_file(args)
    try:
        if args.dry_run:
            from evals.cli.dry_run import print_plan

            return print_plan(config, base, options)
        return start_run(config, base, options).exit_code
    except InputError as exc:
        raise _in_file(exc, source) from exc.__cause__
