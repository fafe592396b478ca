"""The base classes of lint rules (and probe checks), and the parsing of their documentation."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from modelcheck.findings import Finding, Location, Severity
from modelcheck.graph.ir import ModelGraph, Node

DOC_SECTIONS = ("Why is this bad?", "Anti-pattern", "Best practice")
_SECTION = re.compile(r"^## (.+?)\s*$", re.MULTILINE)
_CODE_BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


class Documented:
    """A documented problem with a code: the part lint rules and probe checks share.

    Subclasses set the class attributes. ``message`` and ``fix`` are ``str.format``
    templates filled from the keyword arguments of :meth:`finding_at`. The class docstring
    is the documentation: a one-line summary, then the sections named in
    :data:`DOC_SECTIONS`.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    message: ClassVar[str]
    fix: ClassVar[str]
    #: Language of the documentation examples: ``python`` (Keras code that defines
    #: ``model``) or ``toml`` (a ``pyproject.toml`` snippet, for configuration rules).
    example_language: ClassVar[str] = "python"

    def finding_at(
        self,
        location: Location,
        *,
        severity: Severity | None = None,
        evidence: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Finding:
        """Build a finding at any location (for rules about files other than the model)."""
        return Finding(
            code=self.code,
            name=self.name,
            severity=severity or self.severity,
            message=self.message.format(**fields),
            location=location,
            fix=self.fix.format(**fields),
            evidence=dict(evidence or {}),
        )

    # -- documentation --------------------------------------------------------------------
    @classmethod
    def summary(cls) -> str:
        doc = inspect.getdoc(cls) or ""
        return " ".join(doc.split("\n\n", 1)[0].split())

    @classmethod
    def doc_sections(cls) -> dict[str, str]:
        """``{"summary": ..., "Why is this bad?": ..., "Anti-pattern": ..., ...}``."""
        doc = inspect.getdoc(cls) or ""
        parts = _SECTION.split(doc)
        sections = {"summary": parts[0].strip()}
        for title, body in zip(parts[1::2], parts[2::2]):
            sections[title.strip()] = body.strip()
        return sections

    @classmethod
    def example(cls, section: str) -> str | None:
        """The code block of the ``Anti-pattern`` or ``Best practice`` section, in
        :attr:`example_language`."""
        body = cls.doc_sections().get(section, "")
        for m in _CODE_BLOCK.finditer(body):
            if m.group(1) == cls.example_language:
                return m.group(2)
        return None


class Rule(Documented):
    """A lint rule: one class, one code, one documented problem; implements :meth:`check`."""

    #: Rules that need no layer graph (they still run on subclassed models).
    needs_graph: ClassVar[bool] = True
    #: Rules that read the saved weights (numpy + h5py); they run only with weight checks on.
    needs_weights: ClassVar[bool] = False

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        raise NotImplementedError

    def finding(
        self,
        graph: ModelGraph,
        node: Node | None,
        *,
        where: tuple[str, ...] = (),
        severity: Severity | None = None,
        evidence: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Finding:
        """Build a finding located at ``node``, or at ``where`` (a path into the saved
        config such as ``("compile_config", "optimizer")``) for findings about no layer."""
        layer = node.path if node is not None else where
        return self.finding_at(
            Location(graph.artifact, layer), severity=severity, evidence=evidence, **fields
        )


def describe(node: Node) -> str:
    """``'dense_1' (Dense, relu)``: how findings name a layer."""
    act = f", {node.activation}" if node.activation and node.activation != "linear" else ""
    if node.activation == "linear" and node.kind.value == "weight":
        act = ", no activation"
    return f"'{node.id}' ({node.display_class}{act})"
