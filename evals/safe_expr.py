"""A small sandboxed expression language for business rules over an extracted record.

    total == sum(items[*].amount)        date <= today        vat_rate in [0, 0.07, 0.19]

An expression is parsed with Python's own parser (`ast`, eval mode) and then checked against a
whitelist of node types before anything runs; it is compiled into a tree of closures that never
reach Python objects beyond the record's own values. What is refused, at compile time:
- attribute access in Python's sense: `a.b` is a *field lookup* in a mapping (a record), never
  `getattr`; names starting with `_` are refused outright (`x.__class__`, `__import__`);
- calls, except to the whitelisted functions below by their bare name (no keywords, no `*args`);
- imports, lambdas, comprehensions, assignments, f-strings, starred expressions;
- expressions longer than `MAX_CHARS` or with more than `MAX_NODES` nodes;
- `**` with a constant exponent above `MAX_POWER`; and at run time `*` and `**` on
  sequences or with exponents above it (no way to build huge values).

`items[*].amount` is the list of each item's amount (`[*]` is a synonym of `[:]`; a field lookup
on a list looks the field up in each element). Comparisons between numbers use a tolerance of
1e-9 (so 0.1 + 0.2 == 0.3), and an ISO date string compared with a date is read as a date.
"""

from __future__ import annotations

import ast
import datetime as dt
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

MAX_CHARS = 500
MAX_NODES = 200
MAX_POWER = 64
MAX_SEQUENCE = 10_000

Env = Mapping[str, Any]
Compiled = Callable[[Env], Any]


class UnsafeExpression(ValueError):
    """The expression uses something outside the whitelist (refused before it runs)."""


class RuleError(ValueError):
    """The expression is allowed but could not be evaluated on this record (a missing field,
    a type mismatch); a rule that errs is counted apart from one that fails."""


def _as_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _close(a: Any, b: Any) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


_NUMBER_TYPES = (int, float)


def _number(value: Any) -> bool:
    # type(), not isinstance(): bool is not a number here, and this is the hot path.
    return type(value) in _NUMBER_TYPES


def _eq(a: Any, b: Any) -> bool:
    if _number(a) and _number(b):
        return _close(a, b)
    if isinstance(a, dt.date) or isinstance(b, dt.date):
        return bool(_as_date(a) == _as_date(b))
    return bool(a == b)


def _ordered(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        if isinstance(a, dt.date) or isinstance(b, dt.date):
            a, b = _as_date(a), _as_date(b)
        try:
            return bool(op(a, b))
        except TypeError as exc:
            raise RuleError(f"cannot compare {type(a).__name__} with {type(b).__name__}") from exc

    return compare


def _contains(a: Any, b: Any) -> bool:
    if not isinstance(b, list | tuple | str | dict):
        raise RuleError(f"'in' needs a list or text on its right, not {type(b).__name__}")
    if isinstance(b, list | tuple) and _number(a):
        return any(_number(x) and _close(a, x) for x in b)
    return a in b


_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: _eq,
    ast.NotEq: lambda a, b: not _eq(a, b),
    ast.Lt: _ordered(operator.lt),
    ast.LtE: _ordered(operator.le),
    ast.Gt: _ordered(operator.gt),
    ast.GtE: _ordered(operator.ge),
    ast.In: _contains,
    ast.NotIn: lambda a, b: not _contains(a, b),
    ast.Is: lambda a, b: a is b,  # only useful with None, True, False
    ast.IsNot: lambda a, b: a is not b,
}


def _power(a: Any, b: Any) -> Any:
    if not (_number(a) and _number(b)) or abs(b) > MAX_POWER:
        raise RuleError(f"** needs numbers and an exponent of at most {MAX_POWER}")
    return a**b


def _times(a: Any, b: Any) -> Any:
    if not (_number(a) and _number(b)):
        raise RuleError("* multiplies numbers only")
    return a * b


def _arith(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def apply(a: Any, b: Any) -> Any:
        try:
            return op(a, b)
        except (TypeError, ZeroDivisionError) as exc:
            raise RuleError(str(exc)) from exc

    return apply


_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: _arith(operator.add),
    ast.Sub: _arith(operator.sub),
    ast.Mult: _times,
    ast.Div: _arith(operator.truediv),
    ast.FloorDiv: _arith(operator.floordiv),
    ast.Mod: _arith(operator.mod),
    ast.Pow: _power,
}


def _numbers(values: Any, name: str) -> list[Any]:
    if not isinstance(values, list | tuple):
        raise RuleError(f"{name}() needs a list")
    return list(values)


def _sum(values: Any) -> Any:
    items = _numbers(values, "sum")
    if not all(_number(v) for v in items):
        raise RuleError("sum() needs a list of numbers")
    return math.fsum(items) if any(isinstance(v, float) for v in items) else sum(items)


