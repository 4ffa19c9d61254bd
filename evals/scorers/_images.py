"""Decoding images for the image scorers: a produced image that cannot be read is the model's
failure to produce one (scored, flagged), an input that cannot be read is unscorable."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from evals.scoring import MediaItem, ScoreInput, ScorerFailed


def decode(item: MediaItem, what: str) -> Image.Image:
    """The image of a medium; ScorerFailed when its bytes are not an image."""
    try:
        image = Image.open(io.BytesIO(item.read()))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ScorerFailed(f"the {what} is not a readable image ({type(exc).__name__}: {exc})") from None
    return image


def produced(item: ScoreInput) -> Image.Image | None:
    """The backend's image, or None when it produced none (or bytes that are no image)."""
    output = item.output("image")
    if output is None:
        return None
    try:
        return decode(output, "produced image")
    except ScorerFailed:
        return None


def named_input(item: ScoreInput, name: str) -> MediaItem | None:
    """The sample's input image from the dataset column `name`."""
    return next((m for m in item.input_media("image") if m.name == name), None)
