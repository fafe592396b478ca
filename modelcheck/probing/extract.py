"""Feature extraction for the probe: which layer calls are recorded, the one multi-output
``keras.Model`` giving all of their tensors in one forward pass, and what is kept of each
(full maps, per-unit maxima or strided positions; pooled and projected linear-probe
features). :mod:`modelcheck.probing.runner` describes the stored forms.

Keras is imported inside the functions (it is passed in as ``keras``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from modelcheck.errors import ProbeError
from modelcheck.graph import activations as A
from modelcheck.graph.ir import ModelGraph, Node
from modelcheck.graph.layers import Kind
from modelcheck.probing.messages import first_line
from modelcheck.probing.types import WatchedLayer

#: A feature map kept in full when at most this large (per recording)...
FULL_MAP_BYTES = 32 << 20
#: ... and while the full maps of one recording stay below this in all.
TOTAL_FULL_BYTES = 256 << 20
#: Positions kept per spatial axis for linear-probe features.
FEATURE_GRID = 4

#: Probe inputs per forward pass of the extractor.
EXTRACT_BATCH = 256

_MERGES = frozenset(
    {"Add", "Concatenate", "Average", "Subtract", "Multiply", "Maximum", "Minimum", "Dot"}
)


@dataclass
class _Plan:
    """One recorded layer call: what is kept of its output, and where the extractor gives it."""

    node: Node
    watched: WatchedLayer
    activation: bool  # record activations_start/_end
    feature: bool  # record features
    act_mode: str = "full"  # full | max | stride:<s>  (see modelcheck.probing.runner)
    act_index: int = -1  # extractor output with the activation (already reduced for "max")
    feat_index: int = -1  # extractor output with the features (pooled, flattened)
    feat_shape: tuple[int, ...] = ()  # the layer's output shape, units last, for the report


@dataclass
class _Extractor:
    """One multi-output model giving every recorded tensor in one forward pass."""

    model: Any
    plans: list[_Plan]
    prediction_index: int  # output with the model's (first) output


# -- which layers, and their tensors --------------------------------------------------------


def _own_nodes(model: Any, layer: Any) -> list[Any]:
    """The calls of ``layer`` that belong to ``model``'s graph, in call order."""
    from keras.src.models.functional import make_node_key

    graph_owner = getattr(model, "_functional", None) or model
    own = getattr(graph_owner, "_nodes", None)
    nodes = list(getattr(layer, "_inbound_nodes", []))
    if own is None:
        return nodes
    return [n for i, n in enumerate(nodes) if make_node_key(layer, i) in own]


def _resolve(keras: Any, model: Any, items: list[tuple[str, tuple[str, ...], int]]) -> dict:
    """Symbolic output tensors in ``model``'s graph for ``(key, path, call)`` items.

    Layers inside a nested model are reached by a sub-model from the nested model's inputs
    to those layers, called on the tensors the outer graph feeds the nested model.
    """
    out: dict[str, Any] = {}
    nested: dict[str, list[tuple[str, tuple[str, ...], int]]] = {}
    for key, path, call in items:
        if len(path) == 1:
            layer = model.get_layer(path[0])
            calls = _own_nodes(model, layer)
            out[key] = calls[min(call, len(calls) - 1)].output_tensors[0]
        else:
            nested.setdefault(path[0], []).append((key, path[1:], call))
    for name, sub_items in nested.items():
        inner_model = model.get_layer(name)
        inner = _resolve(keras, inner_model, sub_items)
        keys = list(inner)
        sub = keras.Model(inner_model.inputs, [inner[k] for k in keys])
        feed = _own_nodes(model, inner_model)[0].input_tensors
        results = sub(feed[0] if len(feed) == 1 else feed)
        if not isinstance(results, (list, tuple)):
            results = [results]
        out.update(zip(keys, results))
    return out


def _choose_feature_layers(candidates: list[Node], limit: int) -> set[str]:
    """Every candidate, or for deep models: the last hidden layers and the output, merges
    (block outputs), and evenly spaced others up to ``limit``."""
    n = len(candidates)
    if n <= limit:
        return {c.id for c in candidates}
    keep = set(range(max(0, n - 3), n))
    merges = [i for i, c in enumerate(candidates) if c.core_class in _MERGES and i not in keep]
    room = max(0, limit - len(keep))
    keep |= set(_spaced(merges, min(room, len(merges))))
    rest = [i for i in range(n) if i not in keep]
    keep |= set(_spaced(rest, max(0, limit - len(keep))))
    return {candidates[i].id for i in keep}


