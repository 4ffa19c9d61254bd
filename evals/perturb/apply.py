"""Apply a perturbation to a medium's bytes, and expand a sample into one sample per level.

A perturbed sample's id is `ID@NAME=LEVEL`; its metadata says which perturbation, at which
severity, of which sample (`perturb`, `severity`, `perturb_of`), so the journal and the report
know. Every perturbation is seeded by the sample's id, its name, level and the medium's place,
so the same sample always gets the same bytes (and the response cache serves a re-run).
Media are perturbed lazily, when a request is built, and the source medium is read once for
all its levels.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
from PIL import Image, UnidentifiedImageError

from evals.errors import MediaError
from evals.media import Media, sniff_mime
from evals.perturb.audio import AUDIO_FUNCTIONS, Samples, babble_from, mix_at_snr
from evals.perturb.audio import level as audio_level
from evals.perturb.image import IMAGE_FUNCTIONS, jpeg_bytes
from evals.perturb.spec import media_changed, perturbation_kind
from evals.perturb.store import PerturbedStore, store_from_env
from evals.perturb.video import perturb_video
from evals.records import Sample
from evals.stats import seed_for

# Clean clips of the project's own speech set: the talkers that make babble.
_SPEECH_SET = Path(__file__).resolve().parents[2] / "datasets" / "speech"
BABBLE_TALKERS = 4


_VIDEO_MIMES = frozenset({"video/mp4", "video/webm", "video/x-msvideo"})
# zlib level 1: on photo-like pictures about four times faster than level 6 for files about
# 15% larger (measured in benchmarks/results.md); the pixels are the same either way.
PNG_LEVEL = 1


def decode_image(data: bytes) -> Image.Image:
    """The image as RGB or greyscale pixels (transparency flattened onto white)."""
    try:
        opened = Image.open(io.BytesIO(data))
        opened.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise MediaError(f"cannot read the image to perturb it ({exc})") from None
    image: Image.Image = opened
    if image.mode not in ("L", "RGB"):
        if "A" in image.getbands():
            flat = Image.new("RGB", image.size, (255, 255, 255))
            flat.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
            image = flat
        else:
            image = image.convert("RGB")
    return image


def perturb_decoded(image: Image.Image, name: str, severity: int, rng: np.random.Generator) -> bytes:
    """The encoded bytes of a decoded image after the perturbation: the `jpeg` corruption is
    its own encoding and is sent as that JPEG file; the others as a lossless PNG."""
    if name == "jpeg":
        return jpeg_bytes(image, severity)
    buffer = io.BytesIO()
    IMAGE_FUNCTIONS[name](image, severity, rng).save(buffer, format="PNG", compress_level=PNG_LEVEL)
    return buffer.getvalue()


def perturbed_mime(kind: str, name: str) -> str:
    if kind == "audio":
        return "audio/wav"
    if kind == "video":
        return "video/mp4"
    return "image/jpeg" if name == "jpeg" else "image/png"


def perturb_image(data: bytes, name: str, severity: int, rng: np.random.Generator) -> bytes:
    return perturb_decoded(decode_image(data), name, severity, rng)


@lru_cache(maxsize=1)
def _talkers() -> tuple[tuple[Samples, int], ...]:
    path = _SPEECH_SET / "samples.jsonl"
    if not path.is_file():
        raise MediaError(f"babble needs the project's speech clips ({path}), which are not here")
    clips = []
    for line in path.read_text().splitlines():
        row = json.loads(line)
        if row.get("noise") == "clean":
            samples, rate = soundfile.read(_SPEECH_SET / row["audio"], dtype="float64", always_2d=True)
            clips.append((samples.mean(axis=1), int(rate)))
    return tuple(clips)


def _babble(samples: Samples, rate: int, severity: int, rng: np.random.Generator) -> tuple[Samples, int]:
    talkers = _talkers()
    chosen = rng.choice(len(talkers), size=min(BABBLE_TALKERS, len(talkers)), replace=False)
    noise = babble_from([talkers[int(i)] for i in chosen], samples.size, rate, rng)
    return mix_at_snr(samples, noise, audio_level("babble", severity)), rate


def perturb_audio(data: bytes, name: str, severity: int, rng: np.random.Generator) -> bytes:
    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float64", always_2d=True)
    except Exception as exc:  # libsndfile's errors are plain RuntimeErrors
        raise MediaError(f"cannot read the audio to perturb it ({exc}); give WAV or FLAC") from None
    mono = samples.mean(axis=1)
    function = _babble if name == "babble" else AUDIO_FUNCTIONS[name]
    out, out_rate = function(mono, int(rate), severity, rng)
    buffer = io.BytesIO()
    soundfile.write(buffer, np.clip(out, -1.0, 1.0), out_rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def perturb_bytes(data: bytes, name: str, severity: int, seed: int) -> bytes:
    """The medium's bytes after perturbation `name` at `severity` (0: unchanged)."""
    if severity == 0:
        return data
    rng = np.random.default_rng(seed)
    kind = perturbation_kind(name)
    if kind == "video" or (kind == "image" and sniff_mime(data) in _VIDEO_MIMES):
        return perturb_video(data, name, severity, rng)
    if kind == "image":
        return perturb_image(data, name, severity, rng)
    return perturb_audio(data, name, severity, rng)


