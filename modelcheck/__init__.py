"""modelcheck: find the bugs that make a Keras model train but not learn.

``modelcheck.lint(path_or_model)`` reads a model graph without TensorFlow and reports
architecture bugs; each finding names the layer and a fix. ``modelcheck.probe(model)`` trains
a copy briefly and reports dead units, collapsed predictions, where information is lost and
training health (it imports keras when called).
"""

from __future__ import annotations

from modelcheck.errors import (
    ConfigError,
    DatasetError,
    ModelcheckError,
    ModelLoadError,
    ProbeError,
)
from modelcheck.findings import Finding, LoadFailure, Location, Report, Severity
from modelcheck.linting.api import lint
from modelcheck.probing.api import probe

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DatasetError",
    "Finding",
    "LoadFailure",
    "Location",
    "ModelLoadError",
    "ModelcheckError",
    "ProbeError",
    "Report",
    "Severity",
    "__version__",
    "lint",
    "probe",
]
