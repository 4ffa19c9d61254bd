"""Image generation on the fake provider: OpenAI's `/v1/images/generations` and
`/v1/images/edits`, and image output from Gemini's `generateContent` (response modality IMAGE).

The pictures are drawn here, deterministically from the request: a background colour from the
prompt's hash, the prompt's first quoted text written on it (so OCR scorers have something to
read), and a band of shapes. An edit fills the mask's editable area (OpenAI's convention:
transparent = editable; no mask: a centre box) and keeps every other pixel of the source.

The answer function steers the picture: an answer of `repaint` makes an edit return a brand new
picture instead (a model that repaints the whole image); `blank` returns a flat white image.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import time
from typing import Any

from aiohttp import web
from PIL import Image, ImageDraw, ImageFont

from evals.backends import _tokens
from evals.testing.fake_provider.request import BadRequest, FakeRequest

REPAINT = "repaint"
BLANK = "blank"
_QUOTED = re.compile(r'"([^"]+)"')
_DALLE_SIZES = {"dall-e-2": "1024x1024", "dall-e-3": "1024x1024"}
# Output image tokens OpenAI reports for gpt-image-1 at 1024x1024, by quality (its docs' table).
_GPT_IMAGE_TOKENS = {"low": 272, "medium": 1056, "high": 4160, "auto": 1056}
GEMINI_IMAGE_TOKENS = 1290  # Gemini 2.5 Flash Image: tokens per generated image (≤ 1024×1024)


def _colour(seed: bytes, k: int) -> tuple[int, int, int]:
    return (seed[k] // 2 + 64, seed[k + 1] // 2 + 64, seed[k + 2] // 2 + 64)


def draw_picture(prompt: str, width: int, height: int, variant: int = 0) -> Image.Image:
    """A deterministic picture for a prompt: same prompt, size and variant, same pixels."""
    seed = hashlib.sha512(f"{variant}\x00{prompt}".encode()).digest()
    image = Image.new("RGB", (width, height), _colour(seed, 0))
    draw = ImageDraw.Draw(image)
    # Shapes whose number, places and sizes come from the prompt's hash: different prompts give
    # pictures that differ in structure, not only in colour (perceptual hashes see structure).
    for k in range(2 + seed[3] % 5):
        x, y = seed[4 + 2 * k] / 255 * width, seed[5 + 2 * k] / 255 * height
        r = (0.08 + seed[16 + k] / 255 * 0.15) * min(width, height)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_colour(seed, 30 + 3 * k))
    quoted = _QUOTED.search(prompt)
    if quoted:
        lines = [quoted.group(1)]
        size = max(12, min(48, int(height * 0.5 / len(lines))))
        font = ImageFont.load_default(size=size)
        panel = (int(width * 0.05), int(height * 0.1), int(width * 0.95), int(height * 0.65))
        draw.rectangle(panel, fill=(250, 250, 250))
        for n, line in enumerate(lines):
            draw.text((panel[0] + 8, panel[1] + 8 + n * size * 1.3), line, fill=(10, 10, 10), font=font)
    return image


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _size(value: Any, model: str | None) -> tuple[int, int]:
    text = str(value or _DALLE_SIZES.get(model or "", "1024x1024"))
    if text == "auto":
        text = "1024x1024"
    match = re.fullmatch(r"(\d+)x(\d+)", text)
    if not match:
        raise BadRequest(f"Invalid value: '{text}'. Supported values are: '1024x1024', '1024x1536', ...")
    return int(match.group(1)), int(match.group(2))


def _n(value: Any) -> int:
    n = int(value or 1)
    if not 1 <= n <= 10:
        raise BadRequest("n must be between 1 and 10")
    return n


def parse_generation(body: dict[str, Any]) -> FakeRequest:
    prompt, model = body.get("prompt"), body.get("model") or "dall-e-2"
    if not isinstance(prompt, str) or not prompt:
        raise BadRequest("'prompt' is required")
    if str(model).startswith("gpt-image") and "response_format" in body:
        raise BadRequest("Unknown parameter: 'response_format'.")
    if model == "dall-e-3" and _n(body.get("n")) != 1:
        raise BadRequest("n must be 1 for dall-e-3")
    _size(body.get("size"), model)
    return FakeRequest("openai", "images", str(model), text=prompt, body=body)


def parse_edit(fields: dict[str, Any]) -> FakeRequest:
    """A multipart edit request: `image` (or `image[]`), optional `mask`, `prompt`, options."""
    prompt = fields.get("prompt")
    if not isinstance(prompt, str) or not prompt:
        raise BadRequest("'prompt' is required")
    images = [v for k, v in fields.items() if k in ("image", "image[]") and isinstance(v, bytes)]
    if not images:
        raise BadRequest("'image' is required")
    for data in images:
        if _tokens.image_size(data) is None:
            raise BadRequest("Invalid image file or mode for image")
    model = str(fields.get("model") or "dall-e-2")
    # The body keeps the form's fields (the mask's bytes too, for the edit); the images are apart.
    body = {k: v for k, v in fields.items() if k not in ("image", "image[]")}
    req = FakeRequest("openai", "image_edits", model, text=prompt, images=images, body=body)
    if fields.get("size"):
        _size(fields["size"], model)  # a malformed size is the API's 400
    return req


def _editable(mask: bytes | None, size: tuple[int, int]) -> Image.Image:
    if mask is None:
        area = Image.new("L", size, 0)
        w, h = size
        ImageDraw.Draw(area).rectangle((w // 4, h // 4, 3 * w // 4, 3 * h // 4), fill=255)
        return area
    image = Image.open(io.BytesIO(mask))
    if image.size != size:
        raise BadRequest("Invalid mask: the mask and the image must have the same dimensions")
    alpha = image.convert("RGBA").getchannel("A")
    return alpha.point(lambda v: 255 if v < 128 else 0)


def edited(source: bytes, mask: bytes | None, prompt: str, answer: str, variant: int = 0) -> Image.Image:
    """The fake's edit: the source with its editable area painted (or, for `repaint`, a new
    picture; for `blank`, a flat image)."""
    before = Image.open(io.BytesIO(source)).convert("RGB")
    if answer.strip() == REPAINT:
        return draw_picture(prompt, *before.size, variant=variant + 1)
    if answer.strip() == BLANK:
        return Image.new("RGB", before.size, (255, 255, 255))
    patch = draw_picture(prompt, *before.size, variant=variant)
    return Image.composite(patch, before, _editable(mask, before.size))


def generated(prompt: str, size: tuple[int, int], answer: str, variant: int) -> Image.Image:
    if answer.strip() == BLANK:
        return Image.new("RGB", size, (255, 255, 255))
    return draw_picture(prompt, *size, variant=variant)


def _b64(image: Image.Image) -> str:
    return base64.b64encode(png(image)).decode()


def images_body(req: FakeRequest, answer: str) -> dict[str, Any]:
    """The JSON of `/v1/images/generations` or `/v1/images/edits` (b64_json always: URLs would
    need a second server; the backends ask for base64)."""
    model = req.model or "dall-e-2"
    n = _n(req.body.get("n"))
    if req.endpoint == "image_edits":
        mask = req.body.get("mask")
        pictures = [
            edited(req.images[0], mask if isinstance(mask, bytes) else None, req.text, answer, k)
            for k in range(n)
        ]
    else:
        size = _size(req.body.get("size"), model)
        pictures = [generated(req.text, size, answer, k) for k in range(n)]
    data: list[dict[str, Any]] = []
    for picture in pictures:
        item: dict[str, Any] = {"b64_json": _b64(picture)}
        if model == "dall-e-3":
            item["revised_prompt"] = f"{req.text} (revised)"
        data.append(item)
    body: dict[str, Any] = {"created": int(time.time()), "data": data}
    if model.startswith("gpt-image"):
        quality = str(req.body.get("quality") or "auto")
        text = _tokens.text_tokens(req.text)
        image_in = 0 if req.endpoint != "image_edits" else 323 * len(req.images)
        out = _GPT_IMAGE_TOKENS.get(quality, 1056) * n
        body["usage"] = {
            "input_tokens": text + image_in,
            "output_tokens": out,
            "total_tokens": text + image_in + out,
            "input_tokens_details": {"text_tokens": text, "image_tokens": image_in},
        }
        body["background"] = req.body.get("background") or "opaque"
        body["quality"] = quality
        body["size"] = f"{pictures[0].width}x{pictures[0].height}"
        body["output_format"] = "png"
    return body


def wants_image(req: FakeRequest) -> bool:
    """Whether a Gemini request asked for image output (generationConfig.responseModalities)."""
    config = req.body.get("generationConfig") or req.body.get("generation_config") or {}
    modalities = config.get("responseModalities") or config.get("response_modalities") or []
    return any(str(m).upper() == "IMAGE" for m in modalities)


def add_gemini_image(body: dict[str, Any], req: FakeRequest, answer: str) -> dict[str, Any]:
    """Add a drawn image part (and its output tokens) to a generateContent answer: an edit of
    the request's first image when it has one, else a new picture."""
    if req.images:
        picture = edited(req.images[0], None, req.text, answer)
    else:
        picture = generated(req.text, (1024, 1024), answer, 0)
    candidate = body["candidates"][0]
    candidate["content"]["parts"].append({"inlineData": {"mimeType": "image/png", "data": _b64(picture)}})
    usage = body["usageMetadata"]
    usage["candidatesTokenCount"] += GEMINI_IMAGE_TOKENS
    usage["totalTokenCount"] += GEMINI_IMAGE_TOKENS
    usage["candidatesTokensDetails"].append({"modality": "IMAGE", "tokenCount": GEMINI_IMAGE_TOKENS})
    return body


