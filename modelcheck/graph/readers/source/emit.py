"""Turn the models a program builds into the Keras 3 config a saved model would hold, and that
config into the same :class:`~modelcheck.graph.ir.ModelGraph` the file readers make, with the
source region of every layer call attached."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from modelcheck.errors import ModelcheckError
from modelcheck.findings import Region
from modelcheck.graph.hazards import StructureError
from modelcheck.graph.ir import ModelGraph
from modelcheck.graph.keras_config import graph_from_config
from modelcheck.graph.readers.source.values import (
    Call,
    FunctionalObj,
    KerasObject,
    LayerObj,
    ModelBase,
    OpaqueModel,
    Ref,
    SequentialObj,
    SubclassedObj,
    Tensor,
    Unknown,
    UserFunction,
    flat_tensors,
)

_OMIT = object()
#: Keys whose unknown value is written as ``null`` rather than left out: a learning rate the
#: reader cannot see is still one the code sets.
_KEEP_UNKNOWN = ("learning_rate", "lr")
#: An activation the reader cannot know: counted as a nonlinearity, never as "linear".
UNKNOWN_ACTIVATION = {"class_name": "function", "config": "unknown", "module": "<source>"}
_OPAQUE_MODULE = "<source>"


def _value(value: Any, key: str = "", depth: int = 0) -> Any:
    """A config value as JSON, ``_OMIT`` when it is unknown (so the rules see it as unknown)."""
    if depth > 12:
        return _OMIT
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        items = [_value(v, key, depth + 1) for v in value]
        return [None if v is _OMIT else v for v in items]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            item = _value(v, str(k), depth + 1)
            if item is _OMIT and str(k) not in _KEEP_UNKNOWN:
                continue
            out[str(k)] = None if item is _OMIT else item
        return out
    if isinstance(value, Ref):
        return value.qual.rsplit(".", 1)[-1]
    if isinstance(value, KerasObject):
        return {"class_name": value.class_name, "config": _value(value.kwargs, "", depth + 1)}
    if isinstance(value, LayerObj):
        return {"class_name": value.class_name, "config": _value(value.config, "", depth + 1)}
    if isinstance(value, UserFunction):
        return {"class_name": "function", "config": value.qualname, "module": "__main__"}
    return _OMIT


def config_of(layer: LayerObj) -> dict[str, Any]:
    """The layer's known arguments as a Keras 3 config (without its name)."""
    out: dict[str, Any] = {}
    for key, raw in layer.config.items():
        value = _value(raw, key)
        if value is _OMIT or (value is None and key in ("activation", "units", "filters")):
            if key in ("activation", "recurrent_activation"):
                out[key] = UNKNOWN_ACTIVATION
            continue
        out[key] = value
    if layer.inner is not None:
        out["layer"] = {
            "class_name": layer.inner.class_name,
            "config": {
                **config_of(layer.inner),
                "name": layer.inner.name or keras_snake(layer.inner.class_name),
            },
            "module": "keras.layers",
        }
    return out


class _Names:
    """Unique layer names within one model, as Keras makes them (``dense``, ``dense_1``)."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.count: dict[str, int] = {}
        self.by_obj: dict[int, str] = {}

    def of(self, obj: Any) -> str:
        if id(obj) in self.by_obj:
            return self.by_obj[id(obj)]
        explicit = getattr(obj, "name", None)
        base = explicit if isinstance(explicit, str) and explicit else _default_name(obj)
        name = base
        while name in self.used:
            n = self.count.get(base, 0) + 1
            self.count[base] = n
            name = f"{base}_{n}"
        self.used.add(name)
        self.by_obj[id(obj)] = name
        return name


def keras_snake(name: str) -> str:
    """Keras's ``to_snake_case``: ``Conv2D`` -> ``conv2d``, ``MaxPooling2D`` -> ``max_pooling2d``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _default_name(obj: Any) -> str:
    if isinstance(obj, LayerObj):
        return "input_layer" if obj.class_name == "InputLayer" else keras_snake(obj.class_name)
    if isinstance(obj, SequentialObj):
        return "sequential"
    if isinstance(obj, SubclassedObj):
        return keras_snake(obj.class_name)
    if isinstance(obj, OpaqueModel):
        return keras_snake(obj.class_name)
    return "functional"


