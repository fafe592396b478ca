"""MP2xx: what the trained model predicts on held-out data: a predicted-class histogram,
the share of the most predicted class, classes never predicted, accuracy against chance and
against what a sound classifier reaches on the task.

For classification (multiclass or binary), predictions are ``record.predictions`` on
``dataset.x_test``: probabilities or logits ``(n, K)`` (argmax), or one sigmoid unit ``(n, 1)``
(threshold 0.5; 0 when the loss takes logits). A prediction with NaN/Inf counts as no class
(and as wrong). For regression, only a head whose activation bounds its output (ReLU, tanh,
softplus...) is measured: how many held-out targets lie outside what it can output.

Row schema (classification): one ``"row": "class"`` row per class, then one
``"row": "summary"`` row::

    class rows
      row         "class"
      class       int    class index
      name        str    class name (the index when the dataset has no names)
      support     int    held-out samples of this class
      predicted   int    held-out samples predicted as this class
      share       float  predicted / samples
      recall      float|None  correct / support (None without support)

    summary row (last; it has no "class"/"predicted"/"layer" keys)
      row                 "summary"
      samples             int    held-out samples
      num_classes         int
      accuracy            float
      balanced_accuracy   float  mean recall over classes with support
      chance              float  accuracy of always predicting the most frequent class
      expected_accuracy   float|None  what a sound classifier reaches on this task
      top_class           int    most predicted class
      top_class_name      str
      top_share           float  its share of all predictions
      top_support_share   float  its share of the held-out labels
      never_predicted     list[str]  names of classes with support that are never predicted
      nonfinite           int    predictions with NaN/Inf

Row schema (regression with a bounded head): one ``"row": "regression"`` row::

      row                 "regression"
      layer               str    the layer that applies the output activation
      activation          str    its normalised activation
      low, high           float|None  the activation's output bounds (None: unbounded)
      samples             int    held-out samples
      values              int    held-out target values (samples x output units)
      outside             int    target values outside [low, high]
      outside_share       float  outside / values
      mae_outside         float|None  mean absolute error of the predictions on those values
      mae_inside          float|None  the same on the values inside the range
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from modelcheck.findings import Finding
from modelcheck.findings import Severity as S
from modelcheck.graph import activations as A
from modelcheck.graph.walk import activation_source
from modelcheck.probing.analyzers.common import (
    Check,
    pct,
    relu_on_output,
    short_list,
    single_output,
)
from modelcheck.probing.check import Analyzer, Row
from modelcheck.probing.types import REGRESSION, ProbeRecord


def predicted_classes(predictions: Any, from_logits: bool = False) -> Any:
    """Integer class per prediction row; -1 where the row holds NaN/Inf."""
    import numpy as np

    p = np.asarray(predictions, dtype=np.float64)
    p = p.reshape(len(p), -1) if p.ndim != 1 else p.reshape(-1, 1)
    bad = ~np.isfinite(p).all(axis=1)
    if p.shape[1] == 1:
        out = (p[:, 0] >= (0.0 if from_logits else 0.5)).astype(int)
    else:
        out = np.argmax(np.where(np.isfinite(p), p, -np.inf), axis=1)
    out[bad] = -1
    return out


#: Output activations that bound a regression output: their (lowest, highest) output, None
#: where unbounded. Open and closed bounds alike: a target at the bound can be reached.
OUTPUT_BOUNDS: dict[str, tuple[float | None, float | None]] = {
    "relu": (0.0, None),
    "relu6": (0.0, 6.0),
    "softplus": (0.0, None),
    "exponential": (0.0, None),
    "sigmoid": (0.0, 1.0),
    "hard_sigmoid": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
    "hard_tanh": (-1.0, 1.0),
    "softsign": (-1.0, 1.0),
    "elu": (-1.0, None),
    "selu": (-1.7581, None),
}


def _range_text(low: float | None, high: float | None) -> str:
    """``[0, inf)``, ``[-1, 1]``: the bounds of :data:`OUTPUT_BOUNDS` as text."""
    left = "(-inf" if low is None else f"[{low:g}"
    right = "inf)" if high is None else f"{high:g}]"
    return f"{left}, {right}"


def summary_row(rows: list[Row]) -> Row | None:
    return next((r for r in rows if r.get("row") == "summary"), None)


def class_rows(rows: list[Row]) -> list[Row]:
    return [r for r in rows if r.get("row") == "class"]


def _location(record: ProbeRecord) -> str:
    out = single_output(record.graph)
    return out.id if out is not None else ""


class CollapsedPredictions(Check):
    """The model predicts (almost) one class, or its accuracy is at chance.

    Reported when, on held-out data, one class takes at least ``collapse-share`` of all
    predictions (and clearly more than its share of the labels), or when accuracy is within
    ``chance-margin`` of chance (always predicting the most frequent class) and so is the
    balanced accuracy (of ``1/K``): the model has learned nothing about the input. The
    second condition keeps a sound classifier on imbalanced data from being reported.

    ## Why is this bad?
    A classifier stuck at chance is the most common symptom of a broken model in public bug
    collections: a ReLU or sigmoid head under categorical cross-entropy, dead output units,
    a learning rate far off, or labels that do not match the loss. Training "runs" and the
    loss may even drop a little, but every input gets the same answer.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((64, 64, 3)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(3, activation="relu"),  # not a distribution
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((64, 64, 3)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```

    ## Thresholds
    - ``collapse-share`` (default 0.9): share of predictions one class must take. A sound
      classifier on K >= 2 balanced classes never gives 90 % of its answers to one class.
    - ``chance-margin`` (default 0.05): how close to chance accuracy counts as "at chance"
      (also the margin by which the top share must exceed that class's share of the labels).
      Five points is well outside the sampling noise of a held-out set of 1,000.
    """

    code = "MP201"
    group = "predictions"
    name = "collapsed-predictions"
    severity = S.ERROR
    message = "{pattern}; held-out accuracy {accuracy} (chance {chance})"
    fix = "{fix}"
    settings = ("collapse-share", "chance-margin")

    def judge(
        self, rows: list[Row], record: ProbeRecord, thresholds: Mapping[str, float]
    ) -> Iterator[Finding]:
        summary = summary_row(rows)
        if summary is None or summary["num_classes"] < 2 or not summary["samples"]:
            return
        margin = float(thresholds["chance-margin"])
        share = float(summary["top_share"])
        accuracy, chance = float(summary["accuracy"]), float(summary["chance"])
        balanced = float(summary["balanced_accuracy"])
        one_class = share >= float(thresholds["collapse-share"]) and (
            share >= float(summary["top_support_share"]) + margin
        )
        at_chance = accuracy <= chance + margin and balanced <= 1 / summary["num_classes"] + margin
        if not (one_class or at_chance):
            return
        top = f"class '{summary['top_class_name']}'"
        nonfinite = int(summary.get("nonfinite") or 0) / int(summary["samples"])
        if nonfinite >= 0.5:
            pattern = f"outputs NaN/Inf for {pct(nonfinite)} of held-out inputs"
        elif one_class:
            pattern = f"predicts {top} for {pct(share)} of held-out inputs"
        else:
            pattern = (
                f"predictions carry no information about the label (most predicted: {top}, "
                f"{pct(share)})"
            )
        relu = relu_on_output(record.graph)
        if relu is not None:
            fix = (
                f"Remove the ReLU from '{relu.name}': give the softmax linear logits "
                '(Dense(units) then Softmax(), or Dense(units, activation="softmax"))'
            )
        else:
            fix = (
                "Check the output layer and loss: softmax (or linear logits with "
                "from_logits=True) for categorical cross-entropy, sigmoid for binary; then the "
                "learning rate and the labels. See the other findings for dead output units or "
                "layers that lose information"
            )
        yield self.at_layer(
            record,
            _location(record),
            fix=fix,
            pattern=pattern,
            accuracy=pct(accuracy),
            chance=pct(chance),
            evidence={
                "top_class": summary["top_class_name"],
                "top_share": round(share, 4),
                "accuracy": round(accuracy, 4),
                "balanced_accuracy": round(balanced, 4),
                "chance": round(chance, 4),
                "classes": int(summary["num_classes"]),
                "samples": int(summary["samples"]),
            },
        )


class ClassesNeverPredicted(Check):
    """Some classes are never predicted on held-out data, although they occur in it.

    Only classes with at least ``min-class-support`` held-out samples count. A **warning**;
    an **error** when at least half of those classes are never predicted.

    ## Why is this bad?
    A class the model never predicts has recall 0: the model cannot tell it apart, or it
    cannot output it at all (a dead output unit behind a ReLU, a saturated sigmoid head). On
    a balanced task a sound classifier predicts every class after brief training.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 3)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dense(10, activation="relu"),  # dead units = classes never predicted
        layers.Softmax(),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 3)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dense(10),
        layers.Softmax(),
    ])
    ```

    ## Thresholds
    - ``min-class-support`` (default 5): held-out samples a class needs before "never
      predicted" means anything; with fewer, missing it may be chance.
    """

    code = "MP202"
    group = "predictions"
    name = "classes-never-predicted"
    severity = S.WARNING
    message = (
        "{count} of {classes} classes are never predicted on {samples} held-out inputs: {names}"
    )
    fix = "{fix}"
    settings = ("min-class-support",)

    def judge(
        self, rows: list[Row], record: ProbeRecord, thresholds: Mapping[str, float]
    ) -> Iterator[Finding]:
        summary = summary_row(rows)
        if summary is None or summary["num_classes"] < 2:
            return
        if 2 * int(summary.get("nonfinite") or 0) >= int(summary["samples"]):
            return  # NaN outputs predict nothing: MP201 says so once
        floor = float(thresholds["min-class-support"])
        eligible = [r for r in class_rows(rows) if r["support"] >= floor]
        never = [r for r in eligible if r["predicted"] == 0]
        if not never or len(eligible) < 2:
            return
        names = [str(r["name"]) for r in never]
        half = 2 * len(never) >= len(eligible)
        relu = relu_on_output(record.graph)
        if relu is not None:
            fix = (
                f"Remove the ReLU from '{relu.name}': a class whose logit is clipped to 0 "
                "cannot win; give the softmax linear logits"
            )
        elif half:
            fix = (
                "Check the output layer (softmax over the classes, or linear logits with "
                "from_logits=True) and the learning rate; see MP201/MP101 if reported"
            )
        else:
            fix = (
                "Check these classes' training labels and balance (class_weight), and probe "
                "with more --epochs to see whether the model learns them late"
            )
        yield self.at_layer(
            record,
            _location(record),
            severity=S.ERROR if half else S.WARNING,
            count=len(never),
            classes=len(eligible),
            samples=f"{int(summary['samples']):,}",
            names=short_list(names),
            fix=fix,
            evidence={
                "never_predicted": ",".join(names),
                "support": ",".join(str(int(r["support"])) for r in never),
                "classes": len(eligible),
            },
        )


class AccuracyBelowExpected(Check):
    """Held-out accuracy is well below what any sound classifier reaches on this task.

    Only for the built-in tasks, whose expected accuracy within the probe's budget is known
    (``dataset.expected_accuracy``); on user data only chance is known and this check is
    silent. Reported when accuracy is below the expected value by more than
    ``accuracy-margin``.

    ## Why is this bad?
    The probe task is easy on purpose: a small sound CNN reaches it in the default budget.
    An architecture that falls well short has a bug that will also cost accuracy on the real
    task, even when training seems to work (the loss drops, accuracy is above chance).

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 3)),
        layers.Conv2D(32, 3, padding="same"),  # no activation anywhere before the head
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(10, activation="relu"),
        layers.Softmax(),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 3)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(10),
        layers.Softmax(),
    ])
    ```

    ## Thresholds
    - ``accuracy-margin`` (default 0.1): how far below the expected accuracy counts. The
      expected values are conservative floors; ten points leaves room for seed-to-seed
      variation of a brief training run.
    """

    code = "MP203"
    group = "predictions"
    name = "accuracy-below-expected"
    severity = S.WARNING
    message = (
        "held-out accuracy {accuracy} where a sound classifier reaches >= {expected} on {data}"
    )
    fix = (
        "See the other findings for the cause (dead units, collapsed predictions, a layer that "
        "loses information, training health); if there are none, probe with more --epochs to "
        "tell a slow learner from a broken one"
    )
    settings = ("accuracy-margin",)

    def judge(
        self, rows: list[Row], record: ProbeRecord, thresholds: Mapping[str, float]
    ) -> Iterator[Finding]:
        summary = summary_row(rows)
        if summary is None or summary.get("expected_accuracy") is None:
            return
        expected, accuracy = float(summary["expected_accuracy"]), float(summary["accuracy"])
        if accuracy >= expected - float(thresholds["accuracy-margin"]):
            return
        yield self.at_layer(
            record,
            "",
            accuracy=pct(accuracy),
            expected=f"{100 * expected:.0f} %",
            data=record.dataset.name,
            evidence={"accuracy": round(accuracy, 4), "expected_accuracy": expected},
        )


class RegressionTargetsOutOfRange(Check):
    """The output activation cannot reach many of the regression targets.

    Regression only: the held-out targets are compared with the range of the output layer's
    activation (``relu`` and ``softplus`` stay at or above 0, ``tanh`` within [-1, 1],
    ``relu6`` within [0, 6]...). Reported when more than ``out-of-range-share`` of the target
    values lie outside it, with the model's mean absolute error on them and on the others.

    ## Why is this bad?
    Whatever the model learns, its prediction for such a target is at best the bound: the
    error there is at least the target's distance to it. A ReLU output also stops learning
    from a sample once its pre-activation is negative (zero gradient), so every target below
    0 stays predicted as 0. Standardised targets are half negative: the loss plateaus early
    and the model looks like it cannot learn.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((8,)),
        layers.Dense(32, activation="relu"),
        layers.Dense(1, activation="relu"),  # standardised targets: half are negative
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

    ## Thresholds
    - ``out-of-range-share`` (default 0.05): share of held-out target values outside the
      output's range. Targets scaled into the range leave none outside; five percent is
      more than a few outliers and costs the model measurably.
    """

    code = "MP204"
    group = "predictions"
    name = "regression-targets-out-of-range"
    severity = S.WARNING
    message = (
        "{share} of the held-out target values lie outside {range}, the range of {layer} "
        "({activation}): its mean absolute error there is {mae_out}, against {mae_in} on the "
        "others"
    )
    fix = (
        "Use a linear output in '{name}' (no activation) for these targets, or scale the "
        "targets into {range}"
    )
    settings = ("out-of-range-share",)

    def judge(
        self, rows: list[Row], record: ProbeRecord, thresholds: Mapping[str, float]
    ) -> Iterator[Finding]:
        row = next((r for r in rows if r.get("row") == "regression"), None)
        if row is None or not row["values"]:
            return
        share = float(row["outside_share"])
        if share <= float(thresholds["out-of-range-share"]):
            return

        def mae(value: Any) -> str:
            return "n/a" if value is None else f"{value:.3g}"

        yield self.at_layer(
            record,
            row["layer"],
            share=pct(share),
            range=_range_text(row["low"], row["high"]),
            layer=f"'{row['layer']}'",
            activation=row["activation"],
            mae_out=mae(row["mae_outside"]),
            mae_in=mae(row["mae_inside"]),
            name=row["layer"].rsplit("/", 1)[-1],
            evidence={
                "outside_share": round(share, 4),
                "outside": int(row["outside"]),
                "values": int(row["values"]),
                "mae_outside": "n/a" if row["mae_outside"] is None else row["mae_outside"],
                "mae_inside": "n/a" if row["mae_inside"] is None else row["mae_inside"],
            },
        )


def _regression_row(record: ProbeRecord) -> list[Row]:
    """The ``"regression"`` row: held-out targets against the output activation's range."""
    import numpy as np

    out = single_output(record.graph)
    found = activation_source(record.graph, out) if out is not None else None
    act = A.normalize(record.io.head_activation)
    if found is None or act not in OUTPUT_BOUNDS or record.predictions is None:
        return []
    low, high = OUTPUT_BOUNDS[act]
    targets = np.asarray(record.dataset.y_test, dtype=np.float64)
    preds = np.asarray(record.predictions, dtype=np.float64)
    n = len(targets)
    if not n or preds.size != targets.size:
        return []
    targets, preds = targets.reshape(n, -1), preds.reshape(n, -1)
    outside = np.zeros(targets.shape, dtype=bool)
    if low is not None:
        outside |= targets < low
    if high is not None:
        outside |= targets > high
    err = np.abs(preds - targets)

    def mae(mask: Any) -> float | None:
        vals = err[mask]
        vals = vals[np.isfinite(vals)]
        return round(float(vals.mean()), 6) if vals.size else None

    return [
        {
            "row": "regression",
            "layer": found[0].id,
            "activation": act,
            "low": low,
            "high": high,
            "samples": n,
            "values": int(targets.size),
            "outside": int(outside.sum()),
            "outside_share": round(float(outside.mean()), 6),
            "mae_outside": mae(outside),
            "mae_inside": mae(~outside),
        }
    ]


class CollapseAnalyzer(Analyzer):
    """Predicted-class histogram and accuracy on held-out data."""

    name = "collapse"
    title = "Predictions on held-out data"
    checks = (
        CollapsedPredictions,
        ClassesNeverPredicted,
        AccuracyBelowExpected,
        RegressionTargetsOutOfRange,
    )
    thresholds = {
        "collapse-share": 0.9,
        "chance-margin": 0.05,
        "min-class-support": 5,
        "accuracy-margin": 0.1,
        "out-of-range-share": 0.05,
    }

    def measure(self, record: ProbeRecord) -> list[Row]:
        import numpy as np

        ds = record.dataset
        if ds.task == REGRESSION:
            return _regression_row(record)
        if ds.labels_test is None or record.predictions is None:
            return []
        labels = np.asarray(ds.labels_test).astype(int).reshape(-1)
        preds = np.asarray(record.predictions)
        if len(preds) != len(labels):
            raise ValueError(
                f"Expected one prediction per held-out sample ({len(labels)}). "
                f"Received: {len(preds)}"
            )
        n = len(labels)
        if not n:
            return []
        predicted = predicted_classes(preds, from_logits=record.io.from_logits)
        width = 2 if preds.ndim == 1 or preds.reshape(n, -1).shape[1] == 1 else preds.shape[-1]
        k = int(ds.num_classes or max(width, labels.max() + 1, predicted.max() + 1))
        support = np.bincount(labels[(labels >= 0) & (labels < k)], minlength=k)[:k]
        valid = (predicted >= 0) & (predicted < k)
        counts = np.bincount(predicted[valid], minlength=k)[:k]
        correct = np.bincount(labels[predicted == labels], minlength=k)[:k]
        names = [str(ds.class_names[i]) if i < len(ds.class_names) else str(i) for i in range(k)]
        rows: list[Row] = []
        for i in range(k):
            rows.append(
                {
                    "row": "class",
                    "class": i,
                    "name": names[i],
                    "support": int(support[i]),
                    "predicted": int(counts[i]),
                    "share": round(float(counts[i]) / n, 6),
                    "recall": round(float(correct[i] / support[i]), 6) if support[i] else None,
                }
            )
        top = int(np.argmax(counts))
        recalls = [correct[i] / support[i] for i in range(k) if support[i]]
        chance = ds.chance if ds.chance is not None else float(support.max() / n)
        rows.append(
            {
                "row": "summary",
                "samples": n,
                "num_classes": k,
                "accuracy": round(float((predicted == labels).mean()), 6),
                "balanced_accuracy": round(float(np.mean(recalls)), 6) if recalls else 0.0,
                "chance": round(float(chance), 6),
                "expected_accuracy": ds.expected_accuracy,
                "top_class": top,
                "top_class_name": names[top],
                "top_share": round(float(counts[top]) / n, 6),
                "top_support_share": round(float(support[top]) / n, 6),
                "never_predicted": [names[i] for i in range(k) if support[i] and not counts[i]],
                "nonfinite": int((predicted < 0).sum()),
            }
        )
        return rows
