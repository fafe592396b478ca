"""Python's operators and built-in functions on values the interpreter knows; anything else
gives :class:`~.values.Unknown`. Sizes are bounded so that a hostile file cannot make the
reader build a huge list or number."""

from __future__ import annotations

import ast
import operator
from typing import Any

from modelcheck.graph.readers.source.arrays import ArrayInfo, arithmetic
from modelcheck.graph.readers.source.values import (
    UNKNOWN,
    Tensor,
    Unknown,
    contains_unknown,
    is_unknown,
)

#: Largest list/tuple/string the reader builds, and largest integer it computes with.
MAX_ITEMS = 100_000
MAX_INT = 1 << 64


def _plain(value: Any) -> bool:
    return isinstance(value, (int, float, str, bool, tuple, list, type(None))) and not (
        isinstance(value, (tuple, list)) and contains_unknown(value)
    )


def _bounded(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        return Unknown("a very large number")
    if isinstance(value, (list, tuple, str)) and len(value) > MAX_ITEMS:
        return Unknown("a very large container")
    return value


_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitOr: operator.or_,
    ast.BitAnd: operator.and_,
    ast.BitXor: operator.xor,
}


def _too_big(op: ast.operator, left: Any, right: Any) -> bool:
    """Would this operation build something beyond the bounds before we could check?"""
    if isinstance(op, ast.Pow):
        return not (isinstance(right, (int, float)) and abs(right) <= 64)
    if isinstance(op, ast.LShift):
        return not (isinstance(right, int) and right <= 64)
    if isinstance(op, ast.Mult):
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, (list, tuple, str)) and isinstance(n, int):
                return len(seq) * max(n, 0) > MAX_ITEMS
    return False


def binop(interp: Any, op: ast.operator, left: Any, right: Any, node: ast.AST) -> Any:
    if isinstance(left, Tensor) or isinstance(right, Tensor):
        return interp.calls.tensor_operator(op, left, right, node)
    for a, b in ((left, right), (right, left)):
        if isinstance(a, ArrayInfo) and (
            isinstance(b, (int, float, ArrayInfo)) and not isinstance(b, bool)
        ):
            return arithmetic(a)  # ``x / 255.0``: the shape stays
    if isinstance(left, dict) and isinstance(right, dict) and isinstance(op, ast.BitOr):
        return {**left, **right}
    if not (_plain(left) and _plain(right)) or _too_big(op, left, right):
        return Unknown("arithmetic on values the reader cannot see")
    fn = _BINOPS.get(type(op))
    if fn is None:
        return UNKNOWN
    try:
        value = _bounded(fn(left, right))
    except Exception:  # noqa: BLE001 - the program's own error (1/0, "a" - 1): unknown
        return Unknown("an operation that fails")
    if isinstance(value, (list, tuple, str)) and not interp.allocate(len(value)):
        return Unknown("more data than the reader keeps")
    return value


def unary(op: ast.unaryop, value: Any) -> Any:
    if isinstance(op, ast.Not):
        t = truth(value)
        return Unknown("a condition") if t is None else not t
    if (
        not isinstance(value, (int, float))
        or isinstance(value, bool)
        and isinstance(op, ast.Invert)
    ):
        return Unknown("an operation on an unknown value")
    if isinstance(op, ast.USub):
        return -value
    if isinstance(op, ast.UAdd):
        return +value
    if isinstance(op, ast.Invert) and isinstance(value, int):
        return ~value
    return UNKNOWN


_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


def compare(op: ast.cmpop, left: Any, right: Any) -> Any:
    if isinstance(op, (ast.Is, ast.IsNot)):
        if left is None or right is None:
            if is_unknown(left) or is_unknown(right):
                return Unknown("a comparison with an unknown value")
            return (left is right) == isinstance(op, ast.Is)
        return Unknown("an identity comparison")
    if isinstance(op, (ast.In, ast.NotIn)):
        if isinstance(right, (list, tuple, str, dict)) and not contains_unknown(right):
            if is_unknown(left) or contains_unknown(left):
                return Unknown("membership of an unknown value")
            try:
                found = left in right
            except TypeError:
                return Unknown("membership")
            return found == isinstance(op, ast.In)
        return Unknown("membership in an unknown container")
    if not (_plain(left) and _plain(right)):
        return Unknown("a comparison with an unknown value")
    try:
        return bool(_COMPARE[type(op)](left, right))
    except Exception:  # noqa: BLE001 - "a" < 1 and the like
        return Unknown("a comparison that fails")


def truth(value: Any) -> bool | None:
    """The truth of a known value; ``None`` when unknown."""
    if is_unknown(value):
        return None
    if isinstance(value, (bool, int, float, str, type(None))):
        return bool(value)
    if isinstance(value, (list, tuple, dict)):
        return bool(value) if not contains_unknown(value) or value else None
    return True  # objects: layers, models, functions


def as_sequence(value: Any) -> list[Any] | None:
    """The items of an iterable value the interpreter knows, else ``None``."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, dict):
        return list(value.keys())
    if isinstance(value, str) and len(value) <= MAX_ITEMS:
        return list(value)
    if isinstance(value, range) and len(value) <= MAX_ITEMS:
        return list(value)
    if isinstance(value, _Items):
        return list(value.items)
    return None


class _Items:
    """The result of ``zip``/``enumerate``/``dict.items()``: a list of tuples."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items


