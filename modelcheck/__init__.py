"""modelcheck: find the bugs that make a Keras model train but not learn.

``modelcheck.lint(path_or_model)`` reads a model graph without TensorFlow and reports
architecture bugs; each finding names the layer and a fix.
"""

from __future__ import annotations

from modelcheck.api import lint
from modelcheck.errors import ConfigError, ModelcheckError, ModelLoadError
from modelcheck.findings import Finding, LoadFailure, Location, Report, Severity

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Finding",
    "LoadFailure",
    "Location",
    "ModelLoadError",
    "ModelcheckError",
    "Report",
    "Severity",
    "__version__",
    "lint",
]
