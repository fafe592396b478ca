"""What ``lint`` and ``probe`` accept as a target, decided in one place: a path (a model file,
an unzipped ``.keras`` directory, a config JSON), a factory spec (``file.py:build_model``,
``package.module:build``) or an in-memory ``keras.Model``; and the layer table of a graph,
which both reports show.
"""

from __future__ import annotations

import enum
import os
from typing import Any

from modelcheck.errors import ModelLoadError
from modelcheck.findings import ModelSummary
from modelcheck.graph.ir import ModelGraph
from modelcheck.graph.readers.live import (
    graph_from_factory,
    graph_from_keras_model,
    is_factory_spec,
)
from modelcheck.graph.readers.model_file import read_model

EXPECTED_TARGET = "Expected a model path, a factory spec 'file.py:callable', or a keras.Model."


class TargetKind(enum.Enum):
    PATH = "path"
    FACTORY = "factory"
    MODEL = "model"


def unexpected_target(target: Any) -> ModelLoadError:
    """The one-line error for a target of no kind modelcheck reads."""
    return ModelLoadError(EXPECTED_TARGET, f"an object of type {type(target).__name__}")


def target_kind(target: Any) -> TargetKind:
    """Which kind of target this is (an object counts as a model when it comes from Keras or
    TensorFlow or has ``get_config``; the probe then requires a ``keras.Model``).

    Raises:
        ModelLoadError: for anything else.
    """
    if isinstance(target, (str, os.PathLike)):
        return TargetKind.FACTORY if is_factory_spec(os.fspath(target)) else TargetKind.PATH
    if type(target).__module__.startswith(("keras", "tf_keras", "tensorflow")) or hasattr(
        target, "get_config"
    ):
        return TargetKind.MODEL
    raise unexpected_target(target)


def load_graph(target: Any) -> ModelGraph:
    """A graph from a path, a factory spec or an in-memory ``keras.Model``, without running
    anything a file holds (a factory is the user's own code: it is imported and called)."""
    kind = target_kind(target)
    if kind is TargetKind.FACTORY:
        return graph_from_factory(os.fspath(target))
    if kind is TargetKind.PATH:
        return read_model(os.fspath(target))
    return graph_from_keras_model(target)


def summarize(graph: ModelGraph) -> ModelSummary:
    """The rows of the layer table renderers draw (like ``model.summary()``)."""
    summary = ModelSummary(
        artifact=graph.artifact,
        model_name=graph.name,
        model_class=graph.model_class,
        source_format=graph.source_format,
        notes=list(graph.notes),
        model_label=graph.model_label,
        region=graph.region,
    )
    total = 0
    known = True
    for node in graph:
        inputs = []
        for src, t in zip(node.inputs, node.input_tensor_index or [0] * len(node.inputs)):
            inputs.append(f"{src}[{t}]" if t else src)
        summary.layers.append(
            {
                "path": node.id,
                "class_name": node.display_class,
                "activation": node.activation,
                "output_shape": list(node.output_shape) if node.output_shape is not None else None,
                "params": node.params,
                "inputs": inputs,
            }
        )
        if node.params is None and node.call_index == 0:
            known = known and node.kind.value in ("input", "activation", "linear")
        elif node.call_index == 0:
            total += node.params or 0
    summary.total_params = total if known else None
    return summary
