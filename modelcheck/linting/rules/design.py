"""MC6xx: design smells — legal, but they usually cost accuracy or training time."""

from __future__ import annotations

from collections.abc import Iterator

from modelcheck.findings import Finding
from modelcheck.findings import Severity as S
from modelcheck.graph import activations as A
from modelcheck.graph.ir import ModelGraph, Node
from modelcheck.graph.layers import Kind, is_batch_norm, is_dropout
from modelcheck.graph.walk import single_input
from modelcheck.linting.rule import Rule, describe

_NORMALIZING = frozenset(
    {
        "BatchNormalization",
        "LayerNormalization",
        "GroupNormalization",
        "UnitNormalization",
        "RMSNormalization",
        "SyncBatchNormalization",
    }
)


class BiasBeforeBatchNorm(Rule):
    """A layer's bias is followed directly by BatchNormalization, which subtracts it again.

    ## Why is this bad?
    BatchNormalization subtracts the per-channel batch mean, which removes any constant
    bias, and then adds its own learned offset (beta). The layer's bias is wasted parameters
    and computation. Harmless to accuracy, which is why this is only informational.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((32, 32, 3)),
        layers.Conv2D(32, 3),
        layers.BatchNormalization(),
        layers.ReLU(),
        layers.GlobalAveragePooling2D(),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((32, 32, 3)),
        layers.Conv2D(32, 3, use_bias=False),
        layers.BatchNormalization(),
        layers.ReLU(),
        layers.GlobalAveragePooling2D(),
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "MC601"
    group = "design"
    name = "bias-before-batchnorm"
    severity = S.INFO
    message = "{layer} has a bias that the following BatchNormalization '{bn}' cancels"
    fix = "Set use_bias=False on '{name}'"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for node in graph.by_kind(Kind.WEIGHT):
            if not node.core_config.get("use_bias", True) or node.is_nonlinear:
                continue
            succ = graph.successors(node)
            if (
                len(succ) == 1
                and is_batch_norm(succ[0].core_class)
                and succ[0].core_config.get("center", True)
            ):
                yield self.finding(graph, node, layer=describe(node), bn=succ[0].id, name=node.name)


class DropoutBeforeBatchNorm(Rule):
    """Dropout feeds BatchNormalization directly.

    ## Why is this bad?
    Dropout changes the variance of its output between training and inference, but
    BatchNormalization freezes the variance it saw in training into its moving statistics.
    At inference the statistics no longer match ("variance shift", Li et al., CVPR 2019), and
    accuracy drops compared with what training metrics showed.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((64,)),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.3),
        layers.BatchNormalization(),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((64,)),
        layers.Dense(128, activation="relu"),
        layers.BatchNormalization(),
        layers.Dropout(0.3),
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "MC602"
    group = "design"
    name = "dropout-before-batchnorm"
    severity = S.WARNING
    message = (
        "{dropout} feeds BatchNormalization '{bn}': its statistics will not match at inference"
    )
    fix = "Move '{name}' after the BatchNormalization (or after the last BatchNormalization)"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for node in graph:
            if not is_batch_norm(node.core_class):
                continue
            prev = single_input(graph, node)
            rate = prev.core_config.get("rate") if prev is not None else None
            if prev is not None and is_dropout(prev.core_class) and rate not in (0, 0.0):
                yield self.finding(graph, prev, dropout=describe(prev), bn=node.id, name=prev.name)


