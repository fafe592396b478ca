"""Read what ``model.compile()`` stored: optimizer, learning rate, and a loss per output.

Accepts Keras 3 ``compile_config`` and the legacy ``training_config`` of ``.h5`` files
(``optimizer_config`` instead of ``optimizer``). Nothing is imported or called.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from modelcheck.graph.activations import snake
from modelcheck.graph.ir import CompileInfo, LossSpec, MetricSpec

if TYPE_CHECKING:
    from modelcheck.graph.ir import ModelGraph, Node

_T = TypeVar("_T")

_LOSS_ALIASES = {
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "kld": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence",
    "k_l_divergence": "kl_divergence",
    "huber_loss": "huber",
    "logcosh": "log_cosh",
    "log_cosh": "log_cosh",
    "cosine_proximity": "cosine_similarity",
}

CATEGORICAL_CE = frozenset({"categorical_crossentropy", "categorical_focal_crossentropy"})
SPARSE_CE = frozenset({"sparse_categorical_crossentropy"})
BINARY_CE = frozenset({"binary_crossentropy", "binary_focal_crossentropy"})
CROSS_ENTROPY = CATEGORICAL_CE | SPARSE_CE | BINARY_CE
#: Losses for real-valued targets. ``poisson`` (counts or rates, >= 0) is one too: a softmax
#: head under it is as wrong as under MSE.
REGRESSION = frozenset(
    {
        "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
        "mean_squared_logarithmic_error", "huber", "log_cosh", "poisson",
    }
)  # fmt: skip
#: Regression losses whose target is non-negative by definition (a Poisson rate), so an output
#: that cannot go below 0 (ReLU, softplus, exp) is the design, not a bug.
NON_NEGATIVE_TARGET = frozenset({"poisson", "mean_squared_logarithmic_error"})

#: The learning rate Keras 3 (and tf.keras 2.x) gives an optimizer created without one, e.g.
#: from the string ``optimizer="adadelta"``. Keras 2.3 and earlier gave Adadelta 1.0.
KERAS_DEFAULT_LR = {
    "adam": 1e-3, "adamw": 1e-3, "adamax": 1e-3, "nadam": 1e-3, "rmsprop": 1e-3,
    "adagrad": 1e-3, "adadelta": 1e-3, "sgd": 1e-2, "ftrl": 1e-3, "lion": 1e-3,
    "lamb": 1e-3, "adafactor": 1e-3,
}  # fmt: skip

_METRIC_ALIASES = {"acc": "accuracy", "categorical_acc": "categorical_accuracy"}


def loss_name(raw: str) -> str:
    name = raw.rsplit(".", 1)[-1]
    name = snake(name) if name[:1].isupper() else name.lower()
    name = name.replace("cross_entropy", "crossentropy")
    return _LOSS_ALIASES.get(name, name)


def _loss_spec(value: Any) -> LossSpec | None:
    if isinstance(value, str):
        return LossSpec(loss_name(value), False, value)
    if isinstance(value, Mapping):
        cls = value.get("class_name")
        cfg = value.get("config")
        if cls == "function" and isinstance(cfg, str):
            return LossSpec(loss_name(cfg), False, cfg)
        if isinstance(cls, str):
            from_logits = bool(cfg.get("from_logits", False)) if isinstance(cfg, Mapping) else False
            name = (
                cfg.get("fn") if isinstance(cfg, Mapping) and cls == "LossFunctionWrapper" else cls
            )
            return LossSpec(loss_name(str(name)), from_logits, cls)
    return None


def _learning_rate(opt_cfg: Mapping[str, Any]) -> float | None:
    lr = opt_cfg.get("learning_rate", opt_cfg.get("lr"))
    if isinstance(lr, Mapping):  # a schedule: {"class_name": "ExponentialDecay", "config": {...}}
        inner = lr.get("config")
        if isinstance(inner, Mapping):
            for key in ("initial_learning_rate", "learning_rate"):
                if isinstance(inner.get(key), (int, float)):
                    return float(inner[key])
        return None
    if isinstance(lr, (int, float)) and not isinstance(lr, bool):
        return float(lr)
    return None


def _metric_specs(value: Any, depth: int = 0) -> list[MetricSpec]:
    """Metrics from ``metrics=`` as saved: strings, serialized metric objects, and lists of
    them (``"acc"`` -> ``"accuracy"``, ``BinaryAccuracy(threshold=0.0)`` ->
    ``("binary_accuracy", 0.0)``)."""
    if depth > 5:
        return []
    if isinstance(value, str):
        name = snake(value) if value[:1].isupper() else value.lower()
        return [MetricSpec(_METRIC_ALIASES.get(name, name))]
    if isinstance(value, Mapping) and isinstance(value.get("class_name"), str):
        cfg = value.get("config")
        if value["class_name"] == "function" and isinstance(cfg, str):
            return _metric_specs(cfg, depth + 1)
        threshold = cfg.get("threshold") if isinstance(cfg, Mapping) else None
        name = _metric_specs(value["class_name"], depth + 1)[0].name
        num = isinstance(threshold, (int, float)) and not isinstance(threshold, bool)
        return [MetricSpec(name, float(threshold) if num else None)]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in _metric_specs(v, depth + 1)]
    return []


def _per_output(
    value: Any, outputs: list[Node], parse: Callable[[Any], _T | None], one_each: bool
) -> dict[str, _T]:
    """A compile argument mapped onto the output nodes' ids: one value for all outputs, a
    dict by output layer name, or a list with one item per output (``one_each``: a loss
    list; a metrics list is one per output only when it is a list of lists)."""
    out: dict[str, _T] = {}
    if isinstance(value, Mapping) and "class_name" not in value:
        by_name = {n.name: n for n in outputs}
        pairs = [(by_name.get(str(k)), v) for k, v in value.items()]
    elif isinstance(value, list) and (
        one_each or (len(outputs) > 1 and all(isinstance(v, (list, type(None))) for v in value))
    ):
        pairs = list(zip(outputs, value))
    else:
        pairs = [(n, value) for n in outputs]
    for node, item in pairs:
        spec = parse(item) if node is not None else None
        if spec is not None:
            out[node.id] = spec
    return out


def parse_compile_config(cc: Mapping[str, Any] | None, graph: ModelGraph) -> CompileInfo | None:
    """Normalise a compile/training config; map losses onto the graph's output nodes."""
    if not isinstance(cc, Mapping) or not cc:
        return None
    info = CompileInfo()
    lr_named = False  # a schedule names one too, though its value may be unknown here
    opt = cc.get("optimizer", cc.get("optimizer_config"))
    if isinstance(opt, str):
        info.optimizer = opt.lower()
    elif isinstance(opt, Mapping):
        cls = opt.get("class_name")
        info.optimizer = str(cls).lower() if isinstance(cls, str) else None
        if isinstance(opt.get("config"), Mapping):
            info.learning_rate = _learning_rate(opt["config"])
            if "learning_rate" in opt["config"] or "lr" in opt["config"]:
                lr_named = True
    if info.optimizer is not None and info.learning_rate is None and not lr_named:
        info.learning_rate = KERAS_DEFAULT_LR.get(info.optimizer)
        info.learning_rate_is_default = info.learning_rate is not None
    outputs = graph.output_nodes()
    info.losses = _per_output(cc.get("loss"), outputs, _loss_spec, one_each=True)
    info.metrics = _per_output(
        cc.get("metrics"), outputs, lambda v: _metric_specs(v) or None, one_each=False
    )
    return info
