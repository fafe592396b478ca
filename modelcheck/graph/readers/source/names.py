"""What an imported name means: every spelling of a Keras symbol mapped to one canonical name,
and a layer call's arguments mapped to Keras 3 config keys (Keras 1/2 names included)."""

from __future__ import annotations

from typing import Any

from modelcheck.graph.readers.source import keras_api_data as api

#: Import roots that are Keras: ``keras``, ``tensorflow.keras``, ``tf_keras``, and the
#: ``tensorflow.python.keras`` of old TensorFlow releases.
_KERAS_ROOTS = (
    ("tensorflow", "python", "keras"),
    ("tensorflow", "keras"),
    ("tf_keras",),
    ("keras",),
)

#: Keras 1/2 class names that Keras 3 spells differently.
LEGACY_LAYERS = {
    "Convolution1D": "Conv1D",
    "Convolution2D": "Conv2D",
    "Convolution3D": "Conv3D",
    "AtrousConvolution1D": "Conv1D",
    "AtrousConvolution2D": "Conv2D",
    "Deconvolution2D": "Conv2DTranspose",
    "Deconvolution3D": "Conv3DTranspose",
    "SeparableConvolution2D": "SeparableConv2D",
    "CuDNNLSTM": "LSTM",
    "CuDNNGRU": "GRU",
    "MaxoutDense": "Dense",
    "ThresholdedReLU": "ReLU",
}

#: Functional-style merge helpers (``layers.add([a, b])``) and the layer each one builds.
MERGE_FUNCTIONS = {
    "add": "Add",
    "subtract": "Subtract",
    "multiply": "Multiply",
    "average": "Average",
    "maximum": "Maximum",
    "minimum": "Minimum",
    "concatenate": "Concatenate",
    "dot": "Dot",
}

#: Keras 1/2 keyword names -> Keras 3 config keys (per layer family where they differ).
_RENAMES = {
    "border_mode": "padding",
    "subsample": "strides",
    "subsample_length": "strides",
    "init": "kernel_initializer",
    "W_regularizer": "kernel_regularizer",
    "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint",
    "b_constraint": "bias_constraint",
    "bias": "use_bias",
    "atrous_rate": "dilation_rate",
    "pool_length": "pool_size",
    "stride": "strides",
    "dim_ordering": "data_format",
    "nb_filter": "filters",
    "filter_length": "kernel_size",
    "p": "rate",
    "dropout_W": "dropout",
    "dropout_U": "recurrent_dropout",
    "inner_activation": "recurrent_activation",
    "inner_init": "recurrent_initializer",
    "forget_bias_init": "unit_forget_bias",
    "mode": "merge_mode",
}

#: TensorFlow 2 modules that are Keras's (``tf.losses.CategoricalCrossentropy``).
_TF_ALIASES = frozenset({"losses", "optimizers", "metrics", "initializers", "regularizers"})

#: Arguments that describe the model's input rather than the layer.
INPUT_ARGS = ("input_shape", "batch_input_shape", "input_dim", "input_length", "batch_shape")


def _split_root(parts: list[str]) -> list[str] | None:
    for root in _KERAS_ROOTS:
        if tuple(parts[: len(root)]) == root:
            rest = parts[len(root) :]
            if rest[:1] == ["src"]:
                rest = rest[1:]
            return rest
    return None


def canonical(qual: str) -> str:
    """``tf.keras.layers.core.Dense`` -> ``keras.layers.Dense``; ``keras.models.Sequential``
    -> ``keras.Sequential``; a name outside Keras comes back unchanged.

    The first component is the module as imported (``tensorflow`` for ``tf``)."""
    parts = qual.split(".")
    if parts[0] == "tensorflow" and len(parts) > 2 and parts[1] in _TF_ALIASES:
        parts = ["keras", *parts[1:]]  # tf.losses, tf.optimizers: TF 2's aliases of Keras's
    rest = _split_root(parts)
    if rest is None:
        return qual
    if not rest:
        return "keras"
    last = rest[-1]
    head = rest[0]
    if last in ("Sequential", "Model", "Functional"):
        return "keras.Model" if last == "Functional" else f"keras.{last}"
    if last in ("Input", "InputLayer") and head in ("layers", "engine", "Input", "InputLayer"):
        return "keras.Input" if last == "Input" else "keras.layers.InputLayer"
    if head == "layers" and len(rest) > 1:
        if last in MERGE_FUNCTIONS:
            return f"keras.layers.{last}"
        return f"keras.layers.{last}" if last[:1].isupper() else qual
    if head == "optimizers" and len(rest) > 1:
        if "schedules" in rest[1:-1]:
            return f"keras.optimizers.schedules.{last}"
        return f"keras.optimizers.{last}"
    if head in ("applications", "losses", "activations", "metrics") and len(rest) > 1:
        return f"keras.{head}.{last}"
    return "keras." + ".".join(rest)


