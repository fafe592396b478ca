"""MP1xx: ReLU units that never fire on any probe input ("dead" units), at the start and at
the end of training.

Measured for every watched layer whose output goes through an activation with an exact-zero
region (``relu``, ``relu6``, ``thresholded_relu``; fused or a separate layer). Leaky ReLU,
ELU, GELU and SiLU never output a constant 0, so their units cannot die this way.

A unit (a channel on the layer's ``units_axis``) is *dead* when its output is exactly 0 for
every probe input and every spatial position: the strict definition. Looser ones (">= 70 %
of outputs <= 0") flag about half of healthy MNIST models.

Row schema (one row per measured layer, in graph order)::

    layer              str    graph path of the layer ("dense", "encoder/conv2d")
    class              str    layer class ("Dense", "ReLU")
    activation         str    normalised activation ("relu", "relu6", "thresholded_relu")
    depth              int    position in topological order
    units              int    units (channels) in the layer
    inputs             int    probe inputs the activations were recorded on
    head               bool   the layer's units are the model's output units
    dead_start         int|None  dead right after initialisation (None: not recorded)
    dead_end           int    dead after training
    born_dead          int|None  dead at the start and still dead at the end
    died               int|None  dead at the end but alive at the start
    revived            int|None  dead at the start, alive at the end
    dead_fraction_end  float  dead_end / units
    dead_units         list[int]  indices of the units dead at the end (first 32)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from modelcheck.findings import Finding
from modelcheck.findings import Severity as S
from modelcheck.graph import activations as A
from modelcheck.probing.analyzers.common import (
    ZERO_REGION,
    Check,
    node_for,
    ordered_paths,
    output_fed_by,
    per_unit,
    quoted,
)
from modelcheck.probing.check import Analyzer, Row
from modelcheck.probing.types import REGRESSION, ProbeRecord

#: Dead unit indices kept per row (the count is always exact).
MAX_LISTED = 32


def dead_mask(values: Any, units_axis: int) -> Any:
    """Boolean per unit: exactly 0 for every sample and position (NaN never counts)."""
    high, low = per_unit(values, units_axis)
    return (high == 0) & (low == 0)


def _clamps(record: ProbeRecord, path: str) -> bool:
    """A ``ReLU`` layer with a negative threshold lets negative values through: skip it."""
    node = node_for(record.graph, path)
    if node is None or node.core_class != "ReLU":
        return True
    threshold = node.core_config.get("threshold", 0.0)
    return not (isinstance(threshold, (int, float)) and threshold < 0)


class DeadUnits(Check):
    """Units of a ReLU layer output 0 for every probe input: they are dead.

    A unit is dead when its output is exactly 0 for every probe input (and every spatial
    position, for a channel of a convolution) at the end of training. The finding says how
    many were already dead right after initialisation ("born dead") and how many died during
    training.

    It is an **error** when the layer is the model's output, or feeds it through shape-only
    or activation layers only (``Dense(10, activation="relu")`` followed by ``Softmax()``):
    a dead output unit is a class that can never win, or an output stuck at 0. It is also an
    error when every unit of a hidden layer is dead: nothing passes the layer, and the model
    computes a constant. Otherwise it is a **warning** when at least ``dead-fraction`` of a
    hidden layer's units are dead; a few dead channels in a convolution are normal and not
    reported.

    ## Why is this bad?
    ReLU outputs 0 and passes back a zero gradient for every input <= 0. A unit whose
    pre-activation is negative for every input can never recover: its capacity is lost for
    good. Born-dead units point at the initialisation, the bias or the input scale; units
    that die during training point at too high a learning rate. In an output layer ReLU is a
    bug in itself: the logits of a softmax must be able to go negative.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 3)),
        layers.Conv2D(32, 3, padding="same"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(10, activation="relu"),  # ReLU'd logits: dead units = dead classes
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
        layers.Dense(10),  # linear logits
        layers.Softmax(),
    ])
    ```

    ## Thresholds
    - ``dead-fraction`` (default 0.5): share of a hidden layer's units that must be dead for
      a warning. TheDeepChecker's layer threshold; a healthy network has a few dead units,
      not half of a layer. Output layers are judged on any dead unit.
    """

    code = "MP101"
    group = "dead-units"
    name = "dead-units"
    severity = S.WARNING
    message = (
        "{dead} of {units} units in {layer} never fire on any probe input ({history}){consequence}"
    )
    fix = "{fix}"
    settings = ("dead-fraction",)

    def judge(
        self, rows: list[Row], record: ProbeRecord, thresholds: Mapping[str, float]
    ) -> Iterator[Finding]:
        limit = float(thresholds["dead-fraction"])
        for row in rows:
            dead, units = int(row["dead_end"]), int(row["units"])
            if not dead or not units:
                continue
            head = bool(row.get("head"))
            everything = dead == units
            if not (head or everything or dead / units >= limit):
                continue
            name = row["layer"].rsplit("/", 1)[-1]
            yield self.at_layer(
                record,
                row["layer"],
                severity=S.ERROR if head or everything else S.WARNING,
                dead=dead,
                units=units,
                layer=quoted(row["layer"]),
                history=_history(row),
                consequence=_consequence(record, row, head, everything),
                fix=_fix(record, row, head, name),
                evidence={
                    "dead_units": dead,
                    "units": units,
                    "fraction": round(dead / units, 4),
                    "born_dead": _opt(row.get("born_dead")),
                    "died": _opt(row.get("died")),
                    "probe_inputs": int(row.get("inputs", 0)),
                    "output_layer": "yes" if head else "no",
                },
            )


def _opt(value: Any) -> int | str:
    return "not measured" if value is None else int(value)


def _history(row: Row) -> str:
    if row.get("born_dead") is None:
        return "not recorded at initialisation"
    return f"{row['born_dead']} born dead, {row['died']} died during training"


def _consequence(record: ProbeRecord, row: Row, head: bool, everything: bool) -> str:
    one = int(row["dead_end"]) == 1
    if head:
        if record.dataset.task == REGRESSION or int(row["units"]) == 1:
            return ": the model's output is stuck at 0 there"
        if one:
            return ": it is an output class that can never be predicted"
        return ": they are output classes that can never be predicted"
    if everything:
        return ": no signal passes this layer, the model computes a constant"
    return ""


def _head_fix(record: ProbeRecord, row: Row, name: str) -> str:
    if record.dataset.task == REGRESSION:
        return f"Use a linear output in '{name}' (no activation) for regression targets"
    if int(row["units"]) == 1:
        return (
            f"Use activation=\"sigmoid\" on '{name}' (or no activation and a loss with "
            "from_logits=True)"
        )
    return (
        f"Remove the ReLU from the output layer '{name}': give the softmax linear logits "
        '(Dense(units) then Softmax(), or Dense(units, activation="softmax"))'
    )


def _fix(record: ProbeRecord, row: Row, head: bool, name: str) -> str:
    if head:
        return _head_fix(record, row, name)
    born, died = row.get("born_dead"), row.get("died")
    if born is None or died is None:
        return (
            f"Use He initialisation in '{name}' (kernel_initializer=\"he_normal\"), scale the "
            "inputs, lower the learning rate, or use leaky_relu/gelu"
        )
    if died and born:
        return (
            f"Units in '{name}' were dead from the start and others died during training: use "
            'He initialisation (kernel_initializer="he_normal") and a lower learning rate, or '
            "leaky_relu/gelu, or BatchNormalization before the activation"
        )
    if died:
        return (
            f"Units in '{name}' died during training: lower the learning rate, or use "
            "leaky_relu/gelu, or BatchNormalization before the activation"
        )
    return (
        f"Units in '{name}' are dead from the start: use He initialisation "
        '(kernel_initializer="he_normal"), scale the inputs, check for a negative bias '
        "initialiser, or use leaky_relu/gelu"
    )


class DeadUnitsAnalyzer(Analyzer):
    """Counts the ReLU units of each watched layer that never fire on the probe inputs."""

    name = "dead_units"
    title = "Dead ReLU units (zero on every probe input)"
    checks = (DeadUnits,)
    thresholds = {"dead-fraction": 0.5}

    def measure(self, record: ProbeRecord) -> list[Row]:
        import numpy as np

        watched = {w.path: w for w in record.watched}
        rows: list[Row] = []
        for path in ordered_paths(record, watched):
            layer = watched[path]
            activation = A.normalize(layer.activation)
            end = record.activations_end.get(path)
            if activation not in ZERO_REGION or end is None or not _clamps(record, path):
                continue
            end = np.asarray(end)
            if end.ndim == 0 or end.size == 0:
                continue
            dead_end = dead_mask(end, layer.units_axis)
            units = int(dead_end.size)
            start = record.activations_start.get(path)
            dead_start = None
            if start is not None and np.asarray(start).size:
                mask = dead_mask(start, layer.units_axis)
                dead_start = mask if mask.shape == dead_end.shape else None
            n_end = int(dead_end.sum())
            row: Row = {
                "layer": path,
                "class": layer.class_name,
                "activation": activation,
                "depth": int(layer.depth),
                "units": units,
                "inputs": int(len(end)),
                "head": output_fed_by(record.graph, node_for(record.graph, path)) is not None,
                "dead_start": None if dead_start is None else int(dead_start.sum()),
                "dead_end": n_end,
                "born_dead": None,
                "died": None,
                "revived": None,
                "dead_fraction_end": round(n_end / units, 6) if units else 0.0,
                "dead_units": [int(i) for i in np.flatnonzero(dead_end)[:MAX_LISTED]],
            }
            if dead_start is not None:
                row["born_dead"] = int((dead_start & dead_end).sum())
                row["died"] = int((~dead_start & dead_end).sum())
                row["revived"] = int((dead_start & ~dead_end).sum())
            rows.append(row)
        return rows