class _SharedSource:
    """A source medium read once (and an image decoded once) for all the levels made from it,
    then let go when the last level has taken what it needs."""

    def __init__(self, media: Media, users: int) -> None:
        self.media = media
        self.users = users
        self._data: bytes | None = None
        self._image: Image.Image | None = None
        self._lock = threading.Lock()  # levels of one sample may be perturbed in two threads

    def _read(self) -> bytes:
        if self._data is None:
            self._data = self.media.data
            self.media.release()
        return self._data

    def data(self) -> bytes:
        with self._lock:
            return self._read()

    def sha256(self) -> str:
        with self._lock:
            self._read()
            return self.media.sha256

    def image(self) -> Image.Image:
        with self._lock:
            if self._image is None:
                self._image = decode_image(self._read())
            return self._image

    def done(self) -> None:
        with self._lock:
            self.users -= 1
            if self.users <= 0:
                self._data = self._image = None


def _perturb_source(
    source: _SharedSource, name: str, severity: int, seed: int, store: PerturbedStore | None
) -> bytes:
    try:
        if severity == 0:
            return source.data()
        key = store.key(source.sha256(), name, severity, seed) if store is not None else None
        if store is not None and key is not None and (kept := store.get(key)) is not None:
            return kept
        rng = np.random.default_rng(seed)
        if source.media.kind == "image":
            out = perturb_decoded(source.image(), name, severity, rng)
        elif source.media.kind == "video":
            out = perturb_video(source.data(), name, severity, rng)
        else:
            out = perturb_audio(source.data(), name, severity, rng)
        if store is not None and key is not None:
            store.put(key, out)
        return out
    finally:
        source.done()


def _perturbed(
    source: _SharedSource, name: str, severity: int, seed: int, store: PerturbedStore | None
) -> Media:
    kind = source.media.kind
    mime = source.media.describe()["mime"] if severity == 0 else perturbed_mime(kind, name)
    path = source.media.path
    return Media(
        kind,
        partial(_perturb_source, source, name, severity, seed, store),
        path=f"{path}@{name}={severity}" if path and severity else path,
        mime=mime,
    )


def expand(sample: Sample, perturb: Mapping[str, Sequence[int]]) -> Iterator[Sample]:
    """One sample per perturbation × level, each with media of its own (media of another kind
    than the perturbation's are passed on unchanged; image perturbations change videos frame by
    frame)."""
    pairs = [(name, severity) for name, levels in perturb.items() for severity in levels]
    store = store_from_env()
    sources = {id(media): _SharedSource(media, len(pairs)) for media in sample.media()}
    for name, severity in pairs:
        swap = partial(_swap, sources, store, sample.id, name, severity)
        fields: dict[str, Any] = {
            key: [swap(item, key, index) for index, item in enumerate(value)]
            if isinstance(value, list)
            else swap(value, key)
            for key, value in sample.fields.items()
        }
        yield replace(
            sample,
            id=f"{sample.id}@{name}={severity}",
            fields=fields,
            metadata={**sample.metadata, "perturb": name, "severity": severity, "perturb_of": sample.id},
        )


def _swap(
    sources: dict[int, _SharedSource],
    store: PerturbedStore | None,
    sample_id: str,
    name: str,
    severity: int,
    value: Any,
    *where: object,
) -> Any:
    """A medium of the sample as this level sends it (other values unchanged)."""
    if not isinstance(value, Media) or id(value) not in sources:
        return value
    level = severity if value.kind in media_changed(name) else 0
    if level == 0 and (file := value.local_file()) is not None:  # a clean video: the file itself
        return Media.from_file(value.kind, lambda: file, path=value.path)
    seed = seed_for("perturb", sample_id, name, severity, *where)
    return _perturbed(sources[id(value)], name, level, seed, store)
