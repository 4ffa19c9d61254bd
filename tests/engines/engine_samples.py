"""Samples for the engine tests, made here: rendered text images, synthesised speech, requests."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import matplotlib
import pytest
from PIL import Image, ImageDraw, ImageFont

from evals.backends.base import Backend, BackendConfig
from evals.media import Media
from evals.records import MediaPart, Message, Request, TextPart

T = TypeVar("T")

FONT_PATH = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"

# Clean single lines: mixed case, digits, punctuation, symbols (a receipt, a date, an address).
LINES = [
    "The quick brown fox jumps over the lazy dog.",
    "Invoice 4821 due on 12 March 2026: $1,340.50",
    "Pack my box with five dozen liquor jugs",
    "Call 555-0199 before 6 pm and ask for Dr. Lee",
    "Sphinx of black quartz, judge my vow!",
    "Total (incl. VAT 20%): 87.60 EUR",
]

# Short everyday sentences, as a speech test would read them.
SENTENCES = [
    "the quick brown fox jumps over the lazy dog",
    "please call stella and ask her to bring these things with her from the store",
    "the weather is nice today so we will go for a walk in the park",
    "open the door and turn on the light in the kitchen",
    "she sells sea shells by the sea shore",
]

# espeak-ng's default en-us voice is hard for pocketsphinx (WER 0.86 measured on SENTENCES);
# the female variants are much easier for it (f2 0.45, f5 0.38): see docs/engines.md.
ASR_VOICE = "en-us+f5"


def needs(*programs: str) -> pytest.MarkDecorator:
    """Skip, with the install command as the reason, where a Debian program is missing
    (scripts/install-system-deps.sh installs them all when run as root, as CI does)."""
    missing = [p for p in programs if shutil.which(p) is None]
    packages = {"tesseract": "tesseract-ocr tesseract-ocr-eng"}
    command = "apt-get install " + " ".join(packages.get(p, p) for p in missing)
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)}: {command}")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def font(size: int = 28) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size)


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def render_line(text: str, size: int = 28) -> bytes:
    face = font(size)
    image = Image.new("L", (int(face.getlength(text)) + 40, size + 32), 255)
    ImageDraw.Draw(image).text((20, 14), text, font=face, fill=0)
    return png(image)


def render_block(lines: list[str], size: int = 28) -> bytes:
    face = font(size)
    width = int(max(face.getlength(t) for t in lines)) + 40
    image = Image.new("L", (width, 40 + len(lines) * (size + 24)), 255)
    draw = ImageDraw.Draw(image)
    for index, text in enumerate(lines):
        draw.text((20, 20 + index * (size + 24)), text, font=face, fill=0)
    return png(image)


def espeak_wav(text: str, voice: str = ASR_VOICE, speed: int = 175) -> bytes:
    """espeak-ng's own WAV (22,050 Hz), straight from the program: the backend must resample it."""
    command = ["espeak-ng", "-v", voice, "-s", str(speed), "--stdin", "--stdout"]
    return subprocess.run(command, input=text.encode(), capture_output=True, check=True).stdout


def media_request(kind: str, data: bytes, hints: dict[str, Any] | None = None) -> Request:
    parts = (MediaPart(Media.from_bytes(kind, data)), TextPart("Transcribe."))  # type: ignore[arg-type]
    return Request("engines", "sample", (Message("user", parts),), hints=hints or {})


def speech_request(text: str) -> Request:
    return Request("engines", "sample", (Message("user", (TextPart(text),)),), output="audio")


def make(cls: type[Backend], **options: Any) -> Backend:
    return cls(BackendConfig(name=cls.type_name, type=cls.type_name, options=options))
