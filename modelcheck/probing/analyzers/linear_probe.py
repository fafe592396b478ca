"""MP3xx: linear classifier probes (Alain & Bengio, arXiv 1610.01644): how linearly
separable the classes are in each layer's features, and where that falls.

For each entry of ``record.features`` (bounded-width end-of-training activations of the probe
inputs, pooled or projected by the runner), in graph order, a multinomial logistic regression
(``C=1``, lbfgs, at most 300 iterations) is fit on standardised features of a seeded,
stratified 70/30 split of the probe samples, independently of the model. Constant features
(a layer whose units are all dead) standardise to zeros and score the majority class: chance.

For a layer whose units are the model's output units (``Dense(K)`` before the softmax, or the
softmax itself), the model's own read-out, argmax over the K features, is measured too. It is
what the model makes of the layer, and what MP301 judges there: a softmax still carries the
classification even where a regularised linear fit on probabilities does a little worse, and
a ReLU on the logits costs the model the classes it clips even where a probe refit on the
clipped values still separates some of them.

Nothing is measured with fewer than 2 classes or 50 probe samples.

Row schema (one row per probed layer, in graph order)::

    layer              str    graph path
    class              str    layer class
    depth              int    position in topological order
    dims               int    feature width the probe saw
    spatial            bool   the layer outputs a feature map (its features are a pooled
                              summary, so its accuracy is a lower bound)
    probe_accuracy     float  held-out accuracy of the linear probe
    train_accuracy     float  accuracy on the probe's training split
    readout_accuracy   float|None  argmax accuracy of an output layer's own units
    chance             float  majority-class share of the probe's held-out split
    nonfinite          int    NaN/Inf feature values (replaced by 0 before fitting)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from modelcheck.findings import Finding
from modelcheck.findings import Severity as S
from modelcheck.graph.ir import ModelGraph, Node
from modelcheck.graph.layers import Kind
from modelcheck.graph.walk import is_shape_only
from modelcheck.probing.analyzers.common import (
    ZERO_REGION,
    Check,
    layer_activation,
    layer_class,
    node_for,
    ordered_paths,
    output_fed_by,
    pct,
    quoted,
)
from modelcheck.probing.check import Analyzer, Row
from modelcheck.probing.types import ProbeRecord

#: Elementwise (or softmax: up to a constant shift) invertible activations.
INVERTIBLE = frozenset(
    {
        "linear", "softmax", "log_softmax", "sigmoid", "tanh", "softsign", "log_sigmoid",
        "leaky_relu", "prelu", "elu", "selu", "celu", "softplus", "exponential",
    }
)  # fmt: skip
#: Fewer probe samples than this give probe accuracies too noisy to compare.
MIN_SAMPLES = 50
TEST_FRACTION = 0.3
MAX_ITER = 300
#: lbfgs tolerance: 1e-3 instead of sklearn's 1e-4 converges in a third of the iterations
#: on 512-wide features, with held-out accuracies within 2 points of the tighter fit.
TOL = 1e-3


def standardise(x: Any, train: Any) -> Any:
    """Features scaled by the training split's mean and std; constant features (dead units)
    become zeros, not NaN."""
    mean = x[train].mean(axis=0)
    std = x[train].std(axis=0)
    std[std < 1e-12] = 1.0
    return (x - mean) / std


def fit_probe(z: Any, y: Any, train: Any, test: Any) -> tuple[float, float]:
    """``(held-out accuracy, train accuracy)`` of a logistic-regression probe on standardised
    features ``z``."""
    import warnings

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    ztr, ytr = z[train], y[train]
    if len(np.unique(ytr)) < 2:
        return float((y[test] == ytr[0]).mean()), 1.0
    model = LogisticRegression(C=1.0, max_iter=MAX_ITER, tol=TOL)
    # One BLAS/OpenMP thread: these fits are small, and with two threads on a busy 2-core
    # machine lbfgs spends 25x longer waiting on threads than computing (measured: 8.9 s
    # against 0.35 s for 700 x 512 features).
    with threadpool_limits(1), warnings.catch_warnings():
        # A probe that has not fully converged is still a fair (lower-bound) probe.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(ztr, ytr)
    return float(model.score(z[test], y[test])), float(model.score(ztr, ytr))


def split(y: Any, seed: int) -> tuple[Any, Any]:
    """Seeded train/test indices, stratified when every class has at least 2 samples."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    counts = np.bincount(y - y.min())
    stratify = y if counts[counts > 0].min() >= 2 else None
    idx = np.arange(len(y))
    train, test = train_test_split(
        idx, test_size=TEST_FRACTION, random_state=seed, stratify=stratify
    )
    return np.sort(train), np.sort(test)


