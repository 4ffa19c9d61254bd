"""Seeded shop receipts with exact ground-truth JSON, for the `extract` task kind and the
document pipeline (a second document type beside the invoices).

Each receipt has a store with its address, a receipt number, a date (four printed styles) and
time, one to six line items (description, quantity, amount), subtotal, a tax rate (0, 5, 7 or
20 %), tax, an optional tip, total, currency and payment method, in one of two layouts (`narrow`:
a till roll, quantity before the name; `wide`: a quantity column). Card receipts carry a
**handwritten** tip: its digits are real handwriting (scikit-learn's `load_digits`, as in the
`digits` generator) pasted onto the slip, so reading it is a handwriting task inside a printed
page. `inconsistent` rows print a total that is not subtotal + tax + tip, so their correct
extraction violates `total_adds_up`, as it should. Scans are degraded as the invoices are
(rotation, blur, noise, scale; low light and JPEG on hard).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import replace
from functools import partial
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageDraw

from evals.generators import GeneratorParams, IndexedGenerator
from evals.generators.degrade import draw_degradation, pick_difficulty
from evals.generators.digits import digit_images, digit_order
from evals.generators.imaging import load_font
from evals.generators.invoices import CURRENCIES, DATE_STYLES, money, printed_date, scan
from evals.generators.seeding import row_rng
from evals.generators.words import ITEMS, clock_time, store_name, street_address

TAX_RATES = (0.0, 0.05, 0.07, 0.2)
LAYOUTS = ("narrow", "wide")


class ReceiptsParams(GeneratorParams):
    difficulty: Literal["mixed", "easy", "medium", "hard"] = "mixed"
    min_items: int = 1
    max_items: int = 6
    inconsistent: float = 0.1
    card: float = 0.5  # the share paid by card, which carry a handwritten tip
    layouts: tuple[str, ...] = LAYOUTS


def receipt_record(rng: random.Random, n_items: int, inconsistent: bool, card: bool) -> dict[str, Any]:
    """The ground truth of one receipt (what its image prints, normalised)."""
    day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
    items: list[dict[str, Any]] = []
    for name, low, high in rng.sample(ITEMS, n_items):
        quantity = rng.choice((1, 1, 1, 2, 3))
        items.append(
            {"description": name, "quantity": quantity, "amount": round(quantity * rng.uniform(low, high), 2)}
        )
    subtotal = round(sum(float(i["amount"]) for i in items), 2)
    rate = rng.choice(TAX_RATES)
    tax = round(subtotal * rate, 2)
    # A tip in whole ten-cent steps, so its handwritten digits are 1–3 plus a point.
    tip = round(rng.randint(5, 99) / 10, 2) if card else None
    total = round(subtotal + tax + (tip or 0.0), 2)
    if inconsistent:
        total = round(total + rng.choice((-1, 1)) * rng.choice((1.0, 2.0, 5.0, 0.5)), 2)
    return {
        "store": store_name(rng),
        "address": street_address(rng),
        "receipt_number": f"R-{rng.randint(10000, 99999)}",
        "date": day.isoformat(),
        "time": clock_time(rng),
        "currency": rng.choice(sorted(CURRENCIES)),
        "items": items,
        "subtotal": subtotal,
        "tax_rate": rate,
        "tax": tax,
        "tip": tip,
        "total": total,
        "payment": "card" if card else "cash",
    }


def receipt_lines(record: dict[str, Any], layout: str, date_style: str) -> list[tuple[str, str, str]]:
    """(left, right, style) lines of the slip; the tip's amount is left blank (handwritten)."""
    issued = printed_date(dt.date.fromisoformat(record["date"]), date_style)
    lines: list[tuple[str, str, str]] = [
        (record["store"], "", "title"),
        (record["address"], "", "plain"),
        ("RECEIPT", record["receipt_number"], "bold"),
        (issued, record["time"], "plain"),
        ("", "", "rule"),
    ]
    if layout == "wide":
        lines.append(("Qty  Item", "Amount", "bold"))
    for item in record["items"]:
        if layout == "wide":
            lines.append((f"{item['quantity']}  {item['description']}", money(item["amount"]), "plain"))
        else:
            lines.append((f"{item['quantity']} x {item['description']}", money(item["amount"]), "plain"))
    rate = round(record["tax_rate"] * 100)
    lines += [
        ("", "", "rule"),
        ("Subtotal", money(record["subtotal"]), "plain"),
        (f"Tax {rate}%", money(record["tax"]), "plain"),
    ]
    if record["tip"] is not None:
        lines.append(("Tip", "", "tip"))
    lines += [
        (f"TOTAL {record['currency']}", f"{CURRENCIES[record['currency']]}{money(record['total'])}", "bold"),
        (f"Paid by {record['payment']}", "", "plain"),
        ("Thank you!", "", "plain"),
    ]
    return lines


