"""A task of kind `extract` made concrete: its schema resolved and handed to the request (as
structured output), the default prompt (as the instruction) and the `fields`/`rules` scorers."""

from __future__ import annotations

from pathlib import Path

from evals.engines.regex_extract import HINT, patterns_hint
from evals.task.extract import instruction, resolve_schema, scorer_options
from evals.task.kinds import default_prompt
from evals.task.spec import PromptSpec, ScorerSpec, TaskSpec, TextPartSpec


def prepare_extract(spec: TaskSpec, base: Path) -> TaskSpec:
    """The task with `generation.response_schema`, a default prompt and scorer options filled in
    from its `extract` block (what the task file states itself is kept)."""
    extract = spec.extract
    assert extract is not None
    schema = resolve_schema(extract, base)
    generation = spec.generation
    if generation.response_schema is None:
        generation = generation.model_copy(update={"response_schema": schema})
    prompt = spec.prompt
    if prompt is None:
        found = default_prompt(spec)
        parts = [p for p in (found.parts if found else []) if not isinstance(p, TextPartSpec)]
        prompt = PromptSpec(parts=[*parts, TextPartSpec(text=instruction(extract, schema))])
    if spec.scorers is None:
        scorers = [ScorerSpec(name="fields")] + ([ScorerSpec(name="rules")] if extract.rules else [])
    else:
        scorers = spec.scorers
    filled = [
        ScorerSpec(name=s.name, options={**scorer_options(s.name, extract, schema), **s.options})
        for s in scorers
    ]
    hints = dict(spec.hints)
    if extract.patterns:
        hints[HINT] = patterns_hint(extract.patterns)
    update = {"generation": generation, "prompt": prompt, "scorers": filled, "hints": hints}
    return spec.model_copy(update=update)
