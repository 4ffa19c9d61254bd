"""What the gate writes: JUnit XML that validates, a Markdown table that renders, rules errors
that point at the line."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from synth import ACC, binary_pair, record, rules_file, score_records, write_run

from evals.baseline import load_scores
from evals.errors import InputError
from evals.gate import GateResult, evaluate, load_rules
from evals.gate.junit import render_junit
from evals.gate.markdown import render_markdown

RULES = """\
baseline: base
rules:
  - {name: no drop, task: t, backend: m, metric: acc, max_drop: 0.02}
  - {name: floor, task: t, backend: m, metric: acc, min: 0.9}
  - {name: wobble, task: u, backend: m, metric: acc, max_drop: 0.0}
  - {name: spend, task: "*", backend: "*", metric: cost_usd, max: 5}
"""


def result(tmp_path: Path, *, strict: bool = False) -> GateResult:
    base_t, cur_t = binary_pair(1000, right=800, lost=70, gained=20)
    base_u, cur_u = binary_pair(40, right=30, lost=2, gained=1, seed=3)
    weird = {"prediction": 'a | b <script>alert("x")</script>'}
    base = score_records(base_t) + [r.model_copy(update={"task": "u"}) for r in score_records(base_u)]
    cur = score_records(cur_t, **weird) + [
        r.model_copy(update={"task": "u"}) for r in score_records(cur_u, **weird)
    ]
    metrics = {"t": [ACC], "u": [ACC]}
    write_run(tmp_path / "base", base, metrics)
    write_run(tmp_path / "cur", cur, metrics)
    rules = load_rules(rules_file(tmp_path / "gates.yaml", RULES))
    return evaluate(rules, load_scores(tmp_path / "cur"), load_scores(tmp_path / "base"), strict=strict)


def test_junit_xml_has_the_required_structure_and_one_case_per_check(tmp_path: Path) -> None:
    gate = result(tmp_path)
    root = ET.fromstring(render_junit(gate))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    for attribute in ("name", "tests", "failures", "errors", "skipped", "time", "timestamp"):
        assert suite.get(attribute) is not None, attribute
    cases = suite.findall("testcase")
    # four rules; the glob rule matches two cells (t and u), so five checks
    assert len(cases) == len(gate.checks) == 5
    for case in cases:
        assert case.get("classname") and case.get("name")
        float(case.get("time") or "x")
    assert int(suite.get("tests") or -1) == len(cases)
    failures = [c for c in cases if c.find("failure") is not None]
    skipped = [c for c in cases if c.find("skipped") is not None]
    assert int(suite.get("failures") or -1) == len(failures) == 2  # the 5-point drop, the 0.9 floor
    assert int(suite.get("skipped") or -1) == len(skipped) == 1  # the wobble
    assert suite.get("errors") == "0"
    types = sorted(c.find("failure").get("type") for c in failures)  # type: ignore[union-attr]
    assert types == ["bound", "regression"]
    assert {c.get("classname") for c in cases} == {"gate.no drop", "gate.floor", "gate.wobble", "gate.spend"}
    names = {p.get("name") for p in suite.iter("property")}
    assert {"run", "baseline", "confidence", "seed"} <= names


def test_strict_junit_turns_inconclusive_into_a_failure(tmp_path: Path) -> None:
    suite = ET.fromstring(render_junit(result(tmp_path, strict=True))).find("testsuite")
    assert suite is not None and suite.get("skipped") == "0" and suite.get("failures") == "3"
    assert any(f.get("type") == "inconclusive" for f in suite.iter("failure"))


def _table_rows(markdown: str) -> list[list[str]]:
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| verdict"))
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append(line)
    assert re.fullmatch(r"\|( --- \|)+", table[1]), table[1]
    return [re.split(r"(?<!\\)\|", line)[1:-1] for line in table]


def test_markdown_is_a_well_formed_table_with_failures_first(tmp_path: Path) -> None:
    text = render_markdown(result(tmp_path))
    assert text.startswith("## Evaluation gate: ❌ failed")
    rows = _table_rows(text)
    header, body = rows[0], rows[2:]
    assert len(body) == 5
    assert all(len(row) == len(header) for row in rows)
    assert [row[0].strip() for row in body] == [
        "❌ regression",
        "❌ bound crossed",
        "⚠️ inconclusive",
        "✅ pass",
        "✅ pass",
    ]
    assert "<script>" not in text and "&lt;script&gt;" in text  # answers are escaped
    assert "samples got worse" in text


def test_rules_file_errors_name_the_line_and_the_fix(tmp_path: Path) -> None:
    bad_key = rules_file(
        tmp_path / "a.yaml", "rules:\n  - task: t\n    backend: m\n    metric: acc\n    maxdrop: 1\n"
    )
    with pytest.raises(InputError) as info:
        load_rules(bad_key)
    assert info.value.line == 5 and "maxdrop" in str(info.value) and "max_drop" in (info.value.fix or "")
    both = rules_file(
        tmp_path / "b.yaml", "rules:\n  - {task: t, backend: m, metric: acc, min: 1, max_drop: 0.1}\n"
    )
    with pytest.raises(InputError, match="either min/max"):
        load_rules(both)
    write_run(tmp_path / "cur", [record("s1")], {"t": [ACC]})
    nothing = load_rules(
        rules_file(
            tmp_path / "c.yaml",
            "rules:\n  - {task: t, backend: m, metric: acc, min: 0}\n  - {task: nope, backend: m, metric: acc, min: 0}\n",
        )
    )
    with pytest.raises(InputError) as info:
        evaluate(nothing, load_scores(tmp_path / "cur"), None)
    assert info.value.line == 3 and "matches no task" in str(info.value)
    needs_baseline = load_rules(
        rules_file(tmp_path / "d.yaml", "rules:\n  - {task: t, backend: m, metric: acc, max_drop: 0}\n")
    )
    with pytest.raises(InputError, match="baseline"):
        evaluate(needs_baseline, load_scores(tmp_path / "cur"), None)


def test_junit_stays_parseable_with_characters_xml_cannot_hold(tmp_path: Path) -> None:
    write_run(tmp_path / "cur", [record("s\x01", scores={"acc": 1.0})], {"t": [ACC]})
    rules = load_rules(
        rules_file(
            tmp_path / "g.yaml",
            'rules:\n  - {name: "escape\\e", task: t, backend: m, metric: acc, max: 0.5}\n',
        )
    )
    gate = evaluate(rules, load_scores(tmp_path / "cur"), None)
    case = ET.fromstring(render_junit(gate)).find("testsuite/testcase")
    assert case is not None and case.get("classname") == "gate.escape\ufffd"
    assert case.find("failure") is not None
