"""Seeded, stratified index selection shared by the datasets."""

from __future__ import annotations

import numpy as np

#: Share of user data (folder, npz without a test split) held out for evaluation.
TEST_FRACTION = 0.2
#: Default sample counts: the probe trains within seconds (story 1 end to end <= 15 s).
DEFAULT_TRAIN = 4000
DEFAULT_TEST = 1000
#: Cap on the pixel/feature memory of train + held-out data at the default counts: large
#: inputs (e.g. 128x128x3 float32 = 192 KiB an image) get fewer samples instead of gigabytes.
MAX_DEFAULT_BYTES = 256 * 2**20


def sizes(
    max_train: int | None, max_test: int | None, bytes_per_sample: int
) -> tuple[int, int, str | None]:
    """Train/held-out counts: the user's caps, or the defaults scaled to the memory cap.

    Returns the counts and a note when the defaults were reduced.
    """
    n_train = DEFAULT_TRAIN if max_train is None else max_train
    n_test = DEFAULT_TEST if max_test is None else max_test
    if max_train is None and max_test is None:
        total = (n_train + n_test) * bytes_per_sample
        if total > MAX_DEFAULT_BYTES:
            factor = MAX_DEFAULT_BYTES / total
            n_train, n_test = max(1, int(n_train * factor)), max(1, int(n_test * factor))
            return (
                n_train,
                n_test,
                f"{n_train} training / {n_test} held-out samples (not {DEFAULT_TRAIN}/"
                f"{DEFAULT_TEST}) to keep large inputs within {MAX_DEFAULT_BYTES >> 20} MiB; "
                "set max_train/max_test to change",
            )
    return n_train, n_test, None


def stratified_split(
    labels: np.ndarray, test_fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a stratified train/held-out split: every class with >= 2 samples gets at
    least one held-out sample and one training sample. Both index arrays are shuffled.
    """
    train, test = [], []
    for cls in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        if len(idx) < 2:
            train.append(idx)
            continue
        n_test = min(len(idx) - 1, max(1, int(round(test_fraction * len(idx)))))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return _shuffled(train, rng), _shuffled(test, rng)


def cap_stratified(
    indices: np.ndarray, labels: np.ndarray, limit: int | None, rng: np.random.Generator
) -> np.ndarray:
    """At most ``limit`` of ``indices``, keeping each class's share (each class keeps >= 1)."""
    if limit is None or len(indices) <= limit:
        return indices
    classes, counts = np.unique(labels[indices], return_counts=True)
    quota = np.maximum(1, np.floor(counts * limit / len(indices)).astype(int))
    # Hand out what flooring left over to the largest classes first, deterministically.
    for i in np.argsort(-counts, kind="stable"):
        if quota.sum() >= limit:
            break
        if quota[i] < counts[i]:
            quota[i] += 1
    picked = [
        rng.permutation(indices[labels[indices] == cls])[:q]
        for cls, q in zip(classes, quota, strict=True)
    ]
    return _shuffled(picked, rng)


def _shuffled(parts: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    if not parts:
        return np.zeros(0, dtype=np.int64)
    joined = np.concatenate(parts).astype(np.int64)
    return joined[rng.permutation(len(joined))]
