"""Probe analyzers on hand-built probe records: exact numbers in, exact rows and findings out.

No training and no TensorFlow: the graphs come from hand-written Keras 3 configs
(``graph_from_config``) and the activations, predictions, losses and gradient norms are
numpy arrays chosen so that every expected value is known.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap

import numpy as np
import pytest

from modelcheck.checks import DOC_SECTIONS
from modelcheck.findings import Severity
from modelcheck.graph.keras_config import graph_from_config
from modelcheck.probing.analyzers.collapse import CollapseAnalyzer, predicted_classes
from modelcheck.probing.analyzers.dead_units import DeadUnitsAnalyzer
from modelcheck.probing.analyzers.health import HealthAnalyzer
from modelcheck.probing.analyzers.linear_probe import LinearProbeAnalyzer
from modelcheck.probing.registry import ANALYZERS, PROBE_CHECKS, analyzer_of, get_check
from modelcheck.probing.types import (
    BINARY,
    MULTICLASS,
    REGRESSION,
    Dataset,
    ModelIO,
    ProbeRecord,
    WatchedLayer,
)

# -- builders -------------------------------------------------------------------------------


def layer(cls: str, name: str, **config):
    return {"class_name": cls, "config": {"name": name, **config}}


def sequential(*layers, input_shape=(16,)):
    cfg = {
        "class_name": "Sequential",
        "config": {
            "name": "m",
            "layers": [layer("InputLayer", "input_layer", batch_shape=[None, *input_shape])]
            + list(layers),
        },
    }
    return graph_from_config(cfg, artifact="m.keras", source_format="json")


def story1(head_activation="relu"):
    """Story 1's shape: conv -> pool -> flatten -> Dense(10, head_activation) -> Softmax."""
    return sequential(
        layer(
            "Conv2D", "conv2d", filters=32, kernel_size=[3, 3], padding="same", activation="relu"
        ),
        layer("MaxPooling2D", "max_pooling2d", pool_size=[2, 2]),
        layer("Flatten", "flatten"),
        layer("Dense", "dense", units=10, activation=head_activation),
        layer("Softmax", "softmax"),
        input_shape=(8, 8, 3),
    )


def mlp(*hidden, out=3, out_activation="softmax"):
    layers = [
        layer("Dense", f"dense_{i}", units=u, activation=a) for i, (u, a) in enumerate(hidden)
    ]
    return sequential(*layers, layer("Dense", "out", units=out, activation=out_activation))


def dataset(labels_test=None, *, task=MULTICLASS, num_classes=3, expected=None, names=()):
    labels = None if labels_test is None else np.asarray(labels_test)
    n = 0 if labels is None else len(labels)
    return Dataset(
        name="colored-mnist",
        source="test",
        task=task,
        x_train=np.zeros((4, 16), np.float32),
        y_train=np.zeros(4),
        x_test=np.zeros((n, 16), np.float32),
        y_test=np.zeros(n) if labels is None else labels,
        labels_train=None if task == REGRESSION else np.zeros(4, int),
        labels_test=labels,
        num_classes=None if task == REGRESSION else num_classes,
        class_names=list(names),
        expected_accuracy=expected,
    )


def record(graph, *, watched=(), ds=None, from_logits=False, **fields):
    io = ModelIO(
        input_shape=(16,),
        output_units=3,
        head_activation="softmax",
        loss="categorical_crossentropy",
        from_logits=from_logits,
    )
    return ProbeRecord(graph=graph, dataset=ds or dataset(), io=io, watched=list(watched), **fields)


def watch(path, cls, activation, depth, axis=-1):
    return WatchedLayer(path, path, cls, activation, depth, axis)


def run(analyzer_cls, rec, **overrides):
    """measure -> judge, with thresholds given by their kebab-case keys (as in config)."""
    analyzer = analyzer_cls()
    rows = analyzer.measure(rec)
    json.dumps(rows, allow_nan=False)  # the JSON report stays strict JSON
    thresholds = {k.replace("_", "-"): v for k, v in overrides.items()}
    return rows, analyzer.judge(rows, rec, thresholds)


def codes(findings):
    return sorted(f.code for f in findings)


def units_on(n, units, alive, rng, spatial=()):
    """Activations (n, *spatial, units): the ``alive`` units fire somewhere, the rest are 0."""
    a = np.zeros((n, *spatial, units), np.float32)
    for u in alive:
        a[..., u] = rng.random((n, *spatial)) * (rng.random((n, *spatial)) > 0.5)
        a[(0,) * (1 + len(spatial)) + (u,)] = 1.0  # fires at least once
    return a


# -- MP101 dead units -----------------------------------------------------------------------


def test_dead_units_born_dead_died_and_revived():
    rng = np.random.default_rng(0)
    graph = mlp((8, "relu"), (4, "relu"))
    start = units_on(50, 8, [1, 2, 3, 4, 6, 7], rng)  # 0 and 5 dead at init
    end = units_on(50, 8, [1, 2, 4, 5, 6, 7], rng)  # 0 and 3 dead after training
    rec = record(
        graph,
        watched=[watch("dense_0", "Dense", "relu", 1)],
        activations_start={"dense_0": start},
        activations_end={"dense_0": end},
    )
    rows, findings = run(DeadUnitsAnalyzer, rec)
    assert rows == [
        {
            "layer": "dense_0",
            "class": "Dense",
            "activation": "relu",
            "depth": 1,
            "units": 8,
            "inputs": 50,
            "head": False,
            "dead_start": 2,
            "dead_end": 2,
            "born_dead": 1,
            "died": 1,
            "revived": 1,
            "dead_fraction_end": 0.25,
            "dead_units": [0, 3],
        }
    ]
    assert findings == []  # 25 % of a hidden layer: below the default dead-fraction 0.5
    _, findings = run(DeadUnitsAnalyzer, rec, dead_fraction=0.25)
    (f,) = findings
    assert (f.code, f.severity, f.location.layer) == ("MP101", Severity.WARNING, ("dense_0",))
    assert f.message == (
        "2 of 8 units in 'dense_0' never fire on any probe input "
        "(1 born dead, 1 died during training)"
    )
    assert "died during training" in f.fix and "learning rate" in f.fix


