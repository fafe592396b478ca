"""Static shape inference for Keras layer configs, in pure Python.

This module answers "what shape comes out of this layer?" from nothing but the
layer's serialized ``config`` dict (as found in a ``.keras`` archive's
``config.json`` or a Keras 2 / tf.keras JSON/H5 model config) and the shapes
flowing into it. It runs on the linter's fast path, so it deliberately imports
only the standard library: no numpy, keras or tensorflow.

Conventions:

* A :data:`Shape` is the *full* shape including the batch axis, e.g.
  ``(None, 28, 28, 3)``. ``None`` marks an unknown size, and it propagates only
  to the axes it actually affects.
* The formulas mirror Keras 3 (``keras/src/ops/operation_utils.py`` and
  ``keras/src/backend/common/backend_utils.py``) so that the results equal
  ``layer.compute_output_shape(...)`` wherever Keras itself returns a value.
* Where Keras would *raise* because an output size collapses to zero or below
  (e.g. a 3x3 ``"valid"`` conv on a 2x2 map, or over-cropping), we instead
  return the shape with the computed non-positive integer in that axis, so the
  caller can detect and report the collapse precisely.
* Malformed or unsupported input never raises; it yields ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MAX_DIM",
    "Shape",
    "Window",
    "infer_output_shape",
    "spatial_dims",
    "spatial_window",
]

Shape = tuple[int | None, ...]
#: The largest size a Keras model can have (an int64: what TensorFlow, JAX and Torch index
#: with). A larger inferred dimension or parameter count is unknown, not a number to print.
MAX_DIM = 2**63 - 1
"""A full tensor shape including the batch axis; ``None`` means unknown."""

_Handler = Callable[[Mapping[str, Any], list[Shape | None]], Shape | None]


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


# ---------------------------------------------------------------------------
# Layer families. Keyed by ``class_name`` as serialized (Keras 3 names plus the
# public aliases, which Keras 2 era files and hand-written configs may use).
# ---------------------------------------------------------------------------

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

# Layers whose output shape is their (first) input shape, unconditionally.
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
        # Preprocessing that rescales values but not shapes.
        "Normalization",
        "Rescaling",
        # Misc.
        "Identity",
        "Masking",
        # Image augmentation that preserves the image size.
        "RandomFlip",
        "RandomRotation",
        "RandomZoom",
        "RandomTranslation",
        "RandomContrast",
        "RandomBrightness",
        "RandomHue",
        "RandomSaturation",
        "RandomSharpness",
        "RandomShear",
        "RandomColorDegeneration",
        "RandomColorJitter",
        "RandomGrayscale",
        "RandomInvert",
        "RandomPosterization",
        "RandomGaussianBlur",
        "RandomErasing",
        "RandomPerspective",
        "RandomElasticTransform",
        "AutoContrast",
        "Equalization",
        "Solarization",
    }
)

# Normalization layers are shape-preserving but validate their ``axis``.
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

_RNN_LAYERS = frozenset({"SimpleRNN", "LSTM", "GRU", "CuDNNLSTM", "CuDNNGRU"})
_RNN_CELLS = frozenset({"SimpleRNNCell", "LSTMCell", "GRUCell"})
_CONV_LSTM_LAYERS = {"ConvLSTM1D": 1, "ConvLSTM2D": 2, "ConvLSTM3D": 3}

_ELEMENTWISE_MERGE_LAYERS = frozenset(
    {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"}
)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def infer_output_shape(
    class_name: str,
    config: Mapping[str, Any],
    input_shapes: Sequence[Shape | None],
) -> Shape | None:
    """Infers the output shape of one call of a Keras layer.

    Args:
        class_name: The layer's serialized ``class_name`` (e.g. ``"Conv2D"``;
            public aliases such as ``"MaxPool2D"`` are accepted too).
        config: The layer's ``config`` dict, in Keras 3 or Keras 2 spelling.
        input_shapes: One full shape (batch axis included) per input tensor,
            in call order; an entry may be ``None`` when that shape is
            unknown. Empty for ``InputLayer``.

    Returns:
        The output shape, or ``None`` when it is unknown: unsupported layer,
        malformed config (wrong types, missing required keys, non-positive
        sizes), missing or incompatible input shapes (wrong rank, mismatched
        merge operands, reshape size mismatch, ...). Layers with several
        outputs (RNNs with ``return_state``, ``Bidirectional`` with
        ``merge_mode=None``) report their first output.

        Unknown dims in the inputs make only the affected output axes
        ``None``. Negative dims in the inputs are treated as unknown, so a
        collapse reported upstream does not cascade into nonsense sizes.

        When a size collapses (a ``"valid"`` conv/pool window larger than its
        input, or cropping away everything), Keras raises; this function
        instead returns the shape with the computed ``<= 0`` integer kept in
        that axis, so callers can detect the collapse. Never raises.
    """
    try:
        if not isinstance(class_name, str) or not isinstance(config, Mapping):
            return None
        if isinstance(input_shapes, (str, bytes)) or not isinstance(input_shapes, Sequence):
            return None
        shapes = [_clean_shape(s) for s in input_shapes]
        out = _infer(class_name, config, shapes)
        return None if out is None or any(d is not None and d > MAX_DIM for d in out) else out
    except Exception:  # noqa: BLE001 - the contract is "never raises".
        # Deeply odd configs can still trip an arithmetic or recursion error
        # somewhere; an unknown shape is always a safe answer for a linter.
        return None


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
# Dispatch
# ---------------------------------------------------------------------------


def _infer(class_name: str, config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Routes one layer to its handler; see :func:`infer_output_shape`."""
    if class_name in _IDENTITY_LAYERS:
        return _first(shapes)
    if class_name in _AXIS_NORMALIZATION_LAYERS:
        return _axis_normalization(config, shapes)
    if class_name in _CONV_LAYERS:
        kind, rank = _CONV_LAYERS[class_name]
        return _conv(config, shapes, kind, rank)
    if class_name in _POOL_LAYERS:
        return _pool(config, shapes, _POOL_LAYERS[class_name])
    if class_name in _GLOBAL_POOL_LAYERS:
        return _global_pool(config, shapes, _GLOBAL_POOL_LAYERS[class_name])
    if class_name in _ADAPTIVE_POOL_LAYERS:
        return _adaptive_pool(config, shapes, _ADAPTIVE_POOL_LAYERS[class_name])
    if class_name in _ELEMENTWISE_MERGE_LAYERS:
        return _elementwise_merge(class_name, shapes)
    if class_name in _RNN_LAYERS:
        return _rnn(config, shapes, _positive_int(config.get("units")))
    if class_name in _CONV_LSTM_LAYERS:
        return _conv_lstm(config, shapes, _CONV_LSTM_LAYERS[class_name])
    handler = _HANDLERS.get(class_name)
    if handler is None:
        return None
    return handler(config, shapes)


