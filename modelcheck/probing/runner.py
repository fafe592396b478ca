"""Train a copy of a model briefly on a known task and record what the analyzers measure.

The user's model is never trained: the runner clones its architecture (fresh weights by
default, the saved ones with ``keep_weights``), compiles the copy with the effective settings
(:func:`~modelcheck.probing.loading.effective_training`) and a fresh optimizer, and trains it
seeded, within a step budget and a wall-clock cap.

What it records (a :class:`~modelcheck.probing.types.ProbeRecord`), all keyed by graph node id
(the layer path joined by ``/``; ``name[1]`` for the second call of a shared layer):

* ``activations_start``/``activations_end``: outputs of every layer call with a nonlinear
  activation (fused ``Dense(activation=...)``/``Conv*`` or a separate ``ReLU``/``Activation``/
  ``Softmax`` layer) on the same ``probe_samples`` held-out inputs, right before the first
  training step and after the last. float32, samples first, units (channels) on the **last**
  axis (channels-first maps are transposed), so ``units_axis`` is always ``-1``:

  - ``(n, units)`` for vector outputs, always in full;
  - ``(n, *positions, units)`` in full for a feature map of at most 32 MB (and at most
    256 MB of full maps in all);
  - larger maps, ReLU-family and other activations: ``(n, units)``, the per-sample per-unit
    **maximum over positions** (exact for "zero at every position": dead units);
  - larger maps, squashing activations (sigmoid, tanh, softmax...): ``(n, *positions',
    units)`` keeping every s-th position along each spatial axis (saturation fractions
    are estimated on those positions).

  ``record.training["activation_storage"][path]`` names the form used. Reducing over every
  axis but the last works on all of them.
* ``features``: end-of-training outputs of the layers chosen for linear probes, float32
  ``(n, d)``, ``d <= feature_width``: maps adaptive-average-pooled to at most 4 positions
  per spatial axis then flattened; wider than ``feature_width``: a seeded very sparse random
  projection to ``feature_width`` (distances kept like a Gaussian projection's, ~50x fewer
  operations; memory O(d)).
* ``grad_norms_start``/``grad_norms_end`` and ``weight_norms``: per layer with trainable
  weights, the L2 norm over all of its trainable weights (kernel, bias, ...), gradients
  averaged over a few fixed training batches.

All outputs come from one multi-output ``keras.Model`` (one forward pass per batch of probe
inputs). Keras and TensorFlow are imported inside the functions.

After training, the moving statistics of BatchNormalization layers are re-estimated on
training inputs ("precise BN"): a short run leaves them far behind the weights, and a sound
model would otherwise look broken in inference mode.

Determinism: ``keras.utils.set_random_seed(seed)`` seeds initialisation, dropout and
shuffling; numpy generators seeded from ``seed`` pick the probe inputs, gradient batches and
projections. The same seed gives identical step losses, activations and predictions (checked
across processes on CPU). ``tf.config.experimental.enable_op_determinism()`` is not used: it
changed nothing measurable on CPU here (same run time, still deterministic without it), and it
is a process-wide switch the Python API would leave on in the user's session.
"""

from __future__ import annotations

import contextlib
import logging
import math
import sys
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from modelcheck._keras import import_keras
from modelcheck.errors import ConfigError, ProbeError
from modelcheck.graph import activations as A
from modelcheck.graph.compile_info import CROSS_ENTROPY
from modelcheck.graph.ir import ModelGraph, Node
from modelcheck.graph.layers import Kind
from modelcheck.probing.loading import TrainingSettings
from modelcheck.probing.types import REGRESSION, Dataset, ModelIO, ProbeRecord, WatchedLayer

#: Default training budget in steps: 5 epochs of 4,000 colored-MNIST images at batch 64
#: (315 steps). Story 1's fixed model then reaches 94.1-95.0 % held-out accuracy for seeds
#: 0-2 (3 epochs: 90.7-92.9 %, too close to 90 %), in 5.5-7 s of training on 2 CPU cores.
#: Smaller datasets train whole epochs, about this many steps in all; larger ones stop after
#: this many steps, within the first epoch.
DEFAULT_STEPS = 320
#: A feature map kept in full when at most this large (per recording)...
FULL_MAP_BYTES = 32 << 20
#: ... and while the full maps of one recording stay below this in all.
TOTAL_FULL_BYTES = 256 << 20
#: Positions kept per spatial axis for linear-probe features.
FEATURE_GRID = 4
#: Training batches the gradient norms are averaged over (the same ones before and after).
GRAD_BATCHES = 3
#: Training inputs BatchNormalization statistics are re-estimated on after training.
BN_SAMPLES = 1024
#: Probe inputs per forward pass of the extractor.
EXTRACT_BATCH = 256

