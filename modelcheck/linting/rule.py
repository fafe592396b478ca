"""The base class of lint rules (the documented-check base they share with probe checks is
:class:`modelcheck.checks.Documented`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from modelcheck.checks import Documented
from modelcheck.findings import Finding, Location, Severity
from modelcheck.graph.ir import ModelGraph, Node


class Rule(Documented):
    """A lint rule: one class, one code, one documented problem; implements :meth:`check`."""

    #: Rules that need no layer graph (they still run on subclassed models).
    needs_graph: ClassVar[bool] = True
    #: Rules that read the saved weights (numpy + h5py); they run only with weight checks on.
    needs_weights: ClassVar[bool] = False
    #: Rules about Python source (inline comments): their examples are linted as source.
    source_only: ClassVar[bool] = False

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
        region = node.region if node is not None else graph.region
        if node is None and where[:1] == ("compile_config",) and graph.compile_region:
            region = graph.compile_region
        location = Location(graph.artifact, layer, graph.model_label, region)
        return self.finding_at(location, severity=severity, evidence=evidence, **fields)


def describe(node: Node) -> str:
    """``'dense_1' (Dense, relu)``: how findings name a layer."""
    act = f", {node.activation}" if node.activation and node.activation != "linear" else ""
    if node.activation == "linear" and node.kind.value == "weight":
        act = ", no activation"
    return f"'{node.id}' ({node.display_class}{act})"
