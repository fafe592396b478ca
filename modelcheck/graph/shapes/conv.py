"""Shape inference for the layers that slide a window over, or resize, a feature map.

Convolutions (``Conv*``, ``SeparableConv*``, ``DepthwiseConv*``, ``Conv*Transpose``), pooling
(windowed, global and adaptive), ``ConvLSTM*`` (a convolution per time step), ``ZeroPadding*``,
``Cropping*`` and ``UpSampling*``, in 1, 2 and 3 spatial dims. Also the public view of a
feature map the shape rules use: :class:`Window` and :func:`spatial_window` (a layer's kernel or
pool footprint) and :func:`spatial_dims` (a shape's spatial axes). The size arithmetic mirrors
Keras 3 (``compute_conv_output_shape``, ``compute_pooling_output_shape``) one axis at a time,
and keeps a collapsed (``<= 0``) size instead of raising.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from modelcheck.graph.shapes.common import (
    Shape,
    _as_list,
    _channels_first,
    _first,
    _Handler,
    _int_tuple,
    _is_int,
    _positive_int,
)


@dataclass(frozen=True)
class Window:
    """The spatial footprint of a convolution or pooling layer.

    Attributes:
        size: ``kernel_size`` (convolutions) or ``pool_size`` (pooling), one
            entry per spatial dim.
        strides: Stride per spatial dim.
        padding: One of ``"valid"``, ``"same"``, ``"causal"`` (1D
            convolutions only) or ``"full"`` (legacy Keras 2 spelling).
        dilation: Dilation rate per spatial dim; always all ones for pooling.
        channels_first: ``True`` for ``data_format="channels_first"``.
        rank: Number of spatial dims: 1, 2 or 3.
    """

    size: tuple[int, ...]
    strides: tuple[int, ...]
    padding: str
    dilation: tuple[int, ...]
    channels_first: bool
    rank: int


# class_name -> (kind, spatial rank). ``kind`` selects the channel rule.
_CONV_LAYERS: dict[str, tuple[str, int]] = {}
for _r in (1, 2, 3):
    _CONV_LAYERS[f"Conv{_r}D"] = ("conv", _r)
    _CONV_LAYERS[f"Convolution{_r}D"] = ("conv", _r)
    _CONV_LAYERS[f"Conv{_r}DTranspose"] = ("transpose", _r)
    _CONV_LAYERS[f"Convolution{_r}DTranspose"] = ("transpose", _r)
for _r in (1, 2):
    _CONV_LAYERS[f"SeparableConv{_r}D"] = ("conv", _r)
    _CONV_LAYERS[f"SeparableConvolution{_r}D"] = ("conv", _r)
    _CONV_LAYERS[f"DepthwiseConv{_r}D"] = ("depthwise", _r)

_POOL_LAYERS: dict[str, int] = {}
for _r in (1, 2, 3):
    for _name in ("MaxPooling", "AveragePooling", "MaxPool", "AvgPool"):
        _POOL_LAYERS[f"{_name}{_r}D"] = _r

_GLOBAL_POOL_LAYERS: dict[str, int] = {}
for _r in (1, 2, 3):
    for _name in (
        "GlobalAveragePooling",
        "GlobalMaxPooling",
        "GlobalAvgPool",
        "GlobalMaxPool",
    ):
        _GLOBAL_POOL_LAYERS[f"{_name}{_r}D"] = _r

_ADAPTIVE_POOL_LAYERS: dict[str, int] = {}
for _r in (1, 2, 3):
    _ADAPTIVE_POOL_LAYERS[f"AdaptiveAveragePooling{_r}D"] = _r
    _ADAPTIVE_POOL_LAYERS[f"AdaptiveMaxPooling{_r}D"] = _r

_CONV_LSTM_LAYERS = {"ConvLSTM1D": 1, "ConvLSTM2D": 2, "ConvLSTM3D": 3}


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def spatial_window(class_name: str, config: Mapping[str, Any]) -> Window | None:
    """Returns the spatial window of a convolution or pooling layer.

    Covers ``Conv1D/2D/3D``, ``SeparableConv1D/2D``, ``DepthwiseConv1D/2D``,
    ``Conv1D/2D/3DTranspose``, ``MaxPooling1D/2D/3D`` and
    ``AveragePooling1D/2D/3D`` (plus their public aliases). Wrappers
    (``TimeDistributed``), ``ConvLSTM*D``, global and adaptive pooling return
    ``None``: their input's spatial axes are not where :func:`spatial_dims`
    looks, so a window for them would invite misaligned comparisons.

    Args:
        class_name: The layer's serialized ``class_name``.
        config: The layer's ``config`` dict.

    Returns:
        The window, or ``None`` for other layers and malformed configs.
        Pooling ``strides`` default to ``pool_size`` and pooling ``dilation``
        is all ones.
    """
    try:
        if not isinstance(class_name, str) or not isinstance(config, Mapping):
            return None
        if class_name in _CONV_LAYERS:
            kind, rank = _CONV_LAYERS[class_name]
            return _conv_window(config, rank, transpose=kind == "transpose")
        if class_name in _POOL_LAYERS:
            return _pool_window(config, _POOL_LAYERS[class_name])
        return None
    except Exception:  # noqa: BLE001 - same contract as infer_output_shape.
        return None


def spatial_dims(shape: Shape, channels_first: bool) -> tuple[int | None, ...] | None:
    """Returns the spatial dims of a feature-map shape.

    Args:
        shape: A full shape ``(batch, *spatial, channels)`` (channels last) or
            ``(batch, channels, *spatial)`` (channels first).
        channels_first: Which of the two layouts ``shape`` uses.

    Returns:
        The shape without its batch and channel axes, or ``None`` if ``shape``
        is not a shape (a sequence of ints/``None``) with at least one spatial
        dim. Dims are returned as given, including collapsed (``<= 0``) ones.
    """
    seq = _as_list(shape)
    if seq is None or len(seq) < 3:
        return None
    if not all(d is None or _is_int(d) for d in seq):
        return None
    return tuple(seq[2:]) if channels_first else tuple(seq[1:-1])


# ---------------------------------------------------------------------------
# Config parsing
# ---------------------------------------------------------------------------


def _pair_spec(value: Any, rank: int) -> tuple[tuple[int, int], ...] | None:
    """Normalises a ZeroPadding/Cropping spec to ``rank`` (before, after) pairs.

    Accepts an int (same amount everywhere), one entry per spatial dim where
    each entry is an int (symmetric) or a pair, and for rank 1 the Keras
    spelling of a bare ``(before, after)`` pair.
    """
    if _is_int(value):
        if value < 0:
            return None
        return ((value, value),) * rank
    seq = _as_list(value)
    if seq is None:
        return None
    if rank == 1:
        # ZeroPadding1D / Cropping1D take a flat (left, right) pair.
        pair = _int_tuple(seq, 2, allow_zero=True)
        return None if pair is None else ((pair[0], pair[1]),)
    if len(seq) != rank:
        return None
    pairs = []
    for entry in seq:
        pair = _int_tuple(entry, 2, allow_zero=True)
        if pair is None:
            return None
        pairs.append((pair[0], pair[1]))
    return tuple(pairs)


def _padding(config: Mapping[str, Any], allowed: frozenset[str]) -> str | None:
    """Reads ``padding`` case-insensitively; ``"valid"`` when absent."""
    value = config.get("padding", "valid")
    if not isinstance(value, str):
        return None
    value = value.lower()
    return value if value in allowed else None


# ---------------------------------------------------------------------------
# Size arithmetic (one spatial dim at a time), mirroring Keras exactly.
# ---------------------------------------------------------------------------


def _conv_length(n: int | None, k: int, s: int, d: int, padding: str) -> int | None:
    """Output length of a convolution along one dim.

    Keras 3 ``compute_conv_output_shape``: ``valid`` is
    ``floor((n - d*(k-1) - 1) / s) + 1`` and ``same``/``causal`` is
    ``floor((n - 1) / s) + 1`` (== ``ceil(n / s)``). Python's ``//`` floors
    like ``np.floor`` does, including for negative numerators. ``full`` is
    the Keras 2 ``conv_output_length`` rule.
    """
    if n is None:
        return None
    if padding == "valid":
        return (n - d * (k - 1) - 1) // s + 1
    if padding in ("same", "causal"):
        return (n - 1) // s + 1
    # "full": Keras 2 pads by (effective kernel - 1) on both sides.
    effective = d * (k - 1) + 1
    return (n + effective - 1 + s - 1) // s


def _conv_transpose_length(
    n: int | None, k: int, s: int, d: int, padding: str, out_pad: int | None
) -> int | None:
    """Output length of a transposed convolution along one dim.

    Keras 3 ``_get_output_shape_given_tf_padding`` for ``valid``/``same``;
    ``full`` follows Keras 2 ``deconv_output_length``.
    """
    if n is None:
        return None
    k = (k - 1) * d + 1
    if padding == "valid":
        if out_pad is None:
            out_pad = max(k, s) - k
        return (n - 1) * s + k + out_pad
    if padding == "same":
        if out_pad is None:
            return n * s
        return (n - 1) * s + k % 2 + out_pad
    # "full" (Keras 2 only).
    if out_pad is None:
        return n * s - (s + k - 2)
    return (n - 1) * s + k - 2 * (k - 1) + out_pad


def _pool_length(n: int | None, k: int, s: int, padding: str) -> int | None:
    """Output length of a pooling window; Keras's ``compute_pooling_output_shape``."""
    if n is None:
        return None
    if padding == "valid":
        return (n - k) // s + 1
    return (n - 1) // s + 1


