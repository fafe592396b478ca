"""One normalised name per nonlinearity, so rules never care how an activation was written.

``Dense(activation="softmax")``, ``Activation("softmax")`` and ``Softmax()`` all become
``"softmax"``; ``activation="relu"`` and ``ReLU()`` both become ``"relu"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

LINEAR = "linear"

_ALIASES = {
    None: LINEAR,
    "": LINEAR,
    "linear": LINEAR,
    "identity": LINEAR,
    "swish": "silu",
    "hard_swish": "hard_silu",
    "leakyrelu": "leaky_relu",
    "leaky_relu": "leaky_relu",
    "relu6": "relu6",
    "logsoftmax": "log_softmax",
}

#: TensorFlow's activation functions by the names Keras 3 saves them under (``tf.nn.softmax``
#: is ``softmax_v2``, ``tf.nn.silu`` is ``swish``).
_TF_FUNCTIONS = {
    "softmax_v2": "softmax", "log_softmax_v2": "log_softmax", "softmax": "softmax",
    "log_softmax": "log_softmax", "swish": "silu", "silu": "silu", "relu": "relu",
    "relu6": "relu6", "sigmoid": "sigmoid", "tanh": "tanh", "elu": "elu", "selu": "selu",
    "softplus": "softplus", "softsign": "softsign", "gelu": "gelu", "leaky_relu": "leaky_relu",
}  # fmt: skip

#: Activations whose output is a probability distribution over the last axis.
SOFTMAX_LIKE = frozenset({"softmax", "log_softmax", "sparsemax"})
#: Bounded activations that squash their input into a narrow interval and saturate.
SQUASHING = frozenset({"sigmoid", "tanh", "hard_sigmoid", "softsign", "hard_tanh", "log_sigmoid"})
#: Output ranges that cannot cover all real targets.
BOUNDED_BELOW = frozenset(
    {"relu", "relu6", "softplus", "exponential", "elu", "selu", "celu", "thresholded_relu"}
)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake(name: str) -> str:
    """``HardSigmoid`` -> ``hard_sigmoid``."""
    return _CAMEL.sub("_", name).lower()


def normalize(value: Any) -> str:
    """Normalise an ``activation`` config value (string, ``None`` or serialized object).

    Unknown/custom activations come back as ``"custom:<name>"`` and count as nonlinear.
    """
    if isinstance(value, Mapping):
        cls = value.get("class_name")
        cfg = value.get("config")
        # Keras 3 serialises plain functions as {"class_name": "function", "config": "relu"}.
        if cls == "function" and isinstance(cfg, str):
            name = cfg
            module = str(value.get("module") or "")
            if module and not module.startswith("keras"):
                # ``activation=tf.nn.softmax``: Keras 3 writes TensorFlow's function by its
                # own name (softmax_v2) in module "builtins"; it is still that activation
                known = _TF_FUNCTIONS.get(name)
                if known is None or not (module == "builtins" or module.startswith("tensorflow")):
                    return f"custom:{name}"
                name = known
        elif isinstance(cls, str):
            return f"custom:{cls}"
        else:
            return "custom:?"
        value = name
    if value is None:
        return LINEAR
    if not isinstance(value, str):
        return "custom:?"
    key = value.strip()
    # "keras.activations.relu" / "tf.nn.relu" style names keep only the function name.
    key = key.rsplit(".", 1)[-1]
    key = snake(key) if key and key[0].isupper() else key.lower()
    return _ALIASES.get(key, key)


def is_linear(act: str | None) -> bool:
    return act is None or act == LINEAR


def is_nonlinear(act: str | None) -> bool:
    return not is_linear(act)


def is_softmax(act: str | None) -> bool:
    return act in SOFTMAX_LIKE


def output_range(act: str | None) -> str:
    """A short human description of an activation's output range."""
    return {
        "sigmoid": "(0, 1)",
        "hard_sigmoid": "[0, 1]",
        "tanh": "(-1, 1)",
        "softsign": "(-1, 1)",
        "relu": "[0, inf)",
        "relu6": "[0, 6]",
        "softplus": "(0, inf)",
        "exponential": "(0, inf)",
        "softmax": "(0, 1), summing to 1",
        "elu": "(-1, inf)",
        "selu": "(-1.76, inf)",
    }.get(act or LINEAR, "(-inf, inf)")
