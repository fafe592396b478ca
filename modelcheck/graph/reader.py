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

import json
import lzma
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from modelcheck.errors import ModelLoadError
from modelcheck.graph.hazards import (
    BOMB_MIN_BYTES,
    MAX_MEMBERS,
    MAX_RATIO,
    Hazard,
    HazardKind,
    StructureError,
    scan_config,
    scan_h5,
    scan_members,
)
from modelcheck.graph.ir import ModelGraph
from modelcheck.graph.keras_config import graph_from_config
from modelcheck.graph.surrogates import may_hold_surrogates, replace_lone_surrogates

#: A config.json larger than this is refused (zip bombs, hostile files). Real ones are
#: a few MB even for the largest keras.applications models.
MAX_CONFIG_BYTES = 64 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_LFS_PREFIX = b"version https://git-lfs"
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")
#: What ``zipfile`` raises, besides ``BadZipFile``, for an archive it cannot read: cut or
#: corrupt compressed streams (``zlib.error``, ``LZMAError``, ``OSError`` from bz2,
#: ``EOFError``), a compression method it does not know (``NotImplementedError``), a member
#: name flagged UTF-8 that is not (``UnicodeDecodeError``).
ZIP_READ_ERRORS = (
    OSError,
    EOFError,
    zipfile.LargeZipFile,
    NotImplementedError,
    zlib.error,
    lzma.LZMAError,
    UnicodeDecodeError,
)

EXPECTED_MODEL = (
    "Expected a Keras model: a .keras archive, an .h5/.hdf5 file, or a model config JSON."
)


def _describe_head(head: bytes) -> str:
    if not head:
        return "an empty file"
    text = head[:24]
    if all(32 <= b < 127 or b in (9, 10, 13) for b in text):
        return f"a text file starting with {text.decode('ascii').strip()[:24]!r}"
    return f"a binary file starting with bytes {text[:8].hex(' ')}"


#: Parsed JSON may take at most about this much memory. Estimated before parsing from the
#: text (``json_cost``); with it, a 64 KiB archive whose config is 63 MiB of ``[],`` (22
#: million lists, 5.6 GB once parsed) is refused in a fraction of a second. Real configs
#: cost about 8 bytes per byte of JSON (the 40 keras.applications: 128 MB for 16 MB), so
#: configs up to ~40 MB pass.
MAX_JSON_COST = 320 << 20


def json_cost(data: bytes | str) -> int:
    """An upper bound of the memory ``json.loads(data)`` takes, in bytes: the text, plus a
    dict per ``{``, a list per ``[`` and an element per ``,`` (counted also inside strings,
    so it only errs high). Checked against tracemalloc on flat and nested lists, dicts with
    unique keys, strings and numbers: the parse took 0.24-0.87 of the estimate."""
    if isinstance(data, str):
        return len(data) + 200 * data.count("{") + 72 * data.count("[") + 96 * data.count(",")
    return len(data) + 200 * data.count(b"{") + 72 * data.count(b"[") + 96 * data.count(b",")


#: A run of this many digits may be an integer no model has (an int64 has 19 digits).
_LONG_DIGITS = re.compile(rb"[0-9]{20,}")
_LONG_DIGITS_TEXT = re.compile(r"[0-9]{20,}")
_MAX_INT_DIGITS = 19


class _HugeInteger(Exception):
    pass


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise _HugeInteger(len(text.lstrip("-")))
    return int(text)


