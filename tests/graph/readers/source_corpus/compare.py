"""Compare what the source reader extracts from each corpus program with what Keras built when
the program ran (``truth/*.json``, written by ``oracle.py``).

Used by ``tests/graph/readers/source/test_source_oracle.py`` (the thresholds) and by
``benchmarks/source_oracle.py`` (the figures and disagreement classes in benchmarks/README.md).
Importing this module does not import Keras.
"""

from __future__ import annotations

import json
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelcheck.errors import ModelcheckError
from modelcheck.graph.readers.source import read_source

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
TRUTH = HERE / "truth"


def _norm_act(act: Any) -> str | None:
    if act is None:
        return None
    text = str(act).lower()
    text = text[: -len("_v2")] if text.endswith("_v2") else text  # tf.nn.softmax is softmax_v2
    return {"swish": "silu", "none": "linear", "leakyrelu": "leaky_relu"}.get(text, text)


def truth_rows(model: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(class, units, activation) of the layers Keras built, InputLayers left out; a nested
    ``keras.applications`` network as one row of its class (the reader does not expand it)."""
    rows = []
    for layer in model["layers"]:
        parts = layer["name"].lower().split("/")
        if layer["class"] == "Functional" and parts[-1] in _APPLICATIONS:
            rows.append((_APPLICATIONS[parts[-1]], None, None))
            continue
        if any(p in _APPLICATIONS for p in parts[:-1]) or layer["class"] in _CONTAINERS:
            continue  # a nested model's own layers follow its row
        rows.append((layer["class"], layer.get("units"), _norm_act(layer.get("activation"))))
    return rows


def _application_names() -> dict[str, str]:
    from modelcheck.graph.readers.source import keras_api_data as api

    return {name.lower(): name for name in api.APPLICATIONS}


_APPLICATIONS = _application_names()


_CONTAINERS = frozenset({"InputLayer", "Functional", "Sequential", "Model"})


def _branched(model: dict[str, Any]) -> bool:
    return any(len(layer.get("inbound") or []) > 1 for layer in model["layers"]) or any(
        sum(name in (layer.get("inbound") or []) for layer in model["layers"]) > 1
        for name in {layer["name"] for layer in model["layers"]}
    )


def truth_edges(model: dict[str, Any]) -> list[tuple[str, str]] | None:
    """(producer class, consumer class) of every connection; ``None`` with nested models."""
    by_name = {layer["name"]: layer["class"] for layer in model["layers"]}
    if any(c in ("Functional", "Sequential") for c in by_name.values()):
        return None
    return sorted(
        (by_name.get(src, "?"), layer["class"])
        for layer in model["layers"]
        for src in layer.get("inbound") or []
    )


def static_edges(graph: Any) -> list[tuple[str, str]] | None:
    if any("/" in node.id for node in graph):
        return None
    return sorted(
        (graph.nodes[src].class_name, node.class_name)
        for node in graph
        if node.call_index == 0 and "[" not in node.id
        for src in dict.fromkeys(node.inputs)
        if src in graph.nodes
    )


def _unshared(path: tuple[str, ...]) -> tuple[str, ...]:
    """``("base[1]", "dense")`` -> ``("base", "dense")``: a nested model's later calls."""
    return tuple(p.split("[", 1)[0] for p in path)


def static_rows(graph: Any) -> list[tuple[str, Any, Any]]:
    """The same rows for an extracted graph: one per layer (a shared layer's later calls out)."""
    rows = []
    seen: set[tuple[str, ...]] = set()
    blocks: set[str] = set()
    every = {node.config.get("_block") for node in graph if node.class_name != "InputLayer"}
    for node in graph:
        block = node.config.get("_block")
        if isinstance(block, str) and len(every) > 1:
            # a custom layer the reader expanded: Keras lists it once (unless the whole model
            # is made inside that layer, like a Sequential a custom layer builds)
            if block not in blocks and node.call_index == 0:
                blocks.add(block)
                rows.append((block.split("#")[0], None, None))
            continue
        if node.class_name == "InputLayer" or node.call_index or _unshared(node.path) in seen:
            continue  # a shared layer's (or a nested model's) later calls
        if (
            node.config.get("_operator")
            or node.config.get("_op")
            or node.class_name == "TFOpLambda"
        ):
            continue  # `a + b`, `ops.*`: Keras 3 keeps them as operations, not layers
        seen.add(_unshared(node.path))
        units = node.core_config.get("units", node.core_config.get("filters"))
        if node.core_class == "Embedding":
            units = node.core_config.get("output_dim")
        act = node.activation
        if act is not None and act.startswith("custom:"):
            act = "?" if act == "custom:unknown" else act[len("custom:") :]
        if node.wrapper:  # Keras's config of a wrapper has no units/activation of its own
            units, act = None, None
        rows.append((node.class_name, units, _norm_act(act)))
    return rows


@dataclass
class ProgramResult:
    program: str
    truth_models: int = 0
    extracted: int = 0
    matched_sequence: int = 0  #: truth models whose class sequence an extracted model has
    matched_rows: int = 0  #: ... and whose units and activations agree too
    traceback: str | None = None
    error: str | None = None
    classes: list[str] = field(default_factory=list)  #: disagreement classes


def _same_act(truth: Any, got: Any) -> bool:
    """Keras records no activation for activation layers (ReLU, Softmax): not compared."""
    return truth is None or truth == got or {truth, got} <= {None, "linear"}


def _same_rows(truth: list[tuple], got: list[tuple]) -> bool:
    return len(truth) == len(got) and all(
        c1 == c2 and u1 == u2 and _same_act(a1, a2)
        for (c1, u1, a1), (c2, u2, a2) in zip(truth, got)
    )


def _classes_of(truth: list[tuple], got: list[tuple]) -> list[str]:
    t_cls, g_cls = [r[0] for r in truth], [r[0] for r in got]
    if t_cls != g_cls:
        missing = Counter(t_cls) - Counter(g_cls)
        extra = Counter(g_cls) - Counter(t_cls)
        out = [f"missing {c}" for c in sorted(missing)] + [f"extra {c}" for c in sorted(extra)]
        return out or ["same layers, different order"]
    out = []
    for (c, u1, a1), (_, u2, a2) in zip(truth, got):
        if u1 != u2:
            out.append(f"units of {c} {'unknown' if u2 is None else 'differ'}")
        if not _same_act(a1, a2):
            out.append(f"activation of {c} {'unknown' if a2 == '?' else 'differs'}")
    return sorted(set(out))


def compare_program(name: str) -> ProgramResult | None:
    """``None`` for a program Keras could not run or that built no model."""
    truth = json.loads((TRUTH / f"{name}.json").read_text(encoding="utf-8"))
    if truth.get("status") != "ok":
        return None
    top = [m for m in truth["models"] if m.get("submodel_of") is None and m["layers"]]
    if not top:
        return None
    result = ProgramResult(program=name, truth_models=len(top))
    try:
        graphs = read_source(PROGRAMS / name).graphs
    except ModelcheckError as exc:
        result.error = str(exc)
        result.classes.append("not read: " + str(exc).split(" Received:")[0])
        return result
    except Exception:  # noqa: BLE001 - recorded: the test fails on any traceback
        result.traceback = traceback.format_exc()
        return result
    result.extracted = len(graphs)
    if not graphs:
        result.classes.append("no model extracted")
        return result
    rows = [static_rows(g) for g in graphs]
    edges = [static_edges(g) for g in graphs]
    for model in top:
        want, candidates = truth_rows(model), rows
        if model["class"] not in ("Sequential", "Functional") or _branched(model):
            # Keras lists a subclassed model's layers in attribute order, and a branched
            # graph's in its own traversal order: compared as collections (plus connections)
            want = sorted(want, key=repr)
            candidates = [
                sorted(r, key=repr)
                for r, e in zip(rows, edges)
                if model["class"] != "Functional" or e is None or e == truth_edges(model)
            ] or [sorted(r, key=repr) for r in rows]
        same_cls = [r for r in candidates if [x[0] for x in r] == [x[0] for x in want]]
        if same_cls:
            result.matched_sequence += 1
            if any(_same_rows(want, r) for r in same_cls):
                result.matched_rows += 1
                continue
            result.classes.extend(_classes_of(want, same_cls[0]))
            continue
        best = min(candidates, key=lambda r: _distance(want, r))
        result.classes.extend(_classes_of(want, best))
    return result


def _distance(a: list[tuple], b: list[tuple]) -> int:
    ca, cb = Counter(x[0] for x in a), Counter(x[0] for x in b)
    return sum(((ca - cb) + (cb - ca)).values())


def compare_all() -> list[ProgramResult]:
    out = []
    for path in sorted(TRUTH.glob("*.json")):
        if path.name == "SUMMARY.json":
            continue
        res = compare_program(path.name[: -len(".json")])
        if res is not None:
            out.append(res)
    return out


def summary(results: list[ProgramResult]) -> dict[str, Any]:
    n = len(results)
    models = sum(r.truth_models for r in results)
    classes = Counter(c for r in results for c in set(r.classes))
    return {
        "programs_with_a_model": n,
        "programs_extracted": sum(1 for r in results if r.extracted),
        "models": models,
        "models_same_sequence": sum(r.matched_sequence for r in results),
        "models_same_rows": sum(r.matched_rows for r in results),
        "programs_all_sequences": sum(1 for r in results if r.matched_sequence == r.truth_models),
        "tracebacks": [r.program for r in results if r.traceback],
        "classes": classes.most_common(),
    }