_MERGES = frozenset(
    {"Add", "Concatenate", "Average", "Subtract", "Multiply", "Maximum", "Minimum", "Dot"}
)


@dataclass
class _Plan:
    """One recorded layer call: what is kept of its output, and where the extractor gives it."""

    node: Node
    watched: WatchedLayer
    activation: bool  # record activations_start/_end
    feature: bool  # record features
    act_mode: str = "full"  # full | max | stride:<s>  (see the module docstring)
    act_index: int = -1  # extractor output with the activation (already reduced for "max")
    feat_index: int = -1  # extractor output with the features (pooled, flattened)
    feat_shape: tuple[int, ...] = ()  # the layer's output shape, units last, for the report


@dataclass
class _Extractor:
    """One multi-output model giving every recorded tensor in one forward pass."""

    model: Any
    plans: list[_Plan]
    prediction_index: int  # output with the model's (first) output


def run_probe(
    model: Any,
    graph: ModelGraph,
    dataset: Dataset,
    io: ModelIO,
    settings: TrainingSettings,
    *,
    seed: int = 0,
    epochs: int | None = None,
    steps: int | None = None,
    max_seconds: float = 60.0,
    batch_size: int = 64,
    keep_weights: bool = False,
    probe_samples: int = 1000,
    max_probe_layers: int = 24,
    feature_width: int = 512,
    progress: bool = True,
) -> ProbeRecord:
    """Train a copy of ``model`` on ``dataset`` and record what the analyzers read.

    Args:
        model: the loaded model (:func:`~modelcheck.probing.loading.load_for_probe`); never
            trained or modified.
        graph: its graph; names the layers in the record.
        dataset: train and held-out data shaped for the model.
        io: what the model takes and gives (:func:`~modelcheck.probing.loading.effective_training`).
        settings: optimizer, learning rate and loss to train with.
        seed: seeds initialisation, shuffling, the probe inputs and projections.
        epochs: epochs to train (default: about ``DEFAULT_STEPS`` steps).
        steps: total training steps; wins over ``epochs``.
        max_seconds: wall-clock cap on ``fit`` (checked after every step; recording before
            and after is not counted); ``training["stopped_by_time"]`` says it was hit.
        batch_size: training batch size.
        keep_weights: start from the model's weights instead of a fresh initialisation.
        probe_samples: held-out inputs activations and features are recorded on.
        max_probe_layers: layers given linear-probe features (evenly spaced beyond it,
            keeping merges, the last hidden layers and the output).
        feature_width: width features are projected to.
        progress: a progress bar on stderr (only when stderr is a terminal).

    Raises:
        ConfigError: for a non-positive budget or batch size.
        ProbeError: when the model cannot be copied or trained.
    """
    with _quiet():
        return _run_probe(
            model,
            graph,
            dataset,
            io,
            settings,
            seed=seed,
            epochs=epochs,
            steps=steps,
            max_seconds=max_seconds,
            batch_size=batch_size,
            keep_weights=keep_weights,
            probe_samples=probe_samples,
            max_probe_layers=max_probe_layers,
            feature_width=feature_width,
            progress=progress,
        )


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Keep Keras/TensorFlow chatter (retracing notices, "softmax over 1 unit" warnings)
    off the user's terminal while the copy trains; restored afterwards."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _run_probe(
    model: Any,
    graph: ModelGraph,
    dataset: Dataset,
    io: ModelIO,
    settings: TrainingSettings,
    *,
    seed: int,
    epochs: int | None,
    steps: int | None,
    max_seconds: float,
    batch_size: int,
    keep_weights: bool,
    probe_samples: int,
    max_probe_layers: int,
    feature_width: int,
    progress: bool,
) -> ProbeRecord:
    import numpy as np

    keras = import_keras()
    _check_options(epochs, steps, max_seconds, batch_size, probe_samples, feature_width)
    started = time.perf_counter()
    keras.utils.set_random_seed(seed)
    notes: list[str] = list(settings.notes)

    copy = _copy_model(keras, model, keep_weights)
    train_model = copy if len(copy.outputs) == 1 else keras.Model(copy.inputs, copy.outputs[0])
    _compile(keras, train_model, settings, dataset)

    x_train, y_train = dataset.x_train, dataset.y_train
    n_train, n_test = len(x_train), len(dataset.x_test)
    if n_train == 0 or n_test == 0:
        raise ProbeError(
            "Expected training and held-out samples.",
            f"{n_train} training and {n_test} held-out samples",
        )
    rng = np.random.default_rng(seed)
    n_probe = min(probe_samples, n_test)
    probe_idx = np.sort(rng.choice(n_test, n_probe, replace=False))
    x_probe = dataset.x_test[probe_idx]
    grad_idx = rng.permutation(n_train)[: GRAD_BATCHES * batch_size]
    grad_batches = [
        (x_train[grad_idx[i : i + batch_size]], y_train[grad_idx[i : i + batch_size]])
        for i in range(0, len(grad_idx), batch_size)
    ]

    ext = _build_extractor(keras, copy, graph, max_probe_layers, n_probe, notes)
    groups = _weight_groups(copy, graph)

    act_start, _, _ = _extract(keras, ext, x_probe, None, seed, feature_width)
    grad_start = _grad_norms(train_model, grad_batches, groups, notes)
    weights_start = _weight_norms(groups)

    steps_per_epoch = math.ceil(n_train / batch_size)
    total_steps, n_epochs = _budget(epochs, steps, steps_per_epoch)
    recorder = _StepLog(total_steps, max_seconds, n_train, batch_size, n_epochs)
    with _ProgressBar(progress) as bar:
        recorder.bar = bar
        fit_started = time.perf_counter()
        try:
            history = train_model.fit(
                x_train,
                y_train,
                batch_size=batch_size,
                epochs=n_epochs,
                shuffle=True,
                verbose=0,
                callbacks=[_callback(keras, recorder)],
            )
        except Exception as exc:  # the user's layers may fail in any way once they run
            raise ProbeError(
                "Expected the model to train on the probe data.",
                f"{type(exc).__name__}: {_first_line(exc)}",
            ) from None
        fit_seconds = time.perf_counter() - fit_started

    recalibrated = _recalibrate_batch_norm(keras, copy, x_train, batch_size, seed)
    if recalibrated:
        notes.append(
            f"BatchNormalization statistics of {recalibrated} layer(s) were re-estimated on "
            f"{min(n_train, BN_SAMPLES)} training inputs after training (a short run leaves "
            "the moving averages behind the weights)."
        )

    feature_info: dict[str, str] = {}
    act_end, features, probe_preds = _extract(
        keras, ext, x_probe, feature_info, seed, feature_width
    )
    # When the probe inputs are all the held-out inputs (in order), their outputs are the
    # predictions already.
    predictions = probe_preds if n_probe == n_test else _predict(keras, train_model, dataset.x_test)
    grad_end = _grad_norms(train_model, grad_batches, groups, notes)

    record = ProbeRecord(
        graph=graph,
        dataset=dataset,
        io=io,
        watched=[p.watched for p in ext.plans],
        activations_start=act_start,
        activations_end=act_end,
        features=features,
        probe_labels=(
            None if dataset.labels_test is None else np.asarray(dataset.labels_test)[probe_idx]
        ),
        predictions=predictions,
        history={k: [float(v) for v in vals] for k, vals in history.history.items()},
        step_losses=recorder.step_losses,
        grad_norms_start=grad_start,
        grad_norms_end=grad_end,
        weight_norms=_weight_norms(groups),
        input_stats=input_stats(x_train),
    )
    record.training = {
        "optimizer": settings.optimizer,
        "learning_rate": settings.learning_rate,
        "loss": settings.loss,
        "from_logits": settings.from_logits,
        "settings_source": settings.source,
        "default_settings_used": settings.default_used,
        "default_settings": settings.description if settings.default_used else "",
        "description": settings.description,
        "epochs": n_epochs,
        "epochs_run": recorder.epochs_run,
        "steps": total_steps,
        "steps_run": recorder.steps,
        "steps_per_epoch": steps_per_epoch,
        "batch_size": batch_size,
        "seconds": round(fit_seconds, 3),
        "total_seconds": round(time.perf_counter() - started, 3),
        "max_seconds": max_seconds,
        "stopped_by_time": recorder.timed_out,
        "keep_weights": keep_weights,
        "initialisation": "saved weights" if keep_weights else "fresh (seeded)",
        "seed": seed,
        "probe_samples": int(n_probe),
        "grad_batches": len(grad_batches),
        "batch_norm_recalibrated": recalibrated,
        "activation_storage": {p.watched.path: p.act_mode for p in ext.plans if p.activation},
        "output_shapes": {p.watched.path: list(p.feat_shape) for p in ext.plans},
        "features": feature_info,
        "weight_norms_start": weights_start,
        "notes": notes,
    }
    return record


