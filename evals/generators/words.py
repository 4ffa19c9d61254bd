"""A small English vocabulary written for this project, and seeded phrase makers built on it.

Everything here is our own word lists and templates (no copyrighted text): common words,
invented names and places, prices, dates and codes, as found on labels, notes and receipts.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

ADJECTIVES = (
    "quiet", "bright", "heavy", "small", "green", "early", "late", "open", "fresh", "warm",
    "cold", "old", "new", "busy", "long", "short", "clean", "dark", "light", "simple",
    "modern", "local", "public", "rapid", "gentle", "careful", "famous", "wooden", "narrow", "wide",
)  # fmt: skip
NOUNS = (
    "garden", "window", "letter", "bridge", "market", "station", "river", "kitchen", "office", "library",
    "garage", "ticket", "camera", "island", "forest", "harbour", "museum", "school", "engine", "bottle",
    "jacket", "basket", "table", "chair", "lamp", "village", "meeting", "report", "parcel", "bicycle",
    "teacher", "driver", "doctor", "farmer", "painter", "student", "neighbour", "captain", "baker", "pilot",
)  # fmt: skip
PLURALS = (
    "boxes", "letters", "tickets", "apples", "chairs", "windows", "books", "boats", "lamps", "parcels",
    "students", "visitors", "workers", "plates", "candles", "flowers", "keys", "maps", "coins", "shoes",
)  # fmt: skip
VERBS_PAST = (
    "opened", "closed", "painted", "moved", "carried", "cleaned", "visited", "checked", "repaired",
    "delivered", "counted", "watched", "followed", "finished", "started", "wanted", "needed", "covered",
)  # fmt: skip
VERBS = (
    "open", "close", "paint", "move", "carry", "clean", "visit", "check", "repair", "deliver",
    "count", "bring", "find", "send", "keep", "call", "read", "write", "pack", "sign",
)  # fmt: skip
PREPOSITIONS = ("near", "behind", "beside", "under", "above", "across", "inside", "outside", "around")
FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Elena", "Frank", "Grace", "Hugo", "Iris", "Jonas",
    "Karen", "Leo", "Maria", "Nathan", "Olga", "Peter", "Rosa", "Samuel", "Tara", "Victor",
)  # fmt: skip
SURNAMES = (
    "Baker", "Carter", "Dalton", "Ellis", "Fisher", "Garcia", "Hughes", "Irwin", "Jensen", "Keller",
    "Lambert", "Morris", "Novak", "Owens", "Parker", "Quinn", "Romero", "Sutton", "Turner", "Walsh",
)  # fmt: skip
STREETS = (
    "Maple", "Oak", "Cedar", "Elm", "Harbor", "Mill", "Church", "Park", "Lake", "Hill",
    "River", "Station", "Bridge", "Market", "Orchard", "Willow",
)  # fmt: skip
STREET_KINDS = ("Street", "Road", "Avenue", "Lane", "Drive", "Way")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
)  # fmt: skip

# Shop items with a plausible price range in dollars, for receipts.
ITEMS: tuple[tuple[str, float, float], ...] = (
    ("Coffee beans", 6.0, 14.0), ("Whole milk", 1.2, 3.5), ("Brown bread", 2.0, 4.5),
    ("Free range eggs", 2.5, 6.0), ("Cheddar cheese", 3.0, 8.0), ("Green apples", 1.5, 4.0),
    ("Bananas", 0.9, 2.5), ("Orange juice", 2.0, 5.0), ("Rice 1kg", 1.5, 3.5), ("Pasta", 0.9, 2.8),
    ("Tomato sauce", 1.1, 3.2), ("Olive oil", 4.0, 11.0), ("Dish soap", 1.5, 4.0),
    ("Paper towels", 2.0, 6.5), ("Notebook A5", 1.5, 5.0), ("Blue pens x3", 1.8, 4.2),
    ("Batteries AA", 3.5, 9.0), ("Light bulb", 2.5, 7.0), ("Green tea", 2.0, 6.0),
    ("Chocolate bar", 0.8, 2.6), ("Sparkling water", 0.7, 2.0), ("Yogurt", 0.6, 2.2),
    ("Chicken breast", 4.5, 11.0), ("Carrots 500g", 0.7, 1.9), ("Potatoes 2kg", 1.8, 4.5),
    ("Sandwich", 3.0, 6.5), ("Croissant", 1.1, 2.8), ("Tea cake", 1.5, 3.6), ("Soup of the day", 3.5, 6.0),
)  # fmt: skip
STORE_WORDS = ("Market", "Grocer", "Corner Shop", "Pantry", "Bakery", "Foods", "Cafe", "Store")


def number_word(n: int) -> str:
    """English words for 0–99 (`42` → `forty two`), as read aloud."""
    tens = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
    if n <= 20:
        return NUMBER_WORDS[n]
    if n < 100:
        return tens[n // 10] + ("" if n % 10 == 0 else " " + NUMBER_WORDS[n % 10])
    raise ValueError(f"number_word covers 0–99, not {n}")


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"


def street_address(rng: random.Random) -> str:
    return f"{rng.randint(1, 980)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}"


def date_text(rng: random.Random) -> str:
    return f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.randint(2019, 2027)}"


def clock_time(rng: random.Random) -> str:
    return (
        f"{rng.randint(1, 12)}:{rng.choice(('00', '15', '30', '45', '05', '20'))} {rng.choice(('am', 'pm'))}"
    )


def store_name(rng: random.Random) -> str:
    return f"{rng.choice(STREETS)} {rng.choice(STORE_WORDS)}"


def _code(rng: random.Random) -> str:
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))
    return f"{letters}-{rng.randint(1000, 9999)}"


# Slot fillers for templates: each placeholder `{slot}` draws a fresh value, in reading order.
_SLOTS: dict[str, Callable[[random.Random], str]] = {
    "adj": lambda rng: rng.choice(ADJECTIVES),
    "noun": lambda rng: rng.choice(NOUNS),
    "plural": lambda rng: rng.choice(PLURALS),
    "past": lambda rng: rng.choice(VERBS_PAST),
    "verb": lambda rng: rng.choice(VERBS),
    "prep": lambda rng: rng.choice(PREPOSITIONS),
    "name": lambda rng: rng.choice(FIRST_NAMES),
    "person": person,
    "address": street_address,
    "street": lambda rng: rng.choice(STREETS),
    "day": lambda rng: rng.choice(DAYS),
    "month": lambda rng: rng.choice(MONTHS),
    "date": date_text,
    "time": clock_time,
    "code": _code,
    "room": lambda rng: str(rng.randint(100, 499)),
    "invoice": lambda rng: str(rng.randint(10000, 99999)),
    "phone": lambda rng: f"555-{rng.randint(100, 999):04d}",
    "price": lambda rng: f"${rng.randint(2, 240)}.{rng.randint(0, 99):02d}",
    "small": lambda rng: str(rng.randint(2, 19)),
    "platform": lambda rng: str(rng.randint(1, 12)),
    "open": lambda rng: str(rng.randint(6, 10)),
    "close": lambda rng: str(rng.randint(4, 9)),
    "many": lambda rng: str(rng.randint(2, 60)),
    "count_words": lambda rng: number_word(rng.randint(2, 40)),
    "hour_words": lambda rng: number_word(rng.randint(4, 11)),
}

OCR_TEMPLATES = (
    "Meeting moved to room {room} at {time}",
    "Invoice {invoice} is due on {date}",
    "The {adj} {noun} {past} {prep} the {noun}",
    "Call {phone} to book a {noun} visit",
    "Total: {price} for {small} {plural}",
    "{person}, {address}",
    "Open {day} to {day} from {open} am to {close} pm",
    "Batch {code} expires {date}",
    "Please {verb} the {adj} {noun} before {day}",
    "Platform {platform}: train to {street}field departs {time}",
    "{many} {plural} left in the {noun}",
    "Order {code} shipped to {person}",
)
SPOKEN_TEMPLATES = (
    "The {adj} {noun} {past} {prep} the {noun}.",
    "{name} {past} {count_words} {plural} on {day}.",
    "Please {verb} the {noun} before {day} morning.",
    "We found {count_words} {adj} {plural} {prep} the {noun}.",
    "The {noun} opens at {hour_words} and closes at {hour_words}.",
    "{name} and {name} {past} the {adj} {noun} in {month}.",
    "Can you {verb} the {plural} to the {noun} today?",
    "There are {count_words} {plural} in the {adj} {noun}.",
    "My {noun} is {prep} the {adj} {noun}.",
    "The {noun} {past} the {plural} after the {noun} closed.",
)
_FORMATTER = string.Formatter()


def fill(template: str, rng: random.Random) -> str:
    """The template with every `{slot}` replaced by a fresh draw, left to right."""
    out: list[str] = []
    for literal, slot, _, _ in _FORMATTER.parse(template):
        out.append(literal)
        if slot is not None:
            out.append(_SLOTS[slot](rng))
    text = "".join(out)
    return text[0].upper() + text[1:]


def ocr_phrase(rng: random.Random) -> str:
    """One line of printed text as seen on notes, signs and labels (words, numbers, dates)."""
    return fill(rng.choice(OCR_TEMPLATES), rng)


def spoken_sentence(rng: random.Random) -> str:
    """One sentence to be read aloud: plain words, numbers spelled out, final punctuation."""
    return fill(rng.choice(SPOKEN_TEMPLATES), rng)
