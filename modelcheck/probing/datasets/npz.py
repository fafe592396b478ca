"""Your own data as an ``.npz``: arrays ``x`` and ``y``, optionally ``x_test`` and ``y_test``
(else a seeded stratified 20 % of ``x``/``y`` is held out), optionally ``class_names``.

``x`` must already have the model's input shape (nothing is resized or flattened); its dtype
becomes float32, or stays integer for token inputs. ``y`` holds integer class labels (or
one-hot rows, read back with argmax) for a classifier, and floats for a regression head.

The file is always read with ``allow_pickle=False``: an ``.npz`` can carry pickled object
arrays, and unpickling runs code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from modelcheck.errors import DatasetError
from modelcheck.probing.datasets import adapt, split
from modelcheck.probing.types import REGRESSION, Dataset

if TYPE_CHECKING:
    from modelcheck.probing.types import ModelIO

LAYOUT = (
    "Expected an .npz with arrays x (samples with the model's input shape) and y (labels), "
    "optionally x_test and y_test."
)


def load_npz(
    path: str | os.PathLike[str],
    io: ModelIO,
    *,
    seed: int = 0,
    max_train: int | None = None,
    max_test: int | None = None,
) -> Dataset:
    """An ``.npz`` dataset checked against ``io`` (see the module docstring).

    Raises:
        DatasetError: unreadable file, missing arrays, pickled object arrays, an ``x`` shape
            other than the model's input, or labels that do not fit the model's head.
    """
    path = Path(path).expanduser()
    arrays = _read(path)
    plan = adapt.target_plan(io)
    x, y, test = _samples(path, arrays, io)
    split_rng, cap_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    bytes_per = int(np.prod(x.shape[1:], dtype=np.int64)) * 4
    n_train, n_test, _ = split.sizes(max_train, max_test, bytes_per)
    if plan.is_classification:
        return _classification(path, arrays, plan, x, y, test, n_train, n_test, split_rng, cap_rng)
    return _regression(path, plan, x, y, test, n_train, n_test, split_rng, cap_rng)


def _samples(
    path: Path, arrays: dict[str, np.ndarray], io: ModelIO
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """``x`` (checked against ``io``), ``y`` and, when the file has them, ``(x_test, y_test)``."""
    x, y = _check_x(path, arrays["x"], io, "x"), arrays["y"]
    if len(y) != len(x):
        raise DatasetError(
            "Expected x and y to hold the same number of samples.",
            f"{path}: x has {len(x)}, y has {len(y)}.",
        )
    test = None
    if "x_test" in arrays:
        x_te, y_te = _check_x(path, arrays["x_test"], io, "x_test"), arrays["y_test"]
        if len(y_te) != len(x_te):
            raise DatasetError(
                "Expected x_test and y_test to hold the same number of samples.",
                f"{path}: x_test has {len(x_te)}, y_test has {len(y_te)}.",
            )
        test = (x_te, y_te)
    if len(x) < 2:
        raise DatasetError("Expected at least 2 samples in x.", f"{path}: {len(x)}.")
    return x, y, test


def _source(path: Path, x: np.ndarray, test: tuple[np.ndarray, np.ndarray] | None) -> str:
    return f"{path} ({len(x) + (len(test[0]) if test is not None else 0)} samples)"


def _classification(
    path: Path,
    arrays: dict[str, np.ndarray],
    plan: adapt.TargetPlan,
    x: np.ndarray,
    y: np.ndarray,
    test: tuple[np.ndarray, np.ndarray] | None,
    n_train: int,
    n_test: int,
    split_rng: np.random.Generator,
    cap_rng: np.random.Generator,
) -> Dataset:
    """Integer labels from ``y``, the held-out part of ``x`` stratified when there is no
    ``test``, both capped per class."""
    notes = []
    labels = _labels(path, y, plan, "y")
    labels_te = _labels(path, test[1], plan, "y_test") if test is not None else None
    _check_class_count(path, labels, labels_te, y, plan)
    if test is not None:
        assert labels_te is not None
        x_te = test[0]
        idx_tr, idx_te = np.arange(len(x)), np.arange(len(x_te))
    else:
        idx_tr, idx_te = split.stratified_split(labels, split.TEST_FRACTION, split_rng)
        x_te, labels_te = x, labels
        notes.append(f"held-out data: a seeded stratified {split.TEST_FRACTION:.0%} of x")
    sizes_before = (len(idx_tr), len(idx_te))
    idx_tr = split.cap_stratified(idx_tr, labels, n_train, cap_rng)
    idx_te = split.cap_stratified(idx_te, labels_te, n_test, cap_rng)
    if (len(idx_tr), len(idx_te)) != sizes_before:
        notes.append(f"at most {n_train} training / {n_test} held-out samples (stratified)")
    lab_tr, lab_te = labels[idx_tr], labels_te[idx_te]
    names = _class_names(arrays, plan.num_classes or 0)
    return Dataset(
        name="npz",
        source=_source(path, x, test),
        task=plan.task,
        x_train=np.ascontiguousarray(x[idx_tr]),
        y_train=adapt.encode_targets(lab_tr, plan),
        x_test=np.ascontiguousarray(x_te[idx_te]),
        y_test=adapt.encode_targets(lab_te, plan),
        labels_train=lab_tr,
        labels_test=lab_te,
        num_classes=plan.num_classes,
        class_names=names,
        notes=notes,
    )


def _regression(
    path: Path,
    plan: adapt.TargetPlan,
    x: np.ndarray,
    y: np.ndarray,
    test: tuple[np.ndarray, np.ndarray] | None,
    n_train: int,
    n_test: int,
    split_rng: np.random.Generator,
    cap_rng: np.random.Generator,
) -> Dataset:
    """Float targets from ``y``, a random held-out part of ``x`` when there is no ``test``."""
    notes = []
    targets = _targets(path, y, plan, "y")
    if test is not None:
        x_te = test[0]
        targets_te = _targets(path, test[1], plan, "y_test")
        idx_tr, idx_te = np.arange(len(x)), np.arange(len(x_te))
    else:
        perm = split_rng.permutation(len(x))
        n_held = max(1, int(round(split.TEST_FRACTION * len(x))))
        idx_te, idx_tr = perm[:n_held], perm[n_held:]
        x_te, targets_te = x, targets
        notes.append(f"held-out data: a seeded random {split.TEST_FRACTION:.0%} of x")
    idx_tr = cap_rng.permutation(idx_tr)[:n_train]
    idx_te = cap_rng.permutation(idx_te)[:n_test]
    return Dataset(
        name="npz",
        source=_source(path, x, test),
        task=REGRESSION,
        x_train=np.ascontiguousarray(x[idx_tr]),
        y_train=np.ascontiguousarray(targets[idx_tr]),
        x_test=np.ascontiguousarray(x_te[idx_te]),
        y_test=np.ascontiguousarray(targets_te[idx_te]),
        labels_train=None,
        labels_test=None,
        num_classes=None,
        notes=notes,
    )


def _read(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise DatasetError(LAYOUT, f"{path} (no such file).")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise DatasetError(LAYOUT, f"{path} cannot be read: {exc}") from exc
    if magic != b"PK\x03\x04":  # np.savez writes a zip; anything else is not an .npz
        raise DatasetError(LAYOUT, f"{path} cannot be read: not an .npz (zip) file.")
    try:
        with np.load(path, allow_pickle=False) as npz:
            keys = set(npz.files)
            if not {"x", "y"} <= keys:
                raise DatasetError(LAYOUT, f"{path}: arrays {', '.join(sorted(keys)) or 'none'}.")
            if ("x_test" in keys) != ("y_test" in keys):
                raise DatasetError(
                    "Expected x_test and y_test together (or neither).",
                    f"{path}: arrays {', '.join(sorted(keys))}.",
                )
            wanted = ["x", "y", "x_test", "y_test", "class_names"]
            return {k: npz[k] for k in wanted if k in keys}
    except DatasetError:
        raise
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise DatasetError(
                "Expected numeric arrays: object arrays are refused because loading them "
                "would unpickle (run code from) the file.",
                f"{path}: {exc}",
            ) from exc
        raise DatasetError(LAYOUT, f"{path} cannot be read: {exc}") from exc
    except Exception as exc:  # not a zip, truncated member, bad header...
        raise DatasetError(LAYOUT, f"{path} cannot be read: {exc}") from exc


def _check_x(path: Path, x: np.ndarray, io: ModelIO, key: str) -> np.ndarray:
    expected = tuple(io.input_shape)
    got = x.shape[1:] if x.ndim else ()
    fits = x.ndim == len(expected) + 1 and all(
        e is None or e == g for e, g in zip(expected, got, strict=True)
    )
    if not fits:
        shown = ", ".join("None" if d is None else str(d) for d in ("n", *expected))
        raise DatasetError(
            f"Expected {key} with the model's input shape ({shown}); it is used as is (not "
            "resized or flattened).",
            f"{path}: {key} has shape {x.shape}.",
        )
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_):
        raise DatasetError(f"Expected numeric {key}.", f"{path}: {key} has dtype {x.dtype}.")
    if adapt.is_token_input(io):
        if not (np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_):
            raise DatasetError(
                f"Expected integer {key} for the model's {io.input_dtype} input.",
                f"{path}: {key} has dtype {x.dtype}.",
            )
        return x.astype(np.dtype(io.input_dtype) if io.input_dtype else np.int64)
    return x.astype(np.float32)


def _labels(path: Path, y: np.ndarray, plan: adapt.TargetPlan, key: str) -> np.ndarray:
    """Integer class labels from integer labels, a (n, 1) column, or one-hot rows."""
    if not (np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_):
        raise DatasetError(
            f"Expected {key} to hold integer class labels or one-hot rows.",
            f"{path}: {key} has dtype {y.dtype}.",
        )
    if y.ndim == 2 and y.shape[1] > 1:
        if y.shape[1] != plan.num_classes:
            raise DatasetError(
                f"Expected one-hot {key} with one column per class of the model "
                f"({plan.num_classes}).",
                f"{path}: {key} has shape {y.shape}.",
            )
        return np.argmax(y, axis=1).astype(np.int64)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DatasetError(
            f"Expected {key} of shape (n,) with class labels, or (n, classes) one-hot.",
            f"{path}: {key} has shape {y.shape}.",
        )
    as_int = np.round(y).astype(np.int64) if y.size else y.astype(np.int64)
    if y.size and (not np.all(as_int == y) or as_int.min() < 0):
        raise DatasetError(
            f"Expected {key} to hold class labels 0, 1, 2, ... for the model's classifier head.",
            f"{path}: {key} holds non-integer or negative values (e.g. {y.flat[0]!r}).",
        )
    return as_int


def _check_class_count(
    path: Path,
    labels: np.ndarray,
    labels_te: np.ndarray | None,
    y: np.ndarray,
    plan: adapt.TargetPlan,
) -> None:
    found = int(max(labels.max(), -1 if labels_te is None else labels_te.max())) + 1
    if y.ndim == 2 and y.shape[1] > 1:
        found = y.shape[1]
    if found != plan.num_classes:
        head = (
            "2 classes (labels 0/1) for its one-unit binary head"
            if plan.units == 1
            else f"{plan.num_classes} classes (labels 0..{(plan.num_classes or 1) - 1}) for "
            f"its {plan.units}-unit head"
        )
        raise DatasetError(
            f"Expected labels for as many classes as the model has: it needs {head}.",
            f"{path}: labels 0..{found - 1} ({found} classes).",
        )
    if len(np.unique(labels)) < 2:
        raise DatasetError(
            "Expected at least 2 different classes in y.",
            f"{path}: every label is {int(labels[0])}.",
        )


def _targets(path: Path, y: np.ndarray, plan: adapt.TargetPlan, key: str) -> np.ndarray:
    if not np.issubdtype(y.dtype, np.number):
        raise DatasetError(
            f"Expected float {key} for the model's regression head.",
            f"{path}: {key} has dtype {y.dtype}.",
        )
    y = y.astype(np.float32)
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.shape[1:] != (plan.units,):
        raise DatasetError(
            f"Expected {key} of shape (n, {plan.units}) for the model's {plan.units}-unit "
            "regression head.",
            f"{path}: {key} has shape {y.shape}.",
        )
    return y


def _class_names(arrays: dict[str, np.ndarray], k: int) -> list[str]:
    names = arrays.get("class_names")
    if names is not None and names.ndim == 1 and len(names) == k:
        return [str(n) for n in names]
    return [f"class {i}" for i in range(k)]