def _spaced(items: list[int], k: int) -> list[int]:
    if k <= 0 or not items:
        return []
    if k >= len(items):
        return list(items)
    step = (len(items) - 1) / max(1, k - 1) if k > 1 else 0
    return sorted({items[round(i * step)] for i in range(k)})


def _build_extractor(
    keras: Any,
    copy: Any,
    graph: ModelGraph,
    max_probe_layers: int,
    n_probe: int,
    notes: list[str],
) -> _Extractor:
    """The extractor model. Reductions (per-unit maxima, feature pooling) are ops inside it,
    so only small tensors leave the forward pass."""
    order = {node_id: i for i, node_id in enumerate(graph.nodes)}
    candidates = _candidates(graph)
    feature_ids = _choose_feature_layers(candidates, max_probe_layers)
    tensors = _reach(keras, copy, candidates, notes)
    outputs = _Outputs()
    plans: list[_Plan] = []
    budget = [TOTAL_FULL_BYTES]
    for node in candidates:
        tensor = tensors.get(node.id)
        if tensor is None:
            continue
        plan = _plan(node, order[node.id], node.id in feature_ids)
        if plan is None:
            continue
        _add_outputs(keras.ops, plan, tensor, n_probe, budget, outputs)
        plans.append(plan)
    prediction_index = outputs.add(copy.outputs[0])
    if not plans:
        raise ProbeError("Expected a model with layers to record.", "none could be reached")
    try:
        extractor = keras.Model(copy.inputs[0], outputs.tensors)
    except Exception as exc:
        raise ProbeError(
            "Expected layer outputs reachable from the model's input.",
            f"{type(exc).__name__}: {first_line(exc)}",
        ) from None
    return _Extractor(extractor, plans, prediction_index)


def _candidates(graph: ModelGraph) -> list[Node]:
    """The layer calls that may be recorded: every one but the inputs."""
    candidates: list[Node] = []
    for node in graph:
        if node.kind is Kind.INPUT:
            continue
        if any("[" in part for part in node.path[:-1]):
            continue  # a layer inside a second call of a nested model: its first call counts
        candidates.append(node)
    return candidates


def _reach(keras: Any, copy: Any, candidates: list[Node], notes: list[str]) -> dict[str, Any]:
    """The candidates' output tensors in ``copy``'s graph, by node id: all at once, or (when
    that fails) one at a time, skipping and noting those that cannot be reached."""
    items = [(n.id, tuple(n.path), n.call_index) for n in candidates]
    tensors: dict[str, Any] = {}
    try:
        tensors = _resolve(keras, copy, items)
    except Exception:  # noqa: BLE001 - fall back to one layer at a time, skipping failures
        skipped = []
        for item in items:
            try:
                tensors.update(_resolve(keras, copy, [item]))
            except Exception:  # noqa: BLE001 - a layer we cannot reach is not recorded
                skipped.append(item[0])
        if skipped:
            notes.append(
                f"{len(skipped)} layer call(s) could not be reached for recording: "
                + ", ".join(f"'{s}'" for s in skipped[:5])
            )
    return tensors


class _Outputs:
    """The extractor's outputs, each tensor once."""

    def __init__(self) -> None:
        self.tensors: list[Any] = []
        self._index_of: dict[int, int] = {}

    def add(self, tensor: Any) -> int:
        """The output index of ``tensor`` (added when new)."""
        if id(tensor) not in self._index_of:
            self._index_of[id(tensor)] = len(self.tensors)
            self.tensors.append(tensor)
        return self._index_of[id(tensor)]


def _plan(node: Node, depth: int, feature: bool) -> _Plan | None:
    """What is recorded of ``node``'s output; ``None`` for neither activations (a linear
    layer) nor features."""
    act = node.activation if node.activation is not None else A.LINEAR
    plan = _Plan(
        node=node,
        watched=WatchedLayer(
            path=node.id,
            keras_name=node.name,
            class_name=node.display_class,
            activation=act,
            depth=depth,
            units_axis=-1,
        ),
        activation=A.is_nonlinear(act),
        feature=feature,
    )
    return plan if plan.activation or plan.feature else None


