"""Hostile model files: time, peak memory and verdict of `modelcheck lint` on each.

Builds the hostile files of the security tests (tests/hostile_files.py: Lambda bytecode that
writes a file, os.system/subprocess/eval/get_file references, TFSMLayer, vocabulary paths,
1-2 GiB zip bombs, 100,000-deep JSON, cycles, dangling references, a 4 TiB weight shape, HDF5
external links, zip-slip and pickle members, ...) and runs the installed CLI cold on each,
`modelcheck lint FILE --format json --weights --isolated` (weights on, so the weights file is
scanned too), through the small spawner of lint_speed.py that measures wall time and peak
RSS. A benign model is measured the same way for comparison.

Usage: python benchmarks/hostile.py [--runs 3] [--write-readme]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

# This script's directory is first on sys.path when it runs as `python benchmarks/...`.
import lint_speed as ls

ROOT = ls.ROOT
sys.path.insert(0, str(ROOT / "tests"))
import hostile_files  # noqa: E402 - tests/ put on sys.path just above

RESULTS = ls.BENCH / "results" / "hostile.json"
BEGIN, END = "<!-- hostile:begin -->", "<!-- hostile:end -->"
CACHE = ls.CACHE / "hostile"


def measure(path: Path, runs: int, cwd: Path) -> dict[str, Any]:
    cmd = [str(ls.PROJECT_PY), "-m", "modelcheck", "lint", str(path)]
    cmd += ["--format", "json", "--weights", "--isolated"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TMPDIR": str(cwd / "tmp")}
    walls, rss, codes, found = [], [], set(), set()
    for _ in range(runs):
        run = ls.run_once(cmd, env=env, cwd=cwd)
        walls.append(run.wall_s)
        rss.append(run.maxrss_kb / 1024)
        codes.add(run.exit_code)
        if "Traceback" in run.stderr:
            raise SystemExit(f"traceback linting {path}:\n{run.stderr}")
        try:
            report = json.loads(run.stdout)
        except ValueError:
            raise SystemExit(f"no JSON report for {path}: {run.stderr[-500:]}") from None
        found |= {f["code"] for f in report["findings"] if f["code"].startswith("MC8")}
    return {
        "file_bytes": path.stat().st_size if path.is_file() else None,
        "wall_s": {"median": statistics.median(walls), "max": max(walls)},
        "peak_rss_mb": {"median": statistics.median(rss), "max": max(rss)},
        "exit_codes": sorted(codes),
        "security_findings": sorted(found),
    }


def markdown_block(res: dict[str, Any]) -> str:
    rows = [
        "| File | Size | Expected | Found | Exit | Wall (median) | Peak RSS |",
        "|---|---:|---|---|---:|---:|---:|",
    ]
    for name, r in res["cases"].items():
        size = r["file_bytes"]
        shown = f"{size / 1024:,.0f} KiB" if size is not None else "-"
        ok = "yes" if r["expected"] in r["security_findings"] or not r["expected"] else "NO"
        rows.append(
            f"| {name} | {shown} | {r['expected'] or '-'} | "
            f"{', '.join(r['security_findings']) or '-'} ({ok}) | "
            f"{'/'.join(map(str, r['exit_codes']))} | {r['wall_s']['median'] * 1000:.0f} ms | "
            f"{r['peak_rss_mb']['max']:.0f} MB |"
        )
    s = res["summary"]
    return "\n".join(
        [
            BEGIN,
            f"Recorded {res['date']} on {res['machine']} with "
            f"`{res['command']}` ({res['runs']} cold runs per file).",
            "",
            f"**{s['detected']} of {s['hostile']} hostile files reported with their MC8xx "
            f"finding; slowest {s['max_wall_s'] * 1000:.0f} ms, largest peak RSS "
            f"{s['max_rss_mb']:.0f} MB (benign model: {s['benign_wall_s'] * 1000:.0f} ms, "
            f"{s['benign_rss_mb']:.0f} MB).**",
            "",
            "Cold processes of the development venv with `--weights` (numpy and h5py imported; "
            "this machine sets PYTHONDONTWRITEBYTECODE, so each start recompiles modelcheck): "
            "the point is that no hostile file costs much more than a benign one, whatever it "
            "declares (2 GiB bombs, a 4 TiB shape, 100,000-deep JSON).",
            "",
            *rows,
            END,
        ]
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="cold runs per file (default 3)")
    ap.add_argument("--write-readme", action="store_true", help="update benchmarks/README.md")
    ap.add_argument("--results", type=Path, default=RESULTS, help="results JSON path")
    args = ap.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    shutil.rmtree(CACHE, ignore_errors=True)
    CACHE.mkdir(parents=True)
    ls.log("building the hostile files ...")
    built = hostile_files.build(CACHE)
    work = Path(tempfile.mkdtemp(prefix="mc-hostile-"))
    (work / "tmp").mkdir()
    ls._spawner = ls.Spawner(work)
    try:
        cases: dict[str, Any] = {}
        for name in ["good-control", *hostile_files.HOSTILE]:
            path, code, _ = built["cases"][name]
            ls.log(f"  {name}")
            cases[name] = {"expected": code, **measure(path, args.runs, work)}
    finally:
        ls._spawner.close()
        ls._spawner = None
        shutil.rmtree(work, ignore_errors=True)
    if any(m.exists() for m in built["markers"]):
        raise SystemExit("a hostile file's code ran: the marker file exists")
    hostile = {k: v for k, v in cases.items() if k != "good-control"}
    res = {
        "date": dt.date.today().isoformat(),
        "machine": ls.cpu_model(),
        "git": ls.git_state(),
        "command": "python benchmarks/hostile.py"
        + (" --write-readme" if args.write_readme else ""),
        "runs": args.runs,
        "cases": cases,
        "summary": {
            "hostile": len(hostile),
            "detected": sum(v["expected"] in v["security_findings"] for v in hostile.values()),
            "max_wall_s": max(v["wall_s"]["max"] for v in hostile.values()),
            "max_rss_mb": max(v["peak_rss_mb"]["max"] for v in hostile.values()),
            "benign_wall_s": cases["good-control"]["wall_s"]["median"],
            "benign_rss_mb": cases["good-control"]["peak_rss_mb"]["max"],
        },
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(res, indent=2) + "\n")
    print(markdown_block(res))
    if args.write_readme:
        ls.write_block(BEGIN, END, markdown_block(res))
    return 0 if res["summary"]["detected"] == len(hostile) else 1


if __name__ == "__main__":
    sys.exit(main())
