"""MC3xx: the output head against the loss it is trained with (read from compile_config)."""

from __future__ import annotations

from collections.abc import Iterator

from modelcheck.findings import Finding
from modelcheck.findings import Severity as S
from modelcheck.graph import activations as A
from modelcheck.graph.compile_info import (
    BINARY_CE,
    CATEGORICAL_CE,
    CROSS_ENTROPY,
    NON_NEGATIVE_TARGET,
    REGRESSION,
    SPARSE_CE,
)
from modelcheck.graph.ir import LossSpec, MetricSpec, ModelGraph, Node
from modelcheck.graph.walk import head_of
from modelcheck.linting.rule import Rule, describe

#: Positive activations that Keras's categorical cross-entropy renormalises into something
#: that still trains (each unit independently in (0, 1) or (0, inf)).
_POSITIVE = frozenset({"sigmoid", "hard_sigmoid", "softplus", "exponential"})


def heads(graph: ModelGraph) -> Iterator[tuple[Node, Node, LossSpec, int | None]]:
    """``(output, head, loss, units)`` for every output trained with a known loss whose
    activation is known."""
    for out in graph.output_nodes():
        loss = graph.loss_for(out)
        head = head_of(graph, out)
        if loss is None or head is None or head.activation is None:
            continue
        yield out, head, loss, out.units


class SingleUnitSoftmax(Rule):
    """Softmax over a single unit: the output is always exactly 1.0.

    ## Why is this bad?
    Softmax normalises over the last axis. With one unit the only possible distribution is
    ``[1.0]``, whatever the input: the model predicts the same value for every sample, the
    loss never changes and nothing is learned. This is the most common way a binary
    classifier is miswired.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((8,)),
        layers.Dense(16, activation="relu"),
        layers.Dense(1, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((8,)),
        layers.Dense(16, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ```
    """

    code = "MC301"
    group = "heads"
    name = "single-unit-softmax"
    severity = S.ERROR
    message = "{head} applies softmax over 1 unit: the output is always 1.0"
    fix = (
        'For a binary task use Dense(1, activation="sigmoid") with binary_crossentropy, or '
        'Dense(2, activation="softmax") with sparse_categorical_crossentropy'
    )

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for out in graph.output_nodes():
            head = head_of(graph, out)
            if head is not None and A.is_softmax(head.activation) and out.units == 1:
                yield self.finding(graph, head, head=describe(head))


class NotProbabilitiesForCrossEntropy(Rule):
    """The output is not a probability, but the cross-entropy loss expects probabilities.

    ## Why is this bad?
    With ``from_logits=False`` (the default) cross-entropy takes the output as
    probabilities: it clips it into [1e-7, 1 - 1e-7] and takes the log. A linear output gives
    negative "probabilities"; a ReLU output is exactly 0 for every class whose logit is
    negative, so when the true class is one of them its loss is a clipped constant with no
    gradient, and the model collapses to predicting one class (stuck at chance accuracy).

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((16,)),
        layers.Dense(32, activation="relu"),
        layers.Dense(3, activation="relu"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((16,)),
        layers.Dense(32, activation="relu"),
        layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```
    """

    code = "MC302"
    group = "heads"
    name = "output-not-probabilities"
    severity = S.ERROR
    message = (
        "{head} outputs {activation} values in {range}, but {loss} (from_logits=False) expects "
        "probabilities"
    )
    fix = "{fix}"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for _out, head, loss, units in heads(graph):
            act = head.activation or A.LINEAR
            if loss.name not in CROSS_ENTROPY or loss.from_logits:
                continue
            if A.is_softmax(act) or act in _POSITIVE or act.startswith("custom:"):
                continue  # softmax fits; positive activations: MC305/MC304; custom: unknown
            if loss.name in BINARY_CE:
                fix = (
                    f"Use activation=\"sigmoid\" on '{head.name}', or keep it linear and pass "
                    "from_logits=True to the loss"
                )
            else:
                fix = (
                    f"Use activation=\"softmax\" on '{head.name}' ({units or 'K'} units), or keep "
                    "it linear and pass from_logits=True to the loss"
                )
            yield self.finding(
                graph,
                head,
                head=describe(head),
                activation=act,
                range=A.output_range(act),
                loss=loss.name,
                fix=fix,
            )