def layer_class(name: str) -> str | None:
    """The canonical Keras 3 class of a layer name, or ``None`` if Keras has no such layer."""
    if name in LEGACY_LAYERS:
        return LEGACY_LAYERS[name]
    entry = api.LAYERS.get(name)
    return entry[0] if entry else None


def positional_params(table: dict[str, tuple[str, list[str]]], name: str) -> list[str]:
    entry = table.get(name)
    return list(entry[1]) if entry else []


def _legacy_positional(name: str, args: list[Any]) -> list[str] | None:
    """Positional parameters of Keras 1 signatures that differ from Keras 3
    (``Convolution2D(32, 3, 3)`` is a 3x3 kernel; ``Convolution2D(32, (3, 3))`` Keras 2)."""
    keras1 = len(args) >= 3 and all(isinstance(a, int) for a in args[1:3])
    if name in ("CuDNNLSTM", "CuDNNGRU", "MaxoutDense"):
        return ["units"]
    if not keras1:
        return None
    if name in ("Convolution2D", "AtrousConvolution2D", "Deconvolution2D"):
        return ["filters", "nb_row", "nb_col"]
    if name == "SeparableConvolution2D":
        return ["filters", "nb_row", "nb_col"]
    if name in ("Convolution3D",):
        return ["filters", "kernel_dim1", "kernel_dim2", "kernel_dim3"]
    if name in ("Convolution1D", "AtrousConvolution1D"):
        return ["filters", "kernel_size"]
    return None


def layer_arguments(
    written: str, args: list[Any], kwargs: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keras 3 config keys for one layer construction, and the input-shape arguments.

    ``written`` is the class name as the code wrote it (``Convolution2D``); positional
    arguments are named by the Keras signature; Keras 1/2 keywords are renamed."""
    canonical_name = layer_class(written) or written
    names = _legacy_positional(written, args) or positional_params(api.LAYERS, written)
    if not names:
        names = positional_params(api.LAYERS, canonical_name)
    config: dict[str, Any] = {}
    for key, value in zip(names, args):
        config[key] = value
    for key, value in kwargs.items():
        config[_rename(canonical_name, key)] = value
    _legacy_fixups(written, canonical_name, config)
    inputs = {k: config.pop(k) for k in INPUT_ARGS if k in config and canonical_name != "Embedding"}
    if canonical_name == "Embedding" and "input_length" in config:
        inputs["input_length"] = config.pop("input_length")
    for k in ("input_shape", "batch_input_shape", "input_dim", "batch_shape"):
        if canonical_name == "Embedding" and k in config:
            inputs[k] = config.pop(k)
    return config, inputs


def _rename(canonical_name: str, key: str) -> str:
    if key == "output_dim" and canonical_name != "Embedding":
        return "units"
    if key == "alpha" and canonical_name == "LeakyReLU":
        return "negative_slope"
    if key == "mode" and canonical_name not in ("Bidirectional",):
        return key
    return _RENAMES.get(key, key)


def _legacy_fixups(written: str, canonical_name: str, config: dict[str, Any]) -> None:
    """Keras 1 spellings whose meaning needs more than a rename."""
    if "nb_row" in config or "nb_col" in config:
        config["kernel_size"] = (config.pop("nb_row", None), config.pop("nb_col", None))
    if "kernel_dim1" in config:
        config["kernel_size"] = tuple(
            config.pop(k, None) for k in ("kernel_dim1", "kernel_dim2", "kernel_dim3")
        )
    fmt = config.get("data_format")
    if fmt in ("tf", "th"):
        config["data_format"] = "channels_last" if fmt == "tf" else "channels_first"
    if written == "ThresholdedReLU" and "theta" in config:
        config["threshold"] = config.pop("theta")
    if written.startswith("Atrous") and "dilation_rate" not in config:
        config["dilation_rate"] = 1


def call_arguments(params: list[str], args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Name the positional arguments of a call by a signature's parameter list."""
    out = dict(zip(params, args))
    out.update(kwargs)
    return out
