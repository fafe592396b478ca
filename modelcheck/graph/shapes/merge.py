"""Shape inference for the merge layers, which combine several input tensors into one.

The element-wise merges (``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum``,
``Minimum``) with Keras's right-aligned broadcasting, ``Concatenate`` along one axis and
``Dot`` (a batched dot product over ``axes``). Conflicting known batch sizes, or operands that
cannot be broadcast or concatenated, give an unknown shape, as Keras refuses to build them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from modelcheck.graph.shapes.common import (
    Shape,
    _as_list,
    _axis_in_range,
    _broadcast_pair,
    _Handler,
    _is_int,
    _unwrap,
)

_ELEMENTWISE_MERGE_LAYERS = frozenset(
    {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"}
)


def _merged_batch(shapes: Sequence[Shape]) -> tuple[bool, int | None]:
    """Combines batch sizes: (ok, size); conflicting known sizes are not ok."""
    known = {s[0] for s in shapes if s and s[0] is not None}
    if len(known) > 1:
        return False, None
    return True, (known.pop() if known else None)


def _elementwise_merge(
    class_name: str, config: Mapping[str, Any], shapes: list[Shape | None]
) -> Shape | None:
    """Add/Subtract/Multiply/Average/Maximum/Minimum."""
    del config  # Nothing in it changes the shape.
    if not shapes or any(s is None or len(s) < 1 for s in shapes):
        return None
    if class_name == "Subtract" and len(shapes) != 2:
        return None
    known = [s for s in shapes if s is not None]
    ok, batch = _merged_batch(known)
    if not ok:
        return None
    out: Shape | None = known[0][1:]
    for s in known[1:]:
        if out is None:
            return None
        out = _broadcast_pair(out, s[1:])
    return None if out is None else (batch, *out)


def _concatenate(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Concatenate along ``axis`` (default -1, negative allowed)."""
    axis = config.get("axis", -1)
    if not shapes or any(s is None for s in shapes) or not _is_int(axis):
        return None
    known = [s for s in shapes if s is not None]
    rank = len(known[0])
    if rank == 0 or any(len(s) != rank for s in known):
        return None
    if not -rank <= axis < rank:
        return None
    axis %= rank
    # Keras's build() rejects known mismatches off the concat axis.
    for i in range(rank):
        if i == axis:
            continue
        sizes = {s[i] for s in known if s[i] is not None}
        if len(sizes) > 1:
            return None
    # Keras's compute_output_shape copies the first input's off-axis dims (even
    # if another input knows a dim the first lacks); we match it exactly.
    out = list(known[0])
    total: int | None = 0
    for s in known:
        if total is None or s[axis] is None:
            total = None
        else:
            total += s[axis]
    out[axis] = total
    return tuple(out)


def _dot(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Dot: batched dot product over ``axes``; mirrors Keras's shape rule."""
    if len(shapes) != 2 or shapes[0] is None or shapes[1] is None:
        return None
    a, b = shapes[0], shapes[1]
    axes_value = _unwrap(config.get("axes"))
    if _is_int(axes_value):
        raw = [axes_value, axes_value]
    else:
        raw_list = _as_list(axes_value)
        if raw_list is None or len(raw_list) != 2:
            return None
        raw = raw_list
    if not all(_is_int(v) for v in raw):
        return None
    if not (_axis_in_range(raw[0], len(a)) and _axis_in_range(raw[1], len(b))):
        return None
    ax_a, ax_b = raw[0] % len(a), raw[1] % len(b)
    if ax_a == 0 or ax_b == 0:
        return None  # The batch axis cannot be contracted.
    if a[ax_a] is not None and b[ax_b] is not None and a[ax_a] != b[ax_b]:
        return None
    ok, _ = _merged_batch([a, b])
    if not ok:
        return None
    out = [d for i, d in enumerate(a) if i != ax_a]
    out += [d for i, d in enumerate(b) if i not in (0, ax_b)]
    if len(out) == 1:
        out.append(1)
    return tuple(out)


HANDLERS: dict[str, _Handler] = {
    **{name: partial(_elementwise_merge, name) for name in _ELEMENTWISE_MERGE_LAYERS},
    "Concatenate": _concatenate,
    "Dot": _dot,
}
"""This family's handlers, by ``class_name``; registered by the package ``__init__``."""
