"""Helpers the probe analyzers share: finding a measured layer in the graph, ordering layers,
telling output heads from hidden layers, and keeping numbers JSON-safe.

numpy only (imported inside functions); never keras.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from modelcheck.graph import activations as A
from modelcheck.graph.ir import ModelGraph, Node
from modelcheck.graph.layers import Kind
from modelcheck.graph.walk import activation_source, is_shape_only, producer_of
from modelcheck.probing.check import ProbeCheck

if TYPE_CHECKING:
    import numpy as np

    from modelcheck.probing.types import ProbeRecord, WatchedLayer

#: Activations with an exact-zero region: a unit that stays there outputs 0 and gets no
#: gradient. Leaky ReLU, ELU, GELU and SiLU are not here: their units are never "dead".
ZERO_REGION = frozenset({"relu", "relu6", "thresholded_relu"})
#: Bounded activations that saturate, with their output bounds.
SATURATING = {
    "sigmoid": (0.0, 1.0),
    "hard_sigmoid": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
    "hard_tanh": (-1.0, 1.0),
    "softsign": (-1.0, 1.0),
}


class Check(ProbeCheck):
    """A probe check that names the thresholds it reads (documented under ``## Thresholds``
    in its docstring; the defaults live in its analyzer's ``thresholds``)."""

    settings: ClassVar[tuple[str, ...]] = ()


def node_for(graph: ModelGraph, path: str) -> Node | None:
    """The graph node a measured layer path names (``a/b``, or ``a/b[1]`` for a second call)."""
    node = graph.nodes.get(path)
    if node is not None:
        return node
    for candidate in graph:
        if "/".join(candidate.path) == path:
            return candidate
    return None


def graph_order(graph: ModelGraph) -> dict[str, int]:
    """Position of every node in the graph's topological order (producers first)."""
    return {node_id: i for i, node_id in enumerate(graph.nodes)}


def ordered_paths(record: ProbeRecord, paths: Iterable[str]) -> list[str]:
    """Layer paths in the graph's topological order; paths the graph does not know keep
    their watched depth (or their given order) and come after the known ones at equal rank."""
    order = graph_order(record.graph)
    depth = {w.path: w.depth for w in record.watched}
    given = list(dict.fromkeys(paths))

    def rank(item: tuple[int, str]) -> tuple[int, int]:
        i, path = item
        node = node_for(record.graph, path)
        if node is not None:
            return (order[node.id], i)
        return (depth.get(path, len(order) + i), i)

    return [path for _, path in sorted(enumerate(given), key=rank)]


def watched_by_path(record: ProbeRecord) -> dict[str, WatchedLayer]:
    return {w.path: w for w in record.watched}


def layer_class(record: ProbeRecord, path: str) -> str:
    watched = watched_by_path(record).get(path)
    if watched is not None:
        return watched.class_name
    node = node_for(record.graph, path)
    return node.display_class if node is not None else "?"


def layer_activation(record: ProbeRecord, path: str) -> str:
    """The normalised activation applied in a layer's output (``linear`` when unknown)."""
    watched = watched_by_path(record).get(path)
    if watched is not None:
        return A.normalize(watched.activation)
    node = node_for(record.graph, path)
    return node.activation if node is not None and node.activation else A.LINEAR


def output_fed_by(graph: ModelGraph, node: Node | None) -> Node | None:
    """The model output that ``node``'s units *are*, unit for unit: ``node`` itself when it
    is an output, or the output it reaches through shape-only and activation layers only
    (``Dense(10, relu) -> Softmax()``), with nothing else reading the tensor on the way.

    ``None`` for hidden layers, and when the units do not line up with the output's (a
    ``Flatten`` of a feature map).
    """
    if node is None:
        return None
    cur = node
    for _ in range(len(graph) + 1):
        if cur.id in graph.outputs:
            if node.units is not None and cur.units is not None and node.units != cur.units:
                return None
            return cur
        succ = graph.successors(cur)
        if len(succ) != 1:
            return None
        nxt = succ[0]
        if len(nxt.inputs) != 1 or not (is_shape_only(nxt) or nxt.kind is Kind.ACTIVATION):
            return None
        cur = nxt
    return None


def relu_on_output(graph: ModelGraph) -> Node | None:
    """The layer that applies a ReLU-family activation to the model's (single) output, or to
    the logits its final softmax layer reads (``Dense(10, relu) -> Softmax()``)."""
    out = single_output(graph)
    found = activation_source(graph, out) if out is not None else None
    if found is None:
        return None
    head = found[0]
    if head.activation in ZERO_REGION:
        return head
    if head.kind is Kind.ACTIVATION and A.is_softmax(head.activation):
        before = producer_of(graph, head)
        if before is not None and before[0].activation in ZERO_REGION:
            return before[0]
    return None


def single_output(graph: ModelGraph) -> Node | None:
    outputs = graph.output_nodes()
    return outputs[0] if len(outputs) == 1 else None


def finite(value: Any) -> float | str | None:
    """A float for JSON: finite values as floats, NaN/Inf as the strings ``"nan"``,
    ``"inf"``, ``"-inf"`` (so the JSON report stays valid JSON), ``None`` stays ``None``."""
    if value is None:
        return None
    v = float(value)
    if math.isfinite(v):
        return v
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def as_float(value: Any) -> float | None:
    """Read back a number stored by :func:`finite` (``"nan"`` -> ``nan``)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def pct(value: float) -> str:
    """``0.335`` -> ``"33.5 %"``."""
    return f"{100 * value:.1f} %"


def quoted(path: str) -> str:
    return f"'{path}'"


def short_list(items: list[str], limit: int = 8) -> str:
    """``'a', 'b', ... 3 more``."""
    shown = ", ".join(f"'{i}'" for i in items[:limit])
    return shown + (f", ... {len(items) - limit} more" if len(items) > limit else "")


def per_unit(values: np.ndarray, units_axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-unit ``(max, min)`` of a layer output over samples and spatial positions (the
    unit, or channel, is ``units_axis``). Reductions only: no copy of a large feature map."""
    import numpy as np

    a = np.asarray(values)
    if a.ndim < 2:
        a = a.reshape(-1, 1)
    axis = units_axis % a.ndim
    if axis == 0:  # the batch axis cannot be the unit axis: fall back to channels-last
        axis = a.ndim - 1
    others = tuple(i for i in range(a.ndim) if i != axis)
    return np.max(a, axis=others), np.min(a, axis=others)
