"""Load YAML safely and keep the line of every key, so schema errors can say `file:line`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from evals.errors import InputError

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]


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
        node = yaml.compose(text, Loader=yaml.SafeLoader)
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
