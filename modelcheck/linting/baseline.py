"""Baselines: accept today's findings, report only new ones.

A baseline is a JSON file of finding fingerprints (rule + model path + layer path, see
:meth:`modelcheck.findings.Finding.fingerprint`). Messages are stored for the reader but not
compared, so a finding whose numbers change (a learning rate, a unit count) stays accepted.
Paths are relative to the working directory: write and use a baseline from the same place
(the repository root, where pre-commit and CI run).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from modelcheck.errors import ConfigError
from modelcheck.findings import Finding, artifact_uri

BASELINE_FORMAT = "modelcheck-baseline"
BASELINE_VERSION = 1


def write_baseline(findings: Sequence[Finding], path: str | os.PathLike[str]) -> int:
    """Write ``findings`` as a baseline; return how many entries were written."""
    entries = sorted(
        {
            f.fingerprint(): {
                "fingerprint": f.fingerprint(),
                "code": f.code,
                "artifact": artifact_uri(f.location.artifact),
                "layer": f.location.layer_path,
                "message": f.message,
            }
            for f in findings
        }.values(),
        key=lambda e: (e["artifact"], e["layer"], e["code"]),
    )
    doc = {"format": BASELINE_FORMAT, "version": BASELINE_VERSION, "findings": entries}
    from modelcheck._files import atomic_write
    from modelcheck.safetext import json_text  # messages hold names from model files

    try:
        # all or nothing: an interrupted write leaves the old baseline (or none), never half
        with atomic_write(path, text=True) as fh:
            fh.write(json_text(json.dumps(doc, indent=2)) + "\n")
    except OSError as exc:
        raise ConfigError(
            "Expected a writable path for the baseline.", f"{path} ({exc.strerror or exc})"
        ) from None
    return len(entries)


def read_baseline(path: str | os.PathLike[str]) -> frozenset[str]:
    """The fingerprints recorded in a baseline file.

    Raises:
        ConfigError: for a missing file or one that is not a modelcheck baseline.
    """
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise ConfigError(
            "Expected a baseline file written by `modelcheck lint --write-baseline`.",
            f"{path} ({exc.strerror or exc})",
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(
            "Expected a baseline JSON file written by `modelcheck lint --write-baseline`.",
            f"{path} (not JSON: {exc})",
        ) from None
    entries = doc.get("findings") if isinstance(doc, dict) else None
    if (
        not isinstance(doc, dict)
        or doc.get("format") != BASELINE_FORMAT
        or not isinstance(entries, list)
        or not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries)
    ):
        raise ConfigError(
            "Expected a baseline JSON file written by `modelcheck lint --write-baseline`.",
            f"{path} (another JSON document)",
        )
    if doc.get("version") != BASELINE_VERSION:
        raise ConfigError(
            f"Expected baseline format version {BASELINE_VERSION}.",
            f"{path} (version {doc.get('version')!r})",
        )
    return frozenset(e["fingerprint"] for e in entries)


def apply_baseline(
    findings: Sequence[Finding], accepted: frozenset[str]
) -> tuple[list[Finding], int]:
    """Findings not in the baseline, and how many were dropped because they are."""
    kept = [f for f in findings if f.fingerprint() not in accepted]
    return kept, len(findings) - len(kept)
