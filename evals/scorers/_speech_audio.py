"""A backend's spoken output as 16 kHz mono samples, for scorers that listen (MOS, speaking rate)."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt

from evals.scoring import ScoreInput, ScorerFailed

RATE = 16_000


def output_speech(item: ScoreInput) -> npt.NDArray[np.float32]:
    """The output audio at RATE, mono, float32 in [-1, 1]; ScorerFailed when there is none."""
    import soundfile

    audio = item.output("audio")
    if audio is None:
        raise ScorerFailed("the backend returned no audio to listen to")
    try:
        samples, rate = soundfile.read(io.BytesIO(audio.read()), dtype="float32", always_2d=True)
    except Exception as exc:  # libsndfile's errors are plain RuntimeErrors with its message
        raise ScorerFailed(f"the output audio cannot be decoded: {exc}") from exc
    mono = np.ascontiguousarray(samples.mean(axis=1), dtype=np.float32)
    if len(mono) == 0:
        raise ScorerFailed("the output audio has no samples")
    if rate != RATE:
        import librosa

        mono = librosa.resample(mono, orig_sr=rate, target_sr=RATE).astype(np.float32)
    return np.clip(mono, -1.0, 1.0)


def voiced_seconds(samples: npt.NDArray[np.float32], threshold: float = 0.01) -> float:
    """Seconds from the first to the last sample above `threshold` (silence at the edges cut)."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    return float(loud[-1] - loud[0] + 1) / RATE if len(loud) else 0.0
