"""Which Keras objects a model file may name: the one allowlist of the security scan.

A Keras 3 config names every object it wants rebuilt by module and name. For a public Keras
module (``keras.layers``, ``keras.utils``, ...), Keras resolves the name through its export
table, even in ``safe_mode``, and hands the result to whoever asked for it. When a
``Lambda`` layer asks, Keras calls the result with the layer's input and the ``arguments``
the file gives. That makes every exported Keras function a possible gadget: with
``keras.visualization.plot_image_gallery`` and a ``path`` argument a file writes files on the
loading machine; ``keras.datasets.*.load_data`` downloads, ``keras.saving.KerasFileEditor``
reads outside files, ``keras.layers.TFSMLayer`` called as a function skips the safe-mode
check of its own ``from_config``. Keras's ``NON_MODELING_APIS`` denylist names 26 of them;
an allowlist is the only safe direction, so this module says what a model *may* name and
:mod:`modelcheck.graph.hazards` reports everything else.

Allowed: model parts (layers, losses, metrics, optimizers and schedules, initializers,
regularizers, constraints, dtype policies, quantizers) and pure tensor functions
(``keras.ops``, ``keras.activations``, ``keras.random``, loss and metric functions,
applications' ``preprocess_input``). Not allowed, even inside those modules: the
``get``/``serialize``/``deserialize`` helpers, which rebuild further objects from their
arguments. Internal paths (``keras.src.*``) are left to Keras, which imports from them only
classes that subclass ``KerasSaveable``.

The lists were read off Keras 3.15's export table; tests/graph/test_allowlist.py checks them
against the installed Keras (every allowed name exists and is what this module says it is,
and Keras's own denylist is covered).
"""

from __future__ import annotations

