"""Run-time perturbations of any dataset's media, at severities 1–5 (docs/robustness.md)."""

from evals.perturb.apply import expand, perturb_bytes
from evals.perturb.spec import PerturbSpec, parse_cli, parse_levels, perturbation_kind

__all__ = ["PerturbSpec", "expand", "parse_cli", "parse_levels", "perturb_bytes", "perturbation_kind"]
