"""Shape inference for the attention layers.

``MultiHeadAttention`` (the query's shape, its last axis replaced by ``output_shape`` when one
is set, after checking that key and value agree) and ``Attention``/``AdditiveAttention``
(the query's shape with the value's feature size).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelcheck.graph.shapes.common import (
    Shape,
    _as_list,
    _first,
    _Handler,
    _is_int,
    _positive_int,
    _unwrap,
)


def _multi_head_attention(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """MultiHeadAttention: the query shape, with ``output_shape`` if set."""
    query = _first(shapes)
    if query is None or len(query) < 2:
        return None
    # Keras requires value and key to agree on all but the last axis.
    if (
        len(shapes) >= 3
        and shapes[1] is not None
        and shapes[2] is not None
        and shapes[1][1:-1] != shapes[2][1:-1]
    ):
        return None
    output_shape = _unwrap(config.get("output_shape"))
    if output_shape is None:
        return query
    if _is_int(output_shape):
        tail: tuple[int, ...] | None = (output_shape,) if output_shape > 0 else None
    else:
        seq = _as_list(output_shape)
        if seq is None or not seq:
            # An empty list is falsy in Keras too: no projection override.
            return query if seq == [] else None
        tail = tuple(seq) if all(_positive_int(d) for d in seq) else None
    if tail is None:
        return None
    return (*query[:-1], *tail)


def _attention(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Attention/AdditiveAttention: ``(*query[:-1], value[-1])``."""
    del config
    if len(shapes) < 2 or shapes[0] is None or shapes[1] is None:
        return None
    query, value = shapes[0], shapes[1]
    if not query or not value:
        return None
    return (*query[:-1], value[-1])


HANDLERS: dict[str, _Handler] = {
    "MultiHeadAttention": _multi_head_attention,
    "Attention": _attention,
    "AdditiveAttention": _attention,
}
"""This family's handlers, by ``class_name``; registered by the package ``__init__``."""
