"""Speed and memory of ``modelcheck lint`` against the Keras route, with recorded results.

Measures, on this machine:

1. Cold processes on story 1's model (``examples/models/story1_buggy.keras``): ``modelcheck lint``
   (text and ``--format json``) from a lint-only virtualenv, the ``python -c pass`` floor of
   that virtualenv, and ``python -c "import keras; keras.saving.load_model(p).summary()"`` from
   the project's ``.venv``. Wall time (median, min, max) and peak RSS per process.
2. An import profile of the lint command (``python -X importtime``) and the heavyweight modules
   it leaves in ``sys.modules``; a check that every imported module has valid bytecode.
3. All 40 cached ``keras.applications`` configs linted in one process: a cold
   ``modelcheck lint <40 files>`` process, and ``modelcheck.linting.api.lint(paths)`` in-process.

The lint side runs the way a pre-commit hook runs it: a separate virtualenv holding a
non-editable ``pip install`` of this repository (base dependencies, no ``probe`` extra, so no
TensorFlow or Keras), kept in ``benchmarks/.cache/lint-venv`` and rebuilt when the sources change.

Only the stable interface is used: the ``modelcheck lint PATH`` command and
``modelcheck.linting.api.lint(list_of_paths)``. Standard library only.

Usage (from the repository root)::

    .venv/bin/python benchmarks/lint_speed.py                 # measure, print, write results JSON
    .venv/bin/python benchmarks/lint_speed.py --write-readme  # ... and the block in README.md
    .venv/bin/python benchmarks/lint_speed.py --runs 15 --keras-runs 5 --rebuild
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import marshal
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results" / "lint_speed.json"
README = BENCH / "README.md"
MODEL = ROOT / "examples" / "models" / "story1_buggy.keras"
APPS = ROOT / "tests" / "data" / "applications"
PROJECT_PY = ROOT / ".venv" / "bin" / "python"
STAMP = ".modelcheck-bench.json"
BEGIN, END = "<!-- lint-speed:begin -->", "<!-- lint-speed:end -->"

TARGET_RATIO, AIM_RATIO = 30.0, 50.0
TARGET_RSS_MB = 60.0
TARGET_APPS_S = 2.0

#: Modules that must stay off the ``.keras`` lint path (and a few that would be surprising).
HEAVY = (
    "numpy",
    "h5py",
    "keras",
    "tensorflow",
    "pydantic",
    "markdown_it",
    "pygments",
    "scipy",
    "pandas",
    "jax",
    "torch",
    "yaml",
)

KERAS_SNIPPET = "import keras; keras.saving.load_model({path!r}).summary()"

# Runs the CLI in-process in the lint venv, then reports what it left in sys.modules and
# whether each imported module had valid bytecode (so start-up did not recompile it).
PROBE_SNIPPET = r"""
import importlib.util, json, os, sys
model, out_path, heavy = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
sys.argv = ["modelcheck", "lint", model]
from modelcheck.cli import main
code = None
try:
    main()
except SystemExit as exc:
    code = exc.code
mods = dict(sys.modules)  # snapshot before this script imports anything else

def pyc_state(path):
    try:
        cached = importlib.util.cache_from_source(path)
        with open(cached, "rb") as fh:
            head = fh.read(16)
    except (OSError, NotImplementedError, ValueError):
        return "missing"
    if len(head) < 16 or head[:4] != importlib.util.MAGIC_NUMBER:
        return "stale"
    if int.from_bytes(head[4:8], "little") & 1:
        return "ok"  # hash-based pyc
    st = os.stat(path)
    mtime = int.from_bytes(head[8:12], "little")
    size = int.from_bytes(head[12:16], "little")
    ok = mtime == (int(st.st_mtime) & 0xFFFFFFFF) and size == (st.st_size & 0xFFFFFFFF)
    return "ok" if ok else "stale"

states = {"ok": 0, "missing": [], "stale": []}
for name, mod in sorted(mods.items()):
    path = getattr(mod, "__file__", None)
    if not path or not path.endswith(".py"):
        continue
    state = pyc_state(path)
    if state == "ok":
        states["ok"] += 1
    else:
        states[state].append(name)

import importlib.metadata as md
dists = sorted(f"{d.metadata['Name']}=={d.version}" for d in md.distributions())
def version(name):
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return None
top = {}
for name in mods:
    top.setdefault(name.split(".")[0], 0)
    top[name.split(".")[0]] += 1
