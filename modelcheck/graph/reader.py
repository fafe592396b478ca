"""Read a model artifact into a :class:`ModelGraph` without TensorFlow.

Supported: Keras 3 ``.keras`` archives (and their unzipped directory form), legacy HDF5
(``.h5``/``.hdf5``, via h5py, imported only for such files), and bare config JSON. The files'
JSON is parsed; nothing in them is imported, unpickled, unmarshalled or executed.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from modelcheck.errors import ModelLoadError
from modelcheck.graph.ir import ModelGraph
from modelcheck.graph.keras_config import graph_from_config

#: A config.json larger than this is refused (zip bombs, hostile files). Real ones are
#: a few MB even for the largest keras.applications models.
MAX_CONFIG_BYTES = 64 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_LFS_PREFIX = b"version https://git-lfs"
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")

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


def loads_json(data: bytes | str, what: str) -> Any:
    try:
        return json.loads(data)
    except RecursionError:
        raise ModelLoadError(
            f"Expected {what} nested at most ~900 levels deep.", "deeper JSON"
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelLoadError(
            f"Expected {what} to be valid JSON.", f"{type(exc).__name__}: {exc}"
        ) from None


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
            meta = read_json_file(p / "metadata.json", "metadata.json", optional=True)
            cfg = read_json_file(cfg_path, "config.json")
            return _from_serialized(cfg, artifact, "keras-dir", _version(meta))
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
    if head.startswith(_ZIP_MAGIC):
        return _read_zip(p, artifact)
    if head.startswith(_HDF5_MAGIC):
        return _read_h5(p, artifact)
    if head.lstrip()[:1] == b"{":
        if p.stat().st_size > MAX_CONFIG_BYTES:
            raise ModelLoadError(
                f"Expected a config JSON of at most {MAX_CONFIG_BYTES >> 20} MiB.",
                f"{p.stat().st_size} bytes",
            )
        cfg = loads_json(p.read_bytes(), "the config file")
        return _from_serialized(cfg, artifact, "json", None)
    raise ModelLoadError(EXPECTED_MODEL, f"'{artifact}' is {_describe_head(head)}")


def _version(meta: Any) -> str | None:
    if isinstance(meta, Mapping) and isinstance(meta.get("keras_version"), str):
        return meta["keras_version"]
    return None


def read_json_file(path: Path, what: str, optional: bool = False) -> Any:
    if not path.is_file():
        if optional:
            return None
        raise ModelLoadError(f"Expected {what}.", f"no {path}")
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise ModelLoadError(
            f"Expected {what} of at most {MAX_CONFIG_BYTES >> 20} MiB.",
            f"{path.stat().st_size} bytes",
        )
    return loads_json(path.read_bytes(), what)


def _read_zip(p: Path, artifact: str) -> ModelGraph:
    try:
        with zipfile.ZipFile(p) as zf:
            names = set(zf.namelist())
            if "config.json" not in names:
                shown = ", ".join(sorted(names)[:5]) or "no members"
                raise ModelLoadError(
                    "Expected a .keras archive with a config.json member.",
                    f"a zip archive with {shown}",
                )
            cfg_bytes = read_member(zf, "config.json")
            meta = (
                loads_json(read_member(zf, "metadata.json"), "metadata.json")
                if "metadata.json" in names
                else None
            )
    except zipfile.BadZipFile as exc:
        raise ModelLoadError(
            "Expected a valid .keras zip archive.", f"a damaged zip archive ({exc})"
        ) from None
    except (OSError, EOFError, zipfile.LargeZipFile) as exc:
        raise ModelLoadError(
            "Expected a readable .keras zip archive.", f"{type(exc).__name__}: {exc}"
        ) from None
    cfg = loads_json(cfg_bytes, "config.json")
    return _from_serialized(cfg, artifact, "keras", _version(meta))


def read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > MAX_CONFIG_BYTES:
        raise ModelLoadError(
            f"Expected {name} of at most {MAX_CONFIG_BYTES >> 20} MiB.",
            f"{name} declaring {info.file_size} bytes",
        )
    # Read in bounded chunks: the declared size of a hostile member may lie.
    out = bytearray()
    with zf.open(info) as fh:
        while chunk := fh.read(1 << 20):
            out += chunk
            if len(out) > MAX_CONFIG_BYTES:
                raise ModelLoadError(
                    f"Expected {name} of at most {MAX_CONFIG_BYTES >> 20} MiB.",
                    f"{name} inflating past that",
                )
    return bytes(out)


def _read_h5(p: Path, artifact: str) -> ModelGraph:
    import h5py  # only HDF5 files pay for it

    try:
        with h5py.File(p, "r") as f:
            raw = f.attrs.get("model_config")
            training = f.attrs.get("training_config")
            version = f.attrs.get("keras_version")
            has_weights = "model_weights" in f or "layers" in f
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
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
    cfg = loads_json(raw, "model_config")
    compile_cfg = None
    if training is not None:
        if isinstance(training, bytes):
            training = training.decode("utf-8", "replace")
        compile_cfg = loads_json(training, "training_config") if isinstance(training, str) else None
    if isinstance(version, bytes):
        version = version.decode("utf-8", "replace")
    return graph_from_config(
        cfg,
        artifact=artifact,
        source_format="h5",
        compile_config=compile_cfg,
        keras_version=version if isinstance(version, str) else None,
    )


def _from_serialized(cfg: Any, artifact: str, fmt: str, version: str | None) -> ModelGraph:
    compile_cfg = cfg.get("compile_config") if isinstance(cfg, Mapping) else None
    if compile_cfg is None and isinstance(cfg, Mapping):
        compile_cfg = cfg.get("training_config")
    return graph_from_config(
        cfg, artifact=artifact, source_format=fmt, compile_config=compile_cfg, keras_version=version
    )
