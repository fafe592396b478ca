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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelcheck._keras import import_keras
from modelcheck.errors import ModelLoadError, ProbeError
from modelcheck.graph import activations as A
from modelcheck.graph.compile_info import BINARY_CE, CROSS_ENTROPY, loss_name
from modelcheck.graph.ir import ModelGraph, Node
from modelcheck.graph.layers import Kind
from modelcheck.graph.walk import head_of
from modelcheck.probing.types import ModelIO

#: The optimizer and learning rate an uncompiled model is probed with.
DEFAULT_OPTIMIZER = "Adam"
DEFAULT_LEARNING_RATE = 1e-3

#: Layers (among the first ones after the input) that scale raw inputs themselves.
_SCALING = frozenset({"Rescaling", "Normalization"})


@dataclass(frozen=True)
class TrainingSettings:
    """How the probe trains its copy of the model: the saved compile settings, overrides, or
    the default an uncompiled model gets. Plain data (keras-serialized configs), no objects.

    Attributes:
        optimizer: the optimizer class name, e.g. ``Adam``.
        optimizer_config: ``keras.optimizers.serialize`` output; the runner builds a fresh
            optimizer from it (never the loaded model's instance, which holds state).
        learning_rate: the (initial) learning rate; already inside ``optimizer_config``.
        loss: normalised loss name (as :class:`~modelcheck.probing.types.ModelIO.loss`).
        from_logits: the loss treats the output as logits.
        loss_config: what ``keras.losses.get`` rebuilds the loss from (a name or a
            serialized loss).
        source: ``saved`` (compile settings stored with the model), ``override`` (saved,
            partly overridden), or ``default`` (the model was not compiled).
        default_used: the model was not compiled and the probe chose the settings.
        description: one sentence for the report saying what the probe trains with and why.
        notes: other things the report should state (first output used, ...).
    """

    optimizer: str
    optimizer_config: Mapping[str, Any]
    learning_rate: float | None
    loss: str
    from_logits: bool
    loss_config: Any
    source: str = "saved"
    default_used: bool = False
    description: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


# -- loading --------------------------------------------------------------------------------


def load_for_probe(
    target: Any, *, trust: bool = False, custom_objects: str | None = None
) -> tuple[Any, ModelGraph]:
    """Load a model to probe, with the graph that names its layers.

    Args:
        target: a ``.keras``/``.h5``/``.hdf5`` file, an unzipped ``.keras`` directory, a
            factory spec (``path/to/file.py:build`` or ``package.module:build``), or an
            in-memory ``keras.Model``.
        trust: allow code stored in the file (Lambda layers, ``TFSMLayer``, custom classes
            without ``custom_objects``): Keras loads with ``safe_mode=False``.
        custom_objects: a module name or ``path/to/file.py`` whose ``get_custom_objects()``
            (or, without one, public classes and functions) are given to Keras.

    Returns:
        ``(model, graph)``: the loaded ``keras.Model`` (never modified by the probe) and its
        graph (from the file itself for files, from the live model otherwise).

    Raises:
        ProbeError: the file needs ``--trust``, or the model has no layer graph (subclassed)
            or more than one input.
        ModelLoadError: the target or the custom-objects module cannot be read or loaded.
    """
    from modelcheck.graph.readers.live import graph_from_keras_model, is_factory_spec, load_factory
    from modelcheck.graph.readers.model_file import read_model

    keras = import_keras()
    if isinstance(target, (str, os.PathLike)):
        text = os.fspath(target)
        if is_factory_spec(text):
            model = load_factory(text)
            graph = graph_from_keras_model(model, artifact=text)
        else:
            graph = read_model(text)
            _scan_weights(graph)
            objects = _custom_objects(custom_objects) if custom_objects else {}
            refuse_unsafe(graph, trust=trust, provided=_provided(objects, keras))
            _check_loadable(graph)
            model = _keras_load(keras, text, trust=trust, objects=objects)
    elif isinstance(target, keras.Model):
        model = target
        graph = graph_from_keras_model(model)
    else:
        raise ModelLoadError(
            "Expected a model path, a factory spec 'file.py:callable', or a keras.Model.",
            f"an object of type {type(target).__name__}",
        )
    if not isinstance(model, keras.Model):
        raise ModelLoadError("Expected a keras.Model.", f"an object of type {type(model).__name__}")
    _check_loadable(graph)
    _check_single_input(model)
    return model, graph


