"""The JSON report: a stable, versioned contract (fields are added, never renamed)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from modelcheck.findings import REPORT_SCHEMA_VERSION, Finding, Region, Report
from modelcheck.safetext import json_text


def jsonable(value: Any) -> Any:
    """``value`` as strict JSON (RFC 8259): NaN/Infinity as strings (``"nan"``, ``"inf"``),
    numpy scalars and arrays unwrapped, tuples and sets as lists, anything else as its
    ``str``. Evidence comes from model files, so it may hold a learning rate of ``Infinity``."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [jsonable(v) for v in items]
    if hasattr(value, "tolist"):  # numpy scalars and arrays, without importing numpy
        return jsonable(value.tolist())
    return str(value)


def region_dict(region: Region | None) -> dict[str, Any] | None:
    """``{"line", "column", "end_line", "end_column", "cell"}`` (1-based), or ``None`` for a
    finding in a model file."""
    if region is None:
        return None
    return {
        "line": region.line,
        "column": region.column,
        "end_line": region.end_line,
        "end_column": region.end_column,
        "cell": region.cell,
    }


def finding_dict(f: Finding) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if f.location.region is not None or f.location.model:
        extra = {"model": f.location.model, "region": region_dict(f.location.region)}
    if f.autofix is not None:  # ruff's shape: applicability and edits with 1-based positions
        extra["autofix"] = {
            "applicability": f.autofix.applicability,
            "edits": [
                {
                    "content": e.content,
                    "location": {"row": e.start[0], "column": e.start[1]},
                    "end_location": {"row": e.end[0], "column": e.end[1]},
                }
                for e in f.autofix.edits
            ],
        }
    return {
        "code": f.code,
        "name": f.name,
        "severity": f.severity.label,
        "message": f.message,
        "fix": f.fix,
        "artifact": f.location.artifact,
        "layer": f.location.layer_path,
        "layer_path": list(f.location.layer),
        "evidence": dict(f.evidence),
        **extra,
    }


def report_dict(report: Report) -> dict[str, Any]:
    from modelcheck import __version__

    counts = report.counts()
    return {
        "version": REPORT_SCHEMA_VERSION,
        "tool": {"name": "modelcheck", "version": __version__, "command": report.tool},
        "summary": {
            "models": len(report.models),
            "failures": len(report.failures),
            **{sev.label: n for sev, n in sorted(counts.items(), reverse=True)},
        },
        "findings": [finding_dict(f) for f in report.sorted_findings()],
        "failures": [{"artifact": x.artifact, "message": x.message} for x in report.failures],
        "models": [
            {
                "artifact": m.artifact,
                "name": m.model_name,
                "class": m.model_class,
                "format": m.source_format,
                **({"model": m.model_label, "region": region_dict(m.region)} if m.region else {}),
                "total_params": m.total_params,
                "notes": m.notes,
                "layers": m.layers,
            }
            for m in report.models
        ],
        **({"extra": report.extra} if report.extra else {}),
    }


def dumps(value: Any) -> str:
    """Strict, indented JSON whose strings carry no raw control character (``ensure_ascii``
    escapes the rest; :func:`~modelcheck.safetext.json_text` DEL and ``##[``)."""
    return json_text(json.dumps(value, indent=2, allow_nan=False)) + "\n"


def render_json(report: Report) -> str:
    return dumps(jsonable(report_dict(report)))
