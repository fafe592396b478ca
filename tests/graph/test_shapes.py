"""Tests for :mod:`modelcheck.graph.shapes`.

Two halves:

* Pure-Python tests (no Keras needed): malformed configs, unknown-dim
  propagation, collapse reporting, wrappers, windows, channels_first, and the
  "no numpy on import" guarantee.
* Property-style comparisons against real Keras: for a matrix of layer
  configs and input shapes, the real layer (built with ``from_config``, as the
  loader does) is called symbolically on ``keras.KerasTensor`` inputs, and
  :func:`infer_output_shape` must give exactly the same shape. These are
  skipped when Keras is not installed.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from modelcheck.graph.shapes import Window, infer_output_shape, spatial_dims, spatial_window

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO_ROOT = Path(__file__).resolve().parents[2]

Shape = tuple[Any, ...]


def _fmap(batch: int | None, spatial: Shape, channels: int | None, cf: bool) -> Shape:
    """A feature-map shape in either layout."""
    return (batch, channels, *spatial) if cf else (batch, *spatial, channels)


def _fmt(cf: bool) -> str:
    return "channels_first" if cf else "channels_last"


def _dims(shape: Shape) -> str:
    return "x".join("N" if d is None else str(d) for d in shape)


def _inner(class_name: str, **config: Any) -> dict[str, Any]:
    """A nested layer dict as Keras 3 writes it into config.json."""
    return {"module": "keras.layers", "class_name": class_name, "config": config}


# ===========================================================================
# Case matrix for the Keras comparison.
#
# Each case: (class_name, config, input_shapes, call_style). call_style says
# how Keras takes the inputs: "one" -> layer(x), "list" -> layer([a, b, ...]),
# "args" -> layer(a, b) (attention), "input" -> InputLayer (no inputs), and
# "shape" -> layer.compute_output_shape(x) where a symbolic call can't build.
# ===========================================================================

_SPATIAL = {1: (11,), 2: (12, 9), 3: (9, 8, 10)}


def _conv_cases() -> list[Any]:
    cases = []
    for rank, name in ((1, "Conv1D"), (2, "Conv2D"), (3, "Conv3D")):
        paddings = ["valid", "same"] + (["causal"] if rank == 1 else [])
        kernels: list[Any] = [1, 3] + ([[2, 3, 1][:rank]] if rank > 1 else [4])
        # Keras forbids strides > 1 together with dilation > 1.
        motion = [(1, 1), (2, 1), (3, 1), (1, 2)]
        for kernel, (stride, dil), padding, cf in itertools.product(
            kernels, motion, paddings, (False, True)
        ):
            if rank == 3 and cf and kernel == 1:
                continue  # keep the matrix (and runtime) small
            cfg = {
                "filters": 4,
                "kernel_size": kernel,
                "strides": stride,
                "padding": padding,
                "dilation_rate": dil,
                "data_format": _fmt(cf),
            }
            x = _fmap(None, _SPATIAL[rank], 3, cf)
            cid = f"{name}-k{kernel}-s{stride}-d{dil}-{padding}-{'cf' if cf else 'cl'}"
            cases.append(pytest.param(name, cfg, [x], "one", id=cid))
        # Unknown spatial dim and a concrete batch.
        spatial = (None,) + _SPATIAL[rank][1:]
        cfg = {"filters": 5, "kernel_size": 3, "strides": 2, "padding": "valid"}
        cases.append(pytest.param(name, cfg, [(2, *spatial, 3)], "one", id=f"{name}-unknown-dim"))
    # Keras 3 lists, as written into config.json.
    cfg = {"filters": 2, "kernel_size": [3, 5], "strides": [2, 1], "dilation_rate": [1, 1]}
    cases.append(pytest.param("Conv2D", cfg, [(None, 15, 15, 1)], "one", id="Conv2D-lists"))
    cases.append(pytest.param("Convolution2D", cfg, [(None, 15, 15, 1)], "one", id="alias"))
    return cases


def _separable_depthwise_cases() -> list[Any]:
    cases = []
    for name, rank in (
        ("SeparableConv1D", 1),
        ("SeparableConv2D", 2),
        ("DepthwiseConv1D", 1),
        ("DepthwiseConv2D", 2),
    ):
        for (stride, dil), padding, cf, mult in itertools.product(
            [(1, 1), (2, 1), (1, 2)], ["valid", "same"], (False, True), (1, 3)
        ):
            cfg: dict[str, Any] = {
                "kernel_size": 3,
                "strides": stride,
                "dilation_rate": dil,
                "padding": padding,
                "data_format": _fmt(cf),
                "depth_multiplier": mult,
            }
            if name.startswith("Separable"):
                cfg["filters"] = 6
            x = _fmap(None, _SPATIAL[rank], 3, cf)
            cid = f"{name}-s{stride}-d{dil}-{padding}-{'cf' if cf else 'cl'}-m{mult}"
            cases.append(pytest.param(name, cfg, [x], "one", id=cid))
    return cases


def _transpose_cases() -> list[Any]:
    cases = []
    small = {1: (5,), 2: (5, 4), 3: (4, 3, 5)}
    for rank in (1, 2, 3):
        name = f"Conv{rank}DTranspose"
        for kernel, stride, padding, out_pad, cf in itertools.product(
            [1, 2, 3, 4], [1, 2, 3], ["valid", "same"], [None, 0, 1], (False, True)
        ):
            # Keras requires output_padding < strides.
            if out_pad is not None and out_pad >= stride:
                continue
            if rank == 3 and (cf or kernel in (1, 4)):
                continue
            cfg = {
                "filters": 2,
                "kernel_size": kernel,
                "strides": stride,
                "padding": padding,
                "output_padding": out_pad,
                "data_format": _fmt(cf),
            }
            x = _fmap(None, small[rank], 3, cf)
            cid = f"{name}-k{kernel}-s{stride}-{padding}-op{out_pad}-{'cf' if cf else 'cl'}"
            cases.append(pytest.param(name, cfg, [x], "one", id=cid))
        for padding in ("valid", "same"):
            cfg = {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": padding}
            x = _fmap(None, small[rank], 3, False)
            cases.append(pytest.param(name, cfg, [x], "one", id=f"{name}-dilated-{padding}"))
    cfg = {"filters": 2, "kernel_size": 3, "strides": 2}
    cases.append(
        pytest.param("Conv2DTranspose", cfg, [(4, None, 6, 3)], "one", id="transpose-unknown")
    )
    return cases


def _pool_cases() -> list[Any]:
    cases = []
    for rank in (1, 2, 3):
        for kind in ("MaxPooling", "AveragePooling"):
            name = f"{kind}{rank}D"
            pools: list[Any] = [2, 3] + ([[3, 2, 1][:rank]] if rank > 1 else [])
            for pool, strides, padding, cf in itertools.product(
                pools, [None, 1, 2], ["valid", "same"], (False, True)
            ):
                if rank == 3 and cf:
                    continue
                cfg = {
                    "pool_size": pool,
                    "strides": strides,
                    "padding": padding,
                    "data_format": _fmt(cf),
                }
                x = _fmap(None, _SPATIAL[rank], 3, cf)
                cid = f"{name}-p{pool}-s{strides}-{padding}-{'cf' if cf else 'cl'}"
                cases.append(pytest.param(name, cfg, [x], "one", id=cid))
            x = _fmap(None, (None,) + _SPATIAL[rank][1:], 3, False)
            cfg = {"pool_size": 2, "strides": None, "padding": "valid"}
            cases.append(pytest.param(name, cfg, [x], "one", id=f"{name}-unknown-dim"))
    for alias in ("MaxPool2D", "AvgPool2D"):
        cfg = {"pool_size": [2, 2], "strides": [2, 2], "padding": "valid"}
        cases.append(pytest.param(alias, cfg, [(None, 7, 7, 2)], "one", id=alias))
    cases.append(pytest.param("AvgPool1D", {"pool_size": 3}, [(8, 10, 2)], "one", id="AvgPool1D"))
    return cases


def _global_pool_cases() -> list[Any]:
    cases = []
    for rank, kind, keepdims, cf in itertools.product(
        (1, 2, 3), ("GlobalAveragePooling", "GlobalMaxPooling"), (False, True), (False, True)
    ):
        name = f"{kind}{rank}D"
        cfg = {"keepdims": keepdims, "data_format": _fmt(cf)}
        x = _fmap(None, _SPATIAL[rank], 3, cf)
        cid = f"{name}-keep{keepdims}-{'cf' if cf else 'cl'}"
        cases.append(pytest.param(name, cfg, [x], "one", id=cid))
    cases.append(pytest.param("GlobalAvgPool2D", {}, [(None, 5, 5, 7)], "one", id="GAP-alias"))
    for rank in (1, 2, 3):
        for kind in ("AdaptiveAveragePooling", "AdaptiveMaxPooling"):
            name = f"{kind}{rank}D"
            x = _fmap(None, _SPATIAL[rank], 3, False)
            cases.append(pytest.param(name, {"output_size": 2}, [x], "one", id=name))
    return cases


def _core_cases() -> list[Any]:
    cases = [
        pytest.param("InputLayer", {"batch_shape": [None, 28, 28, 3]}, [], "input", id="Input"),
        pytest.param("InputLayer", {"batch_shape": [8, None]}, [], "input", id="Input-batch"),
    ]
    for x in [(None, 7), (None, 5, 7), (3, None, 4, 7)]:
        cases.append(pytest.param("Dense", {"units": 6}, [x], "one", id=f"Dense-{_dims(x)}"))
    # Keras can't build a kernel for an unknown input width, so ask
    # compute_output_shape directly.
    x = (None, None)
    cases.append(pytest.param("Dense", {"units": 6}, [x], "shape", id="Dense-unknown-width"))
    for x in [(None, 10), (None, None), (4, 3, 5)]:
        cfg = {"input_dim": 50, "output_dim": 8}
        cases.append(pytest.param("Embedding", cfg, [x], "one", id=f"Embedding-{_dims(x)}"))
    for x in [(None, 3, 4, 5), (None, None, 4), (None, 7), (2, 3, 1)]:
        cases.append(pytest.param("Flatten", {}, [x], "one", id=f"Flatten-{_dims(x)}"))
    cases.append(
        pytest.param(
            "Flatten",
            {"data_format": "channels_first"},
            [(None, 3, 4, 5)],
            "one",
            id="Flatten-cf",
        )
    )
    for target, x in [
        ([-1, 4], (None, 6, 4)),
        ([2, -1], (None, 12)),
        ([3, 4], (None, 12)),
        ([-1, 4], (None, None, 4)),
        ([2, 3, 2], (5, 12)),
        ([-1], (None, 2, 3, 4)),
    ]:
        cid = f"Reshape-{_dims(tuple(target))}-{_dims(x)}"
        cases.append(pytest.param("Reshape", {"target_shape": target}, [x], "one", id=cid))
    for dims, x in [([2, 1], (None, 3, 4)), ([3, 1, 2], (None, 3, None, 5))]:
        cid = f"Permute-{_dims(tuple(dims))}"
        cases.append(pytest.param("Permute", {"dims": dims}, [x], "one", id=cid))
    cases.append(pytest.param("RepeatVector", {"n": 3}, [(None, 5)], "one", id="RepeatVector"))
    return cases


def _padding_cases() -> list[Any]:
    cases = []
    for padding, cf in itertools.product([2, [1, 3]], (False, True)):
        cfg = {"padding": padding, "data_format": _fmt(cf)}
        x = _fmap(None, (7,), 3, cf)
        cid = f"ZeroPadding1D-{padding}-{'cf' if cf else 'cl'}"
        cases.append(pytest.param("ZeroPadding1D", cfg, [x], "one", id=cid))
    for padding, cf in itertools.product([1, [1, 2], [[1, 2], [3, 4]], [2, [0, 1]]], (False, True)):
        cfg = {"padding": padding, "data_format": _fmt(cf)}
        x = _fmap(None, (6, None), 3, cf)
        cid = f"ZeroPadding2D-{json.dumps(padding)}-{'cf' if cf else 'cl'}"
        cases.append(pytest.param("ZeroPadding2D", cfg, [x], "one", id=cid))
    for padding, cf in itertools.product([1, [1, 2, 3], [[1, 0], [0, 2], [3, 1]]], (False, True)):
        cfg = {"padding": padding, "data_format": _fmt(cf)}
        x = _fmap(None, (4, 5, 6), 2, cf)
        cid = f"ZeroPadding3D-{json.dumps(padding)}-{'cf' if cf else 'cl'}"
        cases.append(pytest.param("ZeroPadding3D", cfg, [x], "one", id=cid))
    for cropping in (1, [1, 2], [0, 3]):
        cid = f"Cropping1D-{cropping}"
        x = (None, 9, 3)
        cases.append(pytest.param("Cropping1D", {"cropping": cropping}, [x], "one", id=cid))
    for cropping, cf in itertools.product([1, [1, 2], [[1, 0], [2, 3]]], (False, True)):
        cfg = {"cropping": cropping, "data_format": _fmt(cf)}
        x = _fmap(None, (9, 10), 3, cf)
        cid = f"Cropping2D-{json.dumps(cropping)}-{'cf' if cf else 'cl'}"
        cases.append(pytest.param("Cropping2D", cfg, [x], "one", id=cid))
    for cropping, cf in itertools.product([1, [1, 0, 2], [[1, 0], [0, 1], [2, 2]]], (False, True)):
        cfg = {"cropping": cropping, "data_format": _fmt(cf)}
        x = _fmap(None, (6, None, 7), 2, cf)
        cid = f"Cropping3D-{json.dumps(cropping)}-{'cf' if cf else 'cl'}"
        cases.append(pytest.param("Cropping3D", cfg, [x], "one", id=cid))
    for size in (2, 3):
        x = (None, 5, 3)
        cases.append(pytest.param("UpSampling1D", {"size": size}, [x], "one", id=f"UpS1D-{size}"))
    for size, cf in itertools.product([2, [2, 3]], (False, True)):
        cfg = {"size": size, "data_format": _fmt(cf)}
        x = _fmap(None, (4, None), 3, cf)
        cid = f"UpSampling2D-{json.dumps(size)}-{'cf' if cf else 'cl'}"
        cases.append(pytest.param("UpSampling2D", cfg, [x], "one", id=cid))
    for cf in (False, True):
        cfg = {"size": [1, 2, 3], "data_format": _fmt(cf)}
        x = _fmap(None, (2, 3, 4), 3, cf)
        cid = f"UpSampling3D-{'cf' if cf else 'cl'}"
        cases.append(pytest.param("UpSampling3D", cfg, [x], "one", id=cid))
    return cases


def _merge_cases() -> list[Any]:
    cases = []
    for axis, shapes in [
        (-1, [(None, 4, 3), (None, 4, 5)]),
        (1, [(None, 2, 3), (None, 5, 3), (None, 1, 3)]),
        (-2, [(None, 2, 3), (None, 4, 3)]),
        (2, [(None, 4, 3), (None, 4, None)]),
        (-1, [(None, None, 3), (None, None, 2)]),
        (1, [(5, 2, 3), (5, 4, 3)]),
    ]:
        cid = f"Concatenate-ax{axis}-" + "+".join(_dims(s) for s in shapes)
        cases.append(pytest.param("Concatenate", {"axis": axis}, shapes, "list", id=cid))
    elementwise_shapes = [
        [(None, 4), (None, 4)],
        [(None, 3, 4), (None, 1, 4)],
        [(None, 3, 4), (None, 4)],
        [(None, 1, 4), (None, 3, 1)],
        [(None, None, 4), (None, 5, 4)],
        [(2, 4), (None, 4)],
    ]
    for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
        for shapes in elementwise_shapes:
            cid = f"{name}-" + "+".join(_dims(s) for s in shapes)
            cases.append(pytest.param(name, {}, shapes, "list", id=cid))
    for name in ("Add", "Multiply", "Average", "Maximum", "Minimum"):
        shapes = [(None, 3, 4), (None, 3, 4), (None, 1, 4)]
        cases.append(pytest.param(name, {}, shapes, "list", id=f"{name}-3-inputs"))
    for axes, shapes in [
        (-1, [(None, 4), (None, 4)]),
        (1, [(None, 4), (None, 4)]),
        ([2, 2], [(None, 3, 4), (None, 5, 4)]),
        ([1, 2], [(None, 3, 4), (None, 5, 3)]),
        (-1, [(None, 3, 4), (None, 5, 4)]),
    ]:
        cid = f"Dot-{json.dumps(axes)}-" + "+".join(_dims(s) for s in shapes)
        cases.append(pytest.param("Dot", {"axes": axes}, shapes, "list", id=cid))
    return cases


def _normalization_and_identity_cases() -> list[Any]:
    x2, x3, x4 = (None, 6), (None, 5, 6), (None, 4, 4, 6)
    cases = [
        pytest.param("BatchNormalization", {"axis": -1}, [x4], "one", id="BatchNorm"),
        pytest.param("BatchNormalization", {"axis": 1}, [x4], "one", id="BatchNorm-cf"),
        pytest.param("LayerNormalization", {"axis": [1, 2]}, [x3], "one", id="LayerNorm"),
        pytest.param("GroupNormalization", {"groups": 2}, [x4], "one", id="GroupNorm"),
        pytest.param("UnitNormalization", {"axis": -1}, [x3], "one", id="UnitNorm"),
        pytest.param("RMSNormalization", {"axis": -1}, [x3], "one", id="RMSNorm"),
        pytest.param("Normalization", {"axis": -1}, [x3], "one", id="Normalization"),
        pytest.param("Rescaling", {"scale": 1 / 255, "offset": 0.0}, [x4], "one", id="Rescaling"),
        pytest.param("Dropout", {"rate": 0.5}, [x3], "one", id="Dropout"),
        pytest.param("SpatialDropout1D", {"rate": 0.5}, [x3], "one", id="SpatialDropout1D"),
        pytest.param("SpatialDropout2D", {"rate": 0.5}, [x4], "one", id="SpatialDropout2D"),
        pytest.param(
            "SpatialDropout3D", {"rate": 0.5}, [(None, 2, 3, 4, 5)], "one", id="SpatialDropout3D"
        ),
        pytest.param("GaussianNoise", {"stddev": 0.1}, [x2], "one", id="GaussianNoise"),
        pytest.param("GaussianDropout", {"rate": 0.1}, [x2], "one", id="GaussianDropout"),
        pytest.param("AlphaDropout", {"rate": 0.1}, [x2], "one", id="AlphaDropout"),
        pytest.param("ActivityRegularization", {"l1": 0.1}, [x2], "one", id="ActivityReg"),
        pytest.param("Activation", {"activation": "relu"}, [x4], "one", id="Activation"),
        pytest.param("ReLU", {"max_value": 6.0}, [x3], "one", id="ReLU"),
        pytest.param("LeakyReLU", {"negative_slope": 0.2}, [x3], "one", id="LeakyReLU"),
        pytest.param("PReLU", {}, [x3], "one", id="PReLU"),
        pytest.param("ELU", {"alpha": 1.0}, [x3], "one", id="ELU"),
        pytest.param("Softmax", {"axis": -1}, [x3], "one", id="Softmax"),
        pytest.param("Identity", {}, [x3], "one", id="Identity"),
        pytest.param("Masking", {"mask_value": 0.0}, [x3], "one", id="Masking"),
        pytest.param(
            "SpectralNormalization",
            {"layer": _inner("Dense", units=3)},
            [x3],
            "one",
            id="SpectralNorm-Dense",
        ),
    ]
    img = (None, 10, 12, 3)
    img_cf = (None, 3, 10, 12)
    for name, cfg in [
        ("RandomFlip", {"mode": "horizontal"}),
        ("RandomRotation", {"factor": 0.1}),
        ("RandomZoom", {"height_factor": 0.1}),
        ("RandomTranslation", {"height_factor": 0.1, "width_factor": 0.1}),
        ("RandomContrast", {"factor": 0.1}),
        ("RandomBrightness", {"factor": 0.1}),
    ]:
        cases.append(pytest.param(name, cfg, [img], "one", id=name))
    for name in ("Resizing", "CenterCrop", "RandomCrop"):
        for cf in (False, True):
            cfg = {"height": 5, "width": 7, "data_format": _fmt(cf)}
            cid = f"{name}-{'cf' if cf else 'cl'}"
            cases.append(pytest.param(name, cfg, [img_cf if cf else img], "one", id=cid))
    return cases


def _rnn_cases() -> list[Any]:
    cases = []
    for name, seqs, state, x in itertools.product(
        ("SimpleRNN", "LSTM", "GRU"), (False, True), (False, True), [(None, 7, 3), (4, None, 3)]
    ):
        cfg = {"units": 5, "return_sequences": seqs, "return_state": state}
        cid = f"{name}-seq{seqs}-state{state}-{_dims(x)}"
        cases.append(pytest.param(name, cfg, [x], "one", id=cid))
    cfg = {"cell": _inner("LSTMCell", units=4), "return_sequences": True}
    cases.append(pytest.param("RNN", cfg, [(None, 6, 3)], "one", id="RNN-LSTMCell"))
    for merge_mode, seqs in itertools.product(("concat", "sum", "mul", "ave", None), (False, True)):
        cfg = {"layer": _inner("LSTM", units=4, return_sequences=seqs), "merge_mode": merge_mode}
        cid = f"Bidirectional-LSTM-{merge_mode}-seq{seqs}"
        cases.append(pytest.param("Bidirectional", cfg, [(None, 6, 3)], "one", id=cid))
    cfg = {"layer": _inner("GRU", units=3, return_sequences=True, return_state=True)}
    cases.append(pytest.param("Bidirectional", cfg, [(2, 6, 3)], "one", id="Bidirectional-state"))
    for inner, x in [
        (_inner("Dense", units=4), (None, 5, 8)),
        (_inner("Conv2D", filters=4, kernel_size=3, strides=2), (None, 3, 10, 10, 3)),
        (_inner("Flatten"), (None, 3, 4, 5)),
        (_inner("MaxPooling2D", pool_size=2), (None, None, 8, 6, 3)),
    ]:
        cid = f"TimeDistributed-{inner['class_name']}"
        cases.append(pytest.param("TimeDistributed", {"layer": inner}, [x], "one", id=cid))
    for seqs, padding, cf in itertools.product((False, True), ("valid", "same"), (False, True)):
        cfg = {
            "filters": 3,
            "kernel_size": 3,
            "padding": padding,
            "return_sequences": seqs,
            "data_format": _fmt(cf),
        }
        x = (None, 4, 2, 9, 8) if cf else (None, 4, 9, 8, 2)
        cid = f"ConvLSTM2D-seq{seqs}-{padding}-{'cf' if cf else 'cl'}"
        cases.append(pytest.param("ConvLSTM2D", cfg, [x], "one", id=cid))
    cfg = {"filters": 3, "kernel_size": 3, "return_sequences": True}
    cases.append(pytest.param("ConvLSTM1D", cfg, [(None, 4, 9, 2)], "one", id="ConvLSTM1D"))
    return cases


def _attention_cases() -> list[Any]:
    cases = []
    q, v = (None, 5, 8), (None, 7, 6)
    for out_shape in (None, 10, [2, 3]):
        cfg = {"num_heads": 2, "key_dim": 4, "output_shape": out_shape}
        cid = f"MultiHeadAttention-out{json.dumps(out_shape)}"
        cases.append(pytest.param("MultiHeadAttention", cfg, [q, v], "args", id=cid))
    cfg = {"num_heads": 2, "key_dim": 4}
    cases.append(
        pytest.param(
            "MultiHeadAttention", cfg, [(None, 4, 5, 8), (None, 4, 5, 8)], "args", id="MHA-rank4"
        )
    )
    for name in ("Attention", "AdditiveAttention"):
        cases.append(pytest.param(name, {}, [(None, 5, 8), (None, 7, 8)], "list", id=name))
    return cases


KERAS_CASES = (
    _conv_cases()
    + _separable_depthwise_cases()
    + _transpose_cases()
    + _pool_cases()
    + _global_pool_cases()
    + _core_cases()
    + _padding_cases()
    + _merge_cases()
    + _normalization_and_identity_cases()
    + _rnn_cases()
    + _attention_cases()
)


# ===========================================================================
# Keras comparison
# ===========================================================================


@pytest.fixture(scope="module")
def keras() -> Any:
    return pytest.importorskip("keras")


def _keras_output_shape(keras: Any, class_name: str, config: dict, inputs: list, call: str):
    """The shape the real Keras layer produces when called symbolically."""
    # from_config may mutate nested dicts (Bidirectional does), so copy.
    layer = getattr(keras.layers, class_name).from_config(copy.deepcopy(config))
    if call == "input":
        return tuple(layer.output.shape)
    if call == "shape":
        return tuple(layer.compute_output_shape(inputs[0]))
    tensors = [keras.KerasTensor(shape) for shape in inputs]
    if call == "list":
        out = layer(tensors)
    elif call == "args":
        out = layer(*tensors)
    else:
        out = layer(tensors[0])
    if isinstance(out, (list, tuple)):  # return_state / merge_mode=None
        out = out[0]
    return tuple(out.shape)


@pytest.mark.parametrize(("class_name", "config", "inputs", "call"), KERAS_CASES)
def test_matches_keras(keras: Any, class_name: str, config: dict, inputs: list, call: str) -> None:
    expected = _keras_output_shape(keras, class_name, config, inputs, call)
    # Round-trip through JSON: that is the form the linter actually reads.
    config_json = json.loads(json.dumps(config))
    assert infer_output_shape(class_name, config_json, inputs) == expected


def test_sequential_cnn_chain_matches_keras(keras: Any) -> None:
    """Every layer of a small CNN, fed the previous inferred shape, from to_json()."""
    model = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
            keras.layers.BatchNormalization(),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(16, 5, strides=2),
            keras.layers.ZeroPadding2D(((1, 0), (0, 2))),
            keras.layers.DepthwiseConv2D(3, depth_multiplier=2),
            keras.layers.GlobalAveragePooling2D(keepdims=True),
            keras.layers.Flatten(),
            keras.layers.Dense(10),
        ]
    )
    layers_cfg = json.loads(model.to_json())["config"]["layers"]
    assert layers_cfg[0]["class_name"] == "InputLayer"
    shape = infer_output_shape("InputLayer", layers_cfg[0]["config"], [])
    assert shape == (None, 32, 32, 3)
    for layer_cfg, layer in zip(layers_cfg[1:], model.layers, strict=True):
        shape = infer_output_shape(layer_cfg["class_name"], layer_cfg["config"], [shape])
        assert shape == tuple(layer.output.shape), layer.name
    # The nested-Sequential handler chains the same layers in one call.
    nested = json.loads(model.to_json())["config"]
    assert infer_output_shape("Sequential", nested, []) == tuple(model.layers[-1].output.shape)


@pytest.mark.parametrize(
    ("class_name", "config", "x", "expected"),
    [
        pytest.param(
            "Conv2D",
            {"filters": 2, "kernel_size": 3},
            (None, 2, 2, 3),
            (None, 0, 0, 2),
            id="conv-3x3-on-2x2",
        ),
        pytest.param(
            "Conv2D",
            {"filters": 2, "kernel_size": [5, 1]},
            (None, 2, 4, 3),
            (None, -2, 4, 2),
            id="conv-5x1-on-2x4",
        ),
        pytest.param(
            "Conv1D",
            {"filters": 2, "kernel_size": 3, "dilation_rate": 3},
            (None, 6, 1),
            (None, 0, 2),
            id="conv-dilated",
        ),
        pytest.param(
            "MaxPooling2D", {"pool_size": 3}, (None, 2, 5, 1), (None, 0, 1, 1), id="pool-3-on-2"
        ),
        pytest.param(
            "Cropping2D",
            {"cropping": [[2, 2], [0, 0]]},
            (None, 3, 5, 1),
            (None, -1, 5, 1),
            id="crop-too-much",
        ),
    ],
)
def test_collapse_where_keras_raises(
    keras: Any, class_name: str, config: dict, x: Shape, expected: Shape
) -> None:
    """Keras raises on a collapsed size; we report the computed value instead."""
    with pytest.raises(ValueError):
        _keras_output_shape(keras, class_name, config, [x], "one")
    assert infer_output_shape(class_name, config, [x]) == expected


def test_keras_quirk_uppercase_pool_padding(keras: Any) -> None:
    """Keras 3 pooling doesn't lowercase ``padding`` (its docs say it is case
    insensitive); compute_output_shape then raises. Older files do say "SAME"."""
    layer = keras.layers.MaxPooling2D(padding="SAME")
    with pytest.raises(ValueError):
        layer.compute_output_shape((None, 7, 7, 3))
    lower = _keras_output_shape(
        keras, "MaxPooling2D", {"padding": "same"}, [(None, 7, 7, 3)], "one"
    )
    assert infer_output_shape("MaxPooling2D", {"padding": "SAME"}, [(None, 7, 7, 3)]) == lower


def test_keras_quirk_depthwise_unknown_channels(keras: Any) -> None:
    """Keras multiplies depth_multiplier by None and raises TypeError."""
    layer = keras.layers.DepthwiseConv2D(3)
    with pytest.raises(TypeError):
        layer.compute_output_shape((None, 8, 8, None))
    got = infer_output_shape("DepthwiseConv2D", {"kernel_size": 3}, [(None, 8, 8, None)])
    assert got == (None, 6, 6, None)


def test_keras_quirk_bidirectional_custom_backward_width(keras: Any) -> None:
    """Keras's symbolic shape doubles the forward width; the real output is fwd + bwd."""
    import numpy as np

    config = {
        "layer": _inner("LSTM", units=4, return_sequences=True),
        "backward_layer": _inner("LSTM", units=6, return_sequences=True, go_backwards=True),
    }
    symbolic = _keras_output_shape(keras, "Bidirectional", config, [(None, 9, 3)], "one")
    assert symbolic == (None, 9, 8)
    layer = keras.layers.Bidirectional.from_config(copy.deepcopy(config))
    eager = tuple(layer(np.zeros((2, 9, 3), "float32")).shape)
    assert eager == (2, 9, 10)
    assert infer_output_shape("Bidirectional", config, [(2, 9, 3)]) == eager


