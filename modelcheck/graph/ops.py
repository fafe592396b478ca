"""Operations in Functional graphs: what Keras writes for ``keras.ops.relu(x)`` and friends.

A Keras 3 Functional model that calls an operation on a symbolic tensor (``keras.ops.relu``,
``ops.mean``, ``x * y``) saves it as a node of its own: class ``Relu``, ``Mean``,
``Multiply``, module ``keras.src.ops.nn`` / ``keras.src.ops.numpy`` (``keras.ops`` in some
versions). tf_keras writes TensorFlow calls in a functional model as ``TFOpLambda`` layers
whose config names the function (``"nn.relu"``, ``"math.reduce_mean"``,
``"__operators__.add"``). Both are known operations, not custom code: this module says what
each one is for the rules, an activation (with its normalised name), a linear or a
nonlinear operation; an operation not listed stays opaque.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelcheck.graph.layers import Kind

#: Modules Keras 3 writes operation nodes under.
OPS_MODULES = ("keras.src.ops", "keras.ops")

#: Activation operations (``keras.ops`` class names) and their normalised activation.
ACTIVATION_OPS = {
    "Relu": "relu", "Relu6": "relu6", "Sigmoid": "sigmoid", "Tanh": "tanh",
    "Softplus": "softplus", "Softsign": "softsign", "Silu": "silu", "Swish": "silu",
    "HardSigmoid": "hard_sigmoid", "HardSilu": "hard_silu", "HardSwish": "hard_silu",
    "LeakyRelu": "leaky_relu", "Elu": "elu", "Selu": "selu", "Gelu": "gelu", "Celu": "celu",
    "Glu": "glu", "LogSigmoid": "log_sigmoid", "Softmax": "softmax",
    "LogSoftmax": "log_softmax", "Sparsemax": "sparsemax", "SparsePlus": "sparse_plus",
    "Squareplus": "squareplus", "TanhShrink": "tanh_shrink", "SoftShrink": "soft_shrink",
    "HardShrink": "hard_shrink", "HardTanh": "hard_tanh", "Mish": "mish",
}  # fmt: skip

#: Operations that are affine in their tensor input or only move values (a mean is an
#: average pool; a max reduction counts as linear like max pooling does).
LINEAR_OPS = frozenset(
    {
        "Add", "Subtract", "Negative", "Mean", "Sum", "Max", "Min", "Average",
        "Reshape", "Transpose", "ExpandDims", "Squeeze", "Concatenate", "Stack", "Flip",
        "Roll", "Tile", "Repeat", "BroadcastTo", "Pad", "Slice", "GetItem", "Take",
        "TakeAlongAxis", "Cast", "Copy", "Flatten", "MoveAxis", "SwapAxes", "Ravel",
    }
)  # fmt: skip

#: Operations that are nonlinear in their inputs (gating, attention, elementwise functions).
NONLINEAR_OPS = frozenset(
    {
        "Multiply", "Divide", "TrueDivide", "Matmul", "Einsum", "Dot", "Tensordot", "Exp",
        "Log", "Sqrt", "Rsqrt", "Square", "Power", "Abs", "Erf", "Cos", "Sin", "Norm",
        "Maximum", "Minimum", "Clip", "Where", "Var", "Std", "Reciprocal", "Sign",
        "DotProductAttention", "Normalize", "LayerNorm", "RmsNormalization",
        "LayerNormalization",
    }
)  # fmt: skip

#: Every operation this module knows; none of them has weights.
ALL_OPS = frozenset(ACTIVATION_OPS) | LINEAR_OPS | NONLINEAR_OPS

#: tf_keras ``TFOpLambda`` function names (the part after the TensorFlow namespace) mapped to
#: the operation they are.
_TF_FUNCTIONS = {
    "relu": "Relu", "relu6": "Relu6", "sigmoid": "Sigmoid", "tanh": "Tanh",
    "softplus": "Softplus", "softsign": "Softsign", "silu": "Silu", "swish": "Silu",
    "elu": "Elu", "selu": "Selu", "gelu": "Gelu", "leaky_relu": "LeakyRelu",
    "softmax": "Softmax", "log_softmax": "LogSoftmax", "add": "Add", "subtract": "Subtract",
    "negative": "Negative", "reduce_mean": "Mean", "reduce_sum": "Sum", "reduce_max": "Max",
    "reduce_min": "Min", "reshape": "Reshape", "transpose": "Transpose",
    "expand_dims": "ExpandDims", "squeeze": "Squeeze", "concat": "Concatenate",
    "stack": "Stack", "tile": "Tile", "pad": "Pad", "cast": "Cast", "identity": "Copy",
    "multiply": "Multiply", "truediv": "Divide", "divide": "Divide", "matmul": "Matmul",
    "einsum": "Einsum", "exp": "Exp", "log": "Log", "sqrt": "Sqrt", "rsqrt": "Rsqrt",
    "square": "Square", "pow": "Power", "abs": "Abs", "maximum": "Maximum",
    "minimum": "Minimum", "clip_by_value": "Clip",
}  # fmt: skip


def operation_of(entry: Mapping[str, Any]) -> str | None:
    """The ``keras.ops`` operation a serialized layer entry is, or ``None`` if it is not an
    operation node (or an operation this module does not know)."""
    cls = entry.get("class_name")
    module = entry.get("module")
    if not isinstance(cls, str):
        return None
    if isinstance(module, str) and module.startswith(OPS_MODULES):
        registered = entry.get("registered_name")
        if registered not in (None, cls):
            return None
        return cls if cls in ACTIVATION_OPS or cls in LINEAR_OPS or cls in NONLINEAR_OPS else None
    if cls == "TFOpLambda" and module in (None, "tf_keras.layers", "keras.layers"):
        cfg = entry.get("config")
        function = cfg.get("function") if isinstance(cfg, Mapping) else None
        if isinstance(function, str):
            return _TF_FUNCTIONS.get(function.rsplit(".", 1)[-1].strip("_"))
    return None


def source_operation(qual: str) -> str | None:
    """The operation a call in source code is, by its qualified name: ``keras.ops.relu`` ->
    ``Relu``, ``tensorflow.nn.silu`` -> ``Silu``, ``tensorflow.reduce_mean`` -> ``Mean``."""
    parts = qual.split(".")
    if parts[:2] == ["keras", "ops"] and len(parts) > 2:
        op = "".join(w[:1].upper() + w[1:] for w in parts[-1].split("_"))
        return op if op in ALL_OPS else None
    if parts[0] == "tensorflow" and len(parts) > 1:
        return _TF_FUNCTIONS.get(parts[-1])
    return None


def kind_of_operation(op: str) -> tuple[Kind, str | None]:
    """The kind of an operation and, for activations, the normalised activation."""
    if op in ACTIVATION_OPS:
        return Kind.ACTIVATION, ACTIVATION_OPS[op]
    if op in LINEAR_OPS:
        return Kind.LINEAR, None
    return Kind.NONLINEAR, None


Shape = tuple[int | None, ...]

#: Operations whose output has their (single) input's shape.
_SAME_SHAPE = (frozenset(ACTIVATION_OPS) - {"Glu"}) | {
    "Exp", "Log", "Sqrt", "Rsqrt", "Square", "Abs", "Erf", "Cos", "Sin", "Negative", "Cast",
    "Copy", "Sign", "Reciprocal", "Clip",
}  # fmt: skip


def _same_shape(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    return shapes[0] if len(shapes) == 1 else None


def _reduction(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """``ops.mean(x, axis, keepdims)`` and the other reductions, when the config holds the
    axis (Keras 3 operation nodes do; tf_keras's TFOpLambda keeps it in the call)."""
    if len(shapes) != 1 or shapes[0] is None or "axis" not in config:
        return None
    shape, axis, keep = shapes[0], config.get("axis"), bool(config.get("keepdims", False))
    rank = len(shape)
    if axis is None:
        return tuple(1 for _ in shape) if keep else ()
    axes = axis if isinstance(axis, list) else [axis]
    if not all(isinstance(a, int) and not isinstance(a, bool) and -rank <= a < rank for a in axes):
        return None
    drop = {a % rank for a in axes}
    if keep:
        return tuple(1 if i in drop else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in drop)


#: Shape handlers for operation nodes, by operation (see :func:`operation_of`).
OPS_SHAPES = {
    **{op: _same_shape for op in _SAME_SHAPE},
    **{op: _reduction for op in ("Mean", "Sum", "Max", "Min", "Var", "Std")},
}
