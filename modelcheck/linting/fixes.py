"""Autofixes for findings in Python source, the way ruff offers them: each fixable finding gets
the minimal text edits that make its ``fix`` happen, marked safe (what the model computes is
kept or only what is wrong is removed) or unsafe (it changes what the model computes).

| code  | edit                                                       | applicability |
|-------|------------------------------------------------------------|---------------|
| MC203 | remove the activation before the softmax                   | safe          |
| MC204 | remove the first of two activations (same idempotent ones) | safe, else unsafe |
| MC201 | ``activation="relu"`` on the linear layer                  | unsafe        |
| MC301 | ``activation="sigmoid"`` on a 1-unit head under binary CE  | unsafe        |
| MC302 | ``softmax``/``sigmoid`` on the head the loss needs         | unsafe        |
| MC303 | remove the head's activation (the loss keeps from_logits)  | unsafe        |

A constructor line that makes several layers (a helper called in a loop) is fixed for all of
them: when not all of them carry the finding, a safe fix becomes unsafe.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from modelcheck.findings import Autofix, Finding, Report, TextEdit, artifact_uri
from modelcheck.graph.compile_info import BINARY_CE
from modelcheck.graph.ir import ModelGraph, Node
from modelcheck.graph.readers.source.edits import (
    SourceFile,
    apply_edits,
    remove_activation,
    set_activation,
)
from modelcheck.graph.walk import producer_of

FIXABLE = frozenset({"MC201", "MC203", "MC204", "MC301", "MC302", "MC303"})
_IDEMPOTENT = frozenset({"relu", "relu6"})


def _node(graph: ModelGraph, finding: Finding) -> Node | None:
    for node in graph:
        if node.path == finding.location.layer and node.call_index == 0:
            return node
    return None


def _edit(
    graph: ModelGraph, finding: Finding, src: SourceFile
) -> tuple[Node, TextEdit, bool] | None:
    """The node whose constructor the fix edits, the edit, and whether it is safe."""
    node = _node(graph, finding)
    if node is None:
        return None
    code = finding.code
    safe = False
    target = node
    if code == "MC204":
        found = producer_of(graph, node)
        if found is None:
            return None
        target = found[0]
        safe = target.activation == node.activation and node.activation in _IDEMPOTENT
    if target.region is None or target.region.cell is not None or target.wrapper:
        return None
    call = src.constructor_at(target.region)
    if call is None:
        return None
    cls = target.core_class
    if code in ("MC203", "MC204", "MC303"):
        edit = remove_activation(src, call, cls)
        safe = safe or code == "MC203"
    elif code == "MC201":
        edit = set_activation(src, call, cls, "relu")
    elif code in ("MC301", "MC302"):
        loss = graph.loss_for(graph.output_nodes()[0]) if graph.output_nodes() else None
        binary = loss is not None and loss.name in BINARY_CE
        if code == "MC301" and not binary:
            return None
        edit = set_activation(src, call, cls, "sigmoid" if binary else "softmax")
    else:
        return None
    return (target, edit, safe) if edit is not None else None


def attach_fixes(graph: ModelGraph, findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` with an :class:`Autofix` on each one that has an edit (``.py`` only)."""
    if not any(f.code in FIXABLE for f in findings) or graph.source_format != "python":
        return list(findings)
    try:
        src = SourceFile.parse(Path(graph.artifact).read_text(encoding="utf-8-sig"), graph.artifact)
    except (OSError, UnicodeDecodeError):
        return list(findings)
    if src is None:
        return list(findings)
    flagged = {(f.code, f.location.layer) for f in findings}
    out = []
    for f in findings:
        found = _edit(graph, f, src) if f.code in FIXABLE else None
        if found is None:
            out.append(f)
            continue
        target, edit, safe = found
        sharing = [n for n in graph if n.region == target.region and n.call_index == 0]
        if safe and f.code != "MC204" and any((f.code, n.path) not in flagged for n in sharing):
            safe = False  # the edit would also change layers without the problem
        fix = Autofix("safe" if safe else "unsafe", (edit,))
        out.append(dataclasses.replace(f, autofix=fix))
    return out


@dataclasses.dataclass
class FilePlan:
    """The fixes for one file: its text before and after, and the findings they fix."""

    path: str
    old_text: str
    new_text: str
    findings: list[Finding]


def plan_fixes(report: Report, *, unsafe: bool) -> list[FilePlan]:
    """One plan per ``.py`` file with applicable fixes (safe ones; unsafe ones too when asked),
    the edits of two findings that overlap applied once."""
    by_file: dict[str, list[Finding]] = {}
    for f in report.findings:
        fix = f.autofix
        if fix is not None and (fix.applicability == "safe" or unsafe):
            by_file.setdefault(f.location.artifact, []).append(f)
    plans = []
    for path, found in sorted(by_file.items()):
        try:
            old = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        edits = [e for f in found for e in f.autofix.edits]  # type: ignore[union-attr]
        new, applied = apply_edits(old, edits)
        kept = [f for f in found if all(e in applied for e in f.autofix.edits)]  # type: ignore[union-attr]
        if new != old:
            plans.append(FilePlan(path, old, new, kept))
    return plans


def unified_diff(plan: FilePlan) -> str:
    """The plan as a unified diff (``--- a/x.py`` / ``+++ b/x.py``), like ``ruff --diff``."""
    import difflib

    name = artifact_uri(plan.path)
    outside = name.startswith("/")  # a file outside the working directory: its own path
    lines = difflib.unified_diff(
        plan.old_text.splitlines(keepends=True),
        plan.new_text.splitlines(keepends=True),
        fromfile=name if outside else f"a/{name}",
        tofile=name if outside else f"b/{name}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
