"""Rubrics: what a judge is asked, as a Jinja template (sandboxed, strict), from a built-in file
in `tasks/rubrics/`, a rubric file of one's own, or inline in the task file.

A rubric file holds the template and what it is for: its name, a default scale, and whether it
needs a reference. The judge scorer adds the verdict's format after the rendered rubric, so a
rubric says only what to judge, never how to answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, field_validator

from evals.errors import InputError
from evals.yamlfile import load_model

# Built-in rubrics live beside the built-in tasks; a rubrics/ folder in the working directory's
# tasks/ is searched first, so a project can override one by name.
PROJECT_RUBRICS = Path(__file__).resolve().parents[3] / "tasks" / "rubrics"

_ENV = ImmutableSandboxedEnvironment(
    undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False
)


class RubricFile(BaseModel):
    """A rubric file (`tasks/rubrics/NAME.yaml`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    scale: tuple[int, int] = Field((1, 5), description="default scale of a pointwise score: [low, high]")
    needs_reference: bool = False
    system: str | None = Field(None, description="the judge's system prompt (Jinja2)")
    template: str = Field(description="what the judge is asked (Jinja2, sandboxed, strict)")

    @field_validator("scale")
    @classmethod
    def _ordered(cls, value: tuple[int, int]) -> tuple[int, int]:
        if value[0] >= value[1]:
            raise ValueError("scale must be [low, high] with low < high")
        return value


@dataclass(frozen=True)
class Rubric:
    name: str
    scale: tuple[int, int]
    needs_reference: bool
    template: jinja2.Template
    system: jinja2.Template | None
    source: str  # the template text, for run records and the report
    sha256: str

    def render(self, variables: dict[str, Any]) -> tuple[str | None, str]:
        """(system, prompt) for one judge request; a template that fails is a ValueError whose
        message says why (the scorer turns it into a scorer error for the sample)."""
        return (
            _render(self.system, variables) if self.system is not None else None,
            _render(self.template, variables),
        )


def _render(template: jinja2.Template, variables: dict[str, Any]) -> str:
    try:
        return template.render(variables).strip()
    except jinja2.UndefinedError as exc:
        raise ValueError(f"the rubric uses a variable this sample lacks: {exc.message}") from exc
    except SecurityError as exc:
        raise ValueError(f"the rubric was blocked by the sandbox: {exc}") from exc
    except Exception as exc:  # the template's own expressions
        raise ValueError(f"the rubric failed: {type(exc).__name__}: {exc}") from exc


def _compile(source: str, where: str) -> jinja2.Template:
    try:
        return _ENV.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(
            f"rubric template syntax error: {exc.message}", field=where, fix="check the {{ }} and {% %} tags"
        ) from exc


def builtin_rubrics() -> list[str]:
    return sorted(p.stem for p in _folders()[-1].glob("*.yaml")) if _folders() else []


def _folders() -> list[Path]:
    return [f for f in (Path.cwd() / "tasks" / "rubrics", PROJECT_RUBRICS) if f.is_dir()]


def _rubric_path(name: str) -> Path:
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") or len(candidate.parts) > 1:
        if candidate.is_file():
            return candidate
    else:
        for folder in _folders():
            if (folder / f"{name}.yaml").is_file():
                return folder / f"{name}.yaml"
    raise InputError(
        f"rubric {name!r} not found",
        field="options.rubric",
        fix=f"use a built-in rubric ({', '.join(builtin_rubrics()) or 'none found'}), a path to a rubric "
        "file, or an inline template: under options",
    )


def load_rubric(name: str) -> Rubric:
    """A built-in rubric by name, or a rubric file by path (relative to the working folder)."""
    path = _rubric_path(name)
    spec = load_model(path, RubricFile)
    return _build(spec, str(path))


def inline_rubric(
    template: str, *, name: str = "inline", scale: tuple[int, int] = (1, 5), system: str | None = None
) -> Rubric:
    """A rubric written in the task file itself (`options.template`)."""
    spec = RubricFile(name=name, scale=scale, template=template, system=system)
    return _build(spec, "options.template")


def _build(spec: RubricFile, where: str) -> Rubric:
    source = spec.template if spec.system is None else f"{spec.system}\n---\n{spec.template}"
    return Rubric(
        name=spec.name,
        scale=spec.scale,
        needs_reference=spec.needs_reference,
        template=_compile(spec.template, where),
        system=_compile(spec.system, where) if spec.system else None,
        source=source,
        sha256=hashlib.sha256(source.encode()).hexdigest(),
    )
