"""``synthetic``: scikit-learn data for models that take a vector of features.

- classification (a K-unit head, or a one-unit head as binary): ``make_classification`` with
  one cluster per class, about half the features informative (at least enough to place K
  classes on hypercube corners), a quarter redundant, no label noise;
- regression (a regression loss on a non-probability head): ``make_regression`` with one
  target per output unit and half the features informative.

Features are standardised with the training mean and standard deviation, regression targets
likewise. Everything is seeded.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from modelcheck.errors import DatasetError
from modelcheck.probing.datasets import adapt, split
from modelcheck.probing.types import BINARY, REGRESSION, Dataset

if TYPE_CHECKING:
    from modelcheck.probing.types import ModelIO

#: Held-out accuracy a small MLP reaches, up to 10 classes: Dense(64, relu) -> Dense(K,
#: softmax) (or Dense(1, sigmoid)), Adam 1e-3, batch 32, 5 epochs on 4,000 samples, measured
#: 0.89-1.00 over 2/4/8/20/100/784 features x 2/3/5/10 classes x seeds 0-2 (lowest: 10
#: classes on 784 features). 20 classes: 0.73-0.98, so no expectation above 10 classes.
EXPECTED_ACCURACY = 0.8
MAX_CLASSES_FOR_EXPECTATION = 10
#: Distance between class centres (scikit-learn's default is 1.0): at 1.0 a small MLP reaches
#: only 0.5-0.7 on 10 classes in the probe budget, at 2.0 >= 0.9 on every shape tried.
CLASS_SEP = 2.0
#: Label noise of the regression targets, relative to their standard deviation.
REGRESSION_NOISE = 0.1


def load_synthetic(
    io: ModelIO, *, seed: int = 0, max_train: int | None = None, max_test: int | None = None
) -> Dataset:
    """Synthetic data for a vector-input model (see the module docstring).

    Raises:
        DatasetError: the model does not take a single vector of floats, or needs more
            classes than its feature count can separate.
    """
    shape = tuple(io.input_shape)
    if len(shape) != 1 or shape[0] is None or adapt.is_token_input(io):
        kind = (
            "an image input"
            if len(shape) == 3
            else f"{io.input_dtype} (token) inputs"
            if adapt.is_token_input(io)
            else "not a vector of known length"
        )
        raise DatasetError(
            "Expected a model that takes a vector of float features, shape (n_features,), for "
            "--data synthetic; use --data colored-mnist for image models, or --data FILE.npz / "
            "--data DIR (an image folder) for your own data.",
            f"input shape {shape}, {kind}.",
        )
    n_features = int(shape[0])
    plan = adapt.target_plan(io)
    n_train, n_test, size_note = split.sizes(max_train, max_test, 4 * n_features)
    n = n_train + n_test
    if plan.is_classification:
        x, labels, note = _classification(n_features, plan, n, seed)
    else:
        x, targets, note = _regression(n_features, plan.units, n, seed)
    x = x.astype(np.float32)
    mean, std = x[:n_train].mean(axis=0), x[:n_train].std(axis=0)
    x = (x - mean) / np.where(std > 0, std, 1.0)
    x_train, x_test = np.ascontiguousarray(x[:n_train]), np.ascontiguousarray(x[n_train:])
    notes = [note] + ([size_note] if size_note else [])
    if plan.is_classification:
        lab_tr, lab_te = labels[:n_train], labels[n_train:]
        return adapt.classification_dataset(
            "synthetic",
            f"scikit-learn make_classification (seed {seed})",
            plan,
            x_train,
            lab_tr,
            x_test,
            lab_te,
            class_names=[f"class {i}" for i in range(plan.num_classes or 0)],
            notes=notes,
            expected_accuracy=(
                EXPECTED_ACCURACY
                if (plan.num_classes or 0) <= MAX_CLASSES_FOR_EXPECTATION
                else None
            ),
        )
    t_mean, t_std = targets[:n_train].mean(axis=0), targets[:n_train].std(axis=0)
    targets = ((targets - t_mean) / np.where(t_std > 0, t_std, 1.0)).astype(np.float32)
    return Dataset(
        name="synthetic",
        source=f"scikit-learn make_regression (seed {seed})",
        task=REGRESSION,
        x_train=x_train,
        y_train=np.ascontiguousarray(targets[:n_train]),
        x_test=x_test,
        y_test=np.ascontiguousarray(targets[n_train:]),
        labels_train=None,
        labels_test=None,
        num_classes=None,
        notes=notes,
    )


def _classification(
    n_features: int, plan: adapt.TargetPlan, n: int, seed: int
) -> tuple[np.ndarray, np.ndarray, str]:
    k = plan.num_classes or 2
    needed = max(2, math.ceil(math.log2(k)))  # k corners of a hypercube of this dimension
    if needed > n_features:
        raise DatasetError(
            f"Expected at least {needed} input features for --data synthetic to separate {k} "
            "classes; use --data FILE.npz with your own data.",
            f"input shape ({n_features},), {k} classes.",
        )
    from sklearn.datasets import make_classification

    informative = min(n_features, max(needed, n_features // 2))
    redundant = min(n_features - informative, n_features // 4)
    x, y = make_classification(
        n_samples=n,
        n_features=n_features,
        n_informative=informative,
        n_redundant=redundant,
        n_repeated=0,
        n_classes=k,
        n_clusters_per_class=1,
        flip_y=0.0,
        class_sep=CLASS_SEP,
        shuffle=True,
        random_state=seed,
    )
    task = "binary" if plan.task == BINARY else f"{k}-class"
    note = (
        f"{task} classification: {n_features} features, {informative} informative, "
        f"{redundant} redundant"
    )
    return x, y.astype(np.int64), note


def _regression(
    n_features: int, units: int, n: int, seed: int
) -> tuple[np.ndarray, np.ndarray, str]:
    from sklearn.datasets import make_regression

    informative = max(1, n_features // 2)
    x, y = make_regression(
        n_samples=n,
        n_features=n_features,
        n_informative=informative,
        n_targets=units,
        noise=0.0,
        shuffle=True,
        random_state=seed,
    )
    y = np.asarray(y, dtype=np.float64).reshape(n, units)
    # Noise relative to each target's spread, so the task is equally hard at any scale.
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    y = y + REGRESSION_NOISE * y.std(axis=0) * rng.standard_normal(y.shape)
    note = (
        f"regression: {n_features} features, {informative} informative, {units} target(s), "
        f"noise {REGRESSION_NOISE:.0%} of the target spread"
    )
    return x, y, note
