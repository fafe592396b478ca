"""Reading one source file: the Keras models a Python file or notebook builds, with ``ast``.

Nothing is imported or run: :mod:`.interpreter` follows what is static, :mod:`.emit` turns each
model into the Keras config a saved model would hold and then into a
:class:`~modelcheck.graph.ir.ModelGraph` whose nodes carry their ``file:line:col``. A file that
does not mention keras or tensorflow is skipped before it is parsed.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from modelcheck.errors import ModelLoadError
from modelcheck.findings import Region
from modelcheck.graph.ir import ModelGraph
from modelcheck.graph.readers.source.emit import emit_models
from modelcheck.graph.readers.source.interpreter import Interpreter
from modelcheck.graph.readers.source.notebook import NotebookProgram, read_notebook
from modelcheck.graph.readers.source.subclassed import trace_subclassed

#: Larger files are refused: generated code of this size is not a model definition.
MAX_SOURCE_BYTES = 5 * 1024 * 1024
_KERAS_MENTION = re.compile(rb"\b(?:keras|tensorflow|tf_keras)\b")
_NOQA = re.compile(
    r"#\s*(?:noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?"
    r"|modelcheck:\s*ignore\[(?P<mc>[^\]]*)\])",
    re.IGNORECASE,
)


@dataclass
class SourceResult:
    """What reading one source file gave: its models, and notes about what was not read."""

    graphs: list[ModelGraph] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    uses_keras: bool = False


def read_source(path: str | os.PathLike[str], display: str | None = None) -> SourceResult:
    """Every model a ``.py`` file or ``.ipynb`` notebook builds.

    Raises:
        ModelLoadError: for a file that cannot be read or parsed (one line, no traceback).
    """
    p = Path(path)
    artifact = display or os.fspath(path)
    data = _read_bytes(p, artifact)
    if not _KERAS_MENTION.search(data):
        return SourceResult()
    notebook = p.suffix.lower() == ".ipynb"
    program = read_notebook(data, artifact) if notebook else _python_program(data, artifact)
    tree = _parse(program, artifact)
    interp = Interpreter(program.region)
    interp.run_module(tree)
    result = SourceResult(uses_keras=interp.keras_imported)
    if not interp.keras_imported and not interp.models:
        return result
    trace_subclassed(interp)
    suppressions = _suppressions(program)
    fmt = "notebook" if notebook else "python"
    for item in emit_models(interp.models, artifact, fmt):
        if isinstance(item, str):
            result.problems.append(item)
            continue
        item.notes.extend(interp.notes)
        item.inline_suppressions = suppressions
        result.graphs.append(item)
    return result


def _read_bytes(p: Path, artifact: str) -> bytes:
    try:
        if not p.is_file():
            raise ModelLoadError(
                "Expected a Python source file or notebook.",
                f"'{artifact}' is not a regular file" if p.exists() else f"no file '{artifact}'",
            )
        size = p.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise ModelLoadError(
                f"Expected a source file of at most {MAX_SOURCE_BYTES // (1024 * 1024)} MiB.",
                f"'{artifact}' of {size:,} bytes",
            )
        return p.read_bytes()
    except OSError as exc:
        raise ModelLoadError("Expected a readable source file.", f"{exc.strerror or exc}") from None


def _python_program(data: bytes, artifact: str) -> NotebookProgram:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ModelLoadError(
            "Expected a UTF-8 Python source file.",
            f"'{artifact}' with a byte {exc.object[exc.start]:#04x} at offset {exc.start}",
        ) from None
    return NotebookProgram(text=text, cells=None)


def _parse(program: NotebookProgram, artifact: str) -> ast.Module:
    try:
        return ast.parse(program.text, filename=artifact)
    except SyntaxError as exc:
        where = program.region_at(exc.lineno or 1, (exc.offset or 1) - 1).label
        raise ModelLoadError(
            "Expected Python source that parses.", f"{exc.msg} at {artifact}:{where}"
        ) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ModelLoadError("Expected Python source that parses.", type(exc).__name__) from None


def _suppressions(program: NotebookProgram) -> dict[tuple[int, int], frozenset[str]]:
    """``# noqa[: codes]`` and ``# modelcheck: ignore[codes]`` comments by (cell, line)."""
    out: dict[tuple[int, int], frozenset[str]] = {}
    lowered = program.text.lower()
    if "noqa" not in lowered and "modelcheck:" not in lowered:
        return out  # the common case, without tokenizing the file
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(program.text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return out
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        m = _NOQA.search(tok.string)
        if m is None:
            continue
        raw = m.group("codes") or m.group("mc") or ""
        codes = frozenset(c.upper() for c in re.split(r"[\s,]+", raw) if c)
        region: Region = program.region_at(tok.start[0], tok.start[1])
        out[(region.cell or 0, region.line)] = codes
    return out


__all__ = ["SourceResult", "read_source"]
