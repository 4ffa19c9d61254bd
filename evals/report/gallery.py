"""Generated images side by side: for a task whose backends produce images, a grid per backend
of the same few samples (thumbnail, prompt, scores) and the backend's cost per image, so a reader
sees what each model made for the same prompt."""

from __future__ import annotations

from dataclasses import dataclass, field

from evals.report.media import Budget, MediaLookup, preview
from evals.rundata import SampleRecord

PROMPT_CHARS = 160


@dataclass
class GalleryCell:
    sample_id: str
    prompt: str
    scores: str
    image_uri: str | None = None
    caption: str = ""


@dataclass
class Gallery:
    backend: str
    baseline: bool
    cost_per_image: str
    cells: list[GalleryCell] = field(default_factory=list)


def _has_image(record: SampleRecord) -> bool:
    return record.status == "ok" and any(o.kind == "image" for o in record.outputs)


def _cost_per_image(records: list[SampleRecord]) -> str:
    images = sum(r.usage.output_images or 0 for r in records if r.status == "ok")
    costs = [r.cost_usd for r in records if r.status == "ok"]
    if not images or any(c is None for c in costs):
        return "unknown" if images else "n/a"
    return f"${sum(c or 0.0 for c in costs) / images:.4f}"


def _scores(record: SampleRecord, limit: int = 4) -> str:
    shown = list(record.scores.items())[:limit]
    return ", ".join(f"{name} {value:.2f}" for name, value in shown)


def galleries(
    records: list[SampleRecord],
    kinds: dict[str, str],
    lookup: MediaLookup,
    budget: Budget,
    per_backend: int = 6,
) -> list[Gallery]:
    """One gallery per backend that produced images for this task's records (empty when none
    did); every gallery shows the same samples: the first `per_backend` ids with an image."""
    by_backend: dict[str, list[SampleRecord]] = {}
    for record in records:
        by_backend.setdefault(record.backend, []).append(record)
    with_images = {b: rs for b, rs in by_backend.items() if any(_has_image(r) for r in rs)}
    if not with_images:
        return []
    ids = sorted({r.sample_id for rs in with_images.values() for r in rs if _has_image(r)})[:per_backend]
    out = []
    for backend, backend_records in with_images.items():
        latest = {r.sample_id: r for r in backend_records}
        gallery = Gallery(backend, kinds.get(backend) == "baseline", _cost_per_image(backend_records))
        for sample_id in ids:
            found = latest.get(sample_id)
            if found is None or not _has_image(found):
                status = found.status if found is not None else "not run"
                gallery.cells.append(GalleryCell(sample_id, "", "", caption=f"no image ({status})"))
                continue
            prompt = (found.prompt or "")[:PROMPT_CHARS]
            ref = next(o for o in found.outputs if o.kind == "image")
            data = lookup.read(ref)
            shown = preview("image", data, budget) if data is not None else None
            cell = GalleryCell(sample_id, prompt, _scores(found))
            if shown is not None:
                cell.image_uri, cell.caption = shown.image_uri, shown.caption
            else:
                cell.caption = "image not available to preview"
            gallery.cells.append(cell)
        out.append(gallery)
    return out