# -- setup ----------------------------------------------------------------------------------


def _check_options(
    epochs: int | None,
    steps: int | None,
    max_seconds: float,
    batch_size: int,
    probe_samples: int,
    feature_width: int,
) -> None:
    for name, value in (
        ("epochs", epochs),
        ("steps", steps),
        ("batch size", batch_size),
        ("probe samples", probe_samples),
        ("feature width", feature_width),
    ):
        if value is not None and (isinstance(value, bool) or int(value) < 1):
            raise ConfigError(f"Expected a positive {name}.", repr(value))
    if not max_seconds > 0:
        raise ConfigError("Expected a positive wall-clock cap (max seconds).", repr(max_seconds))


def _budget(epochs: int | None, steps: int | None, steps_per_epoch: int) -> tuple[int, int]:
    """``(total steps, epochs to ask fit for)``."""
    if steps is not None:
        return int(steps), math.ceil(int(steps) / steps_per_epoch)
    if epochs is not None:
        return int(epochs) * steps_per_epoch, int(epochs)
    if steps_per_epoch >= DEFAULT_STEPS:
        return DEFAULT_STEPS, 1
    n = max(1, round(DEFAULT_STEPS / steps_per_epoch))
    return n * steps_per_epoch, n


def _copy_model(keras: Any, model: Any, keep_weights: bool) -> Any:
    """A new model with the same architecture: freshly initialised (seeded), or with a copy of
    the weights. Never shares a layer, variable or optimizer with ``model``.

    The model is already in memory (loaded after the trust check, or the user's own), so
    cloning it may round-trip a Lambda's function: safe mode is off for the clone only.
    """
    from keras.src.saving.serialization_lib import SafeModeScope

    try:
        with SafeModeScope(False):
            copy = keras.models.clone_model(model)
        if not copy.built:
            copy.build((None, *model.inputs[0].shape[1:]))
        if keep_weights:
            copy.set_weights(model.get_weights())
    except Exception as exc:  # custom layers' get_config/from_config may fail in any way
        raise ProbeError(
            "Expected a model Keras can copy (clone_model) for training.",
            f"{type(exc).__name__}: {_first_line(exc)}",
        ) from None
    return copy