def handwritten_digits(text: str, height: int, seed: int, index: int, ink: int) -> Image.Image:
    """`text` (digits and a point) in real handwritten digits, dark on white."""
    images, _ = digit_images()
    order = digit_order(seed)
    rng = row_rng(seed, index, "receipt-tip")
    glyphs: list[Image.Image] = []
    for char in text:
        if char == ".":
            dot = Image.new("L", (height // 3, height), 255)
            ImageDraw.Draw(dot).ellipse(
                (height // 9, height - height // 4, height // 9 + height // 7, height - height // 8), fill=ink
            )
            glyphs.append(dot)
            continue
        source = order[int(char)][rng.randrange(len(order[int(char)]))]
        grey = np.rint(255 - images[source] * ((255 - ink) / 16)).astype(np.uint8)
        glyphs.append(Image.fromarray(grey).resize((height, height), Image.Resampling.BICUBIC))
    out = Image.new("L", (sum(g.width for g in glyphs), height), 255)
    x = 0
    for glyph in glyphs:
        out.paste(glyph, (x, 0))
        x += glyph.width
    return out


def render_receipt(
    lines: list[tuple[str, str, str]],
    tip: float | None,
    size: int,
    ink: int,
    paper: int,
    seed: int,
    index: int,
) -> Image.Image:
    font, bold, title = (
        load_font("sans", size),
        load_font("sans-bold", size),
        load_font("sans-bold", size + 4),
    )
    ascent, descent = font.getmetrics()
    step = round((ascent + descent) * 1.35)
    width, margin = 24 * size, 2 * size
    image = Image.new("L", (width, 2 * margin + step * (len(lines) + 3)), paper)
    draw = ImageDraw.Draw(image)
    y = margin
    for left, right, style in lines:
        face = {"title": title, "bold": bold}.get(style, font)
        if style == "rule":
            draw.line((margin, y + step // 2, width - margin, y + step // 2), fill=ink, width=1)
        else:
            draw.text((margin, y), left, font=face, fill=ink)
            if right:
                draw.text((width - margin, y), right, font=face, fill=ink, anchor="ra")
        if style == "tip" and tip is not None:
            written = handwritten_digits(f"{tip:.2f}", round(step * 1.6), seed, index, ink)
            # Darken onto the paper (multiply), right-aligned, a little above the line.
            box = (width - margin - written.width, y - step // 3)
            patch = image.crop((*box, box[0] + written.width, box[1] + written.height))
            image.paste(Image.fromarray(np.minimum(np.asarray(patch), np.asarray(written))), box)
            y += step
        y += step + (step // 3 if style == "title" else 0)
    return image


class Receipts(IndexedGenerator):
    """A receipt per row, its exact ground truth as JSON (`truth`), and how it was scanned."""

    name = "receipt_docs"
    description = "shop receipts with line items, tax, a handwritten tip and totals; exact JSON truth"
    columns = (
        "id", "image", "truth", "doc_type", "layout", "date_style", "n_items", "inconsistent",
        "handwritten", "low_light", "jpeg", "rotation", "blur", "noise", "scale", "difficulty",
    )  # fmt: skip
    Params = ReceiptsParams
    params: ReceiptsParams

    def __init__(self, params: GeneratorParams | None = None) -> None:
        super().__init__(params)
        p = self.params
        if not 1 <= p.min_items <= p.max_items <= len(ITEMS):
            raise ValueError(f"need 1 <= min_items <= max_items <= {len(ITEMS)}")
        if not (0.0 <= p.inconsistent <= 1.0 and 0.0 <= p.card <= 1.0):
            raise ValueError("inconsistent and card are shares between 0 and 1")
        if not p.layouts or any(layout not in LAYOUTS for layout in p.layouts):
            raise ValueError(f"layouts must be some of {', '.join(LAYOUTS)}")

    def row(self, seed: int, index: int) -> dict[str, Any]:
        rng = row_rng(seed, index, "receipts")
        p = self.params
        difficulty = pick_difficulty(rng, p.difficulty)
        inconsistent = rng.random() < p.inconsistent
        card = rng.random() < p.card
        record = receipt_record(rng, rng.randint(p.min_items, p.max_items), inconsistent, card)
        layout, date_style = rng.choice(p.layouts), rng.choice(DATE_STYLES)
        lines = receipt_lines(record, layout, date_style)
        size = rng.randint(*{"easy": (18, 20), "medium": (16, 19), "hard": (15, 18)}[difficulty])
        ink, paper = rng.randint(0, 50), rng.randint(225, 252)
        degradation = draw_degradation(rng, difficulty)
        degradation = replace(
            degradation,
            scale=max(degradation.scale, 0.75),
            rotation=max(-2.0, min(2.0, degradation.rotation)),
        )
        hard = difficulty == "hard"
        low_light = hard and rng.random() < 0.5
        jpeg = rng.choice((35, 60)) if hard and rng.random() < 0.5 else None
        draw = partial(render_receipt, lines, record["tip"], size, ink, paper, seed, index)
        return {
            "id": f"receipt-{index:04d}",
            "image": partial(scan, draw, degradation, low_light, jpeg, seed, index),
            "truth": json.dumps(record, sort_keys=True),
            "doc_type": "receipt",
            "layout": layout,
            "date_style": date_style,
            "n_items": len(record["items"]),
            "inconsistent": inconsistent,
            "handwritten": card,
            "low_light": low_light,
            "jpeg": jpeg or 0,
            **degradation.metadata(),
        }