def _add_outputs(
    ops: Any, plan: _Plan, tensor: Any, n_probe: int, budget: list[int], outputs: _Outputs
) -> None:
    """Add what ``plan`` records of ``tensor`` (units moved last) to the extractor's outputs,
    and set the plan's storage mode, output indices and shape. ``budget`` holds the bytes
    of full maps still allowed."""
    node = plan.node
    fmt = node.core_config.get("data_format") or node.config.get("data_format")
    if fmt == "channels_first" and len(tensor.shape) >= 3:
        tensor = ops.moveaxis(tensor, 1, -1)
    if len(tensor.shape) == 1:
        tensor = ops.expand_dims(tensor, -1)
    shape = tuple(tensor.shape[1:])
    plan.feat_shape = shape
    known = all(isinstance(d, int) for d in shape)
    spatial = tuple(range(1, len(shape)))  # axes between samples and units
    if plan.activation:
        act = plan.watched.activation
        plan.act_mode = _storage_mode(shape, n_probe, act, budget) if known else "max"
        if plan.act_mode == "max" and spatial:
            plan.act_index = outputs.add(ops.max(tensor, axis=spatial))
        else:
            plan.act_index = outputs.add(tensor)
    if plan.feature:
        plan.feat_index = outputs.add(_pool_symbolic(ops, tensor) if known else tensor)


def _pool_symbolic(ops: Any, tensor: Any) -> Any:
    """Adaptive average pooling to at most ``FEATURE_GRID`` positions per spatial axis,
    flattened to ``(n, d)`` (static spatial sizes): one einsum with a window-averaging matrix
    per spatial axis, exact for any size and cheap in the graph."""
    import numpy as np

    shape = tuple(tensor.shape[1:])
    spatial = shape[:-1]
    if not spatial:
        return tensor
    letters = "abcdefgh"[: len(spatial)]
    out_letters = "ijklmnop"[: len(spatial)]
    matrices = []
    for size in spatial:
        cells = _bins(size) if size > FEATURE_GRID else [(i, i + 1) for i in range(size)]
        m = np.zeros((size, len(cells)), np.float32)
        for j, (lo, hi) in enumerate(cells):
            m[lo:hi, j] = 1.0 / (hi - lo)
        matrices.append(m)
    spec = (
        f"z{letters}u,"
        + ",".join(f"{a}{o}" for a, o in zip(letters, out_letters))
        + f"->z{out_letters}u"
    )
    pooled = ops.einsum(spec, tensor, *matrices)
    dims = math.prod(m.shape[1] for m in matrices) * shape[-1]
    return ops.reshape(pooled, (-1, dims))


