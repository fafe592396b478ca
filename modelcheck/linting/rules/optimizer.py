"""MC5xx: optimizer settings read from compile_config."""

from __future__ import annotations

from collections.abc import Iterator

from modelcheck.findings import Finding
from modelcheck.findings import Severity as S
from modelcheck.graph.compile_info import REGRESSION
from modelcheck.graph.ir import ModelGraph
from modelcheck.linting.rule import Rule

#: Usual learning rates per optimizer family; a value 10x beyond either end, or further, is
#: "far outside". Adadelta adapts its own step size and is meant to run near 1.0 (Zeiler 2012
#: uses no learning rate at all, i.e. 1.0); the 1e-3 that Keras 3 and tf.keras default it to
#: makes it crawl, so 1e-2 and below is reported.
_USUAL = {
    "adaptive": (1e-5, 1e-2),  # Adam and friends
    "sgd": (1e-4, 1.0),
    "adadelta": (1e-1, 10.0),
}
#: Significant digits a learning rate is compared with: a config stores float32 values
#: (``0.1`` is saved as ``0.10000000149011612``), and the verdict must be the one for the
#: value the user wrote.
_DIGITS = 6
_FAMILY = {
    "adam": "adaptive", "adamw": "adaptive", "adamax": "adaptive", "nadam": "adaptive",
    "rmsprop": "adaptive", "lion": "adaptive", "adafactor": "adaptive", "lamb": "adaptive",
    "muon": "adaptive", "loss_scale_optimizer": "adaptive",
    "sgd": "sgd", "adagrad": "sgd", "ftrl": "sgd", "adadelta": "adadelta",
}  # fmt: skip


def _all_regression(graph: ModelGraph) -> bool:
    losses = graph.compile.losses.values() if graph.compile else ()
    return bool(losses) and all(loss.name in REGRESSION for loss in losses)


class LearningRateOutOfRange(Rule):
    """The learning rate is far outside the usual range for its optimizer.

    ## Why is this bad?
    Too large a step makes the loss oscillate or explode (NaN), or drives ReLU units into
    the dead zone for good; too small a step makes the loss look flat so the model seems
    unable to learn. Adam-style optimizers usually work between 1e-5 and 1e-2, SGD between
    1e-4 and 1, Adadelta between 0.1 and 10 (it is designed to run at 1.0). A value ten times
    beyond that range (Adam above 0.1, SGD above 10) is almost always a typo (``1e-1`` for
    ``1e-4``) or a value carried over from another optimizer. Adam at exactly 0.1 is not
    reported: TensorFlow's own regression tutorials fit one-variable linear models with it.
    A rate far *below* the range is only info when every loss is a regression loss: the
    gradient of MSE or Huber grows with the targets' units, and small steps are how raw-unit
    targets are trained (the SGD rates of 1e-6 that the TensorFlow courses find with a
    learning-rate sweep).

    A common case is ``optimizer="adadelta"``: Keras 3 and tf.keras give Adadelta the
    learning rate 1e-3, a thousand times below the 1.0 of the original algorithm (and of
    Keras 2.3 and earlier), so code written for old Keras trains a thousand times slower. The
    learning rate is compared at 6 significant digits, so ``0.1`` saved as float32
    ``0.10000000149`` is judged as ``0.1``.

    ## Anti-pattern
    ```python
    model = keras.Sequential([keras.Input((8,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.5), loss="mse")
    ```

    ## Best practice
    ```python
    model = keras.Sequential([keras.Input((8,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse")
    ```
    """

    code = "MC501"
    group = "optimizer"
    name = "learning-rate-out-of-range"
    severity = S.WARNING
    message = (
        "{optimizer} has learning_rate={lr:g}{defaulted}; the usual range is {low:g} to {high:g}"
        "{regression}"
    )
    fix = "Start from learning_rate={default:g} for {optimizer} and tune by factors of 3-10"
    needs_graph = False

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        info = graph.compile
        if info is None or info.learning_rate is None or info.optimizer is None:
            return
        family = _FAMILY.get(info.optimizer)
        if family is None:
            return
        low, high = _USUAL[family]
        lr = float(f"{info.learning_rate:.{_DIGITS}g}")
        default = {"adaptive": 1e-3, "sgd": 1e-2, "adadelta": 1.0}[family]
        if lr <= 0 or lr > high * 10 or lr < low / 10:
            # a regression's gradient scales with its targets' units, and a small step is how
            # unnormalised targets are trained (the LR-finder steps of the TF courses); a
            # cross-entropy's gradient is bounded, so there a tiny step is a stalled model
            compensates = 0 < lr < low and _all_regression(graph)
            yield self.finding(
                graph,
                None,
                where=("compile_config", "optimizer"),
                severity=S.ERROR if lr <= 0 else S.INFO if compensates else None,
                optimizer=info.optimizer,
                lr=lr,
                defaulted=" (the default Keras 3 and tf.keras give it)"
                if info.learning_rate_is_default
                else "",
                regression=" (every loss is a regression loss: fine if the targets are large)"
                if compensates
                else "",
                low=low,
                high=high,
                default=default,
                evidence={"learning_rate": lr, "default": info.learning_rate_is_default},
            )
