"""`image_checks`: cheap facts about a generated image that need no model.

- `image_aspect_ok`: the aspect ratio (and, when the task names one, the exact size) is what
  was asked: the `size`/`aspect` options, else the row's `width` and `height`.
- `image_not_blank`: the image has content (its grey levels are not flat).
- `image_distinct`: it is not a near-duplicate of an image the same backend produced earlier in
  the run for a different prompt — a model that returns one picture whatever it is asked. Near
  means both a 256-bit perceptual hash (`imagehash.phash`, hash_size 16: structure) and a colour
  hash (`imagehash.colorhash`: a greyscale hash alone takes four red squares for four green
  circles) within a few bits. Which of two duplicates is flagged depends on the order samples
  finish; the count of flagged images does not.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import numpy as np
from pydantic import Field, field_validator

from evals.scorers._images import produced
from evals.scoring import Metric, SampleScore, ScoreInput, Scorer, ScorerOptions, ScoringContext

_SIZE = re.compile(r"^(\d+)x(\d+)$")
_ASPECT = re.compile(r"^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$")


class ImageChecksOptions(ScorerOptions):
    size: str | None = Field(None, description="exact size asked, WIDTHxHEIGHT (e.g. 1024x1024)")
    aspect: str | None = Field(None, description="aspect ratio asked, W:H (e.g. 16:9)")
    aspect_tolerance: float = Field(0.03, ge=0, le=1, description="relative difference allowed")
    blank_std: float = Field(3.0, ge=0, description="grey-level standard deviation below which it is blank")
    hash_distance: int = Field(8, ge=0, le=256, description="phash bits apart for two to count as near")
    colour_distance: int = Field(3, ge=0, le=64, description="colorhash bits apart for two to count as near")

    @field_validator("size")
    @classmethod
    def _size(cls, value: str | None) -> str | None:
        if value is not None and not _SIZE.match(value):
            raise ValueError("size must be WIDTHxHEIGHT, e.g. 1024x1024")
        return value

    @field_validator("aspect")
    @classmethod
    def _aspect(cls, value: str | None) -> str | None:
        if value is not None and not _ASPECT.match(value):
            raise ValueError("aspect must be W:H, e.g. 16:9")
        return value


def _ratio(width: Any, height: Any) -> float | None:
    try:
        w, h = float(width), float(height)
    except (TypeError, ValueError):
        return None
    return w / h if w > 0 and h > 0 else None


class ImageChecks(Scorer):
    name: ClassVar[str] = "image_checks"
    Options = ImageChecksOptions
    options: ImageChecksOptions
    needs_outputs: ClassVar[frozenset[str]] = frozenset({"image"})

    def __init__(self, options: ImageChecksOptions | None = None) -> None:
        super().__init__(options)
        # (task, backend) → (hash, prompt, sample id) of every image seen so far in this run.
        self._seen: dict[tuple[str, str], list[tuple[Any, str, str]]] = {}

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (
            Metric(name="image_aspect_ok", scorer=self.name, binary=True, description="size/aspect as asked"),
            Metric(
                name="image_not_blank", scorer=self.name, binary=True, description="the image has content"
            ),
            Metric(
                name="image_distinct",
                scorer=self.name,
                binary=True,
                description="not a near-duplicate of another prompt's image from the same backend",
            ),
        )

    def _wanted(self, item: ScoreInput) -> tuple[float | None, tuple[int, int] | None]:
        size = None
        if self.options.size:
            w, h = self.options.size.split("x")
            size = (int(w), int(h))
        if self.options.aspect:
            w, h = self.options.aspect.split(":")
            return _ratio(w, h), size
        if size:
            return _ratio(*size), size
        return _ratio(item.metadata.get("width"), item.metadata.get("height")), None

    def _near(self, a: tuple[Any, Any], b: tuple[Any, Any]) -> bool:
        return bool(a[0] - b[0] <= self.options.hash_distance and a[1] - b[1] <= self.options.colour_distance)

    async def evaluate(self, item: ScoreInput, context: ScoringContext) -> SampleScore:
        import imagehash

        image = produced(item)
        if image is None:
            zeros = {"image_aspect_ok": 0.0, "image_not_blank": 0.0, "image_distinct": 0.0}
            return SampleScore(zeros, flags=("no_image",))
        ratio, size = self._wanted(item)
        got = image.width / image.height
        aspect_ok = ratio is None or abs(got - ratio) <= self.options.aspect_tolerance * ratio
        size_ok = size is None or image.size == size
        grey = np.asarray(image.convert("L"), dtype=np.float64)
        spread = float(grey.std())
        rgb = image.convert("RGB")
        digest = (imagehash.phash(rgb, hash_size=16), imagehash.colorhash(rgb))
        prompt = item.prompt or item.sample_id
        seen = self._seen.setdefault((item.task, item.backend), [])
        twin = next((sid for h, p, sid in seen if p != prompt and self._near(digest, h)), None)
        seen.append((digest, prompt, item.sample_id))
        details: dict[str, Any] = {"size": [image.width, image.height], "grey_std": round(spread, 2)}
        details["phash"] = str(digest[0])
        if twin is not None:
            details["duplicate_of"] = twin
        values = {
            "image_aspect_ok": float(aspect_ok and size_ok),
            "image_not_blank": float(spread >= self.options.blank_std),
            "image_distinct": float(twin is None),
        }
        flags = ("blank",) if spread < self.options.blank_std else ()
        return SampleScore(values, details=details, flags=flags)
