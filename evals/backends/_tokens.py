"""Published token rules for media, for estimates before a run and for the fake provider.

Actual usage always comes from the provider's response; these rules only predict it. Each rule
names its source; docs/cost.md explains the readings chosen where a source is ambiguous.
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass

# --- OpenAI ---------------------------------------------------------------------------------

# Tile rule (OpenAI vision guide, "Calculating costs"): base tokens + per 512-px tile, by model.
_TILE_RULES: tuple[tuple[str, int, int], ...] = (
    ("gpt-4o-mini", 2833, 5667),
    ("gpt-5", 70, 140),
    ("o1", 75, 150),
    ("o3", 75, 150),
    ("computer-use", 65, 129),
)
# Patch rule (same guide): 32-px patches, capped, times a per-model multiplier.
_PATCH_RULES: tuple[tuple[str, float], ...] = (
    ("gpt-4.1-mini", 1.62),
    ("gpt-4.1-nano", 2.46),
    ("gpt-5-mini", 1.62),
    ("gpt-5-nano", 2.46),
    ("o4-mini", 1.72),
)
PATCH_CAP = 1536


def _matches(model: str, prefix: str) -> bool:
    return model == prefix or model.startswith(prefix + "-")


def openai_rule(model: str) -> tuple[str, float, float]:
    """('patch', multiplier, 0) or ('tile', base, per_tile) for a model (gpt-4o-class by default)."""
    for prefix, multiplier in _PATCH_RULES:
        if _matches(model, prefix):
            return "patch", multiplier, 0.0
    for prefix, base, tile in _TILE_RULES:
        if _matches(model, prefix) and not any(_matches(model, p) for p, _ in _PATCH_RULES):
            return "tile", float(base), float(tile)
    return "tile", 85.0, 170.0


def _fit(width: int, height: int, longest: int | None = None, shortest: int | None = None) -> tuple[int, int]:
    """Scale down (never up), keeping the aspect ratio, so the longest side is at most `longest`
    or the shortest at most `shortest`; the other side is floored to whole pixels, as a resizer
    gives (at least 1). Integer arithmetic, so no float rounding moves a tile boundary."""
    long_side, short_side = max(width, height), min(width, height)
    if longest is not None and long_side > longest:
        long_side, short_side = longest, max(1, short_side * longest // long_side)
    elif shortest is not None and short_side > shortest:
        long_side, short_side = max(1, long_side * shortest // short_side), shortest
    else:
        return width, height
    return (long_side, short_side) if width >= height else (short_side, long_side)


def openai_tile_tokens(
    width: int, height: int, detail: str | None = "high", base: float = 85, per_tile: float = 170
) -> int:
    """gpt-4o-class rule. `low` → base. `high`/`auto` → fit in 2048×2048, then shrink so the
    shortest side is 768 (only when it is larger: Azure OpenAI's wording, which matches billing
    for small images), then base + per_tile × 512-px tiles. 1024² → 765; 2048×4096 → 1105.
    Sides are whole pixels after each step (floored), as in EPAM's ai-dial-adapter-openai."""
    if detail == "low":
        return int(base)
    w, h = _fit(width, height, longest=2048)
    w, h = _fit(w, h, shortest=768)
    tiles = math.ceil(w / 512) * math.ceil(h / 512)
    return int(base + per_tile * tiles)


def openai_patch_tokens(width: int, height: int, multiplier: float = 1.0, cap: int = PATCH_CAP) -> int:
    """Newer-model rule: 32-px patches covering the image; above the cap, shrink (keeping the
    aspect ratio) until whole patches fit under it; tokens = patches × multiplier.
    1024² → 1024 patches; 1800×2400 → 1452 patches."""
    patches = math.ceil(width / 32) * math.ceil(height / 32)
    if patches > cap:
        shrink = math.sqrt(cap * 32 * 32 / (width * height))
        w, h = width * shrink, height * shrink
        # Shrink again so the width is a whole number of patches (the guide's second step).
        fit = math.floor(w / 32) / (w / 32)
        w, h = w * fit, h * fit
        patches = math.ceil(w / 32 - 1e-9) * math.ceil(h / 32 - 1e-9)
        patches = min(patches, cap)
    return int(patches * multiplier)


def openai_image_tokens(model: str, width: int, height: int, detail: str | None) -> int:
    kind, a, b = openai_rule(model)
    if kind == "patch":
        return openai_patch_tokens(width, height, a)
    return openai_tile_tokens(width, height, detail, a, b)


