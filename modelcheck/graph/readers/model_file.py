"""Read a model artifact into a :class:`ModelGraph` without TensorFlow.

Supported: Keras 3 ``.keras`` archives (and their unzipped directory form), legacy HDF5
(``.h5``/``.hdf5``, via h5py, imported only for such files), and bare config JSON. The files'
JSON is parsed; nothing in them is imported, unpickled, unmarshalled or executed.

Hostile constructs do not stop a read: they become :class:`~modelcheck.graph.hazards.Hazard`
records on the graph (judged by the MC8xx rules). When one of them prevents building the layer
graph (a zip bomb in place of ``config.json``, JSON nested too deep, an ``inbound_nodes``
cycle, a dangling reference), the graph comes back without nodes and with ``unreadable`` set,
so the file still gets a report that says why.
"""

from __future__ import annotations

import os
import struct
import zipfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from modelcheck.errors import ModelLoadError
from modelcheck.graph.hazards import (
    MAX_MEMBERS,
    Hazard,
    HazardKind,
    StructureError,
    scan_config,
    scan_h5,
    scan_members,
)
from modelcheck.graph.ir import ModelGraph
from modelcheck.graph.isolate import call_in_child, time_limit
from modelcheck.graph.keras_config import graph_from_config
from modelcheck.graph.readers.bounded import (
    HDF5_MAGIC,
    LFS_PREFIX,
    ZIP_MAGIC,
    ZIP_READ_ERRORS,
    describe_head,
    loads_json,
    read_json_file,
    read_member,
    zip_member_count,
)

MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")

EXPECTED_MODEL = (
    "Expected a Keras model: a .keras archive, an .h5/.hdf5 file, or a model config JSON."
)


def read_model(path: str | os.PathLike[str], display: str | None = None) -> ModelGraph:
    """Read one model file or directory.

    Args:
        path: a ``.keras``/``.h5``/``.hdf5`` file, a config ``.json``, or a directory holding
            an unzipped ``.keras`` (``config.json``).
        display: the name to report the artifact under (defaults to ``path``).

    Raises:
        ModelLoadError: with a one-line message for anything that is not a readable model.
    """
    p = Path(path)
    artifact = display or str(path)
    if not p.exists():
        raise ModelLoadError(
            "Expected an existing model file or directory.", f"'{artifact}' does not exist"
        )
    if p.is_dir():
        cfg_path = p / "config.json"
        if cfg_path.is_file():
            hazards: list[Hazard] = []
            try:
                meta = read_json_file(p / "metadata.json", "metadata.json", optional=True)
            except StructureError as exc:
                meta = None
                hazards.append(_structure_hazard(exc, "metadata.json"))
            try:
                cfg = read_json_file(cfg_path, "config.json")
            except StructureError as exc:
                return _hollow(artifact, "keras-dir", [*hazards, _structure_hazard(exc)], exc)
            return _from_serialized(cfg, artifact, "keras-dir", _version(meta), hazards)
        raise ModelLoadError(
            "Expected a directory holding an unzipped .keras model (config.json).",
            f"directory '{artifact}' without config.json",
        )
    try:
        with open(p, "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise ModelLoadError(
            "Expected a readable model file.", f"{exc.strerror} for '{artifact}'"
        ) from None
    if head.startswith(LFS_PREFIX):
        raise ModelLoadError(
            "Expected a Keras model file, not a Git LFS pointer (run `git lfs pull`).",
            f"'{artifact}' is a Git LFS pointer",
        )
    is_zip = head.startswith(ZIP_MAGIC) or _zip_directory_readable(p)
    h5_at = _hdf5_offset(p, head)
    if is_zip and h5_at is not None and not _inside_member(p, h5_at):
        return _read_polyglot(p, artifact, h5_at, zip_magic=head.startswith(ZIP_MAGIC))
    if head.startswith(ZIP_MAGIC):
        return _read_zip(p, artifact)
    if is_zip and str(path).endswith(".keras"):  # Keras finds the zip after the other data
        graph = _read_zip(p, artifact)
        graph.hazards.insert(0, Hazard(HazardKind.POLYGLOT, _prefixed_zip(p), "file"))
        return graph
    if head.startswith(HDF5_MAGIC):
        return _read_h5(p, artifact)
    if head.lstrip()[:1] == b"{":
        try:
            cfg = read_json_file(p, "a config JSON")
        except StructureError as exc:
            return _hollow(artifact, "json", [_structure_hazard(exc, p.name)], exc)
        return _from_serialized(cfg, artifact, "json", None)
    raise ModelLoadError(EXPECTED_MODEL, f"'{artifact}' is {describe_head(head)}")


