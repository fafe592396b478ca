"""Methods and attributes of the values the reader models: ``model.add``/``build``/``compile``/
``fit``, ``model.layers``/``input``/``output``, ``layer.output``, and the list, dict and
string methods programs use to assemble layers and configs."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from modelcheck.graph.readers.source import builtins as B
from modelcheck.graph.readers.source.shapes import to_shape
from modelcheck.graph.readers.source.values import (
    UNKNOWN,
    ArgParser,
    FunctionalObj,
    Instance,
    LayerObj,
    Method,
    ModelBase,
    Namespace,
    OpaqueModel,
    SequentialObj,
    SubclassedObj,
    Tensor,
    Unknown,
    contains_unknown,
    flat_tensors,
    is_unknown,
)

if TYPE_CHECKING:
    from modelcheck.findings import Region

CONTAINER_METHODS = frozenset(
    {
        "append", "extend", "insert", "pop", "copy", "get", "items", "keys", "values",
        "update", "setdefault", "lower", "upper", "strip", "join", "split", "startswith",
        "endswith", "replace", "as_list", "index", "count", "format",
    }
)  # fmt: skip

_MODEL_METHODS = frozenset(
    {
        "add", "pop", "build", "compile", "fit", "fit_generator", "train_on_batch", "summary",
        "save", "save_weights", "load_weights", "evaluate", "evaluate_generator", "predict",
        "predict_generator", "get_layer", "count_params", "to_json", "get_config", "call",
    }
)  # fmt: skip

#: ``compile()`` positional parameters (Keras 2 and 3 agree on the first two).
_COMPILE_PARAMS = ["optimizer", "loss"]
_FIT_PARAMS = ["x", "y", "batch_size", "epochs"]


def model_attribute(calls: Any, model: ModelBase, attr: str, node: ast.AST | None) -> Any:
    if attr in _MODEL_METHODS:
        return Method(model, attr)
    if attr == "layers":
        return model_layers(calls, model)
    if attr in ("input", "inputs", "output", "outputs"):
        io = model_io(calls, model)
        if io is None:
            return Unknown(f"model.{attr} of a model the reader cannot follow")
        value = io[0] if attr.startswith("input") else io[1]
        if attr.endswith("s") and isinstance(value, Tensor):
            return [value]
        return value
    if attr == "name":
        return model.name if model.name else Unknown("the model's name")
    return Unknown(f"model.{attr}")


def model_layers(calls: Any, model: ModelBase) -> Any:
    if isinstance(model, SequentialObj):
        model_io(calls, model)  # each layer gets its call: ``layer.output`` works
        return list(model.layers)
    if isinstance(model, FunctionalObj):
        from modelcheck.graph.readers.source.emit import functional_layers

        return functional_layers(model)
    return Unknown("the layers of a model the reader cannot see into")


def model_io(calls: Any, model: ModelBase) -> tuple[Any, Any] | None:
    """The ``(input, output)`` tensors of a model, building them for a Sequential the first
    time the code asks (``Model(seq.input, Dense(3)(seq.output))``)."""
    if isinstance(model, FunctionalObj):
        return model.inputs, model.outputs
    if isinstance(model, OpaqueModel):
        if model.io is None:
            region = model.region
            shape = model.input_shape
            tensor = calls.make_input([], {"batch_shape": shape} if shape else {}, region)
            model.io = (tensor, calls.call_layer(model, [tensor], {}, region))
        return model.io
    if isinstance(model, SequentialObj):
        if model.io is None and model.layers:
            model.io = _sequential_io(calls, model)
        return model.io
    return None


def _sequential_io(calls: Any, model: SequentialObj) -> tuple[Any, Any]:
    first = model.layers[0]
    region = model.region
    if isinstance(first, LayerObj) and first.class_name == "InputLayer":
        shape = first.config.get("batch_shape")
        rest = model.layers[1:]
    else:
        shape = getattr(first, "input_shape", None) or model.build_shape
        rest = model.layers
    tensor = calls.make_input([], {"batch_shape": shape} if shape else {}, region)
    x: Any = tensor
    for layer in rest:
        x = calls.call_layer(layer, [x], {}, getattr(layer, "region", region))
        if not isinstance(x, Tensor):
            x = x[0] if isinstance(x, tuple) and x else x
    return tensor, x


def layer_attribute(layer: LayerObj, attr: str) -> Any:
    if attr in ("output", "input"):
        if not layer.calls:
            return Unknown(f"layer.{attr} of a layer never called")
        call = layer.calls[-1]
        if attr == "input":
            return call.args
        return Tensor(call, 0, None) if call.outputs > 1 else _call_output(call)
    if attr == "name":
        return layer.name if layer.name else Unknown("a layer's generated name")
    return Unknown(f"layer.{attr}")


def _call_output(call: Any) -> Tensor:
    from modelcheck.graph.readers.source.shapes import output_shape

    return Tensor(call, 0, output_shape(call.layer, [t.shape for t in call.inputs()]))


def add_to_sequential(calls: Any, model: SequentialObj, item: Any, region: Region) -> None:
    """``model.add(item)`` (or one entry of ``Sequential([...])``)."""
    if isinstance(item, Tensor) and item.call.args is None:
        item = item.call.layer  # keras.Input(...) added to a Sequential: its InputLayer
    elif isinstance(item, Instance) and item.model is not None:
        item.model.used_as_layer = True
        item = item.model
    elif isinstance(item, Instance) and item.cls.keras_base == "Layer":
        name = item.cls.node.name
        item = calls.opaque_layer(
            name,
            f"custom layer class '{name}' of this file (a Sequential's layers are not traced)",
            region,
        )
    if isinstance(item, ModelBase):
        item.used_as_layer = True
    if not isinstance(item, (LayerObj, ModelBase)):
        reason = item.reason if isinstance(item, Unknown) and item.reason else "a value"
        item = calls.opaque_layer(
            "Unknown", f"the layer added here is not static ({reason})", region
        )
    model.layers.append(item)
    model.io = None


def call_method(
    calls: Any,
    method: Method,
    args: list[Any],
    kwargs: dict[str, Any],
    region: Region,
    node: ast.AST,
) -> Any:
    owner = method.owner
    if isinstance(owner, ModelBase):
        return _model_method(calls, owner, method.name, args, kwargs, region)
    if isinstance(owner, Instance) and method.name == "super.__init__":
        return _super_init(owner, args, kwargs)
    if isinstance(owner, Tensor) and method.name == "get_shape":
        return calls.attribute(owner, "shape", node)
    if isinstance(owner, ArgParser):
        return _argparse(calls, owner, method.name, args, kwargs)
    return _container_method(owner, method.name, args, kwargs)


def _model_method(
    calls: Any,
    model: ModelBase,
    name: str,
    args: list[Any],
    kwargs: dict[str, Any],
    region: Region,
) -> Any:
    if name == "add" and isinstance(model, SequentialObj) and args:
        add_to_sequential(calls, model, args[0], region)
        return None
    if name == "pop" and isinstance(model, SequentialObj) and model.layers:
        return model.layers.pop()
    if name == "build":
        shape = args[0] if args else kwargs.get("input_shape")
        model.build_shape = to_shape(shape)
        if model.build_shape is None:
            model.notes.append(f"{region.label}: model.build() with a shape the reader cannot see")
        return None
    if name == "compile":
        named = dict(zip(_COMPILE_PARAMS, args))
        named.update(kwargs)
        named.setdefault("optimizer", "rmsprop")
        model.compile = {**named, "__region__": region}
        return None
    if name in ("fit", "fit_generator"):
        named = dict(zip(_FIT_PARAMS, args))
        named.update(kwargs)
        model.fit = named
        return Unknown("a training history")
    if name == "get_layer":
        return _get_layer(calls, model, args, kwargs)
    if name == "call" and isinstance(model, SubclassedObj):
        return Unknown("model.call()")
    return Unknown(f"model.{name}()")


def _argparse(
    calls: Any, parser: ArgParser, name: str, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    """``add_argument`` records a default; ``parse_args`` gives a namespace of them."""
    if name == "add_argument" and args and all(isinstance(a, str) for a in args):
        flags = [a for a in args if a.startswith("--")] or list(args)
        dest = kwargs.get("dest", flags[0].lstrip("-").replace("-", "_"))
        action = kwargs.get("action")
        default = kwargs.get("default", False if action == "store_true" else None)
        if action == "store_false" and "default" not in kwargs:
            default = True
        if isinstance(dest, str):
            parser.defaults[dest] = default
        return None
    if name in ("parse_args", "parse_known_args"):
        calls.interp.notes.append("command-line arguments are read with their defaults")
        namespace = Namespace(dict(parser.defaults))
        return (namespace, []) if name == "parse_known_args" else namespace
    return None


def _get_layer(calls: Any, model: ModelBase, args: list[Any], kwargs: dict[str, Any]) -> Any:
    layers = B.as_sequence(model_layers(calls, model)) or []
    key = args[0] if args else kwargs.get("name", kwargs.get("index"))
    if isinstance(key, int) and -len(layers) <= key < len(layers):
        return layers[key]
    for layer in layers:
        if isinstance(key, str) and getattr(layer, "name", None) == key:
            return layer
    return Unknown("model.get_layer() of a name the reader cannot match")


def _super_init(inst: Instance, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """``super().__init__(...)`` reaching keras: a Model subclass may pass inputs/outputs."""
    model = inst.model
    if model is not None:
        inputs = kwargs.get("inputs", args[0] if args else None)
        outputs = kwargs.get("outputs", args[1] if len(args) > 1 else None)
        if flat_tensors(outputs):
            model.functional_io = (inputs, outputs)
        if isinstance(kwargs.get("name"), str):
            model.name = kwargs["name"]
    return None


def _container_method(owner: Any, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if isinstance(owner, list):
        return _list_method(owner, name, args)
    if isinstance(owner, dict):
        return _dict_method(owner, name, args, kwargs)
    if isinstance(owner, tuple) and name == "as_list":
        return list(owner)
    if isinstance(owner, str) and not contains_unknown(args):
        return _str_method(owner, name, args)
    return Unknown(f".{name}() of a value the reader cannot see")


def _list_method(owner: list[Any], name: str, args: list[Any]) -> Any:
    if name == "append" and args:
        if len(owner) < B.MAX_ITEMS:
            owner.append(args[0])
        return None
    if name == "extend" and args:
        items = B.as_sequence(args[0])
        if items is None:
            owner.append(Unknown("items extended from an unknown value"))
        elif len(owner) + len(items) <= B.MAX_ITEMS:
            owner.extend(items)
        return None
    if name == "insert" and len(args) == 2 and isinstance(args[0], int):
        owner.insert(args[0], args[1])
        return None
    if name == "pop":
        index = args[0] if args else -1
        if owner and isinstance(index, int) and -len(owner) <= index < len(owner):
            return owner.pop(index)
        return UNKNOWN
    if name == "copy":
        return list(owner)
    if name == "as_list":
        return list(owner)
    return Unknown(f"list.{name}()")


def _dict_method(owner: dict[Any, Any], name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    try:
        if name == "get" and args:
            if is_unknown(args[0]):
                return Unknown("dict.get() of an unknown key")
            return owner.get(args[0], args[1] if len(args) > 1 else None)
        if name == "items":
            return B._Items(list(owner.items()))
        if name == "keys":
            return list(owner.keys())
        if name == "values":
            return list(owner.values())
        if name == "update":
            if args and isinstance(args[0], dict):
                owner.update(args[0])
            owner.update(kwargs)
            return None
        if name == "setdefault" and args and not is_unknown(args[0]):
            return owner.setdefault(args[0], args[1] if len(args) > 1 else None)
        if name == "copy":
            return dict(owner)
        if name == "pop" and args and not is_unknown(args[0]):
            return owner.pop(args[0], args[1] if len(args) > 1 else UNKNOWN)
    except TypeError:
        return Unknown("an unhashable key")
    return Unknown(f"dict.{name}()")


def _str_method(owner: str, name: str, args: list[Any]) -> Any:
    if name in ("lower", "upper", "strip") and not args:
        return getattr(owner, name)()
    if name in ("startswith", "endswith") and args and isinstance(args[0], (str, tuple)):
        return getattr(owner, name)(args[0])
    if name == "replace" and len(args) == 2 and all(isinstance(a, str) for a in args):
        return owner.replace(args[0], args[1])
    if name == "split":
        return owner.split(*[a for a in args[:1] if isinstance(a, str)])
    if name == "join" and args:
        items = B.as_sequence(args[0])
        if items is not None and all(isinstance(i, str) for i in items):
            return owner.join(items)
    return Unknown(f"str.{name}()")
