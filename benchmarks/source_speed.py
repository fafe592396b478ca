"""Speed and memory of ``modelcheck lint`` on Python source, with recorded results.

Measures, on this machine:

1. Cold processes on story 1's code (``examples/source/story1_buggy.py``): ``modelcheck lint``
   from the lint-only virtualenv (as pre-commit runs it, no TensorFlow) against running the
   same model-building code with Keras (``python -c`` importing keras and building the model,
   from the project's ``.venv``). Wall time (median, min, max) and peak RSS per process.
2. In-process parse + extract + lint of one real ~300-line Keras script (the largest program
   of 250-350 lines in the oracle corpus, or ``examples/models.py`` without it): the median of
   many calls of ``modelcheck.linting.api.lint(path)``.
3. One cold ``modelcheck lint DIR`` over 1,000 ``.py`` files of which 900 do not use Keras
   (real Python files from the standard library) and 100 are Keras programs (the examples and
   corpus programs, copied).

Uses ``benchmarks/lint_speed.py``'s process spawner and lint virtualenv. Standard library only.

Usage (from the repository root)::

    .venv/bin/python benchmarks/source_speed.py                 # measure, print, write JSON
    .venv/bin/python benchmarks/source_speed.py --write-readme  # ... and the block in README.md
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lint_speed as L  # noqa: E402 - the sibling benchmark's spawner and lint venv

ROOT = L.ROOT
STORY = ROOT / "examples" / "source" / "story1_buggy.py"
CORPUS = ROOT / "tests" / "graph" / "readers" / "source_corpus" / "programs"
RESULTS = L.BENCH / "results" / "source_speed.json"
BEGIN, END = "<!-- source-speed:begin -->", "<!-- source-speed:end -->"
TARGET_RATIO, TARGET_RSS_MB, TARGET_INPROC_MS, TARGET_MANY_S = 20.0, 30.0, 20.0, 3.0

#: Story 1's model-building code, run with Keras (what a user would otherwise have to do).
KERAS_BUILD = """
import keras
model = keras.Sequential()
model.add(keras.layers.Conv2D(32, (3, 3), padding="same"))
model.add(keras.layers.MaxPooling2D((2, 2)))
model.add(keras.layers.Conv2D(64, (3, 3), padding="same"))
model.add(keras.layers.MaxPooling2D((2, 2)))
model.add(keras.layers.Flatten())
model.add(keras.layers.Dense(10, activation="relu"))
model.add(keras.layers.Softmax())
model.build((None, 28, 28, 3))
model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
model.summary()
"""


def _script_of_about_300_lines() -> Path:
    """The longest Keras program of 250-350 lines in the corpus (else examples/models.py)."""
    found = []
    for p in sorted(CORPUS.glob("*.py")) if CORPUS.is_dir() else []:
        text = p.read_text(encoding="utf-8", errors="replace")
        n = len(text.splitlines())
        if 250 <= n <= 350 and "keras" in text:
            found.append((n, p))
    return max(found)[1] if found else ROOT / "examples" / "models.py"


def in_process(path: Path, calls: int) -> dict[str, Any]:
    """Median wall time of ``lint(path)`` in this process (after one warm-up call)."""
    from modelcheck.linting.api import lint

    report = lint(str(path))
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        lint(str(path))
        times.append(time.perf_counter() - t0)
    return {
        "file": str(path.relative_to(ROOT)),
        "lines": len(path.read_text(encoding="utf-8", errors="replace").splitlines()),
        "models": len(report.models),
        "findings": len(report.findings),
        "calls": calls,
        "median_ms": statistics.median(times) * 1000,
        "min_ms": min(times) * 1000,
    }


def build_many(folder: Path) -> dict[str, int]:
    """900 standard-library modules (no Keras) and 100 copies of real Keras programs."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    plain = [
        p
        for p in sorted(stdlib.rglob("*.py"))
        if "site-packages" not in p.parts and "keras" not in p.read_text(errors="replace")
    ][:900]
    keras_files = sorted((ROOT / "examples" / "source").glob("*.py"))
    keras_files += sorted(CORPUS.glob("*.py")) if CORPUS.is_dir() else []
    for i, p in enumerate(plain):
        shutil.copy(p, folder / f"plain_{i:04d}.py")
    for i in range(100):
        shutil.copy(keras_files[i % len(keras_files)], folder / f"keras_{i:03d}.py")
    return {"plain": len(plain), "keras": 100}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--keras-runs", type=int, default=3)
    ap.add_argument("--write-readme", action="store_true")
    args = ap.parse_args(argv)
    venv_info = L.ensure_lint_venv(L.CACHE / "lint-venv", rebuild=False, keep=False)
    lint_bin = str(L.CACHE / "lint-venv" / "bin" / "modelcheck")
    with tempfile.TemporaryDirectory(prefix="modelcheck-source-bench-") as tmp:
        scratch = Path(tmp)
        L._spawner = L.Spawner(scratch)
        try:
            lint = L.bench(
                "lint story1.py", [lint_bin, "lint", str(STORY)], args.runs, ok_codes=(1,)
            )
            keras = L.bench(
                "keras build", [str(L.PROJECT_PY), "-c", KERAS_BUILD], args.keras_runs,
                env={**L.os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
            )  # fmt: skip
            many_dir = scratch / "many"
            many_dir.mkdir()
            counts = build_many(many_dir)
            many = L.bench(
                "1,000 .py files",
                [lint_bin, "lint", str(many_dir), "--layers", "none"],
                3,
                ok_codes=(0, 1, 2),
            )
        finally:
            L._spawner.close()
    script = _script_of_about_300_lines()
    res = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": L.machine_info(L.os.getloadavg()),
        "git": L.git_state(),
        "lint_venv": venv_info,
        "cold": {"lint": lint.as_json(), "keras": keras.as_json()},
        "ratio": keras.median / lint.median,
        "in_process": in_process(script, 50),
        "many": {**many.as_json(), **counts},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(res, indent=2) + "\n")
    block = markdown(res)
    print(block)
    if args.write_readme:
        L.write_block(BEGIN, END, f"{BEGIN}\n{block}\n{END}")
    return 0


