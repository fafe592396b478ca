"""Static parameter counts for the common layers (what ``model.summary()`` shows)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelcheck.graph.ir import Shape
from modelcheck.graph.shapes import MAX_DIM


def _param_free() -> frozenset[str]:
    from modelcheck.graph import layers as L

    keep = {"BatchNormalization", "Normalization", "LayerScale", "PReLU"}
    return frozenset(
        (
            L.LINEAR_CLASSES
            | L.ACTIVATION_CLASSES
            | L.INPUT_CLASSES
            | {"Multiply", "Maximum", "Minimum", "Dot", "Attention"}
        )
        - keep
    )


#: Layers without weights (``model.summary()`` shows 0).
PARAM_FREE = _param_free()


def _ints(value: Any, rank: int) -> tuple[int, ...] | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * rank
    if (
        isinstance(value, (list, tuple))
        and len(value) == rank
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return tuple(value)
    return None


def _prod(values: tuple[int, ...]) -> int:
    out = 1
    for v in values:
        out *= v
    return out


def _pos_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def count_params(
    class_name: str,
    config: Mapping[str, Any],
    input_shape: Shape,
    wrapper: str | None = None,
    wrapper_config: Mapping[str, Any] | None = None,
) -> int | None:
    """Trainable + non-trainable parameters of one layer, or ``None`` when not computable."""
    try:
        n = _count(class_name, config, input_shape)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if n is not None and wrapper == "Bidirectional":
        n *= 2
    return n if n is None or n <= MAX_DIM else None


def _count(class_name: str, config: Mapping[str, Any], shape: Shape) -> int | None:
    if class_name in PARAM_FREE:
        return 0
    bias = 1 if config.get("use_bias", True) else 0
    last = shape[-1] if shape else None
    channels_first = config.get("data_format") == "channels_first"
    if class_name == "Dense":
        units = _pos_int(config.get("units"))
        if units is None or not isinstance(last, int):
            return None
        return last * units + bias * units
    if class_name in ("Embedding",):
        dim, vocab = _pos_int(config.get("output_dim")), _pos_int(config.get("input_dim"))
        return dim * vocab if dim and vocab else None
    if class_name in ("BatchNormalization", "LayerNormalization"):
        axis = config.get("axis", -1)
        if isinstance(axis, list) and len(axis) == 1:
            axis = axis[0]
        if not isinstance(axis, int) or not shape:
            return None
        dim = shape[axis]
        if not isinstance(dim, int):
            return None
        per = int(bool(config.get("center", True))) + int(bool(config.get("scale", True)))
        if class_name == "BatchNormalization":
            per += 2  # moving mean and variance
        return dim * per
    for rank in (1, 2, 3):
        suffix = f"{rank}D"
        if not class_name.endswith(suffix):
            continue
        in_ch = shape[1] if channels_first else last
        if not isinstance(in_ch, int):
            return None
        kernel = _ints(config.get("kernel_size"), rank)
        if class_name.startswith("DepthwiseConv"):
            mult = _pos_int(config.get("depth_multiplier", 1)) or 1
            return _prod(kernel) * in_ch * mult + bias * in_ch * mult if kernel else None
        filters = _pos_int(config.get("filters"))
        if kernel is None or filters is None:
            return None
        if class_name.startswith("SeparableConv"):
            mult = _pos_int(config.get("depth_multiplier", 1)) or 1
            return _prod(kernel) * in_ch * mult + in_ch * mult * filters + bias * filters
        if class_name.startswith(("Conv", "Convolution")):
            groups = _pos_int(config.get("groups", 1)) or 1
            return _prod(kernel) * (in_ch // groups) * filters + bias * filters
    if class_name in ("LSTM", "GRU", "SimpleRNN"):
        units = _pos_int(config.get("units"))
        if units is None or not isinstance(last, int):
            return None
        gates = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[class_name]
        n = gates * (last * units + units * units + bias * units)
        if class_name == "GRU" and config.get("reset_after", True) and bias:
            n += gates * units
        return n
    if class_name in ("LayerScale",) and isinstance(last, int):
        return last
    return None
