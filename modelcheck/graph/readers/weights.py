"""Measure the weights saved in a model file, without TensorFlow (numpy + h5py only).

Imported only when weight checks are on: :func:`attach_weights` sets ``graph.weights`` to a
:class:`SavedWeights` that maps each layer of the graph to statistics of its saved variables
(non-finite counts, finite min/max, per-output-unit min/max). Every dataset is read once, in
bounded chunks, and dropped: the rules judge the numbers, never the arrays, so a multi-GB file
never sits in memory.

Where the weights are (the layouts are described in :mod:`.weights_h5`): ``model.weights.h5``
in a ``.keras`` archive or unzipped directory (Keras 3: one group per layer, the variables in
``vars/0``, ``vars/1``...), or the ``model_weights`` group of a legacy ``.h5``.

The file is never trusted: soft/external links, external or virtual storage and datasets whose
declared size the stored bytes cannot back (shape bombs) are first looked for in the HDF5
metadata (:func:`modelcheck.graph.hazards.scan_h5`); a file holding any is not measured and the
hazards go to the MC8xx rules. Walks are bounded in depth and object count (and still refuse
links, as a second line), non-float datasets are skipped. Any other problem raises a
one-line :class:`~modelcheck.errors.ModelLoadError`.
"""

from __future__ import annotations

import io
import itertools
import math
import os
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from modelcheck.errors import ModelLoadError
from modelcheck.graph.hazards import scan_h5
from modelcheck.graph.ir import ModelGraph, Node
from modelcheck.graph.isolate import call_in_child, size_of, time_limit
from modelcheck.graph.readers.bounded import HDF5_MAGIC, LFS_PREFIX, ZIP_MAGIC, ZIP_READ_ERRORS
from modelcheck.graph.readers.weights_h5 import (
    MAX_DEPTH,
    Walk,
    attr_str,
    attr_strings,
    config_keys,
    find_layer_groups,
    keras_optimizer_steps,
    layers_group,
    legacy_optimizer_steps,
    legacy_target,
    load_error,
    name_vars,
    unit_axis_of,
)

WEIGHTS_H5 = "model.weights.h5"
WEIGHTS_NPZ = "model.weights.npz"

#: Datasets are read in blocks of at most this many bytes.
CHUNK_BYTES = 64 << 20
#: A dataset may declare at most this many times the bytes it stores (HDF5 compression of
#: real weights stays far below; a shape bomb stores next to nothing), once it is bigger than
#: :data:`CHUNK_BYTES`.
MAX_EXPANSION = 100
#: Per-unit statistics are kept for at most this many output units per variable.
MAX_UNITS = 1 << 24

_CALL_SUFFIX = re.compile(r"\[\d+\]$")


@dataclass(frozen=True, eq=False)
class SavedVariable:
    """What was measured in one saved variable (one HDF5 dataset).

    Attributes:
        name: ``kernel``, ``bias``, ``moving_mean``... or a path for wrapped/sub-layers
            (``layer/kernel``, ``forward_layer/cell/kernel``); an index (``"2"``) when the
            layout is not known. :attr:`role` is its last component.
        shape: the dataset shape.
        dtype: the stored dtype (``float32``, ``bfloat16``...).
        nan, posinf, neginf: counts of non-finite values.
        first_nonfinite: the index of the first non-finite value, if any.
        min, max: over the finite values (``nan`` when there are none).
        unit_axis: the output-unit axis of ``unit_min``/``unit_max`` (last axis; the one
            before it for transposed-convolution kernels), ``None`` for scalars.
        unit_min, unit_max: per output unit, the min/max over every other axis (a non-finite
            value propagates as NaN/inf).
    """

    name: str
    shape: tuple[int, ...]
    dtype: str
    nan: int = 0
    posinf: int = 0
    neginf: int = 0
    first_nonfinite: tuple[int, ...] | None = None
    min: float = math.nan
    max: float = math.nan
    unit_axis: int | None = None
    unit_min: Any = field(default=None, repr=False)
    unit_max: Any = field(default=None, repr=False)

    @property
    def role(self) -> str:
        return self.name.rsplit("/", 1)[-1]

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def nonfinite(self) -> int:
        return self.nan + self.posinf + self.neginf

    @property
    def constant(self) -> bool:
        """Every value is the same finite number."""
        return self.size > 0 and self.nonfinite == 0 and self.min == self.max

    def is_all(self, value: float) -> bool:
        return self.constant and self.min == value


