"""Structured output by tool use (Anthropic): the schema becomes the input schema of one tool the
model is made to call, and the tool call's input is the answer, as JSON text."""

from __future__ import annotations

import json
from typing import Any

TOOL_NAME = "record_answer"


def forced_tool(schema: dict[str, Any], name: str = TOOL_NAME) -> dict[str, Any]:
    """`tools` and `tool_choice` that make the model answer by calling the one tool."""
    tool = {"name": name, "description": "Record the answer, as structured data.", "input_schema": schema}
    return {"tools": [tool], "tool_choice": {"type": "tool", "name": name}}


def tool_answer(blocks: Any, name: str = TOOL_NAME) -> str | None:
    """The input of the model's call of the tool as JSON text; None when it did not call it."""
    for block in blocks or []:
        if getattr(block, "type", None) == "tool_use" and getattr(block, "name", None) == name:
            return json.dumps(block.input, ensure_ascii=False)
    return None