# ===========================================================================
# Pure-Python tests (no Keras needed)
# ===========================================================================

_TD_DENSE = {"layer": {"class_name": "Dense", "config": {"units": 4}}}


@pytest.mark.parametrize(
    ("class_name", "config", "inputs"),
    [
        pytest.param("Conv2D", {"kernel_size": 3}, [(None, 8, 8, 3)], id="conv-no-filters"),
        pytest.param("Conv2D", {"filters": 4}, [(None, 8, 8, 3)], id="conv-no-kernel"),
        pytest.param(
            "Conv2D", {"filters": 4, "kernel_size": "3"}, [(None, 8, 8, 3)], id="kernel-str"
        ),
        pytest.param(
            "Conv2D", {"filters": 4, "kernel_size": [3]}, [(None, 8, 8, 3)], id="kernel-wrong-len"
        ),
        pytest.param(
            "Conv2D", {"filters": 4, "kernel_size": -3}, [(None, 8, 8, 3)], id="kernel-negative"
        ),
        pytest.param(
            "Conv2D",
            {"filters": 4, "kernel_size": 3, "strides": 0},
            [(None, 8, 8, 3)],
            id="strides-zero",
        ),
        pytest.param(
            "Conv2D",
            {"filters": 4, "kernel_size": 3, "padding": "reflect"},
            [(None, 8, 8, 3)],
            id="padding-unknown",
        ),
        pytest.param(
            "Conv2D",
            {"filters": 4, "kernel_size": 3, "padding": 3},
            [(None, 8, 8, 3)],
            id="padding-int",
        ),
        pytest.param(
            "Conv2D",
            {"filters": 4, "kernel_size": 3, "padding": "causal"},
            [(None, 8, 8, 3)],
            id="causal-2d",
        ),
        pytest.param(
            "Conv2D",
            {"filters": 4, "kernel_size": 3, "data_format": "NHWC"},
            [(None, 8, 8, 3)],
            id="data-format-bad",
        ),
        pytest.param(
            "Conv2D", {"filters": True, "kernel_size": 3}, [(None, 8, 8, 3)], id="filters-bool"
        ),
        pytest.param(
            "Conv2D", {"filters": 4, "kernel_size": 3}, [(None, 8, 3)], id="conv-wrong-rank"
        ),
        pytest.param(
            "Conv2DTranspose",
            {"filters": 4, "kernel_size": 3, "output_padding": -1},
            [(None, 8, 8, 3)],
            id="output-padding-negative",
        ),
        pytest.param(
            "DepthwiseConv2D",
            {"kernel_size": 3, "depth_multiplier": 0},
            [(None, 8, 8, 3)],
            id="depth-multiplier-zero",
        ),
        pytest.param(
            "MaxPooling2D", {"pool_size": [2, 2, 2]}, [(None, 8, 8, 3)], id="pool-wrong-len"
        ),
        pytest.param("MaxPooling2D", {"strides": 0}, [(None, 8, 8, 3)], id="pool-strides-zero"),
        pytest.param("Dense", {"units": 0}, [(None, 3)], id="dense-units-zero"),
        pytest.param("Dense", {"units": "8"}, [(None, 3)], id="dense-units-str"),
        pytest.param("Dense", {"units": 8}, [(None,)], id="dense-rank1"),
        pytest.param("Dense", {}, [(None, 3)], id="dense-no-units"),
        pytest.param("Reshape", {"target_shape": [-1, -1]}, [(None, 4)], id="reshape-two-minus1"),
        pytest.param("Reshape", {"target_shape": [3, 3]}, [(None, 4)], id="reshape-size-mismatch"),
        pytest.param("Reshape", {"target_shape": [-1, 3]}, [(None, 4)], id="reshape-indivisible"),
        pytest.param("Reshape", {"target_shape": "abc"}, [(None, 4)], id="reshape-str"),
        pytest.param("Permute", {"dims": [1, 1]}, [(None, 3, 4)], id="permute-dup"),
        pytest.param("Permute", {"dims": [2, 1]}, [(None, 3, 4, 5)], id="permute-rank"),
        pytest.param(
            "ZeroPadding2D",
            {"padding": [[1, 2, 3], [1, 1]]},
            [(None, 4, 4, 1)],
            id="zeropad-triple",
        ),
        pytest.param("Cropping2D", {"cropping": -1}, [(None, 4, 4, 1)], id="crop-negative"),
        pytest.param("UpSampling2D", {"size": 0}, [(None, 4, 4, 1)], id="upsample-zero"),
        pytest.param("Concatenate", {"axis": 5}, [(None, 3), (None, 4)], id="concat-axis-oob"),
        pytest.param("Concatenate", {"axis": "x"}, [(None, 3), (None, 4)], id="concat-axis-str"),
        pytest.param("Concatenate", {}, [(None, 3, 4), (None, 5, 4)], id="concat-mismatch"),
        pytest.param("Concatenate", {}, [(None, 3, 4), (None, 4)], id="concat-rank-mismatch"),
        pytest.param("Add", {}, [(None, 3), (None, 4)], id="add-incompatible"),
        pytest.param("Add", {}, [(2, 3), (5, 3)], id="add-batch-conflict"),
        pytest.param("Subtract", {}, [(None, 3)] * 3, id="subtract-three"),
        pytest.param("Add", {}, [], id="add-no-inputs"),
        pytest.param("Dot", {"axes": 0}, [(None, 3), (None, 3)], id="dot-batch-axis"),
        pytest.param("Dot", {"axes": -1}, [(None, 3), (None, 4)], id="dot-mismatch"),
        pytest.param("Dot", {}, [(None, 3), (None, 3)], id="dot-no-axes"),
        pytest.param("Embedding", {"input_dim": 5}, [(None, 3)], id="embedding-no-output-dim"),
        pytest.param("LSTM", {"units": -3}, [(None, 5, 3)], id="lstm-units-negative"),
        pytest.param("LSTM", {"units": 3}, [(None, 5)], id="lstm-rank2"),
        pytest.param(
            "LSTM", {"units": 3, "return_sequences": "yes"}, [(None, 5, 3)], id="lstm-seq-str"
        ),
        pytest.param("Bidirectional", {}, [(None, 5, 3)], id="bidi-no-layer"),
        pytest.param(
            "Bidirectional",
            {"layer": _TD_DENSE["layer"], "merge_mode": "max"},
            [(None, 5, 3)],
            id="bidi-bad-merge",
        ),
        pytest.param("TimeDistributed", {"layer": "Dense"}, [(None, 5, 3)], id="td-layer-str"),
        pytest.param("TimeDistributed", _TD_DENSE, [(None, 5)], id="td-rank2"),
        pytest.param(
            "MultiHeadAttention", {"output_shape": "x"}, [(None, 5, 3)], id="mha-output-shape-str"
        ),
        pytest.param("InputLayer", {"batch_shape": "abc"}, [], id="input-str"),
        pytest.param("InputLayer", {"batch_shape": [None, -4]}, [], id="input-negative"),
        pytest.param("InputLayer", {}, [], id="input-empty"),
        pytest.param("BatchNormalization", {"axis": 4}, [(None, 3, 3)], id="bn-axis-oob"),
        pytest.param("Resizing", {"height": 5}, [(None, 8, 8, 3)], id="resizing-no-width"),
        pytest.param(
            "EinsumDense",
            {"equation": "ab,bc->ac", "output_shape": 4},
            [(None, 3)],
            id="einsum-unsupported",
        ),
        pytest.param("Lambda", {"function": "..."}, [(None, 3)], id="lambda"),
        pytest.param("MyCustomLayer", {}, [(None, 3)], id="unknown-class"),
        pytest.param("Dense", None, [(None, 3)], id="config-none"),
        pytest.param("Dense", [1, 2], [(None, 3)], id="config-list"),
        pytest.param(None, {"units": 3}, [(None, 3)], id="class-none"),
        pytest.param("Dense", {"units": 3}, None, id="inputs-none"),
        pytest.param("Dense", {"units": 3}, "abc", id="inputs-str"),
        pytest.param("Dense", {"units": 3}, [(None, "3")], id="dim-str"),
        pytest.param("Dense", {"units": 3}, [(None, 3.0)], id="dim-float"),
        pytest.param("Dense", {"units": 3}, [None], id="input-shape-none"),
        pytest.param("Dense", {"units": 3}, [5], id="input-shape-int"),
    ],
)
def test_malformed_returns_none(class_name: Any, config: Any, inputs: Any) -> None:
    assert infer_output_shape(class_name, config, inputs) is None


