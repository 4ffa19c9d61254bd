"""Render a task's prompt for one sample into a provider-neutral `Request`.

Templates run in Jinja2's immutable sandbox with StrictUndefined: a template cannot reach
Python internals, and a variable the sample does not have is an error, never an empty string.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from evals.errors import InputError, MediaError
from evals.media import Media
from evals.records import GenerationParams, MediaPart, Message, Part, Request, Sample, TextPart
from evals.task.spec import (
    AudioPartSpec,
    GenerationSpec,
    ImagePartSpec,
    PromptSpec,
    SamplingSpec,
    TextPartSpec,
    VideoPartSpec,
    merge_sampling,
)
from evals.video import Sampling, VideoPlan

_ENV = ImmutableSandboxedEnvironment(
    undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False
)


def compile_template(source: str, where: str) -> jinja2.Template:
    try:
        return _ENV.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(
            f"template syntax error: {exc.message}",
            field=where,
            fix="check the {{ }} and {% %} tags",
        ) from exc


def template_variables(source: str) -> set[str]:
    return set(meta.find_undeclared_variables(_ENV.parse(source)))


def _media_spec(part: ImagePartSpec | AudioPartSpec | VideoPartSpec) -> tuple[str, str]:
    if isinstance(part, ImagePartSpec):
        return "image", part.image
    if isinstance(part, AudioPartSpec):
        return "audio", part.audio
    return "video", part.video


@dataclass(frozen=True)
class _TextStep:
    template: jinja2.Template
    where: str


@dataclass(frozen=True)
class _MediaStep:
    kind: str
    field: str
    detail: str | None
    video: VideoPlan | None = None
    role: str | None = None


def video_plan(part: VideoPartSpec) -> VideoPlan:
    """A video part's sampling as the records carry it (variants merged over the default)."""
    base = part.sampling_fields()
    variants = tuple(
        (name, _sampling(SamplingSpec.model_validate(merge_sampling(base, changes))))
        for name, changes in sorted(part.backends.items())
    )
    return VideoPlan(
        default=_sampling(part), backends=variants, max_seconds=part.max_seconds, max_pixels=part.max_pixels
    )


def _sampling(spec: SamplingSpec) -> Sampling:
    return Sampling(**{name: getattr(spec, name) for name in SamplingSpec.model_fields})


class PromptBuilder:
    """Compiled once per task; `build(sample)` is on the hot path."""

    def __init__(
        self,
        task: str,
        prompt: PromptSpec,
        generation: GenerationSpec,
        output: str = "text",
        hints: dict[str, Any] | None = None,
    ) -> None:
        self.task = task
        self.output = output
        self.hints = dict(hints or {})
        self._system = compile_template(prompt.system, "prompt.system") if prompt.system else None
        self._steps: list[_TextStep | _MediaStep] = []
        for index, part in enumerate(prompt.parts):
            where = f"prompt.parts.{index}"
            if isinstance(part, TextPartSpec):
                self._steps.append(_TextStep(compile_template(part.text, where), where))
            else:
                kind, field = _media_spec(part)
                detail = part.detail if isinstance(part, ImagePartSpec) else None
                plan = video_plan(part) if isinstance(part, VideoPartSpec) else None
                role = part.role if isinstance(part, ImagePartSpec) else None
                self._steps.append(_MediaStep(kind, field, detail, plan, role))
        self._params = GenerationParams(
            max_tokens=generation.max_tokens,
            temperature=generation.temperature,
            seed=generation.seed,
            top_p=generation.top_p,
            stop=tuple(generation.stop),
            response_schema=generation.response_schema,
            logprobs=generation.logprobs,
            output_options=tuple(sorted(generation.output_options.items())),
        )

    @staticmethod
    def variables(prompt: PromptSpec) -> tuple[set[str], dict[str, str]]:
        """Template variables and media fields (name → kind) the prompt needs."""
        names: set[str] = set()
        media: dict[str, str] = {}
        if prompt.system:
            names |= template_variables(prompt.system)
        for part in prompt.parts:
            if isinstance(part, TextPartSpec):
                names |= template_variables(part.text)
            else:
                kind, field = _media_spec(part)
                media[field] = kind
        return names, media

    def _render(self, template: jinja2.Template, where: str, sample: Sample) -> str:
        context = {**sample.fields, "choices": sample.choices or [], "sample_id": sample.id}
        try:
            return template.render(context)
        except jinja2.UndefinedError as exc:
            raise InputError(
                f"sample {sample.id!r}: {exc.message}",
                field=where,
                fix="use a field the dataset has, or map it under dataset.fields",
            ) from exc
        except SecurityError as exc:
            raise InputError(
                f"template blocked by the sandbox: {exc}",
                field=where,
                fix="templates may only format the sample's fields",
            ) from exc
        except Exception as exc:  # any other failure of the template's own expressions
            raise InputError(
                f"sample {sample.id!r}: the template failed: {type(exc).__name__}: {exc}",
                field=where,
                fix="templates may only format the sample's fields; check the expression",
            ) from exc

    def _media(self, step: _MediaStep, sample: Sample) -> Iterable[Media]:
        value = sample.fields.get(step.field)
        items = value if isinstance(value, list) else [value]
        if not items or any(not isinstance(v, Media) for v in items):
            raise MediaError(f"sample {sample.id!r} has no {step.kind} in field {step.field!r}")
        for media in items:
            assert isinstance(media, Media)
            if media.kind != step.kind:
                raise MediaError(
                    f"field {step.field!r} holds {media.kind}, but the prompt asks for {step.kind}"
                )
            yield media

    def build(self, sample: Sample) -> Request:
        messages: list[Message] = []
        if self._system is not None:
            text = self._render(self._system, "prompt.system", sample)
            messages.append(Message("system", (TextPart(text),)))
        parts: list[Part] = []
        for step in self._steps:
            if isinstance(step, _TextStep):
                parts.append(TextPart(self._render(step.template, step.where, sample)))
            else:
                parts.extend(
                    MediaPart(m, step.detail, role=step.role, video=step.video)
                    for m in self._media(step, sample)
                )
        messages.append(Message("user", tuple(parts)))
        return Request(
            task=self.task,
            sample_id=sample.id,
            messages=tuple(messages),
            params=self._params,
            output="image" if self.output == "image" else "audio" if self.output == "audio" else "text",
            hints=self.hints,
        )