def _check_loadable(graph: ModelGraph) -> None:
    if graph.subclassed or not graph.nodes:
        raise ProbeError(
            "Expected a Sequential or Functional model (the probe records layer by layer, so "
            "it needs the layer graph; probe a factory that builds a Functional model instead).",
            f"{'a subclassed model' if graph.subclassed else 'a model without layers'} "
            f"'{graph.name}' ({graph.model_class})",
        )


def _check_single_input(model: Any) -> None:
    try:
        inputs = list(model.inputs or [])
    except Exception:  # noqa: BLE001 - an unbuilt model has no inputs yet
        inputs = []
    if not inputs:
        raise ProbeError(
            "Expected a built model (start it with keras.Input(shape) so its input shape is "
            "known).",
            f"model '{getattr(model, 'name', '?')}' without a defined input",
        )
    if len(inputs) != 1:
        raise ProbeError(
            "Expected a model with exactly one input (multi-output models are probed on "
            "their first output).",
            f"a model with {len(inputs)} inputs",
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


def refuse_unsafe(graph: ModelGraph, *, trust: bool, provided: set[str] | None = None) -> None:
    """Refuse a file the security rules (MC8xx) object to, before Keras loads it.

    Refused: resource bombs, malformed graphs and polyglot files (MC806, MC807, MC809) always; code, unsafe
    references, outside files, external models and unexpected members (MC801, MC802, MC804,
    MC805, MC808) and custom objects the user does not supply (MC803) unless ``trust``.

    Raises:
        ProbeError: naming the first findings and how to proceed.
    """
    from modelcheck.findings import Severity
    from modelcheck.linting.engine import run_rules
    from modelcheck.linting.registry import RULES

    findings, crashes = run_rules(graph, [r for r in RULES if r.code.startswith("MC8")])
    if crashes:  # a modelcheck bug; refusing is the safe side
        raise ProbeError(
            "Expected the security rules to check the file before it is loaded (please "
            "report this).",
            str(crashes[0]),
        )
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
            f"{type(exc).__name__}: {_first_line(exc)}",
        ) from None


