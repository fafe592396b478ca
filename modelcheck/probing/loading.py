"""Load a model for probing, and settle what it is trained with.

Safety first: a model file is read *without* Keras (:func:`~modelcheck.graph.readers.model_file.read_model`)
and its weights file's HDF5 metadata is scanned before Keras ever sees it. A file with any
security finding (the MC8xx lint rules: Python bytecode, references outside Keras, a
``TFSMLayer``, outside files, unexpected archive members, custom classes the user does not
supply) is refused unless the user trusts it, because probing loads and runs the model; bombs
and malformed graphs or polyglot files (MC806, MC807, MC809) are refused even then. Keras loads with
``safe_mode=True`` unless ``trust``. Keras only reads the file: nothing is ever written to it.

Custom objects (``--custom-objects MODULE``): the user names *their own* module (an importable
module name or a ``path/to/file.py``). Importing it runs that module's code, which the user
vouches for by naming it; it does not vouch for code stored in the model file. So custom
*classes* that the module provides are accepted without ``--trust`` (the file only supplies
their config), Keras still loads with ``safe_mode=True``, and a Lambda layer still needs
``--trust``.

In-memory models and factory specs (``file.py:build``) are the user's own code already
running in their process: they are never refused.

What the model is trained with (:func:`effective_training`, :class:`TrainingSettings`) is
settled in :mod:`modelcheck.probing.training_settings`; both are importable from here too.

Keras, TensorFlow and the user's modules are imported inside the functions only.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from modelcheck._keras import import_keras
from modelcheck.errors import ModelLoadError, ProbeError
from modelcheck.findings import Finding, Severity
from modelcheck.graph.ir import ModelGraph
from modelcheck.probing.messages import first_line
from modelcheck.probing.training_settings import (
    DEFAULT_LEARNING_RATE,
    DEFAULT_OPTIMIZER,
    TrainingSettings,
    _check_single_input,
    effective_training,
)

__all__ = [
    "ALWAYS_REFUSED",
    "DEFAULT_LEARNING_RATE",
    "DEFAULT_OPTIMIZER",
    "TrainingSettings",
    "effective_training",
    "load_checked",
    "load_for_probe",
    "refuse_unsafe",
]

# -- loading --------------------------------------------------------------------------------


def load_for_probe(
    target: Any, *, trust: bool = False, custom_objects: str | None = None
) -> tuple[Any, ModelGraph]:
    """Load a model to probe, with the graph that names its layers (:func:`load_checked`
    without its lint findings)."""
    model, graph, _ = load_checked(target, trust=trust, custom_objects=custom_objects)
    return model, graph


def load_checked(
    target: Any, *, trust: bool = False, custom_objects: str | None = None
) -> tuple[Any, ModelGraph, list[Finding]]:
    """Load a model to probe, with the graph that names its layers and the lint findings on
    that graph: every lint rule runs once, on a file before Keras sees it (its security
    findings decide whether it is loaded at all).

    Args:
        target: a ``.keras``/``.h5``/``.hdf5`` file, an unzipped ``.keras`` directory, a
            factory spec (``path/to/file.py:build`` or ``package.module:build``), or an
            in-memory ``keras.Model``.
        trust: allow code stored in the file (Lambda layers, ``TFSMLayer``, custom classes
            without ``custom_objects``): Keras loads with ``safe_mode=False``.
        custom_objects: a module name or ``path/to/file.py`` whose ``get_custom_objects()``
            (or, without one, public classes and functions) are given to Keras.

    Returns:
        ``(model, graph, findings)``: the loaded ``keras.Model`` (never modified by the
        probe), its graph (from the file itself for files, from the live model otherwise) and
        the findings of every lint rule on that graph.

    Raises:
        ProbeError: the file needs ``--trust``, or the model has no layer graph (subclassed)
            or more than one input.
        ModelLoadError: the target or the custom-objects module cannot be read or loaded.
    """
    from modelcheck.graph.readers.live import graph_from_keras_model, load_factory
    from modelcheck.graph.readers.model_file import read_model
    from modelcheck.graph.readers.source import is_source_path
    from modelcheck.targets import TargetKind, target_kind, unexpected_target

    kind = target_kind(target)
    if kind is TargetKind.PATH and is_source_path(target):
        text = os.fspath(target)
        raise ModelLoadError(
            "Expected a model file or a factory spec 'file.py:callable' to probe.",
            f"the Python source '{text}' (lint reads it statically: modelcheck lint {text}; "
            f"to train a model it builds, probe '{text}:build_model')",
        )
    keras = import_keras()
    if kind is TargetKind.FACTORY:
        model = load_factory(os.fspath(target))
        graph = graph_from_keras_model(model, artifact=os.fspath(target))
        findings = _lint(graph)
    elif kind is TargetKind.PATH:
        graph = read_model(os.fspath(target))
        _scan_weights(graph)
        findings = _lint(graph, file=True)
        objects = _custom_objects(custom_objects) if custom_objects else {}
        refuse_unsafe(findings, trust=trust, provided=_provided(objects, keras))
        _check_loadable(graph)
        model = _keras_load(keras, os.fspath(target), trust=trust, objects=objects)
    elif isinstance(target, keras.Model):
        model = target
        graph = graph_from_keras_model(model)
        findings = _lint(graph)
    else:  # a Keras object that is not a model
        raise unexpected_target(target)
    if not isinstance(model, keras.Model):
        raise ModelLoadError("Expected a keras.Model.", f"an object of type {type(model).__name__}")
    _check_loadable(graph)
    _check_single_input(model)
    return model, graph, findings


def _lint(graph: ModelGraph, *, file: bool = False) -> list[Finding]:
    """Every lint rule on ``graph``. A crashed rule's findings are left out, but a crashed
    security rule refuses a ``file`` (a modelcheck bug; refusing is the safe side)."""
    from modelcheck.linting.engine import run_rules, select_rules

    findings, crashes = run_rules(graph, select_rules())
    security = [c for c in crashes if c.code.startswith("MC8")]
    if file and security:
        raise ProbeError(
            "Expected the security rules to check the file before it is loaded (please "
            "report this).",
            str(security[0]),
        )
    return findings


def _check_loadable(graph: ModelGraph) -> None:
    if graph.subclassed or not graph.nodes:
        raise ProbeError(
            "Expected a Sequential or Functional model (the probe records layer by layer, so "
            "it needs the layer graph; probe a factory that builds a Functional model instead).",
            f"{'a subclassed model' if graph.subclassed else 'a model without layers'} "
            f"'{graph.name}' ({graph.model_class})",
        )


def _scan_weights(graph: ModelGraph) -> None:
    """Add the weights file's HDF5 hazards (links, outside storage, shape bombs) to the
    graph: metadata only, before Keras opens the file."""
    from modelcheck.graph.readers.weights import attach_weights

    attach_weights(graph, measure_stats=False)


def _provided(objects: Mapping[str, Any], keras: Any) -> set[str]:
    """Names of custom objects the user supplies: their module's, and classes registered
    in this process by their own imports (the user's code, not the file's)."""
    provided = set(objects)
    with contextlib.suppress(Exception):
        provided |= set(keras.saving.get_custom_objects())
    return provided


#: Security findings no ``--trust`` lifts: the file cannot be loaded meaningfully.
ALWAYS_REFUSED = frozenset({"MC806", "MC807", "MC809"})


def refuse_unsafe(
    findings: list[Finding], *, trust: bool, provided: set[str] | None = None
) -> None:
    """Refuse a file whose security findings (MC8xx, among ``findings``) object to it,
    before Keras loads it.

    Refused: resource bombs, malformed graphs and polyglot files (MC806, MC807, MC809) always; code, unsafe
    references, outside files, external models and unexpected members (MC801, MC802, MC804,
    MC805, MC808) and custom objects the user does not supply (MC803) unless ``trust``.

    Raises:
        ProbeError: naming the first findings and how to proceed.
    """
    findings = [f for f in findings if f.code.startswith("MC8")]
    names = provided or set()
    fatal = [f for f in findings if f.code in ALWAYS_REFUSED]
    if fatal:
        raise ProbeError(
            "Expected a model file that can be loaded safely (probing loads it with Keras; "
            "--trust does not lift this).",
            _shown(fatal),
        )
    if trust:
        return
    unsafe = []
    for f in findings:
        if f.code == "MC803":
            target = str(f.evidence.get("target", ""))
            if {target, target.split(">")[-1], target.rsplit(".", 1)[-1]} & names:
                continue
            unsafe.append(f)
        elif f.severity >= Severity.WARNING:
            unsafe.append(f)
    if unsafe:
        raise ProbeError(
            "Expected a model without code or outside references in the file (probing loads "
            "and runs the model; pass --trust to allow them, or --custom-objects MODULE for "
            "your own custom classes).",
            _shown(unsafe),
        )


def _shown(findings: list[Any], limit: int = 3) -> str:
    parts = [f"{f.code} {f.message}" for f in findings[:limit]]
    more = f"; ... {len(findings) - limit} more" if len(findings) > limit else ""
    return "; ".join(parts) + more


def _keras_load(keras: Any, path: str, *, trust: bool, objects: Mapping[str, Any]) -> Any:
    """``keras.saving.load_model`` with one-line errors. Keras only reads the file."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "compiled metrics have yet to be built", ...
            return keras.saving.load_model(
                path, compile=True, safe_mode=not trust, custom_objects=dict(objects) or None
            )
    except Exception as exc:  # keras raises ValueError, TypeError, OSError, KeyError...
        raise ModelLoadError(
            f"Expected a model file Keras can load (safe_mode={not trust}).",
            f"{type(exc).__name__}: {first_line(exc)}",
        ) from None