result = {
    "exit_code": code,
    "modules": len(mods),
    "top_level_packages": top,
    "heavy_imported": [h for h in heavy if h in mods],
    "pyc": states,
    "modelcheck_file": getattr(mods.get("modelcheck"), "__file__", None),
    "installed": dists,
    "versions": {n: version(n) for n in ("modelcheck", "typer", "rich", "click", "pip")},
    "keras_or_tf_installed": [
        n for n in ("keras", "tensorflow", "tf_keras") if importlib.util.find_spec(n) is not None
    ],
    "python": sys.version.split()[0],
}
with open(out_path, "w") as fh:
    json.dump(result, fh)
"""

# The 40 applications in one process through the public API.
APPS_SNIPPET = r"""
import gc, json, statistics, sys, time
t0 = time.perf_counter()
import modelcheck.linting.api
t_import = time.perf_counter() - t0
out_path, reps, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
times, report = [], None
for _ in range(reps):
    report = None  # let the previous report go: each call starts from the same heap
    gc.collect()
    t = time.perf_counter()
    report = modelcheck.linting.api.lint(paths)
    times.append(time.perf_counter() - t)
sev = {}
for f in report.findings:
    sev[f.severity.label] = sev.get(f.severity.label, 0) + 1
result = {
    "import_s": t_import,
    "lint_s": times,
    "models": len(report.models),
    "layer_calls": sum(len(m.layers) for m in report.models),
    "failures": [str(f) for f in report.failures],
    "findings_by_severity": sev,
}
with open(out_path, "w") as fh:
    json.dump(result, fh)
"""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- processes


@dataclass
class Run:
    wall_s: float
    maxrss_kb: int
    exit_code: int
    cpu_s: float
    stdout: str
    stderr: str


# Linux carries a parent's peak RSS across fork/vfork + exec into the child's ru_maxrss, so a
# child of this ~19 MB harness would never report less than ~19 MB (`python -c pass` really
# peaks near 9 MB). The measured processes are therefore started by this small spawner
# (`python -I -S`, builtin modules only, ~8 MB): os.posix_spawnp, then os.wait4 for the
# wall time (perf_counter around spawn..wait4) and the rusage (peak RSS, CPU time).
SPAWNER = r"""
import marshal, os, sys, time
inp, out = sys.stdin.buffer, sys.stdout.buffer
while True:
    head = inp.read(4)
    if len(head) < 4:
        break
    argv, env, cwd, out_path, err_path = marshal.loads(inp.read(int.from_bytes(head, "little")))
    os.chdir(cwd)
    fds = [os.open(os.devnull, os.O_RDONLY)]
    for path in (out_path, err_path):
        fds.append(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    actions = [(os.POSIX_SPAWN_DUP2, fd, i) for i, fd in enumerate(fds)]
    t0 = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, env, file_actions=actions)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    for fd in fds:
        os.close(fd)
    reply = marshal.dumps(
        (wall, ru.ru_maxrss, os.waitstatus_to_exitcode(status), ru.ru_utime + ru.ru_stime)
    )
    out.write(len(reply).to_bytes(4, "little") + reply)
    out.flush()
"""


class Spawner:
    """A long-lived small process that starts each measured command (see SPAWNER)."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", SPAWNER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()

    def run(self, cmd: list[str], env: dict[str, str] | None, cwd: Path) -> Run:
        out_path, err_path = self.scratch / "stdout", self.scratch / "stderr"
        request = marshal.dumps(
            (cmd, dict(os.environ if env is None else env), str(cwd), str(out_path), str(err_path))
        )
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(len(request).to_bytes(4, "little") + request)
        self.proc.stdin.flush()
        head = self.proc.stdout.read(4)
        if len(head) < 4:
            raise SystemExit(f"the spawner died running {shlex.join(cmd)}")
        wall, maxrss, code, cpu = marshal.loads(
            self.proc.stdout.read(int.from_bytes(head, "little"))
        )
        return Run(
            wall,
            maxrss,  # kilobytes on Linux
            code,
            cpu,
            out_path.read_text("utf-8", "replace"),
            err_path.read_text("utf-8", "replace"),
        )


_spawner: Spawner | None = None


