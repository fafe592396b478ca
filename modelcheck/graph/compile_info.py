"""Read what ``model.compile()`` stored: optimizer, learning rate, and a loss per output.

Accepts Keras 3 ``compile_config`` and the legacy ``training_config`` of ``.h5`` files
(``optimizer_config`` instead of ``optimizer``). Nothing is imported or called.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from modelcheck.graph.activations import snake
from modelcheck.graph.ir import CompileInfo, LossSpec

if TYPE_CHECKING:
    from modelcheck.graph.ir import ModelGraph

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
REGRESSION = frozenset(
    {
        "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
        "mean_squared_logarithmic_error", "huber", "log_cosh",
    }
)  # fmt: skip


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


def parse_compile_config(cc: Mapping[str, Any] | None, graph: ModelGraph) -> CompileInfo | None:
    """Normalise a compile/training config; map losses onto the graph's output nodes."""
    if not isinstance(cc, Mapping) or not cc:
        return None
    info = CompileInfo()
    opt = cc.get("optimizer", cc.get("optimizer_config"))
    if isinstance(opt, str):
        info.optimizer = opt.lower()
    elif isinstance(opt, Mapping):
        cls = opt.get("class_name")
        info.optimizer = str(cls).lower() if isinstance(cls, str) else None
        if isinstance(opt.get("config"), Mapping):
            info.learning_rate = _learning_rate(opt["config"])
    loss = cc.get("loss")
    outputs = graph.output_nodes()
    if isinstance(loss, Mapping) and "class_name" not in loss:
        # {output_name: loss}: output names are the output layer names.
        by_name = {n.name: n for n in outputs}
        for key, value in loss.items():
            spec = _loss_spec(value)
            node = by_name.get(str(key))
            if spec is not None and node is not None:
                info.losses[node.id] = spec
    elif isinstance(loss, list):
        for node, value in zip(outputs, loss):
            spec = _loss_spec(value)
            if spec is not None:
                info.losses[node.id] = spec
    else:
        spec = _loss_spec(loss)
        if spec is not None:
            for node in outputs:
                info.losses[node.id] = spec
    return info
