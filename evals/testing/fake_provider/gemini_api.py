"""The Gemini API wire protocol: generateContent and the Files API (resumable uploads)."""

from __future__ import annotations

import base64
import hashlib
import math
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from evals.backends import _tokens
from evals.testing.fake_provider.request import BadRequest, FakeRequest, b64decode


@dataclass
class StoredFile:
    name: str  # files/abc123
    mime_type: str
    data: bytes
    display_name: str | None
    created: datetime
    polls_left: int  # gets answered PROCESSING before ACTIVE

    def resource(self, base_url: str, version: str) -> dict[str, Any]:
        created = self.created.isoformat().replace("+00:00", "Z")
        expires = (self.created + timedelta(hours=48)).isoformat().replace("+00:00", "Z")
        out: dict[str, Any] = {
            "name": self.name,
            "mimeType": self.mime_type,
            "sizeBytes": str(len(self.data)),
            "createTime": created,
            "updateTime": created,
            "expirationTime": expires,
            "sha256Hash": base64.b64encode(hashlib.sha256(self.data).hexdigest().encode()).decode(),
            "uri": f"{base_url}/{version}/{self.name}",
            "state": "PROCESSING" if self.polls_left > 0 else "ACTIVE",
            "source": "UPLOADED",
        }
        if self.display_name:
            out["displayName"] = self.display_name
        return out


class FileStore:
    """Uploaded files: pending resumable sessions, then finished files by name and by URI."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, dict[str, Any]] = {}
        self._files: dict[str, StoredFile] = {}

    def start(self, meta: dict[str, Any], size: int, mime: str) -> str:
        upload_id = uuid.uuid4().hex
        with self._lock:
            self._sessions[upload_id] = {"meta": meta, "size": size, "mime": mime, "chunks": []}
        return upload_id

    def append(self, upload_id: str, offset: int, chunk: bytes) -> None:
        """Add a chunk at `offset` (which must follow the bytes received so far)."""
        with self._lock:
            session = self._sessions.get(upload_id)
            if session is None:
                raise KeyError(upload_id)
            have = sum(len(c) for c in session["chunks"])
            if offset != have:
                raise BadRequest(f"upload offset {offset} does not match the {have} bytes received")
            session["chunks"].append(chunk)

    def finalize(self, upload_id: str, polls: int) -> StoredFile:
        """Close the session; a video stays PROCESSING for `polls` gets, like the real service."""
        with self._lock:
            session = self._sessions.pop(upload_id)
            data = b"".join(session["chunks"])
            if len(data) != session["size"]:
                raise BadRequest(f"received {len(data)} bytes, announced {session['size']}")
            meta = session["meta"]
            wanted = meta.get("name")
            name = wanted if isinstance(wanted, str) else f"files/{uuid.uuid4().hex[:12]}"
            mime = session["mime"] or meta.get("mimeType") or "application/octet-stream"
            stored = StoredFile(
                name=name,
                mime_type=mime,
                data=data,
                display_name=meta.get("displayName"),
                created=datetime.now(UTC),
                polls_left=polls if mime.startswith("video/") else 0,
            )
            self._files[name] = stored
            return stored

    def get(self, name: str) -> StoredFile | None:
        with self._lock:
            stored = self._files.get(name)
            if stored is not None and stored.polls_left > 0:
                stored.polls_left -= 1
            return stored

    def by_uri(self, uri: str) -> StoredFile | None:
        _, _, tail = uri.partition("/files/")
        with self._lock:
            return self._files.get(f"files/{tail}") if tail else None


def _field(data: dict[str, Any], camel: str) -> Any:
    """A field by its JSON (lowerCamel) or proto (snake_case) name: Google's JSON parsing
    accepts both, and google-genai sends some nested fields in snake_case."""
    if camel in data:
        return data[camel]
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)
    return data.get(snake)


def _mime_kind(mime: str) -> str:
    return mime.split("/", 1)[0]


def parse_generate(body: dict[str, Any], model: str, files: FileStore, stream: bool) -> FakeRequest:
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise BadRequest("* GenerateContentRequest.contents: contents is not specified")
    req = FakeRequest("gemini", "generateContent", model, stream=stream, body=body)
    texts: list[str] = []
    system = _field(body, "systemInstruction")
    if isinstance(system, dict):
        req.system = "\n".join(p.get("text", "") for p in system.get("parts", []))
        texts.append(req.system)
    for content in contents:
        for part in content.get("parts", []):
            blob, file_data = _field(part, "inlineData"), _field(part, "fileData")
            if "text" in part:
                texts.append(part["text"])
            elif isinstance(blob, dict):
                data = b64decode(blob.get("data", ""), "inlineData.data")
                _add_media(req, _mime_kind(_field(blob, "mimeType") or ""), data)
                _add_window(req, part)
            elif isinstance(file_data, dict):
                uri = _field(file_data, "fileUri") or ""
                stored = files.by_uri(uri)
                if stored is None:
                    raise BadRequest(f"File {uri} not found or permission denied")
                if stored.polls_left > 0:
                    raise BadRequest(
                        f"The File {stored.name} is not in an ACTIVE state and usage is not allowed."
                    )
                _add_media(req, _mime_kind(stored.mime_type), stored.data)
                _add_window(req, part)
            else:
                raise BadRequest(f"unsupported part: {sorted(part)}")
    req.text = "\n".join(texts)
    return req


def _add_media(req: FakeRequest, kind: str, data: bytes) -> None:
    if kind == "image":
        if _tokens.image_size(data) is None:
            raise BadRequest("Unable to process input image")
        req.images.append(data)
    elif kind == "audio":
        req.audio.append(data)
    elif kind == "video":
        req.video.append(data)
    else:
        raise BadRequest(f"unsupported mime type kind {kind!r}")


def _offset(value: Any) -> float | None:
    """A Duration in Google's JSON form ("1.5s"), as seconds."""
    if value is None:
        return None
    text = str(value)
    if not text.endswith("s"):
        raise BadRequest(f"invalid duration {text!r}")
    return float(text[:-1])