def _round(value: Any, digits: Any = 0) -> Any:
    if not _number(value) or not isinstance(digits, int):
        raise RuleError("round() needs a number and whole digits")
    return round(value, digits)


def _approx(a: Any, b: Any, tolerance: Any = 0.01) -> bool:
    if not (_number(a) and _number(b) and _number(tolerance)):
        raise RuleError("approx() needs numbers")
    return bool(abs(a - b) <= tolerance + 1e-9)


def _date(value: Any) -> dt.date:
    parsed = _as_date(value)
    if not isinstance(parsed, dt.date):
        raise RuleError(f"date() cannot read {value!r} (use YYYY-MM-DD)")
    return parsed


def _len(value: Any) -> int:
    if not isinstance(value, list | tuple | str | dict):
        raise RuleError("len() needs a list or text")
    return len(value)


def _guarded(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except (TypeError, ValueError) as exc:
            if isinstance(exc, RuleError):
                raise
            raise RuleError(f"{name}(): {exc}") from exc

    return call


_PLAIN: dict[str, Callable[..., Any]] = {
    "sum": _sum,
    "len": _len,
    "min": lambda v: min(_numbers(v, "min")),
    "max": lambda v: max(_numbers(v, "max")),
    "abs": abs,
    "round": _round,
    "all": lambda v: all(_numbers(v, "all")),
    "any": lambda v: any(_numbers(v, "any")),
    "approx": _approx,
    "date": _date,
}
FUNCTIONS: dict[str, Callable[..., Any]] = {name: _guarded(name, fn) for name, fn in _PLAIN.items()}
CONSTANTS: dict[str, Any] = {"True": True, "False": False, "None": None}


def _lookup(value: Any, key: Any) -> Any:
    if type(value) is dict or isinstance(value, Mapping):
        if key not in value:
            raise RuleError(f"the record has no field {key!r}")
        return value[key]
    if isinstance(value, list | tuple) and isinstance(key, int) and not isinstance(key, bool):
        if not -len(value) <= key < len(value):
            raise RuleError(f"index {key} is out of range (the list has {len(value)} items)")
        return value[key]
    raise RuleError(f"cannot look up {key!r} in a {type(value).__name__}")


def _field(value: Any, name: str) -> Any:
    """`a.b`: field b of record a; on a list, field b of each element."""
    if type(value) is dict:  # the common case first: a plain JSON object
        return _lookup(value, name)
    if isinstance(value, list | tuple):
        return [_field(v, name) for v in value]
    if not isinstance(value, Mapping):
        raise RuleError(f".{name} needs a record, not a {type(value).__name__}")
    return _lookup(value, name)


class _Compiler:
    def __init__(self, text: str, today: list[dt.date]) -> None:
        self.text = text
        self.today = today  # the Rule's cell for the date `today` means in this evaluation

    def refuse(self, node: ast.AST, what: str) -> UnsafeExpression:
        return UnsafeExpression(f"{what} is not allowed in a rule: {self.text!r}")

    def compile(self, node: ast.AST) -> Compiled:
        match node:
            case ast.Expression(body=body):
                return self.compile(body)
            case ast.Constant(value=value):
                if not isinstance(value, int | float | str | bool | type(None)):
                    raise self.refuse(node, f"the constant {value!r}")
                return lambda env: value
            case ast.Name(id=name):
                return self.name(node, name)
            case ast.Attribute(value=inner, attr=attr):
                if attr.startswith("_"):
                    raise self.refuse(node, f"the attribute {attr!r}")
                get = self.compile(inner)
                return lambda env: _field(get(env), attr)
            case ast.Subscript(value=inner, slice=ast.Slice(lower=None, upper=None, step=None)):
                get = self.compile(inner)
                return lambda env: _every(get(env))
            case ast.Subscript(value=inner, slice=index) if not isinstance(index, ast.Slice):
                get, key = self.compile(inner), self.compile(index)
                return lambda env: _lookup(get(env), key(env))
            case ast.List(elts=elts) | ast.Tuple(elts=elts):
                items = [self.compile(e) for e in elts]
                return lambda env: [item(env) for item in items]
            case ast.BoolOp(op=op, values=values):
                parts = [self.compile(v) for v in values]
                if isinstance(op, ast.And):
                    return lambda env: all(bool(p(env)) for p in parts)
                return lambda env: any(bool(p(env)) for p in parts)
            case ast.UnaryOp(op=op, operand=operand):
                return self.unary(node, op, self.compile(operand))
            case ast.BinOp(left=left, op=op, right=right):
                return self.binary(node, left, op, right)
            case ast.Compare(left=left, ops=ops, comparators=comparators):
                return self.compare(node, left, ops, comparators)
            case ast.IfExp(test=test, body=body, orelse=orelse):
                cond, yes, no = self.compile(test), self.compile(body), self.compile(orelse)
                return lambda env: yes(env) if cond(env) else no(env)
            case ast.Call(func=ast.Name(id=name), args=args, keywords=[]) if name in FUNCTIONS:
                if any(isinstance(a, ast.Starred) for a in args):
                    raise self.refuse(node, "*args")
                fn, compiled = FUNCTIONS[name], [self.compile(a) for a in args]
                return lambda env: fn(*[a(env) for a in compiled])
            case ast.Call():
                raise self.refuse(
                    node, "a call (only sum, len, min, max, abs, round, all, any, approx, date)"
                )
        raise self.refuse(node, type(node).__name__)

    def name(self, node: ast.AST, name: str) -> Compiled:
        if name.startswith("_"):
            raise self.refuse(node, f"the name {name!r}")
        if name in CONSTANTS:
            value = CONSTANTS[name]
            return lambda env: value
        if name == "today":
            cell = self.today
            return lambda env: env["today"] if "today" in env else cell[0]

        def get(env: Env) -> Any:
            try:
                return env[name]
            except KeyError:
                raise RuleError(f"the record has no field {name!r}") from None

        return get

    def unary(self, node: ast.AST, op: ast.unaryop, get: Compiled) -> Compiled:
        if isinstance(op, ast.Not):
            return lambda env: not get(env)
        if isinstance(op, ast.USub | ast.UAdd):
            sign = -1 if isinstance(op, ast.USub) else 1

            def signed(env: Env) -> Any:
                value = get(env)
                if not _number(value):
                    raise RuleError("unary minus needs a number")
                return sign * value

            return signed
        raise self.refuse(node, type(op).__name__)

    def binary(self, node: ast.AST, left: ast.expr, op: ast.operator, right: ast.expr) -> Compiled:
        fn = _BINARY.get(type(op))
        if fn is None:
            raise self.refuse(node, f"the operator {type(op).__name__}")
        constant = right.value if isinstance(right, ast.Constant) else None
        if isinstance(op, ast.Pow) and isinstance(constant, int | float) and abs(constant) > MAX_POWER:
            raise self.refuse(node, f"an exponent above {MAX_POWER}")
        a, b = self.compile(left), self.compile(right)
        return lambda env: fn(a(env), b(env))

    def compare(
        self, node: ast.AST, left: ast.expr, ops: Sequence[ast.cmpop], comparators: Sequence[ast.expr]
    ) -> Compiled:
        fns = [_COMPARE[type(op)] for op in ops]
        terms = [self.compile(left), *(self.compile(c) for c in comparators)]
        if len(fns) == 1:
            fn, a, b = fns[0], terms[0], terms[1]
            return lambda env: fn(a(env), b(env))

        def chain(env: Env) -> bool:
            value = terms[0](env)
            for fn, term in zip(fns, terms[1:], strict=True):
                following = term(env)
                if not fn(value, following):
                    return False
                value = following
            return True

        return chain


def _every(value: Any) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise RuleError(f"[*] needs a list, not a {type(value).__name__}")
    if len(value) > MAX_SEQUENCE:
        raise RuleError(f"lists longer than {MAX_SEQUENCE} are refused")
    return list(value)


_STAR = re.compile(r"\[\s*\*\s*\]")


class Rule:
    """One compiled expression; `evaluate(record)` returns its value or raises `RuleError`."""

    __slots__ = ("_fn", "_today", "text")

    def __init__(self, text: str) -> None:
        if len(text) > MAX_CHARS:
            raise UnsafeExpression(f"the rule is {len(text)} characters long; at most {MAX_CHARS}")
        try:
            tree = ast.parse(_STAR.sub("[:]", text).strip(), mode="eval")
        except SyntaxError as exc:
            raise UnsafeExpression(f"the rule is not an expression ({exc.msg}): {text!r}") from None
        size = sum(1 for _ in ast.walk(tree))
        if size > MAX_NODES:
            raise UnsafeExpression(f"the rule has {size} parts; at most {MAX_NODES}")
        self.text = text
        # `today` is read from this cell, set by each evaluation (no copy of the record).
        self._today = [dt.date.today()]
        self._fn = _Compiler(text, self._today).compile(tree)

    def evaluate(self, record: Env, *, today: dt.date | None = None) -> Any:
        self._today[0] = today or dt.date.today()
        try:
            return self._fn(record)
        except RuleError:
            raise
        except (RecursionError, MemoryError, OverflowError, TypeError, ValueError) as exc:
            raise RuleError(f"{type(exc).__name__}: {exc}") from exc

    def holds(self, record: Env, *, today: dt.date | None = None) -> bool:
        return bool(self.evaluate(record, today=today))
