"""Audio helpers for generated speech: espeak-ng synthesis, resampling, noise at an SNR, FLAC.

Everything after synthesis is plain numpy, so a clip is a function of (text, voice, speed,
noise, seed) and the espeak-ng version alone.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from functools import lru_cache

import numpy as np

SAMPLE_RATE = 16_000


def _espeak() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise RuntimeError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    return path


@lru_cache(maxsize=1)
def espeak_version() -> str:
    """The installed espeak-ng version, e.g. `1.51`."""
    out = subprocess.run([_espeak(), "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"text-to-speech:\s*(\S+)", out)
    return match.group(1) if match else out.strip()


def synthesize(text: str, voice: str, speed: int, pitch: int | None = None) -> tuple[np.ndarray, int]:
    """Speak `text` with espeak-ng (pitch 0-99, its default 50); returns samples in [-1, 1] and
    their sample rate."""
    command = [_espeak(), "-v", voice, "-s", str(speed), "--stdout", text]
    if pitch is not None:
        command[5:5] = ["-p", str(pitch)]
    raw = subprocess.run(command, capture_output=True, check=True).stdout
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise RuntimeError(f"espeak-ng gave no WAV for voice {voice!r}")
    rate = int.from_bytes(raw[24:28], "little")
    # espeak-ng writes a streaming header (its data size is a placeholder): read to the end.
    start = raw.index(b"data", 12) + 8
    end = start + (len(raw) - start) // 2 * 2
    pcm = np.frombuffer(raw[start:end], dtype="<i2")
    return pcm.astype(np.float64) / 32768.0, rate


def resample(signal: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Band-limited resampling by the FFT (zero-padding or truncating the spectrum)."""
    if source_rate == target_rate:
        return signal
    n = len(signal)
    m = round(n * target_rate / source_rate)
    spectrum = np.fft.rfft(signal)
    kept = np.zeros(m // 2 + 1, dtype=complex)
    k = min(len(spectrum), len(kept))
    kept[:k] = spectrum[:k]
    return np.fft.irfft(kept, m) * (m / n)


def power(signal: np.ndarray) -> float:
    return float(np.mean(np.square(signal))) if len(signal) else 0.0


def mix_at_snr(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """Speech plus noise scaled so that 10·log10(P_speech / P_noise) = snr_db, where P is the
    mean square over the whole clip (`noise` is at least as long as `speech`)."""
    noise = noise[: len(speech)]
    scale = float(np.sqrt(power(speech) / (power(noise) * 10 ** (snr_db / 10))))
    mixed: np.ndarray = speech + noise * scale
    return mixed


def trim_silence(signal: np.ndarray, rate: int, threshold: float = 0.01, margin_s: float = 0.1) -> np.ndarray:
    """Cut leading and trailing silence (below `threshold`), keeping `margin_s` of it each side."""
    loud = np.flatnonzero(np.abs(signal) > threshold)
    if len(loud) == 0:
        return signal
    margin = round(margin_s * rate)
    return signal[max(0, loud[0] - margin) : loud[-1] + margin + 1]


def to_flac(signal: np.ndarray, rate: int = SAMPLE_RATE, bits: int = 12) -> bytes:
    """Mono FLAC in 16-bit samples holding `bits` of precision.

    The mix is scaled down first if it would clip (which keeps its SNR). Rounding to 12 bits
    (a 72 dB range, far above every SNR condition and espeak-ng's own quality) lets FLAC drop the
    unused low bits, which makes files about 30% smaller than full 16-bit precision.
    """
    import soundfile

    peak = float(np.max(np.abs(signal))) if len(signal) else 0.0
    if peak > 0.98:
        signal = signal * (0.98 / peak)
    step = 2 ** (16 - bits)
    levels = np.clip(np.rint(signal * 32767 / step), -32768 // step, 32767 // step)
    pcm = (levels * step).astype("<i2")
    buffer = io.BytesIO()
    soundfile.write(buffer, pcm, rate, format="FLAC", subtype="PCM_16", compression_level=1.0)
    return buffer.getvalue()
