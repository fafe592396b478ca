"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

Model files are binary, so every result sits on line 1 of the model file (GitHub code
scanning needs a region) and names the layer in ``logicalLocations``. Results carry our own
``partialFingerprints`` (rule, model path, layer path): the upload action would otherwise
hash source lines, which means nothing for a binary file.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from modelcheck.findings import Finding, Location, Report, Severity, artifact_uri
from modelcheck.render.json import dumps
from modelcheck.render.json import jsonable as _jsonable

if TYPE_CHECKING:
    from modelcheck.checks import Documented as Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://pypi.org/project/modelcheck/"
#: Key of our fingerprint in ``partialFingerprints``; bump the suffix if its inputs change.
FINGERPRINT_KEY = "modelcheck/v1"
SRCROOT = "%SRCROOT%"

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render_sarif(report: Report, rules: Sequence[type[Rule]]) -> str:
    """The report as one SARIF 2.1.0 log (JSON text ending in a newline).

    Args:
        report: the findings and load failures of one run.
        rules: every rule that could have run; each becomes a ``reportingDescriptor``.
            Findings of a code not among them still render, with a minimal descriptor.
    """
    return dumps(sarif_log(report, rules))


def sarif_log(report: Report, rules: Sequence[type[Rule]]) -> dict[str, Any]:
    """The SARIF log as plain data (what :func:`render_sarif` serialises)."""
    from modelcheck import __version__

    findings = report.sorted_findings()
    descriptors = [_rule_descriptor(rule) for rule in rules]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    for f in sorted(findings, key=lambda f: f.code):  # codes with no rule class passed in
        if f.code not in index:
            index[f.code] = len(descriptors)
            descriptors.append(_minimal_descriptor(f))

    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "modelcheck",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }
        },
        "invocations": [_invocation(report)],
        "results": [_result(f, index[f.code]) for f in findings],
    }
    if report.extra:
        run["properties"] = _jsonable(report.extra)
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


# -- rules ----------------------------------------------------------------------------------
def _one_line(text: str) -> str:
    return " ".join(text.split())


def _rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    sections = rule.doc_sections()
    summary = rule.summary() or rule.name
    intro = _one_line(sections.get("summary", "")) or summary  # may run past one paragraph
    why = sections.get("Why is this bad?", "")
    bad = sections.get("Anti-pattern", "")
    good = sections.get("Best practice", "")

    text = [intro]
    markdown = [f"**{rule.code} {rule.name}**: {sections.get('summary') or summary}"]
    for title, body in (("Why is this bad?", why), ("Anti-pattern", bad), ("Best practice", good)):
        if body:
            text += ["", title if title.endswith("?") else f"{title}:", body]
            markdown += ["", f"## {title}", "", body]
    markdown += ["", f"Run `modelcheck explain {rule.code}` for this page in a terminal."]

    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": f"{intro} {_one_line(why)}".strip()},
        "help": {"text": "\n".join(text), "markdown": "\n".join(markdown)},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {"tags": ["keras", rule.group]},
    }


def _minimal_descriptor(f: Finding) -> dict[str, Any]:
    """For a finding whose rule class was not passed in (e.g. one the engine makes itself)."""
    title = f.name.replace("-", " ").capitalize() or f.code
    return {
        "id": f.code,
        "name": f.name or f.code,
        "shortDescription": {"text": title},
        "properties": {"tags": ["keras"]},
    }


# -- results --------------------------------------------------------------------------------
def _message(f: Finding) -> str:
    text = f.message.rstrip()
    if f.fix:
        text = f"{text.rstrip('.')}. Fix: {f.fix.strip()}"
    return text


def _artifact_location(artifact: str) -> dict[str, Any] | None:
    """SARIF ``artifactLocation``: a relative, percent-encoded URI under ``%SRCROOT%``, or a
    ``file:`` URI for a path outside the working directory; ``None`` for in-memory models."""
    uri = artifact_uri(artifact)
    if not uri or uri.startswith("<"):
        return None
    if os.path.isabs(uri):
        return {"uri": pathlib.Path(uri).as_uri()}
    # quote: spaces, '#', '%' and ':' in file names would make an invalid URI reference
    return {"uri": quote(uri, safe="/"), "uriBaseId": SRCROOT}


def _region(location: Location) -> dict[str, Any]:
    """The source lines of a finding in a ``.py`` file; line 1 for model files, and for a
    notebook (whose lines are JSON, not code) with the cell and line as properties."""
    region = location.region
    if region is None:
        return {"startLine": 1}
    if region.cell is not None:
        return {"startLine": 1, "properties": {"cell": region.cell, "line": region.line}}
    out: dict[str, Any] = {"startLine": region.line, "startColumn": region.column}
    if region.end_line is not None and region.end_column is not None:
        out["endLine"] = region.end_line
        out["endColumn"] = region.end_column
    return out


def _location(location: Location) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    artifact = _artifact_location(location.artifact)
    if artifact is not None:
        out["physicalLocation"] = {"artifactLocation": artifact, "region": _region(location)}
    if location.layer:
        out["logicalLocations"] = [
            {
                "fullyQualifiedName": location.layer_path,
                "name": location.layer[-1],
                "kind": "member",
            }
        ]
    return out or None


def _result(f: Finding, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": LEVEL[f.severity],
        "message": {"text": _message(f)},
    }
    location = _location(f.location)
    if location is not None:
        result["locations"] = [location]
    result["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint()}
    properties: dict[str, Any] = {"fix": f.fix, "evidence": _jsonable(f.evidence)}
    if f.location.artifact.startswith("<"):
        properties["artifact"] = f.location.artifact  # an in-memory model has no URI
    result["properties"] = properties
    return result


def _invocation(report: Report) -> dict[str, Any]:
    notifications = []
    for failure in report.failures:
        note: dict[str, Any] = {"level": "error", "message": {"text": failure.message}}
        artifact = _artifact_location(failure.artifact)
        if artifact is not None:
            note["locations"] = [{"physicalLocation": {"artifactLocation": artifact}}]
        else:
            note["properties"] = {"artifact": failure.artifact}
        notifications.append(note)
    invocation: dict[str, Any] = {"executionSuccessful": not report.failures}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation
