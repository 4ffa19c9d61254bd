"""Image-generation baselines: `renderer` draws what the row's spec asks (the ceiling of the
objective scorers, and proof that the pipeline works end to end), `blank` returns a flat image
(the floor). Neither is a model; both are labelled `baseline` everywhere.

For an edit, `renderer` draws the spec (the scene after the edit) and keeps the source image
everywhere outside the mask, which is what a perfect edit does.
"""

from __future__ import annotations

import io
from typing import Any, ClassVar

from PIL import Image
from pydantic import Field, ValidationError

from evals.backends.base import Backend, BackendOptions
from evals.generators.imaging import png_bytes
from evals.generators.picture_spec import editable_area, parse_spec, render_picture
from evals.records import ErrorInfo, MediaPart, OutputMedia, Request, Response, Sample, Usage


class _ImageBaseline(Backend):
    kind = "baseline"
    cacheable = False
    modalities = frozenset({"text", "image"})
    outputs = frozenset({"image"})

    async def generate(self, request: Request) -> Response:  # pragma: no cover - answer() is used
        raise NotImplementedError(f"{self.type_name} draws from the sample, not the request")


def _role(request: Request, role: str) -> MediaPart | None:
    images = [p for p in request.media_parts() if p.kind == "image"]
    found = next((p for p in images if p.role == role), None)
    if found is None and role == "source" and images and all(p.role is None for p in images):
        return images[0]  # a prompt that did not mark roles: the first image is the one edited
    return found


def _open(part: MediaPart) -> Image.Image:
    return Image.open(io.BytesIO(part.media.data))


def _image_response(image: Image.Image, model: str) -> Response:
    data = png_bytes(image)
    return Response(
        outputs=[OutputMedia(kind="image", data=data, mime="image/png", name="image")],
        usage=Usage(output_images=1),
        model=model,
        finish_reason="stop",
    )


def _spec_of(sample: Sample) -> Any:
    return sample.metadata.get("spec") or sample.fields.get("spec")


class RendererBackend(_ImageBaseline):
    """Draws the row's `spec` exactly (baseline; see the module docstring)."""

    type_name: ClassVar[str] = "renderer"
    default_model: ClassVar[str | None] = "renderer"

    async def answer(self, request: Request, sample: Sample) -> Response:
        raw = _spec_of(sample)
        if raw is None:
            return Response(
                error=ErrorInfo(
                    kind="unsupported",
                    message=f"sample {sample.id!r} has no 'spec' column to draw; the renderer baseline "
                    "draws only rows of the built-in image tasks (or rows with a picture spec)",
                )
            )
        try:
            spec = parse_spec(raw)
        except (ValidationError, ValueError) as exc:
            first = str(exc).splitlines()[0]
            return Response(
                error=ErrorInfo(kind="bad_request", message=f"sample {sample.id!r}: spec: {first}")
            )
        drawn = render_picture(spec)
        source = _role(request, "source") if request.media_parts() else None
        if source is None:
            return _image_response(drawn, self.model)
        before = _open(source).convert("RGB")
        if drawn.size != before.size:
            drawn = drawn.resize(before.size, resample=Image.Resampling.BILINEAR)
        mask = _role(request, "mask")
        if mask is not None:
            area = editable_area(_open(mask))
            if area.size != before.size:
                area = area.resize(before.size, resample=Image.Resampling.NEAREST)
        else:
            area = Image.new("L", before.size, 255)
        return _image_response(Image.composite(drawn, before, area), self.model)


class BlankOptions(BackendOptions):
    colour: tuple[int, int, int] = Field((255, 255, 255), description="RGB of the flat image")


class BlankBackend(_ImageBaseline):
    """A flat image of the requested size (the source's size for an edit): the floor."""

    type_name: ClassVar[str] = "blank"
    default_model: ClassVar[str | None] = "blank"
    Options = BlankOptions
    options: BlankOptions

    async def answer(self, request: Request, sample: Sample) -> Response:
        source = _role(request, "source") if request.media_parts() else None
        if source is not None:
            size = _open(source).size
        else:
            width = sample.metadata.get("width") or sample.fields.get("width") or 256
            height = sample.metadata.get("height") or sample.fields.get("height") or 256
            size = (int(width), int(height))
        return _image_response(Image.new("RGB", size, tuple(self.options.colour)), self.model)
