"""MC2xx: nonlinearities — missing, misplaced, doubled."""

from __future__ import annotations

from collections.abc import Iterator

from modelcheck.findings import Finding, Severity
from modelcheck.graph import activations as A
from modelcheck.graph.compile_info import CROSS_ENTROPY
from modelcheck.graph.ir import ModelGraph, Node
from modelcheck.graph.layers import Kind, is_depthwise, is_pool
from modelcheck.graph.walk import (
    is_shape_only,
    linear_upstream_weights,
    producer_of,
    single_input,
)
from modelcheck.linting.rule import Rule, describe


def _in_channels(graph: ModelGraph, node: Node) -> int | None:
    preds = graph.predecessors(node)
    if len(preds) == 1 and preds[0].output_shape and isinstance(preds[0].output_shape[-1], int):
        return preds[0].output_shape[-1]
    return None


def _is_linear_bottleneck(graph: ModelGraph, first: Node, second: Node) -> bool:
    """A projection no wider than its input and narrower than the next layer (the linear
    bottleneck of MobileNetV2/V3 and EfficientNet blocks) keeps its information only if it
    stays linear: that is a design, not a bug."""
    out1, in1, out2 = first.units, _in_channels(graph, first), second.units
    return None not in (out1, in1, out2) and out1 <= in1 and out1 < out2  # type: ignore[operator]


def _names(nodes: list[Node]) -> str:
    return ", ".join(n.display_class for n in nodes) if nodes else "nothing"


class MissingNonlinearity(Rule):
    """Two weight layers are composed with only linear operations between them.

    ## Why is this bad?
    A Dense or Conv layer without an activation is an affine map, and so are Flatten, Reshape,
    Dropout, BatchNormalization (at inference), padding, average pooling and Add/Concatenate of
    linear paths. Two affine maps compose to one: the second layer adds parameters but no
    expressive power, and the stack behaves like a much shallower, nearly linear model. Max
    pooling is not the nonlinearity a conv stack needs either: it only selects values.
    Deliberate linear bottlenecks (a 1x1 projection narrower than both neighbours, as in
    MobileNetV2 and EfficientNet blocks) are not reported, nor a depthwise/pointwise pair
    (a separable convolution spelled as two layers).

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 3)),
        layers.Conv2D(32, 3, padding="same"),          # no activation
        layers.MaxPooling2D(),
        layers.Conv2D(64, 3, padding="same"),          # no activation
        layers.GlobalAveragePooling2D(),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 3)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(64, 3, padding="same", activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "MC201"
    group = "activations"
    name = "missing-nonlinearity"
    severity = Severity.WARNING
    message = (
        "{layer} has no activation and feeds {consumers} through only linear layers "
        "({between}): the two affine maps compose to one"
    )
    fix = (
        "Add an activation to '{name}' (activation=\"relu\", or an Activation/ReLU layer after it)"
    )

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        consumers: dict[str, list[tuple[Node, list[Node]]]] = {}
        for node in graph.by_kind(Kind.WEIGHT):
            for first, between in linear_upstream_weights(graph, node):
                if is_depthwise(first.core_class, first.core_config) != is_depthwise(
                    node.core_class, node.core_config
                ):
                    continue
                if _is_linear_bottleneck(graph, first, node):
                    continue
                consumers.setdefault(first.id, []).append((node, between))
        for first_id, pairs in consumers.items():
            first = graph.node(first_id)
            between = [n for _, b in pairs for n in b]
            yield self.finding(
                graph,
                first,
                layer=describe(first),
                consumers=", ".join(describe(n) for n, _ in pairs),
                between=_names(list({n.id: n for n in between}.values())),
                name=first.name,
                evidence={"consumers": [n.id for n, _ in pairs]},
            )


class LinearModel(Rule):
    """The network, or one of its branches, is linear from input to output.

    ## Why is this bad?
    With no nonlinearity between input and output, any number of stacked layers computes a
    single affine map (followed at most by the output softmax/sigmoid): the model is a linear
    classifier or regressor however deep it looks, and cannot learn a task that is not
    linearly separable. It trains, but plateaus far below what the architecture suggests.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((784,)),
        layers.Dense(256),
        layers.Dense(128),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((784,)),
        layers.Dense(256, activation="relu"),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "MC202"
    group = "activations"
    name = "linear-model"
    severity = Severity.ERROR
    message = (
        "The path from the input to output {output} passes {count} weight layers ({chain}) "
        "and no nonlinearity: it computes a single affine map{regression}"
    )
    fix = "Add activations (e.g. relu) to the hidden layers {chain_hidden}"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        # chains[n]: weight layers on the longest all-linear path from an input to n's output
        # (None once every path has passed a nonlinearity).
        outputs = set(graph.outputs)
        chains: dict[str, list[Node] | None] = {}
        for node in graph:
            preds = graph.predecessors(node)
            chain: list[Node] | None
            if not preds:
                chain = None if node.kind is Kind.OPAQUE else []
            else:
                parts = [chains.get(p.id) for p in preds]
                # A merge with a nonlinear branch is not linear end to end.
                chain = None if None in parts else max(parts, key=len)  # type: ignore[arg-type]
            if chain is not None and node.kind is Kind.WEIGHT:
                chain = chain + [node]
            if chain is not None and node.is_nonlinear:
                # Only the output head's softmax/sigmoid may end an otherwise linear path.
                if node.id in outputs and node.activation in (*A.SOFTMAX_LIKE, "sigmoid"):
                    yield from self._report(graph, node, chain)
                chain = None
            chains[node.id] = chain
        for out in graph.output_nodes():
            chain = chains.get(out.id)
            if chain is not None:
                yield from self._report(graph, out, chain)

    def _report(self, graph: ModelGraph, output: Node, chain: list[Node]) -> Iterator[Finding]:
        if len(chain) < 2:
            return  # one linear layer is a deliberate linear model (e.g. logistic regression)
        loss = graph.loss_for(output)
        classifier = output.activation in (*A.SOFTMAX_LIKE, "sigmoid") or (
            loss is not None and loss.name in CROSS_ENTROPY
        )
        yield self.finding(
            graph,
            chain[-1],
            severity=None if classifier else Severity.WARNING,
            regression="" if classifier else " (a linear regression, if the target is linear)",
            output=f"'{output.id}'",
            count=len(chain),
            chain=" -> ".join(n.name for n in chain),
            chain_hidden=", ".join(f"'{n.name}'" for n in chain[:-1]),
            evidence={"chain": [n.id for n in chain]},
        )


