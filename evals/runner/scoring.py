"""The scoring stage: turns one response into scores, with every scorer of the task.

It runs as responses arrive during a run, and again, without the models, under `run-eval
rescore`. Text scorers are called directly; other scorers are awaited and may call models (a
judge) through the run's `Caller`: same limiter, retries, timeout, cache and budget as the
models under test, with the calls' cost and latency written apart (`SampleRecord.scorer_calls`).

A scorer that cannot score a sample (an unparseable verdict, a failed judge call) or that
crashes is recorded as that scorer's error for the sample; the other scorers' scores stand and
the model's answer is never turned into a wrong one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import JsonValue

from evals.backends.base import Backend
from evals.records import Request, Response
from evals.rundata import ErrorInfo, ScorerCalls
from evals.runner.calls import Caller
from evals.scoring import ModelCaller, ScoreInput, Scorer, ScorerFailed, ScoringContext, TextScorer
from evals.secrets import scrub
from evals.values import json_safe


@dataclass
class ScoreOutcome:
    scores: dict[str, float] = field(default_factory=dict)
    details: dict[str, dict[str, JsonValue]] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    errors: dict[str, ErrorInfo] = field(default_factory=dict)
    calls: dict[str, ScorerCalls] = field(default_factory=dict)


@dataclass
class ScoringStats:
    judge_requests: int = 0
    judge_cache_hits: int = 0
    scorer_errors: int = 0


class ScoringStage:
    """Scores responses; `judges` are the backends scorers may call (by name)."""

    def __init__(self, caller: Caller | None = None, judges: dict[str, Backend] | None = None) -> None:
        self.caller = caller
        self.judges = judges or {}
        self.stats = ScoringStats()

    async def score(self, scorers: Sequence[Scorer], item: ScoreInput, *, seed: int = 0) -> ScoreOutcome:
        outcome = ScoreOutcome()
        for scorer in scorers:
            if scorer.compares_backends:
                continue  # needs every backend's answer: the pairwise stage runs it
            context = ScoringContext(seed=seed)
            if self.caller is not None and scorer.calls():
                context.caller = self._caller_for(scorer.name, outcome)
            try:
                if isinstance(scorer, TextScorer):
                    scored = scorer.score(
                        item.prediction, item.targets, choices=item.choices, metadata=item.metadata
                    )
                else:
                    scored = await scorer.evaluate(item, context)
            except ScorerFailed as exc:
                self.stats.scorer_errors += 1
                outcome.errors[scorer.name] = ErrorInfo(kind="scorer", message=scrub(str(exc)))
                if exc.details:
                    outcome.details[scorer.name] = json_safe(exc.details)
                continue
            except Exception as exc:  # a scorer bug must not turn into a wrong answer
                self.stats.scorer_errors += 1
                message = f"scorer {scorer.name} failed: {type(exc).__name__}: {exc}"
                outcome.errors[scorer.name] = ErrorInfo(kind="internal", message=scrub(message))
                continue
            outcome.scores.update(scored.values)
            if scored.details:
                outcome.details[scorer.name] = json_safe(scored.details)
            outcome.flags.extend(f for f in scored.flags if f not in outcome.flags)
        return outcome

    def ledger_caller(self, scorer: str, outcome: ScoreOutcome) -> ModelCaller:
        """A judge caller whose spend is written to `outcome.calls[scorer]` (the pairwise stage
        uses one per comparison)."""
        return self._caller_for(scorer, outcome)

    def _caller_for(self, scorer: str, outcome: ScoreOutcome) -> ModelCaller:
        caller = self.caller
        assert caller is not None

        async def call(backend: str, request: Request) -> Response:
            backend_name = backend
            judge = self.judges.get(backend_name)
            if judge is None:
                known = ", ".join(sorted(self.judges)) or "none"
                raise ScorerFailed(f"judge backend {backend_name!r} is not configured (judges: {known})")
            started = time.perf_counter()
            result = await caller.call(judge, request)
            ledger = outcome.calls.setdefault(scorer, ScorerCalls(backend=backend_name))
            ledger.calls += 1
            ledger.cached += int(result.cached)
            if result.cached:
                self.stats.judge_cache_hits += 1
            elif result.sent:
                self.stats.judge_requests += 1
                ledger.latency_s += time.perf_counter() - started
            ledger.usage = ledger.usage.plus(result.response.usage)
            if result.sent and result.cost_usd is None and result.response.error is None:
                ledger.cost_usd = None  # unknown stays unknown
            elif ledger.cost_usd is not None:
                ledger.cost_usd += result.cost_usd or 0.0
            if not result.cached:
                ledger.spent_usd += result.cost_usd or 0.0
            return result.response

        return call
