"""The JSON report: a stable, versioned contract (fields are added, never renamed)."""

from __future__ import annotations

import json
from typing import Any

from modelcheck.findings import REPORT_SCHEMA_VERSION, Finding, Report


def finding_dict(f: Finding) -> dict[str, Any]:
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
                "total_params": m.total_params,
                "notes": m.notes,
                "layers": m.layers,
            }
            for m in report.models
        ],
        **({"extra": report.extra} if report.extra else {}),
    }


def render_json(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, sort_keys=False, default=str) + "\n"