def _replace_spatial(
    shape: Shape,
    channels_first: bool,
    spatial: Sequence[int | None],
    channels: int | None,
) -> Shape:
    """Rebuilds a feature-map shape from new spatial dims and channel count."""
    if channels_first:
        return (shape[0], channels, *spatial)
    return (shape[0], *spatial, channels)


# ---------------------------------------------------------------------------
# Convolution and pooling
# ---------------------------------------------------------------------------

_CONV_PADDINGS = frozenset({"valid", "same", "causal", "full"})
_CONV_TRANSPOSE_PADDINGS = frozenset({"valid", "same", "full"})
_POOL_PADDINGS = frozenset({"valid", "same"})


def _conv_window(config: Mapping[str, Any], rank: int, *, transpose: bool) -> Window | None:
    """Builds the :class:`Window` of a (transposed) convolution config."""
    size = _int_tuple(config.get("kernel_size"), rank)
    strides_value = config.get("strides", 1)
    strides = _int_tuple(1 if strides_value is None else strides_value, rank)
    dilation_value = config.get("dilation_rate", 1)
    dilation = _int_tuple(1 if dilation_value is None else dilation_value, rank)
    allowed = _CONV_TRANSPOSE_PADDINGS if transpose else _CONV_PADDINGS
    padding = _padding(config, allowed)
    # "causal" only makes sense along a single (time) axis.
    if padding == "causal" and rank != 1:
        padding = None
    channels_first = _channels_first(config)
    if (
        size is None
        or strides is None
        or dilation is None
        or padding is None
        or channels_first is None
    ):
        return None
    return Window(size, strides, padding, dilation, channels_first, rank)


