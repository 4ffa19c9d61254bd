"""A picture described exactly: the structured spec an image-generation row carries, and the
one function that draws it.

A spec names the canvas, an optional text block, groups of shapes (kind, colour, count, and a
region of the canvas: GenEval's counts, colours and positions) and shapes at exact places (the
scenes of edit rows). The generators write specs into rows; the `renderer` baseline draws them,
so the pipeline and the objective scorers can be shown end to end with no model.

Text is drawn with Pillow's built-in font (`ImageFont.load_default(size)`), which needs no
font file on the machine.
"""

from __future__ import annotations

from typing import Any, Literal

from PIL import Image, ImageDraw, ImageFont
from pydantic import BaseModel, ConfigDict, Field

from evals.generators.imaging import png_bytes
from evals.generators.shapes import COLOURS, SHAPES, Thing, draw_thing

Region = Literal["any", "left", "right", "top", "bottom", "centre"]
REGIONS: tuple[str, ...] = ("left", "right", "top", "bottom")
# The fraction of the canvas (x0, y0, x1, y1) each region covers.
_REGION_BOXES: dict[str, tuple[float, float, float, float]] = {
    "any": (0.0, 0.0, 1.0, 1.0),
    "left": (0.0, 0.0, 0.5, 1.0),
    "right": (0.5, 0.0, 1.0, 1.0),
    "top": (0.0, 0.0, 1.0, 0.5),
    "bottom": (0.0, 0.5, 1.0, 1.0),
    "centre": (0.25, 0.25, 0.75, 0.75),
}
BACKGROUND = (250, 250, 247)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ObjectGroup(_Spec):
    """`count` shapes of one kind and colour, laid out in a grid inside `region`."""

    shape: str
    colour: str
    count: int = Field(ge=0, le=64)
    region: Region = "any"


class PlacedShape(_Spec):
    """One shape at an exact place (pixels): the scenes edits are made in."""

    shape: str
    colour: str
    x: float
    y: float
    r: float


class PictureSpec(_Spec):
    width: int = Field(256, ge=16, le=4096)
    height: int = Field(256, ge=16, le=4096)
    text: str | None = Field(None, description="text to draw, one line per line break")
    objects: list[ObjectGroup] = Field(default_factory=list)
    shapes: list[PlacedShape] = Field(default_factory=list)
    # Seeded texture of the background (edit scenes): a flat repaint then cannot pass as a
    # preserved background (SSIM compares structure, and a flat image has none).
    texture_seed: int | None = None

    def things(self) -> list[Thing]:
        """Every shape with its place: the exact ones, then each group's grid."""
        found = [Thing(s.shape, s.colour, s.x, s.y, s.r) for s in self.shapes]
        for group in self.objects:
            found.extend(_grid(group, self.width, self.height))
        return found


def parse_spec(value: Any) -> PictureSpec:
    """A spec from a row's metadata (a mapping); raises ValueError with what is wrong."""
    spec = PictureSpec.model_validate(value)
    for thing in spec.things():
        if thing.shape not in SHAPES or thing.colour not in COLOURS:
            raise ValueError(
                f"unknown shape or colour {thing.colour} {thing.shape}; shapes: {', '.join(SHAPES)}; "
                f"colours: {', '.join(COLOURS)}"
            )
    return spec


def _grid(group: ObjectGroup, width: int, height: int) -> list[Thing]:
    """`count` shapes in rows and columns that fill the group's region, with a margin."""
    if group.count == 0:
        return []
    fx0, fy0, fx1, fy1 = _REGION_BOXES[group.region]
    x0, y0, x1, y1 = fx0 * width, fy0 * height, fx1 * width, fy1 * height
    columns = 1
    while columns * columns < group.count:
        columns += 1
    rows = -(-group.count // columns)
    cell_w, cell_h = (x1 - x0) / columns, (y1 - y0) / rows
    radius = 0.36 * min(cell_w, cell_h)
    out = []
    for k in range(group.count):
        row, column = divmod(k, columns)
        out.append(
            Thing(group.shape, group.colour, x0 + (column + 0.5) * cell_w, y0 + (row + 0.5) * cell_h, radius)
        )
    return out


def _background(spec: PictureSpec) -> Image.Image:
    if spec.texture_seed is None:
        return Image.new("RGB", (spec.width, spec.height), BACKGROUND)
    import numpy as np

    rng = np.random.default_rng([spec.texture_seed & 0xFFFFFFFF, 7])
    # Coarse noise scaled up: a textured surface (paper, cloth) rather than pixel grain.
    shape = (max(2, spec.height // 4), max(2, spec.width // 4), 1)
    coarse = rng.integers(140, 246, size=shape) + np.array([[[0, -6, -20]]])  # warm grey grain
    small = Image.fromarray(coarse.clip(0, 255).astype("uint8"), "RGB")
    return small.resize((spec.width, spec.height), resample=Image.Resampling.NEAREST)


def _draw_text(image: Image.Image, text: str) -> None:
    lines = [line for line in text.splitlines() if line.strip()] or [text]
    width, height = image.size
    size = max(10, min(int(height * 0.7 / len(lines)), 48))
    draw = ImageDraw.Draw(image)
    while size > 10:
        font = ImageFont.load_default(size=size)
        widths = [draw.textlength(line, font=font) for line in lines]
        if max(widths) <= width * 0.9:
            break
        size -= 2
    font = ImageFont.load_default(size=size)
    step = size * 1.3
    top = (height - step * len(lines)) / 2
    for k, line in enumerate(lines):
        left = (width - draw.textlength(line, font=font)) / 2
        draw.text((left, top + k * step), line, fill=(20, 20, 20), font=font)


def render_picture(spec: PictureSpec) -> Image.Image:
    """The picture a spec describes: background, shapes (in order), then the text on top."""
    image = _background(spec)
    draw = ImageDraw.Draw(image)
    for thing in spec.things():
        draw_thing(draw, thing)
    if spec.text:
        _draw_text(image, spec.text)
    return image


def picture_png(spec: PictureSpec) -> bytes:
    return png_bytes(render_picture(spec))


def edit_mask(width: int, height: int, box: tuple[int, int, int, int]) -> Image.Image:
    """A mask in the convention of OpenAI's image edit endpoint: an RGBA image, fully
    transparent where the edit may happen, opaque elsewhere."""
    mask = Image.new("RGBA", (width, height), (0, 0, 0, 255))
    ImageDraw.Draw(mask).rectangle(box, fill=(0, 0, 0, 0))
    return mask


def editable_area(mask: Image.Image) -> Image.Image:
    """Where a mask allows the edit, as an L image (255 = editable). Transparent pixels of an
    RGBA mask (OpenAI's convention) or white pixels of an opaque one (inpainting's)."""
    if mask.mode in ("RGBA", "LA") or (mask.mode == "P" and "transparency" in mask.info):
        alpha = mask.convert("RGBA").getchannel("A")
        if alpha.getextrema() != (255, 255):
            return alpha.point(lambda v: 255 if v < 128 else 0)
    return mask.convert("L").point(lambda v: 255 if v >= 128 else 0)
