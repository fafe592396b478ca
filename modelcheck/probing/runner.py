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

The parts live in their own modules: :mod:`~modelcheck.probing.extract` (the recorded layers,
the extractor, storage, pooling and projections), :mod:`~modelcheck.probing.train` (the copy,
compiling, the budget, the step log, precise BN), :mod:`~modelcheck.probing.gradients`
(gradient and weight norms) and :mod:`~modelcheck.probing.progress` (the progress bar); this
module runs them in order and assembles the record.
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from modelcheck._keras import import_keras
from modelcheck.errors import ConfigError, ProbeError
from modelcheck.graph.ir import ModelGraph
from modelcheck.probing.extract import _build_extractor, _extract, _Extractor, _predict
from modelcheck.probing.gradients import _grad_batches, _grad_norms, _weight_groups, _weight_norms
from modelcheck.probing.train import (
    BN_SAMPLES,
    DEFAULT_STEPS,
    _compile,
    _copy_model,
    _Fit,
    _fit,
    _recalibrate_batch_norm,
)
from modelcheck.probing.training_settings import TrainingSettings
from modelcheck.probing.types import Dataset, ModelIO, ProbeRecord

__all__ = ["DEFAULT_STEPS", "input_stats", "run_probe"]


@dataclass(frozen=True)
class _Options:
    """The keyword options of :func:`run_probe`."""

    seed: int
    epochs: int | None
    steps: int | None
    max_seconds: float
    batch_size: int
    keep_weights: bool
    probe_samples: int
    max_probe_layers: int
    feature_width: int
    progress: bool


@dataclass
class _Run:
    """The copy being trained, and what every recording of it uses."""

    keras: Any
    copy: Any
    train_model: Any  # the copy, or a view of it with its first output only
    ext: _Extractor
    groups: dict[str, list[Any]]  # trainable variables per weight layer
    probe_idx: Any  # the held-out inputs activations and features are recorded on
    x_probe: Any
    grad_batches: list[tuple[Any, Any]]  # the same before and after training
    opts: _Options
    notes: list[str]


@dataclass
class _Recording:
    """What is recorded on one side of training (features and predictions: after only)."""

    activations: dict[str, Any]
    grad_norms: dict[str, float]
    weight_norms: dict[str, float]
    features: dict[str, Any] = field(default_factory=dict)
    feature_info: dict[str, str] = field(default_factory=dict)
    predictions: Any = None


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
    opts = _Options(
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
    with _quiet():
        return _run_probe(model, graph, dataset, io, settings, opts)


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
    opts: _Options,
) -> ProbeRecord:
    import numpy as np

    keras = import_keras()
    _check_options(opts)
    started = time.perf_counter()
    keras.utils.set_random_seed(opts.seed)
    run = _prepare(keras, model, graph, dataset, settings, opts)
    before = _record_before(run)
    fit = _fit(
        keras,
        run.train_model,
        dataset.x_train,
        dataset.y_train,
        epochs=opts.epochs,
        steps=opts.steps,
        max_seconds=opts.max_seconds,
        batch_size=opts.batch_size,
        progress=opts.progress,
    )
    recalibrated = _recalibrate(run, dataset.x_train)
    after = _record_after(run, dataset.x_test)
    record = ProbeRecord(
        graph=graph,
        dataset=dataset,
        io=io,
        watched=[p.watched for p in run.ext.plans],
        activations_start=before.activations,
        activations_end=after.activations,
        features=after.features,
        probe_labels=(
            None if dataset.labels_test is None else np.asarray(dataset.labels_test)[run.probe_idx]
        ),
        predictions=after.predictions,
        history=fit.history,
        step_losses=fit.log.step_losses,
        grad_norms_start=before.grad_norms,
        grad_norms_end=after.grad_norms,
        weight_norms=after.weight_norms,
        input_stats=input_stats(dataset.x_train),
    )
    record.training = _training_info(settings, run, fit, before, after, recalibrated, started)
    return record


# -- setup ----------------------------------------------------------------------------------


def _check_options(opts: _Options) -> None:
    for name, value in (
        ("epochs", opts.epochs),
        ("steps", opts.steps),
        ("batch size", opts.batch_size),
        ("probe samples", opts.probe_samples),
        ("feature width", opts.feature_width),
    ):
        if value is not None and (isinstance(value, bool) or int(value) < 1):
            raise ConfigError(f"Expected a positive {name}.", repr(value))
    if not opts.max_seconds > 0:
        raise ConfigError(
            "Expected a positive wall-clock cap (max seconds).", repr(opts.max_seconds)
        )


def _prepare(
    keras: Any,
    model: Any,
    graph: ModelGraph,
    dataset: Dataset,
    settings: TrainingSettings,
    opts: _Options,
) -> _Run:
    """Copy and compile the model, pick the probe inputs and gradient batches, and build the
    extractor."""
    notes: list[str] = list(settings.notes)
    copy = _copy_model(keras, model, opts.keep_weights)
    train_model = copy if len(copy.outputs) == 1 else keras.Model(copy.inputs, copy.outputs[0])
    _compile(keras, train_model, settings, dataset)
    probe_idx, x_probe, grad_batches = _sample(dataset, opts)
    ext = _build_extractor(keras, copy, graph, opts.max_probe_layers, len(probe_idx), notes)
    return _Run(
        keras=keras,
        copy=copy,
        train_model=train_model,
        ext=ext,
        groups=_weight_groups(copy, graph),
        probe_idx=probe_idx,
        x_probe=x_probe,
        grad_batches=grad_batches,
        opts=opts,
        notes=notes,
    )