def add_routes(app: web.Application, server: Any) -> None:
    """Serve the image endpoints through the server's common path (faults, latency, stats).
    `server` is the FakeProvider (typed loosely: it imports this module)."""

    async def generations(request: web.Request) -> web.StreamResponse:
        async def parse() -> tuple[FakeRequest, bytes]:
            body, raw = await server._json(request)
            return parse_generation(body), raw

        async def respond(parsed: FakeRequest, answer: str) -> web.StreamResponse:
            return web.json_response(images_body(parsed, answer))

        response: web.StreamResponse = await server._serve_request(
            request, "openai", "images", parse, respond
        )
        return response

    async def edits(request: web.Request) -> web.StreamResponse:
        async def parse() -> tuple[FakeRequest, bytes]:
            form = await request.post()
            fields: dict[str, Any] = {}
            for name, value in form.items():
                fields[name] = value.file.read() if isinstance(value, web.FileField) else value
            parsed = parse_edit(fields)
            return parsed, b"".join(parsed.images) + parsed.text.encode()

        async def respond(parsed: FakeRequest, answer: str) -> web.StreamResponse:
            return web.json_response(images_body(parsed, answer))

        response: web.StreamResponse = await server._serve_request(
            request, "openai", "image_edits", parse, respond
        )
        return response

    app.router.add_post("/v1/images/generations", generations)
    app.router.add_post("/v1/images/edits", edits)