def test_pathologically_deep_wrappers_do_not_raise() -> None:
    config: dict[str, Any] = {"units": 2}
    cls = "Dense"
    for _ in range(5000):
        config, cls = {"layer": {"class_name": cls, "config": config}}, "TimeDistributed"
    assert infer_output_shape(cls, config, [(None,) * 3]) is None  # RecursionError swallowed


@pytest.mark.parametrize(
    ("class_name", "config", "inputs", "expected"),
    [
        pytest.param(
            "Conv2D",
            {"filters": 4, "kernel_size": 3},
            [(None, None, 8, 3)],
            (None, None, 6, 4),
            id="conv-unknown-height",
        ),
        pytest.param(
            "Conv2D",
            {"filters": 4, "kernel_size": 3},
            [(7, 8, 8, None)],
            (7, 6, 6, 4),
            id="conv-unknown-channels",
        ),
        pytest.param("MaxPooling1D", {}, [(3, None, 2)], (3, None, 2), id="pool-unknown-steps"),
        pytest.param("Dense", {"units": 5}, [(None, None, 3)], (None, None, 5), id="dense"),
        pytest.param("Dense", {"units": 5}, [(None, 4, None)], (None, 4, 5), id="dense-unknown-in"),
        pytest.param(
            "Concatenate",
            {"axis": 1},
            [(None, None, 3), (None, 2, 3)],
            (None, None, 3),
            id="concat-unknown-axis",
        ),
        pytest.param(
            "Concatenate",
            {},
            [(None, None, 3), (None, 2, 4)],
            (None, None, 7),
            id="concat-unknown-other",
        ),
        pytest.param("Flatten", {}, [(None, 3, None)], (None, None), id="flatten"),
        pytest.param(
            "Reshape", {"target_shape": [-1, 2]}, [(None, None, 4)], (None, None, 2), id="reshape"
        ),
        pytest.param(
            "UpSampling2D", {"size": 2}, [(None, None, 3, 1)], (None, None, 6, 1), id="upsampling"
        ),
        pytest.param(
            "ZeroPadding1D", {"padding": 1}, [(None, None, 1)], (None, None, 1), id="zeropad"
        ),
        pytest.param(
            "Conv2D",
            {"filters": 4, "kernel_size": 3},
            [(None, -1, 8, 3)],
            (None, None, 6, 4),
            id="negative-input-dim-is-unknown",
        ),
    ],
)
def test_unknown_dims_propagate_per_axis(
    class_name: str, config: dict, inputs: list, expected: Shape
) -> None:
    assert infer_output_shape(class_name, config, inputs) == expected


