"""Build a :class:`ModelGraph` from a Keras model config (Keras 3 or Keras 2 format).

Pure JSON walking: nothing in the config is imported, called or decoded. Lambda bytecode and
custom classes become opaque nodes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelcheck.errors import ModelLoadError
from modelcheck.graph import layers as L
from modelcheck.graph import shapes
from modelcheck.graph.compile_info import parse_compile_config
from modelcheck.graph.hazards import HazardKind, StructureError
from modelcheck.graph.ir import ModelGraph, Node, Shape
from modelcheck.graph.ops import ALL_OPS, OPS_SHAPES, kind_of_operation, operation_of
from modelcheck.graph.params import count_params

#: Guards against hostile or broken configs (recursion through nested models, huge graphs).
MAX_NESTING = 64
MAX_NODES = 200_000


def _expected(what: str, received: str) -> ModelLoadError:
    return ModelLoadError(f"Expected {what}.", received)


def _malformed(what: str, received: str) -> StructureError:
    """A graph Keras cannot build either (cycles, dangling references): a hazard finding."""
    return StructureError(HazardKind.MALFORMED, f"Expected {what}.", received)


def _too_big(what: str, received: str) -> StructureError:
    """Nesting or size beyond the limits: a resource hazard finding."""
    return StructureError(HazardKind.RESOURCE, f"Expected {what}.", received)


def is_model_config(cfg: Any) -> bool:
    """Is this serialized object a Sequential/Functional model (something with layers)?"""
    if not isinstance(cfg, Mapping):
        return False
    inner = cfg.get("config")
    return isinstance(inner, Mapping) and isinstance(inner.get("layers"), list)


def _is_sequential(cfg: Mapping[str, Any]) -> bool:
    inner = cfg.get("config") or {}
    if cfg.get("class_name") == "Sequential":
        return True
    # A Functional always names its inputs/outputs; a layer list without them is sequential.
    return "input_layers" not in inner and "output_layers" not in inner


def _is_builtin(entry: Mapping[str, Any]) -> bool:
    """Built-in Keras classes: module ``keras...`` (K3) or absent (K2, h5) and no custom
    registered name."""
    module = entry.get("module")
    registered = entry.get("registered_name")
    if module is not None and not (
        isinstance(module, str) and module.split(".")[0] in ("keras", "tf_keras", "tensorflow")
    ):
        return False
    return registered in (None, entry.get("class_name"), "Functional")


def _layer_name(entry: Mapping[str, Any], fallback: str) -> str:
    name = entry.get("name")
    if not isinstance(name, str):
        cfg = entry.get("config")
        name = cfg.get("name") if isinstance(cfg, Mapping) else None
    if not isinstance(name, str) or not name:
        return fallback
    return name


def _check_class_name(entry: Mapping[str, Any], path: tuple[str, ...]) -> None:
    """Checked before any use: an unhashable class_name (a list or dict) would otherwise
    fail a set lookup with a TypeError."""
    class_name = entry.get("class_name")
    if not isinstance(class_name, str):
        raise _expected(f"a class_name string for layer '{'/'.join(path)}'", repr(class_name)[:60])


def _as_shape(value: Any) -> Shape | None:
    if isinstance(value, (list, tuple)) and all(
        v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in value
    ):
        return tuple(value)
    return None


class _Ref:
    """A reference to the output of one layer call: (layer name, node index, tensor index)."""

    __slots__ = ("layer", "node_index", "tensor_index", "shape")

    def __init__(self, layer: str, node_index: int, tensor_index: int, shape: Shape | None):
        self.layer = layer
        self.node_index = node_index
        self.tensor_index = tensor_index
        self.shape = shape


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _tensor_refs(obj: Any, out: list[_Ref], depth: int = 0) -> None:
    """Collect every Keras 3 ``__keras_tensor__`` anywhere in args/kwargs, in order."""
    if depth > 200:
        raise _too_big("inbound node arguments nested at most 200 deep", "deeper nesting")
    if isinstance(obj, Mapping):
        if obj.get("class_name") == "__keras_tensor__":
            cfg = obj.get("config") if isinstance(obj.get("config"), Mapping) else {}
            hist = cfg.get("keras_history")
            if isinstance(hist, (list, tuple)) and len(hist) >= 1 and isinstance(hist[0], str):
                out.append(
                    _Ref(
                        hist[0],
                        _int(hist[1] if len(hist) > 1 else 0),
                        _int(hist[2] if len(hist) > 2 else 0),
                        _as_shape(cfg.get("shape")),
                    )
                )
            else:
                raise _expected(
                    "a keras_history [layer, node, tensor] in every __keras_tensor__",
                    repr(hist)[:80],
                )
            return
        for v in obj.values():
            _tensor_refs(v, out, depth + 1)
    elif isinstance(obj, list):
        for v in obj:
            _tensor_refs(v, out, depth + 1)


def _node_refs(node: Any, layer: str) -> list[_Ref]:
    """The tensors one call consumes, in argument order (Keras 3 or Keras 2 format)."""
    refs: list[_Ref] = []
    if isinstance(node, Mapping):  # Keras 3: {"args": [...], "kwargs": {...}}
        _tensor_refs(node.get("args"), refs)
        _tensor_refs(node.get("kwargs"), refs)
        return refs
    if isinstance(node, list):  # Keras 2: [[name, node_index, tensor_index, kwargs], ...]
        for item in node:
            if isinstance(item, list) and item and isinstance(item[0], str):
                refs.append(
                    _Ref(
                        item[0],
                        _int(item[1] if len(item) > 1 else 0),
                        _int(item[2] if len(item) > 2 else 0),
                        None,
                    )
                )
            else:
                raise _expected(
                    f"inbound node entries of the form [layer, node, tensor] in '{layer}'",
                    repr(item)[:80],
                )
        return refs
    raise _expected(f"each inbound node of '{layer}' to be a dict or a list", type(node).__name__)


def _io_triples(value: Any) -> list[tuple[str, int, int]]:
    """``input_layers``/``output_layers``: a flat triple, a list of triples or a dict of them."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        items: list[Any] = list(value.values())
    elif isinstance(value, list) and value and isinstance(value[0], str):
        items = [value]
    elif isinstance(value, list):
        items = value
    else:
        raise _expected(
            "input_layers/output_layers as [layer, node, tensor] triples", repr(value)[:80]
        )
    out = []
    for item in items:
        if isinstance(item, list) and item and isinstance(item[0], str):
            out.append(
                (
                    item[0],
                    _int(item[1] if len(item) > 1 else 0),
                    _int(item[2] if len(item) > 2 else 0),
                )
            )
        elif isinstance(item, (list, Mapping)):
            out.extend(_io_triples(item))
        else:
            raise _expected(
                "input_layers/output_layers as [layer, node, tensor] triples", repr(item)[:80]
            )
    return out


