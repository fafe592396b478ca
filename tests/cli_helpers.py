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


def run_cli(*args: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelcheck", *map(str, args)],
        cwd=REPO,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
