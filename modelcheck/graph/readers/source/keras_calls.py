"""What calls, attributes and subscripts mean when they touch Keras: a layer class called makes a
layer, a layer called on tensors makes a call, ``Sequential``/``Model`` make models, and their
methods (``add``, ``build``, ``compile``, ``fit``) record what the code asked for."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from modelcheck.graph.ops import OPS_SHAPES, source_operation
from modelcheck.graph.readers.source import arrays, names
from modelcheck.graph.readers.source import builtins as B
from modelcheck.graph.readers.source import keras_api_data as api
from modelcheck.graph.readers.source import methods as M
from modelcheck.graph.readers.source.shapes import input_shape_of, output_shape, to_shape
from modelcheck.graph.readers.source.values import (
    UNKNOWN,
    ArgParser,
    BoundMethod,
    Call,
    FunctionalObj,
    Instance,
    KerasObject,
    LayerObj,
    Method,
    ModelBase,
    Namespace,
    OpaqueModel,
    Partial,
    Ref,
    SequentialObj,
    SubclassedObj,
    SuperProxy,
    Tensor,
    Unknown,
    UserClass,
    UserFunction,
    contains_unknown,
    flat_tensors,
    is_unknown,
)

if TYPE_CHECKING:
    from modelcheck.findings import Region

#: Modules whose calls on tensors are operations the reader does not follow.
_MODEL_KINDS = (SequentialObj, FunctionalObj, OpaqueModel)
_LOADERS = ("keras.models.load_model", "keras.saving.load_model", "keras.models.model_from_json")


def _named(params: list[str], args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    out = dict(zip(params, args))
    out.update(kwargs)
    return out


class KerasCalls:
    """The Keras half of the interpreter (it holds no state of its own)."""

    def __init__(self, interp: Any) -> None:
        self.interp = interp
        self.opaque_ops = 0  #: operations the reader did not follow, so far
        self.made = 0  #: layers and models made so far (does a loop build anything?)
        #: the custom layers whose call() is being traced, outermost first: the layers made
        #: inside carry the outermost one in their config (``_block``)
        self.blocks: list[str] = []
        #: ``K.set_image_data_format(...)``/``set_image_dim_ordering(...)`` in the program
        self.data_format: str | None = None

    # -- names -----------------------------------------------------------------------------
    def star_lookup(self, module: str, name: str) -> Ref | None:
        """A name that ``from module import *`` may have bound."""
        qual = names.canonical(f"{module}.{name}")
        if not qual.startswith("keras."):
            return None
        last = qual.rsplit(".", 1)[-1]
        if qual.startswith("keras.layers.") and (
            names.layer_class(last) or last in names.MERGE_FUNCTIONS
        ):
            return Ref(f"{module}.{name}")
        if qual in ("keras.Sequential", "keras.Model", "keras.Input", "keras.layers.InputLayer"):
            return Ref(f"{module}.{name}")
        tables = (api.OPTIMIZERS, api.LOSSES, api.SCHEDULES)
        if any(last in t for t in tables) or last in api.LOSS_FUNCTIONS:
            return Ref(f"{module}.{name}")
        return None

    def keras_base(self, bases: list[Any]) -> str | None:
        for base in bases:
            if isinstance(base, UserClass) and base.keras_base:
                return base.keras_base
            if isinstance(base, Ref):
                qual = names.canonical(base.qual)
                if qual in ("keras.Model", "keras.Sequential"):
                    return "Model"
                if qual.startswith("keras.layers.") or qual == "keras.Layer":
                    return "Layer"
        return None

    # -- attributes and subscripts ---------------------------------------------------------
    def attribute(self, value: Any, attr: str, node: ast.AST) -> Any:
        if isinstance(value, Ref):
            return value.attr(attr)
        if isinstance(value, Instance):
            return self._instance_attribute(value, attr)
        if isinstance(value, SuperProxy):
            return self._super_attribute(value, attr)
        if isinstance(value, ArgParser):
            return Method(value, attr)
        if isinstance(value, Namespace):
            return value.attrs.get(attr, Unknown(f"the command-line argument '{attr}'"))
        if isinstance(value, UserClass):
            found = _mro_lookup(value, attr)
            return found if found is not None else Unknown(f"class attribute '{attr}'")
        if isinstance(value, arrays.ArrayInfo):
            return arrays.attribute(value, attr)
        if isinstance(value, Tensor):
            if attr in ("shape", "_keras_shape"):
                return _visible_shape(value.shape)
            return Method(value, attr) if attr == "get_shape" else Unknown(f"tensor .{attr}")
        if isinstance(value, ModelBase):
            return M.model_attribute(self, value, attr, node)
        if isinstance(value, LayerObj):
            return M.layer_attribute(value, attr)
        if isinstance(value, (list, dict, str, tuple)) and attr in M.CONTAINER_METHODS:
            return Method(value, attr)
        return Unknown(f"attribute '{attr}' of a value the reader cannot see")

    def _instance_attribute(self, inst: Instance, attr: str) -> Any:
        if attr in inst.attrs:
            return inst.attrs[attr]
        found = _mro_lookup(inst.cls, attr)
        if isinstance(found, UserFunction):
            return found if found.kind == "staticmethod" else BoundMethod(found, inst)
        if found is not None:
            return found
        if inst.model is not None:
            return M.model_attribute(self, inst.model, attr, None)
        return Unknown(f"attribute '{attr}' of a '{inst.cls.node.name}' object")

    def _super_attribute(self, proxy: SuperProxy, attr: str) -> Any:
        mro = _mro(proxy.instance.cls) if isinstance(proxy.instance, Instance) else []
        after = mro[mro.index(proxy.owner) + 1 :] if proxy.owner in mro else mro[1:]
        for cls in after:
            found = cls.namespace.get(attr)
            if isinstance(found, UserFunction):
                return BoundMethod(found, proxy.instance)
        if attr == "__init__":
            return Method(proxy.instance, "super.__init__")
        return Unknown(f"super().{attr}")

    def super_proxy(self, scope: Any) -> Any:
        owner = scope.lookup("__class__")
        inst = scope.lookup("__self__")
        if isinstance(inst, Instance):
            return SuperProxy(inst, owner)
        return Unknown("super() outside a method")

    def subscript(self, value: Any, key: Any, node: ast.AST) -> Any:
        if isinstance(value, Tensor):
            return self.op_call("a slice of a tensor", [value], node, same_shape=False)
        if isinstance(value, arrays.ArrayInfo):
            return arrays.subscript(value, key)
        if is_unknown(key) or is_unknown(value):
            return Unknown("an index the reader cannot see")
        if isinstance(value, (list, tuple, str, range)):
            if isinstance(key, slice) or (isinstance(key, int) and not isinstance(key, bool)):
                try:
                    return value[key]
                except (IndexError, ValueError, TypeError):
                    return Unknown("an index out of range")
            return Unknown("an index of an unknown kind")
        if isinstance(value, dict):
            try:
                return value.get(key, Unknown(f"key {key!r} not in the dict"))
            except TypeError:
                return Unknown("an unhashable key")
        return Unknown("an index into a value the reader cannot see")

    # -- calls -----------------------------------------------------------------------------
    def call(self, func: Any, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        region = self.interp.region(node)
        if isinstance(func, Ref):
            return self._call_ref(func, args, kwargs, region, node)
        if isinstance(func, LayerObj):
            return self.call_layer(func, args, kwargs, region)
        if isinstance(func, _MODEL_KINDS):
            if not flat_tensors([args, kwargs]):
                return Unknown("a model called on data (inference)")
            func.used_as_layer = True
            return self.call_layer(func, args, kwargs, region)
        if isinstance(func, UserClass):
            return self.instantiate(func, args, kwargs, region)
        if isinstance(func, Instance):
            return self._call_instance(func, args, kwargs, region, node)
        if isinstance(func, Partial):
            return self.interp.call_value(
                func.func, func.args + args, {**func.kwargs, **kwargs}, node
            )
        if isinstance(func, Method):
            return M.call_method(self, func, args, kwargs, region, node)
        if isinstance(func, arrays.ArrayMethod):
            return arrays.method(func.array, func.name, args, kwargs)
        return Unknown("a call of a value the reader cannot see")

    def _call_ref(
        self, ref: Ref, args: list[Any], kwargs: dict[str, Any], region: Region, node: ast.AST
    ) -> Any:
        qual = names.canonical(ref.qual)
        written = ref.qual.rsplit(".", 1)[-1]
        if qual == "functools.partial" and args:
            return Partial(args[0], list(args[1:]), dict(kwargs))
        if qual == "argparse.ArgumentParser":
            return ArgParser()
        if qual == "keras.Sequential":
            return self._sequential(args, kwargs, region)
        if qual == "keras.Model":
            return self._functional(args, kwargs, region)
        if qual == "keras.Input":
            return self.make_input(args, kwargs, region)
        if qual.startswith("keras.layers."):
            return self._layer_ref(written, qual.rsplit(".", 1)[-1], args, kwargs, region)
        if qual.startswith("keras."):
            return self._keras_function(qual, written, args, kwargs, region, node)
        if qual.startswith("numpy.") and any(isinstance(a, arrays.ArrayInfo) for a in args):
            return arrays.numpy_call(written, args, kwargs)
        if flat_tensors(args) or flat_tensors(kwargs):
            return self.op_call(
                f"{ref.spelled}(...)",
                flat_tensors([args, kwargs]),
                node,
                qual=qual,
                args=args,
                kwargs=kwargs,
            )
        if written[:1].isupper() and ref.qual.split(".")[0] not in _NOT_LAYERS:
            return self.opaque_layer(
                written,
                f"'{written}' comes from module '{ref.qual.rsplit('.', 1)[0]}', which "
                "the reader does not open",
                region,
            )
        return Unknown(f"{ref.qual}(...) is not evaluated")

    def _layer_ref(
        self, written: str, last: str, args: list[Any], kwargs: dict[str, Any], region: Region
    ) -> Any:
        if last in names.MERGE_FUNCTIONS:
            layer = self.make_layer(names.MERGE_FUNCTIONS[last], args[1:], kwargs, region)
            return self.call_layer(layer, args[:1], {}, region)
        if last == "InputLayer":
            return self.make_layer("InputLayer", args, kwargs, region)
        return self.make_layer(written, args, kwargs, region)

    def _keras_function(
        self,
        qual: str,
        written: str,
        args: list[Any],
        kwargs: dict[str, Any],
        region: Region,
        node: ast.AST,
    ) -> Any:
        family, _, last = qual.rpartition(".")
        if family == "keras.optimizers.schedules":
            params = names.positional_params(api.SCHEDULES, last)
            return KerasObject("schedule", last, _named(params, args, kwargs))
        if family == "keras.optimizers":
            params = names.positional_params(api.OPTIMIZERS, last) or ["learning_rate"]
            named = _named(params, args, kwargs)
            if "lr" in named:
                named.setdefault("learning_rate", named.pop("lr"))
            cls = api.OPTIMIZERS.get(last, (last, []))[0]
            return KerasObject("optimizer", cls, named)
        if family == "keras.losses" and last[:1].isupper():
            params = names.positional_params(api.LOSSES, last)
            return KerasObject(
                "loss", api.LOSSES.get(last, (last, []))[0], _named(params, args, kwargs)
            )
        if family == "keras.applications":
            return self._application(last, kwargs, region)
        if qual in _LOADERS:
            return OpaqueModel(
                region=region,
                class_name="Functional",
                reason=f"a model loaded from a file at run time ({region.label})",
                assumed=tuple(self.interp.assumed),
            )
        if family.startswith("keras.datasets.") and last == "load_data":
            return arrays.load_data(family.rsplit(".", 1)[-1], kwargs)
        if last == "to_categorical":
            return arrays.to_categorical(args, kwargs)
        if qual in _SET_FORMAT and args and isinstance(args[0], str):
            fmt = {"th": "channels_first", "tf": "channels_last"}.get(args[0], args[0])
            self.data_format = fmt if fmt in ("channels_first", "channels_last") else None
            return None
        if qual.endswith(("image_data_format", "image_dim_ordering")) and self.data_format:
            first = self.data_format == "channels_first"
            if qual.endswith("image_dim_ordering"):
                return "th" if first else "tf"
            return self.data_format
        if qual in _DEFAULT_CONFIG:  # the reader assumes Keras's default configuration
            return _DEFAULT_CONFIG[qual]
        if qual in ("keras.backend.int_shape", "keras.ops.shape") and args:
            return _visible_shape(args[0].shape) if isinstance(args[0], Tensor) else UNKNOWN
        tensors = flat_tensors([args, kwargs])
        if family == "keras.activations" and tensors:
            layer = self.make_layer("Activation", [last], {}, region)
            return self.call_layer(layer, [tensors[0]], {}, region)
        if tensors:
            return self.op_call(f"{qual}(...)", tensors, node, qual=qual, args=args, kwargs=kwargs)
        return KerasObject("other", written, dict(kwargs))

    def _application(self, last: str, kwargs: dict[str, Any], region: Region) -> OpaqueModel:
        shape = to_shape(kwargs.get("input_shape"))
        model = OpaqueModel(
            region=region,
            class_name=last,
            reason=f"keras.applications.{last} is a pretrained network; its layers are not "
            "expanded from source",
            input_shape=(None, *shape) if shape is not None else None,
            assumed=tuple(self.interp.assumed),
        )
        tensor = kwargs.get("input_tensor")
        if isinstance(tensor, Tensor):
            out = self.call_layer(model, [tensor], {}, region)
            model.io = (tensor, out)
        return model

    # -- layers ----------------------------------------------------------------------------
    def make_layer(
        self, written: str, args: list[Any], kwargs: dict[str, Any], region: Region
    ) -> LayerObj:
        self.made += 1
        canonical_class = names.layer_class(written)
        config, inputs = names.layer_arguments(written, args, kwargs)
        name = config.pop("name", None)
        layer = LayerObj(
            class_name=canonical_class or written,
            config=config,
            region=region,
            name=name if isinstance(name, str) else None,
            assumed=tuple(self.interp.assumed),
        )
        if canonical_class is None:
            layer.opaque = f"keras.layers.{written} is not a layer of Keras {api.KERAS_VERSION}"
        if (
            self.data_format == "channels_first"
            and "data_format" not in config
            and "data_format" in names.positional_params(api.LAYERS, canonical_class or written)
        ):
            config["data_format"] = "channels_first"  # the program set it globally
        if self.blocks:
            config["_block"] = self.blocks[0]
        inner = config.pop("layer", None)
        if isinstance(inner, LayerObj):
            layer.inner = inner
        layer.input_shape = input_shape_of(inputs)
        if canonical_class == "InputLayer":
            shape = layer.input_shape
            layer.config = {"batch_shape": list(shape) if shape is not None else None}
            layer.input_shape = None
        return layer

    def opaque_layer(self, class_name: str, reason: str, region: Region) -> LayerObj:
        """A layer the reader cannot see into: an opaque node (MC001 says why)."""
        return LayerObj(
            class_name=class_name,
            config={},
            region=region,
            opaque=reason,
            assumed=tuple(self.interp.assumed),
        )

    def make_input(self, args: list[Any], kwargs: dict[str, Any], region: Region) -> Tensor:
        named = _named(["shape", "batch_size"], args, kwargs)
        shape = to_shape(named.get("shape"))
        batch = to_shape(named.get("batch_shape", named.get("batch_input_shape")))
        full = batch if batch is not None else ((None, *shape) if shape is not None else None)
        layer = LayerObj(
            class_name="InputLayer",
            config={"batch_shape": list(full) if full is not None else None},
            region=region,
            name=named.get("name") if isinstance(named.get("name"), str) else None,
            assumed=tuple(self.interp.assumed),
        )
        call = Call(layer=layer, args=None, region=region)
        layer.calls.append(call)
        return Tensor(call, 0, full)

    def implicit_input(self, region: Region, why: str) -> Tensor:
        tensor = self.make_input([], {}, region)
        tensor.call.layer.opaque = None
        tensor.call.layer.config["note"] = why
        return tensor

    def call_layer(
        self, layer: Any, args: list[Any], kwargs: dict[str, Any], region: Region
    ) -> Any:
        """``layer(x)``: a :class:`Call` on the tensors in the arguments."""
        structure: Any = args[0] if len(args) == 1 else list(args)
        if not args:
            structure = kwargs.get("inputs", kwargs.get("query"))
        extra = [kwargs[k] for k in ("value", "key") if isinstance(kwargs.get(k), Tensor)]
        if extra:
            structure = [structure, *extra]
        if not flat_tensors(structure):
            if isinstance(structure, Unknown) or structure is None:
                structure = self.implicit_input(
                    region, "the layer's input comes from a value the reader cannot see"
                )
            else:
                return Unknown("a layer called on something other than tensors")
        call = Call(layer=layer, args=structure, region=region)
        if isinstance(layer, LayerObj):
            layer.calls.append(call)
        shape = output_shape(layer, [t.shape for t in flat_tensors(structure)])
        count = _output_count(layer)
        if count > 1:
            call.outputs = count
            return tuple(Tensor(call, i, shape if i == 0 else None) for i in range(count))
        return Tensor(call, 0, shape)

    def op_call(
        self,
        what: str,
        tensors: list[Tensor],
        node: ast.AST,
        *,
        same_shape: bool = True,
        qual: str = "",
        args: list[Any] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> Tensor:
        """An operation on tensors: a known one (``keras.ops.relu``, ``tf.nn.silu``,
        ``tf.reduce_mean``) whose operands are all visible becomes the operation node Keras
        writes for it; any other (``ops.matmul(x, self.w)`` with a weight the reader cannot
        see) is an opaque node."""
        region = self.interp.region(node)
        op = source_operation(qual)
        if op is not None and not contains_unknown([args, kwargs]):
            config: dict[str, Any] = {"_op": True}
            if self.blocks:  # inside a custom layer the reader expands
                config["_block"] = self.blocks[0]
            for key in ("axis", "keepdims"):
                if key in (kwargs or {}) and isinstance(kwargs[key], (int, bool, list, type(None))):
                    config[key] = kwargs[key]
            layer = LayerObj(class_name=op, config=config, region=region)
            if op in OPS_SHAPES and len(tensors) == 1:
                shape = OPS_SHAPES[op](config, [tensors[0].shape])
            else:
                shape = None
            call = Call(
                layer=layer, args=tensors[0] if len(tensors) == 1 else list(tensors), region=region
            )
            layer.calls.append(call)
            return Tensor(call, 0, shape)
        self.opaque_ops += 1
        layer = self.opaque_layer(
            "TFOpLambda", f"{what} is an operation the reader does not follow", region
        )
        call = Call(
            layer=layer, args=list(tensors) if len(tensors) > 1 else tensors[0], region=region
        )
        layer.calls.append(call)
        shape = tensors[0].shape if same_shape and len(tensors) == 1 else None
        return Tensor(call, 0, shape)

    def tensor_operator(self, op: ast.operator, left: Any, right: Any, node: ast.AST) -> Any:
        merge = {ast.Add: "Add", ast.Sub: "Subtract", ast.Mult: "Multiply"}.get(type(op))
        if merge and isinstance(left, Tensor) and isinstance(right, Tensor):
            region = self.interp.region(node)
            layer = self.make_layer(merge, [], {}, region)
            layer.config["_operator"] = True  # written `a + b`: an Add to the rules
            return self.call_layer(layer, [[left, right]], {}, region)
        tensors = [t for t in (left, right) if isinstance(t, Tensor)]
        return self.op_call(f"the operator `{type(op).__name__}` on a tensor", tensors, node)

    # -- models ----------------------------------------------------------------------------
    def _sequential(self, args: list[Any], kwargs: dict[str, Any], region: Region) -> SequentialObj:
        named = _named(["layers", "name"], args, kwargs)
        model = SequentialObj(
            region=region, name=named.get("name") if isinstance(named.get("name"), str) else None
        )
        items = B.as_sequence(named.get("layers"))
        for item in items or []:
            M.add_to_sequential(self, model, item, region)
        if named.get("layers") is not None and items is None:
            model.notes.append(f"{region.label}: the layer list is not static; layers unknown")
        self.interp.new_model(model)
        return model

    def _functional(self, args: list[Any], kwargs: dict[str, Any], region: Region) -> Any:
        named = _named(["inputs", "outputs"], args, kwargs)
        inputs = named.get("inputs", named.get("input"))
        outputs = named.get("outputs", named.get("output"))
        if inputs is None and outputs is None:
            return Unknown("keras.Model() without inputs and outputs")
        model = FunctionalObj(
            region=region,
            name=named.get("name") if isinstance(named.get("name"), str) else None,
            inputs=inputs,
            outputs=outputs,
        )
        if not flat_tensors(outputs):
            model.notes.append(f"{region.label}: the model's outputs are not static")
        self.interp.new_model(model)
        return model

    def instantiate(
        self,
        cls: UserClass,
        args: list[Any],
        kwargs: dict[str, Any],
        region: Region,
        *,
        orphan: bool = False,
    ) -> Instance:
        cls.instances += 1
        inst = Instance(cls=cls)
        if cls.keras_base == "Model":
            inst.model = SubclassedObj(region=region, instance=inst, class_name=cls.node.name)
            if isinstance(kwargs.get("name"), str):
                inst.model.name = kwargs["name"]
            self.interp.new_model(inst.model)
        init = _mro_lookup(cls, "__init__")
        if isinstance(init, UserFunction):
            block = cls.keras_base == "Layer"  # the layers a custom layer makes are its own
            if block:
                self.blocks.append(f"{cls.node.name}#{id(inst)}")
            try:
                self.interp.call_function(init, [inst, *args], kwargs, region, orphan=orphan)
            finally:
                if block:
                    self.blocks.pop()
        return inst

    def _call_instance(
        self, inst: Instance, args: list[Any], kwargs: dict[str, Any], region: Region, node: ast.AST
    ) -> Any:
        if inst.model is not None and flat_tensors([args, kwargs]):
            inst.model.used_as_layer = True
            shapes = [t.shape for t in flat_tensors(args[:1])]
            if shapes and inst.model.first_call_shape is None:
                inst.model.first_call_shape = shapes[0]
        method = _mro_lookup(inst.cls, "call")
        if not isinstance(method, UserFunction):
            method = _mro_lookup(inst.cls, "__call__")
        if isinstance(method, UserFunction) and (flat_tensors(args) or inst.cls.keras_base):
            before = self.opaque_ops
            self._build_once(inst, args, region)
            self.blocks.append(f"{inst.cls.node.name}#{id(inst)}")
            try:
                result = self.interp.call_function(method, [inst, *args], kwargs, region)
            finally:
                self.blocks.pop()
            # a block made of Keras layers is inlined; one computing with raw operations
            # (add_weight, ops.matmul, tf.*) stays one opaque layer of its own class
            if flat_tensors(result) and (self.opaque_ops == before or inst.cls.keras_base is None):
                return result
        if inst.cls.keras_base is None:
            return Unknown(f"a call of a '{inst.cls.node.name}' object")
        layer = self.opaque_layer(
            inst.cls.node.name,
            f"the call() of custom class '{inst.cls.node.name}' could not be followed statically",
            region,
        )
        return self.call_layer(layer, args, kwargs, region)

    def _build_once(self, inst: Instance, args: list[Any], region: Region) -> None:
        """Keras calls a layer's ``build(input_shape)`` before its first ``call``."""
        build = _mro_lookup(inst.cls, "build")
        if inst.attrs.get("__built__") or not isinstance(build, UserFunction):
            return
        inst.attrs["__built__"] = True
        tensors = flat_tensors(args[:1])
        shape = _visible_shape(tensors[0].shape) if len(tensors) == 1 else UNKNOWN
        self.interp.call_function(build, [inst, shape], {}, region)