#: Packages whose objects Keras itself deserializes.
KERAS_PACKAGES = frozenset({"keras", "tf_keras", "keras_hub", "keras_cv", "keras_nlp"})
#: Keras APIs that Keras refuses to deserialize since 3.11/3.15 (``NON_MODELING_APIS`` in
#: ``keras/src/saving/serialization_lib.py``): file and network access, unsafe mode.
#: Matched by their last name, whatever module path the file gives.
NON_MODELING_NAMES = frozenset(
    {
        "clear_session",
        "enable_unsafe_deserialization",
        "load_model",
        "model_from_json",
        "model_from_yaml",
        "save_model",
        "image_dataset_from_directory",
        "text_dataset_from_directory",
        "audio_dataset_from_directory",
        "timeseries_dataset_from_array",
        "load_img",
        "save_img",
        "deserialize_keras_object",
        "serialize_keras_object",
        "load_weights",
        "save_weights",
        "register_keras_serializable",
        "get_file",
        "get_custom_objects",
    }
)
#: Public Keras modules whose exported symbols are model parts or pure tensor functions.
MODEL_MODULES = frozenset(
    {
        "keras.layers",
        "keras.losses",
        "keras.metrics",
        "keras.optimizers",
        "keras.optimizers.schedules",
        "keras.optimizers.legacy",
        "keras.initializers",
        "keras.regularizers",
        "keras.constraints",
        "keras.activations",
        "keras.ops",
        "keras.ops.image",
        "keras.ops.linalg",
        "keras.ops.nn",
        "keras.ops.numpy",
        "keras.random",
        "keras.dtype_policies",
        "keras.mixed_precision",
        "keras.quantizers",
        "keras.distillation",
    }
)
#: Modules from :data:`MODEL_MODULES` whose *functions* are pure tensor operations, so a
#: file may name them as functions (``{"class_name": "function", ...}``), e.g. as a Lambda's.
FUNCTION_MODULES = frozenset(
    {m for m in MODEL_MODULES if m.startswith("keras.ops")}
    | {"keras.activations", "keras.losses", "keras.metrics", "keras.random"}
)
#: Single public symbols outside those modules that real models name.
MODEL_SYMBOLS = frozenset(
    {
        "keras.Sequential",
        "keras.Model",
        "keras.DTypePolicy",
        "keras.FloatDTypePolicy",
        "keras.Layer",
        "keras.Loss",
        "keras.Metric",
        "keras.Optimizer",
        "keras.Initializer",
        "keras.Regularizer",
        "keras.Quantizer",
        "keras.InputSpec",
        "keras.Variable",
        "keras.models.Sequential",
        "keras.models.Model",
        "keras.utils.FeatureSpace",
    }
)
#: ``preprocess_input`` of every application module is a pure tensor function.
PREPROCESS = "preprocess_input"
#: Helpers that exist in most model modules and rebuild objects from their arguments.
REBUILDERS = frozenset({"get", "serialize", "deserialize"})
#: Functions Keras finds for ``{"module": "builtins", "class_name": "function"}`` by name
#: in ``keras.{activations, constraints, initializers, losses, metrics, optimizers,
#: regularizers}`` (``BUILTIN_MODULES`` in Keras's serialization_lib), without the
#: :data:`REBUILDERS`. This is how Keras 3 writes every public function it saves:
#: ``Lambda(keras.ops.relu)`` is stored as ``builtins``/``relu``.
BUILTIN_FUNCTIONS = frozenset(
    {
        "binary_accuracy",
        "binary_crossentropy",
        "binary_focal_crossentropy",
        "categorical_accuracy",
        "categorical_crossentropy",
        "categorical_focal_crossentropy",
        "categorical_generalized_cross_entropy",
        "categorical_hinge",
        "celu",
        "circle",
        "concordance_correlation",
        "cosine_similarity",
        "ctc",
        "dice",
        "elu",
        "exponential",
        "gelu",
        "glu",
        "hard_shrink",
        "hard_sigmoid",
        "hard_silu",
        "hard_tanh",
        "hinge",
        "huber",
        "kl_divergence",
        "leaky_relu",
        "linear",
        "log_cosh",
        "log_sigmoid",
        "log_softmax",
        "mean_absolute_error",
        "mean_absolute_percentage_error",
        "mean_squared_error",
        "mean_squared_logarithmic_error",
        "mish",
        "pearson_correlation",
        "poisson",
        "relu",
        "relu6",
        "selu",
        "sigmoid",
        "silu",
        "soft_shrink",
        "softmax",
        "softplus",
        "softsign",
        "sparse_categorical_accuracy",
        "sparse_categorical_crossentropy",
        "sparse_plus",
        "sparse_sigmoid",
        "sparse_top_k_categorical_accuracy",
        "sparsemax",
        "squared_hinge",
        "squareplus",
        "tanh",
        "tanh_shrink",
        "threshold",
        "top_k_categorical_accuracy",
        "tversky",
    }
)


def _public(module: str) -> str | None:
    """``module`` as a public Keras path (``tf_keras`` spelled ``keras``), or ``None`` for a
    module Keras resolves through its own import path (``keras.src.*``, other packages)."""
    if module.startswith("tf_keras"):
        module = module[3:]
    if module != "keras" and not module.startswith("keras."):
        return None
    if module.startswith("keras.src.") or module == "keras.src":
        return None
    return module


def keras_symbol_allowed(module: str, name: str, *, function: bool) -> bool:
    """May a model file name ``module.name``?

    Args:
        module: the object's ``module`` in the config.
        name: its ``class_name``, or for ``class_name == "function"`` the function's name.
        function: the config asks for a function (``class_name == "function"``).

    Returns:
        ``True`` for model parts and pure tensor functions and for modules this allowlist
        does not judge (internal ``keras.src`` paths, other packages); ``False`` for every
        other public Keras symbol.
    """
    public = _public(module)
    if public is None:
        return True
    if name in REBUILDERS:
        return False
    if f"{public}.{name}" in MODEL_SYMBOLS:
        return not function
    if public.startswith("keras.applications") and name == PREPROCESS:
        return True
    if function:
        return public in FUNCTION_MODULES
    return public in MODEL_MODULES


def builtin_function_allowed(name: str) -> bool:
    """Is ``{"module": "builtins", "class_name": "function", "config": name}`` a Keras
    built-in function (as Keras 3 writes ``keras.ops.relu``), not a rebuilder?"""
    return name in BUILTIN_FUNCTIONS
