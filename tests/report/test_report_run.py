"""The report written at the end of every run: files, plots, best backends, samples, errors."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from PIL import Image
from report_helpers import copy_run, load

from evals.report import ReportOptions, write_report
from evals.report.context import build_report
from evals.rundata import RunInfo, Summary, SummaryCell, TaskInfo

OVERVIEW_PLOTS = {"scores.png", "cost_vs_score.png", "latency.png", "cost_by_modality.png"}
BREAKDOWN_PLOTS = {"breakdown-shapes-count.png", "breakdown-shapes-colour.png", "breakdown-tones-noise.png"}


def test_the_run_writes_report_files_and_plots(run_dir: Path) -> None:
    assert (run_dir / "report.md").stat().st_size > 1000
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    plots = {p.name: p.read_bytes() for p in (run_dir / "plots").glob("*.png")}
    assert set(plots) == OVERVIEW_PLOTS | BREAKDOWN_PLOTS
    for name, png in plots.items():
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and image.width >= 400 and image.height >= 150, name
        assert base64.b64encode(png).decode() in html, f"{name} is not embedded in report.html"
        assert b"Software" not in png[:4096], "PNG metadata would change with the matplotlib version"


def test_reports_and_plots_are_deterministic(run_dir: Path, tmp_path: Path) -> None:
    run, summary, records = load(run_dir)
    write_report(tmp_path, run, summary, records)
    for name in OVERVIEW_PLOTS | BREAKDOWN_PLOTS:
        assert (tmp_path / "plots" / name).read_bytes() == (run_dir / "plots" / name).read_bytes(), name
    assert (tmp_path / "report.md").read_text() == (run_dir / "report.md").read_text()
    assert (tmp_path / "report.html").read_text() == (run_dir / "report.html").read_text()


def test_models_are_crowned_over_baselines_in_the_metric_direction(run_dir: Path) -> None:
    report = build_report(*load(run_dir), ReportOptions(media=False))
    best = {s.name: s.ranking.best for s in report.tasks}
    # The oracle scores higher on every task, but a baseline is not crowned over a model.
    assert {task: b.backend for task, b in best.items() if b} == {
        "shapes": "model-a",
        "tones": "model-a",  # edit_rate: lower is better
        "answers": "model-d",
    }
    tones = report.tasks[1].ranking
    assert not tones.higher_is_better and [s.backend for s in tones.standings][:2] == ["oracle", "model-a"]
    shapes = {s.backend: s for s in report.tasks[0].ranking.standings}
    assert shapes["model-a"].error_rate == pytest.approx(1 / 16)  # within max_error_rate 0.1
    assert shapes["engine-c"].on_front and shapes["model-a"].on_front and not shapes["oracle"].on_front
    md = (run_dir / "report.md").read_text()
    assert re.search(r"^\| shapes \| exact\\_match ↑ \|.*\*\*0\.867 ★\*\*", md, re.M)
    assert "best: model-a (exact\\_match 0.867)" in md


def test_unknown_cost_is_named_and_never_on_the_front(run_dir: Path) -> None:
    report = build_report(*load(run_dir), ReportOptions(media=False))
    answers = {s.backend: s for s in report.tasks[2].ranking.standings}
    assert answers["model-d"].cost_per_sample is None and not answers["model-d"].on_front
    rows = {r[1].text: r for r in report.tasks[2].leaderboard.rows}
    assert rows["model-d"][-5].text == "unknown"
    assert "unknown for 1 task × backend cells" in (run_dir / "report.md").read_text()


def test_surprising_and_worst_samples(run_dir: Path) -> None:
    report = build_report(*load(run_dir), ReportOptions(media=False))
    shapes, tones, answers = report.tasks
    # model-a (best) was wrong on s03 (injected markup) and s05, where model-b answered right.
    assert [v.sample_id for v in shapes.surprising] == ["s03", "s05"]
    assert "weaker model-b, engine-c scored better" in shapes.surprising[0].why
    assert [v.sample_id for v in tones.surprising] == ["a2"]  # engine-c right where model-a was not
    assert [v.sample_id for v in answers.surprising] == ["q5"]
    shown = {v.sample_id for v in shapes.surprising}
    assert shapes.worst and not shown & {v.sample_id for v in shapes.worst}
    assert all("mean exact_match over 3 backends" in v.why for v in shapes.worst)


def test_previews_are_small_data_uris(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    thumbs = re.findall(r'<img src="data:image/(?:png|jpeg);base64,([^"]+)" alt="image of sample', html)
    assert len(thumbs) >= 5
    for encoded in thumbs:
        data = base64.b64decode(encoded)
        assert len(data) <= 40_000 and max(Image.open(io.BytesIO(data)).size) <= 240
    clips = re.findall(r'<audio controls preload="none" src="data:audio/ogg;base64,([^"]+)"', html)
    waves = re.findall(r'<img src="data:image/png;base64,[^"]+" alt="audio of sample', html)
    assert clips and len(waves) >= len(clips)
    import soundfile as sf

    for encoded in clips:
        data = base64.b64decode(encoded)
        info = sf.info(io.BytesIO(data))
        assert len(data) <= 64_000 and info.samplerate == 16000 and info.duration <= 6.01


def test_media_budget_bounds_the_previews(run_dir: Path, tmp_path: Path) -> None:
    run, summary, records = load(run_dir)
    write_report(tmp_path, run, summary, records, ReportOptions(media_budget_bytes=1, plots=False))
    html = (tmp_path / "report.html").read_text()
    assert "data:image" not in html and "data:audio" not in html
    assert "media budget is spent" in html and "left out to keep the report small" in html


def test_errors_are_tabled_with_kind_count_and_escaped_examples(run_dir: Path) -> None:
    md = (run_dir / "report.md").read_text()
    assert (
        "| shapes | model-a | bad\\_request | 1 | s09: image too large for model-a &lt;b&gt;(413)&lt;/b&gt; |"
        in md
    )
    html = (run_dir / "report.html").read_text()
    assert "s09: image too large for model-a &lt;b&gt;(413)&lt;/b&gt;" in html


def test_classification_report_is_shown(run_dir: Path) -> None:
    report = build_report(*load(run_dir), ReportOptions(media=False))
    tables = {title: (scores, confusion) for title, scores, confusion in report.tasks[2].classification}
    scores, confusion = tables["model-a · label_accuracy"]
    assert [r[0].text for r in confusion.rows] == ["(unparsed)", "no", "yes"]
    # q3 (no) answered yes, q7 garbled: reference "no" row is [1 unparsed, 3 no, 1 yes].
    assert [c.text for c in confusion.rows[1][1:]] == ["1", "3", "1"]
    assert "macro F1" in scores.caption
    assert "Classification report" in (run_dir / "report.html").read_text()


def test_configuration_and_versions_are_reported(run_dir: Path) -> None:
    md = (run_dir / "report.md").read_text()
    for text in (
        "### Versions",
        "| pydantic |",
        "| max\\_error\\_rate | 0.1 |",
        "| model-a | model | fake-model | provider | big |",
    ):
        assert text in md
    assert "git commit" in md


def test_a_run_without_results_still_gets_a_report(tmp_path: Path) -> None:
    run = RunInfo(run_id="empty", tasks=[TaskInfo(name="t", backends=["b"])])
    summary = Summary(cells=[SummaryCell(task="t", backend="b")])
    written = write_report(tmp_path, run, summary, [])
    assert {p.name for p in written} == {"report.md", "report.html"}
    assert "no metric: nothing is ranked" in (tmp_path / "report.html").read_text()


def test_report_keeps_only_its_own_plots(run_dir: Path, tmp_path: Path) -> None:
    out = copy_run(run_dir, tmp_path / "run")
    (out / "plots" / "breakdown-gone-field.png").write_bytes(b"old")
    run, summary, records = load(out)
    write_report(out, run, summary, records, ReportOptions(media=False))
    assert not (out / "plots" / "breakdown-gone-field.png").exists()
