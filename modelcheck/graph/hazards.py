"""What loading a model file would run, read or allocate: the facts the MC8xx rules judge.

Readers collect :class:`Hazard` records while they read (the whole config JSON, the zip
listing, the HDF5 link tree); the security rules in :mod:`modelcheck.linting.rules.security`
turn them into findings. Nothing here imports, decodes, unpickles or runs anything from the
file: every check looks at JSON values, zip directory entries or HDF5 metadata only.

The JSON walk is iterative (a hostile config may nest deeper than Python's recursion limit
allows for a recursive walk) and looks everywhere, not only at ``config.layers``: public
proof-of-concept files hide Lambdas in nested models, wrappers and ``compile_config``.
"""

from __future__ import annotations

import enum
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from modelcheck.errors import ModelLoadError
from modelcheck.graph.allowlist import (
    KERAS_PACKAGES,
    NON_MODELING_NAMES,
    REBUILDERS,
    builtin_function_allowed,
    keras_symbol_allowed,
)


class HazardKind(enum.Enum):
    """One kind per MC8xx rule."""

    CODE = "code"  # Python bytecode or a pickle stored in the file
    IMPORT = "import"  # a module/function outside Keras, or a non-modelling Keras API
    CUSTOM = "custom"  # a custom class/function: code that must come from outside the file
    EXTERNAL_MODEL = "external-model"  # TFSMLayer: an outside SavedModel graph
    OUTSIDE_FILE = "outside-file"  # a path outside the file: vocabulary, HDF5 links, zip slip
    RESOURCE = "resource"  # sizes that would exhaust memory/time: bombs, deep nesting
    MALFORMED = "malformed"  # a layer graph Keras cannot build: cycles, dangling references
    MEMBER = "member"  # archive members Keras never writes
    POLYGLOT = "polyglot"  # a file that is more than one format: tools disagree on the model


@dataclass(frozen=True, slots=True)
class Hazard:
    """One hazardous construct.

    Attributes:
        kind: which rule judges it.
        what: a phrase for the finding message (``"Python lambda bytecode in 'function'"``).
        where: where in the file: a JSON pointer into ``config.json``, a zip member name or
            an HDF5 path.
        layer: the path of the layer it belongs to; empty for the model/file as a whole.
        target: the module/function or class it names, when it names one (for grouping).
    """

    kind: HazardKind
    what: str
    where: str
    layer: tuple[str, ...] = ()
    target: str = ""


class StructureError(ModelLoadError):
    """A config whose layer graph cannot be built for a reason that is itself a hazard
    (a cycle, a dangling reference, nesting or size beyond the limits). The readers turn it
    into a :class:`Hazard`, so the file still gets a report with a finding."""

    def __init__(self, kind: HazardKind, expected: str, received: str) -> None:
        super().__init__(expected, received)
        self.kind = kind


#: Third-party packages that can run code or touch files through plain function calls.
RISKY_PACKAGES = frozenset(
    {"numpy", "pandas", "scipy", "torch", "dill", "cloudpickle", "joblib", "h5py", "requests"}
)
#: Every standard-library module: no Keras model has a reason to name one.
STDLIB = frozenset(sys.stdlib_module_names) | {"__builtin__", "posix", "nt"}
#: Built-in functions that run code, import, or open files.
RISKY_BUILTINS = frozenset(
    {
        "eval",
        "exec",
        "compile",
        "open",
        "__import__",
        "getattr",
        "setattr",
        "delattr",
        "globals",
        "locals",
        "vars",
        "input",
        "breakpoint",
        "help",
        "memoryview",
        "print",
    }
)
#: TensorFlow ops (as tf_keras ``TFOpLambda`` layers name them) that read/write files or
#: run Python.
RISKY_TF_PREFIXES = (
    "io.",
    "py_function",
    "numpy_function",
    "compat.v1.py_func",
    "compat.v1.io",
    "debugging.",
    "print",
    "data.",
    "saved_model.",
    "summary.",
    "raw_ops.",
    "gfile",
)
#: Lookup layers whose ``vocabulary`` may name a file.
LOOKUP_CLASSES = frozenset({"StringLookup", "IntegerLookup", "TextVectorization", "IndexLookup"})
#: Keys whose string values Keras resolves to a callable or class by name.
_CALLABLE_KEYS = frozenset(
    {
        "activation",
        "recurrent_activation",
        "loss",
        "losses",
        "metrics",
        "weighted_metrics",
        "optimizer",
        "function",
        "output_shape",
        "mask",
    }
)
_CALLABLE_SUFFIXES = ("_initializer", "_regularizer", "_constraint", "_activation")
#: Special ``class_name`` markers of Keras serialization that name no class or function
#: themselves (Keras 3's, and ``__tuple__`` of the legacy HDF5 JSON); ``__typespec__`` names
#: its class in ``spec_name``, ``__lambda__`` holds bytecode.
_DATA_MARKERS = frozenset(
    {
        "__keras_tensor__",
        "__tensor__",
        "__numpy__",
        "__bytes__",
        "__slice__",
        "__ellipsis__",
        "__tuple__",
    }
)
_DOTTED = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$")
#: Keys under which a sub-layer or sub-model sits (so hazards get a layer path).
_SUBLAYER_KEYS = frozenset({"layer", "backward_layer", "forward_layer", "cell"})
#: Findings list at most this many hazards per kind (a hostile file may hold millions).
MAX_PER_KIND = 200