# ---------------------------------------------------------------------------
# Value normalisation helpers. Each returns None for anything malformed so the
# handlers can bail out with a single check.
# ---------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    """True for real ints; ``bool`` is an ``int`` subclass but never a size."""
    return isinstance(value, int) and not isinstance(value, bool)


def _unwrap(value: Any) -> Any:
    """Unwraps a serialized tuple (``{"class_name": "__tuple__", ...}``).

    Current Keras writes tuples as plain JSON lists, but some Keras 3
    pre-releases wrapped them; accepting both costs nothing.
    """
    if (
        isinstance(value, Mapping)
        and value.get("class_name") == "__tuple__"
        and isinstance(value.get("config"), Mapping)
    ):
        return value["config"].get("value")
    return value


def _as_list(value: Any) -> list[Any] | None:
    """Returns ``value`` as a list if it is a JSON-array-like sequence."""
    value = _unwrap(value)
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def _positive_int(value: Any) -> int | None:
    """Returns ``value`` if it is an int > 0, else ``None``."""
    return value if _is_int(value) and value > 0 else None


def _int_tuple(value: Any, n: int, *, allow_zero: bool = False) -> tuple[int, ...] | None:
    """Mirrors Keras's ``standardize_tuple``: int or length-``n`` int list.

    Args:
        value: An int (broadcast to all ``n`` dims) or a sequence of ``n`` ints.
        n: Number of entries wanted.
        allow_zero: Accept zeros (paddings, croppings) instead of requiring
            strictly positive values (sizes, strides).

    Returns:
        A tuple of ``n`` ints, or ``None`` if ``value`` is malformed.
    """
    lowest = 0 if allow_zero else 1
    if _is_int(value):
        items = [value] * n
    else:
        seq = _as_list(value)
        if seq is None or len(seq) != n:
            return None
        items = seq
    if not all(_is_int(v) and v >= lowest for v in items):
        return None
    return tuple(items)


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


def _channels_first(config: Mapping[str, Any]) -> bool | None:
    """Reads ``data_format``: ``None``/absent means channels_last."""
    fmt = config.get("data_format")
    if fmt is None:
        return False
    if not isinstance(fmt, str):
        return None
    fmt = fmt.lower()
    if fmt == "channels_first":
        return True
    if fmt == "channels_last":
        return False
    return None