class Emitter:
    """Builds the config of one top-level model and remembers each layer's region."""

    def __init__(self) -> None:
        self.regions: dict[tuple[tuple[str, ...], int], Region] = {}
        self.opaque: dict[tuple[str, ...], str] = {}
        self.notes: list[str] = []
        self.depth = 0

    def entry(
        self, obj: Any, names: _Names, scope: tuple[str, ...], call_regions: list[Region]
    ) -> dict[str, Any]:
        name = names.of(obj)
        path = scope + (name,)
        for i, region in enumerate(call_regions or [getattr(obj, "region", None)]):
            if region is not None:
                self.regions[(path, i)] = region
        if isinstance(obj, (SequentialObj, FunctionalObj)):
            cfg = self.model_config(obj, path)
            cfg["name"] = name
            cfg["config"]["name"] = name
            return cfg
        if isinstance(obj, OpaqueModel):
            self.opaque[path] = obj.reason
            return _opaque_entry(obj.class_name, name)
        if isinstance(obj, SubclassedObj):  # a subclassed model as a Sequential's layer
            self.opaque[path] = (
                f"subclassed model '{obj.class_name}' inside a Sequential (its call() is not "
                "traced there)"
            )
            return _opaque_entry(obj.class_name, name)
        self.notes.extend(obj.assumed)
        if obj.opaque:
            self.opaque[path] = obj.opaque
            return _opaque_entry(obj.class_name, name)
        config = {**config_of(obj), "name": name}
        operation = bool(config.get("_op"))  # keras.ops.relu(x): an operation node
        return {
            "class_name": obj.class_name,
            "name": name,
            "config": config,
            "module": "keras.src.ops" if operation else "keras.layers",
        }

    def model_config(self, model: ModelBase, scope: tuple[str, ...] = ()) -> dict[str, Any]:
        self.depth += 1
        if self.depth > 32:
            raise ModelcheckError("Expected models nested at most 32 deep.", "deeper nesting")
        self.notes.extend(model.assumed)
        self.notes.extend(model.notes)
        try:
            if isinstance(model, SequentialObj):
                return self._sequential(model, scope)
            if isinstance(model, FunctionalObj):
                return self._functional(model.inputs, model.outputs, model.name, scope)
            raise ModelcheckError(
                "Expected a Sequential or Functional model.", type(model).__name__
            )
        finally:
            self.depth -= 1

    def _sequential(self, model: SequentialObj, scope: tuple[str, ...]) -> dict[str, Any]:
        names = _Names()
        entries = []
        first = model.layers[0] if model.layers else None
        shape = getattr(first, "input_shape", None)
        if isinstance(first, LayerObj) and shape is not None and first.class_name != "InputLayer":
            entries.append(
                {
                    "class_name": "InputLayer",
                    "name": "input_layer",
                    "config": {"batch_shape": list(shape), "name": "input_layer"},
                    "module": "keras.layers",
                }
            )
            names.used.add("input_layer")
            self.regions[(scope + ("input_layer",), 0)] = first.region
        for item in model.layers:
            entries.append(self.entry(item, names, scope, []))
        inner: dict[str, Any] = {"name": model.name or "sequential", "layers": entries}
        if model.build_shape is not None:
            inner["build_input_shape"] = list(model.build_shape)
        return {"class_name": "Sequential", "config": inner, "module": "keras"}

    def _functional(
        self, inputs: Any, outputs: Any, name: str | None, scope: tuple[str, ...]
    ) -> dict[str, Any]:
        names = _Names()
        calls = _reachable_calls(outputs)
        by_layer: dict[int, list[Call]] = {}
        order: list[Any] = []
        for call in calls:
            if id(call.layer) not in by_layer:
                by_layer[id(call.layer)] = []
                order.append(call.layer)
            by_layer[id(call.layer)].append(call)
        for tensor in flat_tensors(inputs):  # inputs nothing reads still belong to the model
            if id(tensor.call.layer) not in by_layer:
                by_layer[id(tensor.call.layer)] = [tensor.call]
                order.insert(0, tensor.call.layer)
        index = {id(c): i for calls_ in by_layer.values() for i, c in enumerate(calls_)}
        entries = []
        for layer in order:
            layer_calls = by_layer[id(layer)]
            # the first call is located where the layer is made (where a fix edits it), a
            # shared layer's later calls where they are made
            regions = [
                getattr(layer, "region", c.region) if i == 0 else c.region
                for i, c in enumerate(layer_calls)
            ]
            entry = self.entry(layer, names, scope, regions)
            entry["inbound_nodes"] = [
                {"args": [_structure(c.args, names, index)], "kwargs": {}}
                for c in layer_calls
                if c.args is not None
            ]
            entries.append(entry)
        return {
            "class_name": "Functional",
            "config": {
                "name": name or "functional",
                "layers": entries,
                "input_layers": [_triple(t, names, index) for t in flat_tensors(inputs)],
                "output_layers": [_triple(t, names, index) for t in flat_tensors(outputs)],
            },
            "module": "keras",
        }


def _opaque_entry(class_name: str, name: str) -> dict[str, Any]:
    return {
        "class_name": class_name,
        "name": name,
        "config": {"name": name},
        "module": _OPAQUE_MODULE,
        "registered_name": f"source>{class_name}",
    }


