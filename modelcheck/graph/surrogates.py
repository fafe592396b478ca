"""Lone UTF-16 surrogates in parsed JSON.

JSON may spell a string with ``\\ud800``-style escapes, and ``json.loads`` turns an escape that
is not half of a surrogate pair into a lone surrogate code point. Such a string is not text: it
cannot be encoded as UTF-8, so printing a layer name holding one (or hashing it for a SARIF
fingerprint, or writing it to a baseline) raises ``UnicodeEncodeError``. Readers replace each
lone surrogate with U+FFFD right after parsing.
"""

from __future__ import annotations

import functools
import re
from typing import Any


@functools.cache
def _surrogate() -> re.Pattern[str]:
    return re.compile("[\ud800-\udfff]")  # compiled on first use: lint start-up stays lean


def _has_surrogate(text: str) -> bool:
    return not text.isascii() and _surrogate().search(text) is not None


def may_hold_surrogates(text: bytes | str) -> bool:
    """Whether parsing JSON ``text`` can give lone surrogates (cheap: substring scans). Only a
    ``\\uD800``-``\\uDFFF`` escape makes one from bytes (they are decoded strictly); a ``str``
    may also hold them itself: h5py decodes a string attribute that is not UTF-8 with
    ``surrogateescape``."""
    if isinstance(text, bytes):
        return b"\\ud" in text or b"\\uD" in text
    return "\\ud" in text or "\\uD" in text or _has_surrogate(text)


def _fix(text: str) -> str:
    if not _has_surrogate(text):
        return text
    # Pairs were already joined by json.loads; UTF-16 round-tripping replaces the rest.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def replace_lone_surrogates(value: Any) -> Any:
    """``value`` (parsed JSON) with every lone surrogate in its strings and keys replaced by
    U+FFFD. Containers are changed in place, iteratively (JSON nests up to ~1,000 levels)."""
    if isinstance(value, str):
        return _fix(value)
    stack = [value]
    while stack:
        obj = stack.pop()
        if isinstance(obj, dict):
            items = list(obj.items())
            obj.clear()
            for key, item in items:
                if isinstance(item, str):
                    item = _fix(item)
                elif isinstance(item, (dict, list)):
                    stack.append(item)
                obj[_fix(key)] = item
        elif isinstance(obj, list):
            for i, item in enumerate(obj):
                if isinstance(item, str):
                    obj[i] = _fix(item)
                elif isinstance(item, (dict, list)):
                    stack.append(item)
    return value
