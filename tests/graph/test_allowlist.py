"""The allowlist of what a model file may name (modelcheck/graph/allowlist.py): gadgets are
reported wherever they sit, Keras-written models stay silent, and the lists match the
installed Keras."""

from __future__ import annotations

import importlib
import inspect

import pytest

import modelcheck
from modelcheck.graph import allowlist
from modelcheck.graph.hazards import HazardKind, classify_target, scan_config


def ref(module: str, name: str, *, function: bool = True) -> dict:
    if function:
        return {"module": module, "class_name": "function", "config": name, "registered_name": name}
    return {"module": module, "class_name": name, "config": {}, "registered_name": None}


def lambda_config(function: dict, arguments: dict | None = None) -> dict:
    lam = {
        "module": "keras.layers",
        "class_name": "Lambda",
        "config": {"name": "lam", "function": function, "arguments": arguments or {}},
    }
    return {"class_name": "Sequential", "config": {"name": "m", "layers": [lam]}}


def kinds(config: dict) -> set[HazardKind]:
    return {h.kind for h in scan_config(config)}


#: Public Keras symbols that are not model parts: each was tried as a gadget (writes files,
#: downloads, reads or lists outside files, rebuilds objects, changes global state).
GADGETS = [
    ("keras.visualization", "plot_image_gallery", True),
    ("keras.utils", "plot_model", True),
    ("keras.utils", "get_file", True),
    ("keras.datasets.mnist", "load_data", True),
    ("keras.datasets.imdb", "get_word_index", True),
    ("keras.saving", "KerasFileEditor", False),
    ("keras.saving", "KerasFileEditor", True),
    ("keras.layers", "TFSMLayer", True),  # the constructor skips from_config's check
    ("keras.layers", "deserialize", True),
    ("keras.activations", "deserialize", True),
    ("keras.optimizers", "get", False),
    ("keras.config", "set_floatx", True),
    ("keras.config", "enable_unsafe_deserialization", False),
    ("keras.legacy.saving", "deserialize_keras_object", True),
    ("keras._legacy.preprocessing.image", "DirectoryIterator", False),
    ("keras._legacy.backend", "set_value", True),
    ("keras.callbacks", "CSVLogger", False),
    ("keras.export", "ExportArchive", False),
    ("keras.applications.imagenet_utils", "decode_predictions", True),
    ("keras.utils", "set_random_seed", True),
    ("keras.distribution", "initialize", True),
    ("keras.models", "clone_model", True),
    ("keras", "version", True),
    ("tf_keras.utils", "get_file", True),
]


@pytest.mark.parametrize(("module", "name", "function"), GADGETS)
def test_gadgets_are_unsafe_references_wherever_they_sit(module, name, function):
    target = ref(module, name, function=function)
    assert classify_target(module, name, function=function) is HazardKind.IMPORT
    assert HazardKind.IMPORT in kinds(lambda_config(target))  # as a Lambda's function
    dense = {
        "class_name": "Dense",
        "config": {"name": "d", "units": 1, "activation": target},
    }
    assert HazardKind.IMPORT in kinds({"class_name": "Sequential", "config": {"layers": [dense]}})
    hidden = {"bounds": {"class_name": "__slice__", "config": {"start": target}}}
    assert HazardKind.IMPORT in kinds(lambda_config(ref("builtins", "relu"), hidden))


@pytest.mark.parametrize("name", ["deserialize", "serialize", "get", "eval", "exec"])
def test_builtins_rebuilders_and_risky_builtins_are_unsafe(name):
    assert HazardKind.IMPORT in kinds(lambda_config(ref("builtins", name)))


#: What Keras itself writes, and model parts and pure tensor functions by public path.
ALLOWED = [
    ("keras.ops", "relu", True),
    ("keras.ops.image", "resize", True),
    ("keras.ops", "map", True),
    ("keras.activations", "gelu", True),
    ("keras.losses", "mean_squared_error", True),
    ("keras.metrics", "binary_accuracy", True),
    ("keras.random", "normal", True),
    ("keras.applications.mobilenet_v2", "preprocess_input", True),
    ("keras.layers", "Dense", False),
    ("keras.layers", "StringLookup", False),
    ("keras", "DTypePolicy", False),
    ("keras", "Sequential", False),
    ("keras.optimizers", "Adam", False),
    ("keras.optimizers.schedules", "ExponentialDecay", False),
    ("keras.initializers", "GlorotUniform", False),
    ("keras.utils", "FeatureSpace", False),
    ("keras.src.models.functional", "Functional", False),  # Keras imports KerasSaveables only
    ("keras.src.ops.numpy", "Add", False),
    ("keras_hub.src.models.gemma.gemma_backbone", "GemmaBackbone", False),
]


