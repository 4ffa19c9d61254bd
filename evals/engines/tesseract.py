"""Tesseract OCR (Debian's `tesseract-ocr`) through pytesseract: image in, text out.

The page-segmentation mode comes from the task's `text_layout` hint (a single line, a uniform
block, sparse text), because telling tesseract what it looks at matters more than any other
setting on cropped text; the `psm` option overrides it.
"""

from __future__ import annotations

import io
import subprocess
from typing import Any

from pydantic import Field

from evals.engines import install
from evals.engines.backend import EngineBackend, EngineOptions, media_of, ocr_raw
from evals.engines.pool import model
from evals.errors import InputError
from evals.records import Request, Response

# Tesseract's page-segmentation modes (`tesseract --help-psm`) by the task's text_layout hint.
PSM_BY_LAYOUT = {"char": 10, "line": 7, "word": 8, "block": 6, "sparse": 11}
# The `charset` hint: what the answer can contain, given to tesseract as a character whitelist.
CHARSETS = {"digits": "0123456789"}
PSM_AUTO = 3  # tesseract's own default: full automatic page segmentation


def apt_install(languages: str) -> str:
    """Debian's package names: tesseract-ocr, and tesseract-ocr-<lang> per language (chi_sim → chi-sim)."""
    packages = [
        "tesseract-ocr",
        *(f"tesseract-ocr-{code.lower().replace('_', '-')}" for code in languages.split("+")),
    ]
    return "apt-get install " + " ".join(packages)


class TesseractOptions(EngineOptions):
    lang: str = Field(
        "eng", pattern=r"^[A-Za-z_]+(\+[A-Za-z_]+)*$", description="language(s), e.g. eng or eng+deu"
    )
    psm: int | None = Field(
        None, ge=0, le=13, description="page-segmentation mode; default from the text_layout hint"
    )
    tesseract_cmd: str = Field("tesseract", description="the tesseract program (a name on PATH or a path)")


def _load(tesseract_cmd: str) -> str:
    import pytesseract

    pytesseract.pytesseract.tesseract_cmd = tesseract_cmd
    return tesseract_cmd


def _recognise(image: bytes, lang: str, config: str) -> str:
    import pytesseract
    from PIL import Image

    pytesseract.pytesseract.tesseract_cmd = model()
    with Image.open(io.BytesIO(image)) as picture:
        text: str = pytesseract.image_to_string(picture, lang=lang, config=config)
    return text


def tidy(text: str) -> str:
    """Lines without their trailing spaces, blank lines and tesseract's form feed dropped."""
    lines = (line.strip() for line in text.replace("\f", "\n").splitlines())
    return "\n".join(line for line in lines if line)


class TesseractBackend(EngineBackend):
    """Tesseract OCR on each image of the request; their texts joined by newlines."""

    type_name = "tesseract"
    default_model = "tesseract"
    modalities = frozenset({"text", "image"})
    outputs = frozenset({"text"})
    Options = TesseractOptions
    options: TesseractOptions

    def loader(self) -> tuple[Any, tuple[Any, ...]]:
        return _load, (self.options.tesseract_cmd,)

    def psm(self, request: Request) -> int:
        if self.options.psm is not None:
            return self.options.psm
        return PSM_BY_LAYOUT.get(str(request.hints.get("text_layout", "")), PSM_AUTO)

    def tesseract_args(self, request: Request) -> str:
        """tesseract's command-line settings: the page mode, and a whitelist for a `charset` hint."""
        whitelist = CHARSETS.get(str(request.hints.get("charset", "")))
        args = f"--psm {self.psm(request)}"
        return f"{args} -c tessedit_char_whitelist={whitelist}" if whitelist else args

    def check(self) -> None:
        install.require_module(self.name, "pytesseract")
        command = install.require_binary(
            self.name, self.options.tesseract_cmd, apt_install(self.options.lang)
        )
        try:
            listed = subprocess.run([command, "--list-langs"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise InputError(
                f"backend {self.name!r}: {command} --list-langs failed ({exc})",
                field=f"backends.{self.name}",
                fix=apt_install(self.options.lang),
            ) from exc
        # The first line is a header ("List of available languages in ..."), then one code a line.
        have = {line.strip() for line in listed.stdout.splitlines()[1:]} if listed.returncode == 0 else set()
        missing = [code for code in self.options.lang.split("+") if code not in have]
        if missing:
            raise InputError(
                f"backend {self.name!r}: tesseract has no data for language {'+'.join(missing)!r}",
                field=f"backends.{self.name}.options.lang",
                fix=apt_install("+".join(missing)),
            )

    def versions(self) -> dict[str, str]:
        found = {
            "tesseract": install.program_version(self.options.tesseract_cmd, "--version"),
            "pytesseract": install.package_version("pytesseract"),
        }
        return {name: version for name, version in found.items() if version}

    async def generate(self, request: Request) -> Response:
        psm = self.psm(request)
        config = self.tesseract_args(request)
        texts: list[str] = []
        stamps: list[dict[str, Any]] = []
        for image in media_of(request, "image", self.name):
            text, stamp = await self.pool.run(_recognise, image.data, self.options.lang, config)
            texts.append(tidy(text))
            stamps.append(stamp.as_dict())
        answer = "\n".join(t for t in texts if t)
        return Response(text=answer, model=self.model, raw=ocr_raw(answer, stamps, psm=psm))
