"""MP403-MP405, training health continued (:mod:`.health`): gradient norms per weight layer
(vanishing? exploding?) and saturated sigmoid/tanh units, judged on the rows that
:class:`~modelcheck.probing.analyzers.health.HealthAnalyzer` measures (their schema is in
:mod:`.health`). The row readers shared by all the MP4xx checks live here too.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping

from modelcheck.findings import Finding
from modelcheck.findings import Severity as S
from modelcheck.probing.analyzers.common import Check, as_float, finite, pct, quoted
from modelcheck.probing.check import Row
from modelcheck.probing.types import ProbeRecord

#: Distance from a sigmoid/tanh bound that counts as saturated.
SATURATION_MARGIN = 0.01


def summary_of(rows: list[Row]) -> Row:
    """The ``"row": "summary"`` row, ``{}`` if there is none."""
    return next((r for r in rows if r.get("row") == "summary"), {})


def _layers(rows: list[Row]) -> list[Row]:
    return [r for r in rows if r.get("row") == "layer"]


def _g(value: float) -> str:
    return f"{value:.2g}" if math.isfinite(value) else str(value)


def ordered_norms(rows: list[Row], key: str) -> list[tuple[str, float]]:
    """``(layer, value of key)`` for each layer row that has a number there, in row order."""
    out = []
    for row in _layers(rows):
        value = as_float(row.get(key))
        if value is not None:
            out.append((row["layer"], value))
    return out


class VanishingGradients(Check):
    """The gradient reaching the first weight layer is vanishingly small compared with the
    last one's.

    Judged before and after training on the gradient L2 norm of each weight layer: reported
    when the first weight layer's norm is below ``vanishing-norm`` *and* below
    ``vanishing-ratio`` times the last weight layer's. The thresholds are AUTOTRAINER's.

    ## Why is this bad?
    Early layers learn in proportion to their gradient. When it is a thousand times smaller
    than the last layer's, the first layers stay near their random initialisation and the
    model learns only a shallow function of random features. Typical causes: deep stacks of
    sigmoid/tanh, no normalisation, tiny initial weights.

    ## Anti-pattern
    ```python
    model = keras.Sequential(
        [keras.Input((32,))]
        + [layers.Dense(32, activation="sigmoid") for _ in range(12)]
        + [layers.Dense(10, activation="softmax")]
    )
    ```

    ## Best practice
    ```python
    model = keras.Sequential(
        [keras.Input((32,))]
        + [layers.Dense(32, activation="relu", kernel_initializer="he_normal")
           for _ in range(12)]
        + [layers.Dense(10, activation="softmax")]
    )
    ```

    ## Thresholds
    - ``vanishing-norm`` (default 1e-4): the first weight layer's gradient norm must be below
      this. Keeps a converged model, whose gradients are all small, from being reported.
    - ``vanishing-ratio`` (default 1e-3): first/last gradient-norm ratio below this.
    """

    code = "MP403"
    group = "training-health"
    name = "vanishing-gradients"
    severity = S.WARNING
    message = (
        "the gradient norm of the first weight layer {first} is {norm} {when}, {ratio:.1e} "
        "times that of the last, {last} ({last_norm}): early layers barely learn"
    )
    fix = (
        "Use ReLU-family activations with He initialisation in the hidden layers, add "
        "BatchNormalization, or skip connections in deep stacks"
    )
    settings = ("vanishing-norm", "vanishing-ratio")

    def judge(
        self, rows: list[Row], record: ProbeRecord, thresholds: Mapping[str, float]
    ) -> Iterator[Finding]:
        floor, ratio_limit = (
            float(thresholds["vanishing-norm"]),
            float(thresholds["vanishing-ratio"]),
        )
        for key, when in (
            ("grad_norm_start", "at initialisation"),
            ("grad_norm_end", "after training"),
        ):
            norms = ordered_norms(rows, key)
            if len(norms) < 2:
                continue
            (first, g_first), (last, g_last) = norms[0], norms[-1]
            if not (math.isfinite(g_first) and math.isfinite(g_last)) or g_last <= 0:
                continue
            ratio = g_first / g_last
            if g_first < floor and ratio < ratio_limit:
                yield self.at_layer(
                    record,
                    first,
                    first=quoted(first),
                    norm=f"{g_first:.2g}",
                    when=when,
                    ratio=ratio,
                    last=quoted(last),
                    last_norm=f"{g_last:.2g}",
                    evidence={
                        "first_layer_norm": g_first,
                        "last_layer": last,
                        "last_layer_norm": g_last,
                        "ratio": ratio,
                        "when": when,
                    },
                )
                return  # once: at initialisation it usually persists


class ExplodingGradients(Check):
    """A weight layer's gradient norm is NaN/Inf or far above any sane value.

    Judged before and after training on the gradient L2 norm of each weight layer; reported
    at the layer with the largest norm when it is not finite or above ``exploding-norm``. A
    NaN gradient while the loss is NaN too is left to MP401 (non-finite-loss).

    ## Why is this bad?
    Huge gradients make each update overshoot: the loss jumps, weights blow up and soon turn
    into NaN. Usual causes are unscaled inputs (pixel values 0..255), too high a learning
    rate, or deep stacks without normalisation.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 3)),  # fed 0..255 pixels
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 3)),
        layers.Rescaling(1 / 255),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Thresholds
    - ``exploding-norm`` (default 1000): gradient L2 norm of one layer's weights. Healthy
      layers on the probe task stay between about 1e-3 and 10; 1000 is orders of magnitude
      beyond.
    """

    code = "MP404"
    group = "training-health"
    name = "exploding-gradients"
    severity = S.ERROR
    message = "the gradient norm of {layer} is {norm} {when}{limit}"
    fix = (
        "Scale the inputs into about [-1, 1] (a Rescaling or Normalization layer), lower the "
        "learning rate, clip gradients (clipnorm=1.0), or add BatchNormalization"
    )
    settings = ("exploding-norm",)

    def judge(
        self, rows: list[Row], record: ProbeRecord, thresholds: Mapping[str, float]
    ) -> Iterator[Finding]:
        limit = float(thresholds["exploding-norm"])
        # With a NaN loss every gradient is NaN too: MP401 reports the cause once.
        loss_ok = not summary_of(rows).get("nonfinite_loss")
        for key, when in (
            ("grad_norm_start", "at initialisation"),
            ("grad_norm_end", "after training"),
        ):
            norms = ordered_norms(rows, key)
            if not norms:
                continue
            bad = [(p, g) for p, g in norms if not math.isfinite(g)]
            if bad and not loss_ok:
                continue
            layer, g = bad[0] if bad else max(norms, key=lambda item: item[1])
            if math.isfinite(g) and g <= limit:
                continue
            yield self.at_layer(
                record,
                layer,
                layer=quoted(layer),
                norm=_g(g),
                when=when,
                limit=f" (limit {limit:.0e})" if math.isfinite(g) else "",
                evidence={"norm": str(finite(g)), "when": when, "limit": limit},
            )
            return


class SaturatedUnits(Check):
    """Most outputs of a hidden sigmoid/tanh layer sit at the bounds: the units saturate.

    Reported for a watched hidden layer (not the model output) with a sigmoid, hard sigmoid,
    tanh or softsign output when more than ``saturation-fraction`` of its outputs on the probe
    inputs lie within 0.01 of the bounds (0/1 for sigmoid, -1/1 for tanh) after training: a
    sigmoid output above 0.99 has a slope below 0.01, 4 % of its slope at 0.

    ## Why is this bad?
    A saturated sigmoid/tanh has a derivative near 0: almost no gradient passes the layer, so
    it and every layer before it stop learning, and the unit acts as a binary switch. Usual
    causes: large inputs or weights (unscaled data, big initialisation, a high learning
    rate), or deep sigmoid stacks.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((16,)),
        layers.Dense(64, activation="sigmoid",
                     kernel_initializer=keras.initializers.RandomNormal(stddev=5.0)),
        layers.Dense(3, activation="softmax"),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((16,)),
        layers.Dense(64, activation="relu", kernel_initializer="he_normal"),
        layers.Dense(3, activation="softmax"),
    ])
    ```

    ## Thresholds
    - ``saturation-fraction`` (default 0.5): share of a layer's outputs that must be
      saturated. DeepDiagnosis's threshold; a healthy sigmoid layer keeps most outputs in
      its sloped middle.
    """

    code = "MP405"
    group = "training-health"
    name = "saturated-units"
    severity = S.WARNING
    message = "{share} of the outputs of {layer} ({activation}) are within {margin} of its bounds"
    fix = (
        "Scale the inputs, use a smaller initialisation or learning rate, add "
        "BatchNormalization before '{name}', or use ReLU-family activations in hidden layers"
    )
    settings = ("saturation-fraction",)

    def judge(
        self, rows: list[Row], record: ProbeRecord, thresholds: Mapping[str, float]
    ) -> Iterator[Finding]:
        limit = float(thresholds["saturation-fraction"])
        for row in _layers(rows):
            share = row.get("saturated_fraction")
            if share is None or row.get("output") or share <= limit:
                continue
            yield self.at_layer(
                record,
                row["layer"],
                share=pct(share),
                layer=quoted(row["layer"]),
                activation=row["activation"],
                margin=f"{SATURATION_MARGIN:g}",
                name=row["layer"].rsplit("/", 1)[-1],
                evidence={"saturated_fraction": round(float(share), 4)},
            )
