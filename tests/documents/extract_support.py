"""A small extract task written into a tmp folder: images, reference JSON, a schema file."""

from __future__ import annotations

import json
from pathlib import Path

from backend_support import png

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["number", "total", "items"],
    "properties": {
        "number": {"type": "string"},
        "total": {"type": "number"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "amount"],
                "properties": {"name": {"type": "string"}, "amount": {"type": "number"}},
            },
        },
    },
}


def truth(i: int) -> dict[str, object]:
    return {
        "number": f"N-{i}",
        "total": 3.0 + i,
        "items": [{"name": "Tea", "amount": 1.0}, {"name": "Jam", "amount": 2.0 + i}],
    }


# What the fake model answers per sample: right, cut-off JSON, a schema violation, fenced prose.
def answers(i: int) -> str:
    right = json.dumps(truth(i))
    return {
        0: right,
        1: right[: len(right) // 2],
        2: json.dumps({**truth(i), "total": "five"}),
        3: f"Sure! Here is the record:\n```json\n{right}\n```",
    }[i % 4]


def write_extract_task(
    folder: Path, n: int = 4, *, instruction: str | None = None, rules: bool = True
) -> Path:
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        (data / f"doc{i}.png").write_bytes(png(48, 40 + i))
        rows.append({"id": f"s{i}", "image": f"doc{i}.png", "truth": json.dumps(truth(i))})
    (data / "docs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "schema.json").write_text(json.dumps(SCHEMA))
    text = instruction or "Extract as JSON following {schema} [sample:{{ sample_id }}]"
    lines = [
        "name: docs",
        "kind: extract",
        "dataset: {source: jsonl, path: data/docs.jsonl, target: truth, images: [image]}",
        "extract:",
        "  schema: schema.json",
        f"  instruction: {json.dumps(text)}",
        "  fields: {number: exact, total: money}",
    ]
    if rules:
        lines.append('  rules: [{name: adds_up, expr: "approx(total, sum(items[*].amount))"}]')
    lines.append("generation: {max_tokens: 256, temperature: 0}")
    task = folder / "docs.yaml"
    task.write_text("\n".join(lines) + "\n")
    return task
