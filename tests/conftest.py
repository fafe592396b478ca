"""Shared fixtures: real model files written by Keras, built once per session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "examples"))


@pytest.fixture(scope="session")
def keras():
    import keras as _keras

    return _keras


@pytest.fixture(scope="session")
def example_models(tmp_path_factory, keras):
    """Every example model saved as .keras (and story 1 also as legacy .h5)."""
    import models  # examples/models.py

    out = tmp_path_factory.mktemp("examples")
    paths = {}
    for name, build in models.all_models().items():
        keras.backend.clear_session()  # layer names as in a fresh process: conv2d, dense, ...
        keras.utils.set_random_seed(0)
        model = build()
        path = out / f"{name}.keras"
        model.save(path)
        paths[name] = path
        if name == "story1_buggy":
            model.save(out / "story1_buggy.h5")
            paths["story1_buggy_h5"] = out / "story1_buggy.h5"
    return paths