class GraphBuilder:
    """Expands a (possibly nested) model config into a flat graph of layer calls."""

    def __init__(self, graph: ModelGraph) -> None:
        self.graph = graph

    # -- nodes ----------------------------------------------------------------------------
    def _add_node(self, entry: Mapping[str, Any], path: tuple[str, ...], call: int) -> Node:
        if len(self.graph.nodes) >= MAX_NODES:
            raise _too_big(f"at most {MAX_NODES} layer calls", "a larger graph")
        class_name = entry.get("class_name")
        if not isinstance(class_name, str):
            raise _expected(
                f"a class_name string for layer '{'/'.join(path)}'", repr(class_name)[:60]
            )
        config = entry.get("config") if isinstance(entry.get("config"), Mapping) else {}
        node_id = "/".join(path) + (f"[{call}]" if call else "")
        while node_id in self.graph.nodes:  # duplicate names in a hostile/broken file
            node_id += "'"
        node = Node(id=node_id, path=path, class_name=class_name, config=config, call_index=call)
        builtin = _is_builtin(entry)
        core_entry: Mapping[str, Any] = entry
        if builtin and class_name in L.WRAPPER_CLASSES and isinstance(config.get("layer"), Mapping):
            core_entry = config["layer"]
            node.wrapper = class_name
        core_class = (
            core_entry.get("class_name") if isinstance(core_entry.get("class_name"), str) else "?"
        )
        node.core_class = core_class
        node.core_config = (
            core_entry.get("config") if isinstance(core_entry.get("config"), Mapping) else {}
        )
        node.kind = L.kind_of(core_class, builtin and _is_builtin(core_entry))
        node.activation = L.activation_of(core_class, node.kind, node.core_config)
        op = operation_of(core_entry) if node.kind is L.Kind.OPAQUE else None
        if op is not None:  # keras.ops.relu(x) in a Functional graph, tf_keras's TFOpLambda
            node.core_class = op
            node.kind, node.activation = kind_of_operation(op)
        if node.kind is L.Kind.OPAQUE:
            node.opaque_reason = _opaque_reason(core_entry)
        if node.kind is L.Kind.INPUT:
            node.output_shape = _as_shape(config.get("batch_shape")) or _as_shape(
                config.get("batch_input_shape")
            )
        build = entry.get("build_config")
        if isinstance(build, Mapping):
            node.input_shape_hint = _as_shape(build.get("input_shape"))
        if node.input_shape_hint is None:
            node.input_shape_hint = _as_shape(config.get("batch_input_shape")) or _as_shape(
                config.get("batch_shape")
            )
        self.graph.nodes[node_id] = node
        return node

    # -- models ---------------------------------------------------------------------------
    def expand(
        self,
        cfg: Mapping[str, Any],
        scope: tuple[str, ...],
        inputs: list[str] | None,
        depth: int = 0,
    ) -> list[str]:
        """Add the nodes of model ``cfg`` under ``scope``; return its output node ids.

        ``inputs`` are the outer producers of a nested model's inputs (``None`` at the top).
        """
        if depth > MAX_NESTING:
            raise _too_big(f"models nested at most {MAX_NESTING} deep", "deeper nesting")
        if _is_sequential(cfg):
            return self._expand_sequential(cfg, scope, inputs, depth)
        return self._expand_functional(cfg, scope, inputs, depth)

    def _expand_sequential(
        self, cfg: Mapping[str, Any], scope: tuple[str, ...], inputs: list[str] | None, depth: int
    ) -> list[str]:
        inner = cfg["config"]
        prev: list[str] = list(inputs or [])
        build = inner.get("build_input_shape")
        if build is None and isinstance(cfg.get("build_config"), Mapping):
            build = cfg["build_config"].get("input_shape")
        pending_hint = _as_shape(build) if not inputs else None
        used: set[str] = set()
        for i, entry in enumerate(inner["layers"]):
            if not isinstance(entry, Mapping):
                raise _expected("each entry of config.layers to be an object", type(entry).__name__)
            name = _unique(_layer_name(entry, f"layer_{i}"), used)
            _check_class_name(entry, scope + (name,))
            if entry.get("class_name") in L.INPUT_CLASSES and inputs:
                continue  # a nested model's InputLayer stands for the outer producer
            if is_model_config(entry):
                prev = self.expand(entry, scope + (name,), prev, depth + 1)[:1]
                continue
            node = self._add_node(entry, scope + (name,), 0)
            node.inputs = list(prev)
            if not prev and node.kind is not L.Kind.INPUT and pending_hint is not None:
                node.input_shape_hint = node.input_shape_hint or pending_hint
            pending_hint = None
            prev = [node.id]
            if node.kind is L.Kind.INPUT and not inputs:
                self.graph.inputs.append(node.id)
        if not inputs and not self.graph.inputs and inner["layers"]:
            first = self.graph.nodes.get(self._first_id(scope, inner["layers"]))
            if first is not None:
                self.graph.inputs.append(first.id)
        return prev

    def _first_id(self, scope: tuple[str, ...], entries: Sequence[Any]) -> str:
        return "/".join(scope + (_layer_name(entries[0], "layer_0"),))

    def _expand_functional(
        self, cfg: Mapping[str, Any], scope: tuple[str, ...], inputs: list[str] | None, depth: int
    ) -> list[str]:
        """Add the nodes of Functional model ``cfg``, one per layer call, and wire them."""
        model = _FunctionalExpansion(self, cfg, scope, inputs, depth)
        model.add_layer_nodes()
        # Pass 2: wire every call, expanding nested models on demand. It stays in this frame
        # rather than a helper method: nested models recurse through it, and each extra frame
        # per nesting level would bring a deeply nested file closer to the recursion limit.
        for name, entry in model.entries.items():
            if name in model.aliases:
                continue
            if is_model_config(entry):
                for call in range(len(model.calls[name])):
                    model.expand_model(name, call)
                continue
            for call, node_data in enumerate(model.calls[name]):
                refs = _node_refs(node_data, name)
                node = self.graph.nodes[model.call_ids[name][call]]
                for r in refs:
                    src = model.pick(r.layer, r.node_index, r.tensor_index, False)
                    node.inputs.append(src)
                    node.input_tensor_index.append(r.tensor_index)
                    if r.shape is not None and r.tensor_index == 0 and src in self.graph.nodes:
                        self.graph.nodes[src].recorded_shape = r.shape

        inner = model.inner
        outputs = [model.pick(n, i, t, True) for n, i, t in _io_triples(inner.get("output_layers"))]
        if inputs is None and not self.graph.inputs:
            self.graph.inputs.extend(
                model.pick(n, i, t, True) for n, i, t in _io_triples(inner.get("input_layers"))
            )
        return outputs


