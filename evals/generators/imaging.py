"""Shared image helpers: fonts that ship with matplotlib, stable PNG bytes, and degradations.

Fonts come from matplotlib's own data folder (DejaVu), never from the system, and text is laid
out with Pillow's basic engine (not libraqm, which is present on some machines only), so the
same library versions draw the same pixels everywhere.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageFilter, ImageFont

FontFamily = Literal["sans", "serif", "mono", "sans-bold", "serif-italic", "mono-bold"]

_FONT_FILES: dict[str, str] = {
    "sans": "DejaVuSans.ttf",
    "serif": "DejaVuSerif.ttf",
    "mono": "DejaVuSansMono.ttf",
    "sans-bold": "DejaVuSans-Bold.ttf",
    "serif-italic": "DejaVuSerif-Italic.ttf",
    "mono-bold": "DejaVuSansMono-Bold.ttf",
}
FONT_FAMILIES: tuple[str, ...] = tuple(_FONT_FILES)


def font_path(family: str) -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / _FONT_FILES[family]


_FONTS = threading.local()  # FreeType faces are not shared between threads


def load_font(family: str, size: int) -> ImageFont.FreeTypeFont:
    """A DejaVu font from matplotlib's data folder, laid out by Pillow's basic engine."""
    cache: dict[tuple[str, int], ImageFont.FreeTypeFont] = _FONTS.__dict__.setdefault("cache", {})
    if (family, size) not in cache:
        cache[family, size] = ImageFont.truetype(
            str(font_path(family)), size, layout_engine=ImageFont.Layout.BASIC
        )
    return cache[family, size]


def png_bytes(image: Image.Image) -> bytes:
    """PNG bytes with no metadata chunks (no time stamps), at a fixed compression level."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6, optimize=False)
    return buffer.getvalue()


def rotate(image: Image.Image, degrees: float, fill: int | tuple[int, int, int]) -> Image.Image:
    """Rotate counter-clockwise, growing the canvas so no text is cut off."""
    if degrees == 0:
        return image
    return image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def blur(image: Image.Image, radius: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius)) if radius > 0 else image


def add_noise(image: Image.Image, sigma: float, rng: np.random.Generator) -> Image.Image:
    """Add seeded Gaussian pixel noise of standard deviation `sigma` (in 0–255 units)."""
    if sigma <= 0:
        return image
    pixels = np.asarray(image, dtype=np.float64)
    noisy = pixels + rng.normal(0.0, sigma, size=pixels.shape)
    return Image.fromarray(np.clip(np.rint(noisy), 0, 255).astype(np.uint8))


def downscale(image: Image.Image, factor: float) -> Image.Image:
    """Shrink by `factor` (< 1): the low-resolution condition. Factors >= 1 change nothing."""
    if factor >= 1:
        return image
    width = max(1, round(image.width * factor))
    height = max(1, round(image.height * factor))
    return image.resize((width, height), resample=Image.Resampling.BILINEAR)
