"""OCR generators: single printed text lines, and receipt-like blocks of text.

Text is drawn in DejaVu fonts (from matplotlib's data folder) on grey-level paper, then degraded
by a difficulty level: rotation, blur, low resolution and sensor noise (see `degrade.py`).
References are the exact strings drawn; a receipt's reference joins its columns with one space
and its lines with a newline.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any, Literal

from PIL import Image, ImageDraw

from evals.generators import GeneratorParams, IndexedGenerator
from evals.generators.degrade import Degradation, apply_degradation, draw_degradation, pick_difficulty
from evals.generators.imaging import FONT_FAMILIES, load_font, png_bytes
from evals.generators.seeding import row_np_rng, row_rng
from evals.generators.words import ITEMS, clock_time, date_text, ocr_phrase, store_name, street_address

DifficultyParam = Literal["mixed", "easy", "medium", "hard"]
_SIZES = {"easy": (26, 36), "medium": (20, 30), "hard": (16, 24)}


class OcrLinesParams(GeneratorParams):
    difficulty: DifficultyParam = "mixed"
    fonts: tuple[str, ...] = FONT_FAMILIES


def _check_fonts(fonts: tuple[str, ...]) -> None:
    unknown = [f for f in fonts if f not in FONT_FAMILIES]
    if unknown or not fonts:
        raise ValueError(f"fonts must be some of {', '.join(FONT_FAMILIES)}; got {fonts}")


def render_line(text: str, family: str, size: int, ink: int, paper: int) -> Image.Image:
    """One line of text on a grey-level canvas with a margin of half the font size."""
    font = load_font(family, size)
    left, _, right, _ = font.getbbox(text)
    ascent, descent = font.getmetrics()
    margin = max(6, size // 2)
    width = math.ceil(right - left) + 2 * margin
    image = Image.new("L", (width, ascent + descent + 2 * margin), paper)
    ImageDraw.Draw(image).text((margin - left, margin), text, font=font, fill=ink)
    return image


def degraded_png(draw: Callable[[], Image.Image], degradation: Degradation, seed: int, index: int) -> bytes:
    """Draw the clean image, degrade it with the row's own noise stream, encode it as PNG."""
    return png_bytes(apply_degradation(draw(), degradation, row_np_rng(seed, index, "noise")))


class OcrLines(IndexedGenerator):
    """One printed line per row (notes, labels, addresses, prices) and its exact text."""

    name = "ocr_lines"
    description = "printed English text lines in several fonts, sizes and degradations"
    columns = ("id", "image", "answer", "font", "size", "rotation", "blur", "noise", "scale", "difficulty")
    Params = OcrLinesParams
    params: OcrLinesParams

    def __init__(self, params: GeneratorParams | None = None) -> None:
        super().__init__(params)
        _check_fonts(self.params.fonts)

    def row(self, seed: int, index: int) -> dict[str, Any]:
        rng = row_rng(seed, index, "ocr_lines")
        difficulty = pick_difficulty(rng, self.params.difficulty)
        text = ocr_phrase(rng)
        family = rng.choice(self.params.fonts)
        size = rng.randint(*_SIZES[difficulty])
        ink, paper = rng.randint(0, 60), rng.randint(225, 255)
        degradation = draw_degradation(rng, difficulty)
        draw = partial(render_line, text, family, size, ink, paper)
        render = partial(degraded_png, draw, degradation, seed, index)
        return {
            "id": f"line-{index:04d}",
            "image": render,
            "answer": text,
            "font": family,
            "size": size,
            **degradation.metadata(),
        }


class ReceiptsParams(GeneratorParams):
    difficulty: DifficultyParam = "mixed"
    fonts: tuple[str, ...] = ("mono", "mono-bold", "sans", "serif")
    min_items: int = 2
    max_items: int = 7


# A receipt is a list of lines; each line is (left text, right text, style).
_Line = tuple[str, str, str]