def loads_json(data: bytes | str, what: str) -> Any:
    """Parse JSON from a model file, within the bounds of depth, memory and integer size.

    Raises:
        ModelLoadError: for text that is not JSON.
        StructureError: (a resource hazard) for JSON too deep, too costly to parse, or with
            an integer of more than 19 digits (a size no model has; printing one with
            thousands of digits fails, computing with it exhausts memory).
    """
    cost = json_cost(data)
    if cost > MAX_JSON_COST:
        raise StructureError(
            HazardKind.RESOURCE,
            f"Expected {what} that parses into at most {MAX_JSON_COST >> 20} MiB.",
            f"{len(data)} bytes of JSON with so many lists, objects and elements that they "
            f"would take about {cost >> 20} MiB once parsed",
        )
    long_digits = _LONG_DIGITS_TEXT if isinstance(data, str) else _LONG_DIGITS
    try:
        if long_digits.search(data):  # rare: only then pay for a hook on every integer
            value = json.loads(data, parse_int=_bounded_int)
        else:
            value = json.loads(data)
    except _HugeInteger as exc:
        raise StructureError(
            HazardKind.RESOURCE,
            f"Expected {what} with integers of at most {_MAX_INT_DIGITS} digits.",
            f"an integer of {exc.args[0]} digits",
        ) from None
    except RecursionError:
        raise StructureError(
            HazardKind.RESOURCE, f"Expected {what} nested at most ~900 levels deep.", "deeper JSON"
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelLoadError(
            f"Expected {what} to be valid JSON.", f"{type(exc).__name__}: {exc}"
        ) from None
    # A layer named "\ud800" could not be printed: lone surrogates become U+FFFD.
    return replace_lone_surrogates(value) if may_hold_surrogates(data) else value


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
    if head.startswith(_LFS_PREFIX):
        raise ModelLoadError(
            "Expected a Keras model file, not a Git LFS pointer (run `git lfs pull`).",
            f"'{artifact}' is a Git LFS pointer",
        )
    is_zip = head.startswith(_ZIP_MAGIC) or _zip_directory_readable(p)
    h5_at = _hdf5_offset(p, head)
    if is_zip and h5_at is not None and not _inside_member(p, h5_at):
        return _read_polyglot(p, artifact, h5_at, zip_magic=head.startswith(_ZIP_MAGIC))
    if head.startswith(_ZIP_MAGIC):
        return _read_zip(p, artifact)
    if is_zip and str(path).endswith(".keras"):  # Keras finds the zip after the other data
        graph = _read_zip(p, artifact)
        graph.hazards.insert(0, Hazard(HazardKind.POLYGLOT, _prefixed_zip(p), "file"))
        return graph
    if head.startswith(_HDF5_MAGIC):
        return _read_h5(p, artifact)
    if head.lstrip()[:1] == b"{":
        try:
            cfg = read_json_file(p, "a config JSON")
        except StructureError as exc:
            return _hollow(artifact, "json", [_structure_hazard(exc, p.name)], exc)
        return _from_serialized(cfg, artifact, "json", None)
    raise ModelLoadError(EXPECTED_MODEL, f"'{artifact}' is {_describe_head(head)}")


def _zip_directory_readable(p: Path) -> bool:
    """Does the file end in a zip directory that ``zipfile`` (and so Keras) can open, even
    after other data? A stray end-record signature in binary data does not count."""
    members = _zip_member_count(p)
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
    if head.startswith(_HDF5_MAGIC):
        return 0
    try:
        size = p.stat().st_size
        with open(p, "rb") as fh:
            offset = 512
            while offset + len(_HDF5_MAGIC) <= size:
                fh.seek(offset)
                if fh.read(len(_HDF5_MAGIC)) == _HDF5_MAGIC:
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


def read_json_file(path: Path, what: str, optional: bool = False) -> Any:
    """A JSON file, read to at most :data:`MAX_CONFIG_BYTES` (a size of 0 proves nothing:
    ``/proc`` files report it and may stream without end).

    Raises:
        ModelLoadError: one line for a missing or unreadable file.
        StructureError: (a resource hazard) for a file over the limits.
    """
    try:
        if not path.is_file():
            if optional:
                return None
            raise ModelLoadError(f"Expected {what}.", f"no {path}")
        size = path.stat().st_size
        if size <= MAX_CONFIG_BYTES:
            with open(path, "rb") as fh:
                data = fh.read(MAX_CONFIG_BYTES + 1)
            size = len(data)
    except OSError as exc:
        raise ModelLoadError(
            f"Expected a readable {what}.",
            f"{exc.strerror or type(exc).__name__} reading '{path}'",
        ) from None
    if size > MAX_CONFIG_BYTES:
        raise StructureError(
            HazardKind.RESOURCE,
            f"Expected {what} of at most {MAX_CONFIG_BYTES >> 20} MiB.",
            f"{size} bytes"
            if size != MAX_CONFIG_BYTES + 1
            else f"more than {MAX_CONFIG_BYTES} bytes",
        )
    return loads_json(data, what)


def _read_zip(p: Path, artifact: str) -> ModelGraph:
    members = _zip_member_count(p)
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


def _zip_member_count(p: Path) -> int | None:
    """The member count the zip's end record declares, read before ``zipfile`` builds its
    whole directory in memory (a hostile archive may declare millions)."""
    try:
        with open(p, "rb") as fh:
            end = zipfile._EndRecData(fh)  # noqa: SLF001 - the stdlib's own end-record parser
    except (OSError, ValueError, struct.error):
        return None
    if not end:
        return None
    return int(end[zipfile._ECD_ENTRIES_TOTAL])  # noqa: SLF001


def read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    """A JSON-sized member, read in bounded chunks.

    Raises:
        StructureError: (a resource hazard) when it declares or inflates past
            :data:`MAX_CONFIG_BYTES` or inflates more than the bomb ratio allows.
    """
    info = zf.getinfo(name)
    if info.flag_bits & 0x1:  # zipfile would ask for a password; Keras never encrypts
        raise ModelLoadError(f"Expected an unencrypted {name}.", "an encrypted zip member")
    if info.file_size > MAX_CONFIG_BYTES or (
        info.file_size > BOMB_MIN_BYTES and info.file_size > MAX_RATIO * info.compress_size
    ):
        raise StructureError(
            HazardKind.RESOURCE,
            f"Expected {name} of at most {MAX_CONFIG_BYTES >> 20} MiB.",
            f"{name} declaring {info.file_size} bytes from {info.compress_size} compressed",
        )
    # Read in bounded chunks: the declared size of a hostile member may lie.
    out = bytearray()
    with zf.open(info) as fh:
        while chunk := fh.read(1 << 20):
            out += chunk
            if len(out) > MAX_CONFIG_BYTES:
                raise StructureError(
                    HazardKind.RESOURCE,
                    f"Expected {name} of at most {MAX_CONFIG_BYTES >> 20} MiB.",
                    f"{name} inflating past that from {info.compress_size} compressed bytes",
                )
    return bytes(out)


def _read_h5(p: Path, artifact: str) -> ModelGraph:
    import h5py  # only HDF5 files pay for it

    from modelcheck.graph.isolate import call_in_child, time_limit

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
