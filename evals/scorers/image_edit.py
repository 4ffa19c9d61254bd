"""`edit_preservation`: an edit should change the masked region and nothing else. Outside the
edit region (the mask's editable area, or a box the row declares, grown by a few pixels for
anti-aliased edges), the edited image is compared with the source by SSIM and PSNR
(scikit-image), so a model that repaints the whole image scores low however good the picture.

Masks follow OpenAI's edit convention (transparent = editable); an opaque mask is read as
inpainting's (white = editable). An output of another size than the source is resized to it
first (recorded in the details): image models often return their own fixed size.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from pydantic import Field

from evals.generators.picture_spec import editable_area
from evals.scorers._images import decode, named_input, produced
from evals.scoring import Metric, SampleScore, ScoreInput, Scorer, ScorerFailed, ScorerOptions, ScoringContext

PSNR_CAP = 100.0  # identical pixels have infinite PSNR; a finite cap keeps means meaningful


class EditPreservationOptions(ScorerOptions):
    source: str = Field("image", description="dataset column of the image that was edited")
    mask: str = Field("mask", description="dataset column of the edit mask")
    box: str = Field("edit_box", description="metadata field with the edit box [x0, y0, x1, y1] (no mask)")
    grow: int = Field(4, ge=0, le=64, description="pixels the edit region is grown by before comparing")
    threshold: float = Field(0.9, gt=0, le=1, description="SSIM at or above which the rest counts as kept")


def _box_area(size: tuple[int, int], box: object) -> Image.Image:
    if not isinstance(box, list | tuple) or len(box) != 4 or not all(isinstance(v, int | float) for v in box):
        raise ScorerFailed(f"the edit box must be [x0, y0, x1, y1]; got {box!r}")
    area = Image.new("L", size, 0)
    ImageDraw.Draw(area).rectangle(tuple(float(v) for v in box), fill=255)
    return area


def preservation(source: np.ndarray, edited: np.ndarray, keep: np.ndarray) -> tuple[float, float]:
    """(mean SSIM, PSNR in dB) over the pixels where `keep` is true; RGB arrays of one shape."""
    from skimage.metrics import structural_similarity

    _, ssim_map = structural_similarity(  # type: ignore[no-untyped-call]
        source, edited, channel_axis=2, data_range=255, full=True
    )
    ssim = float(np.mean(ssim_map[keep]))
    diff = source[keep].astype(np.float64) - edited[keep].astype(np.float64)
    mse = float(np.mean(diff * diff))
    psnr = PSNR_CAP if mse == 0 else min(PSNR_CAP, 10 * math.log10(255.0**2 / mse))
    return ssim, psnr


class EditPreservation(Scorer):
    name: ClassVar[str] = "edit_preservation"
    Options = EditPreservationOptions
    options: EditPreservationOptions
    needs_outputs: ClassVar[frozenset[str]] = frozenset({"image"})
    needs_inputs: ClassVar[bool] = True

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (
            Metric(name="edit_ssim", scorer=self.name, description="mean SSIM outside the edit region"),
            Metric(
                name="edit_psnr",
                scorer=self.name,
                description=f"PSNR (dB) outside the edit region, capped at {PSNR_CAP:g}",
            ),
            Metric(
                name="edit_kept",
                scorer=self.name,
                binary=True,
                description="SSIM outside the edit region at or above the threshold",
            ),
        )

    def _editable(self, item: ScoreInput, size: tuple[int, int]) -> Image.Image:
        mask = named_input(item, self.options.mask)
        if mask is not None:
            area = editable_area(decode(mask, "mask"))
            return area if area.size == size else area.resize(size, resample=Image.Resampling.NEAREST)
        if self.options.box in item.metadata:
            return _box_area(size, item.metadata[self.options.box])
        raise ScorerFailed(
            f"no mask (input column {self.options.mask!r}) and no edit box (metadata {self.options.box!r})"
        )

    async def evaluate(self, item: ScoreInput, context: ScoringContext) -> SampleScore:
        source_item = named_input(item, self.options.source)
        if source_item is None:
            raise ScorerFailed(f"the sample has no source image in column {self.options.source!r}")
        source = decode(source_item, "source image").convert("RGB")
        edited = produced(item)
        if edited is None:
            return SampleScore({"edit_ssim": 0.0, "edit_psnr": 0.0, "edit_kept": 0.0}, flags=("no_image",))
        details: dict[str, object] = {}
        if edited.size != source.size:
            details["resized_from"] = list(edited.size)
            edited = edited.resize(source.size, resample=Image.Resampling.BILINEAR)
        area = self._editable(item, source.size)
        if self.options.grow:
            area = area.filter(ImageFilter.MaxFilter(2 * self.options.grow + 1))
        keep = np.asarray(area) < 128
        if not keep.any():
            raise ScorerFailed("the edit region covers the whole image: nothing is left to preserve")
        ssim, psnr = preservation(np.asarray(source), np.asarray(edited.convert("RGB")), keep)
        details["kept_share"] = round(float(keep.mean()), 4)
        values = {"edit_ssim": ssim, "edit_psnr": psnr, "edit_kept": float(ssim >= self.options.threshold)}
        return SampleScore(values, details=details)