def _pointer(parts: Iterable[object]) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _entry_name(entry: Mapping[str, Any]) -> str | None:
    name = entry.get("name")
    if not isinstance(name, str):
        cfg = entry.get("config")
        name = cfg.get("name") if isinstance(cfg, Mapping) else None
    return name if isinstance(name, str) and name else None


def _is_entry(obj: Any) -> bool:
    return type(obj) is dict and type(obj.get("class_name")) is str


def classify_target(module: str, name: str, *, function: bool = False) -> HazardKind | None:
    """Is ``module.name`` (what a config asks Keras to import) unsafe, custom, or fine?

    ``function``: the config asks for a function (``class_name == "function"``). A public
    Keras symbol that is not a model part or a pure tensor function is unsafe
    (:mod:`modelcheck.graph.allowlist`): Keras resolves it even in safe mode.
    """
    top = module.split(".")[0]
    if top in KERAS_PACKAGES:
        if name in NON_MODELING_NAMES or not keras_symbol_allowed(module, name, function=function):
            return HazardKind.IMPORT
        return None
    if top == "tensorflow":
        return HazardKind.IMPORT if name.startswith(RISKY_TF_PREFIXES) else None
    if top in STDLIB or top in RISKY_PACKAGES:
        return HazardKind.IMPORT
    return HazardKind.CUSTOM


def _dotted_kind(text: str) -> HazardKind | None:
    """A string like ``os.system`` at a key Keras resolves by name."""
    if not _DOTTED.match(text):
        return None
    module, _, name = text.rpartition(".")
    kind = classify_target(module, name)
    return kind if kind is HazardKind.IMPORT else None