def _pool_window(config: Mapping[str, Any], rank: int) -> Window | None:
    """Builds the :class:`Window` of a pooling config."""
    # Keras 3 requires pool_size for AveragePooling*, but Keras 2 defaulted
    # every pooling layer to 2; be lenient and default.
    size = _int_tuple(config.get("pool_size", 2), rank)
    strides_value = config.get("strides")
    strides = size if strides_value is None else _int_tuple(strides_value, rank)
    padding = _padding(config, _POOL_PADDINGS)
    channels_first = _channels_first(config)
    if size is None or strides is None or padding is None or channels_first is None:
        return None
    return Window(size, strides, padding, (1,) * rank, channels_first, rank)


def _conv(
    config: Mapping[str, Any], shapes: list[Shape | None], kind: str, rank: int
) -> Shape | None:
    """Conv*, SeparableConv*, DepthwiseConv* and Conv*Transpose."""
    x = _first(shapes)
    window = _conv_window(config, rank, transpose=kind == "transpose")
    if x is None or window is None or len(x) != rank + 2:
        return None
    in_channels = x[1] if window.channels_first else x[-1]
    if kind == "depthwise":
        multiplier = _positive_int(config.get("depth_multiplier", 1))
        if multiplier is None:
            return None
        # Keras multiplies blindly (and fails on an unknown channel count);
        # an unknown input channel count simply means unknown output channels.
        out_channels = None if in_channels is None else in_channels * multiplier
    else:
        out_channels = _positive_int(config.get("filters"))
        if out_channels is None:
            return None
    spatial = spatial_dims(x, window.channels_first) or ()
    if kind == "transpose":
        out_pad_value = config.get("output_padding")
        out_pad: tuple[int | None, ...]
        if out_pad_value is None:
            out_pad = (None,) * rank
        else:
            parsed = _int_tuple(out_pad_value, rank, allow_zero=True)
            if parsed is None:
                return None
            out_pad = parsed
        new_spatial = [
            _conv_transpose_length(n, k, s, d, window.padding, p)
            for n, k, s, d, p in zip(
                spatial, window.size, window.strides, window.dilation, out_pad, strict=True
            )
        ]
    else:
        new_spatial = [
            _conv_length(n, k, s, d, window.padding)
            for n, k, s, d in zip(
                spatial, window.size, window.strides, window.dilation, strict=True
            )
        ]
    return _replace_spatial(x, window.channels_first, new_spatial, out_channels)


