"""Gemini's streamed generation (`models/{model}:streamGenerateContent?alt=sse`): the answer as a
few GenerateContentResponse chunks in server-sent events, the last with the finish reason and
the usage metadata, as the google-genai SDK's `generate_content_stream` reads them."""

from __future__ import annotations

import json
import math

from evals.testing.fake_provider.gemini_api import generate_body
from evals.testing.fake_provider.request import FakeRequest


def generate_stream(req: FakeRequest, answer: str, cached: int) -> list[bytes]:
    whole = generate_body(req, answer, cached)
    step = max(1, math.ceil(len(answer) / 3))
    pieces = [answer[i : i + step] for i in range(0, len(answer), step)] or [""]
    out = []
    for index, piece in enumerate(pieces):
        candidate = {"content": {"parts": [{"text": piece}], "role": "model"}, "index": 0}
        chunk = {
            "candidates": [candidate],
            "modelVersion": whole["modelVersion"],
            "responseId": whole["responseId"],
        }
        if index == len(pieces) - 1:
            candidate["finishReason"] = "STOP"
            chunk["usageMetadata"] = whole["usageMetadata"]
        out.append(b"data: " + json.dumps(chunk).encode() + b"\r\n\r\n")
    return out
