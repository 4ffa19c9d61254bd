"""Image corruptions at five severities, after ImageNet-C (Hendrycks & Dietterich, 2019).

Each function takes an RGB or greyscale Pillow image, a severity 1–5 and a seeded generator,
and returns a new image. The parameter of every level is in `IMAGE_LEVELS` (the docs table is
written from it). Where ImageNet-C defines the corruption, its five parameters are used as
published for 224-pixel images (pixel distances are not rescaled to the image's size); the
others follow the same idea: level 1 is noticeable, level 5 is hard for people too.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter

from evals.generators.imaging import load_font

ImageFn = Callable[[Image.Image, int, np.random.Generator], Image.Image]

# name → (what the parameter is, its five values)
IMAGE_LEVELS: dict[str, tuple[str, tuple[float, ...]]] = {
    "blur": ("Gaussian sigma, px (ImageNet-C gaussian_blur)", (1, 2, 3, 4, 6)),
    "motion_blur": ("streak length, px, at a seeded angle", (5, 9, 13, 17, 23)),
    "jpeg": ("JPEG quality (ImageNet-C jpeg_compression)", (25, 18, 15, 10, 7)),
    "gaussian_noise": (
        "noise sigma on a 0-1 scale (ImageNet-C gaussian_noise)",
        (0.08, 0.12, 0.18, 0.26, 0.38),
    ),
    "salt_pepper": (
        "share of pixels set black or white (ImageNet-C impulse_noise)",
        (0.03, 0.06, 0.09, 0.17, 0.27),
    ),
    "downscale": ("scale before scaling back up (ImageNet-C pixelate)", (0.6, 0.5, 0.4, 0.3, 0.25)),
    "rotation": ("degrees, seeded direction, canvas grown", (3, 6, 10, 15, 25)),
    "perspective": ("corner shift, share of the side", (0.04, 0.08, 0.12, 0.16, 0.22)),
    "brightness": ("added to every channel, 0-1 scale (ImageNet-C brightness)", (0.1, 0.2, 0.3, 0.4, 0.5)),
    "contrast": ("contrast kept around the mean (ImageNet-C contrast)", (0.4, 0.3, 0.2, 0.1, 0.05)),
    "low_light": ("light kept (then gamma 1.5 and sensor noise 0.02)", (0.6, 0.45, 0.3, 0.2, 0.12)),
    "occlusion": ("share of the area under a grey patch", (0.05, 0.1, 0.2, 0.3, 0.4)),
    "text_overlay": ("distractor words written over the image", (1, 2, 3, 5, 8)),
    "moire": ("contrast of the moiré bands (a photographed screen)", (0.1, 0.16, 0.22, 0.3, 0.4)),
}

_DISTRACTORS = (
    "SALE",
    "EXIT",
    "cat",
    "42",
    "STOP",
    "open",
    "1999",
    "dog",
    "yes",
    "no",
    "FREE",
    "seven",
    "red",
    "$5",
)


def level(name: str, severity: int) -> float:
    return IMAGE_LEVELS[name][1][severity - 1]


def _array(image: Image.Image) -> NDArray[np.float64]:
    return np.asarray(image, dtype=np.float64) / 255.0


def _image(pixels: NDArray[np.float64], mode: str) -> Image.Image:
    return Image.fromarray(np.clip(np.rint(pixels * 255.0), 0, 255).astype(np.uint8), mode=mode)


def _background(image: Image.Image) -> int | tuple[int, ...]:
    """The median colour of the border: what fills corners a rotation or warp uncovers."""
    pixels = np.asarray(image)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    median = np.median(border, axis=0)
    return int(median) if np.ndim(median) == 0 else tuple(int(v) for v in median)


def blur(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(level("blur", severity)))


def motion_blur(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    from scipy import ndimage  # imported here: scipy costs start-up time for every task

    length = int(level("motion_blur", severity))
    angle = rng.uniform(0, math.pi)
    kernel = np.zeros((length, length))
    centre = (length - 1) / 2
    for t in np.linspace(-centre, centre, 4 * length):
        kernel[round(centre + t * math.sin(angle)), round(centre + t * math.cos(angle))] = 1.0
    kernel /= kernel.sum()
    pixels = _array(image)
    if pixels.ndim == 3:
        out = np.stack(
            [ndimage.convolve(pixels[..., c], kernel, mode="nearest") for c in range(pixels.shape[2])], -1
        )
    else:
        out = ndimage.convolve(pixels, kernel, mode="nearest")
    return _image(out, image.mode)


def jpeg_bytes(image: Image.Image, severity: int) -> bytes:
    """The image as a JPEG file at the level's quality: what the `jpeg` perturbation sends."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=int(level("jpeg", severity)))
    return buffer.getvalue()


