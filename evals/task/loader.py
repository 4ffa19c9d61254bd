"""Load a task file: schema, defaults by kind, scorers, compiled prompt, checked variables."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from evals.data.samples import count_samples, iter_samples, iter_targets, open_source
from evals.data.shard import Shard
from evals.data.sources import RowSource
from evals.errors import InputError, MediaError
from evals.perturb.apply import expand
from evals.perturb.spec import media_changed, perturbation_kind
from evals.records import Sample
from evals.scoring import Metric, Scorer, build_scorer
from evals.task.extract_task import prepare_extract
from evals.task.kinds import KINDS, default_prompt, default_scorers
from evals.task.prompt import PromptBuilder
from evals.task.spec import DiskSource, HubSource, PromptSpec, ScorerSpec, TaskSpec
from evals.yamlfile import line_of, load_model, load_yaml


@dataclass
class Task:
    """A validated task, ready to stream samples and build requests."""

    spec: TaskSpec
    path: Path | None
    prompt: PromptSpec
    scorers: list[Scorer]
    builder: PromptBuilder

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def base(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    @property
    def output(self) -> str:
        return KINDS[self.spec.kind].output

    @property
    def needs_outputs(self) -> frozenset[str]:
        """What a backend must produce for this task's answers to be scored."""
        needed = set(KINDS[self.spec.kind].needs)
        for scorer in self.scorers:
            needed |= scorer.needs_outputs
        return frozenset(needed)

    @property
    def metrics(self) -> list[Metric]:
        return [m for s in self.scorers for m in s.metrics]

    def modalities(self) -> set[str]:
        """What a backend must accept to run this task."""
        _, media = PromptBuilder.variables(self.prompt)
        return {"text", *media.values()}

    def source(self) -> RowSource:
        return open_source(self.spec.dataset, self.base, task_file=self.path, provenance=self.spec.provenance)

    def samples(self, *, limit: int | None = None, shard: Shard | None = None) -> Iterator[Sample]:
        """The dataset's samples; with `perturb:`, one per perturbation × level of each
        (`limit` and `shard` count the dataset's samples, so all levels of one stay together)."""
        samples = iter_samples(self.spec.dataset, self.source(), limit=limit, shard=shard)
        perturb = self.spec.perturb
        if not perturb:
            return samples
        return (variant for sample in samples for variant in expand(sample, perturb))

    def count(self, *, limit: int | None = None, shard: Shard | None = None) -> int | None:
        """The number of samples a run will see, when it is cheap to know (for progress bars)."""
        count = count_samples(self.spec.dataset, self.source(), limit=limit, shard=shard)
        levels = sum(len(v) for v in self.spec.perturb.values()) if self.spec.perturb else 1
        return None if count is None else count * levels

    def targets(self) -> Iterator[list[str]]:
        return iter_targets(self.spec.dataset, self.source())


def _where(
    error: InputError,
    path: Path | None,
    lines: dict[tuple[str | int, ...], int],
    loc: tuple[str | int, ...],
) -> InputError:
    return error.located(file=str(path) if path else None, line=line_of(lines, loc))


def build_task(spec: TaskSpec, path: Path | None = None) -> Task:
    """Resolve defaults and build scorers and the prompt; errors point into the file."""
    lines: dict[tuple[str | int, ...], int] = load_yaml(path)[1] if path else {}
    if spec.extract is not None:
        try:
            spec = prepare_extract(spec, path.parent if path else Path.cwd())
        except InputError as exc:
            raise _where(exc, path, lines, ("extract",)) from None
    prompt = spec.prompt or default_prompt(spec)
    if prompt is None:
        raise _where(
            InputError(
                "a 'custom' task needs a prompt",
                field="prompt",
                fix="add prompt: {parts: [{text: ...}]}",
            ),
            path,
            lines,
            (),
        )
    scorer_specs: list[ScorerSpec] = spec.scorers if spec.scorers is not None else default_scorers(spec)
    if not scorer_specs:
        raise _where(
            InputError("the task has no scorers", field="scorers", fix="add scorers: [exact_match]"),
            path,
            lines,
            ("scorers",),
        )
    scorers: list[Scorer] = []
    for index, scorer_spec in enumerate(scorer_specs):
        try:
            scorers.append(build_scorer(scorer_spec.name, scorer_spec.options))
        except InputError as exc:
            raise _where(exc, path, lines, ("scorers", index)).located(field=f"scorers.{index}") from None
    names = [m.name for s in scorers for m in s.metrics]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _where(
            InputError(
                f"metric {duplicates[0]!r} is produced by two scorers",
                field="scorers",
                fix="list each scorer once",
            ),
            path,
            lines,
            ("scorers",),
        )
    try:
        builder = PromptBuilder(spec.name, prompt, spec.generation, KINDS[spec.kind].output, spec.hints)
    except InputError as exc:
        raise _where(exc, path, lines, ("prompt",)) from None
    task = Task(spec, path, prompt, scorers, builder)
    if spec.perturb:
        try:
            task = with_perturbations(task, spec.perturb, strict=True)
        except InputError as exc:
            raise _where(exc, path, lines, ("perturb",)) from None
    return task


