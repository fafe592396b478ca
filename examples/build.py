"""Build and save every example model.

Usage::

    python examples/build.py [--out DIR]     # default: examples/models/

Writes ``<name>.keras`` for every model in ``examples/models.py`` plus a
legacy HDF5 ``story1_buggy.h5``.  Offline, deterministic (seed 0), untrained.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def _import_keras_quietly():
    """TensorFlow's C++ start-up lines go straight to fd 2; hide them during the import."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import keras
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    import absl.logging  # Keras warns through absl when saving legacy .h5 on purpose

    absl.logging.set_verbosity(absl.logging.ERROR)
    return keras


keras = _import_keras_quietly()
import models  # noqa: E402  (examples/models.py)


def build_all(out_dir: str) -> list[str]:
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for name, builder in models.all_models().items():
        keras.backend.clear_session()  # layer names as in a fresh process: conv2d, dense, ...
        keras.utils.set_random_seed(0)
        model = builder()
        path = os.path.join(out_dir, f"{name}.keras")
        model.save(path)
        print(path, flush=True)
        written.append(path)
        if name == "story1_buggy":
            h5_path = os.path.join(out_dir, "story1_buggy.h5")
            model.save(h5_path)  # legacy HDF5 format
            print(h5_path, flush=True)
            written.append(h5_path)
        keras.backend.clear_session()
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Build and save the example models.")
    ap.add_argument(
        "--out",
        default=os.path.join(HERE, "models"),
        help="output directory (default: examples/models/)",
    )
    args = ap.parse_args(argv)
    build_all(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
