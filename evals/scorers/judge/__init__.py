"""Model-graded scoring: rubrics, verdicts, and the `judge` scorer (see scorer.py)."""

from evals.scorers.judge.rubrics import Rubric, builtin_rubrics, inline_rubric, load_rubric
from evals.scorers.judge.scorer import (
    JUDGE_SCORERS,
    JudgeOptions,
    JudgeScorer,
    PairwiseJudgeScorer,
    combine_orders,
)
from evals.scorers.judge.verdict import MODES, Mode, Verdict, VerdictError, parse_verdict, verdict_schema

__all__ = [
    "JUDGE_SCORERS",
    "MODES",
    "JudgeOptions",
    "JudgeScorer",
    "Mode",
    "PairwiseJudgeScorer",
    "Rubric",
    "Verdict",
    "VerdictError",
    "builtin_rubrics",
    "combine_orders",
    "inline_rubric",
    "load_rubric",
    "parse_verdict",
    "verdict_schema",
]
