"""The values the source interpreter computes while it reads a program.

Plain Python values (numbers, strings, tuples, lists, dicts) stand for themselves; everything
the interpreter cannot know is an :class:`Unknown`. Keras objects are records of what the code
asked for: a layer with its arguments, a call of it on tensors, a model. Nothing here imports
Keras or runs the user's code.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from modelcheck.findings import Region

Shape = tuple[int | None, ...]


class Unknown:
    """A value the interpreter cannot know statically; ``reason`` says why (for notes)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str = "") -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


UNKNOWN = Unknown()


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def contains_unknown(value: Any, depth: int = 0) -> bool:
    """Is this value, or anything in a tuple/list/dict inside it, unknown?"""
    if isinstance(value, Unknown):
        return True
    if depth > 20:
        return True
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return any(contains_unknown(v, depth + 1) for v in value.values())
    return False


@dataclass(eq=False)
class Ref:
    """An imported name: a module, class or function, by its dotted name as imported
    (``tensorflow.keras.layers.Dense``); :func:`~.names.canonical` says what it is."""

    qual: str
    shown: str = ""  #: as the code spells it (``tf.nn.relu`` for ``tensorflow.nn.relu``)

    def attr(self, name: str) -> Ref:
        return Ref(f"{self.qual}.{name}", f"{self.shown or self.qual}.{name}")

    @property
    def spelled(self) -> str:
        return self.shown or self.qual


@dataclass(eq=False)
class KerasObject:
    """An optimizer, loss, schedule, initializer, ... created by the code: its canonical
    class (``Adam``) and the keyword arguments that are known."""

    family: str  #: "optimizer", "loss", "schedule", "other"
    class_name: str
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class LayerObj:
    """A layer object the code constructed (``layers.Dense(64, activation="relu")``)."""

    class_name: str  #: canonical Keras 3 class (``Conv2D`` for ``Convolution2D``)
    config: dict[str, Any]  #: known arguments in Keras 3 spelling (unknown ones left out)
    region: Region
    name: str | None = None  #: an explicit ``name=``
    opaque: str | None = None  #: why the layer cannot be analysed (custom class, ...)
    inner: LayerObj | None = None  #: the wrapped layer of TimeDistributed/Bidirectional
    input_shape: Shape | None = None  #: ``input_shape=``/``batch_input_shape=`` (batch first)
    assumed: tuple[str, ...] = ()  #: undecidable conditions on the path that created it
    #: the calls of this layer so far, in program order (``layer.output`` is the last one's)
    calls: list[Call] = field(default_factory=list)


@dataclass(eq=False)
class Call:
    """One call of a layer (or a nested model) on tensors."""

    layer: Any  #: LayerObj, SequentialObj, FunctionalObj or a traced model
    args: Any  #: the argument structure: a Tensor, or a list/tuple of them
    region: Region
    outputs: int = 1

    def inputs(self) -> list[Tensor]:
        return flat_tensors(self.args)


@dataclass(eq=False)
class Tensor:
    """The ``index``-th output of one :class:`Call` (an ``Input`` is a call of an InputLayer)."""

    call: Call
    index: int = 0
    shape: Shape | None = None  #: static shape with the batch axis, when known


def flat_tensors(value: Any, depth: int = 0) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value]
    if depth > 20:
        return []
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in flat_tensors(v, depth + 1)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in flat_tensors(v, depth + 1)]
    return []


@dataclass(eq=False)
class ModelBase:
    """What every model the code builds has: where it was made, what it is called, how it was
    compiled, and the notes about what could not be followed."""

    region: Region
    name: str | None = None  #: an explicit ``name=``
    variable: str | None = None  #: the first name it was assigned to
    compile: dict[str, Any] | None = None  #: known ``compile()`` keyword arguments
    fit: dict[str, Any] | None = None  #: known ``fit()`` keyword arguments (evidence only)
    notes: list[str] = field(default_factory=list)
    assumed: tuple[str, ...] = ()
    build_shape: Shape | None = None  #: ``model.build(shape)``
    used_as_layer: bool = False  #: called inside another model: linted there


@dataclass(eq=False)
class SequentialObj(ModelBase):
    layers: list[Any] = field(default_factory=list)  #: LayerObj or nested models
    io: tuple[Any, Any] | None = None  #: (input, output) tensors when the code asks for them


@dataclass(eq=False)
class FunctionalObj(ModelBase):
    inputs: Any = None  #: the ``inputs`` structure (tensors)
    outputs: Any = None  #: the ``outputs`` structure (tensors)
    subclass: str | None = None  #: the class of a subclassed model whose call() this traces


@dataclass(eq=False)
class OpaqueModel(ModelBase):
    """A model the code gets from somewhere the reader cannot see into: ``load_model``, a
    ``keras.applications`` network, a class from another module."""

    class_name: str = "Functional"
    reason: str = ""
    input_shape: Shape | None = None
    io: tuple[Any, Any] | None = None  #: (input tensor, output tensor), made on first use


@dataclass(eq=False)
class UserFunction:
    """A ``def`` or ``lambda`` of the program, inlined when called."""

    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    scope: Any  #: the enclosing Scope
    defaults: list[Any] = field(default_factory=list)
    kw_defaults: dict[str, Any] = field(default_factory=dict)
    qualname: str = ""
    calls: int = 0  #: how often the program called it (orphan builders are run at the end)
    owner: Any = None  #: the UserClass a method belongs to (for ``super()``)
    kind: str = "function"  #: "function", "staticmethod", "classmethod"


@dataclass(eq=False)
class UserClass:
    """A ``class`` of the program; a subclass of ``keras.Model``/``Layer`` is traced."""

    node: ast.ClassDef
    bases: list[Any]
    namespace: dict[str, Any]
    keras_base: str | None = None  #: "Model" or "Layer" when it derives from one
    instances: int = 0


@dataclass(eq=False)
class Instance:
    """An object of a :class:`UserClass`; for a Model subclass, also a model."""

    cls: UserClass
    attrs: dict[str, Any] = field(default_factory=dict)
    model: SubclassedObj | None = None


@dataclass(eq=False)
class SubclassedObj(ModelBase):
    """A subclassed model: its ``call`` is traced on an input of the ``build``/first-call
    shape when the model is emitted."""

    instance: Instance | None = None
    class_name: str = "Model"
    #: ``super().__init__(inputs=..., outputs=...)``: a Functional written as a subclass
    functional_io: tuple[Any, Any] | None = None
    first_call_shape: Shape | None = None


@dataclass(eq=False)
class BoundMethod:
    func: UserFunction
    self_value: Any


@dataclass(eq=False)
class Partial:
    """``functools.partial(f, *args, **kwargs)``."""

    func: Any
    args: list[Any]
    kwargs: dict[str, Any]


@dataclass(eq=False)
class ArgParser:
    """``argparse.ArgumentParser()``: the defaults of its arguments, which is what a reader of
    a script assumes it runs with (``args.units`` is the ``--units`` default)."""

    defaults: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class Namespace:
    """What ``parse_args()`` returns: attributes with the arguments' defaults."""

    attrs: dict[str, Any]


@dataclass(eq=False)
class SuperProxy:
    """``super()`` inside a method of ``owner`` called on ``instance``."""

    instance: Any
    owner: Any


@dataclass(eq=False)
class Method:
    """A built-in method of a value the interpreter models (``model.add``, ``list.append``)."""

    owner: Any
    name: str