def _pool(config: Mapping[str, Any], shapes: list[Shape | None], rank: int) -> Shape | None:
    """MaxPooling*/AveragePooling*."""
    x = _first(shapes)
    window = _pool_window(config, rank)
    if x is None or window is None or len(x) != rank + 2:
        return None
    spatial = spatial_dims(x, window.channels_first) or ()
    new_spatial = [
        _pool_length(n, k, s, window.padding)
        for n, k, s in zip(spatial, window.size, window.strides, strict=True)
    ]
    channels = x[1] if window.channels_first else x[-1]
    return _replace_spatial(x, window.channels_first, new_spatial, channels)


def _global_pool(config: Mapping[str, Any], shapes: list[Shape | None], rank: int) -> Shape | None:
    """GlobalAveragePooling*/GlobalMaxPooling*, with ``keepdims``."""
    x = _first(shapes)
    channels_first = _channels_first(config)
    keepdims = config.get("keepdims", False)
    if x is None or channels_first is None or len(x) != rank + 2:
        return None
    if not isinstance(keepdims, bool):
        return None
    channels = x[1] if channels_first else x[-1]
    if not keepdims:
        return (x[0], channels)
    return _replace_spatial(x, channels_first, (1,) * rank, channels)


def _adaptive_pool(
    config: Mapping[str, Any], shapes: list[Shape | None], rank: int
) -> Shape | None:
    """AdaptiveAveragePooling*/AdaptiveMaxPooling*: fixed output size."""
    x = _first(shapes)
    size = _int_tuple(config.get("output_size"), rank)
    channels_first = _channels_first(config)
    if x is None or size is None or channels_first is None or len(x) != rank + 2:
        return None
    channels = x[1] if channels_first else x[-1]
    return _replace_spatial(x, channels_first, size, channels)


def _conv_lstm(config: Mapping[str, Any], shapes: list[Shape | None], rank: int) -> Shape | None:
    """ConvLSTM{rank}D: a conv per time step, then optional time axis."""
    x = _first(shapes)
    return_sequences = config.get("return_sequences", False)
    if x is None or len(x) != rank + 3 or not isinstance(return_sequences, bool):
        return None
    step = (x[0], *x[2:])
    step_out = _conv(config, [step], "conv", rank)
    if step_out is None:
        return None
    if return_sequences:
        return (x[0], x[1], *step_out[1:])
    return step_out


