"""OpenAI's image endpoints on the openai SDK: `images.generate` (DALL·E 2/3, gpt-image-1) and,
for a request with a source image, `images.edit` (with its mask, when the request has one).

Settings (size, quality, style, background, n, output format) come from the backend's options,
else from the task's `generation.output_options`; the backend's win, since they are what is
being compared. DALL·E models are asked for base64 (their default is a URL that expires);
gpt-image models always answer base64. Cost is per image from the pricing table's `per_image`
entry for the model, size and quality (docs/image-generation.md); token usage is recorded where
the API reports it (gpt-image-1).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from evals.backends._errors import BadResponse, UnsupportedInput
from evals.backends._provider import StainlessBackend, StainlessOptions
from evals.media import sniff_mime
from evals.pricing import get_pricing
from evals.records import MediaPart, OutputMedia, Request, Response, TextPart, Usage

if TYPE_CHECKING:
    from openai import AsyncOpenAI  # noqa: F401 (named in the generic base as a string)

# What the API does when a setting is left out, for pricing (OpenAI's image guide).
_DEFAULT_SIZE = "1024x1024"
_DEFAULT_QUALITY = {"dall-e-3": "standard", "dall-e-2": "standard"}
# gpt-image-1's `auto` quality lets the model choose: priced as high, an upper bound.
_AUTO_PRICED_AS = "high"
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


class ImageOptions(StainlessOptions):
    size: str | None = Field(None, description="1024x1024, 1024x1536, 1792x1024, auto, … (model-dependent)")
    quality: str | None = Field(
        None, description="standard/hd (dall-e-3); low/medium/high/auto (gpt-image-1)"
    )
    style: Literal["vivid", "natural"] | None = Field(None, description="dall-e-3 only")
    background: Literal["transparent", "opaque", "auto"] | None = Field(None, description="gpt-image-1 only")
    n: int | None = Field(None, ge=1, le=10, description="images per prompt (dall-e-3: 1)")
    output_format: Literal["png", "jpeg", "webp"] | None = Field(None, description="gpt-image-1 only")


class OpenAIImagesBackend(StainlessBackend["AsyncOpenAI"]):
    """Text to image and image edits. Key: OPENAI_API_KEY (or `api_key_env`)."""

    type_name: ClassVar[str] = "openai-images"
    default_model: ClassVar[str | None] = "gpt-image-1"
    modalities: ClassVar[frozenset[str]] = frozenset({"text", "image"})
    outputs: ClassVar[frozenset[str]] = frozenset({"image"})
    key_env: ClassVar[tuple[str, ...]] = ("OPENAI_API_KEY",)
    sdk_module: ClassVar[str] = "openai"
    sdk_distribution: ClassVar[str] = "openai"
    extra: ClassVar[str] = "openai"
    client_class: ClassVar[str] = "AsyncOpenAI"
    Options = ImageOptions
    options: ImageOptions

    def settings(self, request: Request | None = None) -> dict[str, Any]:
        """The image settings sent: the task's output options, overridden by the backend's."""
        chosen: dict[str, Any] = {}
        if request is not None:
            for name in ("size", "quality", "style", "background", "n", "output_format"):
                value = request.params.option(name)
                if value is not None:
                    chosen[name] = value
        for name in ("size", "quality", "style", "background", "n", "output_format"):
            value = getattr(self.options, name)
            if value is not None:
                chosen[name] = value
        return chosen

    def price_per_image(self, request: Request | None = None) -> float | None:
        chosen = self.settings(request)
        size = str(chosen.get("size") or _DEFAULT_SIZE)
        size = _DEFAULT_SIZE if size == "auto" else size
        quality = str(chosen.get("quality") or _DEFAULT_QUALITY.get(self.model, "auto"))
        quality = _AUTO_PRICED_AS if quality == "auto" else quality
        entry = get_pricing().lookup(self.model)
        return None if entry is None else entry.image_price(size, quality)

    def cost(self, usage: Usage) -> float | None:
        """Per image at the backend's settings (estimates); responses carry their own cost."""
        if usage.output_images is None:
            return 0.0 if usage.is_empty() else None
        price = self.price_per_image()
        return None if price is None else usage.output_images * price

    def estimate_usage(self, request: Request) -> Usage | None:
        return Usage(output_images=int(self.settings(request).get("n") or 1))

    def _arguments(self, request: Request, *, edit: bool) -> dict[str, Any]:
        prompt = "\n".join(
            p.text for m in request.user_messages for p in m.parts if isinstance(p, TextPart)
        ).strip()
        if request.system:
            prompt = f"{request.system}\n\n{prompt}" if prompt else request.system
        if not prompt:
            raise UnsupportedInput("an image request needs a text prompt")
        kwargs: dict[str, Any] = {"model": self.model, "prompt": prompt, **self.settings(request)}
        if edit:
            kwargs.pop("style", None)
        if self.model.startswith("dall-e"):
            kwargs["response_format"] = "b64_json"
        return kwargs

    async def generate(self, request: Request) -> Response:
        images = [p for p in request.media_parts() if p.kind == "image"]
        sources = [p for p in images if p.role in ("source", None)]
        mask = next((p for p in images if p.role == "mask"), None)
        if sources:
            kwargs = self._arguments(request, edit=True)
            files = [_file(part, f"image-{k}") for k, part in enumerate(sources)]
            kwargs["image"] = files[0] if len(files) == 1 else files
            if mask is not None:
                kwargs["mask"] = _file(mask, "mask")
            result = await self.client.images.edit(**kwargs)
        else:
            result = await self.client.images.generate(**self._arguments(request, edit=False))
        outputs = []
        revised = []
        for k, item in enumerate(result.data or []):
            if not item.b64_json:
                raise BadResponse("the image came back without base64 data (a URL only)")
            data = base64.b64decode(item.b64_json)
            mime = sniff_mime(data) or "image/png"
            outputs.append(
                OutputMedia(kind="image", data=data, mime=mime, name=f"image-{k}" if k else "image")
            )
            if getattr(item, "revised_prompt", None):
                revised.append(item.revised_prompt)
        if not outputs:
            raise BadResponse("the response has no images")
        usage = Usage(output_images=len(outputs))
        reported = getattr(result, "usage", None)
        if reported is not None:
            usage.input_tokens = reported.input_tokens
            usage.output_tokens = reported.output_tokens
            details = getattr(reported, "input_tokens_details", None)
            usage.image_tokens = getattr(details, "image_tokens", None) or None
        price = self.price_per_image(request)
        raw: dict[str, Any] = {"model": self.model, "settings": self.settings(request)}
        if revised:
            raw["revised_prompts"] = revised
        return Response(
            outputs=outputs,
            usage=usage,
            model=self.model,
            finish_reason="stop",
            cost_usd=None if price is None else price * len(outputs),
            raw=raw,
        )


def _file(part: MediaPart, stem: str) -> tuple[str, bytes, str]:
    mime = part.media.mime or sniff_mime(part.media.data) or "image/png"
    return (f"{stem}.{_EXTENSIONS.get(mime, 'png')}", part.media.data, mime)
