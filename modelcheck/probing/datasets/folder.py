"""An image folder with one sub-folder per class (story 2's layout)::

    data/
      cats/   001.png 002.jpg ...
      dogs/   ...
      birds/  ...

Class names are the sub-folder names, sorted; a class's images may sit in nested folders.
Images are decoded with Pillow, converted to RGB or grayscale as the model's input needs and
resized (bilinear) to its input size; pixels are float32 in [0, 1], or 0..255 when the model
rescales its input itself (a model with unknown height/width gets the first image's size).
A seeded stratified split holds out 20 % of each class.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from modelcheck.errors import DatasetError
from modelcheck.probing.datasets import adapt, split
from modelcheck.probing.types import Dataset

if TYPE_CHECKING:
    from modelcheck.probing.types import ModelIO

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"})


def list_images(root: Path) -> dict[str, list[Path]]:
    """``{class name: image paths}`` for each sub-folder of ``root``, sorted; hidden entries
    (names starting with ``.``) are skipped."""
    classes: dict[str, list[Path]] = {}
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        files = []
        for dirpath, dirnames, filenames in os.walk(entry):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            files += [
                Path(dirpath, f)
                for f in sorted(filenames)
                if not f.startswith(".") and os.path.splitext(f)[1].lower() in IMAGE_EXTENSIONS
            ]
        classes[entry.name] = files
    return classes


def load_folder(
    path: str | os.PathLike[str],
    io: ModelIO,
    *,
    seed: int = 0,
    max_train: int | None = None,
    max_test: int | None = None,
) -> Dataset:
    """An image folder fitted to ``io`` (see the module docstring).

    Raises:
        DatasetError: fewer than 2 classes, a class without images, a class count the model's
            head does not have, an unreadable image, or a model that does not take images.
    """
    root = Path(path).expanduser()
    if not root.is_dir():
        raise DatasetError(
            "Expected an image folder with one sub-folder of images per class.",
            f"{root} (not a directory).",
        )
    plan = adapt.target_plan(io)
    if not plan.is_classification:
        raise DatasetError(
            "Expected a classifier for an image folder (one sub-folder per class); for a "
            "regression model use --data FILE.npz with float targets or --data synthetic.",
            f"{adapt.describe_head(io)}.",
        )
    classes = _classes(root, plan)
    names = list(classes)
    files = [f for name in names for f in classes[name]]
    labels = np.concatenate([np.full(len(classes[name]), i) for i, name in enumerate(names)])

    first_size = _image_size(files[0])  # (width, height) for models with unknown H/W
    layout = adapt.image_layout(
        io,
        data="DIR (an image folder)",
        default_size=(first_size[1], first_size[0]),
        other="--data FILE.npz or --data synthetic",
    )
    n_train, n_test, size_note = split.sizes(max_train, max_test, 4 * layout.values_per_image)
    split_rng, cap_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    idx_tr, idx_te = split.stratified_split(labels, split.TEST_FRACTION, split_rng)
    capped = len(idx_tr) > n_train or len(idx_te) > n_test
    idx_tr = split.cap_stratified(idx_tr, labels, n_train, cap_rng)
    idx_te = split.cap_stratified(idx_te, labels, n_test, cap_rng)

    x_train = _read_images([files[i] for i in idx_tr], layout, io.rescales_input)
    x_test = _read_images([files[i] for i in idx_te], layout, io.rescales_input)
    lab_tr, lab_te = labels[idx_tr].astype(np.int64), labels[idx_te].astype(np.int64)

    notes = [
        f"held-out data: a seeded stratified {split.TEST_FRACTION:.0%} of each class",
        f"images converted to {'RGB' if layout.channels == 3 else 'grayscale'} and resized to "
        f"{layout.height}x{layout.width} (bilinear)",
    ]
    if layout.flatten:
        notes.append(f"images flattened to vectors of {layout.values_per_image} values")
    if io.rescales_input:
        notes.append("pixels in 0..255: the model rescales its input itself")
    if capped:
        notes.append(
            size_note or f"at most {n_train} training / {n_test} held-out images (stratified)"
        )
    return adapt.classification_dataset(
        "folder",
        f"image folder {root} ({len(files)} images, {len(names)} classes)",
        plan,
        x_train,
        lab_tr,
        x_test,
        lab_te,
        class_names=names,
        notes=notes,
    )


def _classes(root: Path, plan: adapt.TargetPlan) -> dict[str, list[Path]]:
    """:func:`list_images` of ``root``, checked: at least 2 classes, none empty, as many as
    ``plan`` has."""
    classes = list_images(root)
    empty = [name for name, files in classes.items() if not files]
    if len(classes) < 2 or empty:
        received = (
            f"{root}: classes without images: {', '.join(empty)}"
            if empty and len(classes) >= 2
            else f"{root}: {len(classes)} class sub-folder(s)"
            + (f" ({', '.join(classes)})" if classes else "")
        )
        raise DatasetError(
            "Expected an image folder with one sub-folder of images per class, at least 2 "
            f"classes (images: {', '.join(sorted(IMAGE_EXTENSIONS))}).",
            f"{received}.",
        )
    names = list(classes)
    if plan.num_classes != len(names):
        head = (
            "2 classes for its one-unit binary head"
            if plan.units == 1
            else f"{plan.num_classes} classes for its {plan.units}-unit head"
        )
        raise DatasetError(
            f"Expected as many class sub-folders as the model has classes: it needs {head}.",
            f"{root}: {len(names)} classes ({', '.join(names)}).",
        )
    return classes


def _unreadable(path: Path, exc: BaseException) -> DatasetError:
    return DatasetError(
        "Expected every file with an image extension in the folder to be a readable image.",
        f"{path}: {exc}",
    )


def _image_size(path: Path) -> tuple[int, int]:
    from PIL import Image

    try:
        with Image.open(path) as img:
            return img.size
    except Exception as exc:  # PIL raises many types for damaged files
        raise _unreadable(path, exc) from exc


def _read_images(paths: list[Path], layout: adapt.ImageLayout, raw_range: bool) -> np.ndarray:
    from PIL import Image

    mode = "RGB" if layout.channels == 3 else "L"
    size = (layout.width, layout.height)
    out = np.empty((len(paths), layout.height, layout.width, layout.channels), dtype=np.float32)
    for i, path in enumerate(paths):
        try:
            with Image.open(path) as img:
                img = img.convert(mode)
                if img.size != size:
                    img = img.resize(size, Image.Resampling.BILINEAR)
                pixels = np.asarray(img, dtype=np.float32)
        except Exception as exc:  # PIL raises many types for damaged files
            raise _unreadable(path, exc) from exc
        out[i] = pixels.reshape(layout.height, layout.width, layout.channels)
    if not raw_range:
        out /= np.float32(255.0)
    return out.reshape(len(paths), *layout.shape)