class InformationLost(Check):
    """Linear-probe accuracy falls well below an earlier layer's: information is lost here.

    A linear classifier is fit on each layer's features of held-out probe inputs. In a
    healthy network the classes become *more* linearly separable with depth. A layer whose
    probe accuracy is below the best among the layers before it (on its path from the input)
    by more than ``probe-drop`` is reported: only the first such layer on a path, not every
    layer after it. For an output layer (``Dense(K)`` feeding the softmax, or the softmax) the
    model's own argmax read-out is what counts: that is the classification the model makes.

    Some layers are never reported: the model inputs (never a reference either); layers that
    output feature maps, whose features the probe sees only as a pooled summary, a lower
    bound of what they carry; and layers that cannot lose information: reshapes, dropout, and
    invertible activation layers (softmax, sigmoid, tanh, leaky ReLU). A vector layer is
    compared with earlier vector layers only (``Flatten``, global pooling, ``Dense``...): the
    probe of a feature map sees positions that a global pooling averages away by design.

    ## Why is this bad?
    What a layer discards no later layer can recover. A ReLU on the logits clips every
    negative class score to 0; a bottleneck narrower than the number of classes, or units
    that died, throw away what the earlier layer still had. The model then learns far worse
    than its early features allow, and the layer named is where to look.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 3)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(10, activation="relu"),  # clips the logits
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
    - ``probe-drop`` (default 0.1): absolute accuracy drop from the best earlier layer. On
      sound models (story 1's fixed CNN, story 2's softmax CNN, an MLP; three seeds each) no
      layer fell more than a point below an earlier one; ten points is four standard errors
      of the probe's 300-sample held-out split, with room for a briefly trained head.
    """

    code = "MP301"
    group = "linear-probes"
    name = "information-lost"
    severity = S.WARNING
    message = (
        "{measure} falls from {best} at {reference} to {accuracy} at {layer}: "
        "information is lost there"
    )
    fix = "{fix}"
    settings = ("probe-drop",)

    def judge(
        self, rows: list[Row], record: ProbeRecord, thresholds: Mapping[str, float]
    ) -> Iterator[Finding]:
        drop = float(thresholds["probe-drop"])
        graph = record.graph
        score = {r["layer"]: _score(r) for r in rows}
        order = [r["layer"] for r in rows]
        by_layer = {r["layer"]: r for r in rows}
        inputs = {p for p in order if _is_input(graph, p)}
        reportable = {
            p: p not in inputs
            and not by_layer[p].get("spatial")
            and not _lossless(node_for(graph, p))
            for p in order
        }
        dropped: dict[str, tuple[str, float] | None] = {}
        for i, path in enumerate(order):
            # A vector layer is compared with vector layers only: the probe saw a 4x4 grid of
            # a feature map, positions a Flatten keeps but a global pooling averages away on
            # purpose.
            spatial = bool(by_layer[path].get("spatial"))
            refs = [
                p
                for p in _earlier(graph, path, order[:i])
                if p not in inputs and (spatial or not by_layer[p].get("spatial"))
            ]
            best = max(refs, key=lambda p: score[p], default=None)
            dropped[path] = None
            if best is not None and score[path] < score[best] - drop:
                dropped[path] = (best, score[best])
            if dropped[path] is None or not reportable[path]:
                continue
            prior = [p for p in order[:i] if reportable[p]]
            if node_for(graph, path) is not None:
                nearest = _nearest(graph, path, set(prior))
            else:
                nearest = set(prior[-1:])
            if nearest and all(dropped[p] is not None for p in nearest):
                continue  # the drop happened upstream: that layer is the one reported
            ref_path, ref_score = dropped[path]  # type: ignore[misc]
            row = by_layer[path]
            readout = row.get("readout_accuracy") is not None
            yield self.at_layer(
                record,
                path,
                measure="accuracy" if readout else "linear-probe accuracy",
                best=pct(ref_score) + (" (linear probe)" if readout else ""),
                reference=quoted(ref_path),
                accuracy=pct(score[path]) + (" (the model's own argmax)" if readout else ""),
                layer=quoted(path),
                fix=_fix(record, row, ref_path),
                evidence={
                    "probe_accuracy": round(float(row["probe_accuracy"]), 4),
                    "readout_accuracy": (
                        "n/a"
                        if row.get("readout_accuracy") is None
                        else round(float(row["readout_accuracy"]), 4)
                    ),
                    "reference_layer": ref_path,
                    "reference_accuracy": round(ref_score, 4),
                    "chance": round(float(row["chance"]), 4),
                    "dims": int(row["dims"]),
                },
            )