def _functional_entries(
    inner: Mapping[str, Any], scope: tuple[str, ...]
) -> dict[str, Mapping[str, Any]]:
    """A Functional's layer entries by name, in file order; the names must be unique."""
    entries: dict[str, Mapping[str, Any]] = {}
    for i, entry in enumerate(inner["layers"]):
        if not isinstance(entry, Mapping):
            raise _expected("each entry of config.layers to be an object", type(entry).__name__)
        name = _layer_name(entry, f"layer_{i}")
        _check_class_name(entry, scope + (name,))
        if name in entries:
            raise _malformed("unique layer names within one model", f"'{name}' twice")
        entries[name] = entry
    return entries


def _functional_calls(
    entries: Mapping[str, Mapping[str, Any]],
) -> tuple[dict[str, list[Any]], bool]:
    """Each layer's inbound nodes (one per call), and whether any is in the Keras 2 list form."""
    calls: dict[str, list[Any]] = {}
    keras2 = False
    for name, entry in entries.items():
        nodes = entry.get("inbound_nodes") or []
        if not isinstance(nodes, list):
            raise _expected(f"inbound_nodes of '{name}' to be a list", type(nodes).__name__)
        calls[name] = nodes
        if any(isinstance(n, list) for n in nodes):
            keras2 = True
    return calls, keras2


