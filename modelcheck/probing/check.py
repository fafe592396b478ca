"""Probe analyzers and checks: an analyzer *measures* a table from a :class:`ProbeRecord`; its
checks *judge* that table into findings, with thresholds users can configure.

A check is documented like a lint rule (``modelcheck explain MP101``) and has an ``MP`` code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from modelcheck.checks import Documented
from modelcheck.findings import Finding, Location
from modelcheck.probing.types import ProbeRecord

Row = dict[str, Any]


class ProbeCheck(Documented):
    """One judged problem with an ``MP`` code. Implement :meth:`judge`."""

    def judge(
        self, rows: list[Row], record: ProbeRecord, thresholds: Mapping[str, float]
    ) -> Iterator[Finding]:
        raise NotImplementedError

    def at_layer(self, record: ProbeRecord, layer_path: str, **kwargs: Any) -> Finding:
        """A finding located at a layer (``layer_path`` as in the graph, ``a/b``)."""
        layer = tuple(layer_path.split("/")) if layer_path else ()
        return self.finding_at(Location(record.graph.artifact, layer), **kwargs)


class Analyzer:
    """Measures one aspect of a probe run into rows (one per layer, class, ...).

    ``thresholds`` are the defaults of the settings its checks read; users override them
    by key in ``[tool.modelcheck.probe]`` or ``probe(..., thresholds=...)``.
    """

    name: ClassVar[str]
    title: ClassVar[str]  # table title in reports
    checks: ClassVar[tuple[type[ProbeCheck], ...]] = ()
    thresholds: ClassVar[dict[str, float]] = {}

    def measure(self, record: ProbeRecord) -> list[Row]:
        raise NotImplementedError

    def judge(
        self, rows: list[Row], record: ProbeRecord, thresholds: Mapping[str, float]
    ) -> list[Finding]:
        settings = {
            **self.thresholds,
            **{k: v for k, v in thresholds.items() if k in self.thresholds},
        }
        return [f for check in self.checks for f in check().judge(rows, record, settings)]