class _Scan:
    def __init__(self, source: str, max_depth: int) -> None:
        self.source = source
        self.max_depth = max_depth
        self.hazards: list[Hazard] = []
        self._counts: dict[HazardKind, int] = {}

    def add(
        self,
        kind: HazardKind,
        what: str,
        parts: Any,
        layer: tuple[str, ...],
        target: str = "",
    ) -> None:
        """Record a hazard; ``parts`` is a JSON path as a list or a parent chain."""
        n = self._counts.get(kind, 0)
        self._counts[kind] = n + 1
        if n < MAX_PER_KIND:
            path = parts if type(parts) is list else _spell(parts)
            self.hazards.append(
                Hazard(kind, what, f"{self.source}:{_pointer(path)}", layer, target)
            )

    # -- one serialized object -----------------------------------------------------------
    def entry(self, obj: Mapping[str, Any], parts: Any, layer: tuple[str, ...]) -> None:
        """One serialized object; ``parts`` is its JSON path as a parent chain."""
        cls = obj["class_name"]
        config = obj.get("config")
        if cls == "__lambda__":
            self.add(HazardKind.CODE, "Python lambda bytecode", parts, layer, "lambda")
            return
        module = obj.get("module")
        registered = obj.get("registered_name")
        name = config if cls == "function" and isinstance(config, str) else cls
        if cls == "__typespec__":  # Keras resolves spec_name in module like a class
            spec = obj.get("spec_name")
            name = spec if isinstance(spec, str) else cls
        if isinstance(module, str) and module:
            if module == "builtins" and cls in ("function", "builtin_function_or_method", "type"):
                # How Keras 3 stores a plain function/class: looked up by name, among Keras's
                # built-in activations/losses/metrics first, then the registered objects.
                fname = name if isinstance(name, str) else ""
                if cls == "function" and builtin_function_allowed(fname):
                    pass
                elif fname in RISKY_BUILTINS or fname in REBUILDERS or _dotted_kind(fname):
                    self.add(
                        HazardKind.IMPORT, f"function {fname!r}", parts, layer, f"builtins.{fname}"
                    )
                elif cls == "builtin_function_or_method":
                    self.add(
                        HazardKind.IMPORT, f"built-in {fname!r}", parts, layer, f"builtins.{fname}"
                    )
                else:
                    self.add(HazardKind.CUSTOM, f"custom function {fname!r}", parts, layer, fname)
            else:
                kind = classify_target(module, str(name), function=cls == "function")
                if kind is not None:
                    what = "custom object" if kind is HazardKind.CUSTOM else "reference to"
                    self.add(kind, f"{what} '{module}.{name}'", parts, layer, f"{module}.{name}")
        elif (
            isinstance(registered, str)
            and registered
            and (">" in registered or ("module" in obj and registered == cls))
        ):
            self.add(HazardKind.CUSTOM, f"custom object {registered!r}", parts, layer, registered)
        if _DOTTED.match(cls) and (kind := _dotted_kind(cls)) is not None:
            self.add(kind, f"class_name {cls!r}", parts, layer, cls)
        if isinstance(config, Mapping):
            self.layer_specific(cls, config, parts, layer)

    def layer_specific(
        self, cls: str, config: Mapping[str, Any], parts: Any, layer: tuple[str, ...]
    ) -> None:
        here = (parts, "config")
        if cls == "Lambda":
            fn = config.get("function")
            ftype = config.get("function_type")
            if (
                isinstance(fn, list) or ftype == "lambda"
            ):  # Keras 2: [base64 code, defaults, closure]
                self.add(HazardKind.CODE, "Python bytecode (Keras 2 Lambda)", here, layer, "lambda")
            elif ftype in ("function", "raw") and isinstance(fn, str):
                module = config.get("module")
                if isinstance(module, str) and module:
                    # Keras 2 looks the name up in that module's globals (Keras 3 ignores
                    # it): Keras's own backend functions are what real files name there.
                    keras2 = module.split(".")[0] in KERAS_PACKAGES
                    kind = (
                        (HazardKind.IMPORT if fn in NON_MODELING_NAMES else None)
                        if keras2
                        else classify_target(module, fn)
                    )
                    if kind is not None:
                        self.add(kind, f"function '{module}.{fn}'", here, layer, f"{module}.{fn}")
        elif cls == "TFSMLayer":
            path = config.get("filepath")
            self.add(
                HazardKind.EXTERNAL_MODEL,
                f"SavedModel at {_short(path)!r}" if isinstance(path, str) else "a SavedModel",
                here,
                layer,
                str(path),
            )
        elif cls == "TorchModuleWrapper" and "module" in config:
            self.add(HazardKind.CODE, "a pickled torch module (torch.load)", here, layer, "torch")
        elif cls in ("TFOpLambda", "SlicingOpLambda"):
            fn = config.get("function")
            if isinstance(fn, str) and fn.startswith(RISKY_TF_PREFIXES):
                self.add(HazardKind.IMPORT, f"TensorFlow op 'tf.{fn}'", here, layer, f"tf.{fn}")
        if cls in LOOKUP_CLASSES:
            vocab = config.get("vocabulary")
            if isinstance(vocab, str):
                self.add(
                    HazardKind.OUTSIDE_FILE,
                    f"vocabulary file {_short(vocab)!r}",
                    (here, "vocabulary"),
                    layer,
                    vocab,
                )

    def string(self, key: str, value: str, parts: Any, layer: tuple[str, ...]) -> None:
        """A string at a key Keras resolves to a callable by name."""
        if "." in value and _dotted_kind(value):
            self.add(HazardKind.IMPORT, f"{key} {value!r}", parts, layer, value)

    # -- the walk ------------------------------------------------------------------------
    def walk(self, root: Any, base: list[object]) -> None:
        """Visit every dict and list of parsed JSON (``json.loads`` makes only ``dict`` and
        ``list``; plain type checks keep this fast on multi-MB configs). Depth first with
        one iterator per open container, so the walk holds memory for the nesting depth,
        not for the millions of siblings a hostile list may have. A value's JSON path is
        kept as a parent chain and spelled out only for a hazard."""
        chain: Any = None
        for part in base:
            chain = (chain, part)
        if type(root) is not dict and type(root) is not list:
            return  # the root may be any JSON value: a number, null, ...
        # (children, path chain, layer path, key it sits under, depth, is a list)
        stack: list[tuple[Any, Any, tuple[str, ...], str, int, bool]] = []
        self._open(root, chain, (), "", 0, stack)
        while stack:
            children, chain, layer, key, depth, in_list = stack[-1]
            strings_resolve = in_list and (
                key in _CALLABLE_KEYS or key.endswith(_CALLABLE_SUFFIXES)
            )
            for k, v in children:
                tv = type(v)
                if tv is str:
                    if in_list:
                        if strings_resolve:
                            self.string(key, v, (chain, k), layer)
                    elif k in _CALLABLE_KEYS or k.endswith(_CALLABLE_SUFFIXES):
                        self.string(k, v, (chain, k), layer)
                elif tv is dict or tv is list:
                    child_layer = layer
                    if tv is dict and _is_entry(v):
                        if in_list and key == "layers":
                            child_layer = layer + (_entry_name(v) or f"layer_{k}",)
                        elif not in_list and k in _SUBLAYER_KEYS:
                            child_layer = layer + (_entry_name(v) or k,)
                    self._open(v, (chain, k), child_layer, key if in_list else k, depth + 1, stack)
                    break  # go down first; this container's iterator resumes afterwards
            else:
                stack.pop()

    def _open(
        self,
        obj: Any,
        chain: Any,
        layer: tuple[str, ...],
        key: str,
        depth: int,
        stack: list[tuple[Any, Any, tuple[str, ...], str, int, bool]],
    ) -> None:
        if depth > self.max_depth:
            raise StructureError(
                HazardKind.RESOURCE,
                f"Expected a config nested at most {self.max_depth} levels deep.",
                "deeper nesting",
            )
        if type(obj) is dict:
            cls = obj.get("class_name")
            # A data marker is no object to resolve, but Keras rebuilds what it holds
            # (a __slice__'s bounds are deserialized objects), so its contents are walked.
            if type(cls) is str and cls not in _DATA_MARKERS:
                self.entry(obj, chain, layer)
            stack.append((iter(obj.items()), chain, layer, key, depth, False))
        else:
            stack.append((enumerate(obj), chain, layer, key, depth, True))