def test_dead_units_half_of_hidden_layer_is_a_warning_all_is_an_error():
    rng = np.random.default_rng(1)
    graph = mlp((8, "relu"), (4, "relu"))
    half = units_on(40, 8, [0, 1, 2, 3], rng)
    none = np.zeros((40, 4), np.float32)
    rec = record(
        graph,
        watched=[watch("dense_0", "Dense", "relu", 1), watch("dense_1", "Dense", "relu", 2)],
        activations_end={"dense_1": none, "dense_0": half},
    )
    rows, findings = run(DeadUnitsAnalyzer, rec)
    assert [r["layer"] for r in rows] == ["dense_0", "dense_1"]
    assert [r["dead_start"] for r in rows] == [None, None]
    by_layer = {f.location.layer_path: f for f in findings}
    assert by_layer["dense_0"].severity is Severity.WARNING
    assert by_layer["dense_0"].message.startswith("4 of 8 units in 'dense_0'")
    assert "not recorded at initialisation" in by_layer["dense_0"].message
    assert by_layer["dense_1"].severity is Severity.ERROR
    assert by_layer["dense_1"].message.endswith(
        "no signal passes this layer, the model computes a constant"
    )


def test_dead_output_unit_is_an_error_even_alone():
    rng = np.random.default_rng(2)
    graph = story1("relu")
    end = units_on(60, 10, [i for i in range(10) if i != 7], rng)
    start = units_on(60, 10, range(10), rng)
    rec = record(
        graph,
        watched=[watch("dense", "Dense", "relu", 4)],
        activations_start={"dense": start},
        activations_end={"dense": end},
        ds=dataset(num_classes=10),
    )
    rows, findings = run(DeadUnitsAnalyzer, rec)
    assert rows[0]["head"] is True and rows[0]["died"] == 1 and rows[0]["dead_fraction_end"] == 0.1
    (f,) = findings
    assert f.severity is Severity.ERROR and f.location.layer == ("dense",)
    assert f.message == (
        "1 of 10 units in 'dense' never fire on any probe input (0 born dead, 1 died during "
        "training): it is an output class that can never be predicted"
    )
    assert "Remove the ReLU from the output layer 'dense'" in f.fix


def test_healthy_conv_layer_with_one_dead_channel_is_not_reported():
    rng = np.random.default_rng(3)
    graph = story1("linear")
    start = units_on(30, 32, range(32), rng, spatial=(8, 8))
    end = units_on(30, 32, [c for c in range(32) if c != 5], rng, spatial=(8, 8))
    # Channel 9 is zero everywhere but one position of one input: alive (strict definition).
    end[..., 9] = 0.0
    end[17, 3, 4, 9] = 0.25
    rec = record(
        graph,
        watched=[watch("conv2d", "Conv2D", "relu", 1)],
        activations_start={"conv2d": start},
        activations_end={"conv2d": end},
    )
    rows, findings = run(DeadUnitsAnalyzer, rec)
    assert (rows[0]["units"], rows[0]["dead_end"], rows[0]["died"]) == (32, 1, 1)
    assert rows[0]["dead_units"] == [5] and rows[0]["head"] is False
    assert findings == []


def test_channels_first_units_axis():
    act = np.ones((10, 4, 3, 3), np.float32)  # (n, channels, h, w)
    act[:, 2] = 0.0
    graph = story1()
    rec = record(
        graph,
        watched=[watch("conv2d", "Conv2D", "relu", 1, axis=1)],
        activations_end={"conv2d": act},
    )
    rows, _ = run(DeadUnitsAnalyzer, rec)
    assert (rows[0]["units"], rows[0]["dead_units"]) == (4, [2])


@pytest.mark.parametrize("activation", ["leaky_relu", "gelu", "silu", "elu", "linear", "sigmoid"])
def test_activations_without_a_zero_region_are_not_measured(activation):
    graph = mlp((8, activation))
    rec = record(
        graph,
        watched=[watch("dense_0", "Dense", activation, 1)],
        activations_end={"dense_0": np.zeros((20, 8), np.float32)},
    )
    assert run(DeadUnitsAnalyzer, rec) == ([], [])


def test_relu_family_spellings_are_measured():
    graph = sequential(
        layer("Dense", "d", units=4),
        layer("ReLU", "relu_layer"),
        layer("Dense", "d6", units=4, activation="relu6"),
        layer("Dense", "out", units=3, activation="softmax"),
    )
    dead = np.zeros((20, 4), np.float32)
    rec = record(
        graph,
        watched=[
            watch("relu_layer", "ReLU", "relu", 2),
            watch("d6", "Dense", "relu6", 3),
            watch("d", "Dense", "linear", 1),
        ],
        activations_end={"relu_layer": dead, "d6": dead, "d": dead},
    )
    rows, findings = run(DeadUnitsAnalyzer, rec)
    assert [(r["layer"], r["activation"]) for r in rows] == [
        ("relu_layer", "relu"),
        ("d6", "relu6"),
    ]
    assert all(f.severity is Severity.ERROR for f in findings) and len(findings) == 2


# -- MP2xx collapsed predictions ------------------------------------------------------------


def onehot(classes, k):
    return np.eye(k, dtype=np.float32)[np.asarray(classes)]