@pytest.mark.parametrize(
    ("class_name", "config", "x", "expected"),
    [
        pytest.param(
            "Conv2D",
            {"filters": 2, "kernel_size": 3},
            (None, 2, 2, 3),
            (None, 0, 0, 2),
            id="conv-3x3-valid-2x2",
        ),
        pytest.param(
            "Conv2D",
            {"filters": 2, "kernel_size": 5},
            (None, 2, 9, 3),
            (None, -2, 5, 2),
            id="conv-5x5-valid-2x9",
        ),
        pytest.param(
            "Conv2D",
            {"filters": 2, "kernel_size": 3, "data_format": "channels_first"},
            (None, 3, 2, 9),
            (None, 2, 0, 7),
            id="conv-cf",
        ),
        pytest.param(
            "Conv1D",
            {"filters": 2, "kernel_size": 3, "padding": "same"},
            (None, 2, 3),
            (None, 2, 2),
            id="same-never-collapses",
        ),
        pytest.param("AveragePooling1D", {"pool_size": 4}, (None, 3, 1), (None, 0, 1), id="pool"),
        pytest.param("Cropping1D", {"cropping": [2, 3]}, (None, 4, 1), (None, -1, 1), id="crop"),
        pytest.param(
            "Cropping3D", {"cropping": 1}, (None, 2, 3, 4, 1), (None, 0, 1, 2, 1), id="crop3d"
        ),
    ],
)
def test_collapse_gives_non_positive_dim(
    class_name: str, config: dict, x: Shape, expected: Shape
) -> None:
    assert infer_output_shape(class_name, config, [x]) == expected


