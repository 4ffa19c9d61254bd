"""Seeded filled-in forms (a membership application) with exact ground-truth JSON: labelled
fields in boxes, typed values, a tick box, and a **handwritten** member number (real handwritten
digits, as on the receipts' tips). The third built-in document type, beside invoices and
receipts: key–value pages as FUNSD has them, with the truth known exactly.

The reference holds what the form says, normalised: the date of birth as an ISO date, the
newsletter box as a boolean. `inconsistent` rows date the signature before the date of birth,
so their correct extraction violates `signed_after_birth`. Scans are degraded as the invoices are.
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
from evals.generators.imaging import load_font
from evals.generators.invoices import DATE_STYLES, printed_date, scan
from evals.generators.receipts import handwritten_digits
from evals.generators.seeding import row_rng
from evals.generators.words import FIRST_NAMES, SURNAMES, street_address

PLANS = ("basic", "family", "student")


class FormsParams(GeneratorParams):
    difficulty: Literal["mixed", "easy", "medium", "hard"] = "mixed"
    inconsistent: float = 0.1


def form_record(rng: random.Random, inconsistent: bool) -> dict[str, Any]:
    """The ground truth of one form (what it says, normalised)."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 20000))
    signed = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 600))
    if inconsistent:
        signed = born - dt.timedelta(days=rng.randint(30, 3000))
    return {
        "name": f"{first} {last}",
        "date_of_birth": born.isoformat(),
        "address": street_address(rng),
        "phone": f"555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
        "email": f"{first.lower()}.{last.lower()}@example.org",
        "plan": rng.choice(PLANS),
        "newsletter": rng.random() < 0.5,
        "member_id": f"{rng.randint(100000, 999999)}",
        "signed_on": signed.isoformat(),
    }


def render_form(
    record: dict[str, Any], date_style: str, size: int, ink: int, paper: int, seed: int, index: int
) -> Image.Image:
    label, value = load_font("sans-bold", size - 2), load_font("mono", size)
    title = load_font("sans-bold", size + 6)
    width, margin, step = 34 * size, 2 * size, round(size * 2.6)
    rows: list[tuple[str, str]] = [
        ("Full name", record["name"]),
        ("Date of birth", printed_date(dt.date.fromisoformat(record["date_of_birth"]), date_style)),
        ("Address", record["address"]),
        ("Phone", record["phone"]),
        ("Email", record["email"]),
        ("Plan", record["plan"]),
        ("Member no.", ""),  # handwritten
        ("Signed on", printed_date(dt.date.fromisoformat(record["signed_on"]), date_style)),
    ]
    image = Image.new("L", (width, 2 * margin + step * (len(rows) + 4)), paper)
    draw = ImageDraw.Draw(image)
    draw.text((margin, margin), "MEMBERSHIP APPLICATION FORM", font=title, fill=ink)
    y = margin + 2 * step
    box_left = margin + 9 * size
    for name, text in rows:
        draw.text((margin, y + size // 3), name + ":", font=label, fill=ink)
        draw.rectangle((box_left, y, width - margin, y + step - size // 3), outline=ink, width=1)
        if text:
            draw.text((box_left + size // 2, y + size // 3), text, font=value, fill=ink)
        else:
            written = handwritten_digits(record["member_id"], step - size // 2, seed, index, ink)
            box = (box_left + size // 2, y + size // 8)
            patch = image.crop((*box, box[0] + written.width, box[1] + written.height))
            image.paste(Image.fromarray(np.minimum(np.asarray(patch), np.asarray(written))), box)
        y += step
    tick = "X" if record["newsletter"] else " "
    draw.rectangle((margin, y + size // 4, margin + size, y + size + size // 4), outline=ink, width=1)
    draw.text((margin + size // 5, y + size // 5), tick, font=label, fill=ink)
    draw.text((margin + 2 * size, y + size // 5), "Send me the newsletter", font=label, fill=ink)
    return image


class Forms(IndexedGenerator):
    """A filled-in form per row, its exact ground truth as JSON (`truth`), and how it was scanned."""

    name = "form_docs"
    description = "filled-in membership forms with a handwritten member number; exact JSON truth"
    columns = (
        "id", "image", "truth", "doc_type", "date_style", "inconsistent", "low_light", "jpeg",
        "rotation", "blur", "noise", "scale", "difficulty",
    )  # fmt: skip
    Params = FormsParams
    params: FormsParams

    def __init__(self, params: GeneratorParams | None = None) -> None:
        super().__init__(params)
        if not 0.0 <= self.params.inconsistent <= 1.0:
            raise ValueError("inconsistent is a share between 0 and 1")

    def row(self, seed: int, index: int) -> dict[str, Any]:
        rng = row_rng(seed, index, "forms")
        difficulty = pick_difficulty(rng, self.params.difficulty)
        inconsistent = rng.random() < self.params.inconsistent
        record = form_record(rng, inconsistent)
        date_style = rng.choice(DATE_STYLES)
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
        draw = partial(render_form, record, date_style, size, ink, paper, seed, index)
        return {
            "id": f"form-{index:04d}",
            "image": partial(scan, draw, degradation, low_light, jpeg, seed, index),
            "truth": json.dumps(record, sort_keys=True),
            "doc_type": "form",
            "date_style": date_style,
            "inconsistent": inconsistent,
            "low_light": low_light,
            "jpeg": jpeg or 0,
            **degradation.metadata(),
        }