def _spell(chain: Any) -> list[object]:
    parts: list[object] = []
    while chain is not None:
        chain, part = chain
        parts.append(part)
    parts.reverse()
    return parts


#: Deeper JSON than this is a hazard in itself (Keras's json.loads would recurse that deep).
MAX_JSON_DEPTH = 500


def scan_config(
    cfg: Any, compile_config: Any = None, *, source: str = "config.json"
) -> list[Hazard]:
    """Every hazardous construct in a serialized model and its compile config.

    Raises:
        StructureError: for JSON nested deeper than :data:`MAX_JSON_DEPTH`.
    """
    scan = _Scan(source, MAX_JSON_DEPTH)
    scan.walk(cfg, [])
    if compile_config is not None and not (
        isinstance(cfg, Mapping) and cfg.get("compile_config") is compile_config
    ):
        scan.walk(compile_config, ["compile_config"])
    return scan.hazards


# -- archives ------------------------------------------------------------------------------
#: Members a Keras 3 ``.keras`` archive holds.
KNOWN_MEMBERS = frozenset(
    {"metadata.json", "config.json", "model.weights.h5", "model.weights.npz", "model.weights.json"}
)
#: A member may inflate to at most this many times its compressed size once it is bigger
#: than :data:`BOMB_MIN_BYTES` (Keras writes members stored, ratio 1).
MAX_RATIO = 100
BOMB_MIN_BYTES = 64 << 20
#: At most this many members (every member costs memory in the zip directory).
MAX_MEMBERS = 100_000
_SHARD = re.compile(r"^model\.weights(_\d+)?\.h5$|^model\.weights\.json$")


