"""Graphs of in-memory Keras models and of factory specs. The only graph code that imports
keras, and only inside these functions."""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from pathlib import Path
from typing import Any

from modelcheck._keras import import_keras
from modelcheck.errors import ModelLoadError
from modelcheck.graph.ir import ModelGraph
from modelcheck.graph.keras_config import graph_from_config

_SPEC = re.compile(r"^(?P<target>[^:]+?\.py|[A-Za-z_][\w.]*):(?P<attr>[A-Za-z_][\w.]*)$")


def is_factory_spec(text: str) -> bool:
    """``path/to/file.py:build_model`` or ``package.module:callable``, and not an existing path."""
    return bool(_SPEC.match(text)) and not os.path.exists(text)


def graph_from_keras_model(model: Any, artifact: str | None = None) -> ModelGraph:
    """Build the graph of a live ``keras.Model`` through its own serialization (no weights)."""
    keras = import_keras()
    if not isinstance(model, keras.Model):
        raise ModelLoadError("Expected a keras.Model.", f"an object of type {type(model).__name__}")
    name = artifact or f"<in-memory {model.name}>"
    try:
        cfg = keras.saving.serialize_keras_object(model)
    except Exception as exc:  # a user's get_config() may raise anything
        raise ModelLoadError(
            "Expected a model whose config Keras can serialize.", f"{type(exc).__name__}: {exc}"
        ) from None
    compile_cfg = cfg.get("compile_config") if isinstance(cfg, dict) else None
    if not compile_cfg and getattr(model, "compiled", False):
        try:
            compile_cfg = model.get_compile_config()
        except Exception:  # noqa: BLE001 - compile info is optional
            compile_cfg = None
    if compile_cfg:
        compile_cfg = keras.saving.serialize_keras_object(compile_cfg)
    return graph_from_config(
        cfg,
        artifact=name,
        source_format="live",
        compile_config=compile_cfg,
        keras_version=keras.__version__,
    )


def load_factory(spec: str) -> Any:
    """Import ``file.py:callable`` / ``module:callable`` and call it with no arguments."""
    m = _SPEC.match(spec)
    if not m:
        raise ModelLoadError(
            "Expected a factory spec 'path/to/file.py:callable' or 'package.module:callable'.",
            repr(spec),
        )
    target, attr = m.group("target"), m.group("attr")
    try:
        if target.endswith(".py"):
            path = Path(target)
            if not path.is_file():
                raise ModelLoadError(
                    "Expected the factory file to exist.", f"'{target}' does not exist"
                )
            mod_name = f"_modelcheck_factory_{abs(hash(str(path.resolve())))}"
            module_spec = importlib.util.spec_from_file_location(mod_name, path)
            if module_spec is None or module_spec.loader is None:
                raise ModelLoadError("Expected an importable Python file.", repr(target))
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[mod_name] = module
            sys.path.insert(0, str(path.resolve().parent))
            try:
                module_spec.loader.exec_module(module)
            finally:
                sys.path.remove(str(path.resolve().parent))
        else:
            module = importlib.import_module(target)
        obj: Any = module
        for part in attr.split("."):
            obj = getattr(obj, part)
    except ModelLoadError:
        raise
    except Exception as exc:  # the user's module may fail in any way
        raise ModelLoadError(
            f"Expected '{spec}' to import.", f"{type(exc).__name__}: {exc}"
        ) from None
    if not callable(obj):
        raise ModelLoadError(f"Expected '{attr}' to be callable.", type(obj).__name__)
    try:
        return obj()
    except Exception as exc:
        raise ModelLoadError(
            f"Expected '{spec}' to build a model when called with no arguments.",
            f"{type(exc).__name__}: {exc}",
        ) from None


def graph_from_factory(spec: str) -> ModelGraph:
    import_keras()  # before the user's module imports it, so the import is quiet
    return graph_from_keras_model(load_factory(spec), artifact=spec)
