"""`run-eval run CONFIG|TASK… [--backends …]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from evals.assembly import ConfigRequest, assemble, overrides
from evals.cli.main import Handler
from evals.config import locate_in_config
from evals.console import messages
from evals.errors import InputError
from evals.perturb.spec import parse_cli
from evals.session import RunOptions, resume_run, start_run


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
        "--perturb",
        action="append",
        metavar="NAME=LEVELS",
        help="perturb the media at severity levels 0-5, e.g. blur=0..5 (repeatable; docs/robustness.md)",
    )
    parser.add_argument(
        "--batch",
        action="store_true",
        help="send OpenAI, Anthropic and Gemini requests through their batch APIs (half price, "
        "results within 24 h; docs/scale.md)",
    )
    parser.add_argument(
        "--executor",
        choices=["local", "ray"],
        default="local",
        help="where local engines (OCR, speech) run: this machine's process pools, or Ray actors "
        "(pip install 'multimodal-evals[ray]'; docs/scale.md)",
    )
    parser.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="with --executor ray: the cluster's head (host:port); default: a local cluster",
    )
    parser.add_argument(
        "--with-providers",
        action="store_true",
        help="add the config's providers whose API key is in the environment",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars or summary table")
    return handle


def config_request(args: argparse.Namespace) -> ConfigRequest:
    return ConfigRequest(
        targets=[str(t) for t in args.targets],
        backends=args.backends,
        with_providers=args.with_providers,
        overrides=overrides(
            limit=args.limit,
            shard=args.shard,
            budget_usd=args.budget,
            concurrency=args.concurrency,
            name=args.name,
            perturb=parse_cli(args.perturb) if args.perturb else None,
            batch=args.batch or None,
        ),
    )


def options_from_args(args: argparse.Namespace) -> RunOptions:
    return RunOptions(
        reports=args.reports,
        out=args.out,
        use_cache=not args.no_cache,
        cache_dir=args.cache_dir,
        refresh_cache=args.refresh_cache,
        retry_errors=args.retry_errors,
        quiet=args.quiet,
        executor=args.executor,
        ray_address=args.ray_address,
    )


def _in_file(exc: InputError, path: Path | None) -> InputError:
    """Name the file a config problem comes from (a backend's key, type, base_url…) when the
    error does not name one already; command-line arguments (`--shard`) stay as they are."""
    if path is not None and not (exc.field or "").startswith("--"):
        locate_in_config(exc, path)
    return exc


def handle(args: argparse.Namespace) -> int:
    if args.ray_address and args.executor != "ray":
        raise InputError(
            "--ray-address is for the Ray executor", field="--ray-address", fix="add --executor ray"
        )
    options = options_from_args(args)
    request = config_request(args)
    if args.resume:
        try:
            return resume_run(args.resume, options, request).exit_code
        except InputError as exc:
            raise _in_file(exc, args.resume / "run.json") from exc.__cause__
    assembled = assemble(request)
    for note in assembled.notes:
        messages().print(note)
    try:
        if args.dry_run:
            from evals.cli.dry_run import print_plan

            return print_plan(assembled.config, assembled.base)
        return start_run(assembled.config, assembled.base, options).exit_code
    except InputError as exc:
        raise _in_file(exc, assembled.source) from exc.__cause__
