"""Import keras lazily and quietly. Only code that must touch keras calls this."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any


def import_keras() -> Any:
    """``import keras`` with TensorFlow's C++ start-up logging kept off the user's terminal.

    ``TF_CPP_MIN_LOG_LEVEL=3`` silences most of it; absl still prints a line or two straight
    to file descriptor 2 during the import, so that descriptor is pointed at /dev/null for
    the duration of the import only.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "keras" in sys.modules:
        return sys.modules["keras"]
    with _quiet_fd2():
        import keras
    return keras


@contextlib.contextmanager
def _quiet_fd2():
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        from modelcheck._files import sigint_deferred

        with sigint_deferred():  # a Ctrl-C here must not leave stderr on /dev/null
            os.dup2(saved, 2)
            os.close(saved)
            os.close(devnull)
