"""Safe walking of the HDF5 weight files and where Keras puts each layer's variables (h5py
only; the numbers are measured by :mod:`.weights`).

Where the weights are:

- ``.keras`` archive / unzipped directory: ``model.weights.h5``. Keras 3 writes one group per
  layer, keyed by the snake-cased class name made unique per level (``layers/dense_1``), with
  the variables in ``<group>/vars/0``, ``vars/1``... (for Dense: kernel, bias) and, since about
  Keras 3.10, the layer's real name in the ``vars`` group's ``name`` attribute. Nested models
  hold their layers in ``<group>/layers/...``; wrapped layers sit in sub-groups (``layer/vars``
  for TimeDistributed, ``forward_layer/cell/vars`` for Bidirectional RNNs). A shared layer is
  stored once. ``optimizer/vars`` holds the optimizer state (``vars/0`` is its step count), which
  is never measured. tf.keras 2.13+ wrote ``_layer_checkpoint_dependencies`` for ``layers``.
- legacy ``.h5``: the ``model_weights`` group lists ``layer_names``; each layer group lists
  ``weight_names`` (variable paths such as ``seq/dense/kernel`` or ``dense/kernel:0``) that
  are also the dataset paths inside the layer group. A nested model is one layer group holding
  the variables of all its layers.

:class:`Walk` follows hard links only, within a bound on the objects visited, and refuses
external or virtual storage and datasets whose declared size the stored bytes cannot back;
the functions that descend through nested groups stop at :data:`MAX_DEPTH`.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from modelcheck.errors import ModelLoadError
from modelcheck.graph import layers as L
from modelcheck.graph.ir import Node
from modelcheck.graph.readers.bounded import loads_json, read_json_file, read_member

#: Bounds on walking a hostile HDF5 tree (hard links can form cycles).
MAX_DEPTH = 64
MAX_OBJECTS = 1_000_000

_TRANSPOSED = frozenset(
    {
        "Conv1DTranspose",
        "Conv2DTranspose",
        "Conv3DTranspose",
        "Convolution2DTranspose",
        "Convolution3DTranspose",
    }
)
_RNN_CELL_VARS = ("kernel", "recurrent_kernel", "bias")


def load_error(expected: str, received: str) -> ModelLoadError:
    return ModelLoadError(f"Expected {expected}.", received)


# -- HDF5 safety ---------------------------------------------------------------------------
class Walk:
    """Safe access to one HDF5 file: hard links only, bounded visits. A dataset declaring
    more than ``chunk_bytes`` is refused when that is over ``max_expansion`` times the bytes
    it stores or the file holds (a shape bomb)."""

    def __init__(self, container_bytes: int, *, chunk_bytes: int, max_expansion: int) -> None:
        self.container_bytes = container_bytes
        self.chunk_bytes = chunk_bytes
        self.max_expansion = max_expansion
        self.visits = 0

    def child(self, group: h5py.Group, name: str) -> Any:
        """``group[name]`` through a hard link only; ``None`` if absent."""
        self.visits += 1
        if self.visits > MAX_OBJECTS:
            raise load_error(f"at most {MAX_OBJECTS} HDF5 objects", "a larger (or cyclic) tree")
        link = group.get(name, getlink=True)
        if link is None:
            return None
        if not isinstance(link, h5py.HardLink):
            kind = type(link).__name__
            raise load_error(
                "an HDF5 weights file without soft or external links",
                f"{kind} at '{group.name.rstrip('/')}/{name}'",
            )
        obj = group.get(name)
        if isinstance(obj, h5py.Dataset):
            self._check_dataset(obj)
        return obj

    def group(self, parent: h5py.Group, name: str) -> h5py.Group | None:
        obj = self.child(parent, name)
        return obj if isinstance(obj, h5py.Group) else None

    def path(self, group: h5py.Group, path: str) -> Any:
        obj: Any = group
        for part in path.split("/"):
            if not part:
                continue
            if not isinstance(obj, h5py.Group):
                return None
            obj = self.child(obj, part)
            if obj is None:
                return None
        return obj

    def names(self, group: h5py.Group) -> list[str]:
        out = []
        for name in group:
            out.append(name)
            self.visits += 1
            if self.visits > MAX_OBJECTS:
                raise load_error(f"at most {MAX_OBJECTS} HDF5 objects", "a larger (or cyclic) tree")
        return sorted(out)

    def _check_dataset(self, ds: h5py.Dataset) -> None:
        where = ds.name
        if ds.external:
            raise load_error(
                "datasets stored inside the weights file", f"external storage for '{where}'"
            )
        if ds.is_virtual:
            raise load_error(
                "datasets stored inside the weights file", f"virtual dataset '{where}'"
            )
        if ds.shape is None:
            return
        declared = math.prod(ds.shape) * ds.dtype.itemsize
        stored = ds.id.get_storage_size()
        if stored > self.container_bytes:
            raise load_error(
                "datasets no larger than the weights file",
                f"'{where}' storing {stored} bytes in a {self.container_bytes}-byte file",
            )
        limit = self.max_expansion
        if declared > self.chunk_bytes and (
            declared > limit * stored or declared > limit * self.container_bytes
        ):
            raise load_error(
                "datasets whose declared size the file can hold",
                f"'{where}' declaring shape {tuple(ds.shape)} ({declared} bytes) "
                f"with {stored} bytes stored",
            )


def attr_str(obj: Any, name: str) -> str | None:
    try:
        value = obj.attrs.get(name)
    except (OSError, KeyError, TypeError, ValueError):
        return None
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value if isinstance(value, str) and len(value) < 4096 else None


def attr_strings(obj: Any, name: str, limit: int = 1_000_000) -> list[str]:
    value = obj.attrs.get(name)
    if value is None:
        return []
    items = value.tolist() if isinstance(value, np.ndarray) else [value]
    if not isinstance(items, list):
        items = [items]
    if len(items) > limit:
        raise load_error(f"at most {limit} names in attribute '{name}'", f"{len(items)}")
    out = []
    for item in items:
        if isinstance(item, bytes):
            item = item.decode("utf-8", "replace")
        if isinstance(item, str):
            out.append(item)
    return out


def unit_axis_of(core_class: str, role: str) -> int:
    """Output units of a transposed convolution's kernel sit on the axis before the last."""
    return -2 if core_class in _TRANSPOSED and role == "kernel" else -1


