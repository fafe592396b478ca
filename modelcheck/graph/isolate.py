"""Reading HDF5 in a child process, so a crash or an endless loop of the HDF5 library costs one
file instead of the whole run.

libhdf5 trusts the bytes of an HDF5 file. A damaged one (a legacy ``.h5``, or the
``model.weights.h5`` of an unzipped ``.keras`` directory, neither of which has a checksum) can
make it read through a bad pointer and kill the process with SIGSEGV, or loop forever (a global
heap object whose size field is off). Without isolation, ``modelcheck lint`` then dies or hangs:
no report, no error line, the other files not linted. :func:`call_in_child` runs the reading
in a forked child with a time limit; a crash or a timeout becomes a one-line
:class:`~modelcheck.errors.ModelLoadError` for that file.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from modelcheck.errors import ModelLoadError

T = TypeVar("T")

#: Seconds allowed for reading an HDF5 file: a floor plus 10 MB/s of file size, a tenth of
#: what reading weights from a disk or the page cache takes (a 1 GB file gets 110 s).
BASE_SECONDS = 10.0
BYTES_PER_SECOND = 10e6


def time_limit(size: int) -> float:
    """The seconds allowed for reading an HDF5 file of ``size`` bytes."""
    return BASE_SECONDS + size / BYTES_PER_SECOND


def call_in_child(fn: Callable[[], T], what: str, timeout: float | None = None) -> T:
    """``fn()``, computed in a forked child process; the result comes back pickled, and so
    does an exception ``fn`` raises (re-raised here with its type and attributes).

    Runs ``fn`` in this process where ``fork`` is missing (Windows) or other Python threads
    run (a child forked from a multi-threaded process may deadlock on a lock one of them
    held).

    Raises:
        ModelLoadError: when the child dies of a signal, or runs past ``timeout`` seconds (it
            is killed), reading ``what``.
    """
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return fn()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; coverage does not follow it
        _child(fn, read_fd, write_fd)
    os.close(write_fd)
    data = bytearray()
    timed_out = False
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([read_fd], [], [], wait)
            if not ready:
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                break
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                break
            data += chunk
    except BaseException:  # Ctrl-C: do not wait for the child to finish its work
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.close(read_fd)
        _, status = os.waitpid(pid, 0)
    if timed_out:
        raise ModelLoadError(
            f"Expected {what} that the HDF5 library can read.",
            f"the HDF5 library did not finish within {timeout:.0f} s: a damaged file",
        )
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        raise ModelLoadError(
            f"Expected {what} that the HDF5 library can read.",
            f"the HDF5 library crashed ({name}): a damaged file",
        )
    if not data:
        raise RuntimeError(f"reading {what} failed in a child process (exit status {status})")
    kind, value = pickle.loads(data)
    if kind == "ok":
        return value
    if kind == "raise":
        cls, args, attrs = value
        exc = cls.__new__(cls)  # as raised: type, args and attributes, without __init__
        exc.args = args
        exc.__dict__.update(attrs)
        raise exc
    raise RuntimeError(f"reading {what} failed in a child process:\n{value}")


def _child(fn: Callable[[], Any], read_fd: int, write_fd: int) -> None:  # pragma: no cover
    status = 0
    try:
        os.close(read_fd)
        try:
            payload = pickle.dumps(("ok", fn()), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - re-raised in the parent
            try:
                state = (type(exc), exc.args, dict(vars(exc)))
                payload = pickle.dumps(("raise", state), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 - an exception that does not pickle
                payload = pickle.dumps(("bug", traceback.format_exc()))
        with os.fdopen(write_fd, "wb") as out:
            out.write(payload)
    except BaseException:  # noqa: BLE001 - KeyboardInterrupt, a broken pipe: nothing to send
        status = 70
    finally:
        os._exit(status)  # no atexit handlers, no flushing of the parent's buffers


def size_of(path: str) -> int:
    """Bytes of a file, or of the files directly in a directory (an unzipped ``.keras``)."""
    try:
        if os.path.isdir(path):
            return sum(e.stat().st_size for e in os.scandir(path) if e.is_file())
        return os.path.getsize(path)
    except OSError:
        return 0