def receipt_lines(rng: random.Random, n_items: int) -> list[_Line]:
    """The lines of one receipt: header, items with prices, totals and a footer."""
    lines: list[_Line] = [
        (store_name(rng).upper(), "", "title"),
        (street_address(rng), "", "center"),
        (date_text(rng), clock_time(rng), "plain"),
        ("", "", "rule"),
    ]
    subtotal = 0
    for name, low, high in rng.sample(ITEMS, n_items):
        quantity = rng.choice((1, 1, 1, 2, 3))
        cents = round(rng.uniform(low, high) * 100)
        subtotal += quantity * cents
        label = name if quantity == 1 else f"{quantity} x {name}"
        lines.append((label, _money(quantity * cents), "plain"))
    rate = rng.choice((0, 5, 8, 10))
    tax = round(subtotal * rate / 100)
    lines += [("", "", "rule"), ("Subtotal", _money(subtotal), "plain")]
    if rate:
        lines.append((f"Tax {rate}%", _money(tax), "plain"))
    lines += [
        ("TOTAL", _money(subtotal + tax), "bold"),
        (rng.choice(("Card payment", "Cash", "Paid by card")), "", "plain"),
        (rng.choice(("Thank you for shopping!", "Thank you, come again", "Have a nice day")), "", "center"),
    ]
    return lines


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def receipt_text(lines: list[_Line]) -> str:
    """The reference: columns joined by one space, lines by a newline, rules left out."""
    return "\n".join(
        " ".join(p for p in (left, right) if p) for left, right, style in lines if style != "rule"
    )


def render_receipt(lines: list[_Line], family: str, size: int, ink: int, paper: int) -> Image.Image:
    font = load_font(family, size)
    bold = load_font("mono-bold" if family.startswith("mono") else "sans-bold", size)
    title = load_font("sans-bold", size + 4)
    ascent, descent = font.getmetrics()
    step = round((ascent + descent) * 1.25)
    width, margin = 22 * size, 2 * size
    height = 2 * margin + step * (len(lines) + 1)
    image = Image.new("L", (width, height), paper)
    draw = ImageDraw.Draw(image)
    y = margin
    for left, right, style in lines:
        face = {"title": title, "bold": bold}.get(style, font)
        if style == "rule":
            draw.line((margin, y + step // 2, width - margin, y + step // 2), fill=ink, width=1)
        elif style in ("title", "center"):
            draw.text((width // 2, y), left, font=face, fill=ink, anchor="ma")
        else:
            draw.text((margin, y), left, font=face, fill=ink)
            if right:
                draw.text((width - margin, y), right, font=face, fill=ink, anchor="ra")
        y += step + (step // 3 if style == "title" else 0)
    return image


class Receipts(IndexedGenerator):
    """A shop receipt per row (store, date, items, totals) and its text, line by line."""

    name = "receipts"
    description = "receipt-like blocks of text: items, prices, totals"
    columns = (
        "id", "image", "answer", "font", "size", "n_items", "n_lines",
        "rotation", "blur", "noise", "scale", "difficulty",
    )  # fmt: skip
    Params = ReceiptsParams
    params: ReceiptsParams

    def __init__(self, params: GeneratorParams | None = None) -> None:
        super().__init__(params)
        _check_fonts(self.params.fonts)
        if not 1 <= self.params.min_items <= self.params.max_items <= len(ITEMS):
            raise ValueError(f"need 1 <= min_items <= max_items <= {len(ITEMS)}")

    def row(self, seed: int, index: int) -> dict[str, Any]:
        rng = row_rng(seed, index, "receipts")
        difficulty = pick_difficulty(rng, self.params.difficulty)
        n_items = rng.randint(self.params.min_items, self.params.max_items)
        lines = receipt_lines(rng, n_items)
        family = rng.choice(self.params.fonts)
        size = rng.randint(*{"easy": (16, 20), "medium": (15, 18), "hard": (14, 17)}[difficulty])
        ink, paper = rng.randint(0, 70), rng.randint(220, 250)
        degradation = draw_degradation(rng, difficulty)
        # Receipt text is small already: shrinking it below 3/4 leaves glyphs of 8 px, unreadable.
        # A wide receipt turned by more than 2° lifts a price past its own line: rows would no
        # longer pair up, so the tilt is capped.
        degradation = replace(
            degradation,
            scale=max(degradation.scale, 0.75),
            rotation=max(-2.0, min(2.0, degradation.rotation)),
        )
        text = receipt_text(lines)
        draw = partial(render_receipt, lines, family, size, ink, paper)
        render = partial(degraded_png, draw, degradation, seed, index)
        return {
            "id": f"receipt-{index:04d}",
            "image": render,
            "answer": text,
            "font": family,
            "size": size,
            "n_items": n_items,
            "n_lines": text.count("\n") + 1,
            **degradation.metadata(),
        }