def run_once(cmd: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> Run:
    """One process, started by the spawner: wall time, peak RSS, CPU time, output.

    ``python -c``/``-m`` put the working directory first on ``sys.path``: run those from a
    directory without a ``modelcheck/`` folder, or the repo's sources shadow the installed copy.
    """
    assert _spawner is not None, "start the spawner first"
    return _spawner.run(cmd, env, cwd)


@dataclass
class Timing:
    label: str
    command: list[str]
    runs: list[Run] = field(default_factory=list)

    @property
    def walls(self) -> list[float]:
        return [r.wall_s for r in self.runs]

    @property
    def rss_mb(self) -> list[float]:
        return [r.maxrss_kb / 1024 for r in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> list[float]:
        return [r.cpu_s for r in self.runs]

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "command": shlex.join(self.command),
            "runs": len(self.runs),
            "wall_s": {
                "median": self.median,
                "min": min(self.walls),
                "max": max(self.walls),
                "all": [round(w, 4) for w in self.walls],
            },
            "cpu_s": {"median": statistics.median(self.cpu), "min": min(self.cpu)},
            "peak_rss_mb": {"median": statistics.median(self.rss_mb), "max": max(self.rss_mb)},
            "exit_codes": sorted({r.exit_code for r in self.runs}),
        }


def bench(
    label: str,
    cmd: list[str],
    runs: int,
    env: dict[str, str] | None = None,
    ok_codes: tuple[int, ...] = (0,),
    expect: str | None = None,
) -> Timing:
    """``runs`` cold processes after one warm-up run (which fills the OS file cache)."""
    log(f"  {label}: warm-up + {runs} runs")
    warm = run_once(cmd, env)
    if warm.exit_code not in ok_codes or (expect is not None and expect not in warm.stdout):
        raise SystemExit(
            f"benchmark command failed ({label}): exit {warm.exit_code}\n"
            f"$ {shlex.join(cmd)}\n{warm.stdout[-2000:]}\n{warm.stderr[-2000:]}"
        )
    timing = Timing(label, cmd)
    for _ in range(runs):
        timing.runs.append(run_once(cmd, env))
    bad = [r.exit_code for r in timing.runs if r.exit_code not in ok_codes]
    if bad:
        raise SystemExit(f"benchmark command failed ({label}): exit codes {bad}")
    return timing


# --------------------------------------------------------------------------- lint venv


def source_hash() -> str:
    """pyproject.toml + every file of the package + the base interpreter's version."""
    h = hashlib.sha256()
    files = [ROOT / "pyproject.toml"] + sorted(
        p
        for p in (ROOT / "modelcheck").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )
    for p in files:
        h.update(str(p.relative_to(ROOT)).encode() + b"\0" + p.read_bytes() + b"\0")
    h.update(sys.version.encode())
    return h.hexdigest()


def _copy_sources(dst: Path) -> None:
    """What ``pip install .`` needs, copied so that building leaves no build/ in the repo."""
    for name in ("pyproject.toml", "README.md", "LICENSE", "setup.py", "setup.cfg"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, dst / name)
    shutil.copytree(
        ROOT / "modelcheck",
        dst / "modelcheck",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"),
    )


def ensure_lint_venv(venv: Path, rebuild: bool, keep: bool) -> dict[str, Any]:
    """The lint-only virtualenv, as pre-commit builds it: venv + non-editable ``pip install``."""
    py = venv / "bin" / "python"
    digest = source_hash()
    stamp_path = venv / STAMP
    stamp = json.loads(stamp_path.read_text()) if stamp_path.is_file() else {}
    if py.exists() and stamp and not rebuild:
        if stamp.get("hash") == digest:
            log(f"lint venv: reusing {venv} (sources unchanged)")
            return {**stamp, "reused": True, "stale": False}
        if keep:
            log(f"lint venv: --keep-venv: reusing {venv} although the sources changed")
            return {**stamp, "reused": True, "stale": True}
    log(f"lint venv: building {venv} (python -m venv + pip install <repo copy>, non-editable)")
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    base = getattr(sys, "_base_executable", sys.executable)
    t0 = time.perf_counter()
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    with tempfile.TemporaryDirectory(prefix="modelcheck-src-") as tmp:
        _copy_sources(Path(tmp))
        subprocess.run(
            [str(py), "-m", "pip", "install", "--quiet", "--no-input", tmp],
            check=True,
            cwd=tmp,
        )
    stamp = {
        "hash": digest,
        "built": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "build_s": round(time.perf_counter() - t0, 1),
        "base_python": base,
    }
    stamp_path.write_text(json.dumps(stamp, indent=2) + "\n")
    return {**stamp, "reused": False, "stale": False}


# --------------------------------------------------------------------------- import profile

_IMPORTTIME = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S.*)$")


