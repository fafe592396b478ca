"""MC5xx: optimizer settings read from compile_config."""

from __future__ import annotations

from collections.abc import Iterator

from modelcheck.findings import Finding
from modelcheck.findings import Severity as S
from modelcheck.graph.ir import ModelGraph
from modelcheck.linting.rule import Rule

#: Usual learning rates per optimizer family; a value 10x beyond either end is "far outside".
_USUAL = {
    "adaptive": (1e-5, 1e-2),  # Adam and friends
    "sgd": (1e-4, 1.0),
    "adadelta": (1e-3, 10.0),
}
_FAMILY = {
    "adam": "adaptive", "adamw": "adaptive", "adamax": "adaptive", "nadam": "adaptive",
    "rmsprop": "adaptive", "lion": "adaptive", "adafactor": "adaptive", "lamb": "adaptive",
    "muon": "adaptive", "loss_scale_optimizer": "adaptive",
    "sgd": "sgd", "adagrad": "sgd", "ftrl": "sgd", "adadelta": "adadelta",
}  # fmt: skip


class LearningRateOutOfRange(Rule):
    """The learning rate is far outside the usual range for its optimizer.

    ## Why is this bad?
    Too large a step makes the loss oscillate or explode (NaN), or drives ReLU units into
    the dead zone for good; too small a step makes the loss look flat so the model seems
    unable to learn. Adam-style optimizers usually work between 1e-5 and 1e-2, SGD between
    1e-4 and 1. A value ten times beyond that range is almost always a typo (``1e-1`` for
    ``1e-4``) or a value carried over from another optimizer.

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
    message = "{optimizer} has learning_rate={lr:g}; the usual range is {low:g} to {high:g}"
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
        lr = info.learning_rate
        default = {"adaptive": 1e-3, "sgd": 1e-2, "adadelta": 1.0}[family]
        if lr <= 0 or lr > high * 10 or lr < low / 10:
            yield self.finding(
                graph,
                None,
                where=("compile_config", "optimizer"),
                severity=S.ERROR if lr <= 0 else None,
                optimizer=info.optimizer,
                lr=lr,
                low=low,
                high=high,
                default=default,
                evidence={"learning_rate": lr},
            )
