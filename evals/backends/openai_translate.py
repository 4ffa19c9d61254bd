"""OpenAI's `/v1/audio/translations`: speech in any language to English text (whisper-1).

The same request and answer as transcription (evals/backends/openai_audio.py) through the SDK's
`audio.translations.create`, minus the `language` option (the output is always English).
Usage is the audio's length, billed per minute like transcription.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from evals.backends.base import BackendOptions
from evals.backends.openai_audio import OpenAITranscribeBackend


class TranslateOptions(BackendOptions):
    response_format: Literal["json", "verbose_json"] = Field(
        "json", description="verbose_json also returns segments and the duration"
    )
    prompt_from_text: bool = Field(
        False, description="send the request's text parts as the API's prompt (in English)"
    )
    temperature: float | None = Field(None, ge=0.0, le=1.0)


class OpenAITranslateBackend(OpenAITranscribeBackend):
    """Speech translation to English. Key: OPENAI_API_KEY (or `api_key_env`)."""

    type_name: ClassVar[str] = "openai-translate"
    default_model: ClassVar[str | None] = "whisper-1"
    Options = TranslateOptions  # type: ignore[assignment]
    options: TranslateOptions  # type: ignore[assignment]

    async def create(self, **kwargs: Any) -> Any:
        return await self.client.audio.translations.create(**kwargs)
