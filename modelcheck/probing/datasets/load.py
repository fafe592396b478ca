"""The dispatcher from a ``--data`` spec to its loader (see :mod:`modelcheck.probing.datasets`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from modelcheck.errors import DatasetError

if TYPE_CHECKING:
    from modelcheck.probing.types import Dataset, ModelIO

#: The built-in dataset names ``spec`` accepts besides paths.
BUILTIN = ("colored-mnist", "synthetic")


def load_dataset(
    spec: str | os.PathLike[str],
    io: ModelIO,
    *,
    seed: int = 0,
    color_mode: str = "random",
    mnist_path: str | None = None,
    max_train: int | None = None,
    max_test: int | None = None,
) -> Dataset:
    """Load the probe data named by ``spec``, shaped and labelled for the model ``io`` describes.

    Args:
        spec: ``colored-mnist``, ``synthetic``, an image folder, or an ``.npz`` path.
        io: The model's input shape, head and loss.
        seed: Seeds every random choice (same seed, identical arrays).
        color_mode: colored-mnist only: ``random`` or ``spurious``.
        mnist_path: colored-mnist only: an ``mnist.npz`` to use before any other source.
        max_train: At most this many training samples (default 4,000, fewer for large
            inputs). Classes stay balanced; colored-mnist keeps at least one image per class.
        max_test: At most this many held-out samples (default 1,000, likewise).

    Raises:
        DatasetError: an unknown spec, unreadable data, or data the model cannot take.
    """
    for name, value in (("max_train", max_train), ("max_test", max_test)):
        if value is not None and value < 1:
            raise DatasetError(f"Expected {name} to be at least 1.", f"{name}={value}.")
    text = os.fspath(spec)
    kwargs = {"seed": seed, "max_train": max_train, "max_test": max_test}
    if text == "colored-mnist":
        from modelcheck.probing.datasets.colored_mnist import load_colored_mnist

        return load_colored_mnist(io, color_mode=color_mode, mnist_path=mnist_path, **kwargs)
    if text == "synthetic":
        from modelcheck.probing.datasets.synthetic import load_synthetic

        return load_synthetic(io, **kwargs)
    path = Path(text).expanduser()
    if path.is_dir():
        from modelcheck.probing.datasets.folder import load_folder

        return load_folder(path, io, **kwargs)
    if path.suffix.lower() == ".npz" and path.is_file():
        from modelcheck.probing.datasets.npz import load_npz

        return load_npz(path, io, **kwargs)
    why = "no such file or directory" if not path.exists() else "neither a directory nor .npz"
    raise DatasetError(
        "Expected --data colored-mnist, synthetic, an image folder or an .npz file.",
        f"{text!r} ({why}).",
    )


__all__ = ["BUILTIN", "load_dataset"]
