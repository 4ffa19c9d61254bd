"""Small, bounded previews of a sample's media for the HTML report, as data URIs.

The journal keeps a reference to each medium (path and sha256), never its bytes. A preview is
made from the file when it still holds the same bytes (sha256 checked), else, for tasks whose
dataset is local (files or a seeded generator, never a network source), by reading the task's
dataset again and taking the sample's media, again checked by sha256. Either way the preview
shows exactly what the backends were sent, or nothing.

Images become a thumbnail (at most 240 px a side, PNG or JPEG, whichever is smaller, at most
~40 KB); audio becomes a waveform picture and a short Ogg Vorbis clip (first 6 s, 16 kHz mono,
at most ~64 KB). A budget for the whole report stops adding media once it is spent.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.report.samples import Preview, SampleView

log = logging.getLogger(__name__)

THUMB_SIDE = 240
THUMB_BYTES = 40_000
CLIP_SECONDS = 6.0
CLIP_RATE = 16_000
CLIP_BYTES = 64_000
WAVE_SIZE = (240, 56)
MAX_DATASET_SCAN = 100_000  # rows read at most when looking for samples in a dataset


def data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@dataclass
class Budget:
    """Bytes of media the report may still embed."""

    remaining: int
    refused: int = 0

    def take(self, size: int) -> bool:
        if size > self.remaining:
            self.refused += 1
            return False
        self.remaining -= size
        return True


class MediaLookup:
    """Finds the bytes of journaled media (see the module docstring for where from)."""

    def __init__(self, run: dict[str, Any], *, use_datasets: bool = True) -> None:
        self._tasks = {t["name"]: t for t in run.get("tasks", [])}
        self._use_datasets = use_datasets
        self._loaders: dict[tuple[str, str], list[Callable[[], bytes]]] = {}

    def prefetch(self, task: str, sample_ids: Iterable[str]) -> None:
        """Find, in one pass over the task's dataset, samples whose media files are gone."""
        wanted = {s for s in sample_ids if (task, s) not in self._loaders}
        if not wanted or not self._use_datasets:
            return
        try:
            found = self._scan_dataset(task, wanted)
        except Exception as exc:  # a preview is optional; the report goes on without it
            log.info("no media previews for task %s: %s", task, exc)
            return
        for sample_id, loaders in found.items():
            self._loaders[(task, sample_id)] = loaders

    def _scan_dataset(self, name: str, wanted: set[str]) -> dict[str, list[Callable[[], bytes]]]:
        entry = self._tasks.get(name) or {}
        path = Path(entry["path"]) if entry.get("path") else None
        if path is None or not path.is_file():
            return {}
        if hashlib.sha256(path.read_bytes()).hexdigest() != entry.get("sha256"):
            return {}  # the task changed since the run: its dataset may differ
        from evals.task.loader import load_task

        task = load_task(path)
        if task.spec.dataset.source == "hf":
            return {}  # a network source: reports never download
        found: dict[str, list[Callable[[], bytes]]] = {}
        for index, sample in enumerate(task.samples()):
            if index >= MAX_DATASET_SCAN or len(found) == len(wanted):
                break
            if sample.id in wanted:
                found[sample.id] = [_reader(m) for m in sample.media()]
        return found

    def read(self, task: str, sample_id: str, index: int, ref: dict[str, Any]) -> bytes | None:
        """The bytes of the sample's `index`-th medium, only if they match the journaled hash."""
        expected = ref.get("sha256")
        path = ref.get("path")
        candidates: list[Callable[[], bytes]] = []
        if path:
            candidates.append(Path(path).read_bytes)
        loaders = self._loaders.get((task, sample_id)) or []
        if index < len(loaders):
            candidates.append(loaders[index])
        for load in candidates:
            try:
                data = load()
            except Exception:  # missing file, failed render: try the next place
                continue
            if expected is None or hashlib.sha256(data).hexdigest() == expected:
                return data
        return None


def _reader(media: Any) -> Callable[[], bytes]:
    return lambda: bytes(media.data)


