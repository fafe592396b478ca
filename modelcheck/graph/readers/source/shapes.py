"""Shapes while the program is read: the static shape a layer call produces, computed with the
same shape inference the graph uses, so that code like ``x.shape[-1]`` can be followed."""

from __future__ import annotations

from typing import Any

from modelcheck.graph.readers.source.values import LayerObj, Shape, is_unknown
from modelcheck.graph.shapes import infer_output_shape


def to_shape(value: Any) -> Shape | None:
    """A shape argument (``(28, 28, 1)``, ``784``) with unknown entries as ``None``; ``None``
    when even its rank is unknown."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (value,)
    if isinstance(value, (list, tuple)) and len(value) <= 16:
        return tuple(v if isinstance(v, int) and not isinstance(v, bool) else None for v in value)
    return None


def input_shape_of(inputs: dict[str, Any]) -> Shape | None:
    """The batch-first input shape given by a layer's ``input_shape``/``batch_input_shape``/
    ``input_dim``/``input_length`` arguments, or ``None``."""
    if "batch_input_shape" in inputs or "batch_shape" in inputs:
        return to_shape(inputs.get("batch_input_shape", inputs.get("batch_shape")))
    if "input_shape" in inputs:
        shape = to_shape(inputs["input_shape"])
        return (None, *shape) if shape is not None else None
    if "input_dim" in inputs:
        dim = inputs["input_dim"]
        return (None, dim if isinstance(dim, int) and not is_unknown(dim) else None)
    if "input_length" in inputs:
        n = inputs["input_length"]
        return (None, n if isinstance(n, int) else None)
    return None


def output_shape(layer: Any, shapes: list[Shape | None]) -> Shape | None:
    """The output shape of one call of ``layer`` on inputs of ``shapes``, when known."""
    if not isinstance(layer, LayerObj) or layer.opaque:
        return None
    from modelcheck.graph.readers.source.emit import config_of

    return infer_output_shape(layer.class_name, config_of(layer), shapes)