def import_profile(py: Path, model: Path, runs: int, cwd: Path) -> dict[str, Any]:
    """Median self/cumulative import time per module over ``runs`` ``-X importtime`` runs.

    The top 15 by cumulative time are listed in import-tree order (a module before what it
    imports), indented under the listed module that imported them.
    """
    self_us: dict[str, list[int]] = {}
    cum_us: dict[str, list[int]] = {}
    # The first run's import tree, by line number: a name can appear on more than one line.
    names: list[str] = []
    children: dict[int, list[int]] = {}
    parent: dict[str, str] = {}
    roots: list[int] = []
    for i in range(runs):
        cmd = [str(py), "-X", "importtime", "-m", "modelcheck", "lint", str(model.resolve())]
        r = run_once(cmd, cwd=cwd)
        pending: dict[int, list[int]] = {}  # importtime prints a module after its imports
        for line in r.stderr.splitlines():
            m = _IMPORTTIME.match(line)
            if not m:
                continue
            name, depth = m.group(4).strip(), (len(m.group(3)) - 1) // 2
            self_us.setdefault(name, []).append(int(m.group(1)))
            cum_us.setdefault(name, []).append(int(m.group(2)))
            if i == 0:
                node = len(names)
                names.append(name)
                children[node] = pending.pop(depth + 1, [])
                for child in children[node]:
                    parent.setdefault(names[child], name)
                pending.setdefault(depth, []).append(node)
        if i == 0:
            roots = pending.get(0, [])
    med_self = {n: statistics.median(v) / 1000 for n, v in self_us.items()}
    med_cum = {n: statistics.median(v) / 1000 for n, v in cum_us.items()}
    by_package: dict[str, float] = {}
    for n, ms in med_self.items():
        by_package[n.split(".")[0]] = by_package.get(n.split(".")[0], 0) + ms
    top = set(sorted(med_cum, key=lambda n: -med_cum[n])[:15])
    tree: list[dict[str, Any]] = []

    def walk(node: int, level: int) -> None:
        name = names[node]
        if name in top:
            top.discard(name)  # list each module once
            tree.append(
                {
                    "module": name,
                    "depth": level,
                    "cumulative_ms": round(med_cum[name], 2),
                    "self_ms": round(med_self[name], 2),
                }
            )
            level += 1
        for child in children[node]:
            walk(child, level)

    for root in roots:
        walk(root, 0)
    top_self = sorted(med_self, key=lambda n: -med_self[n])[:12]
    return {
        "runs": runs,
        "modules": len(med_self),
        "total_ms": round(sum(med_self.values()), 1),
        "top_cumulative": tree,
        "top_self": [
            {"module": n, "self_ms": round(med_self[n], 2), "imported_by": parent.get(n)}
            for n in top_self
        ],
        "by_top_level_package_ms": {
            k: round(v, 2) for k, v in sorted(by_package.items(), key=lambda kv: -kv[1])
        },
    }


# --------------------------------------------------------------------------- environment


def machine_info(loadavg_start: tuple[float, ...], end: bool = False) -> dict[str, Any]:
    """The ``machine`` entry of every benchmark's results: CPUs, model, platform, load."""
    info: dict[str, Any] = {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu_model(),
        "platform": platform.platform(),
        "loadavg_start": loadavg_start,
    }
    if end:
        info["loadavg_end"] = tuple(round(x, 2) for x in os.getloadavg())
    return info


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        r = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else ""

    dirty = git("status", "--porcelain", "--", "modelcheck", "pyproject.toml")
    return {"commit": git("rev-parse", "--short", "HEAD"), "package_sources_dirty": bool(dirty)}