def _zip_directory_readable(p: Path) -> bool:
    """Does the file end in a zip directory that ``zipfile`` (and so Keras) can open, even
    after other data? A stray end-record signature in binary data does not count."""
    members = zip_member_count(p)
    if members is None:
        return False
    if members > MAX_MEMBERS:
        return True  # a zip: the zip reader reports the resource hazard
    try:
        with zipfile.ZipFile(p):
            return True
    except (zipfile.BadZipFile, *ZIP_READ_ERRORS):
        return False


def _hdf5_offset(p: Path, head: bytes) -> int | None:
    """Where an HDF5 superblock starts: at byte 0, or (after a user block, as libhdf5
    searches) at 512, 1024, 2048, ... bytes; ``None`` for no HDF5 file."""
    if head.startswith(HDF5_MAGIC):
        return 0
    try:
        size = p.stat().st_size
        with open(p, "rb") as fh:
            offset = 512
            while offset + len(HDF5_MAGIC) <= size:
                fh.seek(offset)
                if fh.read(len(HDF5_MAGIC)) == HDF5_MAGIC:
                    return offset
                offset *= 2
    except OSError:
        return None
    return None


def _inside_member(p: Path, offset: int) -> bool:
    """Is ``offset`` inside a member's stored bytes (Keras stores model.weights.h5
    uncompressed, so its HDF5 signature may land on an offset libhdf5 would look at)?"""
    try:
        with zipfile.ZipFile(p) as zf, open(p, "rb") as fh:
            for info in zf.infolist():
                fh.seek(info.header_offset)
                local = fh.read(30)
                if len(local) < 30:
                    continue
                name_len, extra_len = struct.unpack("<HH", local[26:30])
                start = info.header_offset + 30 + name_len + extra_len
                if start <= offset < start + info.compress_size:
                    return True
    except (zipfile.BadZipFile, struct.error, *ZIP_READ_ERRORS):
        return False
    return False


def _prefixed_zip(p: Path) -> str:
    try:
        with zipfile.ZipFile(p) as zf:
            start = min((i.header_offset for i in zf.infolist()), default=0)
    except (zipfile.BadZipFile, *ZIP_READ_ERRORS):
        start = 0
    return f"a zip archive after {start} bytes of other data (Keras writes plain zip files)"


def _read_polyglot(p: Path, artifact: str, h5_at: int, *, zip_magic: bool) -> ModelGraph:
    """A file that is both an HDF5 file and a zip archive. Read the part Keras loads (by the
    name's ending, as ``keras.saving.load_model`` decides), scan the other part for hazards
    too, and record the ambiguity itself."""
    name = str(p)
    if name.endswith(".keras"):
        zip_first = True
    elif name.endswith((".h5", ".hdf5")):
        zip_first = False
    else:  # Keras loads neither under this name; read what the first bytes say
        zip_first = zip_magic
    chosen, other = ("zip", "HDF5") if zip_first else ("HDF5", "zip")
    polyglot = Hazard(
        HazardKind.POLYGLOT,
        f"both a zip archive and an HDF5 file (at byte {h5_at}): Keras loads the {chosen} "
        f"part under this name and the {other} part under a "
        f"{'.h5' if zip_first else '.keras'} name",
        "file",
    )
    first, second = (_read_zip, _read_h5) if zip_first else (_read_h5, _read_zip)
    fmt = "keras" if zip_first else "h5"
    try:
        hidden = second(p, artifact).hazards
    except ModelLoadError:
        hidden = []
    hazards = [polyglot] + [
        replace(h, what=f"{h.what} (in the {other} part)", where=f"{other} part: {h.where}")
        for h in hidden
    ]
    try:
        graph = first(p, artifact)
    except ModelLoadError as exc:
        return _hollow(artifact, fmt, hazards, exc, load_error=True)
    graph.hazards[:0] = hazards
    return graph