class HighDropoutRate(Rule):
    """A dropout rate above 0.5 drops most of the signal.

    ## Why is this bad?
    ``rate`` is the fraction of units *dropped*, not kept. Above 0.5 most activations are
    zeroed at every step: gradients get noisy, training slows sharply and the model
    underfits. A rate like 0.8 is often a "keep probability" carried over from TensorFlow 1.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((64,)),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.8),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((64,)),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "MC603"
    group = "design"
    name = "high-dropout-rate"
    severity = S.WARNING
    message = "{layer} drops {pct:.0f}% of its inputs at every training step"
    fix = "Use a rate between 0.1 and 0.5 (rate is the fraction dropped, not kept)"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for node in graph:
            rate = node.core_config.get("rate")
            if (
                is_dropout(node.core_class)
                and isinstance(rate, (int, float))
                and not isinstance(rate, bool)
                and rate > 0.5
            ):
                yield self.finding(
                    graph, node, layer=describe(node), pct=100 * rate, evidence={"rate": rate}
                )


class DeepSaturatingStack(Rule):
    """Many sigmoid/tanh layers are stacked without normalization or skip connections.

    ## Why is this bad?
    The derivative of sigmoid is at most 0.25 and that of tanh at most 1, and both vanish
    once units saturate. Backpropagated through a deep stack of them, gradients shrink
    geometrically: the first layers barely learn (the vanishing gradient problem).

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((32,)),
        layers.Dense(64, activation="sigmoid"),
        layers.Dense(64, activation="sigmoid"),
        layers.Dense(64, activation="sigmoid"),
        layers.Dense(64, activation="sigmoid"),
        layers.Dense(64, activation="sigmoid"),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((32,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "MC604"
    group = "design"
    name = "deep-saturating-stack"
    severity = S.WARNING
    threshold = 4
    message = "{count} sigmoid/tanh layers in a row end at {layer}, with no normalization or skip"
    fix = "Use relu-family activations in hidden layers, or add BatchNormalization/residual connections"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        run: dict[str, list[Node]] = {}
        for node in graph:
            preds = graph.predecessors(node)
            if len(preds) != 1 or node.core_class in _NORMALIZING:
                chain: list[Node] = []  # merges (skips) and normalization reset the count
            else:
                chain = run.get(preds[0].id, [])
            if node.kind in (Kind.WEIGHT, Kind.ACTIVATION) and node.activation in A.SQUASHING:
                chain = chain + [node]
            elif node.kind in (Kind.WEIGHT, Kind.ACTIVATION, Kind.NONLINEAR, Kind.OPAQUE) and (
                node.is_nonlinear
            ):
                chain = []
            run[node.id] = chain
        # Report each run once, at its last layer.
        extended = {m.id for chain in run.values() for m in chain[:-1]}
        for node in graph:
            chain = run[node.id]
            if len(chain) >= self.threshold and chain[-1] is node and node.id not in extended:
                yield self.finding(
                    graph,
                    node,
                    count=len(chain),
                    layer=describe(node),
                    evidence={"chain": [n.id for n in chain]},
                )


class DominantDenseLayer(Rule):
    """One Dense layer after Flatten holds most of the model's parameters.

    ## Why is this bad?
    Flattening a large feature map into a Dense layer creates a huge weight matrix (VGG16's
    first Dense layer holds 74 % of its 138 M parameters). It dominates memory and overfits
    easily, while global pooling gives the same head a fraction of the parameters and
    usually generalises better.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((64, 64, 3)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(256, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((64, 64, 3)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(256, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "MC605"
    group = "design"
    name = "dominant-dense-layer"
    severity = S.INFO
    share = 0.5
    message = "{layer} after Flatten holds {params:,} of {total:,} parameters ({pct:.0f}%)"
    fix = "Reduce the feature map before Flatten (more pooling), or use GlobalAveragePooling2D"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        total = sum(n.params or 0 for n in graph)
        if total <= 0:
            return
        for node in graph:
            prev = single_input(graph, node)
            if node.core_class != "Dense" or prev is None or prev.core_class != "Flatten":
                continue
            if node.params and node.params > self.share * total:
                yield self.finding(
                    graph,
                    node,
                    layer=describe(node),
                    params=node.params,
                    total=total,
                    pct=100 * node.params / total,
                    evidence={"params": node.params, "total_params": total},
                )
