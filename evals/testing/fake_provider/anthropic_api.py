"""Anthropic's Messages API wire protocol."""

from __future__ import annotations

import uuid
from typing import Any

from evals.backends import _tokens
from evals.testing.fake_provider.request import BadRequest, FakeRequest, b64decode

MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


def parse_messages(body: dict[str, Any]) -> FakeRequest:
    model, messages, max_tokens = body.get("model"), body.get("messages"), body.get("max_tokens")
    if not isinstance(model, str) or not isinstance(messages, list) or not messages:
        raise BadRequest(
            "model: Field required" if not isinstance(model, str) else "messages: Field required"
        )
    if not isinstance(max_tokens, int):
        raise BadRequest("max_tokens: Field required")
    req = FakeRequest("anthropic", "messages", model, stream=bool(body.get("stream")), body=body)
    texts: list[str] = []
    system = body.get("system")
    if isinstance(system, list):
        system = "\n".join(block.get("text", "") for block in system)
    if isinstance(system, str):
        req.system = system
        texts.append(system)
    for message in messages:
        if message.get("role") not in ("user", "assistant"):
            raise BadRequest("messages: roles must be 'user' or 'assistant'")
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
            continue
        for block in content or []:
            kind = block.get("type")
            if kind == "text":
                texts.append(block["text"])
            elif kind == "image":
                source = block["source"]
                if source.get("type") == "url":
                    req.image_urls.append(source["url"])
                    continue
                if source.get("media_type") not in MEDIA_TYPES:
                    raise BadRequest(f"image media_type must be one of {', '.join(MEDIA_TYPES)}")
                data = b64decode(source["data"], "image source data")
                if _tokens.image_size(data) is None:
                    raise BadRequest("Could not process image")
                req.images.append(data)
            else:
                raise BadRequest(f"unsupported content block type {kind!r}")
    req.text = "\n".join(texts)
    return req


def message_body(req: FakeRequest, answer: str, cached: int) -> dict[str, Any]:
    image = 0
    for data in req.images:
        size = _tokens.image_size(data)
        assert size is not None
        image += _tokens.anthropic_image_tokens(*size)
    total = _tokens.text_tokens(req.text) + 4 + image + 1600 * len(req.image_urls)
    cache_read = min(cached, total)
    return {
        "id": f"msg_fake{uuid.uuid4().hex[:20]}",
        "type": "message",
        "role": "assistant",
        "model": req.model,
        "content": [{"type": "text", "text": answer}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": total - cache_read,
            "output_tokens": max(1, _tokens.text_tokens(answer)),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": cache_read,
        },
    }


ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    409: "invalid_request_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "api_error",
    529: "overloaded_error",
}


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": message}}
