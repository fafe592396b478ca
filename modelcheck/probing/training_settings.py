"""Settle what the probe trains its copy of a model with: the saved compile settings, the
user's overrides, or the default an uncompiled model gets (:func:`effective_training`, also
importable from :mod:`modelcheck.probing.loading`).

Keras is imported inside the functions only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from modelcheck._keras import import_keras
from modelcheck.errors import ProbeError
from modelcheck.graph import activations as A
from modelcheck.graph.compile_info import BINARY_CE, CROSS_ENTROPY, loss_name
from modelcheck.graph.ir import ModelGraph, Node
from modelcheck.graph.layers import Kind
from modelcheck.graph.walk import head_of
from modelcheck.probing.messages import first_line
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


@dataclass(frozen=True)
class _Head:
    """The (first) output the probe trains and judges: its graph node, the activation of the
    layer that computes it, and its units."""

    node: Node | None
    activation: str
    units: int


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
        graph: its graph (:func:`~modelcheck.probing.loading.load_for_probe`).
        loss: a loss name overriding the saved one (``categorical_crossentropy``, ``mse``...).
        optimizer: an optimizer name overriding the saved one (``adam``, ``sgd``...).
        learning_rate: overrides the saved (or default) learning rate.

    Raises:
        ProbeError: for a model with several inputs, or a loss/optimizer Keras does not know.
    """
    keras = import_keras()
    _check_single_input(model)
    head = _head(model, graph)
    notes = _output_notes(model, head)
    saved_loss, saved_opt = _saved_settings(keras, model, graph, head.node, notes)
    default_used = saved_loss is None and saved_opt is None
    if not default_used and saved_loss is None and loss is None:
        notes.append("The model was compiled without a loss: the probe chose one for its head.")
    name, from_logits, loss_cfg = _resolve_loss(keras, loss, saved_loss, head)
    opt_cfg = _resolve_optimizer(keras, optimizer, saved_opt, learning_rate)
    lr = _learning_rate(opt_cfg["config"].get("learning_rate"), graph)
    opt_name = str(opt_cfg.get("class_name", "optimizer"))
    overridden = any(v is not None for v in (loss, optimizer, learning_rate))
    source = "default" if default_used else "override" if overridden else "saved"
    settings = TrainingSettings(
        optimizer=opt_name,
        optimizer_config=opt_cfg,
        learning_rate=lr,
        loss=name,
        from_logits=bool(from_logits),
        loss_config=loss_cfg,
        source=source,
        default_used=default_used,
        description=_description(source, opt_name, lr, name, bool(from_logits), head),
        notes=tuple(notes),
    )
    return _model_io(model, graph, head, name, bool(from_logits)), settings


def _head(model: Any, graph: ModelGraph) -> _Head:
    out_tensor = model.outputs[0]
    out_node = graph.output_nodes()[0] if graph.output_nodes() else None
    head = head_of(graph, out_node) if out_node is not None else None
    head_act = (head.activation if head is not None else None) or A.LINEAR
    units = _int_dim(out_tensor.shape[-1]) if len(out_tensor.shape) > 1 else 1
    return _Head(node=out_node, activation=head_act, units=units or 1)


def _output_notes(model: Any, head: _Head) -> list[str]:
    """The note a multi-output model gets: only its first output is trained and judged."""
    if len(model.outputs) <= 1:
        return []
    name = head.node.id if head.node is not None else "the first output"
    return [
        f"The model has {len(model.outputs)} outputs: the probe trains and judges the "
        f"first one ('{name}') only."
    ]


def _saved_settings(
    keras: Any, model: Any, graph: ModelGraph, out_node: Node | None, notes: list[str]
) -> tuple[tuple[str, bool, Any] | None, dict[str, Any] | None]:
    """The saved loss ``(name, from_logits, config)`` and serialized optimizer, each ``None``
    when there is none: the compiled model's, else those the file's compile config names."""
    compiled = bool(getattr(model, "compiled", False)) and getattr(model, "optimizer", None)
    if compiled:
        saved_loss = _saved_loss(model, graph, out_node)
        return saved_loss, dict(keras.optimizers.serialize(model.optimizer))
    # Keras could not (or was not asked to) compile: rebuild what the file's compile
    # config names, when Keras knows those names.
    saved_loss, saved_opt = _from_compile_info(keras, graph, out_node)
    if saved_loss is not None or saved_opt is not None:
        notes.append(
            "Keras did not restore the saved compile settings; the probe rebuilt them "
            "from the file's compile config."
        )
    return saved_loss, saved_opt


def _resolve_loss(
    keras: Any, loss: str | None, saved: tuple[str, bool, Any] | None, head: _Head
) -> tuple[str, bool, Any]:
    """``(name, from_logits, config)`` of the loss to train with: the override (from logits
    for a cross-entropy on a linear head), else the saved loss, else the head's default."""
    if loss is not None:
        name = loss_name(loss)
        from_logits = head.activation == A.LINEAR and name in CROSS_ENTROPY
        return name, from_logits, _loss_config(keras, name, from_logits)
    if saved is not None:
        name, from_logits, cfg = saved
        return name, from_logits, cfg
    name, from_logits = _default_loss(head.activation, head.units)
    return name, from_logits, _loss_config(keras, name, from_logits)


def _resolve_optimizer(
    keras: Any, optimizer: str | None, saved: dict[str, Any] | None, learning_rate: float | None
) -> dict[str, Any]:
    """The serialized optimizer to train with: the override, else the saved one, else
    Adam(``DEFAULT_LEARNING_RATE``); with the learning rate override applied."""
    if optimizer is not None:
        try:
            opt = keras.optimizers.get(optimizer)
        except Exception as exc:
            raise ProbeError(
                "Expected an optimizer name Keras knows (adam, sgd, rmsprop, ...).",
                f"{optimizer!r} ({first_line(exc)})",
            ) from None
        opt_cfg = dict(keras.optimizers.serialize(opt))
    elif saved is not None:
        opt_cfg = saved
    else:
        opt_cfg = dict(
            keras.optimizers.serialize(keras.optimizers.Adam(learning_rate=DEFAULT_LEARNING_RATE))
        )
    opt_cfg["config"] = dict(opt_cfg.get("config") or {})
    if learning_rate is not None:
        opt_cfg["config"]["learning_rate"] = float(learning_rate)
    return opt_cfg


def _description(
    source: str, opt_name: str, lr: float | None, loss: str, from_logits: bool, head: _Head
) -> str:
    """The report's sentence on the settings chosen (default) or overridden; empty when the
    saved settings are used as they are."""
    logits = ", from_logits=True" if from_logits else ""
    if source == "default":
        units = head.units
        return (
            f"The model is not compiled: the probe trains it with "
            f"{opt_name}(learning_rate={_fmt(lr)}) and {loss}{logits}, chosen for its "
            f"{head.activation} head of {units} unit{'s' if units != 1 else ''}."
        )
    if source == "override":
        return (
            f"The probe trains with {opt_name}(learning_rate={_fmt(lr)}) and {loss}"
            f"{logits} (saved settings overridden)."
        )
    return ""


def _model_io(model: Any, graph: ModelGraph, head: _Head, loss: str, from_logits: bool) -> ModelIO:
    return ModelIO(
        input_shape=tuple(_int_dim(d) for d in model.inputs[0].shape[1:]),
        output_units=head.units,
        head_activation=head.activation,
        loss=loss,
        from_logits=from_logits,
        input_dtype=_dtype_name(model.inputs[0].dtype),
        rescales_input=_rescales_input(graph),
    )


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
            f"{name!r} ({first_line(exc)})",
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
