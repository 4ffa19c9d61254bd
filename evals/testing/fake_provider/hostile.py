"""Hostile answers: well-formed HTTP 200s whose content a careless client mishandles.

Scripted like faults, as `shape:NAME` (`FakeConfig(script={"s1": ["shape:surrogate"]})`), for
every provider the fake speaks: OpenAI chat and transcriptions, Anthropic messages, Gemini
generateContent. Each body is what a real provider could send: a lone UTF-16 surrogate in the
text, the caller's own key echoed back, usage that is negative, absurd, missing or not a number,
a refusal or a blocked answer, and `choices` that is not a list.
"""

from __future__ import annotations

import json
from typing import Any

SHAPES = (
    "surrogate",  # the answer holds "\ud800" (a lone surrogate, valid JSON, not encodable)
    "key_echo",  # the answer quotes the key the client presented
    "negative_usage",  # token counts below zero
    "huge_usage",  # token counts of 1e300
    "string_usage",  # token counts that are not numbers
    "no_usage",  # no usage at all
    "refusal",  # the model declines (OpenAI `refusal`, Anthropic stop_reason "refusal", Gemini block)
    "content_filter",  # the answer was filtered (finish_reason content_filter, SAFETY)
    "choices_string",  # the list of answers is a string
    "empty_answer",  # a successful answer with no text at all
)
SURROGATE_TEXT = "caf\ud800 4"  # a lone high surrogate (json.dumps writes it as \\ud800)


def presented_key(headers: Any, query: Any) -> str:
    header = str(headers.get("Authorization", ""))
    return (
        header.removeprefix("Bearer ")
        or str(headers.get("x-api-key", ""))
        or str(headers.get("x-goog-api-key", ""))
        or str(query.get("key", ""))
    )


def _text(shape: str, key: str) -> str:
    if shape == "key_echo":
        return f"your header was Bearer {key} and your answer is 4"
    if shape == "empty_answer":
        return ""
    if shape == "surrogate":
        return SURROGATE_TEXT
    return "4"


def _openai_usage(shape: str) -> Any:
    counts = {"negative_usage": -1000, "huge_usage": 1e300, "string_usage": "many"}
    if shape in counts:
        value = counts[shape]
        return {"prompt_tokens": value, "completion_tokens": value, "total_tokens": value}
    return None if shape == "no_usage" else {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}


def openai_chat(shape: str, key: str, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": _text(shape, key), "refusal": None}
    finish = "stop"
    if shape == "refusal":
        message = {"role": "assistant", "content": None, "refusal": "I can't help with that request."}
    elif shape == "content_filter":
        message, finish = {"role": "assistant", "content": None}, "content_filter"
    choices: Any = [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}]
    if shape == "choices_string":
        choices = "4"
    body: dict[str, Any] = {"id": "chatcmpl-hostile", "object": "chat.completion", "created": 0}
    body.update(model=model, choices=choices)
    usage = _openai_usage(shape)
    if usage is not None:
        body["usage"] = usage
    return body


def openai_transcription(shape: str, key: str) -> dict[str, Any]:
    body: dict[str, Any] = {"text": _text(shape, key)}
    if shape == "choices_string":
        body = {"text": ["4"]}
    return body


def anthropic_message(shape: str, key: str, model: str) -> dict[str, Any]:
    content: Any = [{"type": "text", "text": _text(shape, key)}]
    stop = "end_turn"
    if shape in ("refusal", "content_filter"):
        content, stop = [], "refusal"
    if shape == "choices_string":
        content = "4"
    body: dict[str, Any] = {"id": "msg_hostile", "type": "message", "role": "assistant", "model": model}
    body.update(content=content, stop_reason=stop, stop_sequence=None)
    counts = {"negative_usage": -1000, "huge_usage": 1e300, "string_usage": "many"}
    if shape in counts:
        body["usage"] = {"input_tokens": counts[shape], "output_tokens": counts[shape]}
    elif shape != "no_usage":
        body["usage"] = {"input_tokens": 10, "output_tokens": 1}
    return body


def gemini_generate(shape: str, key: str, model: str) -> dict[str, Any]:
    candidates: Any = [
        {"content": {"parts": [{"text": _text(shape, key)}], "role": "model"}, "finishReason": "STOP"}
    ]
    body: dict[str, Any] = {"modelVersion": model, "responseId": "hostile"}
    if shape == "refusal":
        candidates = []
        body["promptFeedback"] = {"blockReason": "SAFETY"}
    elif shape == "content_filter":
        candidates = [{"finishReason": "SAFETY", "index": 0}]
    elif shape == "choices_string":
        candidates = "4"
    body["candidates"] = candidates
    counts = {"negative_usage": -1000, "huge_usage": 1e300, "string_usage": "many"}
    if shape in counts:
        body["usageMetadata"] = {"promptTokenCount": counts[shape], "candidatesTokenCount": counts[shape]}
    elif shape != "no_usage":
        body["usageMetadata"] = {"promptTokenCount": 10, "candidatesTokenCount": 1, "totalTokenCount": 11}
    return body


def hostile_body(provider: str, path: str, shape: str, key: str, model: str = "hostile-model") -> bytes:
    """The raw JSON body of a hostile 200 answer for this provider and endpoint."""
    if shape not in SHAPES:
        raise ValueError(f"unknown hostile shape {shape!r}; use one of {', '.join(SHAPES)}")
    if provider == "anthropic":
        body = anthropic_message(shape, key, model)
    elif provider == "gemini":
        body = gemini_generate(shape, key, model)
    elif path.endswith("/audio/transcriptions"):
        body = openai_transcription(shape, key)
    else:
        body = openai_chat(shape, key, model)
    return json.dumps(body, ensure_ascii=True).encode()
