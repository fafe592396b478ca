"""The source reader's table of Keras names (positional parameters, canonical classes) is
generated from Keras by ``tools/gen_source_api.py``; it must match the Keras installed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[4] / "tools" / "gen_source_api.py"


@pytest.mark.slow
def test_the_committed_table_is_what_the_installed_keras_gives(keras):
    spec = importlib.util.spec_from_file_location("gen_source_api", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = Path(module.OUT).read_text(encoding="utf-8")
    assert committed == module.generate(), "rerun tools/gen_source_api.py"


def test_the_table_knows_the_layers_people_write():
    from modelcheck.graph.readers.source import keras_api_data as api
    from modelcheck.graph.readers.source.names import layer_class

    assert api.LAYERS["Dense"][1][:2] == ["units", "activation"]
    assert api.LAYERS["Conv2D"][1][:3] == ["filters", "kernel_size", "strides"]
    assert layer_class("Convolution2D") == "Conv2D" and layer_class("MaxPool2D") == "MaxPooling2D"
    assert layer_class("NoSuchLayer") is None
