"""Graph walks the rules share: through reshapes, through linear layers, to the head."""

from __future__ import annotations

from collections.abc import Iterator

from modelcheck.graph.ir import ModelGraph, Node
from modelcheck.graph.layers import Kind

#: Layers that only move or mask values: an activation seen through them is still the
#: activation of the tensor (Flatten after softmax is still a softmax output).
SHAPE_ONLY = frozenset(
    {
        "Flatten", "Reshape", "Permute", "RepeatVector", "Identity", "Masking",
        "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
        "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization",
    }
)  # fmt: skip


def is_shape_only(node: Node) -> bool:
    if node.kind is Kind.LINEAR and node.core_class in SHAPE_ONLY:
        return True
    return node.kind is Kind.ACTIVATION and node.activation == "linear"


def single_input(graph: ModelGraph, node: Node) -> Node | None:
    preds = graph.predecessors(node)
    return preds[0] if len(preds) == 1 else None


def activation_source(graph: ModelGraph, node: Node) -> tuple[Node, list[Node]] | None:
    """The node whose activation defines ``node``'s output, looking back through shape-only
    layers. Returns it with the shape-only layers passed, or ``None`` when unknown."""
    passed: list[Node] = []
    cur: Node | None = node
    while cur is not None:
        if cur.kind in (Kind.WEIGHT, Kind.ACTIVATION) and not is_shape_only(cur):
            return cur, passed
        if not is_shape_only(cur):
            return None
        passed.append(cur)
        cur = single_input(graph, cur)
    return None


def producer_of(graph: ModelGraph, node: Node) -> tuple[Node, list[Node]] | None:
    """The activation source feeding ``node``'s (single) input."""
    src = single_input(graph, node)
    return activation_source(graph, src) if src is not None else None


def linear_upstream_weights(graph: ModelGraph, node: Node) -> Iterator[tuple[Node, list[Node]]]:
    """Weight layers whose output reaches ``node`` through linear layers only.

    Yields ``(weight_node, linear_layers_between)``. A weight layer *with* a nonlinear
    activation, a nonlinear or opaque layer, or an input ends the walk on that path. So does
    a shared stream: a tensor that other layers consume too, or a merge that joins a fork
    (a residual or multi-branch block). There the linear composition is the design (the
    residual stream of ResNet/Xception/ConvNeXt) and the first layer is not redundant.
    """
    seen: set[str] = set()
    stack: list[tuple[Node, list[Node]]] = [(p, []) for p in graph.predecessors(node)]
    while stack:
        cur, between = stack.pop()
        if cur.id in seen:
            continue
        seen.add(cur.id)
        if cur.kind is Kind.WEIGHT:
            if not cur.is_nonlinear:
                yield cur, list(reversed(between))
            continue
        if not (cur.kind is Kind.LINEAR or (cur.kind is Kind.ACTIVATION and not cur.is_nonlinear)):
            continue
        if len(graph.successors(cur)) > 1:
            continue
        preds = graph.predecessors(cur)
        if len(preds) > 1 and any(_branch_is_nonlinear(graph, p) for p in preds):
            continue
        stack.extend((p, between + [cur]) for p in preds)


def _branch_is_nonlinear(graph: ModelGraph, start: Node) -> bool:
    """Does the branch ending at ``start`` pass a nonlinearity before it forks off (or
    starts)? A merge with such a branch is a residual/multi-branch join."""
    cur = start
    for _ in range(len(graph)):
        if cur.is_nonlinear:
            return True
        preds = graph.predecessors(cur)
        if len(preds) != 1:
            return False
        cur = preds[0]
        if len(graph.successors(cur)) > 1:
            return cur.is_nonlinear
    return False


def head_of(graph: ModelGraph, output: Node) -> Node | None:
    """The node that gives a model output its activation (Dense(…, softmax) or Softmax())."""
    found = activation_source(graph, output)
    return found[0] if found else None


#: Weight layers that act on the last axis alone, position by position.
DENSE_CLASSES = ("Dense", "EinsumDense")


def dense_head(graph: ModelGraph, out: Node) -> Node | None:
    """The Dense layer that produces a model output, looking back through the layers that
    only move, mask or activate its values: shape-only layers (as :func:`head_of`) and
    activation layers, so ``Dense(10) -> Activation("softmax")`` and ``Dense(10) -> Dropout ->
    Softmax()`` are Dense heads as much as ``Dense(10, activation="softmax")`` is. ``None``
    when another layer produces the output, or the Dense is wrapped (``TimeDistributed``)."""
    cur: Node | None = out
    for _ in range(len(graph)):
        if cur is None or cur.wrapper:
            return None
        if cur.core_class in DENSE_CLASSES:
            return cur
        if not (cur.kind is Kind.ACTIVATION or is_shape_only(cur)):
            return None
        cur = single_input(graph, cur)
    return None