def project_versions(py: Path) -> dict[str, str | None]:
    code = (
        "import importlib.metadata as m, json\n"
        "def v(n):\n"
        "    try: return m.version(n)\n"
        "    except m.PackageNotFoundError: return None\n"
        "print(json.dumps({n: v(n) for n in ('keras', 'tensorflow-cpu', 'tensorflow', "
        "'numpy', 'h5py')}))"
    )
    r = subprocess.run([str(py), "-c", code], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def ensure_model(project_py: Path) -> None:
    if MODEL.is_file():
        return
    log(f"{MODEL.relative_to(ROOT)} is missing: building the example models with Keras")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run(
        [str(project_py), "examples/build.py", "--out", "examples/models"],
        cwd=ROOT,
        env=env,
        check=True,
    )


# --------------------------------------------------------------------------- reporting


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    rows = res["cold"]
    lint = rows["lint"]
    out = [
        {
            "target": f"peak RSS of `modelcheck lint` < {TARGET_RSS_MB:.0f} MB",
            "measured": f"{lint['peak_rss_mb']['max']:.1f} MB (max of runs)",
            "ok": lint["peak_rss_mb"]["max"] < TARGET_RSS_MB,
        },
        {
            "target": f"40 applications configs in one process < {TARGET_APPS_S:.0f} s",
            "measured": f"{rows['apps_cli']['wall_s']['median']:.2f} s (cold `modelcheck lint` "
            f"process, median; in-process `api.lint` "
            f"{statistics.median(res['apps_in_process']['lint_s']):.2f} s)",
            "ok": rows["apps_cli"]["wall_s"]["median"] < TARGET_APPS_S,
        },
    ]
    if res.get("ratio") is not None:
        out.insert(
            0,
            {
                "target": f"lint >= {TARGET_RATIO:.0f}x faster than the Keras route "
                f"(aim {AIM_RATIO:.0f}x)",
                "measured": f"{res['ratio']:.1f}x ({rows['keras']['wall_s']['median']:.2f} s / "
                f"{lint['wall_s']['median'] * 1000:.0f} ms; aim {AIM_RATIO:.0f}x: "
                f"{verdict(res['ratio'] >= AIM_RATIO)})",
                "ok": res["ratio"] >= TARGET_RATIO,
            },
        )
    return out


def _row_label(key: str) -> str:
    return {
        "floor": "`python -c pass` (lint venv, the floor)",
        "lint": "`modelcheck lint story1_buggy.keras`",
        "lint_json": "`modelcheck lint --format json story1_buggy.keras`",
        "lint_weights": "`modelcheck lint --weights story1_buggy.keras` (numpy + h5py)",
        "keras": "`keras.saving.load_model(p).summary()` (project .venv)",
        "apps_cli": "`modelcheck lint` on the 40 applications configs",
    }[key]


def _load(machine: dict[str, Any]) -> str:
    return " / ".join(f"{x:.2f}" for x in machine["loadavg_start"]) + " (1/5/15 min)"


def print_results(res: dict[str, Any]) -> None:
    m = res["machine"]
    print(
        f"\nmodelcheck lint speed  {res['date']}  ({m['cpu']}, {m['nproc']} CPUs, "
        f"load average {_load(m)})\n"
    )
    print(
        f"{'command (cold process)':56} {'runs':>4} {'median':>8} {'min':>8} {'max':>8} "
        f"{'CPU':>8} {'peak RSS med/max':>17}"
    )
    for key, row in res["cold"].items():
        w, r, c = row["wall_s"], row["peak_rss_mb"], row["cpu_s"]
        label = _row_label(key).replace("`", "")
        print(
            f"{label[:56]:56} {row['runs']:>4} {w['median']:>7.3f}s {w['min']:>7.3f}s "
            f"{w['max']:>7.3f}s {c['median']:>7.3f}s {r['median']:>8.1f}/{r['max']:.1f} MB"
        )
    print(f"\nlint minus the python floor (medians): {res['lint_over_floor_s'] * 1000:.0f} ms")
    if res.get("ratio") is not None:
        print(
            f"ratio keras/lint (medians): {res['ratio']:.1f}x "
            f"(--format json: {res['ratio_json']:.1f}x)"
        )
    a = res["apps_in_process"]
    print(
        f"40 applications in-process (lint venv): modelcheck.linting.api.lint median "
        f"{statistics.median(a['lint_s']):.3f}s of {[round(t, 3) for t in a['lint_s']]}, "
        f"import {a['import_s'] * 1000:.0f} ms, process wall {a['process_wall_s']:.2f}s, "
        f"{a['models']} models, {a['layer_calls']} layer calls, "
        f"findings {a['findings_by_severity']}"
    )
    p = res["probe"]
    print(
        f"\nlint process (CLI run in-process): {p['modules']} modules in sys.modules; "
        f"heavyweight imported: {', '.join(p['heavy_imported']) or 'none'}; "
        f"bytecode ok {p['pyc']['ok']}, missing {len(p['pyc']['missing'])}, "
        f"stale {len(p['pyc']['stale'])}; keras/tensorflow installed in the lint venv: "
        f"{', '.join(p['keras_or_tf_installed']) or 'no'}"
    )
    prof = res["import_profile"]
    print(
        f"\nimport profile (-X importtime -m modelcheck lint, median of {prof['runs']}): "
        f"{prof['modules']} modules, {prof['total_ms']:.1f} ms of imports"
    )
    print(f"  {'top 15 by cumulative time':50} {'cumulative':>11} {'self':>8}")
    for t in prof["top_cumulative"]:
        name = "  " * t["depth"] + t["module"]
        print(f"  {name[:50]:50} {t['cumulative_ms']:>9.1f}ms {t['self_ms']:>6.1f}ms")
    print(
        "  top self time: "
        + ", ".join(f"{t['module']} {t['self_ms']:.1f}" for t in prof["top_self"])
        + " (ms)"
    )
    print(
        "  self time by top-level package: "
        + ", ".join(f"{k} {v:.1f}" for k, v in list(prof["by_top_level_package_ms"].items())[:10])
        + " (ms)\n"
    )
    for t in res["targets"]:
        print(f"{verdict(t['ok'])}  {t['target']}: {t['measured']}")


def markdown_block(res: dict[str, Any]) -> str:
    m, a = res["machine"], res["apps_in_process"]
    v, k = res["versions"]["lint_venv"], res["versions"]["keras_venv"]
    p, prof = res["probe"], res["import_profile"]
    dirty = ", package sources modified" if res["git"]["package_sources_dirty"] else ""
    if res["lint_venv"].get("stale"):
        dirty += "; lint venv built from older sources (--keep-venv)"
    tf = k.get("tensorflow-cpu") or k.get("tensorflow")
    lines = [
        BEGIN,
        f"Recorded {res['date']} with `{res['command']}` (commit {res['git']['commit']}{dirty}).",
        f"Machine: {m['cpu']}, {m['nproc']} CPUs, load average {_load(m)} at start. "
        f"Python {res['python']}. Lint venv: modelcheck {v['modelcheck']}, typer {v['typer']}, "
        f"rich {v['rich']}; Keras route: keras {k['keras']}, tensorflow-cpu {tf}.",
        "",
        "| Command (cold process) | Runs | Median | Min | Max | CPU (median) "
        "| Peak RSS (median / max) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, row in res["cold"].items():
        w, r, c = row["wall_s"], row["peak_rss_mb"], row["cpu_s"]
        lines.append(
            f"| {_row_label(key)} | {row['runs']} | {w['median']:.3f} s | {w['min']:.3f} s | "
            f"{w['max']:.3f} s | {c['median']:.3f} s | {r['median']:.1f} / {r['max']:.1f} MB |"
        )
    lint_ms = res["cold"]["lint"]["wall_s"]["median"] * 1000
    lines += [
        "",
        f"`modelcheck lint` minus the `python -c pass` floor: "
        f"{res['lint_over_floor_s'] * 1000:.0f} ms of {lint_ms:.0f} ms (medians).",
        "",
        f"40 applications ({a['layer_calls']:,} layer calls) through `modelcheck.linting.api.lint(paths)` "
        f"in one process of the lint venv: median {statistics.median(a['lint_s']):.3f} s "
        f"over {len(a['lint_s'])} calls (read + parse + graph + shapes + rules + summary), "
        f"`import modelcheck.linting.api` {a['import_s'] * 1000:.0f} ms, process wall "
        f"{a['process_wall_s']:.2f} s for the import and {len(a['lint_s'])} calls.",
        "",
        "| Target | Measured | |",
        "|---|---|---|",
    ]
    for t in res["targets"]:
        lines.append(f"| {t['target']} | {t['measured']} | **{verdict(t['ok'])}** |")
    lines += [
        "",
        f"The lint process imports {p['modules']} modules; heavyweight ones: "
        f"{', '.join(p['heavy_imported']) or 'none'} (checked: {', '.join(HEAVY)}). "
        f"Bytecode is valid for all {p['pyc']['ok']} imported source modules."
        if not (p["pyc"]["missing"] or p["pyc"]["stale"])
        else f"Bytecode missing for {len(p['pyc']['missing'])} and stale for "
        f"{len(p['pyc']['stale'])} imported modules (recompiled on every start).",
        "",
        f"Import profile (`python -X importtime -m modelcheck lint`, median of {prof['runs']} "
        f"runs; {prof['total_ms']:.0f} ms of imports in total), top 15 by cumulative time in "
        "import order:",
        "",
        "| Module | Cumulative | Self |",
        "|---|---:|---:|",
    ]
    for t in prof["top_cumulative"]:
        indent = "&emsp;" * t["depth"]
        lines.append(
            f"| {indent}`{t['module']}` | {t['cumulative_ms']:.1f} ms | {t['self_ms']:.1f} ms |"
        )
    lines += [
        "",
        "Largest self times: "
        + ", ".join(
            f"`{t['module']}` {t['self_ms']:.1f} ms"
            + (f" (from `{t['imported_by']}`)" if t["imported_by"] else "")
            for t in prof["top_self"]
        )
        + ".",
        "",
        "Self import time by top-level package: "
        + ", ".join(
            f"`{k}` {val:.1f} ms" for k, val in list(prof["by_top_level_package_ms"].items())[:10]
        )
        + ".",
        END,
    ]
    return "\n".join(lines)


def write_block(begin: str, end: str, block: str, readme: Path = README) -> None:
    """Replace the text from ``begin`` to ``end`` (markers included) in ``readme``."""
    text = readme.read_text()
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise SystemExit(f"{readme}: expected the markers {begin} ... {end}")
    readme.write_text(text[:start] + block + text[stop + len(end) :])
    log(f"wrote the results block in {readme.relative_to(ROOT)}")


def write_readme(res: dict[str, Any]) -> None:
    write_block(BEGIN, END, markdown_block(res))


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=9, help="cold lint runs per command (default 9)")
    ap.add_argument(
        "--keras-runs", type=int, default=5, help="Keras route runs (default 5; 0 skips it)"
    )
    ap.add_argument("--profile-runs", type=int, default=5, help="-X importtime runs (default 5)")
    ap.add_argument(
        "--venv", type=Path, default=CACHE / "lint-venv", help="lint-only virtualenv location"
    )
    ap.add_argument("--rebuild", action="store_true", help="rebuild the lint venv")
    ap.add_argument(
        "--keep-venv",
        action="store_true",
        help="reuse the cached lint venv even if the package sources changed",
    )
    ap.add_argument(
        "--project-python", type=Path, default=PROJECT_PY, help="python with keras (Keras route)"
    )
    ap.add_argument("--write-readme", action="store_true", help="update benchmarks/README.md")
    ap.add_argument("--results", type=Path, default=RESULTS, help="results JSON path")
    args = ap.parse_args(argv)

    loadavg = tuple(round(x, 2) for x in os.getloadavg())
    ensure_model(args.project_python)
    venv_info = ensure_lint_venv(args.venv.resolve(), args.rebuild, args.keep_venv)
    py = args.venv.resolve() / "bin" / "python"
    exe = args.venv.resolve() / "bin" / "modelcheck"
    model = MODEL.relative_to(ROOT)  # the way a hook passes it: relative to the repo root

    global _spawner
    with tempfile.TemporaryDirectory(prefix="modelcheck-bench-") as tmp:
        (Path(tmp) / "spawn").mkdir()
        _spawner = Spawner(Path(tmp) / "spawn")
        try:
            return _measure(args, Path(tmp), py, exe, model, loadavg, venv_info, argv)
        finally:
            _spawner.close()
            _spawner = None


def _measure(
    args: argparse.Namespace,
    work: Path,
    py: Path,
    exe: Path,
    model: Path,
    loadavg: tuple[float, ...],
    venv_info: dict[str, Any],
    argv: list[str] | None,
) -> int:
    log("checking the lint venv (in-process CLI run, sys.modules, bytecode)")
    probe_out = work / "probe.json"
    cmd = [str(py), "-c", PROBE_SNIPPET, str(MODEL), str(probe_out), ",".join(HEAVY)]
    r = run_once(cmd, cwd=work)
    if r.exit_code != 0 or not probe_out.is_file():
        raise SystemExit(f"lint venv probe failed:\n{r.stderr[-3000:]}")
    probe = json.loads(probe_out.read_text())
    if probe["keras_or_tf_installed"]:
        raise SystemExit(
            f"the lint venv has {probe['keras_or_tf_installed']}: not a lint-only venv"
        )
    if not str(probe["modelcheck_file"]).startswith(str(args.venv.resolve())):
        raise SystemExit(f"modelcheck imported from {probe['modelcheck_file']}, not the lint venv")
    if probe["pyc"]["missing"] or probe["pyc"]["stale"]:
        log(
            "WARNING: imported modules without valid bytecode (recompiled on every start, "
            f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE')}): "
            f"missing {probe['pyc']['missing'][:20]}, stale {probe['pyc']['stale'][:20]}"
        )

    log("cold processes")
    cold: dict[str, Timing] = {}
    cold["floor"] = bench("python -c pass", [str(py), "-c", "pass"], args.runs)
    cold["lint"] = bench(
        "modelcheck lint",
        [str(exe), "lint", str(model)],
        args.runs,
        ok_codes=(0, 1),
        expect="MC203",
    )
    cold["lint_json"] = bench(
        "modelcheck lint --format json",
        [str(exe), "lint", "--format", "json", str(model)],
        args.runs,
        ok_codes=(0, 1),
        expect="MC203",
    )
    cold["lint_weights"] = bench(
        "modelcheck lint --weights",
        [str(exe), "lint", "--weights", str(model)],
        args.runs,
        ok_codes=(0, 1),
        expect="MC203",
    )
    if args.keras_runs > 0:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        cold["keras"] = bench(
            "keras load_model().summary()",
            [str(args.project_python), "-c", KERAS_SNIPPET.format(path=str(model))],
            args.keras_runs,
            env=env,
            expect="Total params",
        )

    configs = sorted(APPS.glob("*.json.gz"))
    (work / "apps").mkdir()
    paths = []
    for p in configs:  # the config.json Keras wrote, as a bare config .json file
        dst = work / "apps" / p.name.removesuffix(".gz")
        dst.write_bytes(gzip.decompress(p.read_bytes()))
        paths.append(str(dst))
    cold["apps_cli"] = bench(
        f"modelcheck lint <{len(paths)} configs>",
        [str(exe), "lint", *paths],
        max(3, args.runs // 2),
        ok_codes=(0, 1),
    )
    log("  40 applications through modelcheck.linting.api.lint in one process")
    apps_out = work / "apps.json"
    r = run_once([str(py), "-c", APPS_SNIPPET, str(apps_out), "3", *paths], cwd=work)
    if r.exit_code != 0:
        raise SystemExit(f"applications run failed:\n{r.stderr[-3000:]}")
    apps = json.loads(apps_out.read_text())
    apps.update(process_wall_s=r.wall_s, process_peak_rss_mb=r.maxrss_kb / 1024)
    if apps["models"] != len(configs) or apps["failures"]:
        raise SystemExit(f"expected {len(configs)} linted models, got {apps}")

    log("import profile")
    profile = import_profile(py, model, args.profile_runs, cwd=work)

    versions = {"lint_venv": probe["versions"], "keras_venv": project_versions(args.project_python)}
    res: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": "python benchmarks/lint_speed.py " + shlex.join(argv or sys.argv[1:]),
        "python": probe["python"],
        "machine": machine_info(loadavg),
        "git": git_state(),
        "versions": versions,
        "lint_venv": {
            "path": str(args.venv),
            **{k: venv_info.get(k) for k in ("built", "build_s", "reused", "stale")},
            "installed": probe["installed"],
        },
        "model": str(model),
        "cold": {k: t.as_json() for k, t in cold.items()},
        "probe": {
            k: probe[k]
            for k in ("exit_code", "modules", "heavy_imported", "keras_or_tf_installed", "pyc")
        },
        "apps_in_process": apps,
        "import_profile": profile,
    }
    res["command"] = res["command"].strip()
    res["lint_over_floor_s"] = cold["lint"].median - cold["floor"].median
    if "keras" in cold:
        res["ratio"] = cold["keras"].median / cold["lint"].median
        res["ratio_json"] = cold["keras"].median / cold["lint_json"].median
    res["targets"] = targets(res)

    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(res, indent=2) + "\n")
    log(f"wrote {args.results}")
    print_results(res)
    if args.write_readme:
        if "keras" not in cold:
            raise SystemExit("--write-readme needs the Keras route (--keras-runs > 0)")
        write_readme(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