@dataclass(eq=False)
class SavedWeights:
    """Saved variables per layer path (one entry per layer, however often it is called).

    Attributes:
        source: ``"keras"`` (archive or directory) or ``"h5"`` (legacy).
        optimizer_steps: the step count stored with the optimizer state, if any.
    """

    source: str
    by_layer: dict[tuple[str, ...], list[SavedVariable]] = field(default_factory=dict)
    optimizer_steps: int | None = None

    def key(self, node: Node) -> tuple[str, ...] | None:
        """The layer path the weights of ``node`` are stored under (``shared[1]`` and the
        layers of a second call of a nested model resolve to the first call's)."""
        if node.path in self.by_layer:
            return node.path
        canonical = canonical_path(node.path)
        return canonical if canonical in self.by_layer else None

    def for_node(self, node: Node) -> list[SavedVariable]:
        key = self.key(node)
        return self.by_layer[key] if key is not None else []

    def layers(self, graph: ModelGraph) -> Iterator[tuple[Node, list[Node], list[SavedVariable]]]:
        """Each layer with saved variables once: ``(node, all its calls, variables)``. The
        node is the first call (the one named by the layer path itself)."""
        calls: dict[tuple[str, ...], list[Node]] = {}
        for node in graph:
            key = self.key(node)
            if key is not None:
                calls.setdefault(key, []).append(node)
        for key, nodes in calls.items():
            first = next((n for n in nodes if n.path == key and n.call_index == 0), nodes[0])
            yield first, nodes, self.by_layer[key]


def canonical_path(path: Sequence[str]) -> tuple[str, ...]:
    """``("inner[1]", "dense")`` -> ``("inner", "dense")``: the path of the first call."""
    return tuple(_CALL_SUFFIX.sub("", part) for part in path)


# -- entry point ---------------------------------------------------------------------------
def attach_weights(graph: ModelGraph, *, measure_stats: bool = True) -> None:
    """Measure the weights saved with ``graph`` and set ``graph.weights``.

    Unsafe HDF5 constructs (links, outside storage, shape bombs) are added to
    ``graph.hazards`` (rules MC805/MC806) and such a file is not measured. With
    ``measure_stats=False`` only that scan runs (the probe's check before Keras loads the file).

    Leaves ``graph.weights`` as ``None`` when there is nothing to read: a bare config JSON,
    an in-memory model or factory, a subclassed model, a ``.keras`` saved without weights.

    Raises:
        ModelLoadError: when the weights exist but cannot be read safely.
    """
    graph.weights = None
    if (
        graph.subclassed
        or graph.unreadable
        or graph.source_format not in ("keras", "keras-dir", "h5")
    ):
        return
    path = Path(graph.artifact)
    if not path.exists():
        return
    try:
        if graph.source_format == "h5":  # the reader already scanned the whole file
            graph.weights = _read_legacy_h5(path, graph) if measure_stats else None
        elif graph.source_format == "keras-dir":
            graph.weights = _read_keras_dir(path, graph, measure_stats)
        else:
            graph.weights = _read_keras_zip(path, graph, measure_stats)
    except ModelLoadError:
        raise
    except (
        OSError,
        EOFError,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        RuntimeError,
        OverflowError,
        MemoryError,
        *ZIP_READ_ERRORS,
    ) as exc:  # h5py and numpy report damaged files with any of these; zipfile with its own
        raise ModelLoadError("Expected readable saved weights.", _one_line(exc)) from None


