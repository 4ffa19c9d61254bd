"""`run-eval gate RUN_DIR --rules FILE`: fail CI on a real regression, not on noise.

Exit codes: 0 pass (inconclusive checks pass with a warning); 1 a regression or an absolute
bound crossed; 2 bad input (rules, run, baseline, arguments); 3 inconclusive with --strict.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from evals.baseline import load_scores
from evals.cli.main import Handler
from evals.gate import evaluate, load_rules
from evals.gate.console import print_result
from evals.gate.evaluate import GateResult, resolve_baseline
from evals.gate.export import result_dict
from evals.gate.junit import render_junit
from evals.gate.markdown import render_markdown
from evals.terminal import output


def add(parser: argparse.ArgumentParser) -> Handler:
    parser.epilog = (
        "exit codes: 0 pass, 1 regression or bound crossed, 2 bad input, 3 inconclusive (--strict)"
    )
    parser.add_argument("run", type=Path, metavar="RUN_DIR", help="the run to check")
    parser.add_argument("--rules", type=Path, required=True, help="rules file (e.g. configs/gates.yaml)")
    parser.add_argument(
        "--baseline", type=Path, metavar="RUN_DIR|FILE", help="overrides the rules file's baseline:"
    )
    parser.add_argument("--strict", action="store_true", help="inconclusive checks fail the gate (exit 3)")
    parser.add_argument("--junit", type=Path, metavar="PATH", help="write JUnit XML ('-': stdout)")
    parser.add_argument(
        "--markdown", type=Path, metavar="PATH", help="write Markdown for a PR comment ('-': stdout)"
    )
    parser.add_argument(
        "--json", type=Path, metavar="PATH", help="write the full result as JSON ('-': stdout)"
    )
    parser.add_argument("--quiet", action="store_true", help="no console table")
    return handle


def _write(path: Path, text: str) -> None:
    if str(path) == "-":
        sys.stdout.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def run_gate(args: argparse.Namespace) -> GateResult:
    rules = load_rules(args.rules)
    current = load_scores(args.run)
    baseline_path = resolve_baseline(rules, args.baseline)
    baseline = load_scores(baseline_path) if baseline_path is not None else None
    return evaluate(rules, current, baseline, strict=args.strict)


def handle(args: argparse.Namespace) -> int:
    result = run_gate(args)
    outputs = [p for p in (args.junit, args.markdown, args.json) if p is not None]
    to_stdout = any(str(p) == "-" for p in outputs)
    if not args.quiet:
        print_result(result, output(stderr=to_stdout))
    if args.junit is not None:
        _write(args.junit, render_junit(result))
    if args.markdown is not None:
        _write(args.markdown, render_markdown(result))
    if args.json is not None:
        _write(args.json, json.dumps(result_dict(result), indent=2, ensure_ascii=False, default=str) + "\n")
    return result.exit_code()