def test_wrappers() -> None:
    lstm = {"class_name": "LSTM", "config": {"units": 4, "return_sequences": True}}
    x = (None, 10, 3)
    assert infer_output_shape("Bidirectional", {"layer": lstm}, [x]) == (None, 10, 8)
    for mode in ("sum", "mul", "ave", None):
        got = infer_output_shape("Bidirectional", {"layer": lstm, "merge_mode": mode}, [x])
        assert got == (None, 10, 4), mode
    gru_last = {"class_name": "GRU", "config": {"units": 3, "return_state": True}}
    assert infer_output_shape("Bidirectional", {"layer": gru_last}, [x]) == (None, 6)
    conv = {"class_name": "Conv2D", "config": {"filters": 5, "kernel_size": [3, 3]}}
    td = infer_output_shape("TimeDistributed", {"layer": conv}, [(2, 7, 9, 9, 3)])
    assert td == (2, 7, 7, 7, 5)
    nested = {"layer": {"class_name": "TimeDistributed", "config": _TD_DENSE}}
    got = infer_output_shape("TimeDistributed", nested, [(None, 2, 3, 8)])
    assert got == (None, 2, 3, 4)
    # Bidirectional over a TimeDistributed-free sequence model with Keras 2 extras.
    keras2 = {
        "name": "bidirectional",
        "layer": {"class_name": "LSTM", "config": {"units": 2, "return_sequences": False}},
        "merge_mode": "concat",
    }
    assert infer_output_shape("Bidirectional", keras2, [(8, None, 3)]) == (8, 4)


