"""Anthropic's streamed Messages (`stream: true`): the server-sent events the SDK's
`messages.stream` reads — message_start (with the prompt's usage), a text content block in a
few deltas, message_delta (stop reason, output tokens), message_stop."""

from __future__ import annotations

import json
import math
from typing import Any

from evals.testing.fake_provider.anthropic_api import message_body
from evals.testing.fake_provider.request import FakeRequest


def message_stream(req: FakeRequest, answer: str, cached: int) -> list[bytes]:
    whole = message_body(req, answer, cached)
    usage = whole["usage"]
    start = {**whole, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
    step = max(1, math.ceil(len(answer) / 3))
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": start}),
        (
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ),
    ]
    for i in range(0, len(answer), step):
        delta = {"type": "text_delta", "text": answer[i : i + step]}
        events.append(("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}))
    events += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": usage["output_tokens"]},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return [f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events]