def _first_line(exc: BaseException, limit: int = 240) -> str:
    text = " ".join(str(exc).strip().split("\n")[0].split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
            f"{type(exc).__name__}: {_first_line(exc)}",
        ) from None
    getter = getattr(module, "get_custom_objects", None)
    if callable(getter):
        try:
            objects = getter()
        except Exception as exc:
            raise ModelLoadError(
                f"Expected get_custom_objects() of '{spec}' to return a dict.",
                f"{type(exc).__name__}: {_first_line(exc)}",
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


# -- training settings ----------------------------------------------------------------------


def effective_training(
    model: Any,
    graph: ModelGraph,
    *,
    loss: str | None = None,
    optimizer: str | None = None,
    learning_rate: float | None = None,
) -> tuple[ModelIO, TrainingSettings]:
    """What the model takes and gives, and what the probe trains it with.

    The saved compile settings (the loaded model's optimizer and loss) are used unless
    overridden. An uncompiled model gets Adam(1e-3) and a loss that fits its head: softmax
    over K > 1 units: ``categorical_crossentropy``; sigmoid: ``binary_crossentropy``; linear
    over K > 1 units: ``categorical_crossentropy(from_logits=True)``; one linear unit:
    ``mean_squared_error`` (``TrainingSettings.description`` says so for the report).

    A multi-output model is trained and probed on its first output; a loss override on a
    linear head is taken as ``from_logits=True`` for cross-entropies.

    Args:
        model: the loaded model.
        graph: its graph (:func:`load_for_probe`).
        loss: a loss name overriding the saved one (``categorical_crossentropy``, ``mse``...).
        optimizer: an optimizer name overriding the saved one (``adam``, ``sgd``...).
        learning_rate: overrides the saved (or default) learning rate.

    Raises:
        ProbeError: for a model with several inputs, or a loss/optimizer Keras does not know.
    """
    keras = import_keras()
    _check_single_input(model)
    out_tensor = model.outputs[0]
    out_node = graph.output_nodes()[0] if graph.output_nodes() else None
    head = head_of(graph, out_node) if out_node is not None else None
    head_act = (head.activation if head is not None else None) or A.LINEAR
    units = _int_dim(out_tensor.shape[-1]) if len(out_tensor.shape) > 1 else 1
    units = units or 1
    notes: list[str] = []
    if len(model.outputs) > 1:
        name = out_node.id if out_node is not None else "the first output"
        notes.append(
            f"The model has {len(model.outputs)} outputs: the probe trains and judges the "
            f"first one ('{name}') only."
        )

    compiled = bool(getattr(model, "compiled", False)) and getattr(model, "optimizer", None)
    if compiled:
        saved_loss = _saved_loss(model, graph, out_node)
        saved_opt: dict[str, Any] | None = dict(keras.optimizers.serialize(model.optimizer))
    else:
        # Keras could not (or was not asked to) compile: rebuild what the file's compile
        # config names, when Keras knows those names.
        saved_loss, saved_opt = _from_compile_info(keras, graph, out_node)
        if saved_loss is not None or saved_opt is not None:
            notes.append(
                "Keras did not restore the saved compile settings; the probe rebuilt them "
                "from the file's compile config."
            )
    default_used = saved_loss is None and saved_opt is None
    source = "default" if default_used else "saved"
    if not default_used and saved_loss is None and loss is None:
        notes.append("The model was compiled without a loss: the probe chose one for its head.")
    # Loss.
    if loss is not None:
        name = loss_name(loss)
        from_logits = head_act == A.LINEAR and name in CROSS_ENTROPY
        loss_cfg: Any = _loss_config(keras, name, from_logits)
        if not default_used:
            source = "override"
    elif saved_loss is not None:
        name, from_logits, loss_cfg = saved_loss
    else:
        name, from_logits = _default_loss(head_act, units)
        loss_cfg = _loss_config(keras, name, from_logits)
    # Optimizer.
    if optimizer is not None:
        try:
            opt = keras.optimizers.get(optimizer)
        except Exception as exc:
            raise ProbeError(
                "Expected an optimizer name Keras knows (adam, sgd, rmsprop, ...).",
                f"{optimizer!r} ({_first_line(exc)})",
            ) from None
        opt_cfg = dict(keras.optimizers.serialize(opt))
        if not default_used:
            source = "override"
    elif saved_opt is not None:
        opt_cfg = saved_opt
    else:
        opt_cfg = dict(
            keras.optimizers.serialize(keras.optimizers.Adam(learning_rate=DEFAULT_LEARNING_RATE))
        )
    opt_cfg["config"] = dict(opt_cfg.get("config") or {})
    if learning_rate is not None:
        opt_cfg["config"]["learning_rate"] = float(learning_rate)
        if not default_used:
            source = "override"
    lr = _learning_rate(opt_cfg["config"].get("learning_rate"), graph)
    opt_name = str(opt_cfg.get("class_name", "optimizer"))

    description = ""
    if default_used:
        logits = ", from_logits=True" if from_logits else ""
        description = (
            f"The model is not compiled: the probe trains it with "
            f"{opt_name}(learning_rate={_fmt(lr)}) and {name}{logits}, chosen for its "
            f"{head_act} head of {units} unit{'s' if units != 1 else ''}."
        )
    elif source == "override":
        description = (
            f"The probe trains with {opt_name}(learning_rate={_fmt(lr)}) and {name}"
            f"{', from_logits=True' if from_logits else ''} (saved settings overridden)."
        )
    io = ModelIO(
        input_shape=tuple(_int_dim(d) for d in model.inputs[0].shape[1:]),
        output_units=units,
        head_activation=head_act,
        loss=name,
        from_logits=bool(from_logits),
        input_dtype=_dtype_name(model.inputs[0].dtype),
        rescales_input=_rescales_input(graph),
    )
    settings = TrainingSettings(
        optimizer=opt_name,
        optimizer_config=opt_cfg,
        learning_rate=lr,
        loss=name,
        from_logits=bool(from_logits),
        loss_config=loss_cfg,
        source=source,
        default_used=default_used,
        description=description,
        notes=tuple(notes),
    )
    return io, settings


def _from_compile_info(
    keras: Any, graph: ModelGraph, out_node: Node | None
) -> tuple[tuple[str, bool, Any] | None, dict[str, Any] | None]:
    """The loss and optimizer named by the graph's compile info, if Keras knows them."""
    info = graph.compile
    if info is None:
        return None, None
    loss = None
    spec = graph.loss_for(out_node) if out_node is not None else None
    if spec is not None:
        try:
            loss = (spec.name, spec.from_logits, _loss_config(keras, spec.name, spec.from_logits))
        except ProbeError:
            loss = None
    opt = None
    if info.optimizer:
        try:
            instance = keras.optimizers.get(info.optimizer)
            opt = dict(keras.optimizers.serialize(instance))
            opt["config"] = dict(opt.get("config") or {})
            if info.learning_rate is not None:
                opt["config"]["learning_rate"] = float(info.learning_rate)
        except Exception:  # noqa: BLE001 - an optimizer Keras does not know: the default
            opt = None
    return loss, opt


def _default_loss(head_act: str, units: int) -> tuple[str, bool]:
    if head_act in ("sigmoid", "hard_sigmoid"):
        return "binary_crossentropy", False
    if A.is_softmax(head_act):
        return ("categorical_crossentropy" if units > 1 else "binary_crossentropy"), False
    if head_act == A.LINEAR:
        if units > 1:
            return "categorical_crossentropy", True
        return "mean_squared_error", False
    # Anything else (relu, tanh...) over several units is most likely meant as class scores.
    return ("categorical_crossentropy" if units > 1 else "mean_squared_error"), False


def _loss_config(keras: Any, name: str, from_logits: bool) -> Any:
    """A serialized loss Keras rebuilds (``from_logits`` only where the loss has it)."""
    if name in CROSS_ENTROPY or name in BINARY_CE:
        cls = "".join(part.capitalize() for part in name.split("_"))
        return {"class_name": cls, "config": {"from_logits": bool(from_logits)}}
    try:
        keras.losses.get(name)
    except Exception as exc:
        raise ProbeError(
            "Expected a loss name Keras knows (categorical_crossentropy, mse, ...).",
            f"{name!r} ({_first_line(exc)})",
        ) from None
    return name


def _saved_loss(
    model: Any, graph: ModelGraph, out_node: Node | None
) -> tuple[str, bool, Any] | None:
    """``(normalised name, from_logits, config)`` of the loss the model was compiled with,
    for its first output."""
    keras = import_keras()
    raw = getattr(model, "loss", None)
    if isinstance(raw, Mapping):
        key = out_node.name if out_node is not None else None
        raw = raw.get(key) if key in raw else next(iter(raw.values()), None)
    elif isinstance(raw, (list, tuple)):
        raw = raw[0] if raw else None
    spec = graph.loss_for(out_node) if out_node is not None else None
    if raw is None:
        return None
    cfg = raw  # a user's own loss (trusted or custom objects) is passed as it is
    if not isinstance(raw, str) and type(raw).__module__.startswith("keras"):
        with contextlib.suppress(Exception):
            cfg = keras.losses.serialize(raw)
    if spec is not None:
        return spec.name, spec.from_logits, cfg
    if isinstance(raw, str):
        return loss_name(raw), False, cfg
    conf = raw.get_config() if hasattr(raw, "get_config") else {}
    from_logits = bool(conf.get("from_logits", False)) if isinstance(conf, Mapping) else False
    label = getattr(raw, "name", None) or type(raw).__name__
    if not isinstance(raw, keras.losses.Loss) and callable(raw):
        label = getattr(raw, "__name__", label)
    return loss_name(str(label)), from_logits, cfg


def _learning_rate(value: Any, graph: ModelGraph) -> float | None:
    """The (initial) learning rate, rounded to float32 precision (Keras stores it as a
    float32 variable: 1e-3 comes back as 0.0010000000474974513)."""
    lr: Any = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        lr = value
    elif isinstance(value, Mapping):  # a serialized schedule
        inner = value.get("config")
        if isinstance(inner, Mapping):
            lr = next(
                (
                    inner[k]
                    for k in ("initial_learning_rate", "learning_rate")
                    if isinstance(inner.get(k), (int, float))
                ),
                None,
            )
    if lr is None and graph.compile is not None:
        lr = graph.compile.learning_rate
    return None if lr is None else float(f"{float(lr):.7g}")


def _fmt(lr: float | None) -> str:
    if lr is None:
        return "its schedule"
    return f"{lr:g}"


def _int_dim(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _dtype_name(dtype: Any) -> str:
    name = getattr(dtype, "name", None)
    return str(name if isinstance(name, str) else dtype)


def _rescales_input(graph: ModelGraph) -> bool:
    """A Rescaling/Normalization layer among the first layers after the input (through
    shape-only and augmentation layers)."""
    seen: set[str] = set()
    frontier = [graph.nodes[i] for i in graph.inputs if i in graph.nodes]
    for _ in range(4):
        nxt: list[Node] = []
        for node in frontier:
            if node.id in seen:
                continue
            seen.add(node.id)
            if node.core_class in _SCALING:
                return True
            if node.kind in (Kind.INPUT, Kind.LINEAR) or node.id in graph.inputs:
                nxt.extend(graph.successors(node))
        frontier = nxt
    return any(n.core_class in _SCALING for n in frontier)