def _logit_producer(graph: ModelGraph, softmax: Node) -> Node | None:
    """The layer whose activation the softmax's input carries, looking back through layers
    that keep its sign and range: shape-only layers (Flatten, Reshape, Dropout) and max or
    average pooling, local or global (``Conv2D(k, relu) -> GlobalAveragePooling2D ->
    Softmax()`` feeds the softmax pooled ReLU maps, as non-negative as the maps)."""
    cur = single_input(graph, softmax)
    for _ in range(len(graph)):
        if cur is None:
            return None
        if is_shape_only(cur) or (cur.kind is Kind.LINEAR and is_pool(cur.core_class)):
            cur = single_input(graph, cur)
            continue
        return cur if cur.kind in (Kind.WEIGHT, Kind.ACTIVATION) else None
    return None


class ActivationBeforeSoftmax(Rule):
    """A squashing or rectifying activation is applied to the logits a softmax consumes.

    ## Why is this bad?
    Softmax expects unbounded logits. ReLU maps every negative logit to 0, so those classes
    tie at the bottom, get no gradient through the ReLU, and can end up never predicted;
    sigmoid/tanh squeeze logits into a narrow interval, so the softmax stays close to uniform
    and learning crawls. The model trains, but accuracy stalls well below what it should reach.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((64,)),
        layers.Dense(32, activation="relu"),
        layers.Dense(10, activation="relu"),
        layers.Softmax(),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((64,)),
        layers.Dense(32, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "MC203"
    group = "activations"
    name = "activation-before-softmax"
    severity = Severity.ERROR
    message = "{producer} applies {activation} to the logits consumed by the softmax in {consumer}"
    fix = "Remove the activation from '{name}' (activation=None) so the softmax sees linear logits"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for node in graph.by_kind(Kind.ACTIVATION):
            if not A.is_softmax(node.activation):
                continue
            producer = _logit_producer(graph, node)
            if producer is None:
                continue
            if producer.is_nonlinear and not A.is_softmax(producer.activation):
                yield self.finding(
                    graph,
                    producer,
                    producer=describe(producer),
                    activation=producer.activation,
                    consumer=describe(node),
                    name=producer.name,
                )


class DoubleActivation(Rule):
    """An activation is applied to a tensor that already went through one.

    ## Why is this bad?
    ``Dense(50, activation="relu")`` followed by ``ReLU()`` applies ReLU twice: harmless but
    it hides what the model computes, and usually means the author did not know that the
    ``activation=`` argument is a real activation. Softmax applied twice is worse: the second
    softmax sees values in (0, 1), so its output is nearly uniform and gradients vanish.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((64,)),
        layers.Dense(50, activation="relu"),
        layers.ReLU(),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((64,)),
        layers.Dense(50, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "MC204"
    group = "activations"
    name = "double-activation"
    severity = Severity.WARNING
    message = "{second} applies {act2} to the output of {first}, which already applied {act1}"
    fix = "Keep one of the two: remove the activation from '{first_name}' or drop '{second_name}'"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for node in graph.by_kind(Kind.ACTIVATION):
            if not node.is_nonlinear:
                continue
            found = producer_of(graph, node)
            if found is None:
                continue
            first, _ = found
            if not first.is_nonlinear:
                continue
            if A.is_softmax(node.activation) and not A.is_softmax(first.activation):
                continue  # MC203's case
            both_softmax = A.is_softmax(node.activation) and A.is_softmax(first.activation)
            yield self.finding(
                graph,
                node,
                severity=Severity.ERROR if both_softmax else None,
                second=describe(node),
                act2=node.activation,
                first=describe(first),
                act1=first.activation,
                first_name=first.name,
                second_name=node.name,
            )
