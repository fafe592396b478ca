"""MC7xx: problems in the saved weights (run with weight checks on: ``lint(..., weights=True)``).

The numbers come from :mod:`modelcheck.graph.readers.weights` (numpy + h5py, imported only when weight
checks are on); these rules only judge them, and import nothing heavy themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from modelcheck.findings import Finding
from modelcheck.findings import Severity as S
from modelcheck.graph import layers as L
from modelcheck.graph.ir import ModelGraph, Node
from modelcheck.graph.layers import Kind
from modelcheck.linting.rule import Rule, describe

if TYPE_CHECKING:
    from modelcheck.graph.readers.weights import SavedVariable, SavedWeights

#: Activations whose output is never negative.
NONNEGATIVE = frozenset(
    {
        "relu", "relu6", "sigmoid", "hard_sigmoid", "softmax", "softplus", "exponential",
        "sparsemax", "sparse_plus", "squareplus", "sparse_sigmoid",
    }
)  # fmt: skip
#: Activations that output exactly 0, with zero gradient, for every input <= 0.
CLAMPING = frozenset({"relu", "relu6"})
#: Layers that keep a non-negative tensor non-negative, and a non-positive one non-positive
#: (max/average pooling, zero padding, cropping, dropout's rescaling, reshapes).
_SIGN_KEEPING = frozenset(
    {
        "Flatten", "Reshape", "Permute", "RepeatVector", "Identity", "Masking",
        "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
        "ActivityRegularization",
        "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
        "Cropping1D", "Cropping2D", "Cropping3D",
        "UpSampling1D", "UpSampling2D", "UpSampling3D",
    }
)  # fmt: skip
_POOLING = re.compile(r"^(Global)?(Max|Average|Avg)Pool(ing)?[123]D$")
#: Merges whose output is non-negative when all their inputs are.
_NONNEG_MERGES = frozenset({"Add", "Average", "Concatenate", "Maximum", "Minimum", "Multiply"})
#: Layers whose units are ``activation(sum_i w_i * x_i + b)`` with the output unit on the
#: kernel's last axis (grouped convolutions included).
_UNIT_LAYERS = frozenset(
    {
        "Dense",
        "Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D",
    }
)  # fmt: skip
#: Variables that a layer's initializer fills and training must move.
_KERNELS = frozenset(
    {"kernel", "depthwise_kernel", "pointwise_kernel", "recurrent_kernel", "embeddings"}
)


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _saved(graph: ModelGraph) -> SavedWeights:
    return graph.weights


def _keeps_sign(node: Node) -> bool:
    if node.kind is Kind.OPAQUE:
        return False
    cls = node.core_class
    if cls.startswith("UpSampling"):
        return node.core_config.get("interpolation", "nearest") in ("nearest", "bilinear")
    if cls in _SIGN_KEEPING or _POOLING.match(cls):
        return True
    return node.kind is Kind.ACTIVATION and node.activation == "linear"


def _clamps_at_zero(node: Node) -> bool:
    """A ReLU-family nonlinearity that outputs 0 (and passes no gradient) for inputs <= 0."""
    if node.activation not in CLAMPING:
        return False
    if node.core_class == "ReLU":
        threshold = _num(node.core_config.get("threshold")) or 0.0
        return threshold >= 0
    return True


def nonnegative_outputs(graph: ModelGraph) -> set[str]:
    """Ids of the nodes whose output is provably >= 0.

    Sources: ReLU-family and other non-negative activations, and a ``Rescaling`` with a
    pixel-like scale (at most 1/255, offset >= 0) applied straight to a model input, which
    assumes the input holds non-negative pixel values (any ``Rescaling`` with non-negative
    scale and offset keeps a non-negative input non-negative). Sign-keeping layers (pooling,
    reshapes, padding, dropout) and merges like ``Add``/``Concatenate`` propagate it.
    """
    out: set[str] = set()
    for node in graph:  # topological order: producers first
        preds_ok = bool(node.inputs) and all(i in out for i in node.inputs)
        if node.kind in (Kind.WEIGHT, Kind.ACTIVATION) and node.activation in NONNEGATIVE:
            if node.activation not in CLAMPING or _clamps_at_zero(node):
                out.add(node.id)
        elif node.core_class == "Rescaling" and node.kind is not Kind.OPAQUE:
            scale = _num(node.core_config.get("scale"))
            offset = _num(node.core_config.get("offset", 0.0))
            at_input = all(
                i in graph.nodes and graph.nodes[i].kind is Kind.INPUT for i in node.inputs
            )
            if (
                scale is not None
                and offset is not None
                and scale >= 0
                and offset >= 0
                and (preds_ok or (at_input and 0 < scale <= 1.001 / 255))
            ):
                out.add(node.id)
        elif preds_ok and (
            _keeps_sign(node)
            or (node.core_class in _NONNEG_MERGES and node.kind is not Kind.OPAQUE)
        ):
            out.add(node.id)
    return out


def _relu_follows(graph: ModelGraph, node: Node) -> bool:
    """Does every value this call outputs go through a clamping ReLU (fused, or a ReLU layer
    reached through sign-keeping layers only, with nothing else reading the tensor)?"""
    if _clamps_at_zero(node):
        return True
    if node.activation not in (None, "linear"):
        return False
    cur = node
    for _ in range(len(graph)):
        if cur.id in graph.outputs:
            return False
        succ = graph.successors(cur)
        if len(succ) != 1 or succ[0].inputs.count(cur.id) != 1 or len(succ[0].inputs) != 1:
            return False
        cur = succ[0]
        if cur.kind is Kind.ACTIVATION and _clamps_at_zero(cur):
            return True
        if not _keeps_sign(cur):
            return False
    return False


def _var(variables: list[SavedVariable], role: str) -> SavedVariable | None:
    return next((v for v in variables if v.role == role), None)


def _trainable(node: Node) -> bool:
    return node.config.get("trainable", True) is not False and (
        node.core_config.get("trainable", True) is not False
    )


def _initial_value(init: Any) -> float | None:
    """The value a constant initializer fills in (``zeros`` -> 0), ``None`` otherwise."""
    if isinstance(init, str):
        return {"zeros": 0.0, "ones": 1.0}.get(init.lower())
    if not isinstance(init, Mapping):
        return None
    cls = str(init.get("class_name", "")).lower()
    if cls == "zeros":
        return 0.0
    if cls == "ones":
        return 1.0
    if cls == "constant":
        cfg = init.get("config")
        return _num(cfg.get("value")) if isinstance(cfg, Mapping) else None
    return None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class NonFiniteWeights(Rule):
    """A layer's saved weights contain NaN or Inf.

    ## Why is this bad?
    One NaN or Inf weight turns every output that depends on it into NaN, and from there the
    loss and every gradient. It is what a diverged training run leaves behind (a learning rate
    that is too high, no gradient clipping, a log of zero or a division by zero in a custom
    loss, NaN in the data), and the model is unusable as saved.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((4,)),
        layers.Dense(8, activation="relu"),
        layers.Dense(1),
    ])
    # What a diverged run saves: a NaN in the first layer's kernel.
    kernel, bias = model.layers[0].get_weights()
    kernel[0, 0] = float("nan")
    model.layers[0].set_weights([kernel, bias])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((4,)),
        layers.Dense(8, activation="relu"),
        layers.Dense(1),
    ])
    # A moderate learning rate and gradient clipping keep training from diverging.
    model.compile(keras.optimizers.Adam(1e-3, clipnorm=1.0), "mse")
    ```
    """

    code = "MC701"
    group = "weights"
    name = "non-finite-weights"
    severity = S.ERROR
    needs_weights = True
    message = "{layer} has non-finite weights ({detail})"
    fix = (
        "Retrain from the last finite checkpoint with a lower learning rate or gradient "
        "clipping (clipnorm), and check the data and loss for NaN/Inf"
    )

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for node, _calls, variables in _saved(graph).layers(graph):
            bad = [v for v in variables if v.nonfinite]
            if not bad:
                continue
            parts = []
            for v in bad:
                kinds = [
                    f"{n} {label}"
                    for n, label in ((v.nan, "NaN"), (v.posinf, "+Inf"), (v.neginf, "-Inf"))
                    if n
                ]
                parts.append(f"{v.name}: {', '.join(kinds)}")
            first = bad[0]
            where = ", ".join(map(str, first.first_nonfinite or ()))
            yield self.finding(
                graph,
                node,
                layer=describe(node),
                detail="; ".join(parts),
                evidence={
                    "nonfinite": sum(v.nonfinite for v in bad),
                    "nan": sum(v.nan for v in bad),
                    "inf": sum(v.posinf + v.neginf for v in bad),
                    "variables": ", ".join(v.name for v in bad),
                    "first": f"{first.name}[{where}]",
                },
            )


class ReluUnitsNeverFire(Rule):
    """ReLU units whose saved weights make them output 0 for every input ("dead" units).

    A unit of a Dense/Conv layer followed by ReLU (fused ``activation="relu"``/``"relu6"``, or
    a ``ReLU``/``Activation("relu")`` layer right after it) is reported when:

    - its incoming weights and bias are all exactly zero (any input), or
    - all its incoming weights are <= 0 and its bias is < 0, *and* the layer's input is
      provably non-negative: the output of a ReLU-family/sigmoid/softmax activation (through
      pooling, reshapes, padding, dropout or merges like ``Add``/``Concatenate``), or a
      ``Rescaling(1/255)`` applied to the model input, which assumes pixel values >= 0.
      With inputs of unknown sign such a unit can still fire, so it is not reported. A zero
      bias is not enough either: a freshly initialised layer (zero bias) with a small fan-in
      has all-negative columns by chance, and reporting them would flag healthy new models.

    ## Why is this bad?
    The unit's pre-activation is <= 0 for every input, so ReLU outputs 0 and passes back a
    zero gradient: the unit can never recover and its capacity is lost. Training with too
    high a learning rate often kills a large share of a layer's units this way; when every
    unit is dead the layer blocks all signal and the model predicts a constant.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((16,)),
        layers.Dense(32, activation="relu"),
        layers.Dense(8, activation="relu"),
        layers.Dense(1),
    ])
    # What too high a learning rate can leave behind: three units with weights <= 0, bias < 0.
    kernel, bias = model.layers[1].get_weights()
    kernel[:, :3] = -abs(kernel[:, :3])
    bias[:3] = -0.5
    model.layers[1].set_weights([kernel, bias])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((16,)),
        layers.Dense(32, activation="relu", kernel_initializer="he_normal"),
        layers.Dense(8, activation="relu", kernel_initializer="he_normal"),
        layers.Dense(1),
    ])
    model.compile(keras.optimizers.Adam(1e-3), "mse")
    ```
    """

    code = "MC702"
    group = "weights"
    name = "relu-units-never-fire"
    severity = S.WARNING
    needs_weights = True
    max_listed = 8
    message = "{layer}: {dead} of {units} ReLU units ({pct:.0f}%) can never fire ({which})"
    fix = (
        "Retrain '{name}' from a fresh (He) initialisation with a lower learning rate, or use "
        "leaky_relu/gelu so units keep a gradient for negative inputs"
    )

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        import numpy as np  # loaded already: the weights were measured with it

        nonneg = nonnegative_outputs(graph)
        for node, calls, variables in _saved(graph).layers(graph):
            if node.core_class not in _UNIT_LAYERS or node.kind is not Kind.WEIGHT:
                continue
            kernel, bias = _var(variables, "kernel"), _var(variables, "bias")
            if (
                kernel is None
                or kernel.unit_max is None
                or kernel.unit_axis != len(kernel.shape) - 1
            ):
                continue
            units = len(kernel.unit_max)
            if bias is None:
                b = np.zeros(units)
            elif bias.unit_max is not None and len(bias.shape) == 1 and bias.shape[0] == units:
                b = bias.unit_max
            else:
                continue
            if not all(_relu_follows(graph, c) for c in calls):
                continue
            zero = (kernel.unit_max == 0) & (kernel.unit_min == 0)
            dead = zero & (b <= 0)
            nonneg_input = all(c.inputs and all(i in nonneg for i in c.inputs) for c in calls)
            if nonneg_input:
                dead |= (kernel.unit_max <= 0) & (b < 0)
            n_dead = int(np.count_nonzero(dead))
            if not n_dead:
                continue
            idx = [int(i) for i in np.flatnonzero(dead)]
            shown = ", ".join(map(str, idx[: self.max_listed]))
            more = f", ... {n_dead - self.max_listed} more" if n_dead > self.max_listed else ""
            which = (
                "every unit"
                if n_dead == units
                else f"unit{'s' if n_dead > 1 else ''} {shown}{more}"
            )
            yield self.finding(
                graph,
                node,
                severity=S.ERROR if n_dead == units else None,
                layer=describe(node),
                dead=n_dead,
                units=units,
                pct=100 * n_dead / units,
                which=which,
                name=node.name,
                evidence={
                    "dead_units": n_dead,
                    "units": units,
                    "fraction": round(n_dead / units, 4),
                    "unit_indices": shown + more,
                    "all_zero_units": int(np.count_nonzero(zero & dead)),
                    "input_nonnegative": "yes" if nonneg_input else "unknown",
                },
            )


class UntrainedLayer(Rule):
    """A layer still holds its constant initial weights in a model that was trained.

    Reported when the model shows it was trained (the optimizer state records steps, or
    biases/BatchNormalization statistics elsewhere have moved from their initial values) and
    a trainable layer still has:

    - a kernel (or embedding table, recurrent or depthwise kernel) of at least 4 values that
      are all exactly equal: ``zeros``/``ones``/``Constant`` initialisation never changed; or
    - BatchNormalization statistics at their initial moving mean 0 and variance 1: the layer
      never ran on a training batch.

    Random initialisers (Glorot, He) cannot be told apart from trained weights, so only
    constant values are detected. A freshly built model saved without training is not
    reported at all (nothing in it shows training), nor are frozen (``trainable=False``)
    layers, whose constant weights are usually a deliberate fixed operation, nor all-zero
    biases, which are normal.

    ## Why is this bad?
    The layer did not learn: it was added after training (a new head saved before
    fitting), frozen by mistake, cut off from the loss, or its constant initialisation kept
    all its units identical. Its output is a fixed function of the input, and an untrained
    BatchNormalization does not normalise at all at inference.

    ## Anti-pattern
    ```python
    encoder = keras.Sequential([keras.Input((8,)), layers.Dense(16, activation="relu")])
    encoder.compile("sgd", "mse")
    encoder.fit(keras.random.normal((64, 8)), keras.random.normal((64, 16)), verbose=0)
    # A new head on the trained encoder, saved without training it.
    model = keras.Sequential([encoder, layers.Dense(4, kernel_initializer="zeros")])
    ```

    ## Best practice
    ```python
    encoder = keras.Sequential([keras.Input((8,)), layers.Dense(16, activation="relu")])
    encoder.compile("sgd", "mse")
    encoder.fit(keras.random.normal((64, 8)), keras.random.normal((64, 16)), verbose=0)
    model = keras.Sequential([encoder, layers.Dense(4, kernel_initializer="zeros")])
    model.compile("sgd", "mse")
    model.fit(keras.random.normal((64, 8)), keras.random.normal((64, 4)), verbose=0)
    ```
    """

    code = "MC703"
    group = "weights"
    name = "untrained-layer"
    severity = S.WARNING
    needs_weights = True
    min_size = 4
    message = "{layer} was never trained: {what}, although {trained}"
    fix = (
        "Train '{name}' with the model (check that it is trainable and reaches the loss), "
        "or remove it"
    )

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        saved = _saved(graph)
        trained = training_evidence(graph, saved)
        if trained is None:
            return
        for node, _calls, variables in saved.layers(graph):
            if not _trainable(node):
                continue
            what, evidence = self._untrained(node, variables)
            if what is None:
                continue
            yield self.finding(
                graph,
                node,
                layer=describe(node),
                what=what,
                trained=trained,
                name=node.name,
                evidence={**evidence, "training_evidence": trained},
            )

    def _untrained(
        self, node: Node, variables: list[SavedVariable]
    ) -> tuple[str | None, dict[str, Any]]:
        if L.is_batch_norm(node.core_class):
            if _bn_at_init(node, variables):
                gamma, beta = _var(variables, "gamma"), _var(variables, "beta")
                affine_moved = (gamma is not None and not gamma.is_all(1.0)) or (
                    beta is not None and not beta.is_all(0.0)
                )
                what = "its moving mean is still 0 and its moving variance 1" + (
                    " (it was only ever run in inference mode)" if affine_moved else ""
                )
                return what, {"variable": "moving_mean, moving_variance"}
            return None, {}
        for var in variables:
            if var.role in _KERNELS and var.size >= self.min_size and var.constant:
                return (
                    f"all {var.size} values of its {var.name} are still {var.min:g}",
                    {"variable": var.name, "value": var.min, "size": var.size},
                )
        return None, {}


def _bn_at_init(node: Node, variables: list[SavedVariable]) -> bool:
    mean, var = _var(variables, "moving_mean"), _var(variables, "moving_variance")
    if mean is None or var is None:
        return False
    cfg = node.core_config
    mean0 = _initial_value(cfg.get("moving_mean_initializer", "zeros"))
    var0 = _initial_value(cfg.get("moving_variance_initializer", "ones"))
    return mean0 is not None and var0 is not None and mean.is_all(mean0) and var.is_all(var0)


def training_evidence(graph: ModelGraph, saved: SavedWeights) -> str | None:
    """Why we believe the model was trained, or ``None`` when nothing shows it."""
    if saved.optimizer_steps:
        return f"its optimizer state records {_plural(saved.optimizer_steps, 'training step')}"
    for node, _calls, variables in saved.layers(graph):
        if node.kind is Kind.WEIGHT:
            bias = _var(variables, "bias")
            init = _initial_value(node.core_config.get("bias_initializer", "zeros"))
            if (
                bias is not None
                and init is not None
                and not bias.nonfinite
                and not bias.is_all(init)
            ):
                return f"the bias of '{node.id}' has moved from its initial {init:g}"
        elif L.is_batch_norm(node.core_class):
            mean = _var(variables, "moving_mean")
            if mean is not None and not mean.nonfinite and not _bn_at_init(node, variables):
                return f"BatchNormalization '{node.id}' has learned running statistics"
    return None
