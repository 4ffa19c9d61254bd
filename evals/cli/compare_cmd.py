"""`run-eval compare RUN_DIR… [--backends a,b]`: paired differences on the same samples.

Exit code 0 whatever the differences: a comparison reports, it does not judge (see `gate`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.markup import escape

from evals.baseline import RunScores, load_scores
from evals.cli.main import Handler
from evals.compare import Settings, compare, render_html, render_markdown, report_dict
from evals.console import messages
from evals.errors import EXIT_OK, InputError
from evals.fileio import write_json_atomic
from evals.paired import DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES


def add(parser: argparse.ArgumentParser) -> Handler:
    parser.add_argument(
        "sides",
        nargs="+",
        metavar="RUN",
        help="run directories or baseline files; the first is the reference. "
        "RUN:BACKEND picks one backend of a run",
    )
    parser.add_argument("--backends", help="comma-separated backends (one run: compare them with each other)")
    parser.add_argument("--tasks", help="comma-separated task names or glob patterns")
    parser.add_argument("--out", type=Path, help="write compare.md, compare.html and compare.json here")
    parser.add_argument("--format", choices=("md", "html", "json"), default="md", help="what to print")
    parser.add_argument("--show", type=int, default=10, help="changed samples listed per metric (default 10)")
    parser.add_argument("--confidence", type=float, default=DEFAULT_CONFIDENCE, help="interval level")
    parser.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES, help="bootstrap resamples")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    return handle


def _split(text: str | None) -> list[str] | None:
    if not text:
        return None
    return [p.strip() for p in text.split(",") if p.strip()] or None


def parse_side(text: str) -> tuple[Path, str | None]:
    """`PATH` or `PATH:BACKEND` (backend names may contain ':', so the longest existing path wins)."""
    if Path(text).exists():
        return Path(text), None
    for index in range(len(text) - 1, 0, -1):
        if text[index] == ":" and Path(text[:index]).exists() and text[index + 1 :]:
            return Path(text[:index]), text[index + 1 :]
    raise InputError(
        "no such run directory or baseline file",
        file=text,
        fix="pass a folder written by run-eval run (optionally RUN_DIR:BACKEND)",
    )


def handle(args: argparse.Namespace) -> int:
    if not 0.5 < args.confidence < 1:
        raise InputError("the confidence must be between 0.5 and 1", field="--confidence", fix="e.g. 0.95")
    if args.resamples < 200:
        raise InputError(
            "too few resamples for stable intervals", field="--resamples", fix="use 1000 or more"
        )
    loaded: dict[Path, RunScores] = {}
    sides = []
    for text in args.sides:
        path, backend = parse_side(text)
        scores = loaded.setdefault(path.resolve(), load_scores(path))
        sides.append((scores, backend))
    settings = Settings(confidence=args.confidence, resamples=args.resamples, seed=args.seed)
    report = compare(sides, backends=_split(args.backends), tasks=_split(args.tasks), settings=settings)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "compare.md").write_text(render_markdown(report, show=args.show), encoding="utf-8")
        (args.out / "compare.html").write_text(render_html(report, show=args.show), encoding="utf-8")
        write_json_atomic(args.out / "compare.json", report_dict(report))
        messages().print(f"comparison written to {escape(str(args.out))}/compare.{{md,html,json}}")
        return EXIT_OK
    if args.format == "json":
        sys.stdout.write(json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n")
    elif args.format == "html":
        sys.stdout.write(render_html(report, show=args.show))
    else:
        sys.stdout.write(render_markdown(report, show=args.show))
    return EXIT_OK
