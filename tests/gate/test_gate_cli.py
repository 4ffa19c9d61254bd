"""`run-eval gate` and `run-eval baseline` from the command line: exit codes and files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from synth import ACC, WER, binary_pair, ids, record, rules_file, score_records, write_run

from evals.baseline import load_scores
from evals.cli.main import main


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    """base: 0.80 accuracy on 1000 samples; same: identical; worse: 0.75; wobble: 50 samples."""
    base, worse = binary_pair(1000, right=800, lost=70, gained=20)
    wer = {"wer": {"errors": 1, "words": 10}}
    extra = {"details": wer, "prediction": "p"}
    write_run(
        tmp_path / "base",
        [r.model_copy(update={"scores": r.scores | {"wer": 0.1}}) for r in score_records(base, **extra)],
        {"t": [ACC, WER]},
    )
    write_run(
        tmp_path / "same",
        [r.model_copy(update={"scores": r.scores | {"wer": 0.1}}) for r in score_records(base, **extra)],
        {"t": [ACC, WER]},
    )
    write_run(
        tmp_path / "worse",
        [r.model_copy(update={"scores": r.scores | {"wer": 0.1}}) for r in score_records(worse, **extra)],
        {"t": [ACC, WER]},
    )
    small_base, small_cur = binary_pair(50, right=40, lost=2, gained=1)
    write_run(tmp_path / "small-base", score_records(small_base), {"t": [ACC]})
    write_run(tmp_path / "small", score_records(small_cur), {"t": [ACC]})
    rules_file(
        tmp_path / "gates.yaml",
        "baseline: base\nrules:\n  - {task: t, backend: m, metric: acc, max_drop: 0.02}\n",
    )
    return tmp_path


def test_exit_codes(runs: Path) -> None:
    rules = str(runs / "gates.yaml")
    assert main(["gate", str(runs / "same"), "--rules", rules, "--quiet"]) == 0
    assert main(["gate", str(runs / "worse"), "--rules", rules, "--quiet"]) == 1
    small = ["gate", str(runs / "small"), "--rules", rules, "--baseline", str(runs / "small-base"), "--quiet"]
    assert main(small) == 0  # inconclusive passes with a warning
    assert main([*small, "--strict"]) == 3
    rules_file(runs / "bad.yaml", "rules:\n  - {task: t, backend: m, metric: acc}\n")
    assert main(["gate", str(runs / "same"), "--rules", str(runs / "bad.yaml")]) == 2
    assert main(["gate", str(runs / "nowhere"), "--rules", rules]) == 2


def test_outputs_are_written(runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = runs / "out"
    code = main(
        [
            "gate",
            str(runs / "worse"),
            "--rules",
            str(runs / "gates.yaml"),
            "--junit",
            str(out / "gate.xml"),
            "--markdown",
            str(out / "gate.md"),
            "--json",
            str(out / "gate.json"),
        ]
    )
    assert code == 1
    assert "REGRESSION" in capsys.readouterr().out
    data = json.loads((out / "gate.json").read_text())
    assert data["outcome"] == "failed" and data["exit_code"] == 1
    check = data["checks"][0]
    assert check["verdict"] == "regression" and check["paired"]["mcnemar"]["lost"] == 70
    assert check["paired"]["n_changed"] == 90 and len(check["paired"]["changed"]) == 50
    assert (out / "gate.xml").read_text().startswith("<?xml")
    assert "❌ regression" in (out / "gate.md").read_text()


def test_baseline_file_round_trip_gives_the_same_verdicts(runs: Path) -> None:
    path = runs / "baselines" / "base.json.gz"
    assert main(["baseline", "save", str(runs / "base"), str(path)]) == 0
    raw = path.read_bytes()
    data = json.loads(gzip.decompress(raw))
    assert data["format"] == "multimodal-evals-baseline" and data["schema_version"] == 1
    assert len(data["samples"]) == 1000 and "prediction" not in data["samples"][0]
    assert data["samples"][0]["parts"] == {"wer": [1.0, 10.0]}
    assert {m["name"] for m in data["tasks"][0]["metrics"]} == {"acc", "wer"}
    assert data["cells"][0]["cost_usd"] == pytest.approx(1.0)
    from_file, from_dir = load_scores(path), load_scores(runs / "base")
    for key, samples in from_dir.samples.items():
        for sample_id, sample in samples.items():
            kept = from_file.samples[key][sample_id]
            assert (kept.status, kept.scores, kept.parts, kept.cost_usd) == (
                sample.status,
                sample.scores,
                sample.parts,
                sample.cost_usd,
            )
            assert kept.prediction is None  # no predictions unless asked
    rules = str(runs / "gates.yaml")
    for candidate, expected in (("same", 0), ("worse", 1)):
        args = ["gate", str(runs / candidate), "--rules", rules, "--quiet"]
        out_file, out_dir = runs / f"{candidate}-file.json", runs / f"{candidate}-dir.json"
        assert main([*args, "--baseline", str(path), "--json", str(out_file)]) == expected
        assert main([*args, "--json", str(out_dir)]) == expected
        by_file, by_dir = json.loads(out_file.read_text()), json.loads(out_dir.read_text())
        numbers = ("n", "diff", "ci_low", "ci_high", "se", "mcnemar", "n_changed")
        assert [by_file["checks"][0]["paired"].get(k) for k in numbers] == [
            by_dir["checks"][0]["paired"].get(k) for k in numbers
        ]
        assert by_file["checks"][0]["verdict"] == by_dir["checks"][0]["verdict"]
    plain = runs / "b.json"
    assert main(["baseline", "save", str(runs / "base"), str(plain), "--predictions"]) == 0
    assert json.loads(plain.read_text())["samples"][0]["prediction"] == "p"
    assert main(["baseline", "save", str(runs / "base"), str(runs / "again.json.gz")]) == 0
    assert (
        gzip.decompress((runs / "again.json.gz").read_bytes()).split(b'"samples"')[1]
        == gzip.decompress(raw).split(b'"samples"')[1]
    )
    assert main(["baseline", "show", str(path)]) == 0


def test_a_damaged_or_foreign_baseline_is_bad_input(runs: Path) -> None:
    (runs / "foreign.json").write_text('{"hello": 1}')
    (runs / "broken.json.gz").write_bytes(b"\x1f\x8b not gzip")
    rules = str(runs / "gates.yaml")
    for name in ("foreign.json", "broken.json.gz"):
        assert main(["gate", str(runs / "same"), "--rules", rules, "--baseline", str(runs / name)]) == 2


def test_errors_in_the_current_run_are_never_scored_as_wrong(runs: Path, tmp_path: Path) -> None:
    records = [record(sid, scores={"acc": 1.0}) for sid in ids(100)]
    failing = [
        record(sid, status="error") if i < 30 else r
        for i, (sid, r) in enumerate(zip(ids(100), records, strict=True))
    ]
    write_run(tmp_path / "b2", records, {"t": [ACC]})
    write_run(tmp_path / "c2", failing, {"t": [ACC]})
    rules = rules_file(
        tmp_path / "g.yaml",
        "baseline: b2\nrules:\n  - {task: t, backend: m, metric: acc, max_drop: 0.0}\n"
        "  - {task: t, backend: m, metric: error_rate, max: 0.01}\n",
    )
    out = tmp_path / "g.json"
    assert main(["gate", str(tmp_path / "c2"), "--rules", str(rules), "--json", str(out), "--quiet"]) == 1
    checks = json.loads(out.read_text())["checks"]
    assert checks[0]["verdict"] == "pass" and checks[0]["paired"]["n"] == 70  # the 30 errors are not "wrong"
    assert checks[0]["alignment"]["unpaired_counts"] == {"ok → error": 30}
    assert checks[1]["verdict"] == "fail"  # the error-rate bound catches them
