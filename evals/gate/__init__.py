"""The CI regression gate: absolute bounds, and paired statistical regressions against a baseline."""

from evals.gate.evaluate import EXIT_INCONCLUSIVE, EXIT_PASS, EXIT_REGRESSION, Check, GateResult, evaluate
from evals.gate.rules import LoadedRules, Rule, RulesFile, load_rules

__all__ = [
    "EXIT_INCONCLUSIVE",
    "EXIT_PASS",
    "EXIT_REGRESSION",
    "Check",
    "GateResult",
    "LoadedRules",
    "Rule",
    "RulesFile",
    "evaluate",
    "load_rules",
]