def attach_weights_isolated(graph: ModelGraph) -> None:
    """:func:`attach_weights` in a child process (see :mod:`modelcheck.graph.isolate`), with
    :func:`~modelcheck.graph.isolate.time_limit` of the artifact's size; what it sets on
    ``graph`` is copied back."""

    def measure() -> tuple[Any, list[Any], list[str]]:
        attach_weights(graph)
        return graph.weights, graph.hazards, graph.notes

    limit = time_limit(size_of(graph.artifact))
    graph.weights, graph.hazards, graph.notes = call_in_child(measure, "saved weights", limit)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__


def _walk(container_bytes: int) -> Walk:
    """A :class:`~.weights_h5.Walk` with this module's limits, read when called."""
    return Walk(container_bytes, chunk_bytes=CHUNK_BYTES, max_expansion=MAX_EXPANSION)


# -- containers ----------------------------------------------------------------------------
def _read_keras_dir(path: Path, graph: ModelGraph, measure_stats: bool) -> SavedWeights | None:
    h5_path = path / WEIGHTS_H5
    if not h5_path.is_file():
        if (path / WEIGHTS_NPZ).is_file():
            graph.notes.append(f"Weights in {WEIGHTS_NPZ} are not checked (only {WEIGHTS_H5}).")
        return None
    with open(h5_path, "rb") as fh:
        _check_magic(fh.read(len(HDF5_MAGIC)), WEIGHTS_H5)
        fh.seek(0)
        return _read_keras_h5(fh, os.fstat(fh.fileno()).st_size, path, graph, measure_stats)


def _read_keras_zip(path: Path, graph: ModelGraph, measure_stats: bool) -> SavedWeights | None:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if WEIGHTS_H5 not in names:
                if WEIGHTS_NPZ in names:
                    graph.notes.append(
                        f"Weights in {WEIGHTS_NPZ} are not checked (only {WEIGHTS_H5})."
                    )
                return None
            info = zf.getinfo(WEIGHTS_H5)
            if info.flag_bits & 0x1:
                raise load_error(f"an unencrypted {WEIGHTS_H5}", "an encrypted zip member")
            if info.compress_type == zipfile.ZIP_STORED:
                with open(path, "rb") as raw:
                    window = _member_window(raw, info)
                    return _read_keras_h5(window, info.file_size, path, graph, measure_stats)
            # Deflated (re-zipped by hand): random access needs a real file.
            if info.file_size > CHUNK_BYTES and info.file_size > MAX_EXPANSION * max(
                info.compress_size, 1
            ):
                # A zip bomb: the reader's member scan already holds it as a hazard (MC806).
                graph.notes.append(f"{WEIGHTS_H5} not read: it inflates like a zip bomb.")
                return None
            with tempfile.TemporaryFile() as tmp:
                _copy_member(zf, info, tmp)
                return _read_keras_h5(tmp, info.file_size, path, graph, measure_stats)
    except zipfile.BadZipFile as exc:
        raise load_error("a valid .keras zip archive", f"a damaged zip archive ({exc})") from None


class _Window(io.RawIOBase):
    """A read-only, seekable view of ``length`` bytes at ``start`` of a binary file: the
    stored (uncompressed) zip member, read in place without copying it."""

    def __init__(self, raw: Any, start: int, length: int) -> None:
        super().__init__()
        self._raw = raw
        self._start = start
        self._length = length
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        n = max(0, min(len(view), self._length - self._pos))
        if n == 0:
            return 0
        self._raw.seek(self._start + self._pos)
        got = self._raw.readinto(view[:n]) or 0
        self._pos += got
        return got


