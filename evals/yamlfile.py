"""Load YAML safely and keep the line of every key, so schema errors can say `file:line`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from evals.errors import InputError

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]

# Bounds on what a task or config file may expand to. Aliases let 500 bytes stand for billions
# of values (the "billion laughs"); nesting hundreds deep overflows a recursive reader. Real
# task and config files are far inside these.
MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000


def _bound_error(path: Path, line: int | None, what: str) -> InputError:
    return InputError(
        what,
        file=str(path),
        line=line,
        fix=f"a task or config file may nest at most {MAX_DEPTH} levels and expand (aliases "
        f"included) to at most {MAX_NODES:,} values: write the values out, or move data to a dataset",
    )


def _check_nesting(text: str, path: Path) -> None:
    """Nesting depth from the event stream (flat, not recursive), before anything is built."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else None
                raise _bound_error(path, line, f"nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_expansion(root: yaml.Node, path: Path) -> None:
    """Count the values the document expands to, following aliases, without expanding it
    (each node is counted once, memoised); refuse recursive aliases and overlarge expansions."""
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    started: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        key = id(node)
        if done:
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            depths[key] = 1 + max((depths[id(c)] for c in children), default=0)
            started.discard(key)
            line = node.start_mark.line + 1
            if sizes[key] > MAX_NODES:
                raise _bound_error(path, line, f"expands to more than {MAX_NODES:,} values")
            if depths[key] > MAX_DEPTH:
                raise _bound_error(path, line, f"expands to more than {MAX_DEPTH} levels deep")
            continue
        if key in sizes:
            continue
        started.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in started:
                raise _bound_error(
                    path, child.start_mark.line + 1, "a recursive alias (a value that contains itself)"
                )
            if id(child) not in sizes:
                stack.append((child, False))


def _lines(node: yaml.Node, path: Loc, out: dict[Loc, int]) -> None:
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key.value)
            out[(*path, name)] = key.start_mark.line + 1
            _lines(value, (*path, name), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, (*path, index), out)


def load_yaml(path: Path) -> tuple[Any, dict[Loc, int]]:
    """Parse a YAML file with the safe loader; return its data and a map of path → line."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise _bound_error(path, None, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            "the file is not UTF-8 text", file=str(path), line=line, fix="save it as UTF-8"
        ) from exc
    try:
        _check_nesting(text, path)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None:
            _check_expansion(node, path)
        data = yaml.safe_load(text)
    except yaml.constructor.ConstructorError as exc:
        # The safe loader builds no Python objects: a `!!python/...` tag is refused, not run.
        mark = exc.problem_mark
        raise InputError(
            f"refused YAML tag: {exc.problem}",
            file=str(path),
            line=mark.line + 1 if mark else None,
            fix="remove the tag: files are loaded with YAML's safe loader, which builds no "
            "Python objects; write plain values",
        ) from exc
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise InputError(
            f"unreadable number: {exc}", file=str(path), fix="write very long numbers in quotes, as strings"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(
            f"YAML syntax error: {problem}",
            file=str(path),
            line=mark.line + 1 if mark else None,
            fix="check indentation, colons and quoting on that line",
        ) from exc
    lines: dict[Loc, int] = {}
    if node is not None:
        _lines(node, (), lines)
    return data, lines


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of the deepest known prefix of `loc`."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _describe(model: type[BaseModel], loc: Loc) -> str:
    """What keys are allowed at `loc`'s parent, for the 'fix' part of a message."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        fields = getattr(current, "model_fields", {})
        info = fields.get(part)
        current = _model_in(info.annotation) if info else None
    fields = getattr(current, "model_fields", None)
    if not fields:
        return ""
    return ", ".join(name for name, f in fields.items() if not f.exclude)


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _yaml_loc(raw: Loc, lines: dict[Loc, int]) -> Loc:
    """Pydantic's error location as a YAML path: drop the union and discriminator tags it
    inserts (they are not keys of the file), keep the last step even when it is missing."""
    kept: Loc = ()
    for index, step in enumerate(raw):
        if (*kept, step) in lines or index == len(raw) - 1:
            kept = (*kept, step)
    return kept