def test_all_class_zero_on_three_balanced_classes():
    labels = np.repeat([0, 1, 2], 20)
    preds = np.tile([0.8, 0.1, 0.1], (60, 1)).astype(np.float32)
    rec = record(
        mlp((8, "relu")), ds=dataset(labels, names=["cat", "dog", "fox"]), predictions=preds
    )
    rows, findings = run(CollapseAnalyzer, rec)
    fields = ("row", "class", "name", "support", "predicted", "share", "recall")
    assert [tuple(r[k] for k in fields) for r in rows[:3]] == [
        ("class", 0, "cat", 20, 60, 1.0, 1.0),
        ("class", 1, "dog", 20, 0, 0.0, 0.0),
        ("class", 2, "fox", 20, 0, 0.0, 0.0),
    ]
    assert set(rows[0]) == set(fields)
    summary = rows[3]
    assert summary["row"] == "summary" and "class" not in summary and "layer" not in summary
    assert summary["accuracy"] == pytest.approx(1 / 3, abs=1e-6)
    assert (summary["top_share"], summary["top_class_name"]) == (1.0, "cat")
    assert summary["never_predicted"] == ["dog", "fox"]
    by_code = {f.code: f for f in findings}
    assert codes(findings) == ["MP201", "MP202"]
    f = by_code["MP201"]
    assert f.severity is Severity.ERROR and f.location.layer == ("out",)
    assert f.message == (
        "predicts class 'cat' for 100.0 % of held-out inputs; held-out accuracy 33.3 % "
        "(chance 33.3 %)"
    )
    assert f.evidence["top_share"] == 1.0
    g = by_code["MP202"]
    assert g.severity is Severity.ERROR  # 2 of 3 classes: at least half
    assert g.message == "2 of 3 classes are never predicted on 60 held-out inputs: 'dog', 'fox'"


def test_one_class_never_predicted_in_a_good_ten_class_model_is_a_warning():
    labels = np.repeat(np.arange(10), 30)
    predicted = labels.copy()
    predicted[labels == 4] = 9  # class 4 always mistaken for 9
    rec = record(
        story1("linear"), ds=dataset(labels, num_classes=10), predictions=onehot(predicted, 10)
    )
    rows, findings = run(CollapseAnalyzer, rec)
    assert rows[-1]["accuracy"] == pytest.approx(0.9)
    (f,) = findings
    assert (f.code, f.severity, f.location.layer) == ("MP202", Severity.WARNING, ("softmax",))
    assert f.message == "1 of 10 classes are never predicted on 300 held-out inputs: '4'"


def test_classes_never_predicted_behind_relu_logits_name_the_relu():
    labels = np.repeat(np.arange(10), 30)
    predicted = np.where(labels < 3, 5, labels)  # dead units 0-2: never predicted
    rec = record(
        story1("relu"), ds=dataset(labels, num_classes=10), predictions=onehot(predicted, 10)
    )
    (f,) = run(CollapseAnalyzer, rec)[1]
    assert (f.code, f.severity) == ("MP202", Severity.WARNING)
    assert f.message == "3 of 10 classes are never predicted on 300 held-out inputs: '0', '1', '2'"
    assert f.fix.startswith("Remove the ReLU from 'dense'")


def test_rare_classes_below_min_support_do_not_count():
    labels = np.array([0] * 30 + [1] * 30 + [2] * 3)
    predicted = np.array([0] * 30 + [1] * 30 + [0] * 3)
    rec = record(mlp((8, "relu")), ds=dataset(labels), predictions=onehot(predicted, 3))
    assert run(CollapseAnalyzer, rec)[1] == []
    assert codes(run(CollapseAnalyzer, rec, min_class_support=3)[1]) == ["MP202"]


def test_accuracy_at_chance_with_spread_predictions():
    rng = np.random.default_rng(4)
    labels = np.repeat(np.arange(4), 50)
    predicted = rng.permutation(labels)  # every class predicted, no information
    rec = record(
        mlp((8, "relu"), out=4), ds=dataset(labels, num_classes=4), predictions=onehot(predicted, 4)
    )
    rows, findings = run(CollapseAnalyzer, rec)
    acc = rows[-1]["accuracy"]
    assert acc <= 0.25 + 0.05 and rows[-1]["top_share"] == 0.25
    (f,) = findings
    assert f.code == "MP201"
    assert f.message.startswith("predictions carry no information about the label")


def test_accuracy_below_expected():
    labels = np.repeat(np.arange(10), 100)
    predicted = labels.copy()
    wrong = np.r_[0:1000:100, 1:1000:100, 2:1000:100]  # enough wrong to land at 63.4 %
    rng = np.random.default_rng(5)
    extra = rng.choice(np.setdiff1d(np.arange(1000), wrong), 366 - len(wrong), replace=False)
    bad = np.r_[wrong, extra]
    predicted[bad] = (labels[bad] + 1) % 10
    rec = record(
        story1("linear"),
        ds=dataset(labels, num_classes=10, expected=0.9),
        predictions=onehot(predicted, 10),
    )
    rows, findings = run(CollapseAnalyzer, rec)
    assert rows[-1]["accuracy"] == pytest.approx(0.634)
    (f,) = findings
    assert (f.code, f.severity, f.location.layer) == ("MP203", Severity.WARNING, ())
    assert f.message == (
        "held-out accuracy 63.4 % where a sound classifier reaches >= 90 % on colored-mnist"
    )
    assert run(CollapseAnalyzer, rec, accuracy_margin=0.3)[1] == []


def test_sound_classifier_on_imbalanced_binary_data_is_not_collapsed():
    labels = np.array([0] * 92 + [1] * 8)
    predicted = labels.copy()
    predicted[[0, 1, 2, 92, 93]] = [1, 1, 1, 0, 0]  # 95 % accuracy; class 0 gets 91 %
    probs = np.where(predicted == 1, 0.9, 0.1).reshape(-1, 1)
    rec = record(
        mlp((8, "relu"), out=1, out_activation="sigmoid"),
        ds=dataset(labels, task=BINARY, num_classes=2),
        predictions=probs,
    )
    rows, findings = run(CollapseAnalyzer, rec)
    summary = rows[-1]
    assert summary["accuracy"] == pytest.approx(0.95)
    assert summary["top_share"] == pytest.approx(0.91) and summary["chance"] == pytest.approx(0.92)
    assert findings == []