def _triple(t: Tensor, names: _Names, index: dict[int, int]) -> list[Any]:
    return [names.of(t.call.layer), index.get(id(t.call), 0), t.index]


def _structure(args: Any, names: _Names, index: dict[int, int], depth: int = 0) -> Any:
    if isinstance(args, Tensor):
        return {
            "class_name": "__keras_tensor__",
            "config": {
                "shape": list(args.shape) if args.shape is not None else None,
                "keras_history": _triple(args, names, index),
            },
        }
    if isinstance(args, (list, tuple)) and depth < 20:
        return [_structure(a, names, index, depth + 1) for a in args if flat_tensors(a)]
    if isinstance(args, dict) and depth < 20:
        return {
            str(k): _structure(v, names, index, depth + 1)
            for k, v in args.items()
            if flat_tensors(v)
        }
    return None


def _reachable_calls(outputs: Any) -> list[Call]:
    """The calls that outputs depend on, producers first (iterative, in program order)."""
    seen: dict[int, Call] = {}
    order: list[Call] = []
    stack: list[tuple[Call, bool]] = [(t.call, False) for t in reversed(flat_tensors(outputs))]
    while stack:
        call, done = stack.pop()
        if done:
            if id(call) not in seen:
                seen[id(call)] = call
                order.append(call)
            continue
        if id(call) in seen:
            continue
        stack.append((call, True))
        for t in reversed(call.inputs()):
            if id(t.call) not in seen:
                stack.append((t.call, False))
    return order


def functional_layers(model: FunctionalObj) -> list[Any]:
    """``model.layers`` of a Functional: every layer its outputs depend on, in order."""
    out: list[Any] = []
    for call in _reachable_calls(model.outputs):
        if call.layer not in out:
            out.append(call.layer)
    return out


def _compile_config(compile_args: dict[str, Any] | None) -> dict[str, Any] | None:
    if not compile_args:
        return None
    out: dict[str, Any] = {}
    for key in ("optimizer", "loss", "metrics", "loss_weights"):
        if key not in compile_args:
            continue
        value = _value(compile_args[key], key)
        if value is not _OMIT:
            out[key] = value
    return out


def _emit_one(model: ModelBase, artifact: str, fmt: str) -> ModelGraph | None:
    emitter = Emitter()
    if isinstance(model, SubclassedObj):
        return None
    cfg = emitter.model_config(model)
    graph = graph_from_config(
        cfg, artifact=artifact, source_format=fmt, compile_config=_compile_config(model.compile)
    )
    for node in graph:
        region = emitter.regions.get((node.path, node.call_index)) or emitter.regions.get(
            (node.path, 0)
        )
        node.region = region
        if node.path in emitter.opaque:
            node.opaque_reason = emitter.opaque[node.path]
    graph.region = model.region
    if isinstance(model, FunctionalObj) and model.subclass:
        graph.model_class = model.subclass
    if model.compile:
        graph.compile_region = model.compile.get("__region__")
    graph.notes.extend(dict.fromkeys(emitter.notes))
    return graph


def emit_models(models: list[ModelBase], artifact: str, fmt: str) -> Iterator[ModelGraph | str]:
    """One graph per top-level model (not those used inside another), identical ones once;
    a string for a model that could not be turned into a graph (the reason)."""
    seen: set[str] = set()
    labels: dict[str, int] = {}
    for model in models:
        # a model used inside another is linted there, unless it is trained on its own
        if (model.used_as_layer and not model.compile) or _empty(model):
            continue
        try:
            graph = _emit_one(model, artifact, fmt)
        except (ModelcheckError, StructureError) as exc:
            yield f"{model.region.label}: the model could not be read ({exc})"
            continue
        except RecursionError:
            yield f"{model.region.label}: the model could not be read (nested too deeply)"
            continue
        if graph is None:
            continue
        key = _signature(graph, model)
        if key in seen:
            continue
        seen.add(key)
        label = model.name or model.variable or graph.name
        labels[label] = labels.get(label, 0) + 1
        graph.model_label = label if labels[label] == 1 else f"{label}@{model.region.line}"
        graph.name = model.name or label
        yield graph


def _empty(model: ModelBase) -> bool:
    if isinstance(model, SequentialObj):
        return not model.layers
    if isinstance(model, FunctionalObj):
        return not flat_tensors(model.outputs)
    return isinstance(model, OpaqueModel)


def _signature(graph: ModelGraph, model: ModelBase) -> str:
    rows = [
        (
            n.id,
            n.class_name,
            json.dumps(dict(n.config), sort_keys=True, default=str),
            str(n.region),
            n.inputs,
        )
        for n in graph
    ]
    return json.dumps([rows, json.dumps(model.compile, default=str, sort_keys=True)], default=str)


__all__ = ["UNKNOWN_ACTIVATION", "Unknown", "config_of", "emit_models", "functional_layers"]
