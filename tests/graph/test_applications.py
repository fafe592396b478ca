"""No false alarms on sound architectures: all 40 keras.applications models.

The configs are what Keras writes into config.json for each model built with
``weights=None`` and compiled with adam + categorical cross-entropy
(regenerate with ``tests/data/make_applications.py``).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from modelcheck.findings import Severity
from modelcheck.graph import shapes
from modelcheck.graph.keras_config import graph_from_config
from modelcheck.linting.engine import run_rules
from modelcheck.linting.registry import RULES

DATA = Path(__file__).resolve().parents[1] / "data" / "applications"
CONFIGS = sorted(DATA.glob("*.json.gz"))


def load(path: Path):
    cfg = json.loads(gzip.decompress(path.read_bytes()))
    return graph_from_config(
        cfg, artifact=path.name, source_format="json", compile_config=cfg.get("compile_config")
    )


def test_all_forty_architectures_are_cached():
    assert len(CONFIGS) == 40


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name.removesuffix(".json.gz"))
def test_no_warning_or_error(path):
    graph = load(path)
    findings, crashes = run_rules(graph, RULES)
    assert not crashes
    loud = [
        f"{f.code} {f.location.layer_path}: {f.message}"
        for f in findings
        if f.severity >= Severity.WARNING
    ]
    assert loud == []
    assert graph.compile is not None and graph.compile.losses


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name.removesuffix(".json.gz"))
def test_inferred_shapes_match_what_keras_recorded(path):
    """Static inference reproduces every tensor shape Keras stored in the config."""
    graph = load(path)
    checked = 0
    for node in graph:
        if node.recorded_shape is None or not node.inputs:
            continue
        ins = [graph.node(i).output_shape for i in node.inputs]
        inferred = shapes.infer_output_shape(node.class_name, node.config, ins)
        if node.class_name in ("LayerScale", "CustomScaleLayer") and inferred is None:
            continue  # keras.applications' own layers, passed through via recorded shapes
        assert inferred == node.recorded_shape, node.id
        checked += 1
    assert checked > 10
