"""OpenAI's wire protocol: Chat Completions (plain and SSE), Responses, transcriptions, speech."""

from __future__ import annotations

import io
import json
import math
import re
import time
import uuid
from typing import Any

from evals.backends import _tokens
from evals.testing.fake_provider.request import BadRequest, FakeRequest, b64decode, data_url_bytes

AUDIO_TOKENS_PER_S = 10  # OpenAI audio input: about one token per 100 ms


def _text_of(content: Any) -> str:
    return content if isinstance(content, str) else ""


def parse_chat(body: dict[str, Any]) -> FakeRequest:
    messages = body.get("messages")
    model = body.get("model")
    if not isinstance(messages, list) or not messages or not isinstance(model, str):
        raise BadRequest("'model' and a non-empty 'messages' array are required")
    req = FakeRequest("openai", "chat", model, stream=bool(body.get("stream")), body=body)
    texts: list[str] = []
    for message in messages:
        role = message.get("role")
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
            if role in ("system", "developer"):
                req.system = content
            continue
        if not isinstance(content, list):
            raise BadRequest("message content must be a string or an array of parts")
        for part in content:
            kind = part.get("type")
            if kind == "text":
                texts.append(part["text"])
            elif kind == "image_url":
                image = part["image_url"]
                data = data_url_bytes(image["url"])
                if data is None:
                    req.image_urls.append(image["url"])
                else:
                    req.images.append(data)
                    req.image_details.append(image.get("detail"))
            elif kind == "input_audio":
                audio = part["input_audio"]
                if audio.get("format") not in ("wav", "mp3"):
                    raise BadRequest("input_audio.format must be wav or mp3")
                req.audio.append(b64decode(audio["data"], "input_audio.data"))
            else:
                raise BadRequest(f"unsupported content part type {kind!r}")
    req.text = "\n".join(texts)
    return req


def parse_responses(body: dict[str, Any]) -> FakeRequest:
    model = body.get("model")
    items = body.get("input")
    if not isinstance(model, str) or items is None:
        raise BadRequest("'model' and 'input' are required")
    req = FakeRequest("openai", "responses", model, stream=bool(body.get("stream")), body=body)
    texts: list[str] = []
    if isinstance(body.get("instructions"), str):
        req.system = body["instructions"]
        texts.append(body["instructions"])
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    for item in items:
        content = item.get("content")
        if isinstance(content, str):
            texts.append(content)
            continue
        for part in content or []:
            kind = part.get("type")
            if kind in ("input_text", "output_text"):
                texts.append(part["text"])
            elif kind == "input_image":
                data = data_url_bytes(part["image_url"])
                if data is None:
                    req.image_urls.append(part["image_url"])
                else:
                    req.images.append(data)
                    req.image_details.append(part.get("detail"))
            else:
                raise BadRequest(f"unsupported input part type {kind!r}")
    req.text = "\n".join(texts)
    return req


def prompt_tokens(req: FakeRequest) -> tuple[int, int, int]:
    """(total, image, audio) prompt tokens by OpenAI's published rules."""
    model = req.model or ""
    image = 0
    for data, detail in zip(req.images, req.image_details, strict=False):
        size = _tokens.image_size(data)
        if size is None:
            raise BadRequest("an image could not be decoded")
        image += _tokens.openai_image_tokens(model, size[0], size[1], detail)
    audio = 0
    for clip in req.audio:
        seconds = _tokens.audio_seconds(clip)
        if seconds is None:
            raise BadRequest("the audio could not be decoded")
        audio += math.ceil(seconds * AUDIO_TOKENS_PER_S)
    total = _tokens.text_tokens(req.text) + 7 + image + audio + 85 * len(req.image_urls)
    return total, image, audio


def chat_logprobs(req: FakeRequest, answer: str, token_logprob: float) -> dict[str, Any] | None:
    """Chat Completions' `logprobs` object when the request asked for it: the answer cut into
    word, punctuation and space tokens, each with the same log-probability."""
    if req.body.get("logprobs") is not True:
        return None
    tokens = re.findall(r"\w+|[^\w\s]|\s+", answer)
    return {
        "content": [
            {"token": t, "logprob": token_logprob, "bytes": list(t.encode()), "top_logprobs": []}
            for t in tokens
        ],
        "refusal": None,
    }


def chat_body(req: FakeRequest, answer: str, cached: int, token_logprob: float = -0.05) -> dict[str, Any]:
    total, _, audio = prompt_tokens(req)
    completion = max(1, _tokens.text_tokens(answer))
    return {
        "id": f"chatcmpl-fake-{uuid.uuid4().hex[:20]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": req.model,
        "system_fingerprint": "fake-provider",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer, "refusal": None, "annotations": []},
                "logprobs": chat_logprobs(req, answer, token_logprob),
                "finish_reason": "stop",
            }
        ],
        "usage": _chat_usage(total, completion, min(cached, total), audio),
    }


