"""The one place a run config is put together from what the user gave: a config file or task
files, `--backends`, `--with-providers`, and the overrides (`--limit`, `--shard`, `--budget`,
`--concurrency`, `--name`). `run`, `run --dry-run` and `run --resume` all come through here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from evals.backends.base import BackendConfig
from evals.config import PROJECT_ROOT, Overrides, RunConfig, load_config, parse_backend_arg
from evals.errors import InputError
from evals.plan import with_available_providers
from evals.yamlfile import load_yaml

DEMO_CONFIG = PROJECT_ROOT / "configs" / "demo.yaml"


@dataclass(frozen=True)
class ConfigRequest:
    """Everything the command line says about which config to run."""

    targets: list[str] = field(default_factory=list)
    backends: str | None = None
    with_providers: bool = False
    overrides: Overrides = field(default_factory=Overrides)


@dataclass
class Assembled:
    config: RunConfig
    base: Path  # task paths in the config are relative to this folder
    source: Path | None  # the config file, when there is one
    notes: list[str] = field(default_factory=list)


def overrides(**values: object) -> Overrides:
    """Overrides from command-line values; a bad one is one line naming its flag (exit 2)."""
    given = {k: v for k, v in values.items() if v is not None}
    try:
        return Overrides.model_validate(given)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "value"
        flag = Overrides.model_fields[name].description or f"--{name}"
        raise InputError(
            f"{flag} {given.get(name)!r}: {first['msg'].removeprefix('Value error, ')}",
            field=flag,
            fix=_FIXES.get(name, "see run-eval run --help"),
        ) from None


_FIXES = {
    "limit": "give a whole number of samples, 1 or more",
    "concurrency": "give a whole number from 1 to 1024",
    "budget_usd": "give dollars, 0 or more (e.g. --budget 5)",
    "shard": "write it as i/n with 0 <= i < n, e.g. --shard 0/4",
    "name": "use letters, digits, and . _ - (starting with a letter or digit)",
}


def is_run_config(path: Path) -> bool:
    data, _ = load_yaml(path)
    return isinstance(data, dict) and "backends" in data


def assemble(request: ConfigRequest) -> Assembled:
    targets = list(request.targets)
    if not targets:
        if not DEMO_CONFIG.is_file():
            raise InputError(
                "no config given and the demo config is not here",
                file=str(DEMO_CONFIG),
                fix="run-eval run CONFIG.yaml, or run from the repository",
            )
        targets = [str(DEMO_CONFIG)]
    paths = [Path(t) for t in targets]
    configs = [p for p in paths if p.suffix in (".yaml", ".yml") and p.is_file() and is_run_config(p)]
    notes: list[str] = []
    if configs:
        if len(targets) > 1:
            raise InputError(
                "give one run config, or task files, not both",
                field="CONFIG|TASK",
                fix=f"run-eval run {configs[0]}",
            )
        source: Path | None = configs[0]
        config = load_config(configs[0])
        if request.backends:
            config = config.model_copy(update={"backends": _backend_list(request.backends)})
        base = configs[0].parent
    else:
        if not request.backends:
            raise InputError(
                "no backends named",
                field="--backends",
                fix="add --backends oracle,majority (or a run config with backends:)",
            )
        source = None
        config = RunConfig(name="run", tasks=targets, backends=_backend_list(request.backends))
        base = Path.cwd()
    if request.with_providers:
        config, skipped = with_available_providers(config)
        notes += [f"provider skipped: {line}" for line in skipped]
    return Assembled(config.with_overrides(request.overrides), base, source, notes)


def assemble_resume(stored: RunConfig, request: ConfigRequest) -> RunConfig:
    """A resumed run keeps its config; only the overrides may change (a bigger budget, say)."""
    if request.targets:
        raise InputError(
            "--resume takes its config from the run directory",
            field="CONFIG|TASK",
            fix="run-eval run --resume RUN_DIR (without a config or task files)",
        )
    if request.backends:
        names = ", ".join(b.name for b in stored.backends)
        raise InputError(
            "--backends cannot change a resumed run (its results would mix two plans)",
            field="--backends",
            fix=f"resume with the run's own backends ({names}), or start a new run with these backends",
        )
    if request.overrides.perturb is not None:
        raise InputError(
            "--perturb cannot change a resumed run (its samples would change)",
            field="--perturb",
            fix="resume without --perturb, or start a new run with it",
        )
    return stored.with_overrides(request.overrides)


def _backend_list(text: str) -> list[BackendConfig]:
    return [parse_backend_arg(item) for item in text.split(",") if item.strip()]
