"""Per-layer gradient and weight norms of the probe's copy of the model.

For every layer with trainable weights: the L2 norm over all of its trainable weights
(kernel, bias, ...), and the L2 norm of their gradients averaged over a few fixed training
batches (the same ones before and after training). Keras and TensorFlow are imported inside
the functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from modelcheck._keras import import_keras
from modelcheck.graph.ir import ModelGraph
from modelcheck.probing.messages import first_line

#: Training batches the gradient norms are averaged over (the same ones before and after).
GRAD_BATCHES = 3


def _grad_batches(x: Any, y: Any, rng: Any, batch_size: int) -> list[tuple[Any, Any]]:
    """``GRAD_BATCHES`` batches of ``(x, y)`` drawn without replacement with ``rng``."""
    idx = rng.permutation(len(x))[: GRAD_BATCHES * batch_size]
    return [
        (x[idx[i : i + batch_size]], y[idx[i : i + batch_size]])
        for i in range(0, len(idx), batch_size)
    ]


def _layer_for(model: Any, path: Sequence[str]) -> Any:
    """The keras layer a graph path names (nested models looked up level by level)."""
    obj = model
    for part in path:
        obj = obj.get_layer(part.split("[", 1)[0])
    return obj


def _weight_groups(copy: Any, graph: ModelGraph) -> dict[str, list[Any]]:
    """Trainable variables per weight layer, keyed by the layer's graph path."""
    groups: dict[str, list[Any]] = {}
    seen: set[int] = set()
    for node in graph:
        if node.call_index or any("[" in part for part in node.path):
            continue
        try:
            layer = _layer_for(copy, node.path)
        except Exception:  # noqa: BLE001 - a layer we cannot find has no recorded norms
            continue
        if getattr(layer, "_layers", None) and hasattr(layer, "get_layer"):
            continue  # a nested model: its own layers are listed
        variables = [v for v in layer.trainable_weights if id(v) not in seen]
        if variables:
            seen.update(id(v) for v in variables)
            groups[node.id] = variables
    return groups


def _weight_norms(groups: Mapping[str, list[Any]]) -> dict[str, float]:
    import numpy as np

    return {
        key: float(math.sqrt(sum(float(np.sum(np.square(v.numpy()))) for v in variables)))
        for key, variables in groups.items()
    }


def _grad_norms(
    model: Any, batches: list[tuple[Any, Any]], groups: Mapping[str, list[Any]], notes: list[str]
) -> dict[str, float]:
    """Mean over ``batches`` of each layer's gradient L2 norm, in training mode. The model's
    non-trainable state (BatchNorm statistics, dropout seeds) is restored afterwards."""
    import numpy as np

    keras = import_keras()
    if keras.backend.backend() != "tensorflow" or not groups or not batches:
        if keras.backend.backend() != "tensorflow":
            notes.append("Gradient norms need the TensorFlow backend; not recorded.")
        return {}
    import tensorflow as tf

    trainable = list(model.trainable_variables)
    key_of = {id(v): key for key, variables in groups.items() for v in variables}
    saved = [v.numpy() for v in model.non_trainable_variables]
    sums: dict[str, float] = {}
    try:
        for xb, yb in batches:
            x_t = tf.convert_to_tensor(xb)
            y_t = tf.convert_to_tensor(yb)
            with tf.GradientTape() as tape:
                pred = model(x_t, training=True)
                loss = model.compute_loss(x=x_t, y=y_t, y_pred=pred, training=True)
            grads = tape.gradient(loss, trainable)
            squares: dict[str, float] = {}
            for var, grad in zip(trainable, grads):
                key = key_of.get(id(var))
                if key is None:
                    continue
                if isinstance(grad, tf.IndexedSlices):  # embeddings: sum repeated rows first
                    grad = tf.convert_to_tensor(grad)
                g = 0.0 if grad is None else float(np.sum(np.square(np.asarray(grad))))
                squares[key] = squares.get(key, 0.0) + g
            for key, sq in squares.items():
                sums[key] = sums.get(key, 0.0) + math.sqrt(sq)
    except Exception as exc:  # noqa: BLE001 - norms are evidence, not a reason to stop
        notes.append(f"Gradient norms not recorded: {type(exc).__name__}: {first_line(exc)}")
        return {}
    finally:
        for var, value in zip(model.non_trainable_variables, saved):
            var.assign(value)
    return {key: total / len(batches) for key, total in sums.items()}
