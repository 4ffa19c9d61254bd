"""The judge scorer end to end, with the fake provider as the judge: pointwise, pass/fail,
reference-graded and pairwise tasks; malformed verdicts; judge cost apart from the models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from judge_support import TASKS, describe_task, judge_backend, judged_config
from runs import options

from evals.session import start_run
from evals.testing.fake_provider import FakeJudge, FakeProvider


def test_the_describe_task_is_judged_pointwise_and_pairwise(tmp_path: Path) -> None:
    with FakeProvider(answer=FakeJudge()) as fake:
        outcome = start_run(judged_config([TASKS / "describe.yaml"], fake), TASKS, options(tmp_path))
        judge_requests = fake.state.requests()
        bodies = [h for h in fake.state.hits]
    cells = {c.backend: c for c in outcome.summary.cells}
    oracle, majority = cells["oracle"], cells["majority"]
    # The oracle replays the exact description: the fake judge finds nothing invented.
    assert oracle.metrics["judge_faithfulness"].value == pytest.approx(1.0)
    assert oracle.metrics["judge_faithfulness"].n == 20 and oracle.scorer_errors == {}
    assert majority.metrics["judge_faithfulness"].value < 0.6
    ci = majority.metrics["judge_faithfulness"]
    assert ci.ci_low is not None and ci.ci_high is not None and ci.ci_low <= ci.value <= ci.ci_high  # type: ignore[operator]
    # 40 pointwise requests, then 20 samples × 2 orders for the one pair.
    assert judge_requests == 40 + 40 and len(bodies) == 80
    # The judge's cost is apart from the models' (baselines cost nothing).
    assert oracle.cost_usd == 0.0 and oracle.judge is not None and oracle.judge.calls == 20
    assert oracle.judge.cost_usd is not None and oracle.judge.cost_usd > 0
    pairwise = outcome.rundir.read_pairwise()
    assert len(pairwise) == 20 and {(r.backend_a, r.backend_b) for r in pairwise} == {("oracle", "majority")}
    assert all(r.calls.calls == 2 and r.calls.backend == "judge" for r in pairwise)
    judging = {j.scorer: j for j in outcome.summary.judging}
    pair = judging["judge_pairwise"]
    [rate] = pair.win_rates
    assert rate.n == 20 and rate.wins + rate.losses + rate.ties == 20
    assert rate.win_rate is not None and rate.win_rate > 0.8 and rate.ci_low is not None
    assert pair.position_consistency == pytest.approx(1.0)  # this judge reads, it does not pick sides
    assert pair.cost_usd is not None and pair.cost_usd > 0 and pair.calls == 40
    point = judging["judge"]
    assert point.rubric == "faithfulness" and point.models == {"judge": "gpt-4o-mini"}
    assert point.calls == 40 and point.scored == 40 and point.verdict_errors == 0
    summary = json.loads((outcome.rundir.path / "summary.json").read_text())
    assert summary["judging"][1]["win_rates"][0]["backend_a"] == "oracle"


def test_the_judge_sees_the_image_and_is_asked_for_structured_output(tmp_path: Path) -> None:
    seen: list[tuple[int, dict[str, object]]] = []

    def judge(request):  # type: ignore[no-untyped-def]
        seen.append((len(request.images), request.body.get("response_format") or {}))
        return FakeJudge()(request)

    task = describe_task(tmp_path, [{"name": "judge", "options": {"rubric": "faithfulness"}}])
    with FakeProvider(answer=judge) as fake:
        start_run(
            judged_config([task], fake, backends=[{"name": "oracle", "type": "oracle"}], limit=3),
            tmp_path,
            options(tmp_path),
        )
    assert len(seen) == 3
    for images, response_format in seen:
        assert images == 1  # the sample's image, as an image part
        assert response_format["type"] == "json_schema"  # type: ignore[index]
        schema = response_format["json_schema"]["schema"]  # type: ignore[index]
        assert schema["required"] == ["score", "reason"]


@pytest.mark.parametrize(
    ("mode", "metric", "oracle_value"),
    [("pass_fail", "judge_faithfulness_pass", 1.0), ("reference", "judge_correctness", 1.0)],
)
def test_pass_fail_and_reference_modes_run_end_to_end(
    tmp_path: Path, mode: str, metric: str, oracle_value: float
) -> None:
    rubric = "faithfulness" if mode == "pass_fail" else "correctness"
    task = describe_task(tmp_path, [{"name": "judge", "options": {"mode": mode, "rubric": rubric}}])
    with FakeProvider(answer=FakeJudge()) as fake:
        outcome = start_run(judged_config([task], fake), tmp_path, options(tmp_path))
    cells = {c.backend: c for c in outcome.summary.cells}
    assert cells["oracle"].metrics[metric].value == pytest.approx(oracle_value)
    assert cells["oracle"].metrics[metric].n == 20
    assert cells["majority"].metrics[metric].value < oracle_value  # type: ignore[operator]
    record = next(r for r in outcome.rundir.records() if r.backend == "majority")
    assert "fake judge" in str(record.details["judge"]["reason"])  # the reason is journaled


def test_malformed_verdicts_are_scorer_errors_with_reasons_never_zeros(tmp_path: Path) -> None:
    task = describe_task(tmp_path, [{"name": "judge", "options": {"rubric": "faithfulness"}}])
    with FakeProvider(answer=FakeJudge(malformed=0.3, seed=7)) as fake:
        outcome = start_run(
            judged_config([task], fake, backends=[{"name": "oracle", "type": "oracle"}], limit=40),
            tmp_path,
            options(tmp_path),
        )
    [cell] = outcome.summary.cells
    failed = [r for r in outcome.rundir.records() if "judge" in r.scorer_errors]
    assert 5 <= len(failed) <= 20  # about 30% of 40, drawn per request from the seed
    assert cell.scorer_errors == {"judge": len(failed)} and cell.n_errors == 0  # apart from model errors
    metric = cell.metrics["judge_faithfulness"]
    assert metric.n == 40 - len(failed) and metric.value == pytest.approx(1.0)  # no zero slipped in
    for record in failed:
        error = record.scorer_errors["judge"]
        assert error.kind == "scorer" and "unparseable verdict" in error.message
        assert "judge_faithfulness" not in record.scores
        assert record.details["judge"]["reason"] == error.message
    assert {f.verdict_errors for f in outcome.summary.judging} == {len(failed)}
    html = (outcome.rundir.path / "report.html").read_text()
    assert "unparseable verdict" in html or len(failed) == 0


def test_several_judges_report_their_agreement(tmp_path: Path) -> None:
    from evals.agreement import krippendorff_alpha

    lenient = FakeJudge(pass_at=0.0)  # passes everything

    def two_judges(request):  # type: ignore[no-untyped-def]
        return FakeJudge()(request) if request.model == "judge-a" else lenient(request)

    task = describe_task(
        tmp_path,
        [{"name": "judge", "options": {"mode": "pass_fail", "rubric": "faithfulness", "judges": ["a", "b"]}}],
    )
    with FakeProvider(answer=two_judges) as fake:
        judges = [judge_backend(fake, "a", "judge-a"), judge_backend(fake, "b", "judge-b")]
        outcome = start_run(judged_config([task], fake, judges=judges, limit=30), tmp_path, options(tmp_path))
    [summary] = outcome.summary.judging
    [alpha] = [f for f in summary.agreement if f.statistic == "krippendorff_alpha"]
    records = [r for r in outcome.rundir.records()]
    matrix = [[r.details["judge"]["verdicts"][j]["value"] for r in records] for j in ("a", "b")]  # type: ignore[index, call-overload]
    assert alpha.value == pytest.approx(krippendorff_alpha(matrix, level="nominal"))
    assert alpha.n == 60 and alpha.against == "judges"
    assert summary.disagreements and all(set(d.values) == {"a", "b"} for d in summary.disagreements)


def test_the_report_has_a_judge_section_with_the_win_rate_heatmap(tmp_path: Path) -> None:
    task = describe_task(
        tmp_path,
        [
            {"name": "judge", "options": {"rubric": "faithfulness"}},
            {"name": "judge_pairwise", "options": {"rubric": "faithfulness"}},
        ],
    )
    with FakeProvider(answer=FakeJudge(malformed=0.2, seed=2)) as fake:
        outcome = start_run(judged_config([task], fake, limit=10), tmp_path, options(tmp_path))
    folder = outcome.rundir.path
    html = (folder / "report.html").read_text()
    markdown = (folder / "report.md").read_text()
    assert '<section id="judges">' in html and "Pairwise win rates" in html
    assert "judging cost (apart from the models)" in html and "position consistency" in html
    assert "gpt-4o-mini" in html and "faithfulness" in html
    assert (folder / "plots" / "pairwise-scenes-judge_pairwise.png").is_file()
    assert "pairwise win rates" in html.lower() and "pairwise-scenes-judge_pairwise.png" in html
    assert "## Judges" in markdown and "win rate of A" in markdown
    assert "judge cost" in markdown  # the leaderboard's own column, apart from the models' cost
