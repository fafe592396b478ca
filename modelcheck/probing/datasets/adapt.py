"""Fitting data to a model: which task its head poses, how its loss wants the targets, and how
its input wants the images (size, channels, flattened).

Everything is decided from :class:`~modelcheck.probing.types.ModelIO` alone, and a model the data
cannot fit gets a one-line :class:`~modelcheck.errors.DatasetError` naming the options that do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from modelcheck.errors import DatasetError
from modelcheck.graph.activations import SOFTMAX_LIKE
from modelcheck.graph.compile_info import REGRESSION, SPARSE_CE, loss_name
from modelcheck.probing.types import BINARY, MULTICLASS, Dataset
from modelcheck.probing.types import REGRESSION as REGRESSION_TASK

if TYPE_CHECKING:
    from modelcheck.probing.types import ModelIO

#: Losses that fit a real-valued target (with a non-probability head they mean regression).
REGRESSION_LOSSES = REGRESSION | {"poisson", "cosine_similarity"}
#: Head activations whose output is a probability: with any loss, the head is a classifier
#: (``mean_squared_error`` on a softmax head is a classifier trained with an unusual loss).
CLASSIFIER_HEADS = SOFTMAX_LIKE | {"sigmoid", "hard_sigmoid"}

#: Encodings of the targets ``y`` handed to ``model.fit``.
ONE_HOT = "one-hot"  # float32 (n, K)
SPARSE = "sparse"  # int64 (n,)
BINARY_01 = "binary"  # float32 (n, 1) of 0/1
VALUES = "values"  # float32 (n, units): regression

OTHER_DATA = "--data FILE.npz (your own x and y) or --data DIR (an image folder)"


@dataclass(frozen=True)
class TargetPlan:
    """The task a model's head poses and the target encoding its loss needs."""

    task: str  # MULTICLASS | BINARY | REGRESSION
    num_classes: int | None  # K, 2 for a binary head, None for regression
    encoding: str  # ONE_HOT | SPARSE | BINARY_01 | VALUES
    units: int
    loss: str

    @property
    def is_classification(self) -> bool:
        return self.task != REGRESSION_TASK


def describe_head(io: ModelIO) -> str:
    """``a 1-unit linear head trained with mean_squared_error``."""
    return f"a {io.output_units}-unit {io.head_activation} head trained with {io.loss}"


def target_plan(io: ModelIO) -> TargetPlan:
    """Decide the task and target encoding from the head and loss.

    - regression: a regression loss (mse, mae, huber, ...) on a head that is not a probability
      (linear, relu, tanh, ...);
    - binary: a one-unit head (any other loss): 0/1 floats of shape (n, 1);
    - multiclass: ``sparse_categorical_crossentropy`` takes integer labels; every other loss
      (categorical/binary crossentropy, KL divergence, mse on a softmax head, unknown losses)
      takes one-hot floats.

    Raises:
        DatasetError: a one-unit head with sparse categorical crossentropy (only label 0 fits).
    """
    loss = loss_name(io.loss) if io.loss else ""
    units = int(io.output_units)
    if units < 1:
        raise DatasetError(
            "Expected a model whose output has at least one unit.", f"{units} output units."
        )
    if loss in REGRESSION_LOSSES and io.head_activation not in CLASSIFIER_HEADS:
        return TargetPlan(REGRESSION_TASK, None, VALUES, units, loss)
    if units == 1:
        if loss in SPARSE_CE:
            raise DatasetError(
                "Expected a one-unit head to be a binary classifier (sigmoid, "
                "binary_crossentropy) or a K-unit softmax head for sparse labels.",
                f"{describe_head(io)}: sparse labels other than 0 do not fit one unit.",
            )
        return TargetPlan(BINARY, 2, BINARY_01, 1, loss)
    encoding = SPARSE if loss in SPARSE_CE else ONE_HOT
    return TargetPlan(MULTICLASS, units, encoding, units, loss)


def encode_targets(labels: np.ndarray, plan: TargetPlan) -> np.ndarray:
    """Integer class labels -> the targets ``plan``'s loss needs."""
    labels = np.asarray(labels)
    if plan.encoding == SPARSE:
        return labels.astype(np.int64)
    if plan.encoding == BINARY_01:
        return labels.astype(np.float32).reshape(-1, 1)
    if plan.encoding == ONE_HOT:
        assert plan.num_classes is not None
        out = np.zeros((len(labels), plan.num_classes), dtype=np.float32)
        out[np.arange(len(labels)), labels.astype(np.int64)] = 1.0
        return out
    raise ValueError(f"cannot encode class labels as {plan.encoding}")


# -- images -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageLayout:
    """How a model takes an image: ``height x width x channels``, maybe flattened.

    ``channel_axis`` is False for ``(H, W)`` inputs (a grayscale image without a channel axis).
    """

    height: int
    width: int
    channels: int  # 1 or 3
    flatten: bool = False
    channel_axis: bool = True

    @property
    def shape(self) -> tuple[int, ...]:
        if self.flatten:
            return (self.height * self.width * self.channels,)
        if not self.channel_axis:
            return (self.height, self.width)
        return (self.height, self.width, self.channels)

    @property
    def values_per_image(self) -> int:
        return self.height * self.width * self.channels


