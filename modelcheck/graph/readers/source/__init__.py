"""The source reader: the Keras models a Python file or notebook builds, read with ``ast``.

Nothing is imported or run: :mod:`.interpreter` follows what is static, :mod:`.emit` turns each
model into the Keras config a saved model would hold and then into a
:class:`~modelcheck.graph.ir.ModelGraph` whose nodes carry their ``file:line:col``. A file that
does not mention keras or tensorflow is skipped before it is parsed.

This module stays light (the lint of a ``.keras`` file imports it): the reader itself is
:mod:`.reader`, imported on the first source file.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelcheck.graph.readers.source.reader import SourceResult

SOURCE_SUFFIXES = (".py", ".ipynb")


def is_source_path(path: str | os.PathLike[str]) -> bool:
    return os.fspath(path).lower().endswith(SOURCE_SUFFIXES)


def read_source(path: str | os.PathLike[str], display: str | None = None) -> SourceResult:
    """Every model a ``.py`` file or ``.ipynb`` notebook builds (see :mod:`.reader`).

    Raises:
        ModelLoadError: for a file that cannot be read or parsed (one line, no traceback).
    """
    from modelcheck.graph.readers.source.reader import read_source as read

    return read(path, display)


__all__ = ["SOURCE_SUFFIXES", "is_source_path", "read_source"]
