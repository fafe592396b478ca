"""Writing files so that an interrupted run leaves nothing half-written behind.

Every file modelcheck writes (a ``--plot`` figure, a ``--write-baseline`` file, the MNIST
caches) goes through :func:`atomic_write`: the bytes go to a temporary file in the target's
folder, which replaces the target in one ``os.replace`` once complete. An exception of any
kind on the way, ``KeyboardInterrupt`` (Ctrl-C) included, removes the temporary file and
leaves the target as it was.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from typing import IO, Any


@contextlib.contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) for a few bookkeeping statements.

    A ``KeyboardInterrupt`` between creating a temporary file and remembering its name would
    leave the file behind. Inside the block a SIGINT is only recorded; on leaving it, the
    previous handler gets it (``KeyboardInterrupt`` by default, raised after the block). Only
    the main thread receives Python signal handlers, so elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    try:
        if signal.getsignal(signal.SIGINT) is None:  # a handler installed outside Python
            raise ValueError
        previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    except (ValueError, OSError):  # no Python-level handling to defer
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received and callable(previous):
            previous(signal.SIGINT, None)
        elif received:  # SIG_DFL or SIG_IGN: deliver it as it would have been
            signal.raise_signal(signal.SIGINT)


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str], *, text: bool = False, encoding: str = "utf-8"
) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; on success it becomes ``path`` in one step.

    The file gets the permissions a plain ``open(path, "w")`` would give it (the existing
    file's mode, else ``0o666`` less the umask), not ``mkstemp``'s ``0o600``.

    Raises:
        OSError: the folder is missing or not writable, or writing fails. ``path`` is then
            unchanged and no temporary file is left.
    """
    target = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(target))
    tmp: str | None = None
    try:
        with sigint_deferred():
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(fd, "w" if text else "wb", **({"encoding": encoding} if text else {})) as fh:
            os.chmod(tmp, _new_file_mode(target))
            yield fh
        with sigint_deferred():
            os.replace(tmp, target)
            tmp = None
    finally:
        if tmp is not None:
            with sigint_deferred(), contextlib.suppress(OSError):
                os.unlink(tmp)


def _new_file_mode(target: str) -> int:
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it where Linux allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