def _padding(config: Mapping[str, Any], allowed: frozenset[str]) -> str | None:
    """Reads ``padding`` case-insensitively; ``"valid"`` when absent."""
    value = config.get("padding", "valid")
    if not isinstance(value, str):
        return None
    value = value.lower()
    return value if value in allowed else None


def _clean_shape(shape: Any) -> Shape | None:
    """Validates a shape; negative dims become ``None`` (see module doc)."""
    seq = _as_list(shape)
    if seq is None:
        return None
    out: list[int | None] = []
    for dim in seq:
        if dim is None:
            out.append(None)
        elif _is_int(dim):
            # A negative dim can only come from an upstream collapse we
            # already reported; downstream it is simply unknown (as is one no model has).
            out.append(dim if 0 <= dim <= MAX_DIM else None)
        else:
            return None
    return tuple(out)


def _first(shapes: list[Shape | None]) -> Shape | None:
    """The first input shape, for single-input layers."""
    return shapes[0] if shapes else None


def _inner_layer(value: Any) -> tuple[str, Mapping[str, Any]] | None:
    """Extracts ``(class_name, config)`` from a serialized nested layer."""
    if not isinstance(value, Mapping):
        return None
    name = value.get("class_name")
    cfg = value.get("config")
    if not isinstance(name, str) or not isinstance(cfg, Mapping):
        return None
    return name, cfg


def _axis_in_range(axis: Any, rank: int) -> bool:
    """True if ``axis`` is an int that indexes a rank-``rank`` shape."""
    return _is_int(axis) and -rank <= axis < rank


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


# ---------------------------------------------------------------------------
# Core layers
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


# ---------------------------------------------------------------------------
# Merging layers
# ---------------------------------------------------------------------------


def _merged_batch(shapes: Sequence[Shape]) -> tuple[bool, int | None]:
    """Combines batch sizes: (ok, size); conflicting known sizes are not ok."""
    known = {s[0] for s in shapes if s and s[0] is not None}
    if len(known) > 1:
        return False, None
    return True, (known.pop() if known else None)


def _broadcast_pair(a: Shape, b: Shape) -> Shape | None:
    """Keras merge-layer broadcasting of two batch-less shapes.

    This is ``Merge._compute_elemwise_op_output_shape``: right-aligned, and,
    unlike NumPy, an unknown dim on *either* side makes the result unknown.
    """
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    out: list[int | None] = list(a[: len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b) :], b, strict=True):
        if i is None or j is None:
            out.append(None)
        elif i == 1:
            out.append(j)
        elif j == 1 or i == j:
            out.append(i)
        else:
            return None
    return tuple(out)


def _elementwise_merge(class_name: str, shapes: list[Shape | None]) -> Shape | None:
    """Add/Subtract/Multiply/Average/Maximum/Minimum."""
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


# ---------------------------------------------------------------------------
# Recurrent layers and wrappers
# ---------------------------------------------------------------------------


def _rnn(config: Mapping[str, Any], shapes: list[Shape | None], units: int | None) -> Shape | None:
    """SimpleRNN/LSTM/GRU (and generic RNN once ``units`` is resolved).

    Extra inputs (initial states) are ignored; with ``return_state`` only the
    first output (the sequence output or last output) is reported.
    """
    x = _first(shapes)
    return_sequences = config.get("return_sequences", False)
    if x is None or units is None or len(x) != 3:
        return None
    if not isinstance(return_sequences, bool):
        return None
    if return_sequences:
        return (x[0], x[1], units)
    return (x[0], units)


def _cell_units(cell: Any) -> int | None:
    """Output size of a serialized RNN cell (or a StackedRNNCells)."""
    inner = _inner_layer(cell)
    if inner is None:
        return None
    name, cfg = inner
    if name in _RNN_CELLS:
        return _positive_int(cfg.get("units"))
    if name == "StackedRNNCells":
        cells = _as_list(cfg.get("cells"))
        # The stack's output is its last cell's output.
        return _cell_units(cells[-1]) if cells else None
    return None