def _sample(dataset: Dataset, opts: _Options) -> tuple[Any, Any, list[tuple[Any, Any]]]:
    """``(probe indices, probe inputs, gradient batches)``, drawn with a generator seeded
    from the run's seed: the probe inputs first, then the batches."""
    import numpy as np

    n_train, n_test = len(dataset.x_train), len(dataset.x_test)
    if n_train == 0 or n_test == 0:
        raise ProbeError(
            "Expected training and held-out samples.",
            f"{n_train} training and {n_test} held-out samples",
        )
    rng = np.random.default_rng(opts.seed)
    n_probe = min(opts.probe_samples, n_test)
    probe_idx = np.sort(rng.choice(n_test, n_probe, replace=False))
    x_probe = dataset.x_test[probe_idx]
    grad_batches = _grad_batches(dataset.x_train, dataset.y_train, rng, opts.batch_size)
    return probe_idx, x_probe, grad_batches


# -- recording ------------------------------------------------------------------------------


def _record_before(run: _Run) -> _Recording:
    """Activations, gradient and weight norms right before the first training step."""
    opts = run.opts
    acts, _, _ = _extract(run.keras, run.ext, run.x_probe, None, opts.seed, opts.feature_width)
    grads = _grad_norms(run.train_model, run.grad_batches, run.groups, run.notes)
    return _Recording(activations=acts, grad_norms=grads, weight_norms=_weight_norms(run.groups))


def _recalibrate(run: _Run, x_train: Any) -> int:
    """Precise BN on the trained copy (noted when there was any); the layers re-estimated."""
    n = _recalibrate_batch_norm(run.keras, run.copy, x_train, run.opts.batch_size, run.opts.seed)
    if n:
        run.notes.append(
            f"BatchNormalization statistics of {n} layer(s) were re-estimated on "
            f"{min(len(x_train), BN_SAMPLES)} training inputs after training (a short run "
            "leaves the moving averages behind the weights)."
        )
    return n


def _record_after(run: _Run, x_test: Any) -> _Recording:
    """Activations, features, predictions on ``x_test``, gradient and weight norms after
    the last training step (and precise BN)."""
    opts = run.opts
    feature_info: dict[str, str] = {}
    acts, features, probe_preds = _extract(
        run.keras, run.ext, run.x_probe, feature_info, opts.seed, opts.feature_width
    )
    # When the probe inputs are all the held-out inputs (in order), their outputs are the
    # predictions already.
    if len(run.probe_idx) == len(x_test):
        predictions = probe_preds
    else:
        predictions = _predict(run.keras, run.train_model, x_test)
    grads = _grad_norms(run.train_model, run.grad_batches, run.groups, run.notes)
    return _Recording(
        activations=acts,
        grad_norms=grads,
        weight_norms=_weight_norms(run.groups),
        features=features,
        feature_info=feature_info,
        predictions=predictions,
    )


def _training_info(
    settings: TrainingSettings,
    run: _Run,
    fit: _Fit,
    before: _Recording,
    after: _Recording,
    recalibrated: int,
    started: float,
) -> dict[str, Any]:
    """``ProbeRecord.training``: the settings, the budget and how training went."""
    opts = run.opts
    plans = run.ext.plans
    return {
        "optimizer": settings.optimizer,
        "learning_rate": settings.learning_rate,
        "loss": settings.loss,
        "from_logits": settings.from_logits,
        "settings_source": settings.source,
        "default_settings_used": settings.default_used,
        "default_settings": settings.description if settings.default_used else "",
        "description": settings.description,
        "epochs": fit.epochs,
        "epochs_run": fit.log.epochs_run,
        "steps": fit.total_steps,
        "steps_run": fit.log.steps,
        "steps_per_epoch": fit.steps_per_epoch,
        "batch_size": opts.batch_size,
        "seconds": round(fit.seconds, 3),
        "total_seconds": round(time.perf_counter() - started, 3),
        "max_seconds": opts.max_seconds,
        "stopped_by_time": fit.log.timed_out,
        "keep_weights": opts.keep_weights,
        "initialisation": "saved weights" if opts.keep_weights else "fresh (seeded)",
        "seed": opts.seed,
        "probe_samples": len(run.probe_idx),
        "grad_batches": len(run.grad_batches),
        "batch_norm_recalibrated": recalibrated,
        "activation_storage": {p.watched.path: p.act_mode for p in plans if p.activation},
        "output_shapes": {p.watched.path: list(p.feat_shape) for p in plans},
        "features": after.feature_info,
        "weight_norms_start": before.weight_norms,
        "notes": run.notes,
    }


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