def validation_to_input_error(
    exc: ValidationError, model: type[BaseModel], file: str, lines: dict[Loc, int]
) -> InputError:
    """Turn pydantic's first error into one line: file:line, the YAML path, the fix."""
    err = exc.errors()[0]
    loc = _yaml_loc(tuple(err["loc"]), lines)
    dotted = ".".join(str(p) for p in loc) or "(top level)"
    kind = err["type"]
    fix: str | None
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        ctx = err.get("ctx") or {}
        key = str(ctx.get("discriminator", "")).strip("'")
        loc = (*loc, key)
        dotted = ".".join(str(p) for p in loc)
        found = ctx.get("tag")
        message = f"unknown {key} {found!r}" if found else f"{key} is missing"
        fix = f"use one of: {ctx.get('expected_tags', '')}"
    elif kind == "extra_forbidden":
        allowed = _describe(model, loc)
        message = f"unknown key {loc[-1]!r}"
        fix = f"allowed keys here: {allowed}" if allowed else "remove it"
    elif kind == "missing":
        message = "required field is missing"
        fix = f"add '{loc[-1]}:'"
    elif kind == "value_error":
        # Our validators raise ValueError("what is wrong; how to fix it").
        text = str(err["msg"]).removeprefix("Value error, ")
        message, _, fix_text = text.rpartition("; ") if "; " in text else (text, "", "")
        fix = fix_text or None
    else:
        message = str(err["msg"])
        inp = err.get("input")
        if isinstance(inp, str | int | float | bool):
            message += f" (got {inp!r})"
        elif isinstance(inp, dict):
            message += f" (got keys: {', '.join(map(str, inp))})"
        fix = _fix_for(kind, err)
    extra = len(exc.errors()) - 1
    if extra:
        message += f" [and {extra} more error{'s' if extra > 1 else ''}]"
    return InputError(message, file=file, line=line_of(lines, loc), field=dotted, fix=fix)


_TYPE_NAMES = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "string": "a string (quote it)",
    "list": "a list, e.g. [a, b]",
    "dict": "a mapping of keys",
    "model": "a mapping of keys",
}
_BOUNDS = {
    "greater_than": "greater than {gt}",
    "greater_than_equal": "of at least {ge}",
    "less_than": "less than {lt}",
    "less_than_equal": "of at most {le}",
}


def _fix_for(kind: str, err: Any) -> str | None:
    ctx = err.get("ctx") or {}
    if "fix" in ctx:  # a validator that knows the fix says it (PydanticCustomError with a fix)
        return str(ctx["fix"])
    if "expected" in ctx:
        return f"use one of {ctx['expected']}"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        base = kind.split("_")[0]
        return f"give {_TYPE_NAMES.get(base, 'a ' + base)}"
    if kind in _BOUNDS:
        return "give a value " + _BOUNDS[kind].format(**ctx)
    if kind == "string_pattern_mismatch":
        return f"write it to match the pattern {ctx.get('pattern')}"
    if kind == "too_short":
        count = int(ctx.get("min_length", 1))
        return f"give at least {count} item{'s' if count != 1 else ''}"
    if kind == "too_long":
        return f"give at most {ctx.get('max_length')}"
    if kind == "part_kind":
        return "write each part as {text: ...}, {image: FIELD}, {audio: FIELD} or {video: FIELD}"
    return None


def load_model(path: Path, model: type[M], context: dict[str, Any] | None = None) -> M:
    """Load a YAML file into a pydantic model; any problem is an InputError at file:line."""
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        raise InputError(
            "expected a mapping of keys at the top level",
            file=str(path),
            line=1,
            fix=f"start with keys such as: {', '.join(list(model.model_fields)[:4])}",
        )
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise validation_to_input_error(exc, model, str(path), lines) from exc
