"""Gemini image output (`gemini-2.5-flash-image` and successors) on google-genai: the request
asks for response modalities TEXT and IMAGE, and the images come back as inline parts.

An edit is the source image with the instruction: Gemini takes no mask, so a mask part is not
sent (edit_preservation still scores the result against the mask). Cost is per image from the
pricing table's `per_image` entry (docs/image-generation.md).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from evals.backends.gemini import GeminiBackend
from evals.pricing import get_pricing
from evals.records import MediaPart, Message, Request, Response, Usage

if TYPE_CHECKING:
    from google.genai import types


def without_masks(request: Request) -> Request:
    """The request with its mask parts left out."""
    messages = tuple(
        Message(m.role, tuple(p for p in m.parts if not (isinstance(p, MediaPart) and p.role == "mask")))
        for m in request.messages
    )
    return replace(request, messages=messages, memo={})


class GeminiImageBackend(GeminiBackend):
    """Text (and source image) in, image out. Key: GEMINI_API_KEY or GOOGLE_API_KEY."""

    type_name: ClassVar[str] = "gemini-image"
    default_model: ClassVar[str | None] = "gemini-2.5-flash-image"
    modalities: ClassVar[frozenset[str]] = frozenset({"text", "image"})
    outputs: ClassVar[frozenset[str]] = frozenset({"text", "image"})

    def generation_config(self, request: Request) -> types.GenerateContentConfig:
        config = super().generation_config(request)
        config.response_modalities = ["TEXT", "IMAGE"]
        config.max_output_tokens = None  # an image is ~1,290 tokens: a text task's cap would cut it
        return config

    def price_per_image(self) -> float | None:
        entry = get_pricing().lookup(self.model)
        return None if entry is None else entry.image_price(None, None)

    def cost(self, usage: Usage) -> float | None:
        if usage.output_images is None:
            return None if not usage.is_empty() else 0.0
        price = self.price_per_image()
        return None if price is None else usage.output_images * price

    def estimate_usage(self, request: Request) -> Usage | None:
        return Usage(output_images=1)

    async def generate(self, request: Request) -> Response:
        sent = request.memo.get("gemini-unmasked")
        if not isinstance(sent, Request):  # built once: retries reuse its uploads and parts
            masked = any(p.role == "mask" for p in request.media_parts())
            sent = without_masks(request) if masked else request
            request.memo["gemini-unmasked"] = sent
        return await super().generate(sent)