def _version(meta: Any) -> str | None:
    if isinstance(meta, Mapping) and isinstance(meta.get("keras_version"), str):
        return meta["keras_version"]
    return None


def _read_zip(p: Path, artifact: str) -> ModelGraph:
    members = zip_member_count(p)
    if members is not None and members > MAX_MEMBERS:
        hazard = Hazard(
            HazardKind.RESOURCE,
            f"a zip directory of {members} members (at most {MAX_MEMBERS})",
            "zip directory",
        )
        return _hollow(artifact, "keras", [hazard], None)
    hazards: list[Hazard] = []
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
            hazards.extend(scan_members(infos))
            names = {i.filename for i in infos}
            if "config.json" not in names:
                shown = ", ".join(sorted(names)[:5]) or "no members"
                raise ModelLoadError(
                    "Expected a .keras archive with a config.json member.",
                    f"a zip archive with {shown}",
                )
            meta = None
            if "metadata.json" in names:
                try:
                    meta = loads_json(read_member(zf, "metadata.json"), "metadata.json")
                except StructureError as exc:
                    hazards.append(_structure_hazard(exc, "metadata.json"))
            try:
                cfg_bytes = read_member(zf, "config.json")
            except StructureError as exc:
                return _hollow(artifact, "keras", [*hazards, _structure_hazard(exc)], exc)
    except zipfile.BadZipFile as exc:
        error = ModelLoadError(
            "Expected a valid .keras zip archive.", f"a damaged zip archive ({exc})"
        )
        if not hazards:
            raise error from None
        return _hollow(artifact, "keras", hazards, error, load_error=True)
    except ZIP_READ_ERRORS as exc:
        error = ModelLoadError(
            "Expected a readable .keras zip archive.", f"{type(exc).__name__}: {exc}"
        )
        if not hazards:
            raise error from None
        return _hollow(artifact, "keras", hazards, error, load_error=True)
    try:
        cfg = loads_json(cfg_bytes, "config.json")
    except StructureError as exc:
        return _hollow(artifact, "keras", [*hazards, _structure_hazard(exc)], exc)
    return _from_serialized(cfg, artifact, "keras", _version(meta), hazards)


def _read_h5(p: Path, artifact: str) -> ModelGraph:
    import h5py  # only HDF5 files pay for it

    def read() -> tuple[Any, Any, Any, bool, list[Hazard]]:
        with h5py.File(p, "r") as f:
            raw = f.attrs.get("model_config")
            training = f.attrs.get("training_config")
            version = f.attrs.get("keras_version")
            has_weights = "model_weights" in f or "layers" in f
            # HDF5 metadata only (links, storage, declared sizes): Keras's loader would
            # follow every link and allocate every declared shape.
            hazards = scan_h5(f, p.stat().st_size, "hdf5") if raw is not None else []
            return raw, training, version, has_weights, hazards

    try:
        # In a child process: libhdf5 may crash or loop forever on a damaged file.
        limit = time_limit(p.stat().st_size)
        raw, training, version, has_weights, hazards = call_in_child(read, "an HDF5 file", limit)
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:
        raise ModelLoadError(
            "Expected a readable HDF5 model file.", f"{type(exc).__name__}: {exc}"
        ) from None
    if raw is None:
        what = (
            "an HDF5 weights file (save_weights) with no model_config"
            if has_weights
            else "an HDF5 file with no model_config"
        )
        raise ModelLoadError(
            "Expected an HDF5 file saved with model.save() (it holds model_config).", what
        )
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if not isinstance(raw, str):
        raise ModelLoadError("Expected model_config to be a JSON string.", type(raw).__name__)
    if isinstance(version, bytes):
        version = version.decode("utf-8", "replace")
    version = version if isinstance(version, str) else None
    try:
        cfg = loads_json(raw, "model_config")
        compile_cfg = None
        if training is not None:
            if isinstance(training, bytes):
                training = training.decode("utf-8", "replace")
            if isinstance(training, str):
                compile_cfg = loads_json(training, "training_config")
    except StructureError as exc:
        return _hollow(artifact, "h5", [*hazards, _structure_hazard(exc, "model_config")], exc)
    return _build(cfg, compile_cfg, artifact, "h5", version, hazards)


