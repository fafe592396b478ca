"""The pure-Python model graph every rule walks: one node per *call* of a layer."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from modelcheck.findings import Region
from modelcheck.graph import activations
from modelcheck.graph.layers import Kind

Shape = tuple[int | None, ...]


@dataclass(eq=False)
class Node:
    """One call of one layer.

    Attributes:
        id: unique in the graph: the layer path joined by ``/``, plus ``[k]`` for call k > 0
            of a shared layer (Keras's ``shared_dense[1]`` notation).
        path: nested layer names, e.g. ``("encoder", "dense_3")``.
        class_name: the class as stored in the file (``TimeDistributed`` for a wrapper).
        config: the layer config as stored in the file (never executed).
        core_class: the class the rules reason about: the wrapped layer's for
            ``TimeDistributed``/``Bidirectional``, else ``class_name``.
        core_config: the config belonging to ``core_class``.
        kind: what the layer is to the rules.
        activation: normalised nonlinearity applied to the output (``"linear"`` for a weight
            layer without one), ``None`` for layers with no activation notion.
        inputs: ids of the producing nodes, in argument order.
        output_shape: static output shape (batch dim first) when known.
        params: parameter count when it can be computed statically.
        opaque_reason: why the layer could not be analysed (Lambda, custom class, ...).
    """

    id: str
    path: tuple[str, ...]
    class_name: str
    config: Mapping[str, Any]
    call_index: int = 0
    core_class: str = ""
    core_config: Mapping[str, Any] = field(default_factory=dict)
    wrapper: str | None = None
    kind: Kind = Kind.OPAQUE
    activation: str | None = None
    inputs: list[str] = field(default_factory=list)
    input_tensor_index: list[int] = field(default_factory=list)
    output_shape: Shape | None = None
    recorded_shape: Shape | None = None
    input_shape_hint: Shape | None = None
    params: int | None = None
    opaque_reason: str | None = None
    #: where the source code makes this call (models read from Python source only)
    region: Region | None = None

    @property
    def name(self) -> str:
        return self.path[-1] if self.path else self.id

    @property
    def display_class(self) -> str:
        return f"{self.wrapper}({self.core_class})" if self.wrapper else self.class_name

    @property
    def units(self) -> int | None:
        """Output features along the last axis (units/filters), when known."""
        shape = self.output_shape
        if shape and isinstance(shape[-1], int):
            return shape[-1]
        cfg = self.core_config
        for key in ("units", "filters"):
            if isinstance(cfg.get(key), int) and not isinstance(cfg.get(key), bool):
                return cfg[key]
        return None

    @property
    def is_nonlinear(self) -> bool:
        """Does this node break a chain of affine maps?"""
        if self.kind in (Kind.NONLINEAR, Kind.OPAQUE, Kind.EMBEDDING):
            return True
        if self.kind in (Kind.WEIGHT, Kind.ACTIVATION):
            return activations.is_nonlinear(self.activation)
        return False


@dataclass(frozen=True)
class LossSpec:
    """The loss one output is trained with, normalised (``categorical_crossentropy``...)."""

    name: str
    from_logits: bool = False
    raw: str = ""


@dataclass(frozen=True)
class MetricSpec:
    """One metric given to ``compile()``, normalised (``"acc"`` -> ``"accuracy"``,
    ``BinaryAccuracy`` -> ``"binary_accuracy"``), with the threshold it was configured with."""

    name: str
    threshold: float | None = None


@dataclass
class CompileInfo:
    """What ``compile()`` stored in the file: optimizer, learning rate and per-output losses."""

    optimizer: str | None = None
    learning_rate: float | None = None
    #: True when the file names no learning rate (``optimizer="adadelta"`` in source code) and
    #: ``learning_rate`` is the default Keras 3 / tf.keras gives that optimizer.
    learning_rate_is_default: bool = False
    losses: dict[str, LossSpec] = field(default_factory=dict)  # output node id -> loss
    #: Metrics per output node id, as compile() got them (``"acc"`` -> ``"accuracy"``).
    metrics: dict[str, list[MetricSpec]] = field(default_factory=dict)


@dataclass
class ModelGraph:
    """A model as a graph of layer calls, plus what ``compile()`` stored.

    Built by the readers in :mod:`modelcheck.graph.readers.model_file`; knows nothing about TensorFlow.
    """

    artifact: str
    name: str = ""
    model_class: str = ""
    source_format: str = ""
    nodes: dict[str, Node] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    compile: CompileInfo | None = None
    notes: list[str] = field(default_factory=list)
    #: True when the file holds a subclassed model: there is no layer graph to lint.
    subclassed: bool = False
    keras_version: str | None = None
    #: Saved weights, attached by :func:`modelcheck.graph.readers.weights.attach_weights` only when
    #: weight checks were asked for (they need numpy and h5py); ``None`` otherwise.
    weights: Any = None
    #: What loading the file would run, read or allocate (:mod:`modelcheck.graph.hazards`),
    #: collected by the readers for the MC8xx rules.
    hazards: list[Any] = field(default_factory=list)
    #: Why the layer graph could not be built although the file was read (a cycle, a bomb,
    #: ...; a hazard says more). Rules that need the graph are skipped.
    unreadable: str | None = None
    #: A plain read error met after hazards were found: reported as a load failure next to
    #: the security findings.
    load_error: str | None = None
    #: Models read from Python source: where the model is made, where it is compiled, and
    #: the name findings give it (the variable it is assigned to).
    region: Region | None = None
    compile_region: Region | None = None
    model_label: str = ""
    #: the inline suppressions (noqa comments) of the source file: (cell, line) -> codes,
    #: empty for all
    inline_suppressions: dict[tuple[int, int], frozenset[str]] = field(default_factory=dict)
    _succ: dict[str, list[str]] | None = field(default=None, repr=False)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def __len__(self) -> int:
        return len(self.nodes)

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def predecessors(self, node: Node) -> list[Node]:
        return [self.nodes[i] for i in dict.fromkeys(node.inputs) if i in self.nodes]

    def successors(self, node: Node) -> list[Node]:
        if self._succ is None:
            succ: dict[str, list[str]] = {i: [] for i in self.nodes}
            for n in self.nodes.values():
                for i in dict.fromkeys(n.inputs):
                    if i in succ:
                        succ[i].append(n.id)
            self._succ = succ
        return [self.nodes[i] for i in self._succ.get(node.id, [])]

    def invalidate(self) -> None:
        self._succ = None

    def by_kind(self, *kinds: Kind) -> Iterator[Node]:
        return (n for n in self.nodes.values() if n.kind in kinds)

    def output_nodes(self) -> list[Node]:
        return [self.nodes[i] for i in self.outputs if i in self.nodes]

    def loss_for(self, node: Node) -> LossSpec | None:
        if self.compile is None:
            return None
        return self.compile.losses.get(node.id)