def _custom_objects(spec: str) -> dict[str, Any]:
    """Import the user's custom-objects module and collect what it provides."""
    import_keras()  # before the user's module imports keras, so that import is quiet
    try:
        if spec.endswith(".py"):
            path = Path(spec)
            if not path.is_file():
                raise ModelLoadError(
                    "Expected --custom-objects to name a module or an existing .py file.",
                    f"'{spec}' does not exist",
                )
            name = f"_modelcheck_custom_{abs(hash(str(path.resolve())))}"
            module_spec = importlib.util.spec_from_file_location(name, path)
            if module_spec is None or module_spec.loader is None:
                raise ModelLoadError("Expected an importable Python file.", repr(spec))
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            parent = str(path.resolve().parent)
            sys.path.insert(0, parent)
            try:
                module_spec.loader.exec_module(module)
            finally:
                sys.path.remove(parent)
        else:
            module = importlib.import_module(spec)
    except ModelLoadError:
        raise
    except Exception as exc:  # the user's module may fail in any way
        raise ModelLoadError(
            f"Expected the custom-objects module '{spec}' to import.",
            f"{type(exc).__name__}: {first_line(exc)}",
        ) from None
    getter = getattr(module, "get_custom_objects", None)
    if callable(getter):
        try:
            objects = getter()
        except Exception as exc:
            raise ModelLoadError(
                f"Expected get_custom_objects() of '{spec}' to return a dict.",
                f"{type(exc).__name__}: {first_line(exc)}",
            ) from None
        if not isinstance(objects, Mapping):
            raise ModelLoadError(
                f"Expected get_custom_objects() of '{spec}' to return a dict.",
                type(objects).__name__,
            )
        return {str(k): v for k, v in objects.items()}
    return {
        name: obj
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(obj) or inspect.isfunction(obj))
        and getattr(obj, "__module__", None) == module.__name__
    }