def test_keras2_spellings() -> None:
    assert infer_output_shape("InputLayer", {"batch_input_shape": [None, 5, 3]}, []) == (
        None,
        5,
        3,
    )
    assert infer_output_shape("InputLayer", {"shape": [5], "batch_size": 4}, []) == (4, 5)
    cfg = {
        "filters": 4,
        "kernel_size": [3, 3],
        "strides": [1, 1],
        "padding": "SAME",
        "data_format": None,
        "dilation_rate": [1, 1],
    }
    assert infer_output_shape("Conv2D", cfg, [(None, 8, 8, 3)]) == (None, 8, 8, 4)
    pool = {"pool_size": [3, 3], "strides": None, "padding": "Valid", "data_format": None}
    assert infer_output_shape("MaxPooling2D", pool, [(None, 9, 9, 1)]) == (None, 3, 3, 1)
    assert infer_output_shape("BatchNormalization", {"axis": [3]}, [(None, 4, 4, 2)]) == (
        None,
        4,
        4,
        2,
    )
    assert infer_output_shape("LeakyReLU", {"alpha": 0.3}, [(None, 2)]) == (None, 2)
    assert infer_output_shape("CuDNNLSTM", {"units": 6}, [(None, 4, 2)]) == (None, 6)
    # Keras 2's "full" padding: output = ceil((n + k - 1) / s).
    full = {"filters": 1, "kernel_size": 3, "padding": "full"}
    assert infer_output_shape("Conv1D", full, [(None, 5, 1)]) == (None, 7, 1)
    # A pre-release Keras 3 tuple wrapper.
    wrapped = {"filters": 1, "kernel_size": {"class_name": "__tuple__", "config": {"value": [3]}}}
    assert infer_output_shape("Conv1D", wrapped, [(None, 5, 1)]) == (None, 3, 1)
    assert infer_output_shape("InputLayer", {}, [(None, 7)]) == (None, 7)


