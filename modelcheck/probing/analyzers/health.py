"""MP4xx: training health: the loss (finite? decreasing?), gradient norms per weight layer
(vanishing? exploding?), saturated sigmoid/tanh units, and the range of the input data.
The gradient and saturation checks (MP403-MP405) are in :mod:`.health_gradients`; the
analyzer here runs all six.

Row schema: one ``"row": "layer"`` row per weight layer with a gradient norm and per watched
sigmoid/tanh layer, in graph order, then one ``"row": "summary"`` row. NaN/Inf numbers are
stored as the strings ``"nan"``, ``"inf"``, ``"-inf"`` (``float()`` reads them back) so the
JSON report stays valid JSON::

    layer rows
      row                  "layer"
      layer                str    graph path
      class                str    layer class
      depth                int    position in topological order
      activation           str    normalised activation of the layer's output
      grad_norm_start      float|str|None  L2 norm of the loss gradient w.r.t. the layer's
                                           weights, before training
      grad_norm_end        float|str|None  the same after training
      weight_norm          float|str|None  L2 norm of the weights after training
      saturated_fraction   float|None  sigmoid/tanh layers: share of end outputs within
                                       0.01 of the bounds (None otherwise)
      output               bool   the layer's units are the model's output units

    summary row (last; no "layer" key)
      row                  "summary"
      epochs               int    epochs in the loss history
      steps                int    recorded training steps
      loss_first           float|str|None  first epoch's training loss
      loss_last            float|str|None  last epoch's training loss
      step_loss_first      float|str|None  mean loss over the first third of the steps
      step_loss_last       float|str|None  mean loss over the last third of the steps
      nonfinite_loss       str|None  where the loss first became NaN/Inf ("step 37 of 200")
      nonfinite_loss_value str|None  "nan", "inf" or "-inf"
      nonfinite_loss_step  int|None  the training step (1-based) it happened at, when known
      input_min, input_max, input_mean, input_std   float|str|None  training inputs
      input_nan            int    NaN/Inf values in the training inputs
      input_dtype          str|None
      input_scaled_by      str|None  the Rescaling/Normalization layer near the input, or
                                     "model" when the model scales its inputs by itself
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from modelcheck.findings import Finding
from modelcheck.findings import Severity as S
from modelcheck.graph.ir import ModelGraph
from modelcheck.graph.layers import Kind
from modelcheck.probing.analyzers.common import (
    SATURATING,
    Check,
    as_float,
    finite,
    layer_activation,
    layer_class,
    node_for,
    ordered_paths,
    output_fed_by,
    relu_on_output,
)
from modelcheck.probing.analyzers.health_gradients import (
    SATURATION_MARGIN,
    ExplodingGradients,
    SaturatedUnits,
    VanishingGradients,
    ordered_norms,
    summary_of,
)
from modelcheck.probing.check import Analyzer, Row
from modelcheck.probing.types import ProbeRecord

#: Fewer steps than this are too few to compare the first and the last third of training.
MIN_STEPS = 12
#: Layers that scale a model's input so that raw data may be large.
SCALING_LAYERS = frozenset(
    {"Rescaling", "Normalization", "BatchNormalization", "LayerNormalization"}
)


def _first_nonfinite(values: list[float]) -> int | None:
    for i, v in enumerate(values):
        f = as_float(v)
        if f is None or not math.isfinite(f):
            return i
    return None


class NonFiniteLoss(Check):
    """The training loss became NaN or infinite.

    ## Why is this bad?
    Once the loss is NaN every weight update is NaN: the model is destroyed and predicts
    nothing useful. Usual causes are too high a learning rate (the weights blow up), inputs
    with NaN/Inf or a huge range, the log of 0 in a hand-written loss, or probabilities passed
    to a loss that expects logits the other way round.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((16,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=10.0), loss="mse")
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((16,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3, clipnorm=1.0), loss="mse")
    ```
    """

    code = "MP401"
    group = "training-health"
    name = "non-finite-loss"
    severity = S.ERROR
    message = "the training loss became {value} at {where}{initial}"
    fix = "{fix}"

    def judge(
        self, rows: list[Row], record: ProbeRecord, thresholds: Mapping[str, float]
    ) -> Iterator[Finding]:
        summary = summary_of(rows)
        where = summary.get("nonfinite_loss")
        if not where:
            return
        value = str(summary.get("nonfinite_loss_value") or "nan")
        initial = summary.get("nonfinite_loss_step") == 1 or any(
            not math.isfinite(g) for _, g in ordered_norms(rows, "grad_norm_start")
        )
        if initial:
            relu = relu_on_output(record.graph)
            cause = (
                f"here '{relu.name}' applies ReLU to the output, which is all 0 for some inputs"
                if relu is not None
                else "e.g. an output that can be all 0 (ReLU) under a cross-entropy loss"
            )
            fix = (
                "The learning rate is not the cause: the initial model or its loss computes "
                f"0/0 or log(0) ({cause}; Keras divides the outputs by their sum), or the data "
                "holds NaN/Inf. Use a softmax (or sigmoid) output for cross-entropy"
            )
        else:
            fix = (
                "Lower the learning rate (10x), clip gradients (clipnorm=1.0), check the data "
                "for NaN/Inf and scale the inputs into about [-1, 1]"
            )
        yield self.at_layer(
            record,
            "",
            value=value,
            where=where,
            initial=", before any weight update" if initial else "",
            fix=fix,
            evidence={"where": where, "value": value, "initial_model": "yes" if initial else "no"},
        )


class LossNotDecreasing(Check):
    """The training loss does not go down.

    Judged on the per-step losses when at least 12 steps were recorded: the mean of the last
    third is compared with the mean of the first third. With fewer steps, on the per-epoch
    losses (at least 2 epochs): the last against the first. Reported when the later loss is at
    least ``loss-ratio`` times the earlier one. Not judged when training continued from saved
    weights (a trained model has little left to learn) or when the loss is not finite
    (MP401 says so).

    ## Why is this bad?
    The probe task is easy: a sound model's loss drops steeply within the first epoch. A flat
    loss means the updates do not reach the parameters that matter: too low (or too high) a
    learning rate, a head/loss mismatch that gives no gradient, dead units, or frozen layers.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 3)),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-7),
                  loss="categorical_crossentropy")
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 3)),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss="categorical_crossentropy")
    ```

    ## Thresholds
    - ``loss-ratio`` (default 0.95): the later loss must be below this fraction of the earlier
      one. TheDeepChecker expects at least a 5 % drop per window; on the easy probe task a
      sound model's loss falls far more than that.
    """

    code = "MP402"
    group = "training-health"
    name = "loss-not-decreasing"
    severity = S.WARNING
    message = "the training loss does not decrease: {before} {first_when}, {after} {last_when}"
    fix = (
        "Check the learning rate (try 1e-3 with Adam) and that the output layer matches the "
        "loss; see the other findings for dead units or collapsed predictions"
    )
    settings = ("loss-ratio",)

    def judge(
        self, rows: list[Row], record: ProbeRecord, thresholds: Mapping[str, float]
    ) -> Iterator[Finding]:
        summary = summary_of(rows)
        if not summary or summary.get("nonfinite_loss") or record.training.get("keep_weights"):
            return
        ratio = float(thresholds["loss-ratio"])
        first, last = (
            as_float(summary.get("step_loss_first")),
            as_float(summary.get("step_loss_last")),
        )
        steps = int(summary.get("steps") or 0)
        if first is not None and last is not None:
            first_when = f"over the first third of {steps} steps"
            last_when = "over the last third"
        else:
            first, last = as_float(summary.get("loss_first")), as_float(summary.get("loss_last"))
            if first is None or last is None or int(summary.get("epochs") or 0) < 2:
                return
            first_when = "after epoch 1"
            last_when = f"after epoch {summary['epochs']}"
        if first <= 1e-6 or last < ratio * first:
            return  # nothing left to decrease, or it decreases
        yield self.at_layer(
            record,
            "",
            before=f"{first:.4g}",
            after=f"{last:.4g}",
            first_when=first_when,
            last_when=last_when,
            evidence={
                "loss_before": round(first, 6),
                "loss_after": round(last, 6),
                "ratio": round(last / first, 4),
            },
        )


class UnscaledInput(Check):
    """The input data is far outside the usual range, and the model does not scale it.

    A **warning** when the training inputs go above ``input-max`` or below ``-input-max``
    and no ``Rescaling``/``Normalization`` (or ``BatchNormalization``/``LayerNormalization``)
    layer sits between the input and the first weight layer; an **error** when the inputs
    hold NaN or Inf values.

    ## Why is this bad?
    Weight initialisers assume inputs of about unit scale. Raw pixels (0..255) multiply the
    first layer's pre-activations by hundreds: sigmoid/tanh units saturate, ReLU nets get
    huge gradients and the usual learning rates diverge. A NaN in the data turns the loss
    and every weight NaN at the first batch that contains it.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 3)),  # trained on raw 0..255 pixels
        layers.Conv2D(32, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 3)),
        layers.Rescaling(1 / 255),
        layers.Conv2D(32, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Thresholds
    - ``input-max`` (default 10): largest absolute input value accepted without a scaling
      layer. Standardised data stays within a few units; 0..255 pixels are far beyond.
    """

    code = "MP406"
    group = "training-health"
    name = "unscaled-input"
    severity = S.WARNING
    message = "{problem}"
    fix = "{fix}"
    settings = ("input-max",)

    def judge(
        self, rows: list[Row], record: ProbeRecord, thresholds: Mapping[str, float]
    ) -> Iterator[Finding]:
        summary = summary_of(rows)
        if not summary:
            return
        where = _input_location(record.graph)
        nan = int(summary.get("input_nan") or 0)
        if nan:
            yield self.at_layer(
                record,
                where,
                severity=S.ERROR,
                problem=f"the training inputs hold {nan:,} NaN/Inf values",
                fix="Clean the data: drop or impute the NaN/Inf values before training",
                evidence={"nonfinite_values": nan},
            )
            return
        low, high = as_float(summary.get("input_min")), as_float(summary.get("input_max"))
        limit = float(thresholds["input-max"])
        if low is None or high is None or summary.get("input_scaled_by"):
            return
        if high <= limit and low >= -limit:
            return
        yield self.at_layer(
            record,
            where,
            problem=(
                f"the training inputs range over [{low:.4g}, {high:.4g}] and no "
                "Rescaling/Normalization layer scales them"
            ),
            fix=(
                "Scale the data into about [-1, 1] or [0, 1] (e.g. x / 255 for pixels), or add "
                "layers.Rescaling(1 / 255) or a Normalization layer right after the input"
            ),
            evidence={"input_min": low, "input_max": high, "limit": limit},
        )


def _input_location(graph: ModelGraph) -> str:
    inputs = [i for i in graph.inputs if i in graph.nodes]
    return inputs[0] if len(inputs) == 1 else ""


def scaling_layer(graph: ModelGraph) -> str | None:
    """The ``Rescaling``/``Normalization``-like layer between a model input and the first
    weight layer, if any (walking forward through non-weight layers)."""
    seen: set[str] = set()
    stack = [graph.nodes[i] for i in graph.inputs if i in graph.nodes]
    if not stack:  # a Sequential without an InputLayer: start at the first layer
        stack = [n for n in graph if not n.inputs][:1]
    while stack:
        node = stack.pop()
        if node.id in seen:
            continue
        seen.add(node.id)
        if node.core_class in SCALING_LAYERS and node.kind is not Kind.OPAQUE:
            return node.id
        if node.kind in (Kind.WEIGHT, Kind.OPAQUE, Kind.EMBEDDING, Kind.NONLINEAR):
            continue
        stack.extend(graph.successors(node))
    return None


class HealthAnalyzer(Analyzer):
    """Loss, gradient norms, saturation and input range of the probe's training run."""

    name = "health"
    title = "Training health"
    checks = (
        NonFiniteLoss,
        LossNotDecreasing,
        VanishingGradients,
        ExplodingGradients,
        SaturatedUnits,
        UnscaledInput,
    )
    thresholds = {
        "loss-ratio": 0.95,
        "vanishing-norm": 1e-4,
        "vanishing-ratio": 1e-3,
        "exploding-norm": 1e3,
        "saturation-fraction": 0.5,
        "input-max": 10.0,
    }

    def measure(self, record: ProbeRecord) -> list[Row]:
        rows = self._layer_rows(record)
        rows.append(self._summary_row(record))
        return rows

    def _layer_rows(self, record: ProbeRecord) -> list[Row]:
        import numpy as np

        saturating = {
            w.path: w for w in record.watched if layer_activation(record, w.path) in SATURATING
        }
        paths = [*record.grad_norms_end, *record.grad_norms_start, *saturating]
        rows: list[Row] = []
        order = {node_id: i for i, node_id in enumerate(record.graph.nodes)}
        for path in ordered_paths(record, paths):
            node = node_for(record.graph, path)
            activation = layer_activation(record, path)
            saturated = None
            values = record.activations_end.get(path)
            if path in saturating and values is not None and np.size(values):
                low, high = SATURATING[activation]
                a = np.asarray(values)
                near = (a <= low + SATURATION_MARGIN) | (a >= high - SATURATION_MARGIN)
                saturated = round(float(near.mean()), 6)
            depth = order.get(node.id) if node is not None else None
            if depth is None:
                w = saturating.get(path)
                depth = w.depth if w is not None else -1
            rows.append(
                {
                    "row": "layer",
                    "layer": path,
                    "class": layer_class(record, path),
                    "depth": int(depth),
                    "activation": activation,
                    "grad_norm_start": finite(record.grad_norms_start.get(path)),
                    "grad_norm_end": finite(record.grad_norms_end.get(path)),
                    "weight_norm": finite(record.weight_norms.get(path)),
                    "saturated_fraction": saturated,
                    "output": output_fed_by(record.graph, node) is not None,
                }
            )
        return rows

    def _summary_row(self, record: ProbeRecord) -> Row:
        import numpy as np

        epochs = [as_float(v) for v in record.history.get("loss", [])]
        steps = [as_float(v) for v in record.step_losses]
        row: Row = {
            "row": "summary",
            "epochs": len(epochs),
            "steps": len(steps),
            "loss_first": finite(epochs[0]) if epochs else None,
            "loss_last": finite(epochs[-1]) if epochs else None,
            "step_loss_first": None,
            "step_loss_last": None,
            "nonfinite_loss": None,
            "nonfinite_loss_value": None,
            "nonfinite_loss_step": None,
        }
        bad_step = _first_nonfinite(steps)
        bad_epoch = _first_nonfinite(epochs)
        if bad_step is not None:
            row["nonfinite_loss"] = f"step {bad_step + 1} of {len(steps)}"
            row["nonfinite_loss_step"] = bad_step + 1
            row["nonfinite_loss_value"] = finite(_nan_if_none(steps[bad_step]))
        elif bad_epoch is not None:
            row["nonfinite_loss"] = f"epoch {bad_epoch + 1} of {len(epochs)}"
            row["nonfinite_loss_value"] = finite(_nan_if_none(epochs[bad_epoch]))
        if len(steps) >= MIN_STEPS and bad_step is None:
            third = len(steps) // 3
            row["step_loss_first"] = float(np.mean(steps[:third]))
            row["step_loss_last"] = float(np.mean(steps[-third:]))
        stats = record.input_stats
        row.update(
            {
                "input_min": finite(as_float(stats.get("min"))),
                "input_max": finite(as_float(stats.get("max"))),
                "input_mean": finite(as_float(stats.get("mean"))),
                "input_std": finite(as_float(stats.get("std"))),
                "input_nan": _count(stats.get("nan")) + _count(stats.get("inf")),
                "input_dtype": None if stats.get("dtype") is None else str(stats["dtype"]),
                "input_scaled_by": scaling_layer(record.graph)
                or ("model" if record.io.rescales_input else None),
            }
        )
        return row


def _nan_if_none(value: float | None) -> float:
    return math.nan if value is None else value


def _count(value: Any) -> int:
    """``input_stats["nan"]`` as a count (the runner may store a count or a bool)."""
    if value is None or value is False:
        return 0
    if value is True:
        return 1
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