def _generic_rnn(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """``keras.layers.RNN(cell)`` with a built-in (or stacked) cell."""
    cell = _unwrap(config.get("cell"))
    if isinstance(cell, list):
        # Keras 2 could serialize a list of cells directly.
        return _rnn(config, shapes, _cell_units(cell[-1]) if cell else None)
    return _rnn(config, shapes, _cell_units(cell))


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


def _bidirectional(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Bidirectional: infer the wrapped RNN, then apply ``merge_mode``."""
    forward = _inner_layer(config.get("layer"))
    if forward is None:
        return None
    fwd = _infer(forward[0], forward[1], shapes[:1])
    if fwd is None:
        return None
    bwd = fwd
    if config.get("backward_layer") is not None:
        backward = _inner_layer(config.get("backward_layer"))
        if backward is None:
            return None
        bwd_shape = _infer(backward[0], backward[1], shapes[:1])
        if bwd_shape is None or len(bwd_shape) != len(fwd):
            return None
        bwd = bwd_shape
    merge_mode = config.get("merge_mode", "concat")
    if merge_mode == "concat":
        # The real concat is forward + backward features. (Keras's own
        # compute_output_shape doubles the forward size, which is wrong when
        # a custom backward_layer has a different width.)
        last = None if fwd[-1] is None or bwd[-1] is None else fwd[-1] + bwd[-1]
        return (*fwd[:-1], last)
    if merge_mode in ("sum", "mul", "ave"):
        return _broadcast_pair(fwd, bwd) if fwd != bwd else fwd
    if merge_mode is None:
        return fwd  # Two outputs; report the forward one.
    return None


def _time_distributed(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """TimeDistributed: apply the inner layer to ``(batch, *x[2:])``."""
    x = _first(shapes)
    inner = _inner_layer(config.get("layer"))
    if x is None or inner is None or len(x) < 3:
        return None
    child = _infer(inner[0], inner[1], [(x[0], *x[2:])])
    if child is None or len(child) < 1:
        return None
    return (child[0], x[1], *child[1:])


def _wrapper_passthrough(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Wrappers that don't change the inner layer's shape (SpectralNormalization)."""
    inner = _inner_layer(config.get("layer"))
    if inner is None:
        return None
    return _infer(inner[0], inner[1], shapes)


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


# ---------------------------------------------------------------------------
# Attention
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Image preprocessing that changes the image size
# ---------------------------------------------------------------------------


def _resize_like(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Resizing/CenterCrop: set height and width to the configured sizes.

    Mirrors Keras: a rank-4 shape is a batch of images, while a rank-3 shape
    is treated as a *single unbatched* image, so its first two axes are
    replaced (for channels_last) - which, in a functional graph, overwrites
    the batch axis exactly as Keras's own shape inference does.
    """
    x = _first(shapes)
    height = _positive_int(config.get("height"))
    width = _positive_int(config.get("width"))
    channels_first = _channels_first(config)
    if x is None or height is None or width is None or channels_first is None:
        return None
    if len(x) == 4:
        h_axis = 2 if channels_first else 1
    elif len(x) == 3:
        h_axis = 1 if channels_first else 0
    else:
        return None
    out = list(x)
    out[h_axis] = height
    out[h_axis + 1] = width
    return tuple(out)


def _random_crop(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """RandomCrop: height/width axes counted from the end, any rank >= 3."""
    x = _first(shapes)
    height = _positive_int(config.get("height"))
    width = _positive_int(config.get("width"))
    channels_first = _channels_first(config)
    if x is None or height is None or width is None or channels_first is None:
        return None
    if len(x) < 3:
        return None
    out = list(x)
    h_axis = -2 if channels_first else -3
    out[h_axis] = height
    out[h_axis + 1] = width
    return tuple(out)


_HANDLERS: dict[str, _Handler] = {
    "InputLayer": _input_layer,
    "Dense": _dense,
    "Embedding": _embedding,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Permute": _permute,
    "RepeatVector": _repeat_vector,
    "ZeroPadding1D": _make_zero_padding(1),
    "ZeroPadding2D": _make_zero_padding(2),
    "ZeroPadding3D": _make_zero_padding(3),
    "Cropping1D": _make_cropping(1),
    "Cropping2D": _make_cropping(2),
    "Cropping3D": _make_cropping(3),
    "UpSampling1D": _make_upsampling(1),
    "UpSampling2D": _make_upsampling(2),
    "UpSampling3D": _make_upsampling(3),
    "Concatenate": _concatenate,
    "Dot": _dot,
    "RNN": _generic_rnn,
    "Bidirectional": _bidirectional,
    "TimeDistributed": _time_distributed,
    "SpectralNormalization": _wrapper_passthrough,
    "Sequential": _sequential,
    "MultiHeadAttention": _multi_head_attention,
    "Attention": _attention,
    "AdditiveAttention": _attention,
    "Resizing": _resize_like,
    "CenterCrop": _resize_like,
    "RandomCrop": _random_crop,
}