# -- variable names ------------------------------------------------------------------------
def _flag(cfg: Mapping[str, Any], key: str) -> bool:
    return cfg.get(key, True) is not False


def var_names(class_name: str, config: Mapping[str, Any]) -> tuple[str, ...]:
    """The names of a Keras 3 layer's saved variables, in ``vars/0, 1, ...`` order."""
    if class_name.startswith("SeparableConv"):
        base: tuple[str, ...] = ("depthwise_kernel", "pointwise_kernel")
        return base + (("bias",) if _flag(config, "use_bias") else ())
    if class_name in L.WEIGHT_CLASSES:
        return ("kernel",) + (("bias",) if _flag(config, "use_bias") else ())
    if L.is_batch_norm(class_name):
        return (
            (("gamma",) if _flag(config, "scale") else ())
            + (("beta",) if _flag(config, "center") else ())
            + ("moving_mean", "moving_variance")
        )
    if class_name == "LayerNormalization":
        return (("gamma",) if _flag(config, "scale") else ()) + (
            ("beta",) if _flag(config, "center") else ()
        )
    if class_name == "Embedding":
        return ("embeddings",)
    if class_name == "PReLU":
        return ("alpha",)
    return ()


def name_vars(prefix: str, node: Node, count: int) -> list[str]:
    """Names for ``count`` variables found in ``<layer group>/<prefix>/vars``."""
    last = prefix.rsplit("/", 1)[-1]
    if not prefix:
        names = var_names(node.class_name, node.config)
    elif last == "layer" and node.wrapper:
        names = var_names(node.core_class, node.core_config)
    elif last == "cell":
        names = _RNN_CELL_VARS
    elif last.endswith("_dense") and count <= 2:
        names = ("kernel", "bias")[:count]  # the EinsumDense projections of attention layers
    else:
        names = ()
    if count < len(names):
        names = ()  # an unknown layout: do not guess which is which
    out = [names[i] if i < len(names) else str(i) for i in range(count)]
    return [f"{prefix}/{n}" if prefix else n for n in out]


# -- Keras 3 weights file ------------------------------------------------------------------
KeyMap = dict[str, tuple[str, "KeyMap | None"]]


def layers_group(walk: Walk, group: h5py.Group) -> h5py.Group | None:
    """A model's layer groups: ``layers`` (Keras 3) or ``_layer_checkpoint_dependencies``
    (``.keras`` files written by tf.keras 2.13+)."""
    found = walk.group(group, "layers")
    return found if found is not None else walk.group(group, "_layer_checkpoint_dependencies")


def find_layer_groups(
    walk: Walk,
    layers: h5py.Group,
    scope: tuple[str, ...],
    keys: KeyMap | None,
    found: dict[tuple[str, ...], h5py.Group],
    depth: int,
) -> int:
    """Collect the group of each (non-model) layer by layer path; return how many groups had
    no stored name and were matched by ``keys`` (or skipped, without keys)."""
    if depth > MAX_DEPTH:
        raise load_error(f"models nested at most {MAX_DEPTH} deep", "deeper nesting")
    unnamed = 0
    for key in walk.names(layers):
        group = walk.group(layers, key)
        if group is None:
            continue
        vars_group = walk.group(group, "vars")
        name = attr_str(vars_group, "name") if vars_group is not None else None
        sub_keys = keys[key][1] if keys is not None and key in keys else None
        if not name:
            unnamed += 1
            name = keys[key][0] if keys is not None and key in keys else None
        if not name:
            continue
        path = scope + (name,)
        nested = layers_group(walk, group)
        if nested is not None:
            unnamed += find_layer_groups(walk, nested, path, sub_keys, found, depth + 1)
        else:
            found.setdefault(path, group)
    return unnamed