class _FunctionalExpansion:
    """One Functional model being expanded into the graph under ``scope``.

    It holds the model's layer entries and their calls, the node ids made for every call of a
    plain layer (:meth:`add_layer_nodes`, pass 1, so that references can point forward) and
    the outputs of the nested models expanded so far. :meth:`pick` resolves one reference to a
    node id, expanding a nested model on first use (:meth:`expand_model`); the wiring of the
    calls (pass 2) is :meth:`GraphBuilder._expand_functional`.
    """

    def __init__(
        self,
        builder: GraphBuilder,
        cfg: Mapping[str, Any],
        scope: tuple[str, ...],
        inputs: list[str] | None,
        depth: int,
    ) -> None:
        self.builder = builder
        self.graph = builder.graph
        self.scope = scope
        self.inputs = inputs
        self.depth = depth
        self.inner: Mapping[str, Any] = cfg["config"]
        self.entries = _functional_entries(self.inner, scope)
        self.input_names = [t[0] for t in _io_triples(self.inner.get("input_layers"))]
        #: A nested model's input layers stand for the outer producers.
        self.aliases: dict[str, str] = {}
        if inputs is not None:
            for name, outer in zip(self.input_names, inputs):
                self.aliases[name] = outer
        self.calls, self.keras2 = _functional_calls(self.entries)
        self.call_ids: dict[str, list[str]] = {}  # plain layers: node id per call
        self.model_outputs: dict[tuple[str, int], list[str]] = {}
        self.expanding: set[tuple[str, int]] = set()

    def add_layer_nodes(self) -> None:
        """Pass 1: a node per call of every plain layer, so references can point forward."""
        for name, entry in self.entries.items():
            if name in self.aliases or is_model_config(entry):
                continue
            n_calls = (
                max(1, len(self.calls[name]))
                if entry.get("class_name") in L.INPUT_CLASSES
                else len(self.calls[name])
            )
            ids = []
            for call in range(n_calls):
                node = self.builder._add_node(entry, self.scope + (name,), call)
                ids.append(node.id)
                if (
                    node.kind is L.Kind.INPUT
                    and self.inputs is None
                    and (name in self.input_names or not self.input_names)
                ):
                    self.graph.inputs.append(node.id)
            self.call_ids[name] = ids

    def pick(self, name: str, node_index: int, tensor_index: int, from_io: bool) -> str:
        """The node id a reference to ``name`` (call ``node_index``, output ``tensor_index``)
        means; ``from_io`` for the model's own input_layers/output_layers."""
        if name in self.aliases:
            return self.aliases[name]
        if name not in self.entries:
            scope = self.scope
            raise _malformed(
                f"references to layers of the model{' ' + repr('/'.join(scope)) if scope else ''}",
                f"a reference to unknown layer '{name}'",
            )
        entry = self.entries[name]
        if is_model_config(entry):
            n = len(self.calls[name])
            idx = node_index
            # Nested Functionals keep a phantom node 0 in output/input_layers (Keras 3)
            # and everywhere in Keras 2 files.
            if not _is_sequential(entry) and (from_io or self.keras2) and idx >= 1:
                idx -= 1
            idx = min(max(idx, 0), max(n - 1, 0))
            outs = self.expand_model(name, idx)
            if not outs:
                raise _malformed(f"nested model '{name}' to have outputs", "none")
            return outs[min(tensor_index, len(outs) - 1)]
        ids = self.call_ids.get(name) or []
        if not ids:
            raise _malformed(f"layer '{name}' to be called before it is used", "no call")
        return ids[min(max(node_index, 0), len(ids) - 1)]

    def expand_model(self, name: str, call: int) -> list[str]:
        """The output node ids of call ``call`` of nested model ``name``, expanded once."""
        key = (name, call)
        if key in self.model_outputs:
            return self.model_outputs[key]
        if key in self.expanding:
            raise _malformed("an acyclic graph", f"a cycle through nested model '{name}'")
        self.expanding.add(key)
        refs: list[_Ref] = []
        if call < len(self.calls[name]):
            refs = _node_refs(self.calls[name][call], name)
        outer = [self.pick(r.layer, r.node_index, r.tensor_index, False) for r in refs]
        sub_scope = self.scope + ((name if call == 0 else f"{name}[{call}]"),)
        outs = self.builder.expand(self.entries[name], sub_scope, outer, self.depth + 1)
        self.model_outputs[key] = outs
        self.expanding.discard(key)
        return outs


