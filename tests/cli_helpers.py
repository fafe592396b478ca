"""Running the real ``modelcheck`` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    # A wide, colourless console: rows are not folded and no ANSI codes hide the text.
    env["COLUMNS"] = "200"
    env["NO_COLOR"] = "1"
    env.pop("FORCE_COLOR", None)
    return env


def run_cli(*args: Any, cwd: Path | str = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelcheck", *map(str, args)],
        cwd=cwd,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def stderr_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.strip()]


def assert_one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    """Exit 2, no traceback, and exactly one stderr line: ``modelcheck: error: Expected
    ... Received: ...``. Returns that line."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    lines = stderr_lines(proc)
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("modelcheck: error:"), line
    assert "Expected" in line and "Received:" in line, line
    assert line.index("Expected") < line.index("Received:"), line
    return line