# --- Anthropic ------------------------------------------------------------------------------

ANTHROPIC_MAX_EDGE = 1568
ANTHROPIC_MAX_TOKENS = 1600  # about 1.15 megapixels


def anthropic_image_tokens(width: int, height: int) -> int:
    """Anthropic vision docs: tokens = w×h/750, rounded up as Anthropic's table does
    (200×200 → 54; 1000×1000 → 1334; 1092×1092 → 1590). An image whose long edge is over
    1568 px is first scaled down to it (aspect kept, whole pixels); one still over ~1,600
    tokens is scaled down to that limit, so it counts 1,600. Our reading of the docs: Anthropic
    publishes no code, and its table of largest unresized sizes (e.g. 784×1568 ≈ 1,640) exceeds
    the 1,600 it states; docs/cost.md."""
    w, h = _fit(width, height, longest=ANTHROPIC_MAX_EDGE)
    tokens = -(-(w * h) // 750)  # ceil in integers
    return max(1, min(tokens, ANTHROPIC_MAX_TOKENS))


# --- Gemini ---------------------------------------------------------------------------------

GEMINI_TILE_TOKENS = 258
GEMINI_AUDIO_TOKENS_PER_S = 32
GEMINI_VIDEO_TOKENS_PER_S = 263


def gemini_video_tokens(seconds: float, has_audio: bool) -> tuple[int, int]:
    """(video, audio) tokens of a video sent natively: Gemini's token docs give fixed rates of
    263 a second for video (one frame a second at 258, plus its timestamp) and 32 a second for
    audio; a file with an audio track is counted at both (the video-understanding guide's
    "about 300 tokens a second" at the default media resolution)."""
    video = math.ceil(seconds * GEMINI_VIDEO_TOKENS_PER_S)
    return video, math.ceil(seconds * GEMINI_AUDIO_TOKENS_PER_S) if has_audio else 0


def frames_tokens(per_frame: int, frames: int) -> int:
    """A video sent as frames costs each frame as an image (OpenAI, Anthropic, open models):
    frames × the image rule at the frames' size and detail."""
    return per_frame * frames


def gemini_image_tokens(width: int, height: int) -> int:
    """Gemini 2.x token docs: both sides ≤ 384 px → 258; otherwise 768×768 tiles of 258 each.
    Our reading (Google publishes no code; the docs say "cropped and scaled as needed" without
    the arithmetic): tiles = ceil(w/768) × ceil(h/768). 384×384 → 258; 1024×1024 → 1032."""
    if width <= 384 and height <= 384:
        return GEMINI_TILE_TOKENS
    return math.ceil(width / 768) * math.ceil(height / 768) * GEMINI_TILE_TOKENS


# --- text and media sizes -------------------------------------------------------------------

CHARS_PER_TOKEN = 4.0


def text_tokens(text: str) -> int:
    """~4 characters per token (OpenAI's and Google's rule of thumb for English)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


@dataclass(frozen=True, slots=True)
class MediaFacts:
    width: int | None = None
    height: int | None = None
    seconds: float | None = None


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the header (PIL reads the size without decoding pixels)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            return int(image.size[0]), int(image.size[1])
    except Exception:
        return None


def audio_seconds(data: bytes) -> float | None:
    """Duration from the header (WAV, FLAC, OGG, MP3 where libsndfile reads it)."""
    try:
        import soundfile

        info = soundfile.info(io.BytesIO(data))
        if info.samplerate:
            return float(info.frames) / float(info.samplerate)
    except Exception:
        pass
    return None


def mp4_seconds(data: bytes) -> float | None:
    """Duration of an MP4/MOV from its `mvhd` box (timescale and duration), without decoding."""
    at = data.find(b"mvhd")
    if at < 0 or at + 32 > len(data):
        return None
    version = data[at + 4]
    try:
        if version == 1:
            timescale, duration = struct.unpack(">IQ", data[at + 24 : at + 36])
        else:
            timescale, duration = struct.unpack(">II", data[at + 16 : at + 24])
    except struct.error:
        return None
    return duration / timescale if timescale else None


def media_facts(kind: str, data: bytes) -> MediaFacts:
    if kind == "image":
        size = image_size(data)
        return MediaFacts(*size) if size else MediaFacts()
    if kind == "audio":
        return MediaFacts(seconds=audio_seconds(data))
    if kind == "video":
        return MediaFacts(seconds=mp4_seconds(data))
    return MediaFacts()