def _add_window(req: FakeRequest, part: dict[str, Any]) -> None:
    if len(req.video_windows) >= len(req.video):
        return  # not a video part
    meta = _field(part, "videoMetadata") or {}
    req.video_windows.append((_offset(_field(meta, "startOffset")), _offset(_field(meta, "endOffset"))))


def _video_seconds(data: bytes) -> float:
    # Real duration when the MP4 header says it; otherwise a stand-in of 1 s per 100 kB.
    return _tokens.mp4_seconds(data) or max(1.0, len(data) / 100_000)


def _has_audio(data: bytes) -> bool:
    from evals.errors import MediaError
    from evals.media import Media
    from evals.video import probe

    try:
        return probe(Media.from_bytes("video", data)).has_audio
    except MediaError:
        return False


def generate_body(req: FakeRequest, answer: str, cached: int, token_logprob: float = -0.05) -> dict[str, Any]:
    details: dict[str, int] = {"TEXT": _tokens.text_tokens(req.text)}
    for data in req.images:
        size = _tokens.image_size(data)
        assert size is not None
        details["IMAGE"] = details.get("IMAGE", 0) + _tokens.gemini_image_tokens(*size)
    for clip in req.audio:
        seconds = _tokens.audio_seconds(clip) or 1.0
        details["AUDIO"] = details.get("AUDIO", 0) + math.ceil(seconds * _tokens.GEMINI_AUDIO_TOKENS_PER_S)
    for video, (start, end) in zip(req.video, req.video_windows, strict=True):
        whole = _video_seconds(video)
        seconds = min(whole, end if end is not None else whole) - (start or 0.0)
        tokens, audio = _tokens.gemini_video_tokens(max(0.0, seconds), _has_audio(video))
        details["VIDEO"] = details.get("VIDEO", 0) + tokens
        if audio:
            details["AUDIO"] = details.get("AUDIO", 0) + audio
    prompt = sum(details.values())
    output = max(1, _tokens.text_tokens(answer))
    usage: dict[str, Any] = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": output,
        "totalTokenCount": prompt + output,
        "promptTokensDetails": [{"modality": k, "tokenCount": v} for k, v in details.items()],
        "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": output}],
    }
    if cached:
        usage["cachedContentTokenCount"] = min(cached, prompt)
    candidate: dict[str, Any] = {
        "content": {"parts": [{"text": answer}], "role": "model"},
        "finishReason": "STOP",
        "index": 0,
    }
    config = req.body.get("generationConfig") or {}
    if isinstance(config, dict) and config.get("responseLogprobs") is True:
        candidate["avgLogprobs"] = token_logprob  # every token alike: their mean is the same
    return {
        "candidates": [candidate],
        "usageMetadata": usage,
        "modelVersion": req.model,
        "responseId": f"fake-{uuid.uuid4().hex[:16]}",
    }


STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    529: "UNAVAILABLE",
}


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "status": STATUS_NAMES.get(status, "UNKNOWN")}}
