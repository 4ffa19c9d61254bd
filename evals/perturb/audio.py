"""Audio corruptions at five severities: noise at a signal-to-noise ratio (white, pink, babble),
reverb, speed, pitch, the telephone channel, clipping and packet loss. numpy and scipy only.

Each function takes mono float samples in [-1, 1], their rate, a severity 1–5 and a seeded
generator, and returns (samples, rate). The parameter of every level is in `AUDIO_LEVELS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

# scipy is imported inside the functions that use it: this module is loaded with every task
# (the loader expands perturbations), and scipy.signal costs ~1 s of start-up on this machine.

Samples = NDArray[np.float64]
AudioFn = Callable[[Samples, int, int, np.random.Generator], tuple[Samples, int]]
# Other clips to make babble from: called with the generator, returns a few (samples, rate).
BabbleSource = Callable[[np.random.Generator], Sequence[tuple[Samples, int]]]

AUDIO_LEVELS: dict[str, tuple[str, tuple[float, ...]]] = {
    "noise": ("white noise, SNR dB", (20, 15, 10, 5, 0)),
    "pink_noise": ("pink (1/f) noise, SNR dB", (20, 15, 10, 5, 0)),
    "babble": ("babble of 4 other speech clips, SNR dB", (20, 15, 10, 5, 0)),
    "reverb": ("room decay time RT60, s (synthetic impulse response, 50% wet)", (0.2, 0.4, 0.7, 1.0, 1.5)),
    "speed": ("playback rate (tempo and pitch together, like tape)", (1.1, 1.2, 1.3, 1.45, 1.6)),
    "pitch": ("pitch shift, semitones up (tempo kept)", (1, 2, 3, 4, 6)),
    "telephone": (
        "pass band upper edge, Hz (8 kHz, mu-law 8-bit, lower edge 300 Hz)",
        (3400, 3000, 2600, 2200, 1800),
    ),
    "clipping": ("clip level, share of the peak", (0.5, 0.3, 0.2, 0.1, 0.05)),
    "packet_loss": ("share of 20 ms packets lost (silenced)", (0.05, 0.1, 0.2, 0.3, 0.4)),
}


def level(name: str, severity: int) -> float:
    return AUDIO_LEVELS[name][1][severity - 1]


def _power(samples: Samples) -> float:
    return float(np.mean(samples**2)) if samples.size else 0.0


def mix_at_snr(speech: Samples, noise: Samples, snr_db: float) -> Samples:
    """Speech plus noise scaled so that 10·log10(P_speech / P_noise) = snr_db; then kept in
    [-1, 1] by scaling the mixture down (never clipped) when it peaks over 1."""
    p_speech, p_noise = _power(speech), _power(noise)
    if p_speech == 0 or p_noise == 0:
        return speech
    mixed = speech + noise * math.sqrt(p_speech / (p_noise * 10 ** (snr_db / 10)))
    peak = float(np.max(np.abs(mixed)))
    return mixed / peak if peak > 1 else mixed


def noise(samples: Samples, rate: int, severity: int, rng: np.random.Generator) -> tuple[Samples, int]:
    return mix_at_snr(samples, rng.standard_normal(samples.size), level("noise", severity)), rate


def pink_noise(samples: Samples, rate: int, severity: int, rng: np.random.Generator) -> tuple[Samples, int]:
    from scipy import fft as sp_fft

    size = sp_fft.next_fast_len(samples.size, real=True)
    spectrum = np.fft.rfft(rng.standard_normal(size))
    frequencies = np.arange(spectrum.size, dtype=np.float64)
    frequencies[0] = 1.0
    pink = np.fft.irfft(spectrum / np.sqrt(frequencies), n=size)[: samples.size]
    return mix_at_snr(samples, pink, level("pink_noise", severity)), rate


def _resampled(samples: Samples, rate: int, target: int) -> Samples:
    from scipy import signal as sps

    if rate == target:
        return samples
    divisor = math.gcd(rate, target)
    return np.asarray(sps.resample_poly(samples, target // divisor, rate // divisor), dtype=np.float64)


def babble_from(
    clips: Sequence[tuple[Samples, int]], length: int, rate: int, rng: np.random.Generator
) -> Samples:
    """Several talkers at once: each clip at the target rate, started at a seeded offset, looped
    to the length, normalised to equal power and summed."""
    mixed = np.zeros(length)
    for clip, clip_rate in clips:
        voice = _resampled(clip, clip_rate, rate)
        if voice.size == 0 or _power(voice) == 0:
            continue
        voice = np.roll(np.resize(voice, length), int(rng.integers(0, max(1, length))))
        mixed += voice / math.sqrt(_power(voice))
    return mixed


def reverb(samples: Samples, rate: int, severity: int, rng: np.random.Generator) -> tuple[Samples, int]:
    from scipy import signal as sps

    rt60 = level("reverb", severity)
    n = max(1, int(rt60 * rate))
    t = np.arange(n) / rate
    # Exponentially decaying noise reaches -60 dB at rt60 (a diffuse room tail).
    response = rng.standard_normal(n) * np.exp(-6.9078 * t / rt60)
    response[0] = 1.0
    wet = sps.fftconvolve(samples, response)[: samples.size]
    wet *= math.sqrt(_power(samples) / max(_power(wet), 1e-12))
    out = 0.5 * samples + 0.5 * wet
    peak = float(np.max(np.abs(out))) if out.size else 0.0
    return (out / peak if peak > 1 else out), rate


def speed(samples: Samples, rate: int, severity: int, rng: np.random.Generator) -> tuple[Samples, int]:
    factor = level("speed", severity)
    n = max(1, round(samples.size / factor))
    return np.interp(np.linspace(0, samples.size - 1, n), np.arange(samples.size), samples), rate


def _stretch(samples: Samples, factor: float) -> Samples:
    from scipy import signal as sps

    """Phase-vocoder time stretch by `factor` (> 1 longer), pitch unchanged."""
    hop, size = 256, 1024
    _, _, spectrum = sps.stft(samples, nperseg=size, noverlap=size - hop)
    steps = np.arange(0, spectrum.shape[1] - 1, 1 / factor)
    expected = np.pi * hop * np.arange(spectrum.shape[0]) / (size // 2)
    phase = np.angle(spectrum[:, 0])
    frames = np.empty((spectrum.shape[0], steps.size), dtype=np.complex128)
    for i, step in enumerate(steps):
        left, frac = int(step), step - int(step)
        a, b = spectrum[:, left], spectrum[:, left + 1]
        frames[:, i] = ((1 - frac) * np.abs(a) + frac * np.abs(b)) * np.exp(1j * phase)
        delta = np.angle(b) - np.angle(a) - expected
        phase += expected + (delta - 2 * np.pi * np.round(delta / (2 * np.pi)))
    _, out = sps.istft(frames, nperseg=size, noverlap=size - hop)
    return np.asarray(out, dtype=np.float64)


def pitch(samples: Samples, rate: int, severity: int, rng: np.random.Generator) -> tuple[Samples, int]:
    ratio = 2 ** (level("pitch", severity) / 12)
    stretched = _stretch(samples, ratio)
    n = max(1, round(stretched.size / ratio))
    shifted = np.interp(np.linspace(0, stretched.size - 1, n), np.arange(stretched.size), stretched)
    peak = float(np.max(np.abs(shifted))) if shifted.size else 0.0
    return (shifted / peak if peak > 1 else shifted), rate


def mu_law(samples: Samples, mu: int = 255) -> Samples:
    """G.711 mu-law companding to 8 bits and back (the quantisation a phone line adds)."""
    clipped = np.clip(samples, -1.0, 1.0)
    encoded = np.sign(clipped) * np.log1p(mu * np.abs(clipped)) / math.log1p(mu)
    quantised = np.round((encoded + 1) / 2 * mu) / mu * 2 - 1
    return np.asarray(np.sign(quantised) * ((1 + mu) ** np.abs(quantised) - 1) / mu, dtype=np.float64)


def telephone(samples: Samples, rate: int, severity: int, rng: np.random.Generator) -> tuple[Samples, int]:
    from scipy import signal as sps

    """Band-pass 300 Hz to the level's upper edge, sampled at 8 kHz, mu-law coded; returned at
    the original rate so every recogniser can read it."""
    narrow = _resampled(samples, rate, 8000)
    sos = sps.butter(6, [300, level("telephone", severity)], btype="bandpass", fs=8000, output="sos")
    coded = mu_law(sps.sosfilt(sos, narrow))
    return _resampled(coded, 8000, rate), rate


def clipping(samples: Samples, rate: int, severity: int, rng: np.random.Generator) -> tuple[Samples, int]:
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    limit = level("clipping", severity) * peak
    if limit == 0:
        return samples, rate
    return np.clip(samples, -limit, limit) / limit * peak, rate


def packet_loss(samples: Samples, rate: int, severity: int, rng: np.random.Generator) -> tuple[Samples, int]:
    packet = max(1, rate // 50)
    out = samples.copy()
    count = math.ceil(samples.size / packet)
    for index in np.flatnonzero(rng.random(count) < level("packet_loss", severity)):
        out[index * packet : (index + 1) * packet] = 0.0
    return out, rate


AUDIO_FUNCTIONS: dict[str, AudioFn] = {
    "noise": noise,
    "pink_noise": pink_noise,
    "reverb": reverb,
    "speed": speed,
    "pitch": pitch,
    "telephone": telephone,
    "clipping": clipping,
    "packet_loss": packet_loss,
}