_INT_DTYPES = ("int", "uint", "bool")
#: Smallest square side a flattened vector is read as (8x8 digits are still legible).
MIN_SIDE = 8


def is_token_input(io: ModelIO) -> bool:
    """Integer inputs (token ids, category indices); ``uint8`` images do not count."""
    dtype = (io.input_dtype or "float32").lower()
    return dtype != "uint8" and dtype.startswith(_INT_DTYPES)


def image_layout(
    io: ModelIO, *, data: str, default_size: tuple[int, int] = (28, 28), other: str = OTHER_DATA
) -> ImageLayout:
    """The image layout a model's input wants.

    - ``(H, W, C)``, C = 1 or 3 (channels last); unknown H/W keep ``default_size``;
    - ``(H, W)`` with H == W: grayscale without a channel axis (``Flatten`` MLPs, row RNNs);
    - ``(L,)``: flattened images: L = 28*28*3 or 28*28 first, else a square side s with
      L = s*s*3 (colour) or s*s (grayscale).

    Raises:
        DatasetError: integer/token inputs, sequences, other channel counts, or a vector length
            no square image fits; the message points to ``other``.
    """
    shape = tuple(io.input_shape)

    def no(why: str) -> DatasetError:
        return DatasetError(
            f"Expected a model with an image input (H, W, 1 or 3 channels), an (H, H) image or "
            f"a flattened image vector for --data {data}; use {other} for other inputs.",
            f"input shape {shape} ({why}).",
        )

    if is_token_input(io):
        raise no(f"{io.input_dtype} inputs look like token ids, not pixels")
    if len(shape) == 3:
        h, w, c = shape
        if c not in (1, 3):
            raise no(f"{c} channels; channels-last images with 1 or 3 channels are expected")
        h = default_size[0] if h is None else h
        w = default_size[1] if w is None else w
        return ImageLayout(int(h), int(w), int(c))
    if len(shape) == 2:
        h, w = shape
        if h is None or w is None or h != w:
            raise no("a sequence: (steps, features) is not a square image")
        return ImageLayout(int(h), int(w), 1, channel_axis=False)
    if len(shape) == 1:
        (length,) = shape
        if length is None:
            raise no("a vector of unknown length")
        length = int(length)
        for channels in (3, 1):
            side = math.isqrt(length // channels)
            if length % channels == 0 and side * side * channels == length and side >= MIN_SIDE:
                return ImageLayout(side, side, channels, flatten=True)
        raise no(f"{length} values is not the size of a flattened square image (s*s or s*s*3)")
    raise no(f"rank {len(shape)}")


def _filter_matrix(n_in: int, n_out: int) -> np.ndarray:
    """``(n_out, n_in)`` weights of a triangle (bilinear) filter with half-pixel centres.

    When shrinking, the triangle widens by the scale factor (antialiasing, as PIL's BILINEAR
    does), so thin strokes are averaged instead of skipped.
    """
    scale = n_in / n_out
    support = max(scale, 1.0)
    centres = (np.arange(n_out, dtype=np.float64) + 0.5) * scale
    pixels = np.arange(n_in, dtype=np.float64) + 0.5
    weights = np.clip(1.0 - np.abs(pixels[None, :] - centres[:, None]) / support, 0.0, None)
    weights /= weights.sum(axis=1, keepdims=True)
    return weights.astype(np.float32)


def resize_bilinear(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize ``(N, H, W)`` or ``(N, H, W, C)`` images bilinearly (antialiased when shrinking).

    Pure numpy: two matrix products, float32 out. Same size returns a float32 copy.
    """
    images = np.asarray(images, dtype=np.float32)
    n, h, w = images.shape[:3]
    if (h, w) == (height, width):
        return images.copy()
    rows = _filter_matrix(h, height)  # (height, h)
    cols = _filter_matrix(w, width)  # (width, w)
    trailing = images.shape[3:]
    flat = images.reshape(n, h, -1)  # (n, h, w*C)
    out = np.matmul(rows, flat).reshape(n, height, w, -1)  # (n, height, w, C)
    out = np.matmul(cols, out)  # broadcast over (n, height): (width, w) @ (w, C)
    return np.ascontiguousarray(out.reshape(n, height, width, *trailing))


def classification_dataset(
    name: str,
    source: str,
    plan: TargetPlan,
    x_train: np.ndarray,
    labels_train: np.ndarray,
    x_test: np.ndarray,
    labels_test: np.ndarray,
    *,
    class_names: list[str],
    notes: list[str],
    expected_accuracy: float | None = None,
) -> Dataset:
    """A classification :class:`Dataset` with targets encoded as ``plan``'s loss needs."""
    return Dataset(
        name=name,
        source=source,
        task=plan.task,
        x_train=x_train,
        y_train=encode_targets(labels_train, plan),
        x_test=x_test,
        y_test=encode_targets(labels_test, plan),
        labels_train=labels_train,
        labels_test=labels_test,
        num_classes=plan.num_classes,
        class_names=class_names,
        notes=notes,
        expected_accuracy=expected_accuracy,
    )