def _compile(keras: Any, model: Any, settings: TrainingSettings, dataset: Dataset) -> None:
    try:
        optimizer = keras.optimizers.deserialize(_plain(settings.optimizer_config))
        cfg = settings.loss_config
        loss = keras.losses.get(_plain(cfg)) if isinstance(cfg, (str, Mapping)) else cfg
    except Exception as exc:
        raise ProbeError(
            "Expected an optimizer and loss Keras can build.",
            f"{type(exc).__name__}: {_first_line(exc)}",
        ) from None
    metrics = ["accuracy"] if dataset.task != REGRESSION and settings.loss in CROSS_ENTROPY else []
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)


def _plain(value: Any) -> Any:
    """A deep copy of a serialized config (Keras deserialisation may mutate its input)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# -- which layers, and their tensors --------------------------------------------------------


def _own_nodes(model: Any, layer: Any) -> list[Any]:
    """The calls of ``layer`` that belong to ``model``'s graph, in call order."""
    from keras.src.models.functional import make_node_key

    graph_owner = getattr(model, "_functional", None) or model
    own = getattr(graph_owner, "_nodes", None)
    nodes = list(getattr(layer, "_inbound_nodes", []))
    if own is None:
        return nodes
    return [n for i, n in enumerate(nodes) if make_node_key(layer, i) in own]


def _layer_for(model: Any, path: Sequence[str]) -> Any:
    """The keras layer a graph path names (nested models looked up level by level)."""
    obj = model
    for part in path:
        obj = obj.get_layer(part.split("[", 1)[0])
    return obj


def _resolve(keras: Any, model: Any, items: list[tuple[str, tuple[str, ...], int]]) -> dict:
    """Symbolic output tensors in ``model``'s graph for ``(key, path, call)`` items.

    Layers inside a nested model are reached by a sub-model from the nested model's inputs
    to those layers, called on the tensors the outer graph feeds the nested model.
    """
    out: dict[str, Any] = {}
    nested: dict[str, list[tuple[str, tuple[str, ...], int]]] = {}
    for key, path, call in items:
        if len(path) == 1:
            layer = model.get_layer(path[0])
            calls = _own_nodes(model, layer)
            out[key] = calls[min(call, len(calls) - 1)].output_tensors[0]
        else:
            nested.setdefault(path[0], []).append((key, path[1:], call))
    for name, sub_items in nested.items():
        inner_model = model.get_layer(name)
        inner = _resolve(keras, inner_model, sub_items)
        keys = list(inner)
        sub = keras.Model(inner_model.inputs, [inner[k] for k in keys])
        feed = _own_nodes(model, inner_model)[0].input_tensors
        results = sub(feed[0] if len(feed) == 1 else feed)
        if not isinstance(results, (list, tuple)):
            results = [results]
        out.update(zip(keys, results))
    return out