def test_nan_predictions_are_one_collapse_finding():
    labels = np.repeat([0, 1, 2], 20)
    preds = np.full((60, 3), np.nan, np.float32)
    rec = record(mlp((8, "relu")), ds=dataset(labels), predictions=preds)
    rows, findings = run(CollapseAnalyzer, rec)
    assert rows[-1]["nonfinite"] == 60 and rows[-1]["accuracy"] == 0.0
    (f,) = findings
    assert f.code == "MP201"
    assert f.message == (
        "outputs NaN/Inf for 100.0 % of held-out inputs; held-out accuracy 0.0 % (chance 33.3 %)"
    )


def test_binary_predictions_threshold_and_nonfinite():
    assert predicted_classes(np.array([[0.2], [0.7], [np.nan]])).tolist() == [0, 1, -1]
    assert predicted_classes(np.array([-0.5, 0.3]), from_logits=True).tolist() == [0, 1]
    assert predicted_classes(np.array([[0.1, np.inf], [0.3, 0.2]])).tolist() == [-1, 0]


def test_regression_and_missing_predictions_measure_nothing():
    rec = record(mlp((8, "relu"), out=1, out_activation="linear"), ds=dataset(task=REGRESSION))
    assert run(CollapseAnalyzer, rec) == ([], [])
    rec = record(mlp((8, "relu")), ds=dataset(np.arange(3)))
    assert run(CollapseAnalyzer, rec) == ([], [])


def regression_record(out_activation, targets, predictions):
    targets = np.asarray(targets, np.float32).reshape(-1, 1)
    ds = dataset(task=REGRESSION)
    ds.y_test, ds.x_test = targets, np.zeros((len(targets), 16), np.float32)
    io = ModelIO(
        input_shape=(16,),
        output_units=1,
        head_activation=out_activation,
        loss="mean_squared_error",
    )
    graph = mlp((8, "relu"), out=1, out_activation=out_activation)
    preds = np.asarray(predictions, np.float32).reshape(-1, 1)
    return ProbeRecord(graph=graph, dataset=ds, io=io, watched=[], predictions=preds)


def test_regression_targets_below_a_relu_output():
    targets = [-2.0, -1.0, 0.5, 1.0, 2.0, -0.5, 3.0, 4.0]  # 3 of 8 below 0
    preds = [0.0, 0.0, 0.5, 1.2, 2.0, 0.0, 2.5, 4.0]
    rows, findings = run(CollapseAnalyzer, regression_record("relu", targets, preds))
    assert rows == [
        {
            "row": "regression",
            "layer": "out",
            "activation": "relu",
            "low": 0.0,
            "high": None,
            "samples": 8,
            "values": 8,
            "outside": 3,
            "outside_share": 0.375,
            "mae_outside": pytest.approx(3.5 / 3, abs=1e-6),
            "mae_inside": pytest.approx(0.14, abs=1e-6),
        }
    ]
    (f,) = findings
    assert (f.code, f.severity, f.location.layer) == ("MP204", Severity.WARNING, ("out",))
    assert f.message == (
        "37.5 % of the held-out target values lie outside [0, inf), the range of 'out' (relu): "
        "its mean absolute error there is 1.17, against 0.14 on the others"
    )
    assert "linear output in 'out'" in f.fix
    assert (
        run(CollapseAnalyzer, regression_record("relu", targets, preds), out_of_range_share=0.4)[1]
        == []
    )


def test_regression_targets_inside_the_output_range_are_not_reported():
    targets = [0.1, 0.5, 0.9, 0.3]
    rows, findings = run(CollapseAnalyzer, regression_record("sigmoid", targets, targets))
    assert rows[0]["outside"] == 0 and rows[0]["mae_outside"] is None and findings == []
    rows, findings = run(CollapseAnalyzer, regression_record("tanh", [-3.0, 0.0, 2.0], [0, 0, 0]))
    assert rows[0]["outside"] == 2 and codes(findings) == ["MP204"]
    assert run(CollapseAnalyzer, regression_record("linear", [-3.0, 9.0], [0, 0])) == ([], [])


# -- MP301 linear probes --------------------------------------------------------------------


def probe_graph():
    return sequential(
        layer("Flatten", "flatten"),
        layer("Dense", "hidden", units=32, activation="relu"),
        layer("Dense", "hidden_1", units=32, activation="relu"),
        layer("Dropout", "dropout", rate=0.5),
        layer("Dense", "hidden_2", units=32, activation="relu"),
        layer("Dense", "dense", units=10, activation="relu"),
        layer("Softmax", "softmax"),
        input_shape=(4, 4, 2),
    )


def separable(y, k, dims, rng, scale=3.0):
    x = rng.normal(size=(len(y), dims))
    x[:, :k] += scale * np.eye(k)[y]
    return x.astype(np.float32)


def noise(n, dims, rng):
    return rng.normal(size=(n, dims)).astype(np.float32)


