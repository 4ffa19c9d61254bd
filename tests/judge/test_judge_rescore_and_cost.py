"""Rescoring with a changed rubric asks only the judge (nothing when cached); judge cost in
--dry-run and the budget check; the verdict parser's strictness."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from counting_backend import calls_in
from judge_support import describe_task, judge_backend, judged_config
from rich.console import Console
from runs import counting, options

from evals.cli.dry_run import print_plan
from evals.errors import InputError
from evals.estimate import check_budget, estimate_plan
from evals.plan import make_plan
from evals.rescore import RescoreOptions, rescore
from evals.scorers.judge import VerdictError, parse_verdict
from evals.session import start_run
from evals.testing.fake_provider import FakeJudge, FakeProvider


def _scorers(template: str) -> list[object]:
    return [
        {"name": "judge", "options": {"template": template}},
        {"name": "judge_pairwise", "options": {"rubric": "faithfulness"}},
    ]


RUBRIC = "Scene: <scene>{{ metadata.scene }}</scene> Answer: <answer>{{ answer }}</answer> Grade it."


def test_rescore_with_a_changed_rubric_asks_only_the_judge(tmp_path: Path) -> None:
    calls = tmp_path / "calls.txt"
    task = describe_task(tmp_path, _scorers(RUBRIC))
    backends = [
        counting("model", calls_file=str(calls), answer="a red circle"),
        {"name": "oracle", "type": "oracle"},
    ]
    with FakeProvider(answer=FakeJudge()) as fake:
        outcome = start_run(
            judged_config([task], fake, backends=backends, limit=10), tmp_path, options(tmp_path)
        )
        models_before = sum(calls_in(calls).values())
        judged_before = fake.state.requests()
        assert models_before == 10 and judged_before == 20 + 20  # pointwise 2×10, pairwise 2×10
        task.write_text(task.read_text().replace("Grade it.", "Grade it strictly."))
        first = rescore(outcome.rundir.path, RescoreOptions())
        # The changed rubric is a new judge request for every answer; the pairwise rubric did not
        # change, so its comparisons come from the cache.
        assert fake.state.requests() - judged_before == 20 and first.judge_requests == 20
        assert first.judge_cache_hits == 20
        again = rescore(outcome.rundir.path, RescoreOptions())
        assert fake.state.requests() - judged_before == 20 and again.judge_requests == 0
        assert again.judge_cache_hits == 40
    assert sum(calls_in(calls).values()) == models_before  # not one request to the models under test
    pairwise = outcome.rundir.read_pairwise()
    assert len(pairwise) == 10 and all(r.calls.cached == 2 for r in pairwise)
    assert {j.scorer for j in again.summary.judging} == {"judge", "judge_pairwise"}
    info = json.loads((outcome.rundir.path / "run.json").read_text())
    options_now = info["tasks"][0]["scorers"][0]["options"]
    assert "strictly" in options_now["template"]


def test_dry_run_estimates_the_judges_apart_and_the_budget_counts_them(tmp_path: Path) -> None:
    task = describe_task(tmp_path, _scorers(RUBRIC))
    with FakeProvider(answer=FakeJudge()) as fake:
        config = judged_config([task], fake, limit=10)  # oracle and majority: the models cost nothing
        plan = make_plan(config, tmp_path, check_backends=False)
        estimate = estimate_plan(plan, limit=10)
        console = Console(record=True, width=200)
        print_plan(config, tmp_path, console=console)
    assert all(c.usd == 0.0 for c in estimate.cells)
    [judging] = estimate.judges
    # Per sample: one pointwise request per backend (2) and both orders of the one pair (2).
    assert judging.samples == 10 * 4 and judging.backend == "judge" and judging.model == "gpt-4o-mini"
    assert judging.image_tokens > 0  # the judge sees the scene image
    assert judging.usd is not None and judging.usd > 0
    assert estimate.known_usd == pytest.approx(judging.usd) and estimate.judge_usd == pytest.approx(
        judging.usd
    )
    text = console.export_text()
    assert "judges (apart from the models under test" in text and "judging total" in text
    with pytest.raises(InputError, match="over the budget"):
        check_budget(estimate, judging.usd / 2)  # only the judges cost anything here


@pytest.mark.parametrize(
    ("text", "mode", "why"),
    [
        ("The answer is good.", "pointwise", "not a JSON object"),
        ('{"score": "4", "reason": "x"}', "pointwise", "must be an integer"),
        ('{"score": 4.5, "reason": "x"}', "pointwise", "must be an integer"),
        ('{"score": 7, "reason": "x"}', "pointwise", "off the scale"),
        ('{"score": true, "reason": "x"}', "pointwise", "must be an integer"),
        ('{"score": 4}', "pointwise", "no 'reason'"),
        ('{"pass": "yes", "reason": "x"}', "pass_fail", "true or false"),
        ('{"winner": "A", "reason": "x"}', "pairwise", "'winner' must be"),
        ('["score", 4]', "pointwise", "not a JSON object"),
        ("", "pointwise", "empty"),
    ],
)
def test_the_verdict_parser_is_strict(text: str, mode: str, why: str) -> None:
    with pytest.raises(VerdictError, match=why):
        parse_verdict(text, mode, (1, 5))  # type: ignore[arg-type]


def test_the_verdict_parser_reads_well_formed_verdicts() -> None:
    assert parse_verdict('{"score": 4, "reason": "ok"}', "pointwise", (1, 5)).score == 4
    fenced = '```json\n{"pass": false, "reason": "invented a star"}\n```'
    assert parse_verdict(fenced, "pass_fail", (1, 5)).passed is False
    assert parse_verdict('{"winner": "2", "reason": "r"}', "pairwise", (1, 5)).winner == "second"


def test_bad_judge_options_are_input_errors(tmp_path: Path) -> None:
    from evals.scoring import build_scorer

    with pytest.raises(InputError, match="judge or judges"):
        build_scorer("judge", {"judge": "a", "judges": ["b"]})
    with pytest.raises(InputError, match="not found"):
        build_scorer("judge", {"rubric": "no-such-rubric"})
    with pytest.raises(InputError, match="always mode pairwise"):
        build_scorer("judge_pairwise", {"mode": "pointwise"})
    assert judge_backend  # the helper module is shared with the other judge tests
