"""Bounded reading of model files: archives and JSON within limits of size, depth, element
count and integer digits, so a hostile file costs a bounded time and memory before any
reader looks at it. Shared by every file reader (:mod:`.model_file`, :mod:`.weights`); the
file-format signatures are defined here, once.
"""

from __future__ import annotations

import json
import lzma
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from modelcheck.errors import ModelLoadError
from modelcheck.graph.hazards import BOMB_MIN_BYTES, MAX_RATIO, HazardKind, StructureError
from modelcheck.graph.surrogates import may_hold_surrogates, replace_lone_surrogates

#: A config.json larger than this is refused (zip bombs, hostile files). Real ones are
#: a few MB even for the largest keras.applications models.
MAX_CONFIG_BYTES = 64 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
LFS_PREFIX = b"version https://git-lfs"
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


def describe_head(head: bytes) -> str:
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


def zip_member_count(p: Path) -> int | None:
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