def test_channels_first() -> None:
    cf = {"data_format": "channels_first"}
    conv = {"filters": 6, "kernel_size": 3, "strides": 2, **cf}
    assert infer_output_shape("Conv2D", conv, [(None, 3, 11, 9)]) == (None, 6, 5, 4)
    assert infer_output_shape("MaxPooling2D", cf, [(None, 3, 11, 9)]) == (None, 3, 5, 4)
    assert infer_output_shape("UpSampling2D", cf, [(None, 3, 4, 5)]) == (None, 3, 8, 10)
    assert infer_output_shape("ZeroPadding2D", cf, [(None, 3, 4, 5)]) == (None, 3, 6, 7)
    assert infer_output_shape("GlobalAveragePooling2D", cf, [(None, 3, 4, 5)]) == (None, 3)
    resize = {"height": 2, "width": 3, **cf}
    assert infer_output_shape("Resizing", resize, [(None, 3, 8, 8)]) == (None, 3, 2, 3)
    dw = {"kernel_size": 1, "depth_multiplier": 2, **cf}
    assert infer_output_shape("DepthwiseConv2D", dw, [(None, 3, 8, 8)]) == (None, 6, 8, 8)
    # data_format is case-insensitive in Keras.
    assert infer_output_shape(
        "MaxPooling1D", {"data_format": "CHANNELS_FIRST"}, [(None, 3, 8)]
    ) == (None, 3, 4)