def _known_ints(args: list[Any]) -> bool:
    return all(isinstance(a, int) and not isinstance(a, bool) for a in args)


def _range(interp: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if not args or len(args) > 3 or not _known_ints(args):
        return Unknown("range() of an unknown bound")
    r = range(*args)
    return r if len(r) <= MAX_ITEMS else Unknown("a very long range")


def _len(interp: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if args and isinstance(args[0], ArrayInfo):
        n = args[0].shape[0] if args[0].shape else None
        return n if n is not None else Unknown("len() of an array of unknown size")
    items = as_sequence(args[0]) if args else None
    return len(items) if items is not None else Unknown("len() of an unknown value")


def _convert(kind: type) -> Any:
    def fn(interp: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if not args:
            return kind()
        value = args[0]
        if kind in (list, tuple, set):
            items = as_sequence(value)
            if items is not None and not interp.allocate(len(items)):
                return Unknown("more data than the reader keeps")
            return (
                kind(items)
                if items is not None and kind is not set
                else (
                    list(items)
                    if items is not None
                    else Unknown("a conversion of an unknown value")
                )
            )
        if kind is dict:
            if isinstance(value, dict):
                return dict(value)
            items = as_sequence(value)
            try:
                return dict(items) if items is not None else Unknown("dict()")
            except (TypeError, ValueError):
                return Unknown("dict()")
        if isinstance(value, (int, float, str, bool)) and not contains_unknown(args):
            try:
                return _bounded(kind(*args[:2]))
            except (TypeError, ValueError, OverflowError):
                return Unknown("a failing conversion")
        return Unknown("a conversion of an unknown value")

    return fn


def _reduce(fn: Any) -> Any:
    def call(interp: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
        items = as_sequence(args[0]) if len(args) == 1 else list(args)
        if (
            items is None
            or not items
            or not all(isinstance(i, (int, float)) and not isinstance(i, bool) for i in items)
        ):
            return Unknown("a reduction over unknown values")
        return fn(items)

    return call


def _abs(interp: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    return abs(args[0]) if args and isinstance(args[0], (int, float)) else UNKNOWN


def _round(interp: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if args and isinstance(args[0], (int, float)) and _known_ints(args[1:]):
        return round(*args[:2])
    return UNKNOWN


def _zip(interp: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    seqs = [as_sequence(a) for a in args]
    if any(s is None for s in seqs):
        return Unknown("zip() of unknown values")
    return _Items([tuple(t) for t in zip(*seqs)])  # type: ignore[misc]


def _enumerate(interp: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    seq = as_sequence(args[0]) if args else None
    start = args[1] if len(args) > 1 else kwargs.get("start", 0)
    if seq is None or not isinstance(start, int):
        return Unknown("enumerate() of an unknown value")
    return _Items([(i + start, v) for i, v in enumerate(seq)])


def _reversed(interp: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    seq = as_sequence(args[0]) if args else None
    return list(reversed(seq)) if seq is not None else Unknown("reversed() of an unknown value")


def _sorted(interp: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    seq = as_sequence(args[0]) if args else None
    if seq is None or kwargs.get("key") is not None:
        return Unknown("sorted()")
    try:
        return sorted(seq, reverse=bool(kwargs.get("reverse", False)))
    except TypeError:
        return Unknown("sorted() of mixed values")


def _noop(interp: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    return None


def _unknown(interp: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    return Unknown("a built-in the reader does not evaluate")


def _isinstance(interp: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if len(args) == 2 and isinstance(args[1], Builtin):
        kinds = {"int": int, "float": float, "str": str, "list": list, "tuple": tuple, "dict": dict}
        kind = kinds.get(args[1].name)
        if kind is not None and not is_unknown(args[0]):
            return isinstance(args[0], kind)
    return Unknown("isinstance()")


class Builtin:
    """A built-in the interpreter evaluates itself (``range``, ``len``, ...)."""

    def __init__(self, name: str, fn: Any) -> None:
        self.name = name
        self.fn = fn

    def __call__(self, interp: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
        return self.fn(interp, args, kwargs)


BUILTINS = {
    name: Builtin(name, fn)
    for name, fn in {
        "range": _range,
        "len": _len,
        "list": _convert(list),
        "tuple": _convert(tuple),
        "set": _convert(set),
        "dict": _convert(dict),
        "int": _convert(int),
        "float": _convert(float),
        "str": _convert(str),
        "bool": _convert(bool),
        "min": _reduce(min),
        "max": _reduce(max),
        "sum": _reduce(sum),
        "abs": _abs,
        "round": _round,
        "zip": _zip,
        "enumerate": _enumerate,
        "reversed": _reversed,
        "sorted": _sorted,
        "print": _noop,
        "isinstance": _isinstance,
        "getattr": _unknown,
        "setattr": _noop,
        "hasattr": _unknown,
        "open": _unknown,
        "input": _unknown,
        "eval": _unknown,
        "exec": _unknown,
        "type": _unknown,
        "super": _unknown,
    }.items()
}
BUILTINS["True"] = True  # type: ignore[assignment]
BUILTINS["None"] = None  # type: ignore[assignment]
