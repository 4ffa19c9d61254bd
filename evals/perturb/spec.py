"""What a `perturb:` entry may say: perturbation names and severity levels 0–5.

Written in a task or run config as `perturb: {blur: [0, 1, 2, 3, 4, 5]}` (or `blur: 0..5`,
`blur: 2`), and on the command line as `--perturb blur=0..5`. Level 0 is the clean input.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator

from evals.errors import InputError
from evals.perturb.audio import AUDIO_LEVELS
from evals.perturb.image import IMAGE_LEVELS
from evals.perturb.video import VIDEO_LEVELS

MAX_SEVERITY = 5


def perturbation_kind(name: str) -> Literal["image", "audio", "video"]:
    if name in IMAGE_LEVELS:
        return "image"
    return "video" if name in VIDEO_LEVELS else "audio"


def media_changed(name: str) -> frozenset[str]:
    """The kinds of media a perturbation changes: image perturbations change videos too, frame
    by frame."""
    kind = perturbation_kind(name)
    return frozenset({"image", "video"}) if kind == "image" else frozenset({kind})


def known_perturbations() -> list[str]:
    return [*IMAGE_LEVELS, *AUDIO_LEVELS, *VIDEO_LEVELS]


def parse_levels(value: Any) -> list[int]:
    """Severity levels from 2, [0, 2, 4], "0..5" or "0,2,4"; sorted, each once, 0–5."""
    if isinstance(value, bool):
        raise ValueError("a severity is a whole number from 0 to 5")
    if isinstance(value, int):
        items: list[Any] = [value]
    elif isinstance(value, str):
        text = value.strip()
        span = re.fullmatch(r"(\d+)\s*\.\.\s*(\d+)", text)
        if span:
            items = list(range(int(span.group(1)), int(span.group(2)) + 1))
        elif re.fullmatch(r"\d+(\s*,\s*\d+)*", text):
            items = [int(v) for v in text.split(",")]
        else:
            raise ValueError(f"{value!r} is not a level list; write 2, 0..5 or 0,2,4")
    elif isinstance(value, list):
        items = value
    else:
        raise ValueError("give a severity (0-5), a list of them, or a range such as 0..5")
    levels = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= MAX_SEVERITY:
            raise ValueError(f"severity {item!r} is not a whole number from 0 to {MAX_SEVERITY}")
        levels.append(item)
    if not levels:
        raise ValueError("no severity levels given")
    return sorted(set(levels))


def _check(value: Any) -> dict[str, list[int]]:
    if not isinstance(value, dict):
        raise ValueError("perturb is a mapping of perturbation name to levels, e.g. {blur: 0..5}")
    known = known_perturbations()
    out: dict[str, list[int]] = {}
    for name, levels in value.items():
        if name not in known:
            raise ValueError(f"unknown perturbation {name!r}; known: {', '.join(known)}")
        out[str(name)] = parse_levels(levels)
    if not out:
        raise ValueError("perturb names no perturbation")
    return out


PerturbSpec = Annotated[dict[str, list[int]], BeforeValidator(_check)]


def parse_cli(items: list[str]) -> dict[str, list[int]]:
    """`--perturb blur=0..5 --perturb noise=2` as a perturb mapping; a bad item is one line."""
    raw: dict[str, str] = {}
    for item in items:
        name, sep, levels = item.partition("=")
        if not sep or not name.strip():
            raise InputError(
                f"--perturb {item!r} names no levels",
                field="--perturb",
                fix="write NAME=LEVELS, e.g. --perturb blur=0..5",
            )
        raw[name.strip()] = levels
    try:
        return _check(raw)
    except ValueError as exc:
        raise InputError(
            str(exc),
            field="--perturb",
            fix="write NAME=LEVELS, e.g. --perturb blur=0..5 (docs/robustness.md)",
        ) from None
