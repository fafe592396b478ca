"""Write the corpus to a directory: every model as a ``.keras`` file, and the ``.npz`` probe
data the cases name (``npz:NAME``).

Files: ``<root>/<case id>.buggy.keras``, ``<root>/<case id>.fixed.keras``,
``<root>/<sound id>.sound.keras`` and ``<root>/data/<NAME>.npz``. A ``stamp.json`` records a
hash of the corpus sources, the Keras version and the MNIST source; when it no longer
matches, the directory's models and data are rebuilt. Keras and numpy are imported inside the
functions.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.cases import N_FEATURES, RAW_OFFSET, RAW_SCALE, Case, Sound

HERE = Path(__file__).resolve().parent
BUGGY, FIXED, SOUND_ROLE = "buggy", "fixed", "sound"
ROLES = (BUGGY, FIXED, SOUND_ROLE)


@dataclass(frozen=True)
class Model:
    """One built model of the corpus."""

    id: str  # the case or sound model id
    role: str  # buggy | fixed | sound
    kind: str  # the bug kind ("sound" for sound models)
    path: Path
    data: str  # the probe data spec as the probe takes it (npz specs resolved to a path)


# ----------------------------------------------------------------------------- probe data


def _colored_digits(rescaled: bool) -> Any:
    """Colored MNIST as the probe builds it for a (28, 28, 3) 10-class model, seed 0."""
    from modelcheck.probing.datasets.load import load_dataset
    from modelcheck.probing.types import ModelIO

    io = ModelIO(
        input_shape=(28, 28, 3),
        output_units=10,
        head_activation="softmax",
        loss="sparse_categorical_crossentropy",
        rescales_input=rescaled,
    )
    return load_dataset("colored-mnist", io, seed=0)


def _pixels_255() -> dict[str, Any]:
    ds = _colored_digits(rescaled=True)  # 0..255, as a model with Rescaling gets them
    return {"x": ds.x_train, "y": ds.labels_train, "x_test": ds.x_test, "y_test": ds.labels_test}


def _channels(first: bool) -> dict[str, Any]:
    import numpy as np

    ds = _colored_digits(rescaled=False)
    order = (0, 3, 1, 2) if first else (0, 1, 2, 3)
    return {
        "x": np.ascontiguousarray(ds.x_train.transpose(order)),
        "y": ds.labels_train,
        "x_test": np.ascontiguousarray(ds.x_test.transpose(order)),
        "y_test": ds.labels_test,
    }


def _raw_features() -> dict[str, Any]:
    """Synthetic 3-class features put back into raw units: standardised * scale + offset."""
    import numpy as np

    from modelcheck.probing.datasets.load import load_dataset
    from modelcheck.probing.types import ModelIO

    io = ModelIO(
        input_shape=(N_FEATURES,),
        output_units=3,
        head_activation="softmax",
        loss="sparse_categorical_crossentropy",
    )
    ds = load_dataset("synthetic", io, seed=0)
    scale = np.asarray(RAW_SCALE, dtype=np.float32)
    offset = np.asarray(RAW_OFFSET, dtype=np.float32)
    return {
        "x": ds.x_train * scale + offset,
        "y": ds.labels_train,
        "x_test": ds.x_test * scale + offset,
        "y_test": ds.labels_test,
    }


#: ``npz:NAME`` data the cases may name, and how each is made.
NPZ_DATA: dict[str, Callable[[], dict[str, Any]]] = {
    "pixels-255": _pixels_255,
    "channels-first": lambda: _channels(first=True),
    "channels-last": lambda: _channels(first=False),
    "raw-features": _raw_features,
}


def data_for(root: Path, spec: str) -> str:
    """The probe's ``data`` argument for a case's data spec (``npz:NAME`` -> the file)."""
    if spec.startswith("npz:"):
        name = spec[4:]
        if name not in NPZ_DATA:
            raise ValueError(f"unknown corpus data {spec!r}; known: {sorted(NPZ_DATA)}")
        return str(root / "data" / f"{name}.npz")
    return spec


def write_data(root: Path, specs: Iterable[str], log: Callable[[str], None]) -> None:
    import numpy as np

    for spec in sorted(set(specs)):
        if not spec.startswith("npz:"):
            continue
        path = Path(data_for(root, spec))
        if path.is_file():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = NPZ_DATA[spec[4:]]()
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
        x = arrays["x"]
        log(f"  wrote {path.name}: x {x.shape} in [{x.min():.4g}, {x.max():.4g}]")


# ----------------------------------------------------------------------------- models


def source_stamp(keras_version: str) -> dict[str, str]:
    """What the built files depend on: the corpus sources and the Keras version."""
    h = hashlib.sha256()
    for path in sorted(HERE.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return {"sources": h.hexdigest()[:16], "keras": keras_version}


def _model_path(root: Path, model_id: str, role: str) -> Path:
    return root / f"{model_id}.{role}.keras"


def plan(root: Path, cases: Iterable[Case], sounds: Iterable[Sound]) -> list[Model]:
    """The models of the given cases and sound models, in corpus order (not built yet)."""
    out: list[Model] = []
    for case in cases:
        for role, data in ((BUGGY, case.data), (FIXED, case.twin_data)):
            path = _model_path(root, case.id, role)
            out.append(Model(case.id, role, case.kind, path, data_for(root, data)))
    for s in sounds:
        path = _model_path(root, s.id, SOUND_ROLE)
        out.append(Model(s.id, SOUND_ROLE, "sound", path, data_for(root, s.data)))
    return out


def build(
    root: Path,
    cases: Iterable[Case],
    sounds: Iterable[Sound],
    *,
    data: bool = True,
    force: bool = False,
    log: Callable[[str], None] = lambda msg: None,
) -> list[Model]:
    """Build (or reuse) the models of ``cases`` and ``sounds`` under ``root``, and their
    ``.npz`` probe data when ``data`` is true. Returns them in corpus order."""
    import keras

    cases, sounds = list(cases), list(sounds)
    root.mkdir(parents=True, exist_ok=True)
    stamp_path = root / "stamp.json"
    stamp = source_stamp(keras.__version__)
    old = json.loads(stamp_path.read_text()) if stamp_path.is_file() else None
    if force or old != stamp:
        for stale in [*root.glob("*.keras"), *root.glob("data/*.npz")]:
            stale.unlink()
        stamp_path.write_text(json.dumps(stamp) + "\n")
    models = plan(root, cases, sounds)
    builders: dict[tuple[str, str], Callable[[Any], Any]] = {}
    for case in cases:
        builders[case.id, BUGGY] = lambda k, c=case: c.build(k, False)
        builders[case.id, FIXED] = lambda k, c=case: c.build(k, True)
    for s in sounds:
        builders[s.id, SOUND_ROLE] = s.build
    todo = [m for m in models if not m.path.is_file()]
    if todo:
        log(f"building {len(todo)} of {len(models)} corpus models in {root}")
    for m in todo:
        # A fresh Keras state per model, without its garbage collection (70 % of the build
        # time): every layer and model of the corpus is named explicitly.
        keras.backend.clear_session(free_memory=False)
        model = builders[m.id, m.role](keras)
        tmp = m.path.with_suffix(".tmp.keras")
        model.save(tmp)
        os.replace(tmp, m.path)
    if data:
        specs = [c.data for c in cases] + [c.twin_data for c in cases] + [s.data for s in sounds]
        write_data(root, specs, log)
    return models