def _chat_usage(prompt: int, completion: int, cached: int, audio: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": audio},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def chat_stream(req: FakeRequest, answer: str, cached: int) -> list[bytes]:
    """SSE events: role, content in a few pieces, finish, then usage when asked for."""
    total, _, audio = prompt_tokens(req)
    completion = max(1, _tokens.text_tokens(answer))
    base = {
        "id": f"chatcmpl-fake-{uuid.uuid4().hex[:20]}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": req.model,
        "system_fingerprint": "fake-provider",
    }
    include_usage = bool((req.body.get("stream_options") or {}).get("include_usage"))

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        data = {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        if include_usage:
            data["usage"] = None
        return data

    step = max(1, math.ceil(len(answer) / 3))
    events = [chunk({"role": "assistant", "content": "", "refusal": None})]
    events += [chunk({"content": answer[i : i + step]}) for i in range(0, len(answer), step)]
    events.append(chunk({}, "stop"))
    if include_usage:
        events.append(
            {**base, "choices": [], "usage": _chat_usage(total, completion, min(cached, total), audio)}
        )
    out = [b"data: " + json.dumps(e).encode() + b"\n\n" for e in events]
    out.append(b"data: [DONE]\n\n")
    return out


def responses_body(req: FakeRequest, answer: str, cached: int) -> dict[str, Any]:
    total, _, _ = prompt_tokens(req)
    completion = max(1, _tokens.text_tokens(answer))
    now = int(time.time())
    return {
        "id": f"resp_fake{uuid.uuid4().hex[:24]}",
        "object": "response",
        "created_at": now,
        "completed_at": now,
        "status": "completed",
        "error": None,
        "incomplete_details": None,
        "instructions": req.body.get("instructions"),
        "max_output_tokens": req.body.get("max_output_tokens"),
        "model": req.model,
        "output": [
            {
                "type": "message",
                "id": f"msg_fake{uuid.uuid4().hex[:24]}",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": answer, "annotations": [], "logprobs": []}],
            }
        ],
        "parallel_tool_calls": True,
        "temperature": req.body.get("temperature", 1.0),
        "tool_choice": "auto",
        "tools": [],
        "top_p": req.body.get("top_p", 1.0),
        "text": req.body.get("text") or {"format": {"type": "text"}},
        "usage": {
            "input_tokens": total,
            "input_tokens_details": {"cached_tokens": min(cached, total)},
            "output_tokens": completion,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": total + completion,
        },
    }


# --- audio ----------------------------------------------------------------------------------


def parse_transcription(fields: dict[str, Any]) -> FakeRequest:
    model = fields.get("model")
    audio = fields.get("file")
    if not isinstance(model, str) or not isinstance(audio, bytes):
        raise BadRequest("multipart fields 'file' and 'model' are required")
    given = fields.get("prompt")
    prompt = given if isinstance(given, str) else ""
    return FakeRequest("openai", "transcriptions", model, text=prompt, audio=[audio], body=fields)


def transcription_body(req: FakeRequest, answer: str) -> dict[str, Any]:
    seconds = _tokens.audio_seconds(req.audio[0])
    if seconds is None:
        raise BadRequest("the audio file could not be decoded")
    fmt = req.body.get("response_format") or "json"
    model = req.model or ""
    if model.startswith("whisper"):
        usage: dict[str, Any] = {"type": "duration", "seconds": math.ceil(seconds)}
    else:
        audio_tokens = math.ceil(seconds * AUDIO_TOKENS_PER_S)
        text_in = _tokens.text_tokens(req.text)
        out = max(1, _tokens.text_tokens(answer))
        usage = {
            "type": "tokens",
            "input_tokens": audio_tokens + text_in,
            "output_tokens": out,
            "total_tokens": audio_tokens + text_in + out,
            "input_token_details": {"audio_tokens": audio_tokens, "text_tokens": text_in},
        }
    if fmt == "json":
        return {"text": answer, "usage": usage}
    if fmt == "verbose_json":
        return {
            "task": "transcribe",
            "language": req.body.get("language") or "english",
            "duration": round(seconds, 3),
            "text": answer,
            "segments": [
                {
                    "id": 0,
                    "seek": 0,
                    "start": 0.0,
                    "end": round(seconds, 3),
                    "text": answer,
                    "tokens": [50364],
                    "temperature": 0.0,
                    "avg_logprob": -0.2,
                    "compression_ratio": 1.0,
                    "no_speech_prob": 0.01,
                }
            ],
            "usage": {"type": "duration", "seconds": math.ceil(seconds)},
        }
    raise BadRequest("the fake provider answers response_format json or verbose_json")


SPEECH_SECONDS_PER_CHAR = 0.06
SPEECH_RATE = 16_000


def parse_speech(body: dict[str, Any]) -> FakeRequest:
    model, text, voice = body.get("model"), body.get("input"), body.get("voice")
    if not isinstance(model, str) or not isinstance(text, str) or not voice:
        raise BadRequest("'model', 'input' and 'voice' are required")
    return FakeRequest("openai", "speech", model, text=text, body=body)


def speech_audio(req: FakeRequest) -> tuple[bytes, str]:
    """A quiet tone as long as the text would take to say (simulated speech, not a voice)."""
    import numpy as np
    import soundfile

    fmt = req.body.get("response_format") or "mp3"
    frames = max(1, int(len(req.text) * SPEECH_SECONDS_PER_CHAR * SPEECH_RATE))
    wave = (0.05 * np.sin(np.arange(frames) * 2 * np.pi * 220 / SPEECH_RATE)).astype("float32")
    if fmt == "pcm":
        return (wave * 32767).astype("<i2").tobytes(), "audio/pcm"
    if fmt in ("wav", "flac"):
        buffer = io.BytesIO()
        soundfile.write(buffer, wave, SPEECH_RATE, format=fmt.upper(), subtype="PCM_16")
        return buffer.getvalue(), f"audio/{fmt}"
    raise BadRequest("the fake provider speaks response_format wav, flac or pcm")


ERROR_TYPES = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "permission_denied"),
    404: ("invalid_request_error", "model_not_found"),
    408: ("timeout", None),
    409: ("conflict", None),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", None),
    529: ("server_error", None),
}


def error_body(status: int, message: str) -> dict[str, Any]:
    kind, code = ERROR_TYPES.get(status, ("server_error", None))
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}