def _member_window(raw: Any, info: zipfile.ZipInfo) -> _Window:
    raw.seek(0, io.SEEK_END)
    archive_size = raw.tell()
    raw.seek(info.header_offset)
    header = raw.read(30)
    if len(header) != 30 or header[:4] != ZIP_MAGIC:
        raise load_error(f"a local zip header for {WEIGHTS_H5}", "a damaged zip archive")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    if start + info.compress_size > archive_size or info.compress_size != info.file_size:
        raise load_error(
            f"{WEIGHTS_H5} to lie within the archive",
            f"a member of {info.file_size} bytes at offset {start} of a {archive_size}-byte file",
        )
    window = _Window(raw, start, info.file_size)
    _check_magic(window.read(len(HDF5_MAGIC)), WEIGHTS_H5)
    # zipfile checks a member's CRC-32 as it reads it; reading in place skips that, and the
    # HDF5 library can crash (SIGSEGV) on the damaged bytes it would have caught.
    window.seek(0)
    crc = 0
    while chunk := window.read(1 << 20):
        crc = zlib.crc32(chunk, crc)
    if crc != info.CRC:
        raise load_error(
            "a valid .keras zip archive", f"a damaged zip archive (Bad CRC-32 for {WEIGHTS_H5})"
        )
    window.seek(0)
    return window


def _copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: Any) -> None:
    copied = 0
    with zf.open(info) as fh:
        while chunk := fh.read(1 << 20):
            copied += len(chunk)
            if copied > info.file_size:
                raise load_error(
                    f"{WEIGHTS_H5} of the declared {info.file_size} bytes", "a longer member"
                )
            out.write(chunk)
    out.seek(0)
    _check_magic(out.read(len(HDF5_MAGIC)), WEIGHTS_H5)
    out.seek(0)


def _check_magic(head: bytes, what: str) -> None:
    if head.startswith(HDF5_MAGIC):
        return
    if head.startswith(LFS_PREFIX[: len(head)]) and head:
        raise load_error(
            f"{what} to hold HDF5 weights, not a Git LFS pointer (run `git lfs pull`)",
            "a Git LFS pointer",
        )
    shown = head[:8].hex(" ") if head else "nothing"
    raise load_error(f"{what} to be an HDF5 file", f"{what} starting with {shown}")


# -- measuring -----------------------------------------------------------------------------
def _float_view(ds: h5py.Dataset) -> str | None:
    """The float dtype name to read ``ds`` as, or ``None`` to skip it (ints, strings...)."""
    kind, size = ds.dtype.kind, ds.dtype.itemsize
    if kind == "f" and size in (2, 4, 8):
        return str(ds.dtype)
    if kind == "V" and size == 2 and attr_str(ds, "dtype") == "bfloat16":
        return "bfloat16"  # Keras stores bfloat16 as opaque 2-byte values
    return None


