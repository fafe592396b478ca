"""Errors a user can cause. Each renders as one line: what was expected, then ``Received: ...``."""

from __future__ import annotations


class ModelcheckError(Exception):
    """Base class for every error modelcheck reports to a user (exit code 2, no traceback)."""

    def __init__(self, expected: str, received: str) -> None:
        self.expected = expected
        self.received = received
        super().__init__(f"{expected} Received: {received}")


class ModelLoadError(ModelcheckError):
    """A model file or spec could not be read as a Keras model."""


class ConfigError(ModelcheckError):
    """A modelcheck option or configuration value is invalid."""


class DatasetError(ModelcheckError):
    """Probe data could not be found, read, or fitted to the model."""


class ProbeError(ModelcheckError):
    """A model cannot be probed (refused for safety, not trainable, ...)."""
