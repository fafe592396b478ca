"""The one data model shared by lint and probe: severities, locations, findings, reports."""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Version of the JSON report schema. Bump the major part on an incompatible change.
REPORT_SCHEMA_VERSION = "1.1"


class Severity(enum.IntEnum):
    """How bad a finding is. Ordered, so ``severity >= Severity.WARNING`` works."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Severity:
        """Parse ``"error"``/``"warning"``/``"info"`` (any case).

        Raises:
            ValueError: for any other value.
        """
        try:
            return cls[value.strip().upper()]
        except (KeyError, AttributeError):
            raise ValueError(f"Expected one of error, warning, info. Received: {value!r}") from None


def artifact_uri(artifact: str) -> str:
    """A model path as SARIF, GitHub and baselines name it: POSIX, relative to the working
    directory when the file is under it (so results from different checkouts match)."""
    if not artifact or artifact.startswith("<"):
        return artifact  # an in-memory model's repr
    try:
        rel = os.path.relpath(os.path.abspath(artifact))
    except ValueError:  # another drive on Windows
        rel = artifact
    if rel.startswith(".."):
        rel = os.path.abspath(artifact)
    return rel.replace(os.sep, "/")


@dataclass(frozen=True, slots=True)
class Region:
    """A place in a source file: 1-based line and column (characters, not bytes), the end
    of the expression when known, and for a notebook the 1-based code cell the line is in."""

    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None
    cell: int | None = None

    @property
    def label(self) -> str:
        """``22:11``, or ``cell 3:5:11`` in a notebook (ruff's spelling)."""
        where = f"{self.line}:{self.column}"
        return f"cell {self.cell}:{where}" if self.cell is not None else where


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace the source text from ``start`` up to ``end`` (``(line, column)``, 1-based,
    end exclusive) with ``content``; an insertion when ``start == end``."""

    start: tuple[int, int]
    end: tuple[int, int]
    content: str


@dataclass(frozen=True, slots=True)
class Autofix:
    """A fix ``--fix`` can apply to Python source: ``safe`` ones keep what the model
    computes (or only remove what is wrong), ``unsafe`` ones change it (``--unsafe-fixes``)."""

    applicability: str  #: "safe" or "unsafe"
    edits: tuple[TextEdit, ...]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding sits: the model artifact and the layer path inside it.

    ``layer`` is the path of nested layer names (``("encoder", "dense_3")``); empty for
    findings about the whole model. For a model read from Python source, ``model`` names it
    (the variable it was assigned to) and ``region`` is the line of the layer (or the model).
    """

    artifact: str
    layer: tuple[str, ...] = ()
    model: str = ""
    region: Region | None = None

    @property
    def layer_path(self) -> str:
        return "/".join(self.layer)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in one place, with what to do about it."""

    code: str
    name: str
    severity: Severity
    message: str
    location: Location
    fix: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    #: for a model read from Python source: the edits that make ``fix`` happen
    autofix: Autofix | None = None

    def fingerprint(self) -> str:
        """Stable identity across runs: rule, model path and layer path (not the message,
        whose numbers may change). Used by SARIF ``partialFingerprints`` and baselines."""
        import hashlib

        key = f"{self.code}|{artifact_uri(self.location.artifact)}|{self.location.layer_path}"
        if self.location.model:  # source files hold several models; lines move, names stay
            key += f"|{self.location.model}"
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]

    def sort_key(self) -> tuple[Any, ...]:
        region = self.location.region
        return (
            self.location.artifact,
            (region.cell or 0, region.line, region.column) if region else (0, 0, 0),
            -self.severity,
            self.location.layer,
            self.code,
            self.message,
        )


@dataclass(frozen=True, slots=True)
class LoadFailure:
    """A path that could not be analysed, with the one-line reason shown to the user."""

    artifact: str
    message: str


@dataclass(slots=True)
class ModelSummary:
    """What a renderer needs to draw the layer table of one model.

    ``layers`` rows are plain dicts with keys ``path``, ``class_name``, ``activation``,
    ``output_shape``, ``params``, ``inputs`` (display strings or ``None``).
    """

    artifact: str
    model_name: str
    model_class: str
    source_format: str
    layers: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    total_params: int | None = None
    #: models read from source: the name findings give the model, and where it is made
    model_label: str = ""
    region: Region | None = None


@dataclass(slots=True)
class LintRun:
    """What a lint run did besides finding: what configuration and a baseline suppressed, the
    files its ``exclude`` skipped."""

    suppressed_by_config: int = 0
    suppressed_by_baseline: int = 0
    baseline: str | None = None  #: the baseline file read, if any
    config: str | None = None  #: the config file read, if any
    excluded: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The ``extra`` object of the JSON output and SARIF run properties."""
        out: dict[str, Any] = {
            "suppressed": {
                "config": self.suppressed_by_config,
                "baseline": self.suppressed_by_baseline,
            }
        }
        if self.baseline is not None:
            out["baseline"] = self.baseline
        if self.config is not None:
            out["config"] = self.config
        if self.excluded:
            out["excluded"] = list(self.excluded)
        return out


@dataclass(slots=True)
class ProbeRun:
    """What a probe trained on and how it went: the report header, and the per-analyzer
    tables (rows of plain values) the findings were judged from."""

    data: str = "?"  #: the data spec (``colored-mnist``, a path, ...)
    source: str = "?"  #: where the samples came from
    task: str | None = None
    num_classes: int | None = None
    class_names: list[str] = field(default_factory=list)
    train_samples: int | None = None
    test_samples: int | None = None
    notes: list[str] = field(default_factory=list)
    #: optimizer, learning rate, loss, epochs, steps, batch size, seed, seconds, ...
    training: dict[str, Any] = field(default_factory=dict)
    history: dict[str, list[float]] = field(default_factory=dict)  #: per-epoch metrics
    seconds: float = 0.0
    thresholds: dict[str, float] = field(default_factory=dict)
    chance: float | None = None
    expected_accuracy: float | None = None
    #: held-out accuracy; measured only for classifiers (``accuracy_measured``)
    accuracy: float | None = None
    accuracy_measured: bool = False
    confusion: list[list[int]] | None = None  #: true x predicted counts, 2-30 classes
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """``{"probe": header, "tables": tables}``: the ``extra`` object of the JSON output."""
        probe: dict[str, Any] = {
            "data": self.data,
            "source": self.source,
            "task": self.task,
            "num_classes": self.num_classes,
            "class_names": list(self.class_names),
            "train_samples": self.train_samples,
            "test_samples": self.test_samples,
            "notes": list(self.notes),
            "training": dict(self.training),
            "history": dict(self.history),
            "seconds": self.seconds,
            "thresholds": dict(self.thresholds),
            "chance": self.chance,
            "expected_accuracy": self.expected_accuracy,
        }
        if self.accuracy_measured:
            probe["accuracy"] = self.accuracy
        if self.confusion is not None:
            probe["confusion"] = self.confusion
        return {"probe": probe, "tables": self.tables}


@dataclass(slots=True)
class Report:
    """Findings for one run over one or more models (lint) or one probed model."""

    tool: str
    findings: list[Finding] = field(default_factory=list)
    failures: list[LoadFailure] = field(default_factory=list)
    models: list[ModelSummary] = field(default_factory=list)
    #: what the run did besides its findings: a :class:`LintRun` or a :class:`ProbeRun`
    run: LintRun | ProbeRun | None = None

    @property
    def extra(self) -> dict[str, Any]:
        """The run information as plain data (what JSON and SARIF write), ``{}`` without."""
        return self.run.as_dict() if self.run is not None else {}

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=Finding.sort_key)

    def counts(self) -> dict[Severity, int]:
        out = {s: 0 for s in Severity}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def max_severity(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)