@pytest.mark.parametrize(("module", "name", "function"), ALLOWED)
def test_model_parts_and_pure_functions_are_allowed(module, name, function):
    assert classify_target(module, name, function=function) is None
    assert HazardKind.IMPORT not in kinds(lambda_config(ref(module, name, function=function)))


@pytest.mark.parametrize("name", ["relu", "gelu", "mean_squared_error", "huber", "softmax"])
def test_keras_builtin_functions_by_name_are_neither_unsafe_nor_custom(name):
    """Keras 3 writes Lambda(keras.ops.relu) and loss=keras.losses.huber as builtins names."""
    assert kinds(lambda_config(ref("builtins", name))) == set()


def test_an_unknown_builtins_name_is_custom_code():
    assert kinds(lambda_config(ref("builtins", "my_scaled_relu"))) == {HazardKind.CUSTOM}


# --------------------------------------------------------------------------- real Keras


@pytest.mark.slow
def test_keras_written_models_with_public_functions_are_silent(keras, tmp_path):
    """Lambda(keras.ops.relu), function activations, function losses and metrics, lookup
    and normalization layers: saved by Keras, loaded by Keras in safe mode, and no security
    finding from modelcheck."""
    inp = keras.Input((6,))
    x = keras.layers.Lambda(keras.ops.relu, name="lam")(inp)
    x = keras.layers.Normalization(mean=0.0, variance=1.0)(x)
    x = keras.layers.Dense(4, activation=keras.activations.gelu)(x)
    out = keras.layers.Dense(1, activation=keras.ops.relu)(x)
    model = keras.Model(inp, out)
    model.compile(
        keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(1e-3, 100, 0.9)),
        loss=keras.losses.huber,
        metrics=[keras.metrics.mean_absolute_error, "mae"],
    )
    path = tmp_path / "functions.keras"
    model.save(path)
    keras.saving.load_model(path)  # Keras loads it in safe mode: a sound file
    report = modelcheck.lint(path)
    assert not [f for f in report.findings if f.code.startswith("MC8")], report.findings


@pytest.mark.slow
def test_allowlist_matches_the_installed_keras(keras):
    from keras.src.api_export import REGISTERED_NAMES_TO_OBJS
    from keras.src.saving import serialization_lib

    # Every built-in function name is one Keras finds in its built-in modules, and a function.
    for name in allowlist.BUILTIN_FUNCTIONS:
        found = [
            REGISTERED_NAMES_TO_OBJS.get(f"keras.{mod}.{name}")
            for mod in serialization_lib.BUILTIN_MODULES
        ]
        found = [obj for obj in found if obj is not None]
        assert found and all(inspect.isfunction(obj) for obj in found), name
    # Keras's own denylist is covered.
    for api in serialization_lib.NON_MODELING_APIS:
        module, _, name = api.rpartition(".")
        for function in (True, False):
            assert classify_target(module, name, function=function) is HazardKind.IMPORT, api
    # The allowlisted modules and symbols exist.
    for module in allowlist.MODEL_MODULES | allowlist.FUNCTION_MODULES:
        importlib.import_module(module)
    for symbol in allowlist.MODEL_SYMBOLS:
        module, _, name = symbol.rpartition(".")
        assert hasattr(importlib.import_module(module), name), symbol
    # Nothing exported outside the model modules is allowed as a function, except the
    # applications' preprocess_input.
    for api in REGISTERED_NAMES_TO_OBJS:
        module, _, name = api.rpartition(".")
        if module not in allowlist.MODEL_MODULES and name != allowlist.PREPROCESS:
            assert classify_target(module, name, function=True) is HazardKind.IMPORT, api
