"""eSpeak NG (Debian `espeak-ng`) as a text-to-speech backend: text in, 16 kHz mono WAV out.

A speech synthesiser produces audio and no text, so nothing can score it directly: a `tts` task
scores a transcript of the audio. It is used inside `tts-roundtrip`, which transcribes what it
says; run directly by the runner, every sample is refused with a message that says so.
"""

from __future__ import annotations

import subprocess
from typing import Any

from pydantic import Field

from evals.engines import install
from evals.engines.audio import SPEECH_RATE, decode, resample, to_wav, warm_up
from evals.engines.backend import EngineBackend, EngineOptions, speech_raw, user_text
from evals.engines.pool import EngineFailure, model
from evals.errors import InputError
from evals.records import ErrorInfo, OutputMedia, Request, Response, Sample, Usage

APT_INSTALL = "apt-get install espeak-ng"


class EspeakOptions(EngineOptions):
    voice: str = Field("en-us", description="voice, with an optional variant: en-us, en-gb, en-us+f2, …")
    speed: int = Field(175, ge=80, le=450, description="words per minute (espeak-ng's default is 175)")
    pitch: int = Field(50, ge=0, le=99, description="pitch adjustment (espeak-ng's default is 50)")
    espeak_cmd: str = Field("espeak-ng", description="the espeak-ng program (a name on PATH or a path)")


def _load(command: str) -> str:
    warm_up()
    return command


def _synthesise(text: str, voice: str, speed: int, pitch: int) -> tuple[bytes, float]:
    command = [model(), "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdin", "--stdout"]
    done = subprocess.run(command, input=text.encode(), capture_output=True, check=False, timeout=300)
    if done.returncode != 0 or not done.stdout:
        raise EngineFailure(f"espeak-ng failed: {done.stderr.decode(errors='replace').strip() or 'no audio'}")
    samples, rate = decode(done.stdout, "espeak-ng output")
    speech = resample(samples, rate, SPEECH_RATE)
    return to_wav(speech, SPEECH_RATE), len(speech) / SPEECH_RATE


def tts_only(backend: str, type_name: str) -> ErrorInfo:
    """The refusal for a speech synthesiser run directly on a task."""
    return ErrorInfo(
        kind="unsupported",
        message=f"backend {backend!r} ({type_name}) produces audio and no text, so nothing here can "
        f"score it; evaluate it with tts-roundtrip: "
        f"{{type: tts-roundtrip, options: {{tts: {{type: {type_name}}}, "
        "asr: {type: pocketsphinx}}}, which transcribes its audio for the wer scorer",
    )


class EspeakBackend(EngineBackend):
    """eSpeak NG speech: `generate` returns the WAV in `Response.audio` and no text."""

    type_name = "espeak"
    default_model = "espeak-ng"
    modalities = frozenset({"text"})
    outputs = frozenset({"audio"})  # no "text": a tts task needs tts-roundtrip around it
    Options = EspeakOptions
    options: EspeakOptions

    def loader(self) -> tuple[Any, tuple[Any, ...]]:
        return _load, (self.options.espeak_cmd,)

    def check(self) -> None:
        command = install.require_binary(self.name, self.options.espeak_cmd, APT_INSTALL)
        probe = [command, "-q", "-v", self.options.voice, "check"]
        try:
            done = subprocess.run(probe, capture_output=True, text=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise InputError(
                f"backend {self.name!r}: {command} does not run ({exc})", fix=APT_INSTALL
            ) from exc
        if done.returncode != 0:
            raise InputError(
                f"backend {self.name!r}: espeak-ng has no voice {self.options.voice!r}",
                field=f"backends.{self.name}.options.voice",
                fix="espeak-ng --voices lists voices; espeak-ng --voices=variant lists variants (+f2, …)",
            )

    def versions(self) -> dict[str, str]:
        version = install.program_version(self.options.espeak_cmd, "--version")
        return {"espeak-ng": version} if version else {}

    async def answer(self, request: Request, sample: Sample) -> Response:
        """Run by the runner directly: refused (see the module's docstring)."""
        return Response(error=tts_only(self.name, self.type_name))

    async def generate(self, request: Request) -> Response:
        text = user_text(request).strip()
        if not text:
            return Response(error=ErrorInfo(kind="bad_request", message="the request has no text to speak"))
        o = self.options
        (wav, seconds), stamp = await self.pool.run(_synthesise, text, o.voice, o.speed, o.pitch)
        return Response(
            outputs=[OutputMedia(kind="audio", data=wav, mime="audio/wav", name="speech")],
            usage=Usage(audio_seconds=round(seconds, 3)),
            model=f"{self.model}:{o.voice}",
            raw=speech_raw(seconds, [stamp.as_dict()]),
        )