def keras_optimizer_steps(walk: Walk, f: h5py.File) -> int | None:
    """``optimizer/vars/0`` (or that of a wrapped inner optimizer) is the step counter."""
    group = walk.group(f, "optimizer")
    for _ in range(4):
        if group is None:
            return None
        vars_group = walk.group(group, "vars")
        ds = walk.child(vars_group, "0") if vars_group is not None else None
        if isinstance(ds, h5py.Dataset) and ds.shape == () and ds.dtype.kind in "iu":
            return int(ds[()])
        group = walk.group(group, "inner_optimizer")
    return None


def config_keys(artifact: Path) -> KeyMap | None:
    """The group keys Keras derives from the layer order of each model level, mapped to layer
    names: needed for files written before Keras stored each layer's name in the weights."""

    try:
        if artifact.is_dir():
            cfg = read_json_file(artifact / "config.json", "config.json")
        else:
            with zipfile.ZipFile(artifact) as zf:
                cfg = loads_json(read_member(zf, "config.json"), "config.json")
    except (ModelLoadError, OSError, zipfile.BadZipFile, KeyError):
        return None
    return _level_keys(cfg, 0)


def _level_keys(cfg: Any, depth: int) -> KeyMap | None:
    inner = cfg.get("config") if isinstance(cfg, Mapping) else None
    entries = inner.get("layers") if isinstance(inner, Mapping) else None
    if not isinstance(entries, list) or depth > MAX_DEPTH:
        return None
    sequential = cfg.get("class_name") == "Sequential" or (
        "input_layers" not in inner and "output_layers" not in inner
    )
    used: dict[str, int] = {}
    out: KeyMap = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("class_name"), str):
            continue
        if sequential and i == 0 and entry["class_name"] in L.INPUT_CLASSES:
            continue  # Sequential.layers leaves out its InputLayer
        base = _snake(entry["class_name"])
        if base in used:
            used[base] += 1
            key = f"{base}_{used[base]}"
        else:
            used[base] = 0
            key = base
        name = entry.get("name")
        if not isinstance(name, str):
            cfg_i = entry.get("config")
            name = cfg_i.get("name") if isinstance(cfg_i, Mapping) else None
        if isinstance(name, str):
            out[key] = (name, _level_keys(entry, depth + 1))
    return out


def _snake(name: str) -> str:
    """Keras's ``naming.to_snake_case``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


# -- legacy HDF5 ---------------------------------------------------------------------------
def legacy_target(
    layer: str, weight_name: str, nodes: Mapping[tuple[str, ...], Node]
) -> tuple[tuple[str, ...], str] | None:
    """The layer path and variable name of one legacy weight (``seq/dense/kernel:0``)."""
    parts = [p for p in weight_name.split("/") if p]
    if not parts:
        return None
    parts[-1] = re.sub(r":\d+$", "", parts[-1])
    if (layer,) in nodes:
        idx = max((i for i, p in enumerate(parts[:-1]) if p == layer), default=-1)
        return (layer,), "/".join(parts[idx + 1 :])
    # A nested model: its group holds the variables of all its layers. Pick the deepest
    # layer whose names appear, in order, among the variable's path components.
    best: tuple[int, tuple[str, ...], int] | None = None
    for path in nodes:
        if len(path) < 2 or path[0] != layer:
            continue
        pos, ok = -1, True
        for name in path[1:]:
            try:
                pos = parts.index(name, pos + 1, len(parts) - 1)
            except ValueError:
                ok = False
                break
        if ok and (best is None or len(path) > len(best[1])):
            best = (len(path), path, pos)
    if best is None:
        return None
    return best[1], "/".join(parts[best[2] + 1 :])


def legacy_optimizer_steps(walk: Walk, f: h5py.File) -> int | None:
    root = walk.group(f, "optimizer_weights")
    if root is None:
        return None
    stack = [(root, 0)]
    while stack:
        group, depth = stack.pop()
        for name in walk.names(group):
            obj = walk.child(group, name)
            if isinstance(obj, h5py.Group) and depth < 3:
                stack.append((obj, depth + 1))
            elif (
                isinstance(obj, h5py.Dataset)
                and re.sub(r":\d+$", "", name) in ("iteration", "iterations", "iter")
                and obj.shape == ()
                and obj.dtype.kind in "iu"
            ):
                return int(obj[()])
    return None