def test_information_lost_at_the_first_layer_that_drops_only():
    rng = np.random.default_rng(6)
    y = np.repeat(np.arange(10), 30)
    features = {
        "softmax": rng.random((300, 10)).astype(np.float32),
        "hidden": separable(y, 10, 32, rng, scale=4.0),
        "hidden_1": noise(300, 32, rng),  # information gone here...
        "dropout": noise(300, 32, rng),  # ... so not reported again after it
        "hidden_2": noise(300, 32, rng),
        "dense": noise(300, 10, rng),
        "flatten": separable(y, 10, 32, rng, scale=4.0),
    }
    rec = record(probe_graph(), ds=dataset(num_classes=10), features=features, probe_labels=y)
    rows, findings = run(LinearProbeAnalyzer, rec)
    order = ["flatten", "hidden", "hidden_1", "dropout", "hidden_2", "dense", "softmax"]
    assert [r["layer"] for r in rows] == order
    assert [r["depth"] for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    acc = {r["layer"]: r["probe_accuracy"] for r in rows}
    assert acc["flatten"] > 0.9 and acc["hidden"] > 0.9 and acc["hidden_1"] < 0.3
    assert [r["readout_accuracy"] is not None for r in rows] == [False] * 5 + [True] * 2
    assert all(r["chance"] == 0.1 for r in rows) and rows[5]["dims"] == 10
    (f,) = findings
    assert (f.code, f.severity, f.location.layer) == ("MP301", Severity.WARNING, ("hidden_1",))
    best = max(acc["flatten"], acc["hidden"])
    ref = "flatten" if acc["flatten"] >= acc["hidden"] else "hidden"
    assert f.message == (
        f"linear-probe accuracy falls from {100 * best:.1f} % at '{ref}' to "
        f"{100 * acc['hidden_1']:.1f} % at 'hidden_1': information is lost there"
    )
    assert f.fix.startswith("ReLU units in 'hidden_1' clip or die")


def test_relu_logits_lose_the_classes_they_clip():
    """Story 1: the head's own argmax is what counts there, not a probe refit on it."""
    rng = np.random.default_rng(13)
    y = np.repeat(np.arange(10), 30)
    logits = 4.0 * np.eye(10)[y] + rng.normal(size=(300, 10))
    clipped = np.maximum(logits, 0.0)
    clipped[:, :3] = 0.0  # three dead output units
    features = {
        name: separable(y, 10, 32, rng, scale=4.0)
        for name in ("flatten", "hidden", "hidden_1", "dropout", "hidden_2")
    }
    features["dense"] = clipped.astype(np.float32)
    features["softmax"] = np.exp(clipped) / np.exp(clipped).sum(axis=1, keepdims=True)
    rec = record(probe_graph(), ds=dataset(num_classes=10), features=features, probe_labels=y)
    rows, findings = run(LinearProbeAnalyzer, rec)
    dense = rows[5]
    assert dense["readout_accuracy"] <= 0.7 < dense["probe_accuracy"]
    (f,) = findings
    assert f.location.layer == ("dense",)
    assert f.message.startswith("accuracy falls from ")
    assert (
        f"to {100 * dense['readout_accuracy']:.1f} % (the model's own argmax) at 'dense'"
        in f.message
    )
    assert "(linear probe) at 'hidden" in f.message
    assert "Remove the ReLU from 'dense'" in f.fix
    # A softmax and a dropout cannot lose information: alone they are never reported.
    features["dense"] = separable(y, 10, 10, rng, scale=4.0)
    features["softmax"] = noise(300, 10, rng)
    features["dropout"] = noise(300, 32, rng)
    rec = record(probe_graph(), ds=dataset(num_classes=10), features=features, probe_labels=y)
    rows, findings = run(LinearProbeAnalyzer, rec)
    assert rows[-1]["probe_accuracy"] < 0.3 and rows[3]["probe_accuracy"] < 0.3
    assert findings == []


def test_healthy_increasing_separability_is_not_reported():
    rng = np.random.default_rng(7)
    y = np.repeat(np.arange(10), 30)
    features = {
        "flatten": separable(y, 10, 32, rng, scale=1.0),
        "hidden": separable(y, 10, 32, rng, scale=2.0),
        "hidden_1": separable(y, 10, 32, rng, scale=2.0),
        "dropout": separable(y, 10, 32, rng, scale=2.0),
        "hidden_2": separable(y, 10, 32, rng, scale=3.0),
        "dense": separable(y, 10, 10, rng, scale=4.0),
        "softmax": onehot(y, 10) * 0.9 + 0.01,  # confident, correct probabilities
    }
    rec = record(probe_graph(), ds=dataset(num_classes=10), features=features, probe_labels=y)
    rows, findings = run(LinearProbeAnalyzer, rec)
    assert rows[-1]["readout_accuracy"] == 1.0
    assert findings == []


def test_constant_features_score_chance_and_tiny_probes_measure_nothing():
    rng = np.random.default_rng(8)
    y = np.repeat(np.arange(3), 20)
    rec = record(
        mlp((8, "relu")),
        features={"dense_0": np.zeros((60, 8), np.float32), "out": separable(y, 3, 3, rng)},
        probe_labels=y,
    )
    rows, _ = run(LinearProbeAnalyzer, rec)
    assert rows[0]["probe_accuracy"] == pytest.approx(1 / 3, abs=0.02)
    assert rows[0]["train_accuracy"] == pytest.approx(1 / 3, abs=0.02)
    few = record(
        mlp((8, "relu")), features={"out": separable(y[:40], 3, 3, rng)}, probe_labels=y[:40]
    )
    assert run(LinearProbeAnalyzer, few) == ([], [])
    one_class = record(
        mlp((8, "relu")), features={"out": np.ones((60, 3))}, probe_labels=np.zeros(60)
    )
    assert run(LinearProbeAnalyzer, one_class) == ([], [])


def test_nonfinite_features_are_zeroed_and_counted():
    rng = np.random.default_rng(9)
    y = np.repeat(np.arange(3), 20)
    x = separable(y, 3, 6, rng)
    x[0, 5] = np.nan
    x[1, 4] = np.inf
    rec = record(mlp((6, "relu")), features={"dense_0": x}, probe_labels=y)
    rows, _ = run(LinearProbeAnalyzer, rec)
    assert rows[0]["nonfinite"] == 2 and rows[0]["probe_accuracy"] > 0.8


def test_drops_at_inputs_and_feature_maps_are_not_reported():
    """Pooled feature maps are a lower bound; the raw input is not a layer of the model."""
    rng = np.random.default_rng(10)
    y = np.repeat(np.arange(10), 30)
    graph = story1("linear")
    features = {
        "input_layer": separable(y, 10, 64, rng, scale=4.0),  # raw pixels: very separable
        "conv2d": rng.normal(size=(300, 32)).astype(np.float32),  # global-average pooled map
        "flatten": separable(y, 10, 64, rng, scale=1.5),
        "dense": separable(y, 10, 10, rng, scale=2.0),
    }
    rec = record(
        graph,
        ds=dataset(num_classes=10),
        features=features,
        probe_labels=y,
        activations_end={"conv2d": np.zeros((300, 8, 8, 32), np.float32)},
    )
    rows, findings = run(LinearProbeAnalyzer, rec)
    assert [r["spatial"] for r in rows] == [True, True, False, False]
    assert findings == []


def test_global_pooling_is_compared_with_vector_layers_only():
    """A probe of a 4x4 grid of a map sees positions a global pooling drops by design."""
    graph = sequential(
        layer("Conv2D", "conv", filters=16, kernel_size=[3, 3], activation="relu"),
        layer("GlobalAveragePooling2D", "gap"),
        layer("Dense", "hidden", units=16, activation="relu"),
        layer("Dense", "probs", units=10, activation="softmax"),
        input_shape=(8, 8, 3),
    )
    rng = np.random.default_rng(14)
    y = np.repeat(np.arange(10), 30)
    features = {
        "conv": separable(y, 10, 64, rng, scale=5.0),
        "gap": separable(y, 10, 16, rng, scale=1.5),
        "hidden": separable(y, 10, 16, rng, scale=1.5),
        "probs": onehot(y, 10) * 0.8 + 0.02,
    }
    rec = record(graph, ds=dataset(num_classes=10), features=features, probe_labels=y)
    rows, findings = run(LinearProbeAnalyzer, rec)
    acc = {r["layer"]: r["probe_accuracy"] for r in rows}
    assert acc["conv"] - acc["gap"] > 0.1 and acc["conv"] - acc["hidden"] > 0.1
    assert findings == []


def tensor(name):
    return {"class_name": "__keras_tensor__", "config": {"keras_history": [name, 0, 0]}}


def call(cls, name, inbound, **config):
    """A Keras 3 functional layer entry called on ``inbound`` (a list for merges)."""
    args = [tensor(inbound)] if isinstance(inbound, str) else [[tensor(i) for i in inbound]]
    return {
        "class_name": cls,
        "name": name,
        "config": {"name": name, **config},
        "inbound_nodes": [{"args": args, "kwargs": {}}],
    }


def test_first_drop_per_branch_in_a_functional_graph():
    x = {"class_name": "InputLayer", "name": "x", "inbound_nodes": []}
    x["config"] = {"name": "x", "batch_shape": [None, 16]}
    cfg = {
        "class_name": "Functional",
        "config": {
            "name": "two_branches",
            "layers": [
                x,
                call("Dense", "stem", "x", units=16, activation="relu"),
                call("Dense", "a1", "stem", units=16, activation="relu"),
                call("Dense", "a2", "a1", units=16, activation="relu"),
                call("Dense", "b1", "stem", units=16, activation="relu"),
                call("Concatenate", "cat", ["a2", "b1"]),
                call("Dense", "out", "cat", units=4, activation="softmax"),
            ],
            "input_layers": [["x", 0, 0]],
            "output_layers": [["out", 0, 0]],
        },
    }
    graph = graph_from_config(cfg, artifact="f.keras", source_format="json")
    assert sorted(graph.nodes["cat"].inputs) == ["a2", "b1"]
    rng = np.random.default_rng(11)
    y = np.repeat(np.arange(4), 25)
    good, noise = (lambda: separable(y, 4, 16, rng)), (lambda: rng.normal(size=(100, 16)))
    features = {"stem": good(), "a1": noise(), "a2": noise(), "b1": noise(), "cat": noise()}
    rec = record(graph, ds=dataset(num_classes=4), features=features, probe_labels=y)
    _, findings = run(LinearProbeAnalyzer, rec)
    # a1 (first drop on branch a) and b1 (first on branch b); not a2 nor cat.
    assert sorted(f.location.layer_path for f in findings) == ["a1", "b1"]


# -- MP4xx training health ------------------------------------------------------------------


def health_record(graph=None, **fields):
    return record(graph or mlp((8, "relu"), (8, "relu")), **fields)


def decreasing(n=30, start=2.3):
    return [start * (0.9**i) for i in range(n)]


def test_healthy_run_has_no_findings_and_the_schema():
    rec = health_record(
        history={"loss": [1.2, 0.5, 0.3]},
        step_losses=decreasing(),
        grad_norms_start={"dense_0": 0.5, "dense_1": 0.3, "out": 0.2},
        grad_norms_end={"out": 0.05, "dense_0": 0.1, "dense_1": 0.08},
        weight_norms={"dense_0": 3.0, "dense_1": 2.5, "out": 1.5},
        input_stats={"min": 0.0, "max": 1.0, "mean": 0.1, "std": 0.3, "dtype": "float32", "nan": 0},
    )
    rows, findings = run(HealthAnalyzer, rec)
    assert findings == []
    assert [r["layer"] for r in rows[:-1]] == ["dense_0", "dense_1", "out"]
    assert rows[0] == {
        "row": "layer",
        "layer": "dense_0",
        "class": "Dense",
        "depth": 1,
        "activation": "relu",
        "grad_norm_start": 0.5,
        "grad_norm_end": 0.1,
        "weight_norm": 3.0,
        "saturated_fraction": None,
        "output": False,
    }
    assert rows[2]["output"] is True
    summary = rows[-1]
    assert summary["row"] == "summary" and "layer" not in summary
    assert (summary["epochs"], summary["steps"], summary["loss_first"]) == (3, 30, 1.2)
    assert summary["step_loss_first"] == pytest.approx(np.mean(decreasing()[:10]))
    assert summary["input_scaled_by"] is None and summary["input_nan"] == 0


def test_nan_loss():
    steps = decreasing(20)
    steps[4] = float("nan")
    rec = health_record(step_losses=steps, history={"loss": [float("nan")]})
    rows, findings = run(HealthAnalyzer, rec)
    assert rows[-1]["nonfinite_loss"] == "step 5 of 20" and rows[-1]["loss_first"] == "nan"
    (f,) = findings
    assert (f.code, f.severity, f.location.layer) == ("MP401", Severity.ERROR, ())
    assert f.message == "the training loss became nan at step 5 of 20"
    rec = health_record(history={"loss": [2.0, float("inf")]})
    f = run(HealthAnalyzer, rec)[1][0]
    assert f.message == "the training loss became inf at epoch 2 of 2"


def test_nan_from_the_first_step_blames_the_output_not_the_learning_rate():
    """Story 2's ReLU head: an all-zero output under categorical cross-entropy is 0/0."""
    graph = mlp((8, "relu"), out=3, out_activation="relu")
    rec = health_record(
        graph,
        step_losses=[float("nan")] * 20,
        history={"loss": [float("nan")]},
        grad_norms_start={"dense_0": float("nan"), "out": float("nan")},
        grad_norms_end={"dense_0": float("nan"), "out": float("nan")},
    )
    (f,) = run(HealthAnalyzer, rec)[1]  # no MP404: the NaN gradients follow from the loss
    assert f.code == "MP401"
    assert f.message == "the training loss became nan at step 1 of 20, before any weight update"
    assert f.fix.startswith("The learning rate is not the cause")
    assert "'out' applies ReLU to the output" in f.fix


def test_flat_loss():
    flat = [1.0986 + 0.001 * ((-1) ** i) for i in range(30)]
    rec = health_record(step_losses=flat, history={"loss": [1.099, 1.098]})
    (f,) = run(HealthAnalyzer, rec)[1]
    assert (f.code, f.severity) == ("MP402", Severity.WARNING)
    assert f.message.startswith(
        "the training loss does not decrease: 1.099 over the first third of 30 steps"
    )
    # Too few steps: judged on epochs; one epoch only: not judged at all.
    assert codes(
        run(HealthAnalyzer, health_record(step_losses=flat[:6], history={"loss": [1.1, 1.09]}))[1]
    ) == ["MP402"]
    assert (
        run(HealthAnalyzer, health_record(step_losses=flat[:6], history={"loss": [1.1]}))[1] == []
    )
    assert (
        run(HealthAnalyzer, health_record(step_losses=decreasing(), history={"loss": [1.1, 1.09]}))[
            1
        ]
        == []
    )
    kept = health_record(step_losses=flat, training={"keep_weights": True})
    assert run(HealthAnalyzer, kept)[1] == []


def test_vanishing_gradients():
    graph = mlp(*[(8, "sigmoid")] * 4)
    norms = {"dense_0": 1e-9, "dense_1": 1e-7, "dense_2": 1e-5, "dense_3": 1e-3, "out": 1e-2}
    rec = health_record(graph, grad_norms_start=norms, grad_norms_end=dict(norms))
    (f,) = run(HealthAnalyzer, rec)[1]
    assert (f.code, f.location.layer) == ("MP403", ("dense_0",))
    assert f.message == (
        "the gradient norm of the first weight layer 'dense_0' is 1e-09 at initialisation, "
        "1.0e-07 times that of the last, 'out' (0.01): early layers barely learn"
    )
    healthy = {"dense_0": 2e-5, "dense_1": 1e-5, "dense_2": 3e-5, "dense_3": 1e-5, "out": 1e-5}
    assert run(HealthAnalyzer, health_record(graph, grad_norms_end=healthy))[1] == []


def test_exploding_gradients():
    rec = health_record(grad_norms_start={"dense_0": 0.5, "dense_1": float("nan"), "out": 0.3})
    rows, findings = run(HealthAnalyzer, rec)
    assert rows[1]["grad_norm_start"] == "nan"
    (f,) = findings
    assert (f.code, f.severity, f.location.layer) == ("MP404", Severity.ERROR, ("dense_1",))
    assert f.message == "the gradient norm of 'dense_1' is nan at initialisation"
    rec = health_record(grad_norms_end={"dense_0": 5e4, "dense_1": 20.0, "out": 0.3})
    (f,) = run(HealthAnalyzer, rec)[1]
    assert f.message == "the gradient norm of 'dense_0' is 5e+04 after training (limit 1e+03)"


def test_saturated_sigmoid_hidden_layer_but_not_the_output():
    graph = mlp((8, "sigmoid"), (8, "tanh"), out=3, out_activation="sigmoid")
    rng = np.random.default_rng(12)
    sat = np.where(rng.random((50, 8)) < 0.7, 0.999, 0.5).astype(np.float32)
    sat[:, 0] = 0.001  # the low bound counts too
    tanh = rng.uniform(-0.5, 0.5, (50, 8)).astype(np.float32)
    rec = health_record(
        graph,
        watched=[
            watch("dense_0", "Dense", "sigmoid", 1),
            watch("dense_1", "Dense", "tanh", 2),
            watch("out", "Dense", "sigmoid", 3),
        ],
        activations_end={"dense_0": sat, "dense_1": tanh, "out": np.full((50, 3), 0.9999)},
    )
    rows, findings = run(HealthAnalyzer, rec)
    fractions = {r["layer"]: r["saturated_fraction"] for r in rows[:-1]}
    expected = float(((sat <= 0.01) | (sat >= 0.99)).mean())
    assert fractions == {"dense_0": pytest.approx(expected), "dense_1": 0.0, "out": 1.0}
    (f,) = findings
    assert (f.code, f.location.layer) == ("MP405", ("dense_0",))
    assert (
        f.message
        == f"{100 * expected:.1f} % of the outputs of 'dense_0' (sigmoid) are within 0.01 of its "
        "bounds"
    )


def test_unscaled_input_warning_error_and_rescaling():
    stats = {"min": 0.0, "max": 255.0, "mean": 33.0, "std": 70.0, "dtype": "float32", "nan": 0}
    (f,) = run(HealthAnalyzer, health_record(input_stats=stats))[1]
    assert (f.code, f.severity, f.location.layer) == ("MP406", Severity.WARNING, ("input_layer",))
    assert (
        f.message == "the training inputs range over [0, 255] and no Rescaling/Normalization layer "
        "scales them"
    )
    scaled = sequential(
        layer("Rescaling", "rescaling", scale=1 / 255, offset=0.0),
        layer("Dense", "d", units=3, activation="softmax"),
    )
    rows, findings = run(HealthAnalyzer, health_record(scaled, input_stats=stats))
    assert rows[-1]["input_scaled_by"] == "rescaling" and findings == []
    with_nan = {**stats, "max": 1.0, "nan": 12}
    (f,) = run(HealthAnalyzer, health_record(input_stats=with_nan))[1]
    assert (f.code, f.severity) == ("MP406", Severity.ERROR)
    assert f.message == "the training inputs hold 12 NaN/Inf values"


def test_an_empty_record_measures_a_summary_and_finds_nothing():
    for analyzer in ANALYZERS:
        rows, findings = run(analyzer, record(mlp((8, "relu"))))
        assert findings == []


# -- the registry and the documentation of every check --------------------------------------


def test_registry_codes_and_names_are_unique():
    assert len({c.code for c in PROBE_CHECKS}) == len(PROBE_CHECKS)
    assert len({c.name for c in PROBE_CHECKS}) == len(PROBE_CHECKS)
    assert [c.code for c in PROBE_CHECKS] == sorted(c.code for c in PROBE_CHECKS)
    for check in PROBE_CHECKS:
        assert re.fullmatch(r"MP[1-9]\d\d", check.code), check.code
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", check.name), check.name
        assert get_check(check.code) is check and get_check(check.name) is check
        assert get_check(check.code.lower()) is check and get_check(f" {check.name} ") is check
    assert get_check("MC101") is None
    assert len({a.name for a in ANALYZERS}) == len(ANALYZERS)


@pytest.mark.parametrize("check", PROBE_CHECKS, ids=lambda c: f"{c.code}-{c.name}")
def test_check_docs_have_every_section(check):
    sections = check.doc_sections()
    assert sections["summary"]
    for title in DOC_SECTIONS:
        assert sections.get(title), f"{check.code} lacks '## {title}'"
    for section in ("Anti-pattern", "Best practice"):
        code = check.example(section)
        assert code and "model = " in code, f"{check.code}: {section} example"
        ast.parse(textwrap.dedent(code))
    assert check.message and check.fix
    assert check.severity in (Severity.WARNING, Severity.ERROR)


@pytest.mark.parametrize("check", PROBE_CHECKS, ids=lambda c: f"{c.code}-{c.name}")
def test_check_thresholds_have_defaults_and_docs(check):
    analyzer = analyzer_of(check)
    assert analyzer is not None
    thresholds = check.doc_sections().get("Thresholds", "")
    for key in check.settings:
        assert key in analyzer.thresholds, f"{check.code} reads {key} without a default"
        documented = re.search(rf"``{key}`` \(default ([0-9.e+-]+)\)", thresholds)
        assert documented, f"{check.code}: '## Thresholds' does not document {key}"
        assert float(documented.group(1)) == analyzer.thresholds[key], key


def test_every_threshold_is_read_by_a_check_and_kebab_case():
    keys = [k for a in ANALYZERS for k in a.thresholds]
    assert len(keys) == len(set(keys))  # one namespace in [tool.modelcheck.probe]
    read = {k for c in PROBE_CHECKS for k in c.settings}
    assert set(keys) == read
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", k) for k in keys)


def test_analyzers_import_no_keras():
    import subprocess
    import sys

    code = (
        "import sys, modelcheck.probing.registry; "
        "bad = [m for m in ('keras', 'tensorflow', 'sklearn') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.slow
@pytest.mark.parametrize("check", PROBE_CHECKS, ids=lambda c: f"{c.code}-{c.name}")
def test_check_examples_build_in_keras(check, keras):
    for section in ("Anti-pattern", "Best practice"):
        namespace = {"keras": keras, "layers": keras.layers}
        exec(textwrap.dedent(check.example(section)), namespace)  # examples written here
        assert isinstance(namespace["model"], keras.Model)


# -- a crashing analyzer is a recorded failure, not a crash ------------------------------------
def test_crashing_analyzer_is_recorded_and_the_others_still_run(monkeypatch):
    from modelcheck.findings import Report
    from modelcheck.probing.api import _analyse

    def boom(self, rec):
        raise ValueError("broken on purpose")

    monkeypatch.setattr(DeadUnitsAnalyzer, "measure", boom)
    labels = np.arange(30) % 3
    rec = record(mlp((8, "relu")), ds=dataset(labels), predictions=onehot(np.zeros(30, int), 3))
    report = Report(tool="probe")
    tables, findings = _analyse(rec, {}, report)
    assert len(report.failures) == 1
    assert "dead_units" in report.failures[0].message
    assert "broken on purpose" in report.failures[0].message
    assert "dead_units" not in tables and "collapse" in tables
    assert "MP201" in codes(findings)  # the collapse analyzer still judged