def _from_serialized(
    cfg: Any, artifact: str, fmt: str, version: str | None, hazards: list[Hazard] | None = None
) -> ModelGraph:
    compile_cfg = cfg.get("compile_config") if isinstance(cfg, Mapping) else None
    if compile_cfg is None and isinstance(cfg, Mapping):
        compile_cfg = cfg.get("training_config")
    return _build(cfg, compile_cfg, artifact, fmt, version, list(hazards or []))


def _build(
    cfg: Any,
    compile_cfg: Any,
    artifact: str,
    fmt: str,
    version: str | None,
    hazards: list[Hazard],
) -> ModelGraph:
    """Scan the parsed JSON for hazards, then build the graph. Structural hazards give a graph
    without nodes; a plain read error is raised unless hazards were found (then it rides
    along as ``graph.load_error``, so the security findings are still reported)."""
    source = "model_config" if fmt == "h5" else "config.json"
    try:
        hazards.extend(scan_config(cfg, compile_cfg, source=source))
    except StructureError as exc:
        return _hollow(artifact, fmt, [*hazards, _structure_hazard(exc, source)], exc)
    try:
        graph = graph_from_config(
            cfg,
            artifact=artifact,
            source_format=fmt,
            compile_config=compile_cfg if isinstance(compile_cfg, Mapping) else None,
            keras_version=version,
        )
    except StructureError as exc:
        graph = _hollow(artifact, fmt, [*hazards, _structure_hazard(exc, source)], exc)
        _name_hollow(graph, cfg)
        return graph
    except ModelLoadError as exc:
        if not hazards:
            raise
        graph = _hollow(artifact, fmt, hazards, exc, load_error=True)
        _name_hollow(graph, cfg)
        return graph
    graph.hazards = hazards
    return graph


def _structure_hazard(exc: StructureError, source: str = "config.json") -> Hazard:
    return Hazard(exc.kind, exc.received, source)


def _hollow(
    artifact: str,
    fmt: str,
    hazards: list[Hazard],
    exc: ModelLoadError | None,
    *,
    load_error: bool = False,
) -> ModelGraph:
    """A graph without nodes for a file whose layer graph could not be built; with
    ``load_error`` the error is also reported as a load failure (exit code 2)."""
    graph = ModelGraph(artifact=artifact, name="?", model_class="?", source_format=fmt)
    graph.hazards = hazards
    graph.unreadable = (
        exc.received if exc is not None else (hazards[0].what if hazards else "unreadable")
    )
    if load_error and exc is not None:
        graph.load_error = str(exc)
    return graph


def _name_hollow(graph: ModelGraph, cfg: Any) -> None:
    if isinstance(cfg, Mapping) and isinstance(cfg.get("class_name"), str):
        graph.model_class = cfg["class_name"]
        inner = cfg.get("config")
        if isinstance(inner, Mapping) and isinstance(inner.get("name"), str):
            graph.name = inner["name"]
