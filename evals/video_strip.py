"""One small picture of a video as a backend saw it: the poster frame (the middle sampled frame)
large on the left, the sampled frames in a strip beside it, each with its time. Kept in the run
directory with the journal's reference to the video, so the report shows what was sent."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

POSTER_HEIGHT = 144
THUMB_HEIGHT = 68
MAX_THUMBS = 12
BACKGROUND = (246, 248, 250)
INK = (60, 64, 72)


def frames_picture(frames: list[tuple[float, bytes]], label: str = "") -> bytes:
    """A JPEG of the poster and the strip; `frames` are (time label seconds, encoded image)."""
    from PIL import Image, ImageDraw

    images = []
    for seconds, data in frames:
        with Image.open(io.BytesIO(data)) as image:
            images.append((seconds, image.convert("RGB")))
    if not images:
        raise ValueError("no frames to draw")
    poster_time, poster = images[len(images) // 2]
    poster = _scaled(poster, POSTER_HEIGHT)
    shown = (
        images
        if len(images) <= MAX_THUMBS
        else [images[i * len(images) // MAX_THUMBS] for i in range(MAX_THUMBS)]
    )
    thumbs = [(t, _scaled(image, THUMB_HEIGHT)) for t, image in shown]
    per_row = 6
    thumb_width = max(t.width for _, t in thumbs)
    rows = (len(thumbs) + per_row - 1) // per_row
    width = poster.width + 12 + per_row * (thumb_width + 4)
    height = max(POSTER_HEIGHT + 16, rows * (THUMB_HEIGHT + 16)) + (14 if label else 0)
    canvas = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    canvas.paste(poster, (0, 0))
    draw.text((2, POSTER_HEIGHT + 2), f"poster {_clock(poster_time)}", fill=INK)
    for index, (seconds, thumb) in enumerate(thumbs):
        row, column = divmod(index, per_row)
        x = poster.width + 12 + column * (thumb_width + 4)
        y = row * (THUMB_HEIGHT + 16)
        canvas.paste(thumb, (x, y))
        draw.text((x + 1, y + THUMB_HEIGHT + 1), _clock(seconds), fill=INK)
    if label:
        draw.text((2, height - 13), label, fill=INK)
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _scaled(image: PILImage, height: int) -> PILImage:
    width = max(1, round(image.width * height / image.height))
    return image.resize((width, height))


def _clock(seconds: float) -> str:
    tenths = round(seconds * 10)
    whole, tenth = divmod(tenths, 10)
    minutes, secs = divmod(whole, 60)
    return f"{minutes}:{secs:02d}.{tenth}"