def _choose_feature_layers(candidates: list[Node], limit: int) -> set[str]:
    """Every candidate, or for deep models: the last hidden layers and the output, merges
    (block outputs), and evenly spaced others up to ``limit``."""
    n = len(candidates)
    if n <= limit:
        return {c.id for c in candidates}
    keep = set(range(max(0, n - 3), n))
    merges = [i for i, c in enumerate(candidates) if c.core_class in _MERGES and i not in keep]
    room = max(0, limit - len(keep))
    keep |= set(_spaced(merges, min(room, len(merges))))
    rest = [i for i in range(n) if i not in keep]
    keep |= set(_spaced(rest, max(0, limit - len(keep))))
    return {candidates[i].id for i in keep}


def _spaced(items: list[int], k: int) -> list[int]:
    if k <= 0 or not items:
        return []
    if k >= len(items):
        return list(items)
    step = (len(items) - 1) / max(1, k - 1) if k > 1 else 0
    return sorted({items[round(i * step)] for i in range(k)})


def _build_extractor(
    keras: Any,
    copy: Any,
    graph: ModelGraph,
    max_probe_layers: int,
    n_probe: int,
    notes: list[str],
) -> _Extractor:
    """The extractor model. Reductions (per-unit maxima, feature pooling) are ops inside it,
    so only small tensors leave the forward pass."""
    ops = keras.ops
    order = {node_id: i for i, node_id in enumerate(graph.nodes)}
    candidates: list[Node] = []
    for node in graph:
        if node.kind is Kind.INPUT:
            continue
        if any("[" in part for part in node.path[:-1]):
            continue  # a layer inside a second call of a nested model: its first call counts
        candidates.append(node)
    feature_ids = _choose_feature_layers(candidates, max_probe_layers)
    items = [(n.id, tuple(n.path), n.call_index) for n in candidates]
    tensors: dict[str, Any] = {}
    try:
        tensors = _resolve(keras, copy, items)
    except Exception:  # noqa: BLE001 - fall back to one layer at a time, skipping failures
        skipped = []
        for item in items:
            try:
                tensors.update(_resolve(keras, copy, [item]))
            except Exception:  # noqa: BLE001 - a layer we cannot reach is not recorded
                skipped.append(item[0])
        if skipped:
            notes.append(
                f"{len(skipped)} layer call(s) could not be reached for recording: "
                + ", ".join(f"'{s}'" for s in skipped[:5])
            )
    outputs: list[Any] = []
    index_of: dict[int, int] = {}

    def add(tensor: Any) -> int:
        if id(tensor) not in index_of:
            index_of[id(tensor)] = len(outputs)
            outputs.append(tensor)
        return index_of[id(tensor)]

    plans: list[_Plan] = []
    budget = [TOTAL_FULL_BYTES]
    for node in candidates:
        tensor = tensors.get(node.id)
        if tensor is None:
            continue
        act = node.activation if node.activation is not None else A.LINEAR
        plan = _Plan(
            node=node,
            watched=WatchedLayer(
                path=node.id,
                keras_name=node.name,
                class_name=node.display_class,
                activation=act,
                depth=order[node.id],
                units_axis=-1,
            ),
            activation=A.is_nonlinear(act),
            feature=node.id in feature_ids,
        )
        if not (plan.activation or plan.feature):
            continue
        fmt = node.core_config.get("data_format") or node.config.get("data_format")
        if fmt == "channels_first" and len(tensor.shape) >= 3:
            tensor = ops.moveaxis(tensor, 1, -1)
        if len(tensor.shape) == 1:
            tensor = ops.expand_dims(tensor, -1)
        shape = tuple(tensor.shape[1:])
        plan.feat_shape = shape
        known = all(isinstance(d, int) for d in shape)
        spatial = tuple(range(1, len(shape)))  # axes between samples and units
        if plan.activation:
            plan.act_mode = _storage_mode(shape, n_probe, act, budget) if known else "max"
            if plan.act_mode == "max" and spatial:
                plan.act_index = add(ops.max(tensor, axis=spatial))
            else:
                plan.act_index = add(tensor)
        if plan.feature:
            plan.feat_index = add(_pool_symbolic(ops, tensor) if known else tensor)
        plans.append(plan)
    prediction_index = add(copy.outputs[0])
    if not plans:
        raise ProbeError("Expected a model with layers to record.", "none could be reached")
    try:
        extractor = keras.Model(copy.inputs[0], outputs)
    except Exception as exc:
        raise ProbeError(
            "Expected layer outputs reachable from the model's input.",
            f"{type(exc).__name__}: {_first_line(exc)}",
        ) from None
    return _Extractor(extractor, plans, prediction_index)


