"""A notebook's code cells as one program, with each line mapped back to its cell.

IPython magics (``%matplotlib``, ``!pip``) are blanked; a cell with a cell magic other than
``%%time``-like ones, or one that does not parse, is left out (and the reader says so).
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Any

from modelcheck.errors import ModelLoadError
from modelcheck.findings import Region

#: Cell magics whose body is still Python.
_PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture", "%%prun", "%%debug")


@dataclass
class NotebookProgram:
    """Program text plus, for a notebook, which cell each line came from."""

    text: str
    cells: list[tuple[int, int]] | None  #: per program line (0-based): (cell, line in cell)
    skipped: list[str] = field(default_factory=list)
    _lines: list[str] | None = None

    def _line(self, lineno: int) -> str:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines[lineno - 1] if 0 < lineno <= len(self._lines) else ""

    def region_at(
        self, line: int, col: int, end_line: int | None = None, end_col: int | None = None
    ) -> Region:
        """A region from a 1-based program line and a 0-based character column."""
        if self.cells is None:
            return Region(line, col + 1, end_line, end_col + 1 if end_col is not None else None)
        cell, in_cell = self.cells[line - 1] if 0 < line <= len(self.cells) else (0, line)
        end = None
        if end_line is not None and 0 < end_line <= len(self.cells):
            end = self.cells[end_line - 1][1]
        return Region(in_cell, col + 1, end, end_col + 1 if end_col is not None else None, cell)

    def region(self, node: ast.AST) -> Region:
        """The region of an ``ast`` node (its byte columns turned into characters)."""
        line = getattr(node, "lineno", 1) or 1
        col = self._chars(line, getattr(node, "col_offset", 0) or 0)
        end_line = getattr(node, "end_lineno", None)
        end_col = getattr(node, "end_col_offset", None)
        if end_line is not None and end_col is not None:
            end_col = self._chars(end_line, end_col)
        return self.region_at(line, col, end_line, end_col)

    def _chars(self, lineno: int, byte_col: int) -> int:
        text = self._line(lineno)
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def _cell_source(cell: Any) -> str:
    src = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(src, list):
        return "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def _blank_magics(source: str) -> str | None:
    """The cell with IPython syntax blanked, or ``None`` if the cell is not Python."""
    lines = source.split("\n")
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        if not first.startswith(_PYTHON_CELL_MAGICS):
            return None
        lines[0] = ""
    out = []
    for line in lines:
        stripped = line.lstrip()
        magic = stripped.startswith(("%", "!")) or re.match(r"^\w+\s*=\s*[!%]", stripped)
        help_query = stripped.endswith("?") and not stripped.startswith("#")
        out.append("" if magic or help_query else line)
    return "\n".join(out)


def read_notebook(data: bytes, artifact: str) -> NotebookProgram:
    """The code cells of an ``.ipynb`` file, in order, as one program.

    Raises:
        ModelLoadError: when the file is not a notebook (JSON with a ``cells`` list).
    """
    try:
        nb = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelLoadError(
            "Expected a Jupyter notebook (JSON).", f"'{artifact}': {type(exc).__name__}"
        ) from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        got = (
            "a JSON object without 'cells'"
            if isinstance(nb, dict)
            else f"a JSON {type(nb).__name__}"
        )
        raise ModelLoadError("Expected a Jupyter notebook with a 'cells' list.", got)
    parts: list[str] = []
    mapping: list[tuple[int, int]] = []
    skipped: list[str] = []
    for code_no, cell in enumerate(cells, 1):  # numbered like Jupyter and ruff: every cell
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _blank_magics(_cell_source(cell))
        if source is None:
            continue
        try:
            ast.parse(source, filename=artifact)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            skipped.append(f"cell {code_no} does not parse as Python and was not read")
            continue
        lines = source.split("\n")
        parts.extend(lines)
        mapping.extend((code_no, i + 1) for i in range(len(lines)))
    return NotebookProgram(text="\n".join(parts) + "\n", cells=mapping, skipped=skipped)
