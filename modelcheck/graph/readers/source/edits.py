"""Minimal text edits to a layer's constructor call in Python source, from ``ast`` positions:
set or remove its activation. The rest of the file stays byte-identical."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from modelcheck.findings import Region, TextEdit

#: Positional index of ``activation`` in the constructors people write it positionally in.
_POSITIONAL_ACTIVATION = {"Dense": 1, "Activation": 0}


@dataclass
class SourceFile:
    """A ``.py`` file's text, its lines, and its tree (parsed once per file)."""

    text: str
    tree: ast.Module

    @classmethod
    def parse(cls, text: str, filename: str) -> SourceFile | None:
        try:
            return cls(text, ast.parse(text, filename=filename))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None

    def _char_col(self, line: int, byte_col: int) -> int:
        lines = self.text.splitlines()
        if not 0 < line <= len(lines):
            return byte_col
        raw = lines[line - 1]
        return len(raw.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def constructor_at(self, region: Region) -> ast.Call | None:
        """The call that starts and ends where ``region`` does (the layer's constructor, not
        the call applying it to a tensor)."""
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call) or node.lineno != region.line:
                continue
            if self._char_col(node.lineno, node.col_offset) + 1 != region.column:
                continue
            if region.end_line is not None and (
                node.end_lineno != region.end_line
                or self._char_col(node.end_lineno, node.end_col_offset or 0) + 1
                != region.end_column
            ):
                continue
            return node
        return None

    def _position(self, line: int, byte_col: int) -> tuple[int, int]:
        return line, self._char_col(line, byte_col) + 1

    def span(self, node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]]:
        return (
            self._position(node.lineno, node.col_offset),
            self._position(node.end_lineno or node.lineno, node.end_col_offset or 0),
        )


def _activation_arg(call: ast.Call, class_name: str) -> ast.expr | ast.keyword | None:
    for kw in call.keywords:
        if kw.arg == "activation":
            return kw
    index = _POSITIONAL_ACTIVATION.get(class_name)
    if index is not None and len(call.args) > index:
        return call.args[index]
    return None


def set_activation(src: SourceFile, call: ast.Call, class_name: str, value: str) -> TextEdit | None:
    """``activation="value"`` on the constructor: the existing argument's value replaced, or
    a keyword appended after the last argument."""
    literal = f'"{value}"'
    found = _activation_arg(call, class_name)
    if isinstance(found, ast.keyword):
        start, end = src.span(found.value)
        return TextEdit(start, end, literal)
    if found is not None:
        start, end = src.span(found)
        return TextEdit(start, end, literal)
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        kw.arg is None for kw in call.keywords
    ):
        return None  # *args/**kwargs may already carry an activation
    last = max(
        [*call.args, *(kw.value for kw in call.keywords)],
        key=lambda n: (n.end_lineno or 0, n.end_col_offset or 0),
        default=None,
    )
    if last is None:
        _, end = src.span(call)
        at = (end[0], end[1] - 1)  # just inside the closing parenthesis
        return TextEdit(at, at, f"activation={literal}")
    _, end = src.span(last)
    return TextEdit(end, end, f", activation={literal}")


def remove_activation(src: SourceFile, call: ast.Call, class_name: str) -> TextEdit | None:
    """The ``activation=`` keyword removed with the comma before it (or ``Dense(10, "relu")``'s
    positional one); ``None`` when the constructor does not spell it (a ``partial``)."""
    found = _activation_arg(call, class_name)
    if found is None or class_name == "Activation":
        return None
    items = sorted([*call.args, *call.keywords], key=lambda n: (n.lineno, n.col_offset))
    index = items.index(found)
    if index > 0:  # from the end of the previous argument to the end of this one
        start = src.span(items[index - 1])[1]
        end = src.span(found)[1]
    elif len(items) > 1:  # the first argument: up to the start of the next one
        start = src.span(found)[0]
        end = src.span(items[1])[0]
    else:
        start, end = src.span(found)
    return TextEdit(start, end, "")


def apply_edits(text: str, edits: list[TextEdit]) -> tuple[str, list[TextEdit]]:
    """``text`` with the non-overlapping ``edits`` applied (the first of two that overlap
    wins); returns the new text and the edits applied."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(pos: tuple[int, int]) -> int:
        line, col = pos
        return starts[min(line - 1, len(lines))] + col - 1

    spans = []
    for edit in dict.fromkeys(edits):  # the same edit from two findings once
        spans.append((offset(edit.start), offset(edit.end), edit))
    spans.sort(key=lambda s: (s[0], s[1]))
    applied: list[tuple[int, int, TextEdit]] = []
    for span in spans:
        if applied and span[0] < applied[-1][1]:
            continue
        applied.append(span)
    out = text
    for begin, finish, edit in reversed(applied):
        out = out[:begin] + edit.content + out[finish:]
    return out, [edit for _, _, edit in applied]