def _pool_symbolic(ops: Any, tensor: Any) -> Any:
    """Adaptive average pooling to at most ``FEATURE_GRID`` positions per spatial axis,
    flattened to ``(n, d)`` (static spatial sizes): one einsum with a window-averaging matrix
    per spatial axis, exact for any size and cheap in the graph."""
    import numpy as np

    shape = tuple(tensor.shape[1:])
    spatial = shape[:-1]
    if not spatial:
        return tensor
    letters = "abcdefgh"[: len(spatial)]
    out_letters = "ijklmnop"[: len(spatial)]
    matrices = []
    for size in spatial:
        cells = _bins(size) if size > FEATURE_GRID else [(i, i + 1) for i in range(size)]
        m = np.zeros((size, len(cells)), np.float32)
        for j, (lo, hi) in enumerate(cells):
            m[lo:hi, j] = 1.0 / (hi - lo)
        matrices.append(m)
    spec = (
        f"z{letters}u,"
        + ",".join(f"{a}{o}" for a, o in zip(letters, out_letters))
        + f"->z{out_letters}u"
    )
    pooled = ops.einsum(spec, tensor, *matrices)
    dims = math.prod(m.shape[1] for m in matrices) * shape[-1]
    return ops.reshape(pooled, (-1, dims))


def _bins(size: int) -> list[tuple[int, int]]:
    """Adaptive pooling windows: ``floor(i*size/k)`` to ``ceil((i+1)*size/k)``."""
    return [
        (i * size // FEATURE_GRID, -(-(i + 1) * size // FEATURE_GRID)) for i in range(FEATURE_GRID)
    ]


# -- recording ------------------------------------------------------------------------------


def _extract(
    keras: Any,
    ext: _Extractor,
    x: Any,
    feature_info: dict[str, str] | None,
    seed: int,
    feature_width: int,
) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """Activations, features (only when ``feature_info`` is given) and model outputs on
    ``x``, batch by batch (eager calls: no tracing cost, no full-size maps of all samples)."""
    import numpy as np

    acts: dict[str, list[Any]] = {}
    feats: dict[str, list[Any]] = {}
    preds: list[Any] = []
    projections: dict[str, Any] = {}
    for start in range(0, len(x), EXTRACT_BATCH):
        outs = ext.model(x[start : start + EXTRACT_BATCH], training=False)
        if not isinstance(outs, (list, tuple)):
            outs = [outs]
        arrays = [np.asarray(keras.ops.convert_to_numpy(o)) for o in outs]
        preds.append(arrays[ext.prediction_index].astype(np.float32, copy=False))
        for plan in ext.plans:
            path = plan.watched.path
            if plan.activation:
                a = _as_float32(arrays[plan.act_index])
                if plan.act_mode != "full" and a.ndim > 2:
                    a = _store(a, plan.act_mode)
                acts.setdefault(path, []).append(a)
            if plan.feature and feature_info is not None:
                f = _as_float32(arrays[plan.feat_index])
                if f.ndim > 2:
                    f = _pool(f)
                if f.shape[1] > feature_width:
                    if path not in projections:
                        projections[path] = _projection(f.shape[1], feature_width, seed, path)
                    f = np.asarray((projections[path] @ f.T).T, dtype=np.float32)
                feats.setdefault(path, []).append(f)
                if path not in feature_info:
                    feature_info[path] = _describe_feature(plan.feat_shape, feature_width)
    return (
        {k: np.concatenate(v) for k, v in acts.items()},
        {k: np.ascontiguousarray(np.concatenate(v), dtype=np.float32) for k, v in feats.items()},
        np.concatenate(preds) if preds else None,
    )


def _as_float32(a: Any) -> Any:
    import numpy as np

    a = np.asarray(a)
    if a.dtype != np.float32:
        a = a.astype(np.float32)
    return a.reshape(-1, 1) if a.ndim == 1 else a


def _predict(keras: Any, model: Any, x: Any) -> Any:
    """The model's (first) output on ``x``, in eager batches."""
    import numpy as np

    out = []
    for start in range(0, len(x), EXTRACT_BATCH):
        y = model(x[start : start + EXTRACT_BATCH], training=False)
        if isinstance(y, (list, tuple)):
            y = y[0]
        out.append(np.asarray(keras.ops.convert_to_numpy(y), dtype=np.float32))
    return np.concatenate(out)


def _storage_mode(shape: tuple[int, ...], n: int, activation: str, budget: list[int]) -> str:
    """``full``, ``max`` (per-unit maximum over positions) or ``stride:<s>`` for an output
    of ``shape`` (without the batch axis, units last) on ``n`` probe inputs."""
    if len(shape) <= 1:
        return "full"
    full = math.prod(shape) * 4 * n
    if full <= FULL_MAP_BYTES and full <= budget[0]:
        budget[0] -= full
        return "full"
    if activation in A.SQUASHING or A.is_softmax(activation):
        spatial, units = shape[:-1], shape[-1]
        for s in range(2, max(spatial) + 1):
            if math.prod(-(-d // s) for d in spatial) * units * 4 * n <= FULL_MAP_BYTES:
                return f"stride:{s}"
    return "max"


def _store(a: Any, mode: str) -> Any:
    import numpy as np

    if mode == "full":
        return a
    if mode == "max":
        return a.reshape(a.shape[0], -1, a.shape[-1]).max(axis=1)
    s = int(mode.split(":", 1)[1])
    sl = (slice(None),) + (slice(None, None, s),) * (a.ndim - 2) + (slice(None),)
    return np.ascontiguousarray(a[sl])


def _pool(a: Any) -> Any:
    """Adaptive average pooling to at most ``FEATURE_GRID`` positions per spatial axis,
    flattened to ``(n, d)``."""
    import numpy as np

    for axis in range(1, a.ndim - 1):
        size = a.shape[axis]
        if size <= FEATURE_GRID:
            continue
        parts = [
            a.take(range(lo, hi), axis).mean(axis=axis, keepdims=True) for lo, hi in _bins(size)
        ]
        a = np.concatenate(parts, axis=axis)
    return a.reshape(a.shape[0], -1)


def _projection(d: int, k: int, seed: int, path: str) -> Any:
    """A seeded very sparse random projection from ``d`` to ``k`` dims (Li, Hastie & Church
    2006): entries +-1/sqrt(k*density) with density 1/sqrt(d), so squared norms are kept in
    expectation as by a Gaussian projection, at a fraction of the cost. Same seed and layer,
    same projection."""
    import zlib

    import numpy as np
    from scipy import sparse

    rng = np.random.default_rng([seed, zlib.crc32(path.encode())])
    density = 1.0 / math.sqrt(d)
    nnz = max(k, round(d * k * density))
    rows = rng.integers(0, d, nnz)
    cols = rng.integers(0, k, nnz)
    scale = np.float32(1.0 / math.sqrt(k * density))
    values = np.where(rng.random(nnz) < 0.5, -scale, scale).astype(np.float32)
    return sparse.csc_matrix((values, (rows, cols)), shape=(d, k)).T.tocsr()


def _describe_feature(shape: tuple[int, ...], limit: int) -> str:
    """How a layer output of ``shape`` (no batch axis, units last) became its features."""
    parts = []
    spatial = shape[:-1]
    if spatial:
        grid = "x".join(str(min(d, FEATURE_GRID)) if d else "?" for d in spatial)
        parts.append(f"pooled {'x'.join(str(d) for d in spatial)} -> {grid} positions")
    dims = math.prod(min(d or FEATURE_GRID, FEATURE_GRID) for d in spatial) * (shape[-1] or 0)
    if dims > limit:
        parts.append(f"projected {dims} -> {limit} dims")
    return "; ".join(parts) or "as is"


def _recalibrate_batch_norm(keras: Any, model: Any, x: Any, batch_size: int, seed: int) -> int:
    """Re-estimate the moving mean/variance of every trainable BatchNormalization layer as the
    plain average of batch statistics over ``BN_SAMPLES`` training inputs ("precise BN").

    With momentum 0.99, a few hundred steps leave the moving averages far behind the fast-
    changing weights: a sound residual CNN that is 94 % accurate in training mode scores
    40-58 % in inference mode after the probe's budget. Only the statistics change (no
    weight is updated); frozen layers (``trainable=False``) are left as they are.

    Returns:
        The number of layers re-estimated.
    """
    import numpy as np

    try:
        layers = list(model._flatten_layers(include_self=False, recursive=True))
    except Exception:  # noqa: BLE001 - an old Keras: the top-level layers only
        layers = list(model.layers)
    bns = [
        layer
        for layer in layers
        if isinstance(layer, keras.layers.BatchNormalization) and layer.trainable
    ]
    if not bns:
        return 0
    rng = np.random.default_rng([seed, 1])
    idx = np.sort(rng.permutation(len(x))[:BN_SAMPLES])
    momenta = [layer.momentum for layer in bns]
    try:
        for i, start in enumerate(range(0, len(idx), batch_size), 1):
            for layer in bns:
                layer.momentum = (i - 1) / i  # a running average of the batch statistics
            model(x[idx[start : start + batch_size]], training=True)
    finally:
        for layer, momentum in zip(bns, momenta):
            layer.momentum = momentum
    return len(bns)


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
        notes.append(f"Gradient norms not recorded: {type(exc).__name__}: {_first_line(exc)}")
        return {}
    finally:
        for var, value in zip(model.non_trainable_variables, saved):
            var.assign(value)
    return {key: total / len(batches) for key, total in sums.items()}


def input_stats(x: Any) -> dict[str, Any]:
    """min, max, mean, std, dtype, shape and non-finite counts of the training inputs."""
    import numpy as np

    a = np.asarray(x)
    out: dict[str, Any] = {"dtype": str(a.dtype), "shape": [int(d) for d in a.shape]}
    if a.size == 0 or not np.issubdtype(a.dtype, np.number):
        return out
    flat = a.reshape(-1)
    nan = inf = 0
    if np.issubdtype(a.dtype, np.floating) and not np.isfinite(flat.sum(dtype=np.float64)):
        nan = int(np.count_nonzero(np.isnan(flat)))
        inf = int(np.count_nonzero(np.isinf(flat)))
        flat = flat[np.isfinite(flat)]
    out.update(nan=nan, inf=inf)
    if flat.size:
        mean = float(flat.mean(dtype=np.float64))
        out.update(
            min=float(flat.min()),
            max=float(flat.max()),
            mean=mean,
            std=float(flat.std(dtype=np.float64)),
        )
    return out


# -- training loop helpers ------------------------------------------------------------------


class _StepLog:
    """Per-step losses, the step budget, the wall-clock cap and the progress bar.

    Keras reports the running mean of the epoch's loss after each batch (weighted by batch
    size); the batch's own loss is recovered from consecutive means.
    """

    def __init__(
        self, total_steps: int, max_seconds: float, n_train: int, batch_size: int, n_epochs: int
    ) -> None:
        self.total_steps = total_steps
        self.max_seconds = max_seconds
        self.n_train = n_train
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.step_losses: list[float] = []
        self.steps = 0
        self.epochs_run = 0
        self.timed_out = False
        self.bar: _ProgressBar | None = None
        self._t0 = time.perf_counter()
        self._seen = 0
        self._sum = 0.0

    def begin(self) -> None:
        self._t0 = time.perf_counter()
        if self.bar is not None:
            self.bar.start_task(self.total_steps)

    def epoch_begin(self, epoch: int) -> None:
        self._seen = 0
        self._sum = 0.0
        self.epochs_run = epoch + 1

    def batch_end(self, logs: Mapping[str, Any] | None) -> bool:
        """Record one step; True when training must stop."""
        size = min(self.batch_size, self.n_train - self._seen) or self.batch_size
        self._seen += size
        mean = float((logs or {}).get("loss", float("nan")))
        total = mean * self._seen
        self.step_losses.append((total - self._sum) / size)
        self._sum = total
        self.steps += 1
        stop = self.steps >= self.total_steps
        if not stop and time.perf_counter() - self._t0 > self.max_seconds:
            self.timed_out = stop = True
        if self.bar is not None:
            self.bar.advance(self.epochs_run, self.n_epochs, self.steps, mean)
        return stop


def _callback(keras: Any, log: _StepLog) -> Any:
    """A Keras callback feeding ``log`` (defined here: keras is imported lazily)."""

    class _ProbeCallback(keras.callbacks.Callback):
        def on_train_begin(self, logs: Any = None) -> None:
            log.begin()

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            log.epoch_begin(epoch)

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            if log.batch_end(logs):
                self.model.stop_training = True

    return _ProbeCallback()


class _ProgressBar:
    """A transient rich progress bar on stderr; a no-op unless stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _ProgressBar | None:
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("probe: training a copy"),
            BarColumn(),
            TextColumn("epoch {task.fields[epoch]}  step {task.completed}/{task.total}"),
            TextColumn("loss {task.fields[loss]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.__enter__()
        return self

    def start_task(self, total: int) -> None:
        self._task = self._progress.add_task("train", total=total, epoch="-", loss="-")

    def advance(self, epoch: int, epochs: int, steps: int, loss: float) -> None:
        if self._task is None:
            return
        self._progress.update(
            self._task, completed=steps, epoch=f"{epoch}/{epochs}", loss=f"{loss:.4g}"
        )

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)


def _first_line(exc: BaseException, limit: int = 240) -> str:
    text = " ".join(str(exc).strip().split("\n")[0].split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
