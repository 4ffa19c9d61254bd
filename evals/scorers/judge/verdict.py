"""A judge's verdict: the JSON it is asked for, the schema sent as structured output where the
provider supports it, and the strict parser that reads it.

A verdict is one JSON object with the judgement and a short reason:
- pointwise and reference: {"score": <integer on the scale>, "reason": "..."}
- pass_fail: {"pass": true | false, "reason": "..."}
- pairwise: {"winner": "1" | "2" | "tie", "reason": "..."}

Anything else (prose, a missing key, a score off the scale, a number given as a string) is not a
verdict: the parser raises `VerdictError` with what was wrong, and the sample is not scored
(never scored 0). A single Markdown code fence around the object is tolerated, since models
that have no structured output often add one; nothing else is guessed.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Literal

from evals.values import safe_text

Mode = Literal["pointwise", "pass_fail", "reference", "pairwise"]
MODES: tuple[Mode, ...] = ("pointwise", "pass_fail", "reference", "pairwise")
REASON_CHARS = 500
_FENCE = re.compile(r"^```(?:json)?\s*\n?(.*?)\n?```$", re.DOTALL)


class VerdictError(ValueError):
    """The judge's answer is not a verdict; the message says why."""


@dataclass(frozen=True, slots=True)
class Verdict:
    reason: str
    score: int | None = None  # pointwise, reference: on the scale
    passed: bool | None = None  # pass_fail
    winner: Literal["first", "second", "tie"] | None = None  # pairwise

    @property
    def value(self) -> float | str | None:
        """The judgement as one value (for agreement statistics and reports)."""
        if self.score is not None:
            return float(self.score)
        if self.passed is not None:
            return 1.0 if self.passed else 0.0
        return self.winner


def _key(mode: Mode) -> str:
    return {"pass_fail": "pass", "pairwise": "winner"}.get(mode, "score")


def verdict_schema(mode: Mode, scale: tuple[int, int]) -> dict[str, Any]:
    """The JSON schema of a verdict (strict-mode compatible: every key required, no others)."""
    judgement: dict[str, Any]
    if mode == "pass_fail":
        judgement = {"type": "boolean"}
    elif mode == "pairwise":
        judgement = {"type": "string", "enum": ["1", "2", "tie"]}
    else:
        judgement = {"type": "integer", "minimum": scale[0], "maximum": scale[1]}
    key = _key(mode)
    return {
        "type": "object",
        "properties": {key: judgement, "reason": {"type": "string"}},
        "required": [key, "reason"],
        "additionalProperties": False,
    }


def format_instruction(mode: Mode, scale: tuple[int, int]) -> str:
    """The closing line of every judge prompt: how to answer."""
    if mode == "pass_fail":
        shape = '{"pass": true or false, "reason": "<one short sentence>"}'
    elif mode == "pairwise":
        shape = '{"winner": "1" or "2" or "tie", "reason": "<one short sentence>"}'
    else:
        shape = f'{{"score": <an integer from {scale[0]} to {scale[1]}>, "reason": "<one short sentence>"}}'
    return f"Reply with only this JSON object and nothing else: {shape}"


def parse_verdict(text: str, mode: Mode, scale: tuple[int, int]) -> Verdict:
    """The verdict in a judge's answer, or VerdictError saying why there is none."""
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1).strip()
    if not body:
        raise VerdictError("the judge's answer is empty")
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        raise VerdictError(f"not a JSON object: {_excerpt(text)}") from None
    if not isinstance(data, dict):
        raise VerdictError(f"not a JSON object: {_excerpt(text)}")
    key = _key(mode)
    if key not in data:
        raise VerdictError(f"no {key!r} in the verdict: {_excerpt(text)}")
    reason = data.get("reason")
    if not isinstance(reason, str):
        raise VerdictError(f"no 'reason' text in the verdict: {_excerpt(text)}")
    reason = safe_text(reason.strip())[:REASON_CHARS]
    value = data[key]
    if mode == "pass_fail":
        if not isinstance(value, bool):
            raise VerdictError(f"'pass' must be true or false, not {_excerpt(json.dumps(value))}")
        return Verdict(reason, passed=value)
    if mode == "pairwise":
        if value not in ("1", "2", "tie"):
            raise VerdictError(f'\'winner\' must be "1", "2" or "tie", not {_excerpt(json.dumps(value))}')
        return Verdict(reason, winner={"1": "first", "2": "second", "tie": "tie"}[value])  # type: ignore[arg-type]
    low, high = scale
    numeric = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not numeric or value != int(value):
        raise VerdictError(
            f"'score' must be an integer from {low} to {high}, not {_excerpt(json.dumps(value))}"
        )
    if not low <= value <= high:
        raise VerdictError(f"'score' {int(value)} is off the scale {low}-{high}")
    return Verdict(reason, score=int(value))


def _excerpt(text: str, limit: int = 80) -> str:
    flat = " ".join(safe_text(text).split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "…")
