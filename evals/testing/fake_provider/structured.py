"""Structured answers on the fake provider's wire: a forced Anthropic tool call answered with a
`tool_use` block whose input is the answer's JSON (a model that ignores the tool, or answers
something that is not a JSON object, answers in a text block instead, as a real one may)."""

from __future__ import annotations

import json
import uuid
from typing import Any


def forced_tool_name(body: dict[str, Any]) -> str | None:
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "tool":
        name = choice.get("name")
        if not any(isinstance(t, dict) and t.get("name") == name for t in body.get("tools") or []):
            from evals.testing.fake_provider.request import BadRequest

            raise BadRequest(f"tool_choice names {name!r}, which is not among the tools")
        return str(name)
    return None


def anthropic_tool_use(message: dict[str, Any], body: dict[str, Any], answer: str) -> dict[str, Any]:
    """`message` (a Messages API body) with its text block turned into the forced tool's call."""
    name = forced_tool_name(body)
    if name is None:
        return message
    try:
        value = json.loads(answer)
    except ValueError:
        return message
    if not isinstance(value, dict):
        return message
    block = {"type": "tool_use", "id": f"toolu_fake{uuid.uuid4().hex[:16]}", "name": name, "input": value}
    return {**message, "content": [block], "stop_reason": "tool_use"}