def jpeg(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    return Image.open(io.BytesIO(jpeg_bytes(image, severity))).convert(image.mode)


def gaussian_noise(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    pixels = _array(image)
    return _image(pixels + rng.normal(0.0, level("gaussian_noise", severity), pixels.shape), image.mode)


def salt_pepper(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    pixels = _array(image).copy()
    height, width = pixels.shape[:2]
    hit = rng.random((height, width)) < level("salt_pepper", severity)
    salt = rng.random((height, width)) < 0.5
    pixels[hit & salt] = 1.0
    pixels[hit & ~salt] = 0.0
    return _image(pixels, image.mode)


def downscale(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    factor = level("downscale", severity)
    small = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(small, Image.Resampling.BOX).resize(image.size, Image.Resampling.BILINEAR)


def rotation(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    degrees = level("rotation", severity) * (1 if rng.random() < 0.5 else -1)
    return image.rotate(degrees, Image.Resampling.BICUBIC, expand=True, fillcolor=_background(image))


def perspective(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    width, height = image.size
    shift = level("perspective", severity)
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)
    # Each corner moves inwards by up to `shift` of the side, in a seeded direction.
    inward = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], dtype=np.float64)
    moved = corners + inward * rng.uniform(0.3, 1.0, (4, 2)) * shift * np.array([width, height])
    # Pillow maps each output pixel to an input pixel: solve for the 8 coefficients that send
    # the moved corners of the output to the input's corners (the picture shrinks into a
    # quadrilateral; the uncovered border takes the background colour).
    rows, rhs = [], []
    for (x, y), (u, v) in zip(moved, corners, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    coefficients = np.linalg.solve(np.array(rows), np.array(rhs))
    return image.transform(
        image.size,
        Image.Transform.PERSPECTIVE,
        tuple(float(c) for c in coefficients),
        Image.Resampling.BICUBIC,
        fillcolor=_background(image),
    )


def brightness(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    return _image(_array(image) + level("brightness", severity), image.mode)


def contrast(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    pixels = _array(image)
    mean = pixels.mean(axis=(0, 1), keepdims=True)
    return _image((pixels - mean) * level("contrast", severity) + mean, image.mode)


def low_light(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    pixels = _array(image) ** 1.5 * level("low_light", severity)
    return _image(pixels + rng.normal(0.0, 0.02, pixels.shape), image.mode)


def occlusion(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    width, height = image.size
    area = level("occlusion", severity) * width * height
    aspect = rng.uniform(0.5, 2.0)
    w = max(1, min(width, round(math.sqrt(area * aspect))))
    h = max(1, min(height, round(area / w)))
    x = int(rng.integers(0, width - w + 1))
    y = int(rng.integers(0, height - h + 1))
    out = image.copy()
    ImageDraw.Draw(out).rectangle(
        (x, y, x + w - 1, y + h - 1), fill=128 if image.mode == "L" else (128, 128, 128)
    )
    return out


def text_overlay(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    out = image.copy()
    draw = ImageDraw.Draw(out)
    width, height = image.size
    size = max(10, min(height // 3, width // 6, 48))
    font = load_font("sans", size)
    for _ in range(int(level("text_overlay", severity))):
        word = _DISTRACTORS[int(rng.integers(len(_DISTRACTORS)))]
        x = int(rng.integers(0, max(1, width - size * len(word) // 2)))
        y = int(rng.integers(0, max(1, height - size)))
        shade = int(rng.integers(0, 256))
        colour = shade if image.mode == "L" else (shade, int(rng.integers(0, 256)), int(rng.integers(0, 256)))
        draw.text((x, y), word, fill=colour, font=font)
    return out


def moire(image: Image.Image, severity: int, rng: np.random.Generator) -> Image.Image:
    """A photo of a screen showing the image. The camera samples the screen's pixel grid at a
    slightly different pitch and angle, which beats into broad bands; the lens curves them,
    and the grid's red, green and blue sub-pixels put them out of phase per colour. Also the
    faint grid itself, a darker rim (vignette) and the screen's softness."""
    strength = level("moire", severity)
    pixels = _array(image.convert("RGB"))
    height, width = pixels.shape[:2]
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    angle = rng.uniform(0, np.pi)
    period = rng.uniform(7.0, 16.0)  # band spacing in pixels: the beat of the two grids
    centre_x, centre_y = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
    radius2 = ((x - centre_x) ** 2 + (y - centre_y) ** 2) / max(width, height) ** 2
    bend = rng.uniform(4.0, 12.0) * np.pi  # lens distortion: bands curve away from the centre
    phase = 2 * np.pi * (x * np.cos(angle) + y * np.sin(angle)) / period + bend * radius2
    bands = np.stack([np.cos(phase + k * 2 * np.pi / 3) for k in range(3)], axis=-1)
    grid = np.cos(np.pi * x)[..., None] * np.cos(np.pi * y)[..., None]  # the pixel grid, 2 px pitch
    vignette = 1.0 - 0.35 * strength * radius2[..., None] / radius2.max()
    shot = (pixels * (1.0 - strength * (0.5 + 0.5 * bands)) + 0.1 * strength) * vignette
    shot = shot * (1.0 - 0.15 * strength * grid)
    out = _image(shot, "RGB").filter(ImageFilter.GaussianBlur(0.6))
    return out if image.mode == "RGB" else out.convert(image.mode)


IMAGE_FUNCTIONS: dict[str, ImageFn] = {
    "blur": blur,
    "motion_blur": motion_blur,
    "jpeg": jpeg,
    "gaussian_noise": gaussian_noise,
    "salt_pepper": salt_pepper,
    "downscale": downscale,
    "rotation": rotation,
    "perspective": perspective,
    "brightness": brightness,
    "contrast": contrast,
    "low_light": low_light,
    "occlusion": occlusion,
    "text_overlay": text_overlay,
    "moire": moire,
}
