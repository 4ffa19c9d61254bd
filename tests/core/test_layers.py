"""The package's imports go one way: no cycles, and no module imports from a layer above it.

Every `import` counts, including those inside functions (a lazy import that dodges a cycle is
still a cycle). `from pkg import name` counts as importing `pkg.name` when that is a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "evals"

# Lowest first. A module may import from its own layer and the layers below it, never above.
LAYERS: list[tuple[str, ...]] = [
    (
        "evals.errors",
        "evals.secrets",
        "evals.values",
        "evals.fileio",
        "evals.rundata",
        "evals.machine",
        "evals.registry",
        "evals.yamlfile",
        "evals.media",
        "evals.video",
        "evals.video_strip",
        "evals.corpus",
        "evals.stats",
        "evals.agreement",
        "evals.references",
        "evals.fmt",
        "evals.terminal",
        "evals.version",
        "evals.ratelimits",
        "evals.segments",
        "evals.crashlog",
        "evals.safe_expr",
    ),
    (
        "evals.records",
        "evals.video_request",
        "evals.media_check",
        "evals.journal",
        "evals.rundir",
        "evals.classification",
        "evals.paired",
    ),
    (
        "evals.scoring",
        "evals.scorers",
        "evals.data",
        "evals.generators",
        "evals.pricing",
        "evals.cache",
        "evals.perturb",
    ),
    ("evals.backends", "evals.engines", "evals.task", "evals.testing"),
    (
        "evals.config",
        "evals.plan",
        "evals.estimate",
        "evals.runner",
        "evals.aggregate",
        "evals.judging",
        "evals.benchmark_aggregates",
        "evals.parquet",
        "evals.robustness",
        "evals.batch",
    ),
    ("evals.analysis", "evals.baseline", "evals.compare", "evals.gate", "evals.report", "evals.console"),
    ("evals.finalize", "evals.session", "evals.assembly", "evals.rescore", "evals.merge", "evals.viewer"),
    ("evals.cli", "evals.__main__", "evals"),
]


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            subs = [f"{base}.{alias.name}" for alias in node.names]
            named = [s for s in subs if s in known]
            found.update(named)
            if len(named) < len(subs) and base in known:
                found.add(base)
    found.discard(name)
    return found


def layer_of(name: str) -> int:
    best = None
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            matches = name == prefix or (prefix != "evals" and name.startswith(prefix + "."))
            if matches and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    if best is None:
        raise AssertionError(f"module {name} has no layer: add it to LAYERS")
    return best[0]


GRAPH = {name: imports(name, path, modules()) for name, path in modules().items()}


def test_every_module_has_a_layer() -> None:
    for name in GRAPH:
        layer_of(name)


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_no_module_imports_from_a_layer_above_it(name: str) -> None:
    mine = layer_of(name)
    above = sorted(other for other in GRAPH[name] if layer_of(other) > mine)
    assert not above, f"{name} (layer {mine}) imports from above: {above}"


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_import_cycles() -> None:
    assert not find_cycles(GRAPH)


def test_the_walker_finds_cycles_and_lazy_imports(tmp_path: Path) -> None:
    """A two-module cycle whose second half is a lazy import inside a function is found."""
    (tmp_path / "a.py").write_text("from evals.b import x\n")
    (tmp_path / "b.py").write_text("def f():\n    from evals import a\n    return a\n")
    known = {"evals.a": tmp_path / "a.py", "evals.b": tmp_path / "b.py", "evals": tmp_path / "__init__.py"}
    graph = {name: imports(name, path, known) for name, path in known.items() if name != "evals"}
    graph["evals"] = set()
    assert graph["evals.b"] == {"evals.a"}
    assert find_cycles(graph) == [["evals.a", "evals.b"]]