def markdown(res: dict[str, Any]) -> str:
    cold, inproc, many = res["cold"], res["in_process"], res["many"]
    rss = cold["lint"]["peak_rss_mb"]["max"]
    rows = [
        ("cold `modelcheck lint story1_buggy.py` (lint venv)", f"{cold['lint']['wall_s']['median']:.3f} s", f"{cold['lint']['peak_rss_mb']['median']:.1f} MB"),
        ("cold Keras build of the same model (`python -c`)", f"{cold['keras']['wall_s']['median']:.2f} s", f"{cold['keras']['peak_rss_mb']['median']:.0f} MB"),
        (f"in-process lint of `{inproc['file']}` ({inproc['lines']} lines)", f"{inproc['median_ms']:.1f} ms", "-"),
        (f"cold lint of 1,000 `.py` files ({many['plain']} without Keras)", f"{many['wall_s']['median']:.2f} s", f"{many['peak_rss_mb']['median']:.1f} MB"),
    ]  # fmt: skip
    checks = [
        (f"Keras build / lint >= {TARGET_RATIO:.0f}x", f"{res['ratio']:.0f}x", res["ratio"] >= TARGET_RATIO),
        (f"lint peak RSS <= {TARGET_RSS_MB:.0f} MB", f"{rss:.1f} MB", rss <= TARGET_RSS_MB),
        (f"300-line script in-process <= {TARGET_INPROC_MS:.0f} ms", f"{inproc['median_ms']:.1f} ms", inproc["median_ms"] <= TARGET_INPROC_MS),
        (f"1,000 files <= {TARGET_MANY_S:.0f} s", f"{many['wall_s']['median']:.2f} s", many["wall_s"]["median"] <= TARGET_MANY_S),
    ]  # fmt: skip
    m = res["machine"]
    load = ", ".join(f"{x:.2f}" for x in m["loadavg_start"])
    out = [
        f"Measured {res['date']} on {m['cpu']} ({m['nproc']} cores, load {load}), "
        f"commit {res['git']['commit']}.",
        "",
        "| what | wall (median) | peak RSS |",
        "|---|---:|---:|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        "",
        "| target | measured | met |",
        "|---|---:|:---:|",
        *[f"| {a} | {b} | {'yes' if ok else '**no**'} |" for a, b, ok in checks],
    ]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