class ProbabilitiesWithFromLogits(Rule):
    """The loss is told it receives logits (``from_logits=True``), but the output is already
    a softmax/sigmoid probability.

    ## Why is this bad?
    The loss applies softmax (or sigmoid) again to values already squashed into (0, 1): the
    result is nearly uniform, the loss barely moves and gradients are tiny. Training is slow
    and lands on a poor model.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((16,)),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((16,)),
        layers.Dense(10),
    ])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ```
    """

    code = "MC303"
    group = "heads"
    name = "probabilities-with-from-logits"
    severity = S.ERROR
    message = "{head} already applies {activation}, but {loss} is configured with from_logits=True"
    fix = "Remove the activation from '{name}' (keep from_logits=True), or set from_logits=False"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for _out, head, loss, _units in heads(graph):
            act = head.activation or A.LINEAR
            if loss.from_logits and (A.is_softmax(act) or act in ("sigmoid", "hard_sigmoid")):
                yield self.finding(
                    graph, head, head=describe(head), activation=act, loss=loss.name, name=head.name
                )


class SoftmaxWithBinaryCrossEntropy(Rule):
    """A softmax over more than two classes is trained with binary cross-entropy.

    ## Why is this bad?
    Binary cross-entropy scores every unit as an independent yes/no question; softmax makes
    the units compete. Together they optimise the wrong objective, and Keras's "accuracy"
    for this loss is binary accuracy per unit, which looks high (about 1 - 1/K) while the
    model is wrong on most samples.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((16,)),
        layers.Dense(5, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((16,)),
        layers.Dense(5, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```
    """

    code = "MC304"
    group = "heads"
    name = "softmax-with-binary-crossentropy"
    severity = S.ERROR
    message = "{head} is a softmax over {units} classes, but the loss is {loss}"
    fix = (
        "Use categorical_crossentropy (one-hot labels) or sparse_categorical_crossentropy "
        "(integer labels); for multi-label targets use sigmoid instead of softmax"
    )

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for _out, head, loss, units in heads(graph):
            if A.is_softmax(head.activation) and loss.name in BINARY_CE and (units or 0) > 2:
                yield self.finding(graph, head, head=describe(head), units=units, loss=loss.name)


class NonSoftmaxWithCategoricalCrossEntropy(Rule):
    """A sigmoid (or other positive, unnormalised) output is trained with categorical
    cross-entropy.

    ## Why is this bad?
    Categorical cross-entropy expects one distribution over the classes. Keras divides the
    outputs by their sum, so a sigmoid head still trains, but each unit is squashed on its
    own: gradients saturate when a unit is near 0 or 1, the outputs are not calibrated
    probabilities, and training is slower and less stable than with softmax.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((16,)),
        layers.Dense(3, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((16,)),
        layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```
    """

    code = "MC305"
    group = "heads"
    name = "sigmoid-with-categorical-crossentropy"
    severity = S.WARNING
    message = "{head} outputs unnormalised {activation} values, but the loss is {loss}"
    fix = (
        "Use activation=\"softmax\" on '{name}' for single-label classes; for multi-label "
        "targets keep sigmoid and use binary_crossentropy"
    )

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for _out, head, loss, _units in heads(graph):
            act = head.activation or A.LINEAR
            if (
                loss.name in CATEGORICAL_CE | SPARSE_CE
                and not loss.from_logits
                and act in _POSITIVE
            ):
                yield self.finding(
                    graph, head, head=describe(head), activation=act, loss=loss.name, name=head.name
                )


class RegressionLossOnClassifier(Rule):
    """A softmax classifier is trained with a regression loss (MSE, MAE, ...).

    ## Why is this bad?
    Mean squared/absolute error on softmax probabilities gives gradients that vanish when the
    model is confidently wrong (the softmax saturates and the squared error does not undo it
    the way the log in cross-entropy does). Training is slow and often stalls.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((16,)),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="mse")
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((16,)),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```
    """

    code = "MC306"
    group = "heads"
    name = "regression-loss-on-classifier"
    severity = S.WARNING
    message = "{head} is a softmax classifier, but the loss is {loss}"
    fix = "Use categorical_crossentropy (one-hot labels) or sparse_categorical_crossentropy"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for _out, head, loss, _units in heads(graph):
            if A.is_softmax(head.activation) and loss.name in REGRESSION:
                yield self.finding(graph, head, head=describe(head), loss=loss.name)