def test_spatial_window_values() -> None:
    assert spatial_window("Conv2D", {"filters": 3, "kernel_size": 3}) == Window(
        size=(3, 3),
        strides=(1, 1),
        padding="valid",
        dilation=(1, 1),
        channels_first=False,
        rank=2,
    )
    w = spatial_window(
        "Conv1D",
        {"kernel_size": [5], "strides": 2, "padding": "CAUSAL", "dilation_rate": [1]},
    )
    assert w == Window((5,), (2,), "causal", (1,), False, 1)
    w = spatial_window(
        "Conv3DTranspose",
        {"kernel_size": [1, 2, 3], "strides": [1, 2, 1], "data_format": "channels_first"},
    )
    assert w == Window((1, 2, 3), (1, 2, 1), "valid", (1, 1, 1), True, 3)
    assert spatial_window("DepthwiseConv2D", {"kernel_size": 3, "dilation_rate": 2}) == Window(
        (3, 3), (1, 1), "valid", (2, 2), False, 2
    )
    # Pooling: strides default to pool_size, no dilation, pool_size defaults to 2.
    assert spatial_window("MaxPool2D", {"pool_size": [3, 2], "strides": None}) == Window(
        (3, 2), (3, 2), "valid", (1, 1), False, 2
    )
    assert spatial_window("AveragePooling1D", {"padding": "Same"}) == Window(
        (2,), (2,), "same", (1,), False, 1
    )
    for name in ("Dense", "GlobalMaxPooling2D", "TimeDistributed", "ConvLSTM2D", "Flatten"):
        assert spatial_window(name, {"kernel_size": 3, "pool_size": 2}) is None
    assert spatial_window("Conv2D", {"kernel_size": 3, "padding": "causal"}) is None
    assert spatial_window("Conv2D", {"kernel_size": [3, 3, 3]}) is None
    assert spatial_window("MaxPooling2D", {"padding": "full"}) is None
    assert spatial_window("Conv2D", None) is None  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        w.rank = 3  # type: ignore[misc]  # frozen


def test_spatial_dims() -> None:
    assert spatial_dims((None, 28, 27, 3), channels_first=False) == (28, 27)
    assert spatial_dims((None, 3, 28, 27), channels_first=True) == (28, 27)
    assert spatial_dims((4, None, 3), channels_first=False) == (None,)
    assert spatial_dims((None, 3), channels_first=False) is None
    assert spatial_dims([None, 0, -2, 8], channels_first=False) == (0, -2)  # collapse kept
    assert spatial_dims(("a", 3, 3), channels_first=False) is None  # type: ignore[arg-type]
    assert spatial_dims(None, channels_first=False) is None  # type: ignore[arg-type]


def test_import_does_not_pull_numpy() -> None:
    code = (
        "import sys, modelcheck.graph.shapes as s; "
        "assert s.infer_output_shape('Dense', {'units': 2}, [(None, 3)]) == (None, 2); "
        "bad = sorted(m for m in ('numpy', 'keras', 'tensorflow') if m in sys.modules); "
        "print(','.join(bad))"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == ""