def _score(row: Row) -> float:
    """An output layer's own read-out when measured, else its linear-probe accuracy."""
    readout = row.get("readout_accuracy")
    return float(readout) if readout is not None else float(row["probe_accuracy"])


def _lossless(node: Node | None) -> bool:
    """Layers that keep every bit of their input: a drop there is the probe's, not theirs."""
    if node is None:
        return False
    if is_shape_only(node):
        return True
    return node.kind is Kind.ACTIVATION and node.activation in INVERTIBLE


def _is_input(graph: ModelGraph, path: str) -> bool:
    node = node_for(graph, path)
    return node is not None and node.kind is Kind.INPUT


def _ancestors(graph: ModelGraph, node: Node) -> set[str]:
    seen: set[str] = set()
    stack = list(node.inputs)
    while stack:
        cur = stack.pop()
        if cur in seen or cur not in graph.nodes:
            continue
        seen.add(cur)
        stack.extend(graph.nodes[cur].inputs)
    return seen


def _earlier(graph: ModelGraph, path: str, before: list[str]) -> list[str]:
    """Probed layers on ``path``'s way from the input (its graph ancestors); all layers
    probed before it when the graph does not know it."""
    node = node_for(graph, path)
    if node is None:
        return before
    ancestors = _ancestors(graph, node)
    out = []
    for p in before:
        other = node_for(graph, p)
        if other is None or other.id in ancestors:
            out.append(p)
    return out


def _nearest(graph: ModelGraph, path: str, probed: set[str]) -> set[str]:
    """The closest probed layers upstream of ``path`` (one per incoming path)."""
    node = node_for(graph, path)
    if node is None:
        return set()
    ids = {p: node_for(graph, p) for p in probed}
    by_id = {n.id: p for p, n in ids.items() if n is not None}
    found: set[str] = set()
    seen: set[str] = set()
    stack = list(node.inputs)
    while stack:
        cur = stack.pop()
        if cur in seen or cur not in graph.nodes:
            continue
        seen.add(cur)
        if cur in by_id:
            found.add(by_id[cur])
            continue
        stack.extend(graph.nodes[cur].inputs)
    return found