class BoundedRegressionOutput(Rule):
    """A regression output is squashed or clipped by its activation.

    ## Why is this bad?
    A regression loss (MSE, MAE, Huber, ...) asks the output to match real-valued targets,
    but sigmoid only reaches (0, 1), tanh (-1, 1), and ReLU can never go below 0 (and stops
    learning for a sample once its pre-activation is negative). Unless the targets were
    scaled into that range, the model cannot fit them and the loss plateaus. Under a loss
    whose targets are non-negative by definition (``poisson``, ``msle``), an output that
    cannot go below 0 (ReLU, softplus, exp) is the design and is not reported.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((8,)),
        layers.Dense(32, activation="relu"),
        layers.Dense(1, activation="tanh"),
    ])
    model.compile(optimizer="adam", loss="mse")
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((8,)),
        layers.Dense(32, activation="relu"),
        layers.Dense(1),
    ])
    model.compile(optimizer="adam", loss="mse")
    ```
    """

    code = "MC307"
    group = "heads"
    name = "bounded-regression-output"
    severity = S.WARNING
    message = "{head} limits the regression output to {range}, but the loss is {loss}"
    fix = (
        "Use a linear output (activation=None) on '{name}', or scale the targets into {range} "
        "and say so in the model's documentation"
    )

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for _out, head, loss, _units in heads(graph):
            act = head.activation or A.LINEAR
            bounded = act in A.SQUASHING or (
                act in A.BOUNDED_BELOW and loss.name not in NON_NEGATIVE_TARGET
            )
            if loss.name in REGRESSION and bounded:
                yield self.finding(
                    graph,
                    head,
                    head=describe(head),
                    range=A.output_range(act),
                    loss=loss.name,
                    name=head.name,
                )


#: Metrics that compare a 0.5 threshold with the output (``"accuracy"`` is one of them when
#: Keras resolves it for a one-unit output or a binary cross-entropy loss).
_THRESHOLD_METRICS = frozenset({"accuracy", "binary_accuracy"})


class MetricDisagreesWithLoss(Rule):
    """A metric reads the output differently from the loss, so the reported number is wrong.

    ## Why is this bad?
    With ``BinaryCrossentropy(from_logits=True)`` the output is a logit: the class boundary
    is at 0. ``metrics=["accuracy"]`` on that output becomes ``binary_accuracy``, which
    thresholds at 0.5, so every logit between 0 and 0.5 is counted as the wrong class and the
    accuracy Keras prints (and early stopping or checkpointing acts on) is not the model's
    accuracy. Likewise ``categorical_accuracy`` compares an argmax with one-hot labels, so
    under ``sparse_categorical_crossentropy`` (integer labels) it measures nothing useful,
    and ``sparse_categorical_accuracy`` under ``categorical_crossentropy`` the reverse. The
    model may train well; the numbers you judge it by are wrong.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((8,)),
        layers.Dense(16, activation="relu"),
        layers.Dense(1),
    ])
    model.compile(
        optimizer="adam",
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((8,)),
        layers.Dense(16, activation="relu"),
        layers.Dense(1),
    ])
    model.compile(
        optimizer="adam",
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)],
    )
    ```
    """

    code = "MC308"
    group = "heads"
    name = "metric-disagrees-with-loss"
    severity = S.WARNING
    message = "{metric} on output '{output}' {why}, so the reported {metric} is wrong"
    fix = "{fix}"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        info = graph.compile
        if info is None:
            return
        for out in graph.output_nodes():
            loss = info.losses.get(out.id)
            if loss is None:
                continue
            for metric in info.metrics.get(out.id, []):
                found = _disagreement(loss, metric, out.units)
                if found is not None:
                    why, fix = found
                    yield self.finding(
                        graph,
                        None,
                        where=("compile_config", "metrics"),
                        metric=metric.name,
                        output=out.id,
                        why=why,
                        fix=fix,
                        evidence={"loss": loss.name, "output": out.id},
                    )


def _disagreement(loss: LossSpec, metric: MetricSpec, units: int | None) -> tuple[str, str] | None:
    """Why ``metric`` misreads an output trained with ``loss``, and the fix; ``None`` if not."""
    if loss.name in BINARY_CE and loss.from_logits and metric.name in _THRESHOLD_METRICS:
        binary = metric.name == "binary_accuracy" or units == 1 or units is None
        if binary and (metric.threshold is None or metric.threshold == 0.5):
            return (
                f"thresholds logits at 0.5 ({loss.name} has from_logits=True: the boundary is 0)",
                "Use keras.metrics.BinaryAccuracy(threshold=0.0), or a sigmoid output with "
                "from_logits=False",
            )
    if loss.name in SPARSE_CE and metric.name == "categorical_accuracy":
        return (
            f"expects one-hot labels, but {loss.name} trains on integer labels",
            'Use metrics=["sparse_categorical_accuracy"] (or "accuracy")',
        )
    if loss.name in CATEGORICAL_CE and metric.name == "sparse_categorical_accuracy":
        return (
            f"expects integer labels, but {loss.name} trains on one-hot labels",
            'Use metrics=["categorical_accuracy"] (or "accuracy")',
        )
    return None
