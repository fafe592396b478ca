"""Damaging one member of a real ``.keras`` archive the way ``zipfile`` cannot write it."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path


def patch_member(path: Path, name: str, *, method: int | None = None, flag_bits: int = 0) -> None:
    """Rewrite the local and central headers of member ``name`` in place: set its compression
    method to ``method`` and OR ``flag_bits`` into its flags. The member's bytes stay as they
    were stored, so a reader that trusts the headers decodes them with the wrong method (or
    asks for a password, for flag bit 0)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        local = zf.getinfo(name).header_offset
    eocd = data.rfind(b"PK\x05\x06")
    count, _, pos = struct.unpack_from("<HII", data, eocd + 10)
    central = None
    for _ in range(count):
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        if data[pos + 46 : pos + 46 + name_len] == name.encode():
            central = pos
        pos += 46 + name_len + extra_len + comment_len
    assert central is not None, f"no central directory entry for {name}"
    for flags_at, method_at in ((local + 6, local + 8), (central + 8, central + 10)):
        if method is not None:
            struct.pack_into("<H", data, method_at, method)
        (flags,) = struct.unpack_from("<H", data, flags_at)
        struct.pack_into("<H", data, flags_at, flags | flag_bits)
    path.write_bytes(bytes(data))
