"""The document pipeline as one backend: classify the document's type with one model, then
extract its record with the model configured for that type (validation is the task's `rules`
scorer). So "a mini model classifies, a full model extracts" and "the full model does both" are
two backends of one run, compared on the same leaderboard for accuracy and dollars.

    - name: mini+full
      type: document-pipeline
      options:
        classify: {type: openai, model: gpt-4o-mini}
        extract:
          invoice: {type: openai, model: gpt-4o}
          receipt: {type: openai, model: gpt-4o-mini}

The classifier sees the document's images and a question naming the types (the keys of
`extract`); its answer is the first type named in it (`fallback` when it names none). Each
stage's seconds go to `latency.stages`, its cost and the chosen type to `stages` in the journal
(the report's pipeline table and the classifier's confusion matrix against the sample's
`doc_type`).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, model_validator

from evals.backends.base import BackendConfig, BackendOptions
from evals.backends.composite import CompositeBackend, StageSpec
from evals.records import GenerationParams, Message, Request, Response, TextPart

CLASSIFY = "classify"
QUESTION = "What type of document is this? Answer with one word, one of: {types}. Reply with the type only."


class PipelineOptions(BackendOptions):
    classify: StageSpec = Field(description="the backend that names the document's type")
    extract: dict[str, StageSpec] = Field(
        description="the backend that extracts each document type's record (type → backend)"
    )
    fallback: str | None = Field(None, description="the type whose extractor takes an unrecognised answer")
    question: str = Field(QUESTION, description="the classifier's question; {types} lists the types")

    @model_validator(mode="after")
    def _types(self) -> PipelineOptions:
        if not self.extract:
            raise ValueError("extract needs at least one document type and its backend")
        if any(not re.fullmatch(r"[A-Za-z][\w-]*", name) for name in self.extract):
            raise ValueError("document types are single words (letters, digits, - and _)")
        if self.fallback is not None and self.fallback not in self.extract:
            raise ValueError(f"fallback {self.fallback!r} is not one of the extract types")
        return self


def extract_role(document_type: str) -> str:
    """The stage name of a document type's extractor (its times and cost in the journal)."""
    return f"extract:{document_type}"


def classified_type(answer: str, types: list[str]) -> str | None:
    """The first of `types` named in the answer (whole words, case-insensitive)."""
    found: tuple[int, str] | None = None
    for name in types:
        match = re.search(rf"\b{re.escape(name)}\b", answer, re.IGNORECASE)
        if match and (found is None or match.start() < found[0]):
            found = (match.start(), name)
    return found[1] if found else None


class DocumentPipelineBackend(CompositeBackend):
    """classify → extract with a backend per document type (see the module docstring)."""

    type_name = "document-pipeline"
    modalities = frozenset({"text", "image"})
    outputs = frozenset({"text"})
    Options = PipelineOptions
    options: PipelineOptions

    def __init__(self, config: BackendConfig) -> None:
        super().__init__(config)
        self.classifier = self.add_stage(CLASSIFY, self.options.classify)
        for name, spec in self.options.extract.items():
            self.add_stage(extract_role(name), spec)
        if "text" not in self.classifier.outputs:
            raise self.refuse(
                CLASSIFY, f"{self.options.classify.type} does not answer with text", "a chat model"
            )
        # Labelled by its stages: a provider if any stage is one, else a baseline if any is.
        kinds = {stage.kind for stage in self.stages.values()}
        kind = "provider" if "provider" in kinds else "baseline" if "baseline" in kinds else "engine"
        self.kind = kind  # type: ignore[misc,assignment]

    @property
    def types(self) -> list[str]:
        return list(self.options.extract)

    @property
    def model(self) -> str:
        extractors = "/".join(f"{name}:{self.stages[extract_role(name)].model}" for name in self.types)
        return self.config.model or f"{self.classifier.model}→{extractors}"

    def classify_request(self, request: Request) -> Request:
        images = tuple(p for p in request.media_parts() if p.kind == "image")
        question = self.options.question.replace("{types}", ", ".join(self.types))
        return Request(
            task=request.task,
            sample_id=request.sample_id,
            messages=(Message("user", (*images, TextPart(question))),),
            params=GenerationParams(max_tokens=16, temperature=0.0, seed=request.params.seed),
            hints={**request.hints, "choices": self.types},
        )

    async def generate(self, request: Request) -> Response:
        classified = await self.call_stage(CLASSIFY, self.classify_request(request))
        answers = {CLASSIFY: classified}
        if not classified.ok:
            return self.finish(classified.response, answers)
        chosen = (
            classified_type(classified.response.text, self.types) or self.options.fallback or self.types[0]
        )
        extracted = await self.call_stage(extract_role(chosen), request)
        answers[extract_role(chosen)] = extracted
        response = extracted.response
        response.stage_details[CLASSIFY] = {"answer": chosen, "text": classified.response.text[:80]}
        response.model = self.model
        return self.finish(response, answers)

    def cache_identity(self) -> dict[str, Any]:
        return {
            "type": self.type_name,
            "question": self.options.question,
            "fallback": self.options.fallback,
            **{role: stage.cache_identity() for role, stage in self.stages.items()},
        }
