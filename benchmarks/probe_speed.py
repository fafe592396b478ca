"""Story 1's probe end to end against a bare ``model.fit`` of the same steps, with recorded results.

Measures, on this machine, cold processes from the project's ``.venv``:

1. ``modelcheck probe examples/models/story1_buggy.keras --format json`` (and the fixed model,
   and the buggy one with ``--plot``): wall time (median, min, max), CPU time and peak RSS per
   process, plus the probe's own timings read from its JSON report (``extra.probe.seconds``,
   ``extra.probe.training.seconds`` = the ``fit`` call, ``...training.total_seconds``).
2. The bare baseline, what a user would do by hand: ``import keras``, ``load_model``, the same
   colored-MNIST arrays (modelcheck's ``load_dataset``, so the data is identical and its cost
   is on both sides), ``keras.utils.set_random_seed(0)`` and ``model.fit`` for the same epochs
   (and so the same steps) as the probe ran, at batch 64. Nothing else.
3. One profiled probe run (``python -X importtime``, the CLI run in-process with timers around
   the steps of ``modelcheck.probing.api.probe`` and of the runner): where the time goes.

The runs are interleaved (probe, bare, fixed, plot; then again), so that a change in the load
of this shared machine hits every row alike. Before each run the script samples the CPU time
other processes use (``/proc/stat``) and waits, up to ``--max-wait`` seconds, while it is above
``--quiet-below`` cores; it records that sample, the load average and the other processes'
CPU during the run.

The processes are started through ``lint_speed.py``'s spawner (a small ``python -I -S``
helper: ``os.posix_spawnp`` + ``os.wait4``), so peak RSS is the measured process's own.

Usage (from the repository root)::

    .venv/bin/python benchmarks/probe_speed.py                 # measure, print, write results JSON
    .venv/bin/python benchmarks/probe_speed.py --write-readme  # ... and the block in README.md
    .venv/bin/python benchmarks/probe_speed.py --runs 5 --quiet-below 0.3 --max-wait 300
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# This script's directory is first on sys.path when it runs as `python benchmarks/...`.
import lint_speed as ls

ROOT = ls.ROOT
BENCH = ls.BENCH
README = ls.README
RESULTS = BENCH / "results" / "probe_speed.json"
MODELS = ROOT / "examples" / "models"
BUGGY = MODELS / "story1_buggy.keras"
FIXED = MODELS / "story1_fixed.keras"
PROJECT_PY = ls.PROJECT_PY
BEGIN, END = "<!-- probe-speed:begin -->", "<!-- probe-speed:end -->"

TARGET_WALL_S = 15.0
TARGET_RATIO = 1.5
BATCH = 64
SEED = 0

# The bare baseline. argv: model path, epochs, optional "--hash" (the warm-up run only: hashes
# the training arrays to check they are the probe's). Prints one JSON line.
BARE_SNIPPET = r"""
import json, sys, time
t0 = time.perf_counter()
import keras
t1 = time.perf_counter()
model = keras.saving.load_model(sys.argv[1])
t2 = time.perf_counter()
from modelcheck.probing.datasets.load import load_dataset
from modelcheck.probing.types import ModelIO
io = ModelIO(
    input_shape=tuple(model.input_shape[1:]),
    output_units=int(model.output_shape[-1]),
    head_activation="softmax",
    loss=model.loss,
)
ds = load_dataset("colored-mnist", io, seed=0)
t3 = time.perf_counter()
keras.utils.set_random_seed(0)
history = model.fit(ds.x_train, ds.y_train, batch_size=64, epochs=int(sys.argv[2]), verbose=0)
t4 = time.perf_counter()
out = {
    "import_keras_s": t1 - t0,
    "load_model_s": t2 - t1,
    "data_s": t3 - t2,
    "fit_s": t4 - t3,
    "in_process_s": t4 - t0,
    "epochs": len(history.history["loss"]),
    "steps": len(history.history["loss"]) * -(-len(ds.x_train) // 64),
    "train_samples": len(ds.x_train),
    "final_loss": history.history["loss"][-1],
}
if "--hash" in sys.argv:
    import dataclasses, hashlib
    h = hashlib.sha256()
    for a in (ds.x_train, ds.y_train):
        h.update(str((a.dtype, a.shape)).encode() + a.tobytes())
    out["data_sha256"] = h.hexdigest()
    out["io"] = {k: str(v) for k, v in dataclasses.asdict(io).items()}
print(json.dumps(out))
"""

# The profiled run: `modelcheck probe MODEL --format json --plot PNG` run in-process (under
# `python -X importtime`), with timers around the steps of modelcheck.probing.api.probe and
# of the runner. The package is not modified: module attributes are replaced by timed
# wrappers before the CLI looks them up. argv: out.json, model, png.
PROFILE_SNIPPET = r"""
import contextlib, dataclasses, hashlib, json, os, resource, sys, time

def since_start():
    # seconds since this process started: /proc/self/stat starttime (clock ticks after boot)
    with open("/proc/self/stat") as fh:
        start = int(fh.read().rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
    return time.clock_gettime(time.CLOCK_BOOTTIME) - start

marks = {"snippet_start": since_start()}
argv = list(sys.argv)
out_path, model, png = argv[1:4]
T = {}

RSS = {}  # label -> peak RSS so far (ru_maxrss, MB) after each call

def add(label, seconds):
    T.setdefault(label, []).append(seconds)
    RSS.setdefault(label, []).append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

def timed(owner, name, label, after=None):
    fn = getattr(owner, name)
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        result = fn(*args, **kwargs)
        add(label, time.perf_counter() - t)
        if after is not None:
            after(result, *args, **kwargs)
        return result
    setattr(owner, name, wrapper)

t = time.perf_counter()
from modelcheck.cli import main as cli_main
add("imports: CLI (typer, rich, modelcheck)", time.perf_counter() - t)
t = time.perf_counter()
from importlib import import_module
mk = import_module("modelcheck._keras")
target_mod = import_module("modelcheck.targets")
engine = import_module("modelcheck.linting.engine")
papi = import_module("modelcheck.probing.api")
datasets = import_module("modelcheck.probing.datasets.load")
loading = import_module("modelcheck.probing.loading")
runner = import_module("modelcheck.probing.runner")
rjson = import_module("modelcheck.render.json")
rplot = import_module("modelcheck.render.plot")
from modelcheck.probing.registry import ANALYZERS
add("imports: probe modules", time.perf_counter() - t)

# -X importtime writes to fd 2, which import_keras points at /dev/null during the import.
mk._quiet_fd2 = contextlib.nullcontext
data_info = {}

def on_data(ds, spec, io, **kwargs):
    h = hashlib.sha256()
    for a in (ds.x_train, ds.y_train):
        h.update(str((a.dtype, a.shape)).encode() + a.tobytes())
    data_info.update(
        sha256=h.hexdigest(),
        io={k: str(v) for k, v in dataclasses.asdict(io).items()},
        source=ds.source,
    )

timed(mk, "import_keras", "import keras (TensorFlow)")
timed(loading, "load_for_probe", "load the model (+ graph)")
timed(engine, "run_rules", "lint rules")
timed(loading, "effective_training", "training settings")
timed(datasets, "load_dataset", "data: colored MNIST", after=on_data)
timed(runner, "run_probe", "run_probe")
for name in ("_copy_model", "_compile", "_build_extractor", "_extract", "_grad_norms",
             "_weight_norms", "_recalibrate_batch_norm", "_predict", "input_stats"):
    timed(runner, name, "run_probe: " + name.lstrip("_"))
timed(papi, "_analyse", "analysis")
for cls in ANALYZERS:
    timed(cls, "measure", f"analysis: {cls.name} measure")
    timed(cls, "judge", f"analysis: {cls.name} judge")
timed(target_mod, "summarize", "layer summary")
timed(papi, "_summary", "report summary")
timed(rjson, "render_json", "render JSON")
timed(rplot, "write_plot", "plot (matplotlib)")

sys.argv = ["modelcheck", "probe", model, "--format", "json", "--plot", png]
# The probe command may end the process with os._exit once the report is written (skipping
# TensorFlow's teardown): turn that into an exception here, write the timings, then do the same.
real_exit = os._exit

class OsExit(BaseException):
    pass

def fake_exit(status):
    raise OsExit(status)

os._exit = fake_exit
marks["main_start"] = since_start()
code = None
used_os_exit = False
prof = None
if len(argv) > 4:  # cProfile the CLI run (timers then include its overhead)
    import cProfile
    prof = cProfile.Profile()
    prof.enable()
try:
    cli_main()
except SystemExit as exc:
    code = exc.code
except OsExit as exc:
    code, used_os_exit = exc.args[0], True
if prof is not None:
    prof.disable()
marks["main_end"] = since_start()
if prof is not None:
    prof.dump_stats(argv[4])
    marks["main_end"] = since_start()  # the dump is not process exit
with open(out_path, "w") as fh:
    json.dump(
        {"timers": T, "rss_after_mb": RSS, "marks": marks, "exit_code": code,
         "used_os_exit": used_os_exit, "data": data_info, "modules": len(sys.modules)},
        fh,
    )
if used_os_exit:
    sys.stdout.flush()
    sys.stderr.flush()
    real_exit(code)
"""


# --------------------------------------------------------------------------- machine load


def _cpu_jiffies() -> int:
    """Busy clock ticks of the whole machine so far (user+nice+system+irq+softirq+steal)."""
    with open("/proc/stat") as fh:
        v = [int(x) for x in fh.readline().split()[1:9]]
    return sum(v) - v[3] - v[4]  # minus idle and iowait


_TICK = os.sysconf("SC_CLK_TCK")


def busy_cores(seconds: float = 3.0) -> float:
    """Cores kept busy by other processes, sampled over ``seconds`` (nothing measured runs)."""
    a, t = _cpu_jiffies(), time.perf_counter()
    time.sleep(seconds)
    return (_cpu_jiffies() - a) / _TICK / (time.perf_counter() - t)


def wait_quiet(limit: float, max_wait: float) -> tuple[float, float]:
    """Wait while other processes use more than ``limit`` cores; ``(last sample, waited s)``."""
    t0 = time.perf_counter()
    while True:
        busy = busy_cores()
        waited = time.perf_counter() - t0
        if busy <= limit or waited >= max_wait:
            if busy > limit:
                ls.log(f"    still {busy:.2f} busy cores after {waited:.0f} s: measuring anyway")
            return busy, waited
        ls.log(f"    {busy:.2f} cores busy with other work: waiting")
        time.sleep(5)


# --------------------------------------------------------------------------- runs


@dataclass
class Case:
    key: str
    label: str
    cmd: list[str]
    kind: str  # probe | bare
    timing: ls.Timing = field(init=False)
    extra: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.timing = ls.Timing(self.label, self.cmd)


def _env() -> dict[str, str]:
    # The probe sets TF_CPP_MIN_LOG_LEVEL=3 itself (setdefault); the Makefile exports it too.
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _parse_probe(run: ls.Run) -> dict[str, Any]:
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"probe printed no JSON report:\n{run.stderr[-3000:]}") from None
    p = report["extra"]["probe"]
    t = p["training"]
    return {
        "probe_s": p["seconds"],
        "fit_s": t["seconds"],
        "run_probe_s": t["total_seconds"],
        "epochs": t["epochs_run"],
        "steps": t["steps_run"],
        "batch_size": t["batch_size"],
        "stopped_by_time": t["stopped_by_time"],
        "train_samples": p["train_samples"],
        "accuracy": p.get("accuracy"),
        "source": p["source"],
        "findings": sorted({f["code"] for f in report["findings"]}),
    }


def _parse_bare(run: ls.Run) -> dict[str, Any]:
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("{")]
    if run.exit_code != 0 or not lines:
        raise SystemExit(f"bare baseline failed (exit {run.exit_code}):\n{run.stderr[-3000:]}")
    return json.loads(lines[-1])


def measure_once(case: Case, quiet_below: float, max_wait: float) -> dict[str, Any]:
    busy_before, waited = wait_quiet(quiet_below, max_wait)
    load = os.getloadavg()[0]
    j0 = _cpu_jiffies()
    run = ls.run_once(case.cmd, _env(), ROOT)
    busy_during = (_cpu_jiffies() - j0) / _TICK - run.cpu_s
    if run.exit_code not in ((0, 1) if case.kind == "probe" else (0,)):
        raise SystemExit(
            f"{case.label} failed: exit {run.exit_code}\n$ {shlex.join(case.cmd)}\n"
            f"{run.stderr[-3000:]}"
        )
    extra = _parse_probe(run) if case.kind == "probe" else _parse_bare(run)
    inner = extra["probe_s"] if case.kind == "probe" else extra["in_process_s"]
    extra.update(
        outside_s=round(run.wall_s - inner, 3),  # start-up, CLI imports, rendering, exit
        loadavg_1min=round(load, 2),
        others_busy_cores_before=round(busy_before, 2),
        others_busy_cores_during=round(max(0.0, busy_during) / run.wall_s, 2),
        waited_s=round(waited, 1),
    )
    case.timing.runs.append(run)
    case.extra.append(extra)
    ls.log(
        f"    {case.key}: {run.wall_s:.2f} s wall, {run.cpu_s:.2f} s CPU, "
        f"{run.maxrss_kb / 1024:.0f} MB; others {extra['others_busy_cores_during']:.2f} cores"
    )
    return extra


def _med(values: list[float]) -> float:
    return statistics.median(values)


def case_json(case: Case) -> dict[str, Any]:
    out = case.timing.as_json()
    out["per_run"] = [
        {
            "wall_s": round(r.wall_s, 3),
            "cpu_s": round(r.cpu_s, 3),
            "peak_rss_mb": round(r.maxrss_kb / 1024, 1),
            **e,
        }
        for r, e in zip(case.timing.runs, case.extra)
    ]
    keys = (
        ("probe_s", "fit_s", "run_probe_s", "outside_s")
        if case.kind == "probe"
        else ("import_keras_s", "load_model_s", "data_s", "fit_s", "in_process_s", "outside_s")
    )
    out["inner_median_s"] = {k: _med([e[k] for e in case.extra]) for k in keys}
    out["others_busy_cores_during_median"] = _med(
        [e["others_busy_cores_during"] for e in case.extra]
    )
    return out


# --------------------------------------------------------------------------- profile


def _importtime_tree(stderr: str) -> list[tuple[str, int, int, int]]:
    """``(module, depth, self us, cumulative us)`` in -X importtime order."""
    rows = []
    for line in stderr.splitlines():
        m = ls._IMPORTTIME.match(line)
        if m:
            depth = (len(m.group(3)) - 1) // 2
            rows.append((m.group(4).strip(), depth, int(m.group(1)), int(m.group(2))))
    return rows


def import_summary(stderr: str) -> dict[str, Any]:
    """Import cost by top-level package, from ``-X importtime``: ``self`` sums self times (no
    double counting); ``entered`` sums the cumulative time where another package (or a
    function) imported the package, so it includes what the package imported in turn;
    ``entered_from`` names the importer of the largest such entry (``None``: a function)."""
    rows = _importtime_tree(stderr)
    # importtime prints a module after its imports: walk backwards to find each parent.
    parent: list[str | None] = [None] * len(rows)
    stack: list[tuple[int, str]] = []  # (depth, module) of lines printed later
    for i in range(len(rows) - 1, -1, -1):
        name, depth, _, _ = rows[i]
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parent[i] = stack[-1][1] if stack else None
        stack.append((depth, name))
    self_ms: dict[str, float] = {}
    entered_ms: dict[str, float] = {}
    largest: dict[str, tuple[float, str | None]] = {}
    late_ms: dict[str, float] = {}  # imported inside a function (no importing module)
    for (name, _depth, s, c), par in zip(rows, parent):
        top = name.split(".")[0]
        self_ms[top] = self_ms.get(top, 0.0) + s / 1000
        if par is None or par.split(".")[0] != top:
            entered_ms[top] = entered_ms.get(top, 0.0) + c / 1000
            if c > largest.get(top, (-1.0, None))[0]:
                largest[top] = (c, par)
            if par is None:
                late_ms[top] = late_ms.get(top, 0.0) + c / 1000
    order = sorted(self_ms, key=lambda k: -self_ms[k])
    return {
        "modules": len(rows),
        "total_s": round(sum(self_ms.values()) / 1000, 3),
        "self_by_package_s": {k: round(self_ms[k] / 1000, 3) for k in order[:15]},
        "entered_s": {k: round(entered_ms[k] / 1000, 3) for k in HEAVY if k in entered_ms},
        "entered_from": {k: largest[k][1] for k in HEAVY if k in largest},
        "imported_in_functions_s": {
            k: round(v / 1000, 3) for k, v in sorted(late_ms.items(), key=lambda kv: -kv[1])[:10]
        },
    }


#: Packages whose import cost is reported (``keras`` includes everything it imports).
HEAVY = ("keras", "tensorflow", "numpy", "scipy", "sklearn", "pandas", "matplotlib", "PIL")


def profile_run(work: Path, budget: dict[str, Any], cprofile: Path | None) -> dict[str, Any]:
    """One in-process probe run under ``-X importtime`` with timers (see PROFILE_SNIPPET)."""
    out, png = work / "profile.json", work / "profile.png"
    cmd = [str(PROJECT_PY), "-X", "importtime", "-c", PROFILE_SNIPPET, str(out), str(BUGGY)]
    cmd += [str(png)] + ([str(cprofile.resolve())] if cprofile else [])
    run = ls.run_once(cmd, _env(), work)  # cwd without modelcheck/: the installed package
    if run.exit_code not in (0, 1) or not out.is_file():
        raise SystemExit(f"profiled run failed (exit {run.exit_code}):\n{run.stderr[-3000:]}")
    prof = json.loads(out.read_text())
    if prof["exit_code"] not in (0, 1) or not png.is_file():
        raise SystemExit(f"profiled probe failed: {prof}\n{run.stderr[-3000:]}")
    report = _parse_probe(run)
    imports = import_summary(run.stderr)
    timers: dict[str, list[float]] = prof["timers"]
    marks = prof["marks"]

    def t(*labels: str) -> float:
        return sum(sum(timers.get(label, [])) for label in labels)

    runner_parts = t(*(k for k in timers if k.startswith("run_probe: ")))
    extract = timers.get("run_probe: extract", [0.0, 0.0])
    measure = {
        k.removeprefix("analysis: ").removesuffix(" measure"): sum(v)
        for k, v in timers.items()
        if k.startswith("analysis: ") and k.endswith(" measure")
    }
    judge = t(*(k for k in timers if k.endswith(" judge")))
    # (phase, seconds, also paid by the bare baseline?)
    phases: list[tuple[str, float, bool]] = [
        ("interpreter start-up", marks["snippet_start"], True),
        ("imports: CLI and probe modules (typer, rich, modelcheck)", t(*IMPORT_LABELS), False),
        (
            "`import keras` (TensorFlow, and sklearn, pandas, matplotlib: see below)",
            t("import keras (TensorFlow)"),
            True,
        ),
        ("load the model", t("load the model (+ graph)"), True),
        ("lint rules, training settings", t("lint rules", "training settings"), False),
        ("data: colored MNIST (`load_dataset`)", t("data: colored MNIST"), True),
        ("copy + compile the model", t("run_probe: copy_model", "run_probe: compile"), False),
        ("activations before training (eager passes over the probe inputs)", extract[0], False),
        (
            "activations + features after training, predictions",
            sum(extract[1:]) + t("run_probe: build_extractor", "run_probe: predict"),
            False,
        ),
        (
            "gradient norms (before/after), weight norms, BN re-estimate",
            t(
                "run_probe: grad_norms",
                "run_probe: weight_norms",
                "run_probe: recalibrate_batch_norm",
            ),
            False,
        ),
        (
            "input statistics (`input_stats` over the training images)",
            t("run_probe: input_stats"),
            False,
        ),
        (f"`fit` ({budget['steps']} steps, `training.seconds`)", report["fit_s"], True),
        (
            "rest of `run_probe` (seeding, probe-input selection)",
            t("run_probe") - runner_parts - report["fit_s"],
            False,
        ),
        (
            "linear probes (sklearn `LogisticRegression` per layer; incl. "
            f"{imports['imported_in_functions_s'].get('sklearn', 0.0):.2f} s of "
            "`sklearn.linear_model`/`model_selection` imports)",
            measure.get("linear_probe", 0.0),
            False,
        ),
        (
            "other analyzers (dead units, collapse, health) and judging",
            sum(v for k, v in measure.items() if k != "linear_probe") + judge,
            False,
        ),
        ("summary and JSON rendering", t("layer summary", "report summary", "render JSON"), False),
        ("plot (matplotlib; only with `--plot`)", t("plot (matplotlib)"), False),
    ]
    accounted = sum(s for _, s, _ in phases)
    phases.append(("other (CLI, config, glue)", marks["main_end"] - accounted, False))
    phases.append(
        (
            "process exit (`os._exit` by the CLI once the report is written: no teardown)"
            if prof.get("used_os_exit")
            else "process exit (interpreter and TensorFlow teardown)",
            run.wall_s - marks["main_end"],
            True,
        )
    )
    return {
        "command": "python -X importtime -c <PROFILE_SNIPPET>: modelcheck probe "
        f"{BUGGY.relative_to(ROOT)} --format json --plot out.png, in-process",
        "cprofile": str(cprofile) if cprofile else None,
        "wall_s": run.wall_s,
        "cpu_s": run.cpu_s,
        "peak_rss_mb": run.maxrss_kb / 1024,
        "marks": marks,
        "timers": {k: [round(x, 4) for x in v] for k, v in timers.items()},
        "peak_rss_after_mb": _rss_steps(prof.get("rss_after_mb", {})),
        "phases": [{"phase": k, "s": round(v, 3), "bare_too": b} for k, v, b in phases],
        "imports": imports,
        "probe": report,
        "data": prof["data"],
        "modules": prof["modules"],
        "used_os_exit": prof.get("used_os_exit", False),
    }


#: (step, timer label, call index): the peak RSS so far is read after that call.
RSS_STEPS = (
    ("`import keras`", "import keras (TensorFlow)", 0),
    ("loading the model", "load the model (+ graph)", 0),
    ("the data", "data: colored MNIST", 0),
    ("the activations before training", "run_probe: extract", 0),
    ("`fit`", "run_probe: recalibrate_batch_norm", 0),
    ("the activations and features after training", "run_probe: extract", 1),
    ("the gradient norms after training", "run_probe: grad_norms", 1),
    ("`input_stats`", "run_probe: input_stats", 0),
    ("`run_probe`", "run_probe", 0),
    ("the linear probes", "analysis: linear_probe measure", 0),
    ("the JSON report", "render JSON", 0),
    ("the plot", "plot (matplotlib)", 0),
)


def _rss_steps(rss: dict[str, list[float]]) -> list[dict[str, Any]]:
    return [
        {"after": step, "peak_rss_mb": round(rss[label][i], 1)}
        for step, label, i in RSS_STEPS
        if len(rss.get(label, [])) > i
    ]


IMPORT_LABELS = ("imports: CLI (typer, rich, modelcheck)", "imports: probe modules")


# --------------------------------------------------------------------------- environment


def versions() -> dict[str, str | None]:
    code = (
        "import importlib.metadata as m, json, sys\n"
        "def v(n):\n"
        "    try: return m.version(n)\n"
        "    except m.PackageNotFoundError: return None\n"
        "names = ('modelcheck', 'keras', 'tensorflow-cpu', 'tensorflow', 'numpy', "
        "'scikit-learn', 'scipy', 'matplotlib', 'mlxtend', 'typer', 'rich')\n"
        "d = {n: v(n) for n in names}\n"
        "d['python'] = sys.version.split()[0]\n"
        "print(json.dumps(d))"
    )
    r = subprocess.run([str(PROJECT_PY), "-c", code], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def ensure_models() -> None:
    if BUGGY.is_file() and FIXED.is_file():
        return
    ls.log("story 1's example models are missing: building them with Keras")
    subprocess.run(
        [str(PROJECT_PY), "examples/build.py", "--out", "examples/models"],
        cwd=ROOT,
        env=_env(),
        check=True,
    )


# --------------------------------------------------------------------------- reporting

LABELS = {
    "probe": "`modelcheck probe story1_buggy.keras --format json`",
    "bare": "bare: `load_model` + same data + `model.fit` (same steps)",
    "probe_fixed": "`modelcheck probe story1_fixed.keras --format json`",
    "probe_plot": "`modelcheck probe story1_buggy.keras --format json --plot out.png`",
}


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    probe, bare = res["cold"]["probe"], res["cold"]["bare"]
    r = res["ratios"]
    return [
        {
            "target": f"story 1's probe end to end (process start to report) <= "
            f"{TARGET_WALL_S:.0f} s",
            "measured": f"{probe['wall_s']['median']:.2f} s median "
            f"(min {probe['wall_s']['min']:.2f}, max {probe['wall_s']['max']:.2f})",
            "ok": probe["wall_s"]["median"] <= TARGET_WALL_S,
        },
        {
            "target": f"at most {TARGET_RATIO}x a bare `model.fit` of the same steps "
            "(process to process)",
            "measured": f"{r['process']:.2f}x ({probe['wall_s']['median']:.2f} s / "
            f"{bare['wall_s']['median']:.2f} s, medians)",
            "ok": r["process"] <= TARGET_RATIO,
        },
        {
            "target": "peak memory recorded",
            "measured": f"probe {probe['peak_rss_mb']['max']:.0f} MB, bare "
            f"{bare['peak_rss_mb']['max']:.0f} MB (max of runs)",
            "ok": True,
        },
    ]


def print_results(res: dict[str, Any]) -> None:
    m = res["machine"]
    print(
        f"\nmodelcheck probe speed  {res['date']}  ({m['cpu']}, {m['nproc']} CPUs, "
        f"load average {ls._load(m)})\n"
    )
    print(
        f"{'command (cold process)':62} {'runs':>4} {'median':>8} {'min':>8} {'max':>8} "
        f"{'CPU':>8} {'peak RSS':>9} {'others':>6}"
    )
    for key, row in res["cold"].items():
        w, r, c = row["wall_s"], row["peak_rss_mb"], row["cpu_s"]
        label = LABELS[key].replace("`", "")
        print(
            f"{label[:62]:62} {row['runs']:>4} {w['median']:>7.2f}s {w['min']:>7.2f}s "
            f"{w['max']:>7.2f}s {c['median']:>7.2f}s {r['max']:>6.0f} MB "
            f"{row['others_busy_cores_during_median']:>6.2f}"
        )
    print("\nspans inside the processes (medians):")
    for key, row in res["cold"].items():
        print(f"  {key}: " + ", ".join(f"{k} {v:.2f}" for k, v in row["inner_median_s"].items()))
    r = res["ratios"]
    print(
        f"\nratios: process/process {r['process']:.2f}x (paired by round: "
        f"{r['process_paired_median']:.2f}x); extra.probe.seconds / bare fit "
        f"{r['probe_seconds_vs_bare_fit']:.2f}x; extra.probe.seconds / bare in-process "
        f"{r['probe_seconds_vs_bare_in_process']:.2f}x; probe fit / bare fit "
        f"{r['fit_vs_fit']:.2f}x"
    )
    if res.get("profile"):
        p = res["profile"]
        print(f"\nwhere the time goes (one profiled run, {p['wall_s']:.2f} s wall):")
        for ph in p["phases"]:
            bare = "  (bare too)" if ph["bare_too"] else ""
            print(f"  {ph['phase'][:70]:70} {ph['s']:>6.2f} s{bare}")
        imp = p["imports"]
        print(
            "  imports entered (cumulative, s): "
            + ", ".join(
                f"{k} {v:.2f}" + (f" (from {f})" if (f := imp["entered_from"].get(k)) else "")
                for k, v in imp["entered_s"].items()
            )
        )
    print()
    for t in res["targets"]:
        print(f"{ls.verdict(t['ok'])}  {t['target']}: {t['measured']}")


def markdown_block(res: dict[str, Any]) -> str:
    m, v, b = res["machine"], res["versions"], res["budget"]
    g = res["git"]
    dirty = ", package sources modified" if g["package_sources_dirty"] else ""
    if g["source_hash_start"] != g["source_hash_end"]:
        dirty += "; **the package sources changed during the recording**"
    tf = v.get("tensorflow-cpu") or v.get("tensorflow")
    lines = [
        BEGIN,
        f"Recorded {res['date']} with `{res['command']}` (commit {res['git']['commit']}{dirty}).",
        f"Machine: {m['cpu']}, {m['nproc']} CPUs, load average {ls._load(m)} at start. "
        f"Python {v['python']}, keras {v['keras']}, tensorflow-cpu {tf}, scikit-learn "
        f"{v['scikit-learn']}, matplotlib {v['matplotlib']}. Data: {res['mnist_source']}; "
        f"{b['train_samples']:,} training images, {b['epochs']} epochs of "
        f"{b['steps'] // b['epochs']} steps = {b['steps']} steps at batch {b['batch_size']}.",
        "",
        "| Command (cold process) | Runs | Median | Min | Max | CPU (median) "
        "| Peak RSS (median / max) | Other load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, row in res["cold"].items():
        w, r, c = row["wall_s"], row["peak_rss_mb"], row["cpu_s"]
        lines.append(
            f"| {LABELS[key]} | {row['runs']} | {w['median']:.2f} s | {w['min']:.2f} s | "
            f"{w['max']:.2f} s | {c['median']:.2f} s | {r['median']:.0f} / {r['max']:.0f} MB | "
            f"{row['others_busy_cores_during_median']:.2f} |"
        )
    pr, ba = res["cold"]["probe"]["inner_median_s"], res["cold"]["bare"]["inner_median_s"]
    r = res["ratios"]
    lines += [
        "",
        "*Other load*: cores kept busy by other processes during the run (median over runs; "
        "from `/proc/stat`, minus the measured process's own CPU time).",
        "",
        "Spans inside the processes (medians):",
        "",
        f"- probe: `extra.probe.seconds` {pr['probe_s']:.2f} s (from before `import keras` to "
        f"the end of the analysis), of which `run_probe` {pr['run_probe_s']:.2f} s "
        f"(`training.total_seconds`) and `fit` {pr['fit_s']:.2f} s (`training.seconds`); "
        f"outside it (wall minus that span, per run: start-up, CLI imports, rendering, exit) "
        f"{pr['outside_s']:.2f} s;",
        f"- bare: {ba['in_process_s']:.2f} s from before `import keras` to the end of `fit`: "
        f"`import keras` {ba['import_keras_s']:.2f} s, `load_model` {ba['load_model_s']:.2f} s, "
        f"data {ba['data_s']:.2f} s, `fit` {ba['fit_s']:.2f} s; outside it (start-up and "
        f"the interpreter's teardown with TensorFlow loaded) {ba['outside_s']:.2f} s.",
        "",
        "| Ratio (medians) | |",
        "|---|---:|",
        f"| **probe process / bare process** (both from process start: the target) | "
        f"**{r['process']:.2f}x** |",
        f"| probe process / bare process of the same round (median of "
        f"{res['cold']['probe']['runs']} pairs) | {r['process_paired_median']:.2f}x |",
        f"| `extra.probe.seconds` / bare `fit` alone | {r['probe_seconds_vs_bare_fit']:.2f}x |",
        f"| `extra.probe.seconds` / bare `import keras` .. end of `fit` (same span) | "
        f"{r['probe_seconds_vs_bare_in_process']:.2f}x |",
        f"| probe `fit` / bare `fit` (same steps, with the probe's step callback) | "
        f"{r['fit_vs_fit']:.2f}x |",
        "",
        "| Target | Measured | |",
        "|---|---|---|",
    ]
    for t in res["targets"]:
        lines.append(f"| {t['target']} | {t['measured']} | **{ls.verdict(t['ok'])}** |")
    p = res.get("profile")
    if p:
        lines += [
            "",
            f"Where the time goes: one profiled run of `modelcheck probe story1_buggy.keras "
            f"--format json --plot out.png` ({p['wall_s']:.2f} s wall, {p['cpu_s']:.2f} s CPU, "
            f"{p['peak_rss_mb']:.0f} MB; under `-X importtime`, the CLI run in-process with "
            "timers around the steps of `modelcheck.probing.api.probe` and of the runner). "
            "*Bare too*: the bare baseline pays the same phase.",
            "",
            "| Phase | Seconds | Share | Bare too |",
            "|---|---:|---:|:---:|",
        ]
        for ph in p["phases"]:
            lines.append(
                f"| {ph['phase']} | {ph['s']:.2f} | {ph['s'] / p['wall_s']:.0%} | "
                f"{'yes' if ph['bare_too'] else ''} |"
            )
        rss_steps = p.get("peak_rss_after_mb") or []
        only = sum(
            ph["s"]
            for ph in p["phases"]
            if not ph["bare_too"] and not ph["phase"].startswith("plot")
        )
        imp = p["imports"]
        lines += [
            "",
            f"Phases the bare baseline does not have, without the plot: {only:.2f} s in this run.",
            "",
            "Peak RSS so far (`ru_maxrss`) after "
            + ", ".join(f"{r['after']} {r['peak_rss_mb']:.0f} MB" for r in rss_steps)
            + ".",
            "",
            f"Imports (`-X importtime`: {imp['modules']:,} modules, {imp['total_s']:.2f} s of "
            "self time in all). Cumulative time of each package where other packages imported "
            "it (the importer of the largest part in brackets): "
            + ", ".join(
                f"`{k}` {val:.2f} s"
                + (f" (from `{imp['entered_from'][k]}`)" if imp["entered_from"].get(k) else "")
                for k, val in imp["entered_s"].items()
            )
            + ". Self time by package: "
            + ", ".join(
                f"`{k}` {val:.2f} s" for k, val in list(imp["self_by_package_s"].items())[:8]
            )
            + ".",
        ]
    lines.append(END)
    return "\n".join(lines)


def write_readme(res: dict[str, Any]) -> None:
    ls.write_block(BEGIN, END, markdown_block(res))


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="cold runs per command (default 3)")
    ap.add_argument(
        "--quiet-below",
        type=float,
        default=0.5,
        help="before each run, wait while other processes keep more than this many cores "
        "busy (default 0.5)",
    )
    ap.add_argument("--max-wait", type=float, default=60, help="longest wait for quiet per run (s)")
    ap.add_argument("--no-profile", action="store_true", help="skip the profiled run")
    ap.add_argument(
        "--cprofile",
        type=Path,
        help="also cProfile the profiled run's CLI call into this pstats file (its timers "
        "then include the profiler's overhead)",
    )
    ap.add_argument("--write-readme", action="store_true", help="update benchmarks/README.md")
    ap.add_argument("--results", type=Path, default=RESULTS, help="results JSON path")
    args = ap.parse_args(argv)

    loadavg = tuple(round(x, 2) for x in os.getloadavg())
    ensure_models()
    args.source_hash = ls.source_hash()[:16]
    with tempfile.TemporaryDirectory(prefix="modelcheck-probe-bench-") as tmp:
        work = Path(tmp)
        (work / "spawn").mkdir()
        ls._spawner = ls.Spawner(work / "spawn")
        try:
            return _measure(args, work, loadavg, argv)
        finally:
            ls._spawner.close()
            ls._spawner = None


def _measure(
    args: argparse.Namespace, work: Path, loadavg: tuple[float, ...], argv: list[str] | None
) -> int:
    py = str(PROJECT_PY)
    exe = str(PROJECT_PY.parent / "modelcheck")
    buggy, fixed = str(BUGGY.relative_to(ROOT)), str(FIXED.relative_to(ROOT))
    probe = Case("probe", LABELS["probe"], [exe, "probe", buggy, "--format", "json"], "probe")

    ls.log("warm-up: one probe run (OS file cache, the parsed-MNIST cache; reads the budget)")
    warm = ls.run_once(probe.cmd, _env(), ROOT)
    if warm.exit_code not in (0, 1):
        raise SystemExit(f"probe failed (exit {warm.exit_code}):\n{warm.stderr[-3000:]}")
    budget = _parse_probe(warm)
    if budget["stopped_by_time"] or budget["steps"] % budget["epochs"]:
        raise SystemExit(f"expected whole epochs within the time cap: {budget}")
    epochs = budget["epochs"]
    bare = Case("bare", LABELS["bare"], [py, "-c", BARE_SNIPPET, buggy, str(epochs)], "bare")
    ls.log(f"  {budget['steps']} steps = {epochs} epochs; data: {budget['source']}")

    ls.log("warm-up: one bare run (checks the data is the probe's)")
    bare_warm = _parse_bare(ls.run_once(bare.cmd + ["--hash"], _env(), ROOT))
    if bare_warm["steps"] != budget["steps"]:
        raise SystemExit(f"bare run trained {bare_warm['steps']} steps, not {budget['steps']}")

    profile = None
    if not args.no_profile:
        ls.log("profiled run (-X importtime, in-process timers)")
        busy, _ = wait_quiet(args.quiet_below, args.max_wait)
        profile = profile_run(work, budget, args.cprofile)
        profile["others_busy_cores_before"] = round(busy, 2)
        if profile["data"]["sha256"] != bare_warm["data_sha256"]:
            raise SystemExit(
                f"the bare baseline's data differs from the probe's: probe io "
                f"{profile['data']['io']}, bare io {bare_warm['io']}"
            )
        ls.log(f"  {profile['wall_s']:.2f} s; same training arrays in probe and bare: yes")

    cases = [
        probe,
        bare,
        Case(
            "probe_fixed", LABELS["probe_fixed"], [exe, "probe", fixed, "--format", "json"], "probe"
        ),
        Case(
            "probe_plot",
            LABELS["probe_plot"],
            [exe, "probe", buggy, "--format", "json", "--plot", str(work / "out.png")],
            "probe",
        ),
    ]
    for i in range(args.runs):
        ls.log(f"round {i + 1}/{args.runs}")
        for case in cases:
            measure_once(case, args.quiet_below, args.max_wait)
            if case.kind == "probe" and case.extra[-1]["steps"] != budget["steps"]:
                raise SystemExit(f"{case.key} trained {case.extra[-1]['steps']} steps")

    cold = {c.key: case_json(c) for c in cases}
    pr, ba = cold["probe"], cold["bare"]
    res: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": ("python benchmarks/probe_speed.py " + shlex.join(argv or sys.argv[1:])).strip(),
        "machine": ls.machine_info(loadavg, end=True),
        "git": {
            **ls.git_state(),
            "source_hash_start": args.source_hash,
            "source_hash_end": ls.source_hash()[:16],
        },
        "versions": versions(),
        "env": {k: os.environ.get(k) for k in ("TF_CPP_MIN_LOG_LEVEL", "MODELCHECK_OFFLINE")},
        "mnist_source": budget["source"].split(";")[0],
        "budget": {k: budget[k] for k in ("epochs", "steps", "batch_size", "train_samples")},
        "data_check": {
            "bare_io": bare_warm["io"],
            "probe_io": profile["data"]["io"] if profile else None,
            "same_training_arrays": bool(profile)
            and profile["data"]["sha256"] == bare_warm["data_sha256"],
        },
        "cold": cold,
        "ratios": {
            "process": pr["wall_s"]["median"] / ba["wall_s"]["median"],
            # probe/bare of the same round: the two runs are a minute apart at most
            "process_paired_median": statistics.median(
                a / b for a, b in zip(pr["wall_s"]["all"], ba["wall_s"]["all"])
            ),
            "probe_seconds_vs_bare_fit": pr["inner_median_s"]["probe_s"]
            / ba["inner_median_s"]["fit_s"],
            "probe_seconds_vs_bare_in_process": pr["inner_median_s"]["probe_s"]
            / ba["inner_median_s"]["in_process_s"],
            "fit_vs_fit": pr["inner_median_s"]["fit_s"] / ba["inner_median_s"]["fit_s"],
            "run_probe_vs_bare_fit": pr["inner_median_s"]["run_probe_s"]
            / ba["inner_median_s"]["fit_s"],
        },
        "profile": profile,
    }
    if res["git"]["source_hash_start"] != res["git"]["source_hash_end"]:
        ls.log("WARNING: the package sources changed during the recording: measure again")
    res["targets"] = targets(res)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(res, indent=2) + "\n")
    ls.log(f"wrote {args.results}")
    print_results(res)
    if args.write_readme:
        write_readme(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