def with_perturbations(task: Task, perturb: dict[str, list[int]], *, strict: bool) -> Task:
    """The task with `perturb` applied to its media (a run config's perturbations replace the
    task's own). Those of a kind of media the task does not send are an error when `strict`
    (the task's own `perturb:`), else left out (a run config's, meant for other tasks)."""
    media = task.modalities()
    fitting = {name: levels for name, levels in perturb.items() if media_changed(name) & media}
    unfit = [name for name in perturb if name not in fitting]
    if strict and unfit:
        kind = perturbation_kind(unfit[0])
        sent = ", ".join(sorted(media - {"text"})) or "its media"
        raise InputError(
            f"perturbation {unfit[0]!r} changes {kind}, which task {task.name!r} does not send",
            file=str(task.path) if task.path else None,
            field="perturb",
            fix=f"use a perturbation of {sent} (docs/robustness.md)",
        )
    if not fitting:
        return task
    spec = task.spec.model_copy(update={"perturb": fitting})
    return Task(spec, task.path, task.prompt, task.scorers, task.builder)


def load_task(path: Path) -> Task:
    spec = load_model(path, TaskSpec)
    return build_task(spec, path)


def check_task(task: Task) -> None:
    """Check the prompt's variables against the dataset's columns and scan file rows.

    Reads rows but never media; for hub datasets only the schema is read.
    """
    lines = load_yaml(task.path)[1] if task.path else {}
    source = task.source()
    try:
        columns = source.columns()
    except InputError as exc:
        raise _where(exc, task.path, lines, ("dataset",)) from None
    from evals.data.sources import FileRowSource

    if isinstance(source, FileRowSource) and columns == set():
        raise _where(
            InputError(
                f"the dataset {source.label} has no rows",
                field="dataset.path",
                fix="add rows to the dataset, or point dataset.path at the right file",
            ),
            task.path,
            lines,
            ("dataset",),
        )
    names, media = PromptBuilder.variables(task.prompt)
    if columns is not None:
        spec = task.spec.dataset
        columns = columns | set(spec.gather)  # gathered fields are columns of the mapped row
        _check_named_columns(task, columns, lines)
        available = (columns - set(spec.fields.values())) | set(spec.fields) | {"choices", "sample_id"}
        for name in sorted(names - available):
            raise _where(
                InputError(
                    f"template variable {name!r} is not a dataset column",
                    field="prompt",
                    fix=f"use one of: {', '.join(sorted(available))}",
                ),
                task.path,
                lines,
                ("prompt",),
            )
        declared = spec.media_columns
        for name, kind in sorted(media.items()):
            if declared.get(name) != kind:
                listing = {"image": "images", "audio": "audio", "video": "video"}[kind]
                raise _where(
                    InputError(
                        f"prompt uses {kind} field {name!r}, but dataset.{listing} does not list it",
                        field="prompt",
                        fix=f"add {name} to dataset.{listing}",
                    ),
                    task.path,
                    lines,
                    ("prompt",),
                )
            if name not in columns:
                raise _where(
                    InputError(
                        f"media column {name!r} is not in the dataset",
                        field=f"dataset.{kind}",
                        fix=f"columns are: {', '.join(sorted(columns))}",
                    ),
                    task.path,
                    lines,
                    ("dataset",),
                )
    if isinstance(source, FileRowSource):
        scan_rows(task, lines)


def _check_named_columns(task: Task, columns: set[str], lines: dict[tuple[str | int, ...], int]) -> None:
    """Columns named by dataset.fields and dataset.choices exist (their first step, for paths
    such as `meta.level`): a missing one would reach the prompt as None."""
    from evals.data.fieldpath import parse_path

    spec = task.spec.dataset
    named: list[tuple[tuple[str, ...], str]] = [(("dataset", "fields", k), v) for k, v in spec.fields.items()]
    if spec.choices is not None:
        named.append((("dataset", "choices"), spec.choices))
    for loc, path in named:
        first = parse_path(path)[0]
        if isinstance(first, str) and first not in columns:
            raise _where(
                InputError(
                    f"column {first!r} is not in the dataset",
                    field=".".join(loc),
                    fix=f"columns are: {', '.join(sorted(columns))}",
                ),
                task.path,
                lines,
                loc,
            )


def scan_rows(task: Task, lines: dict[tuple[str | int, ...], int]) -> None:
    """Map every row and render its prompt (text only: media are never read), so a bad row or a
    template that fails on one row is found before anything is sent."""
    try:
        for sample in task.samples():
            try:
                task.builder.build(sample)
            except MediaError:
                continue  # a sample's media problem is that sample's error at run time
            except InputError as exc:
                steps = (exc.field or "prompt").split(".")
                where = tuple(int(s) if s.isdigit() else s for s in steps)
                raise _where(exc, task.path, lines, where) from None
    except InputError as exc:
        raise _where(exc, task.path, lines, ("dataset",)) from None


def check_before_run(task: Task) -> None:
    """What `validate` checks, for tasks whose rows are local and cheap to read (files, folders,
    generators): run before anything is sent. Hub datasets are checked as they stream."""
    if not isinstance(task.spec.dataset, HubSource | DiskSource):
        check_task(task)


def check_media_files(task: Task, *, limit: int | None = None) -> tuple[int, list[str]]:
    """Read every media file of a local dataset (the first `limit` samples with `--quick`):
    existence, containment in the dataset's folder and a type sniff, as a run would. Returns
    the samples checked and one message per unusable file (a run records each as that
    sample's `media` error)."""
    from evals.data.sources import FileRowSource

    if not isinstance(task.source(), FileRowSource):
        return 0, []
    problems: list[str] = []
    checked = 0
    for sample in task.samples(limit=limit):
        checked += 1
        for _, media in sample.media_fields():
            try:
                if media.kind == "video":
                    media.local_file()  # located and checked; never read whole
                else:
                    media.data  # noqa: B018 - read, sniffed and checked by its loader
            except MediaError as exc:
                problems.append(str(exc))
        sample.release_media()
    return checked, problems