def _unique(name: str, used: set[str]) -> str:
    base, k = name, 1
    while name in used:
        name = f"{base}_{k}"
        k += 1
    used.add(name)
    return name


def _opaque_reason(entry: Mapping[str, Any]) -> str:
    cls = entry.get("class_name")
    if cls in ("Lambda", "TFOpLambda", "SlicingOpLambda"):
        return "Lambda layer: its Python code is never decoded or run"
    if cls == "TFSMLayer":
        return "TFSMLayer wraps an external SavedModel"
    registered = entry.get("registered_name")
    module = entry.get("module")
    if registered or (module and not str(module).startswith("keras")):
        return f"custom layer {registered or cls} (module {module!r}): its code is not in the file"
    return f"layer class {cls!r} is not known to modelcheck"


def _topological(graph: ModelGraph) -> None:
    """Reorder ``graph.nodes`` topologically; reject cycles."""
    indeg = {i: 0 for i in graph.nodes}
    succ: dict[str, list[str]] = {i: [] for i in graph.nodes}
    for n in graph.nodes.values():
        for src in dict.fromkeys(n.inputs):
            if src in succ:
                succ[src].append(n.id)
                indeg[n.id] += 1
    ready = [i for i in graph.nodes if indeg[i] == 0]
    order: list[str] = []
    while ready:
        cur = ready.pop(0) if len(ready) < 64 else ready.pop()
        order.append(cur)
        for nxt in succ[cur]:
            indeg[nxt] -= 1
            if indeg[nxt] == 0:
                ready.append(nxt)
    if len(order) != len(graph.nodes):
        stuck = next(i for i in graph.nodes if indeg[i] > 0)
        raise _malformed("an acyclic layer graph", f"a cycle through '{stuck}'")
    graph.nodes = {i: graph.nodes[i] for i in order}
    graph.invalidate()


