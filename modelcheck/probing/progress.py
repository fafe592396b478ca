"""The progress bar shown while the probe trains its copy of the model (rich, on stderr)."""

from __future__ import annotations

import sys
from typing import Any


class _ProgressBar:
    """A transient rich progress bar on stderr; a no-op unless stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _ProgressBar | None:
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("probe: training a copy"),
            BarColumn(),
            TextColumn("epoch {task.fields[epoch]}  step {task.completed}/{task.total}"),
            TextColumn("loss {task.fields[loss]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.__enter__()
        return self

    def start_task(self, total: int) -> None:
        self._task = self._progress.add_task("train", total=total, epoch="-", loss="-")

    def advance(self, epoch: int, epochs: int, steps: int, loss: float) -> None:
        if self._task is None:
            return
        self._progress.update(
            self._task, completed=steps, epoch=f"{epoch}/{epochs}", loss=f"{loss:.4g}"
        )

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