# ---------------------------------------------------------------------------
# Padding, cropping and upsampling
# ---------------------------------------------------------------------------


def _make_zero_padding(rank: int) -> _Handler:
    """Builds the ZeroPadding{rank}D handler."""
    default: Any = 1 if rank == 1 else (1,) * rank

    def handler(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
        x = _first(shapes)
        pads = _pair_spec(config.get("padding", default), rank)
        # ZeroPadding1D has a data_format in Keras 3 only; absent = last.
        channels_first = _channels_first(config)
        if x is None or pads is None or channels_first is None:
            return None
        if len(x) != rank + 2:
            return None
        spatial = spatial_dims(x, channels_first) or ()
        new_spatial = [
            None if n is None else n + before + after
            for n, (before, after) in zip(spatial, pads, strict=True)
        ]
        channels = x[1] if channels_first else x[-1]
        return _replace_spatial(x, channels_first, new_spatial, channels)

    return handler


def _make_cropping(rank: int) -> _Handler:
    """Builds the Cropping{rank}D handler (collapse keeps the <= 0 size)."""
    default: Any = (1, 1) if rank == 1 else ((1, 1),) * rank
    if rank == 2:
        default = ((0, 0), (0, 0))

    def handler(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
        x = _first(shapes)
        crops = _pair_spec(config.get("cropping", default), rank)
        # Cropping1D has no data_format at all: always (batch, steps, feat).
        channels_first = False if rank == 1 else _channels_first(config)
        if x is None or crops is None or channels_first is None:
            return None
        if len(x) != rank + 2:
            return None
        spatial = spatial_dims(x, channels_first) or ()
        new_spatial = [
            None if n is None else n - before - after
            for n, (before, after) in zip(spatial, crops, strict=True)
        ]
        channels = x[1] if channels_first else x[-1]
        return _replace_spatial(x, channels_first, new_spatial, channels)

    return handler


def _make_upsampling(rank: int) -> _Handler:
    """Builds the UpSampling{rank}D handler."""

    def handler(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
        x = _first(shapes)
        size = _int_tuple(config.get("size", 2), rank)
        # UpSampling1D has no data_format: always (batch, steps, features).
        channels_first = False if rank == 1 else _channels_first(config)
        if x is None or size is None or channels_first is None:
            return None
        if len(x) != rank + 2:
            return None
        spatial = spatial_dims(x, channels_first) or ()
        new_spatial = [None if n is None else n * f for n, f in zip(spatial, size, strict=True)]
        channels = x[1] if channels_first else x[-1]
        return _replace_spatial(x, channels_first, new_spatial, channels)

    return handler


HANDLERS: dict[str, _Handler] = {
    **{name: partial(_conv, kind=kind, rank=rank) for name, (kind, rank) in _CONV_LAYERS.items()},
    **{name: partial(_pool, rank=rank) for name, rank in _POOL_LAYERS.items()},
    **{name: partial(_global_pool, rank=rank) for name, rank in _GLOBAL_POOL_LAYERS.items()},
    **{name: partial(_adaptive_pool, rank=rank) for name, rank in _ADAPTIVE_POOL_LAYERS.items()},
    **{name: partial(_conv_lstm, rank=rank) for name, rank in _CONV_LSTM_LAYERS.items()},
    "ZeroPadding1D": _make_zero_padding(1),
    "ZeroPadding2D": _make_zero_padding(2),
    "ZeroPadding3D": _make_zero_padding(3),
    "Cropping1D": _make_cropping(1),
    "Cropping2D": _make_cropping(2),
    "Cropping3D": _make_cropping(3),
    "UpSampling1D": _make_upsampling(1),
    "UpSampling2D": _make_upsampling(2),
    "UpSampling3D": _make_upsampling(3),
}
"""This family's handlers, by ``class_name``; registered by the package ``__init__``."""