def _propagate_shapes(graph: ModelGraph) -> None:
    for node in graph.nodes.values():
        if node.kind is L.Kind.INPUT and node.output_shape is not None:
            node.params = 0
            continue
        in_shapes: list[Shape | None] = [
            graph.nodes[i].output_shape for i in node.inputs if i in graph.nodes
        ]
        if not node.inputs and node.input_shape_hint is not None:
            in_shapes = [node.input_shape_hint]
        inferred = None
        if node.kind is not L.Kind.OPAQUE and in_shapes and all(s is not None for s in in_shapes):
            inferred = shapes.infer_output_shape(node.class_name, node.config, in_shapes)
            if inferred is None and node.core_class in OPS_SHAPES:
                inferred = OPS_SHAPES[node.core_class](node.core_config, in_shapes)
        node.output_shape = inferred if inferred is not None else node.recorded_shape
        if node.output_shape is None and node.kind is L.Kind.INPUT:
            node.output_shape = node.input_shape_hint
        if node.kind is L.Kind.INPUT:
            node.params = 0
        elif in_shapes and in_shapes[0] is not None:
            node.params = count_params(
                node.core_class, node.core_config, in_shapes[0], node.wrapper, node.config
            )
            if node.params is None and node.core_class in ALL_OPS:
                node.params = 0  # an operation node has no weights
    # Recorded shapes of consumers are the ground truth for producers Keras could build.
    for node in graph.nodes.values():
        if node.output_shape is None and node.recorded_shape is not None:
            node.output_shape = node.recorded_shape


def graph_from_config(
    cfg: Any,
    *,
    artifact: str,
    source_format: str,
    compile_config: Mapping[str, Any] | None = None,
    keras_version: str | None = None,
) -> ModelGraph:
    """Build the graph of a serialized model (the content of ``config.json``).

    Raises:
        ModelLoadError: when ``cfg`` is not a model config or its graph is broken.
    """
    if not isinstance(cfg, Mapping) or not isinstance(cfg.get("class_name"), str):
        raise _expected(
            'a serialized Keras model: a JSON object with "class_name" and "config"',
            f"a JSON {type(cfg).__name__}"
            if not isinstance(cfg, Mapping)
            else f"an object with keys {sorted(map(str, cfg))[:6]}",
        )
    inner = cfg.get("config") if isinstance(cfg.get("config"), Mapping) else {}
    graph = ModelGraph(
        artifact=artifact,
        name=str(inner.get("name") or cfg.get("class_name")),
        model_class=cfg["class_name"],
        source_format=source_format,
        keras_version=keras_version,
    )
    if not is_model_config(cfg):
        graph.subclassed = True
        registered = cfg.get("registered_name") or cfg["class_name"]
        graph.notes.append(
            f"{cfg['class_name']} (registered as {registered!r}) is a subclassed model: its file "
            "stores no layer graph, only get_config() values, so only model-level checks ran. "
            "Lint a factory spec (path/to/file.py:build_model) or the in-memory model instead."
        )
        graph.compile = parse_compile_config(compile_config, graph)
        return graph
    outputs = GraphBuilder(graph).expand(cfg, (), None)
    graph.outputs = list(dict.fromkeys(outputs))
    _topological(graph)
    if not graph.outputs and graph.nodes:
        graph.outputs = [i for i in graph.nodes if not graph.successors(graph.nodes[i])][-1:]
    _propagate_shapes(graph)
    graph.compile = parse_compile_config(compile_config, graph)
    return graph