def image_thumbnail(data: bytes, side: int = THUMB_SIDE, limit: int = THUMB_BYTES) -> bytes | None:
    """A PNG or JPEG thumbnail of at most `side` px a side and about `limit` bytes, or None."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            image.draft("RGB", (side * 2, side * 2))
            image.load()
    except Exception:
        return None
    if image.mode not in ("RGB", "L"):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    for size in (side, side * 2 // 3, side // 2):
        small = image.copy()
        small.thumbnail((size, size))
        encoded = []
        for fmt, options in (("PNG", {"optimize": True}), ("JPEG", {"quality": 75})):
            out = io.BytesIO()
            small.save(out, fmt, **options)
            encoded.append(out.getvalue())
        best = min(encoded, key=len)
        if len(best) <= limit:
            return best
    return None


def _decode_audio(data: bytes) -> tuple[Any, int] | None:
    import numpy as np
    import soundfile as sf

    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception:
        return None
    mono = np.asarray(samples).mean(axis=1)
    return (mono, int(rate)) if mono.size else None


def waveform_png(mono: Any, size: tuple[int, int] = WAVE_SIZE) -> bytes:
    """The min/max envelope of a signal drawn as a small PNG."""
    import numpy as np
    from PIL import Image, ImageDraw

    width, height = size
    columns = np.array_split(np.asarray(mono, dtype=np.float32), width)
    peak = float(np.max(np.abs(mono))) or 1.0
    image = Image.new("RGB", size, (246, 248, 250))
    draw = ImageDraw.Draw(image)
    middle = (height - 1) / 2
    draw.line([(0, middle), (width, middle)], fill=(200, 205, 212))
    for x, column in enumerate(columns):
        if column.size:
            low, high = float(column.min()) / peak, float(column.max()) / peak
            draw.line([(x, middle - high * middle), (x, middle - low * middle)], fill=(31, 95, 168))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def audio_clip(mono: Any, rate: int, seconds: float = CLIP_SECONDS, limit: int = CLIP_BYTES) -> bytes | None:
    """The first seconds as 16 kHz mono Ogg Vorbis, or None if larger than `limit`."""
    import numpy as np
    import soundfile as sf

    head = np.asarray(mono[: int(seconds * rate)], dtype=np.float64)
    if rate != CLIP_RATE and head.size:
        positions = np.arange(0, head.size, rate / CLIP_RATE)
        head = np.interp(positions, np.arange(head.size), head)
    out = io.BytesIO()
    try:
        sf.write(out, np.clip(head, -1, 1).astype(np.float32), CLIP_RATE, format="OGG", subtype="VORBIS")
    except Exception:
        return None
    data = fixed_ogg_serial(out.getvalue())
    return data if len(data) <= limit else None


def _ogg_crc(page: bytes) -> int:
    """The CRC-32 of an Ogg page (polynomial 0x04C11DB7, unreflected, as RFC 3533 specifies)."""
    crc = 0
    for byte in page:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def fixed_ogg_serial(data: bytes, serial: int = 0x45564C53) -> bytes:
    """The same Ogg stream with a fixed serial number: libvorbis picks a random one, which would
    make two renderings of one report differ. Each page's CRC is recomputed (RFC 3533, §6)."""
    out = bytearray(data)
    offset = 0
    while offset + 27 <= len(out) and out[offset : offset + 4] == b"OggS":
        segments = out[offset + 26]
        size = 27 + segments + sum(out[offset + 27 : offset + 27 + segments])
        out[offset + 14 : offset + 18] = serial.to_bytes(4, "little")
        out[offset + 22 : offset + 26] = b"\0\0\0\0"
        crc = _ogg_crc(bytes(out[offset : offset + size]))
        out[offset + 22 : offset + 26] = crc.to_bytes(4, "little")
        offset += size
    return bytes(out)


def preview(kind: str, data: bytes, budget: Budget) -> Preview:
    """A preview of one medium within the budget; a caption says what was left out and why."""
    if kind == "image":
        thumb = image_thumbnail(data)
        if thumb is None:
            return Preview(kind, caption="image (no preview: cannot decode)")
        if not budget.take(len(thumb)):
            return Preview(kind, caption="image (preview left out: the report's media budget is spent)")
        mime = "image/png" if thumb.startswith(b"\x89PNG") else "image/jpeg"
        return Preview(kind, image_uri=data_uri(mime, thumb))
    if kind == "audio":
        decoded = _decode_audio(data)
        if decoded is None:
            return Preview(kind, caption="audio (no preview: cannot decode)")
        mono, rate = decoded
        caption = f"audio, {mono.size / rate:.1f} s"
        wave = waveform_png(mono)
        if not budget.take(len(wave)):
            return Preview(kind, caption=f"{caption} (preview left out: the media budget is spent)")
        clip = audio_clip(mono, rate)
        if clip is not None and budget.take(len(clip)):
            head = f", first {CLIP_SECONDS:.0f} s playable" if mono.size / rate > CLIP_SECONDS else ""
            return Preview(kind, data_uri("image/png", wave), data_uri("audio/ogg", clip), caption + head)
        return Preview(kind, data_uri("image/png", wave), caption=caption + " (no clip: size bound)")
    return Preview(kind, caption=f"{kind} (no preview)")


def attach_previews(
    views: list[SampleView], lookup: MediaLookup, budget: Budget, per_sample: int = 2
) -> None:
    """Fill `previews` of each view (at most `per_sample` media each), in order, within budget."""
    by_task: dict[str, list[str]] = {}
    for view in views:
        by_task.setdefault(view.task, []).append(view.sample_id)
    for task, ids in by_task.items():
        lookup.prefetch(task, [s for s in ids if _needs_dataset(views, task, s)])
    for view in views:
        for index, ref in enumerate(view.media[:per_sample]):
            kind = str(ref.get("kind") or "media")
            data = lookup.read(view.task, view.sample_id, index, ref)
            if data is None:
                view.previews.append(Preview(kind, caption=f"{kind} (not available to preview)"))
            else:
                view.previews.append(preview(kind, data, budget))
        if len(view.media) > per_sample:
            view.previews.append(Preview("more", caption=f"+{len(view.media) - per_sample} more media"))


def _needs_dataset(views: list[SampleView], task: str, sample_id: str) -> bool:
    """True when some medium of the sample has no readable file at its journaled path."""
    for view in views:
        if view.task == task and view.sample_id == sample_id:
            return any(not (ref.get("path") and Path(ref["path"]).is_file()) for ref in view.media)
    return False