def scan_members(infos: Iterable[Any]) -> list[Hazard]:
    """Hazards in a ``.keras`` zip listing (``zipfile.ZipInfo`` objects): bombs, paths that
    escape an extraction folder, members Keras never writes, duplicates."""
    out: list[Hazard] = []
    seen: set[str] = set()
    for info in infos:
        name = str(info.filename)
        where = f"zip member {_short(name)!r}"
        if name in seen:
            out.append(Hazard(HazardKind.MEMBER, f"a second member named {_short(name)!r}", where))
        seen.add(name)
        parts = re.split(r"[\\/]", name)
        if name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name):
            out.append(
                Hazard(
                    HazardKind.OUTSIDE_FILE,
                    f"member path {_short(name)!r} escapes the extraction folder",
                    where,
                    target=name,
                )
            )
        elif not (
            name in KNOWN_MEMBERS
            or _SHARD.match(name)
            or name.startswith("assets/")
            or name.endswith("/")
        ):
            out.append(Hazard(HazardKind.MEMBER, f"unexpected member {_short(name)!r}", where))
        size, packed = int(info.file_size), int(info.compress_size)
        if packed > size + size // 100 + 1024:  # deflate never grows data this much
            out.append(
                Hazard(
                    HazardKind.MALFORMED,
                    f"member {_short(name)!r} declares {size} bytes for {packed} compressed "
                    "bytes (lying headers)",
                    where,
                )
            )
        if size > BOMB_MIN_BYTES and size > MAX_RATIO * max(packed, 1):
            out.append(
                Hazard(
                    HazardKind.RESOURCE,
                    f"member {_short(name)!r} inflates to {size} bytes from {packed} "
                    f"({size // max(packed, 1)}:1)",
                    where,
                )
            )
        if len(out) > MAX_PER_KIND:
            break
    return out


# -- HDF5 ------------------------------------------------------------------------------------
#: HDF5 datasets may declare at most this many times the bytes they store (once bigger than
#: :data:`BOMB_MIN_BYTES`), and never more than the container could back by that factor.
MAX_H5_OBJECTS = 1_000_000


def scan_h5(root: Any, container_bytes: int, source: str) -> list[Hazard]:
    """Hazards in an open ``h5py.File``: external/soft links, external or virtual storage,
    datasets declaring far more bytes than are stored. Reads metadata only, visiting each
    object once through hard links (bounded; hard-link cycles are not followed twice)."""
    import h5py  # only callers that already opened an HDF5 file get here

    out: list[Hazard] = []
    seen: set[Any] = set()
    stack: list[Any] = [root]
    visits = 0
    while stack:
        group = stack.pop()
        for name in group:
            visits += 1
            if visits > MAX_H5_OBJECTS:
                out.append(
                    Hazard(HazardKind.RESOURCE, f"more than {MAX_H5_OBJECTS} HDF5 objects", source)
                )
                return out
            path = f"{group.name.rstrip('/')}/{name}"
            where = f"{source}:{path}"
            link = group.get(name, getlink=True)
            if isinstance(link, h5py.ExternalLink):
                out.append(
                    Hazard(
                        HazardKind.OUTSIDE_FILE,
                        f"external link to {_short(link.filename)!r}",
                        where,
                        target=str(link.filename),
                    )
                )
                continue
            if isinstance(link, h5py.SoftLink):
                out.append(
                    Hazard(HazardKind.MALFORMED, f"soft link to {_short(link.path)!r}", where)
                )
                continue
            obj = group.get(name)
            if isinstance(obj, h5py.Group):
                if obj.id in seen:  # ObjectIDs compare by file object: hard-link cycles
                    continue
                seen.add(obj.id)
                stack.append(obj)
            elif isinstance(obj, h5py.Dataset):
                out.extend(_dataset_hazards(obj, container_bytes, where))
            if len(out) > MAX_PER_KIND:
                return out
    return out


def _dataset_hazards(ds: Any, container_bytes: int, where: str) -> list[Hazard]:
    import math

    if ds.external:
        return [Hazard(HazardKind.OUTSIDE_FILE, "dataset stored in an outside file", where)]
    if ds.is_virtual:
        return [Hazard(HazardKind.OUTSIDE_FILE, "virtual dataset (mapped from other files)", where)]
    if ds.shape is None:
        return []
    declared = math.prod(ds.shape) * ds.dtype.itemsize
    stored = ds.id.get_storage_size()
    if declared > BOMB_MIN_BYTES and (
        declared > MAX_RATIO * stored or declared > MAX_RATIO * container_bytes
    ):
        return [
            Hazard(
                HazardKind.RESOURCE,
                f"dataset declaring shape {tuple(ds.shape)} ({declared} bytes) with "
                f"{stored} bytes stored",
                where,
            )
        ]
    return []