def _as_float(block: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "bfloat16":
        bits = np.ascontiguousarray(block).view(np.uint16).astype(np.uint32) << 16
        return bits.view(np.float32)
    return block


def _blocks(shape: tuple[int, ...], itemsize: int) -> Iterator[tuple[tuple[int, ...], int, int]]:
    """Blocks of at most :data:`CHUNK_BYTES`: ``(fixed leading indices, start, stop)`` on the
    first axis not fixed; the trailing axes are read whole."""
    ndim = len(shape)
    suffix = [itemsize] * (ndim + 1)
    for i in range(ndim - 1, -1, -1):
        suffix[i] = suffix[i + 1] * shape[i]
    k = next(i for i in range(ndim) if suffix[i + 1] <= CHUNK_BYTES)
    step = max(1, CHUNK_BYTES // max(suffix[k + 1], 1))
    for lead in itertools.product(*(range(n) for n in shape[:k])):
        for start in range(0, shape[k], step):
            yield lead, start, min(start + step, shape[k])


# Non-finite weights are data to count (MC701), not floating-point errors to warn about on
# stderr: a signalling NaN even raises the invalid flag when float32 is widened to float64.
@np.errstate(all="ignore")
def measure(ds: h5py.Dataset, name: str, unit_axis: int | None = -1) -> SavedVariable | None:
    """Read ``ds`` block by block and measure it; ``None`` for non-float datasets."""
    dtype = _float_view(ds)
    if dtype is None or ds.shape is None:
        return None
    shape = tuple(int(n) for n in ds.shape)
    if not shape:
        scalar = _Acc()
        scalar.add(_as_float(np.asarray(ds[()]).reshape(1), dtype), (), 0)
        if scalar.first is not None:
            scalar.first = ()
        return scalar.result(name, shape, dtype, None, None, None)
    ndim = len(shape)
    axis = None if unit_axis is None else unit_axis % ndim
    if axis is not None and shape[axis] > MAX_UNITS:
        axis = None
    umin = np.full(shape[axis], np.inf) if axis is not None else None
    umax = np.full(shape[axis], -np.inf) if axis is not None else None
    acc = _Acc()
    if math.prod(shape):
        for lead, start, stop in _blocks(shape, ds.dtype.itemsize):
            k = len(lead)
            block = _as_float(np.asarray(ds[lead + (slice(start, stop),)]), dtype)
            acc.add(block, lead, start)
            if axis is None or umin is None or umax is None:
                continue
            if axis < k:
                i = lead[axis]
                umin[i] = np.minimum(umin[i], block.min())
                umax[i] = np.maximum(umax[i], block.max())
            else:
                rel = axis - k
                others = tuple(a for a in range(block.ndim) if a != rel)
                lo, hi = block.min(axis=others), block.max(axis=others)
                if axis == k:
                    umin[start:stop] = np.minimum(umin[start:stop], lo)
                    umax[start:stop] = np.maximum(umax[start:stop], hi)
                else:
                    np.minimum(umin, lo, out=umin)
                    np.maximum(umax, hi, out=umax)
    return acc.result(name, shape, dtype, axis, umin, umax)


class _Acc:
    """Running non-finite counts and finite min/max over blocks."""

    def __init__(self) -> None:
        self.nan = self.posinf = self.neginf = 0
        self.first: tuple[int, ...] | None = None
        self.min = math.inf
        self.max = -math.inf

    def add(self, block: np.ndarray, lead: tuple[int, ...], start: int) -> None:
        finite = np.isfinite(block)
        values = block
        if not finite.all():
            self.nan += int(np.count_nonzero(np.isnan(block)))
            self.posinf += int(np.count_nonzero(np.isposinf(block)))
            self.neginf += int(np.count_nonzero(np.isneginf(block)))
            if self.first is None:
                where = tuple(int(i) for i in np.argwhere(~finite)[0])
                self.first = lead + (start + where[0],) + where[1:]
            values = block[finite]
        if values.size:
            self.min = min(self.min, float(values.min()))
            self.max = max(self.max, float(values.max()))

    def result(
        self,
        name: str,
        shape: tuple[int, ...],
        dtype: str,
        axis: int | None,
        umin: np.ndarray | None,
        umax: np.ndarray | None,
    ) -> SavedVariable:
        empty = self.min > self.max
        return SavedVariable(
            name=name,
            shape=shape,
            dtype=dtype,
            nan=self.nan,
            posinf=self.posinf,
            neginf=self.neginf,
            first_nonfinite=self.first,
            min=math.nan if empty else self.min,
            max=math.nan if empty else self.max,
            unit_axis=axis,
            unit_min=umin,
            unit_max=umax,
        )


# -- Keras 3 weights file ------------------------------------------------------------------
def _read_keras_h5(
    fileobj: Any, container_bytes: int, artifact: Path, graph: ModelGraph, measure_stats: bool
) -> SavedWeights | None:
    nodes = _nodes_by_path(graph)
    with h5py.File(fileobj, "r") as f:
        hazards = scan_h5(f, container_bytes, WEIGHTS_H5)
        if hazards:  # judged by the MC8xx rules; a hostile file is not measured
            graph.hazards.extend(hazards)
            graph.notes.append(f"{WEIGHTS_H5} not measured: it holds unsafe HDF5 constructs.")
            return None
        if not measure_stats:
            return None
        walk = _walk(container_bytes)
        weights = SavedWeights(source="keras")
        layers = layers_group(walk, f)
        if layers is not None:
            found: dict[tuple[str, ...], h5py.Group] = {}
            if find_layer_groups(walk, layers, (), None, found, 0):
                # Some group has no name attribute (written before Keras stored them).
                found.clear()
                find_layer_groups(walk, layers, (), config_keys(artifact), found, 0)
            for path, group in found.items():
                node = nodes.get(path)
                if node is not None and (measured := _measure_layer_group(walk, group, node)):
                    weights.by_layer[path] = measured
        weights.optimizer_steps = keras_optimizer_steps(walk, f)
        return weights


def _nodes_by_path(graph: ModelGraph) -> dict[tuple[str, ...], Node]:
    """The first-call node of each layer path."""
    out: dict[tuple[str, ...], Node] = {}
    for node in graph:
        if node.call_index == 0 and node.path == canonical_path(node.path):
            out.setdefault(node.path, node)
    return out


def _measure_layer_group(walk: Walk, group: h5py.Group, node: Node) -> list[SavedVariable]:
    out: list[SavedVariable] = []
    stack: list[tuple[str, h5py.Group, int]] = [("", group, 0)]
    while stack:
        prefix, g, depth = stack.pop(0)
        if depth > MAX_DEPTH:
            raise load_error(f"layer groups nested at most {MAX_DEPTH} deep", "deeper nesting")
        vars_group = walk.group(g, "vars")
        if vars_group is not None:
            keys = [k for k in walk.names(vars_group) if k.isdigit()]
            keys.sort(key=int)
            names = name_vars(prefix, node, len(keys))
            for key, name in zip(keys, names):
                ds = walk.child(vars_group, key)
                if isinstance(ds, h5py.Dataset):
                    var = measure(ds, name, unit_axis_of(node.core_class, name.rsplit("/", 1)[-1]))
                    if var is not None:
                        out.append(var)
        for sub in walk.names(g):
            if sub == "vars":
                continue
            child = walk.group(g, sub)
            if child is not None:
                stack.append((f"{prefix}/{sub}" if prefix else sub, child, depth + 1))
    return out


# -- legacy HDF5 ---------------------------------------------------------------------------
def _read_legacy_h5(path: Path, graph: ModelGraph) -> SavedWeights | None:
    if any(h.where.startswith("hdf5:") for h in graph.hazards):
        # The reader's scan of the whole file found links, outside storage or shape bombs.
        graph.notes.append("Weights not measured: the file holds unsafe HDF5 constructs.")
        return None
    nodes = _nodes_by_path(graph)
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        with h5py.File(fh, "r") as f:
            walk = _walk(size)
            root = walk.group(f, "model_weights")
            if root is None:
                return None
            weights = SavedWeights(source="h5")
            for layer in attr_strings(root, "layer_names"):
                group = walk.group(root, layer) if layer and "/" not in layer else None
                if group is None:
                    continue
                for wname in attr_strings(group, "weight_names"):
                    ds = walk.path(group, wname)
                    if not isinstance(ds, h5py.Dataset):
                        continue
                    target = legacy_target(layer, wname, nodes)
                    if target is None:
                        continue
                    path_key, var_name = target
                    node = nodes[path_key]
                    role = var_name.rsplit("/", 1)[-1]
                    var = measure(ds, var_name, unit_axis_of(node.core_class, role))
                    if var is not None:
                        weights.by_layer.setdefault(path_key, []).append(var)
            weights.optimizer_steps = legacy_optimizer_steps(walk, f)
            return weights
