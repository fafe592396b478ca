"""The explicit list of probe analyzers, in report order, and their checks. Codes are never
reused; add new checks at the end of their group.

Report order follows how a reader diagnoses a model: first *whether* it learns (predictions
on held-out data), then *where* it fails (dead units, linear probes per layer), then the
training dynamics that explain it (loss, gradients, saturation, input range).
"""

from __future__ import annotations

from modelcheck.probing.analyzers.collapse import CollapseAnalyzer
from modelcheck.probing.analyzers.dead_units import DeadUnitsAnalyzer
from modelcheck.probing.analyzers.health import HealthAnalyzer
from modelcheck.probing.analyzers.linear_probe import LinearProbeAnalyzer
from modelcheck.probing.check import Analyzer, ProbeCheck

ANALYZERS: tuple[type[Analyzer], ...] = (
    CollapseAnalyzer,
    DeadUnitsAnalyzer,
    LinearProbeAnalyzer,
    HealthAnalyzer,
)

#: Every probe check, sorted by code (MP1xx dead units, MP2xx predictions, MP3xx linear
#: probes, MP4xx training health).
PROBE_CHECKS: tuple[type[ProbeCheck], ...] = tuple(
    sorted((c for a in ANALYZERS for c in a.checks), key=lambda c: c.code)
)


def get_check(code_or_name: str) -> type[ProbeCheck] | None:
    """The check with this code (``MP101``, any case) or name (``dead-units``)."""
    key = code_or_name.strip()
    for check in PROBE_CHECKS:
        if check.code == key.upper() or check.name == key.lower():
            return check
    return None


def analyzer_of(check: type[ProbeCheck]) -> type[Analyzer] | None:
    """The analyzer that runs ``check`` (whose ``thresholds`` hold its defaults)."""
    return next((a for a in ANALYZERS if check in a.checks), None)
