"""Seeded invoices with exact ground-truth JSON, for the `extract` task kind.

Each row is an invoice drawn in one of two layouts (a classic table; a compact one with labels
on the right), with a number, issue and due dates (printed in one of several date formats),
vendor and customer with addresses, line items (description, quantity, unit price, amount),
subtotal, a VAT rate (0, 7 or 19 %), tax and total, in USD, EUR or GBP. The reference (`truth`,
a JSON string) holds what is printed, normalised: ISO dates, numbers, ISO currency codes.

`inconsistent` rows (a share set by `inconsistent`) print a total that is not subtotal + tax:
their correct extraction violates the rule `total == subtotal + tax`, as it should. Scans are
degraded by a difficulty level (rotation, blur, noise, scale; see `degrade.py`), plus low light
and JPEG compression on the hard level. Every number and name is drawn from our own word lists.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from dataclasses import replace
from functools import partial
from typing import Any, Literal

from PIL import Image, ImageDraw, ImageEnhance

from evals.generators import GeneratorParams, IndexedGenerator
from evals.generators.degrade import Degradation, apply_degradation, draw_degradation, pick_difficulty
from evals.generators.imaging import load_font, png_bytes
from evals.generators.seeding import row_np_rng, row_rng
from evals.generators.words import FIRST_NAMES, ITEMS, SURNAMES, store_name, street_address

CURRENCIES = {"USD": "$", "EUR": "€", "GBP": "£"}
VAT_RATES = (0.0, 0.07, 0.19)
LAYOUTS = ("classic", "compact")
DATE_STYLES = ("iso", "long", "us", "eu")


class InvoicesParams(GeneratorParams):
    difficulty: Literal["mixed", "easy", "medium", "hard"] = "mixed"
    min_items: int = 1
    max_items: int = 5
    inconsistent: float = 0.1
    layouts: tuple[str, ...] = LAYOUTS


def printed_date(day: dt.date, style: str) -> str:
    if style == "iso":
        return day.isoformat()
    if style == "long":
        return f"{day.day} {day.strftime('%b')} {day.year}"
    if style == "us":
        return f"{day.month:02d}/{day.day:02d}/{day.year}"
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def money(value: float) -> str:
    return f"{value:,.2f}"


def invoice_record(rng: random.Random, n_items: int, inconsistent: bool) -> dict[str, Any]:
    """The ground truth of one invoice (what its image prints, normalised)."""
    issued = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
    items: list[dict[str, Any]] = []
    for name, low, high in rng.sample(ITEMS, n_items):
        quantity = rng.choice((1, 1, 2, 3, 5, 10))
        unit = round(rng.uniform(low, high) * 4, 2)
        items.append(
            {
                "description": name,
                "quantity": quantity,
                "unit_price": unit,
                "amount": round(quantity * unit, 2),
            }
        )
    subtotal = round(sum(i["amount"] for i in items), 2)
    rate = rng.choice(VAT_RATES)
    tax = round(subtotal * rate, 2)
    total = round(subtotal + tax, 2)
    if inconsistent:
        total = round(total + rng.choice((-1, 1)) * rng.choice((1.0, 5.0, 10.0, 0.9)), 2)
    return {
        "invoice_number": f"INV-{issued.year}-{rng.randint(100, 9999):04d}",
        "date": issued.isoformat(),
        "due_date": (issued + dt.timedelta(days=rng.choice((14, 30, 45)))).isoformat(),
        "vendor": store_name(rng) + rng.choice((" Ltd", " GmbH", " Inc", " & Co")),
        "customer": f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
        "currency": rng.choice(sorted(CURRENCIES)),
        "items": items,
        "subtotal": subtotal,
        "tax_rate": rate,
        "tax": tax,
        "total": total,
    }


def invoice_lines(
    record: dict[str, Any], layout: str, date_style: str, addresses: tuple[str, str]
) -> list[tuple[str, str, str]]:
    """(left, right, style) lines of the page: the text an OCR engine should read."""
    symbol = CURRENCIES[record["currency"]]
    issued = printed_date(dt.date.fromisoformat(record["date"]), date_style)
    due = printed_date(dt.date.fromisoformat(record["due_date"]), date_style)
    lines: list[tuple[str, str, str]] = [(record["vendor"], "", "title"), (addresses[0], "", "plain")]
    if layout == "classic":
        lines += [
            ("INVOICE", "", "bold"),
            (f"Invoice No: {record['invoice_number']}", f"Date: {issued}", "plain"),
            (f"Bill to: {record['customer']}", f"Due: {due}", "plain"),
        ]
    else:
        lines += [
            (f"Customer: {record['customer']}", f"Invoice # {record['invoice_number']}", "plain"),
            (addresses[1], f"Issued {issued}", "plain"),
            ("", f"Payment due {due}", "plain"),
        ]
    lines += [("", "", "rule"), ("Description  Qty  Unit price", "Amount", "bold")]
    for item in record["items"]:
        left = f"{item['description']}  {item['quantity']} x {money(item['unit_price'])}"
        lines.append((left, money(item["amount"]), "plain"))
    rate = round(record["tax_rate"] * 100)
    lines += [
        ("", "", "rule"),
        ("Subtotal", money(record["subtotal"]), "plain"),
        (f"VAT {rate}%", money(record["tax"]), "plain"),
        (f"TOTAL {record['currency']}", f"{symbol}{money(record['total'])}", "bold"),
    ]
    return lines


def render_invoice(lines: list[tuple[str, str, str]], size: int, ink: int, paper: int) -> Image.Image:
    font, bold, title = (
        load_font("sans", size),
        load_font("sans-bold", size),
        load_font("sans-bold", size + 6),
    )
    ascent, descent = font.getmetrics()
    step = round((ascent + descent) * 1.35)
    width, margin = 36 * size, 2 * size
    image = Image.new("L", (width, 2 * margin + step * (len(lines) + 2)), paper)
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
        y += step + (step // 2 if style == "title" else 0)
    return image


def scan(
    draw: partial[Image.Image],
    degradation: Degradation,
    low_light: bool,
    jpeg: int | None,
    seed: int,
    index: int,
) -> bytes:
    image = apply_degradation(draw(), degradation, row_np_rng(seed, index, "invoice-noise"))
    if low_light:
        image = ImageEnhance.Brightness(image).enhance(0.6)
    if jpeg is None:
        return png_bytes(image)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=jpeg)
    return out.getvalue()


class Invoices(IndexedGenerator):
    """An invoice per row, its exact ground truth as JSON (`truth`), and how it was scanned."""

    name = "invoices"
    description = "invoices with line items, VAT and totals; exact JSON truth; some inconsistent"
    columns = (
        "id", "image", "truth", "doc_type", "layout", "date_style", "n_items", "inconsistent",
        "low_light", "jpeg", "rotation", "blur", "noise", "scale", "difficulty",
    )  # fmt: skip
    Params = InvoicesParams
    params: InvoicesParams

    def __init__(self, params: GeneratorParams | None = None) -> None:
        super().__init__(params)
        p = self.params
        if not 1 <= p.min_items <= p.max_items <= len(ITEMS):
            raise ValueError(f"need 1 <= min_items <= max_items <= {len(ITEMS)}")
        if not 0.0 <= p.inconsistent <= 1.0:
            raise ValueError("inconsistent is a share between 0 and 1")
        if not p.layouts or any(layout not in LAYOUTS for layout in p.layouts):
            raise ValueError(f"layouts must be some of {', '.join(LAYOUTS)}")

    def row(self, seed: int, index: int) -> dict[str, Any]:
        rng = row_rng(seed, index, "invoices")
        p = self.params
        difficulty = pick_difficulty(rng, p.difficulty)
        inconsistent = rng.random() < p.inconsistent
        record = invoice_record(rng, rng.randint(p.min_items, p.max_items), inconsistent)
        layout, date_style = rng.choice(p.layouts), rng.choice(DATE_STYLES)
        lines = invoice_lines(record, layout, date_style, (street_address(rng), street_address(rng)))
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
        render = partial(
            scan, partial(render_invoice, lines, size, ink, paper), degradation, low_light, jpeg, seed, index
        )
        return {
            "id": f"invoice-{index:04d}",
            "image": render,
            "truth": json.dumps(record, sort_keys=True),
            "doc_type": "invoice",
            "layout": layout,
            "date_style": date_style,
            "n_items": len(record["items"]),
            "inconsistent": inconsistent,
            "low_light": low_light,
            "jpeg": jpeg or 0,
            **degradation.metadata(),
        }
