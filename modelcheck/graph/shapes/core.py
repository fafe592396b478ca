"""Shape inference for the core layers: inputs, dense maps, and layers that only move axes.

``InputLayer``, ``Dense``, ``Embedding``, the shape-preserving layers (activations, dropout and
noise, ``Masking``, ``Identity``), the normalizations (which keep the shape but validate their
``axis``), the reshaping layers (``Flatten``, ``Reshape``, ``Permute``, ``RepeatVector``) and a
nested ``Sequential`` model, whose layers are chained through the package's dispatch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from modelcheck.graph.shapes.common import (
    Shape,
    _as_list,
    _axis_in_range,
    _first,
    _Handler,
    _infer,
    _inner_layer,
    _is_int,
    _positive_int,
    _same_shape,
    _unwrap,
)

# Layers whose output shape is their (first) input shape, unconditionally. (The
# preprocessing and augmentation layers of that kind are in the preprocessing family.)
_IDENTITY_LAYERS = frozenset(
    {
        # Activations.
        "Activation",
        "ReLU",
        "LeakyReLU",
        "PReLU",
        "ELU",
        "ThresholdedReLU",
        "Softmax",
        # Regularization / noise.
        "Dropout",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "SpatialDropout3D",
        "GaussianNoise",
        "GaussianDropout",
        "AlphaDropout",
        "ActivityRegularization",
        # Misc.
        "Identity",
        "Masking",
    }
)

_AXIS_NORMALIZATION_LAYERS = frozenset(
    {
        "BatchNormalization",
        "SyncBatchNormalization",
        "LayerNormalization",
        "GroupNormalization",
        "UnitNormalization",
        "RMSNormalization",
    }
)


# ---------------------------------------------------------------------------
# Inputs, dense maps and normalization
# ---------------------------------------------------------------------------


def _input_layer(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """InputLayer: ``batch_shape`` (Keras 3) or ``batch_input_shape`` (Keras 2)."""
    for key in ("batch_shape", "batch_input_shape"):
        if config.get(key) is not None:
            return _strict_shape(config[key])
    # Hand-written or unusual configs may carry the Input() arguments instead.
    for key in ("shape", "input_shape"):
        if config.get(key) is not None:
            shape = _strict_shape(config[key])
            batch = config.get("batch_size")
            if shape is None or not (batch is None or _positive_int(batch)):
                return None
            return (batch, *shape)
    # No shape in the config: a caller may still know it from elsewhere
    # (e.g. a recorded build shape) and pass it as the only "input".
    return _first(shapes)


def _strict_shape(value: Any) -> Shape | None:
    """Like :func:`_clean_shape` but rejects negative dims (config values)."""
    seq = _as_list(value)
    if seq is None:
        return None
    if not all(d is None or (_is_int(d) and d >= 0) for d in seq):
        return None
    return tuple(seq)


def _dense(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Dense acts on the last axis of an input of any rank >= 2."""
    x = _first(shapes)
    units = _positive_int(config.get("units"))
    if x is None or units is None or len(x) < 2:
        return None
    return (*x[:-1], units)


def _embedding(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Embedding appends ``output_dim`` to the (integer) input shape."""
    x = _first(shapes)
    dim = _positive_int(config.get("output_dim"))
    if x is None or dim is None:
        return None
    return (*x, dim)


def _axis_normalization(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Shape-preserving normalizations; Keras rejects out-of-range ``axis``."""
    x = _first(shapes)
    if x is None:
        return None
    axis = _unwrap(config.get("axis", -1))
    axes = _as_list(axis) if not _is_int(axis) else [axis]
    if axes is None or not all(_axis_in_range(a, len(x)) for a in axes):
        return None
    return x


# ---------------------------------------------------------------------------
# Reshaping layers
# ---------------------------------------------------------------------------


def _flatten(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Flatten keeps the batch axis and multiplies the rest."""
    del config  # data_format changes element order, not the shape.
    x = _first(shapes)
    if x is None or len(x) < 1:
        return None
    rest = x[1:]
    if not rest:
        return (x[0], 1)
    if any(d is None for d in rest):
        return (x[0], None)
    return (x[0], math.prod(d for d in rest if d is not None))


def _reshape(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Reshape to ``target_shape`` (batch excluded), resolving one ``-1``."""
    x = _first(shapes)
    target = _as_list(config.get("target_shape"))
    if x is None or target is None or len(x) < 1:
        return None
    if not all(d is None or (_is_int(d) and d >= -1) for d in target):
        return None
    if target.count(-1) > 1:
        return None
    rest = x[1:]
    if None in rest or None in target:
        return (x[0], *(None if d == -1 else d for d in target))
    size = math.prod(d for d in rest if d is not None)
    known = math.prod(d for d in target if d is not None and d != -1)
    if -1 not in target:
        # Keras raises on a size mismatch: the model cannot be built.
        return (x[0], *target) if known == size else None
    if known == 0 or size % known != 0:
        return None
    return (x[0], *(size // known if d == -1 else d for d in target))


def _permute(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Permute reorders the non-batch axes (``dims`` is 1-based)."""
    x = _first(shapes)
    dims = _as_list(config.get("dims"))
    if x is None or dims is None or not all(_is_int(d) for d in dims):
        return None
    if sorted(dims) != list(range(1, len(dims) + 1)) or len(x) != len(dims) + 1:
        return None
    return (x[0], *(x[d] for d in dims))


def _repeat_vector(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """RepeatVector: ``(batch, features) -> (batch, n, features)``."""
    x = _first(shapes)
    n = _positive_int(config.get("n"))
    if x is None or n is None or len(x) != 2:
        return None
    return (x[0], n, x[1])


# ---------------------------------------------------------------------------
# Nested models
# ---------------------------------------------------------------------------


def _sequential(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """A nested Sequential model: chain its layers."""
    layers = _as_list(config.get("layers"))
    if layers is None:
        return None
    current = _first(shapes)
    for layer in layers:
        inner = _inner_layer(layer)
        if inner is None:
            return None
        if inner[0] == "InputLayer":
            # Inside a call the actual input wins; on its own the
            # InputLayer provides the starting shape.
            if current is None and not shapes:
                current = _input_layer(inner[1], [])
            continue
        if current is None:
            return None
        current = _infer(inner[0], inner[1], [current])
    return current


HANDLERS: dict[str, _Handler] = {
    **dict.fromkeys(_IDENTITY_LAYERS, _same_shape),
    **dict.fromkeys(_AXIS_NORMALIZATION_LAYERS, _axis_normalization),
    "InputLayer": _input_layer,
    "Dense": _dense,
    "Embedding": _embedding,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Permute": _permute,
    "RepeatVector": _repeat_vector,
    "Sequential": _sequential,
}
"""This family's handlers, by ``class_name``; registered by the package ``__init__``."""