def _fix(record: ProbeRecord, row: Row, reference: str) -> str:
    path = row["layer"]
    name = path.rsplit("/", 1)[-1]
    node = node_for(record.graph, path)
    activation = layer_activation(record, path)
    head = output_fed_by(record.graph, node) is not None
    classes = record.dataset.num_classes
    units = node.units if node is not None else None
    if head and activation in ZERO_REGION:
        return (
            f"Remove the ReLU from '{name}': the output layer must give the softmax linear "
            "(possibly negative) logits, e.g. Dense(units) then Softmax(), or "
            'Dense(units, activation="softmax")'
        )
    if classes and units is not None and units < classes and not head:
        return f"Widen '{name}' ({units} units) to at least the number of classes ({classes})"
    if activation in ZERO_REGION:
        return (
            f"ReLU units in '{name}' clip or die (see MP101): use He initialisation, a lower "
            "learning rate, BatchNormalization before the ReLU, or leaky_relu/gelu"
        )
    return (
        f"Inspect '{name}' and the layers between {quoted(reference)} and it: a squashing "
        "activation, a bottleneck or dead units there discard what the earlier layer carries"
    )


class LinearProbeAnalyzer(Analyzer):
    """Fits a linear classifier on each layer's features of the probe inputs."""

    name = "linear_probe"
    title = "Linear-probe accuracy per layer"
    checks = (InformationLost,)
    thresholds = {"probe-drop": 0.1}

    def measure(self, record: ProbeRecord) -> list[Row]:
        import numpy as np

        if record.probe_labels is None or not record.features:
            return []
        y = np.asarray(record.probe_labels).astype(int).reshape(-1)
        if len(y) < MIN_SAMPLES or len(np.unique(y)) < 2:
            return []
        seed = record.training.get("seed", 0)
        train, test = split(y, int(seed) if isinstance(seed, int) else 0)
        chance = float(np.bincount(y[test] - y.min()).max() / len(test))
        classes = record.dataset.num_classes
        order = {node_id: i for i, node_id in enumerate(record.graph.nodes)}
        depth = {w.path: w.depth for w in record.watched}
        rows: list[Row] = []
        previous: tuple[Any, tuple[float, float]] | None = None
        for path in ordered_paths(record, record.features):
            x = np.asarray(record.features[path])
            if len(x) != len(y):
                raise ValueError(
                    f"Expected features of {path!r} for each of the {len(y)} probe samples. "
                    f"Received: {len(x)}"
                )
            x = x.reshape(len(x), -1).astype(np.float64)
            bad = ~np.isfinite(x)
            if bad.any():
                x = np.where(bad, 0.0, x)
            z = standardise(x, train)
            if (
                previous is not None
                and previous[0].shape == z.shape
                and np.allclose(previous[0], z, rtol=0.0, atol=1e-6)
            ):
                # Same features up to a per-feature affine map (BatchNormalization at
                # inference, Dropout, a linear Activation): the same probe.
                accuracy, train_accuracy = previous[1]
            else:
                accuracy, train_accuracy = fit_probe(z, y, train, test)
            previous = (z, (accuracy, train_accuracy))
            node = node_for(record.graph, path)
            readout = None
            if (
                node is not None
                and classes
                and classes > 1
                and x.shape[1] == classes
                and output_fed_by(record.graph, node) is not None
            ):
                readout = float((np.argmax(x[test], axis=1) == y[test]).mean())
            # The graph's shape first: the runner may store a large map's activations as a
            # per-unit summary (n, units).
            shape = node.output_shape if node is not None else None
            stored = record.activations_end.get(path, x)
            spatial = len(shape) > 2 if shape else np.ndim(stored) > 2
            rows.append(
                {
                    "layer": path,
                    "class": layer_class(record, path),
                    "depth": order[node.id] if node is not None else int(depth.get(path, -1)),
                    "dims": int(x.shape[1]),
                    "spatial": bool(spatial),
                    "probe_accuracy": round(accuracy, 6),
                    "train_accuracy": round(train_accuracy, 6),
                    "readout_accuracy": None if readout is None else round(readout, 6),
                    "chance": round(chance, 6),
                    "nonfinite": int(bad.sum()),
                }
            )
        return rows
