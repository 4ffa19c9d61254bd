"""The gate's result as JUnit XML: one <testcase> per check (a rule applied to one match).

Regressions and crossed bounds are <failure>s (type `regression` / `bound`). Inconclusive checks
are <skipped> (the test could not decide), or <failure type="inconclusive"> with --strict,
where they fail the build. The numbers of each check are in its <system-out>.
"""

from __future__ import annotations

import re
import socket
import time
import xml.etree.ElementTree as ET

from evals.gate.evaluate import Check, GateResult

SUITE = "run-eval gate"
# Characters XML 1.0 cannot hold at all (escaping does not help): model output may contain them.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _details(check: Check) -> str:
    lines = [f"{check.verdict}: {check.decision.message}"]
    lines += [f"note: {n}" for n in check.notes]
    if check.delta is not None and check.delta.changed:
        worse = [c.sample_id for c in check.delta.changed if c.worse][:20]
        if worse:
            lines.append("samples that got worse: " + ", ".join(worse))
    return _clean("\n".join(lines))


def _testcase(check: Check, strict: bool) -> ET.Element:
    case = ET.Element(
        "testcase",
        {
            "classname": _clean(f"gate.{check.rule.name or f'rule{check.index + 1}'}"),
            "name": _clean(f"{check.name} ({check.bound_text()})"),
            "time": f"{check.seconds:.3f}",
        },
    )
    message = _clean(check.decision.message)
    if check.verdict in ("regression", "fail"):
        kind = "regression" if check.verdict == "regression" else "bound"
        ET.SubElement(case, "failure", {"message": message, "type": kind}).text = _details(check)
    elif check.verdict == "inconclusive":
        if strict:
            ET.SubElement(case, "failure", {"message": message, "type": "inconclusive"}).text = _details(
                check
            )
        else:
            ET.SubElement(case, "skipped", {"message": f"inconclusive: {message}"}).text = _details(check)
    ET.SubElement(case, "system-out").text = _details(check)
    return case


def render_junit(result: GateResult) -> str:
    cases = [_testcase(c, result.strict) for c in result.checks]
    failures = sum(1 for c in cases if c.find("failure") is not None)
    skipped = sum(1 for c in cases if c.find("skipped") is not None)
    total_time = f"{sum(c.seconds for c in result.checks):.3f}"
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0", "skipped": str(skipped)}
    root = ET.Element("testsuites", {"name": SUITE, **counts, "time": total_time})
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": f"{SUITE}: {result.rules.path.name}",
            **counts,
            "time": total_time,
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
            "hostname": socket.gethostname() or "localhost",
        },
    )
    properties = ET.SubElement(suite, "properties")
    spec = result.rules.model
    for name, value in (
        ("run", _clean(result.current.label)),
        ("baseline", _clean(result.baseline.label) if result.baseline else ""),
        ("confidence", str(spec.confidence)),
        ("resamples", str(spec.resamples)),
        ("seed", str(spec.seed)),
        ("strict", str(result.strict).lower()),
    ):
        ET.SubElement(properties, "property", {"name": name, "value": value})
    suite.extend(cases)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
