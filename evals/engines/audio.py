"""Audio for speech engines: decode any common format, mix to mono, resample, encode.

WAV, FLAC and OGG (and MP3, with libsndfile 1.1 or later) are read by soundfile; anything else
(M4A, WebM, …) goes through ffmpeg when it is installed. Resampling is band-limited: scipy's
polyphase filter when scipy is there (it is, through scikit-learn), else an FFT resampler.
"""

from __future__ import annotations

import contextlib
import io
import math
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile

from evals.errors import MediaError

SPEECH_RATE = 16_000  # what pocketsphinx's and Whisper's models were trained on
FloatArray = npt.NDArray[np.float32]


def decode(data: bytes, where: str = "audio") -> tuple[FloatArray, int]:
    """Samples as float32 in [-1, 1], mono, and their sample rate."""
    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception:  # libsndfile does not know the container: let ffmpeg try
        return _decode_ffmpeg(data, where), SPEECH_RATE
    if samples.shape[0] == 0:
        raise MediaError(f"{where}: the audio has no samples")
    return np.ascontiguousarray(samples.mean(axis=1), dtype=np.float32), int(rate)


def _decode_ffmpeg(data: bytes, where: str) -> FloatArray:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise MediaError(
            f"{where}: soundfile cannot read this audio format; apt-get install ffmpeg to read it"
        )
    # A file, not a pipe: MP4-family containers may keep their index at the end and need seeking.
    with tempfile.TemporaryDirectory(prefix="evals-audio-") as folder:
        source = Path(folder) / "input"
        source.write_bytes(data)
        command = [ffmpeg, "-nostdin", "-loglevel", "error", "-i", str(source)]
        command += ["-f", "f32le", "-ac", "1", "-ar", str(SPEECH_RATE), "pipe:1"]
        done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode != 0 or not done.stdout:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise MediaError(f"{where}: cannot decode the audio ({reason[-1] if reason else 'no samples'})")
    return np.frombuffer(done.stdout, dtype="<f4").astype(np.float32)


def resample(samples: FloatArray, rate: int, target: int = SPEECH_RATE) -> FloatArray:
    """Band-limited resampling to `target` Hz."""
    if rate == target:
        return samples
    try:
        from scipy.signal import resample_poly
    except ImportError:
        return _resample_fft(samples, rate, target)
    divisor = math.gcd(rate, target)
    return np.asarray(resample_poly(samples, target // divisor, rate // divisor), dtype=np.float32)


def _resample_fft(samples: FloatArray, rate: int, target: int) -> FloatArray:
    """Resample by cutting or padding the spectrum (ideal low-pass; fine for whole clips)."""
    length = max(1, round(len(samples) * target / rate))
    spectrum = np.fft.rfft(samples)
    bins = length // 2 + 1
    if bins <= len(spectrum):
        spectrum = spectrum[:bins]
    else:
        spectrum = np.concatenate([spectrum, np.zeros(bins - len(spectrum), dtype=spectrum.dtype)])
    return np.asarray(np.fft.irfft(spectrum, n=length) * (length / len(samples)), dtype=np.float32)


def warm_up() -> None:
    """Import the resampler now (in a worker's initializer), not during its first sample:
    importing scipy.signal takes ~0.3-1 s, which would land in that sample's latency."""
    with contextlib.suppress(ImportError):
        import scipy.signal  # noqa: F401


def speech_samples(data: bytes, where: str = "audio") -> FloatArray:
    """Any audio file → 16 kHz mono float32."""
    samples, rate = decode(data, where)
    return resample(samples, rate)


def to_pcm16(samples: FloatArray) -> bytes:
    """Little-endian signed 16-bit PCM, clipped."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()


def to_wav(samples: FloatArray, rate: int = SPEECH_RATE) -> bytes:
    """A 16-bit mono WAV file."""
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()