_SET_FORMAT = frozenset(
    {
        "keras.backend.set_image_data_format",
        "keras.config.set_image_data_format",
        "keras.backend.set_image_dim_ordering",
    }
)
#: ``K.image_data_format()`` and the like: what an unconfigured Keras answers.
_DEFAULT_CONFIG = {
    "keras.backend.image_data_format": "channels_last",
    "keras.config.image_data_format": "channels_last",
    "keras.backend.image_dim_ordering": "tf",
    "keras.backend.floatx": "float32",
    "keras.config.floatx": "float32",
    "keras.backend.backend": "tensorflow",
    "keras.config.backend": "tensorflow",
}

_NOT_LAYERS = frozenset(
    {"numpy", "np", "pandas", "pd", "sklearn", "matplotlib", "os", "sys", "PIL", "cv2", "torch"}
)


def _output_count(layer: Any) -> int:
    if not isinstance(layer, LayerObj):
        return 1
    cfg = layer.config
    if layer.class_name in ("LSTM", "GRU", "SimpleRNN") and cfg.get("return_state") is True:
        return 3 if layer.class_name == "LSTM" else 2
    if layer.class_name == "MultiHeadAttention" and cfg.get("return_attention_scores") is True:
        return 2
    return 1


def _visible_shape(shape: Any) -> Any:
    """A tensor's ``.shape`` as the program sees it: the batch axis ``None``, other axes the
    reader cannot compute unknown (never ``None``, which the program would compare as a size)."""
    if shape is None:
        return Unknown("a tensor shape the reader cannot compute")
    return tuple(
        d if (d is not None or i == 0) else Unknown("an unknown dimension")
        for i, d in enumerate(shape)
    )


def _mro(cls: UserClass) -> list[UserClass]:
    out: list[UserClass] = []
    stack = [cls]
    while stack and len(out) < 64:
        c = stack.pop(0)
        if c not in out:
            out.append(c)
            stack.extend(b for b in c.bases if isinstance(b, UserClass))
    return out


def _mro_lookup(cls: UserClass, attr: str) -> Any:
    for c in _mro(cls):
        if attr in c.namespace:
            return c.namespace[attr]
    return None
