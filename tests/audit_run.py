"""Run ``modelcheck`` on untrusted files under a Python audit hook (used by test_security).

    python tests/audit_run.py REPORT.json WARMUP_MODEL -- modelcheck-args...

The process first lints ``WARMUP_MODEL`` (a benign file) in every output format, with and
without weights, so every module modelcheck imports lazily is loaded. Then it installs an
audit hook (PEP 578) that records each attempt to run code, spawn a process, open a network
connection, unmarshal or unpickle data, or open a file outside the allowed places (the Python
installation, the modelcheck package, the files named on the command line, the temporary
folder; the CLI's own annotation strings, which typer evaluates), caps the address space at 512 MiB above what is mapped now, runs the real CLI with
the given arguments, and writes what happened to ``REPORT.json``.

HDF5 opens files in C, below the audit hook: the tests point every outside reference at a
FIFO instead, so an attempt to follow it would block and the test's timeout would catch it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import sys
import sysconfig
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import modelcheck  # noqa: E402
import modelcheck.graph.readers.weights  # noqa: E402,F401 - numpy + h5py, imported lazily by lint
from modelcheck.cli import main  # noqa: E402

#: Events that mean code from the file would run, or the process reaches outside.
FORBIDDEN_PREFIXES = (
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "os.startfile",
    "subprocess.Popen",
    "pty.spawn",
    "marshal.load",
    "pickle.find_class",
    "socket.",
    "urllib.Request",
    "ctypes.",
    "webbrowser.open",
    "shutil.rmtree",
    "os.remove",
    "os.rename",
)


def _cli(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    return 0


def _warm_up(model: str) -> None:
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        for fmt in ("text", "json", "sarif", "github"):
            _cli(["lint", model, "--format", fmt, "--weights", "--isolated"])
            _cli(["lint", model, "--format", fmt, "--isolated", "--layers", "all"])
        _cli(["lint", "/nonexistent/model.keras", "--isolated"])


def _vm_hwm_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return -1.0


def main_() -> None:
    report_path, warmup = sys.argv[1], sys.argv[2]
    args = sys.argv[sys.argv.index("--") + 1 :]
    _warm_up(warmup)

    allowed = [
        os.path.realpath(p)
        for p in {
            sys.prefix,
            sys.base_prefix,
            sysconfig.get_paths()["stdlib"],
            sysconfig.get_paths()["purelib"],
            sysconfig.get_paths()["platlib"],
            os.path.dirname(modelcheck.__file__),
            tempfile.gettempdir(),
            "/dev/null",
            "/proc/self",
        }
    ]
    allowed += [os.path.realpath(a) for a in args if os.path.exists(a)]
    events: list[str] = []
    # typer evaluates the CLI's own string annotations (``from __future__ import
    # annotations``) with eval() on every run: those sources are known in advance.
    import modelcheck.cli as cli_module

    own_sources = {
        value
        for fn in vars(cli_module).values()
        if callable(fn)
        for value in getattr(fn, "__annotations__", {}).values()
        if isinstance(value, str)
    }
    pending = [0]  # compiles of own annotation sources whose exec is expected next

    def inside(path: object) -> bool:
        if isinstance(path, int):
            return True  # an already open descriptor
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str):
            return True
        real = os.path.realpath(path)
        return any(real == a or real.startswith(a.rstrip("/") + "/") for a in allowed)

    main_pid = os.getpid()
    # A forked child (modelcheck reads HDF5 in one, to survive libhdf5 crashes) inherits the
    # hook but not this list: it reports through a descriptor opened before the hook.
    child_events = report_path + ".child"
    child_fd = os.open(child_events, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def record(line: str) -> None:
        if os.getpid() == main_pid:
            events.append(line)
        else:
            os.write(child_fd, (line.replace("\n", " ") + "\n").encode("utf-8", "replace"))

    def from_isolation() -> bool:
        """Called (through any depth) by modelcheck's own fork-and-pickle helper: the child
        is modelcheck's code, and what it pickles back are modelcheck's objects."""
        frame = sys._getframe(2)
        while frame is not None:
            if frame.f_code.co_filename.endswith(os.path.join("graph", "isolate.py")):
                return True
            frame = frame.f_back
        return False

    done = [False]  # the run is over: the harness's own file reads are not recorded

    def hook(event: str, hook_args: tuple) -> None:
        if done[0]:
            return
        if event == "marshal.loads" and "importlib" in sys._getframe(1).f_code.co_filename:
            return  # a module imported from its .pyc (the "open" check vets where from)
        if event in ("os.fork", "pickle.find_class") and from_isolation():
            return
        if event.startswith(FORBIDDEN_PREFIXES):
            record(f"{event} {hook_args!r:.200}")
        elif event == "open" and not inside(hook_args[0]):
            record(f"open {hook_args[0]!r:.200}")
        elif event == "compile":
            source, name = hook_args[0], hook_args[1] if len(hook_args) > 1 else None
            if isinstance(source, bytes):
                source = source.decode("utf-8", "replace")
            if isinstance(source, str) and source in own_sources:
                pending[0] += 1
            elif not (isinstance(name, str) and inside(name)):
                record(f"compile {name!r:.200} {source!r:.200}")
        elif event == "exec":
            name = getattr(hook_args[0], "co_filename", None)
            if name == "<string>" and pending[0]:
                pending[0] -= 1
            elif not (isinstance(name, str) and inside(name)):
                record(f"exec {name!r:.200}")

    pages = os.sysconf("SC_PAGE_SIZE")
    with open("/proc/self/statm") as fh:
        mapped = int(fh.read().split()[0]) * pages
    budget = mapped + (512 << 20)
    sys.addaudithook(hook)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (budget, hard))
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = _cli(args)
    except BaseException as exc:  # noqa: BLE001 - recorded: the test fails on it
        code = -1
        err.write(f"CRASH {type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - start
    if os.environ.get("AUDIT_SELFTEST"):  # proves the hook records what the tests forbid
        import marshal

        marshal.loads(marshal.dumps(compile("1", "<selftest>", "eval")))
        with open(os.environ["AUDIT_SELFTEST"]) as fh:
            fh.read()
        pid = os.fork()  # and what a forked child does
        if pid == 0:
            try:
                with open(os.environ["AUDIT_SELFTEST"]) as fh:
                    fh.read()
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    done[0] = True
    os.close(child_fd)
    with open(child_events, encoding="utf-8") as fh:
        events.extend(f"[child] {line.rstrip()}" for line in fh if line.strip())
    result = {
        "exit": code,
        "stdout": out.getvalue(),
        "stderr": err.getvalue(),
        "events": list(events),  # copied before the report file itself is opened
        "seconds": seconds,
        "peak_rss_mb": _vm_hwm_mb(),  # not ru_maxrss: Linux carries the parent's over exec
        "budget_mb": budget >> 20,
        # what lint left imported: a source file's ``import tensorflow`` must not load it
        "heavy_modules": sorted(m for m in ("tensorflow", "keras", "tf_keras") if m in sys.modules),
    }
    with open(report_path, "w") as fh:
        json.dump(result, fh)


if __name__ == "__main__":
    main_()