def _bins(size: int) -> list[tuple[int, int]]:
    """Adaptive pooling windows: ``floor(i*size/k)`` to ``ceil((i+1)*size/k)``."""
    return [
        (i * size // FEATURE_GRID, -(-(i + 1) * size // FEATURE_GRID)) for i in range(FEATURE_GRID)
    ]


# -- recording ------------------------------------------------------------------------------


def _extract(
    keras: Any,
    ext: _Extractor,
    x: Any,
    feature_info: dict[str, str] | None,
    seed: int,
    feature_width: int,
) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """Activations, features (only when ``feature_info`` is given) and model outputs on
    ``x``, batch by batch (eager calls: no tracing cost, no full-size maps of all samples)."""
    import numpy as np

    acts: dict[str, list[Any]] = {}
    feats: dict[str, list[Any]] = {}
    preds: list[Any] = []
    projections: dict[str, Any] = {}
    for start in range(0, len(x), EXTRACT_BATCH):
        outs = ext.model(x[start : start + EXTRACT_BATCH], training=False)
        if not isinstance(outs, (list, tuple)):
            outs = [outs]
        arrays = [np.asarray(keras.ops.convert_to_numpy(o)) for o in outs]
        preds.append(arrays[ext.prediction_index].astype(np.float32, copy=False))
        for plan in ext.plans:
            path = plan.watched.path
            if plan.activation:
                a = _as_float32(arrays[plan.act_index])
                if plan.act_mode != "full" and a.ndim > 2:
                    a = _store(a, plan.act_mode)
                acts.setdefault(path, []).append(a)
            if plan.feature and feature_info is not None:
                f = _as_float32(arrays[plan.feat_index])
                if f.ndim > 2:
                    f = _pool(f)
                if f.shape[1] > feature_width:
                    if path not in projections:
                        projections[path] = _projection(f.shape[1], feature_width, seed, path)
                    f = np.asarray((projections[path] @ f.T).T, dtype=np.float32)
                feats.setdefault(path, []).append(f)
                if path not in feature_info:
                    feature_info[path] = _describe_feature(plan.feat_shape, feature_width)
    return (
        {k: np.concatenate(v) for k, v in acts.items()},
        {k: np.ascontiguousarray(np.concatenate(v), dtype=np.float32) for k, v in feats.items()},
        np.concatenate(preds) if preds else None,
    )


def _as_float32(a: Any) -> Any:
    import numpy as np

    a = np.asarray(a)
    if a.dtype != np.float32:
        a = a.astype(np.float32)
    return a.reshape(-1, 1) if a.ndim == 1 else a


def _predict(keras: Any, model: Any, x: Any) -> Any:
    """The model's (first) output on ``x``, in eager batches."""
    import numpy as np

    out = []
    for start in range(0, len(x), EXTRACT_BATCH):
        y = model(x[start : start + EXTRACT_BATCH], training=False)
        if isinstance(y, (list, tuple)):
            y = y[0]
        out.append(np.asarray(keras.ops.convert_to_numpy(y), dtype=np.float32))
    return np.concatenate(out)


def _storage_mode(shape: tuple[int, ...], n: int, activation: str, budget: list[int]) -> str:
    """``full``, ``max`` (per-unit maximum over positions) or ``stride:<s>`` for an output
    of ``shape`` (without the batch axis, units last) on ``n`` probe inputs."""
    if len(shape) <= 1:
        return "full"
    full = math.prod(shape) * 4 * n
    if full <= FULL_MAP_BYTES and full <= budget[0]:
        budget[0] -= full
        return "full"
    if activation in A.SQUASHING or A.is_softmax(activation):
        spatial, units = shape[:-1], shape[-1]
        for s in range(2, max(spatial) + 1):
            if math.prod(-(-d // s) for d in spatial) * units * 4 * n <= FULL_MAP_BYTES:
                return f"stride:{s}"
    return "max"


def _store(a: Any, mode: str) -> Any:
    import numpy as np

    if mode == "full":
        return a
    if mode == "max":
        return a.reshape(a.shape[0], -1, a.shape[-1]).max(axis=1)
    s = int(mode.split(":", 1)[1])
    sl = (slice(None),) + (slice(None, None, s),) * (a.ndim - 2) + (slice(None),)
    return np.ascontiguousarray(a[sl])


def _pool(a: Any) -> Any:
    """Adaptive average pooling to at most ``FEATURE_GRID`` positions per spatial axis,
    flattened to ``(n, d)``."""
    import numpy as np

    for axis in range(1, a.ndim - 1):
        size = a.shape[axis]
        if size <= FEATURE_GRID:
            continue
        parts = [
            a.take(range(lo, hi), axis).mean(axis=axis, keepdims=True) for lo, hi in _bins(size)
        ]
        a = np.concatenate(parts, axis=axis)
    return a.reshape(a.shape[0], -1)


def _projection(d: int, k: int, seed: int, path: str) -> Any:
    """A seeded very sparse random projection from ``d`` to ``k`` dims (Li, Hastie & Church
    2006): entries +-1/sqrt(k*density) with density 1/sqrt(d), so squared norms are kept in
    expectation as by a Gaussian projection, at a fraction of the cost. Same seed and layer,
    same projection."""
    import zlib

    import numpy as np
    from scipy import sparse

    rng = np.random.default_rng([seed, zlib.crc32(path.encode())])
    density = 1.0 / math.sqrt(d)
    nnz = max(k, round(d * k * density))
    rows = rng.integers(0, d, nnz)
    cols = rng.integers(0, k, nnz)
    scale = np.float32(1.0 / math.sqrt(k * density))
    values = np.where(rng.random(nnz) < 0.5, -scale, scale).astype(np.float32)
    return sparse.csc_matrix((values, (rows, cols)), shape=(d, k)).T.tocsr()


def _describe_feature(shape: tuple[int, ...], limit: int) -> str:
    """How a layer output of ``shape`` (no batch axis, units last) became its features."""
    parts = []
    spatial = shape[:-1]
    if spatial:
        grid = "x".join(str(min(d, FEATURE_GRID)) if d else "?" for d in spatial)
        parts.append(f"pooled {'x'.join(str(d) for d in spatial)} -> {grid} positions")
    dims = math.prod(min(d or FEATURE_GRID, FEATURE_GRID) for d in spatial) * (shape[-1] or 0)
    if dims > limit:
        parts.append(f"projected {dims} -> {limit} dims")
    return "; ".join(parts) or "as is"
