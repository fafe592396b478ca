"""Detection on the bug corpus: recall per bug kind for lint and probe, layer localisation, and
false alarms on the fixed twins and the sound models, with recorded results.

The corpus (``tests/corpus/``, listed in its README) holds buggy Keras models of the kinds
public studies of real deep-learning bugs report most, each with a fixed twin (only the bug
fixed) and the findings expected from each tool, plus sound models. This script:

1. builds every model into ``benchmarks/.cache/corpus/`` (git-ignored; rebuilt when the corpus
   sources or the Keras version change) with the ``.npz`` probe data the cases name;
2. runs ``modelcheck.lint(path)`` on every model, and ``modelcheck.probe(path, data=...,
   seed=0)`` in this process (TensorFlow is imported once), or in ``--jobs N`` worker
   processes. The probe runs its default budget with no wall-clock cap, so that the findings
   do not depend on how busy the machine is;
3. judges each buggy model against its case's expectations and counts every warning and error
   on the fixed twins and the sound models as a false alarm (for the probe: its MP findings;
   the lint findings it repeats are lint's).

Definitions (see ``tests/corpus/cases.py``):

- a tool *detects* a buggy case when it reports, as a warning or an error, at least one code
  the case expects from it; its *recall* on a kind is the share of the kind's cases it
  detects, among the cases that expect something from it (the probe expects nothing where the
  bug does not harm learning on the probe data); *combined* recall counts a case detected by
  either tool, over all cases of the kind;
- *localisation*: of the expected findings that name a layer and whose code was reported,
  the share reported at that layer;
- *complete* (lint): every expected lint finding reported at its layer.

Usage (from the repository root)::

    .venv/bin/python benchmarks/corpus_eval.py                  # build, lint, probe, print, JSON
    .venv/bin/python benchmarks/corpus_eval.py --write-readme   # ... and the README blocks
    .venv/bin/python benchmarks/corpus_eval.py --lint-only --cases relu
    .venv/bin/python benchmarks/corpus_eval.py --jobs 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# This script's directory is first on sys.path when it runs as `python benchmarks/...`.
import lint_speed as ls
import probe_speed as ps

sys.path.insert(0, str(ls.ROOT / "tests"))
import corpus  # noqa: E402 - tests/corpus, the bug corpus the tests check too
from corpus import build as cbuild  # noqa: E402
from corpus.cases import Case, Expect, Sound  # noqa: E402

ROOT = ls.ROOT
README = ls.README
CORPUS_README = ls.ROOT / "tests" / "corpus" / "README.md"
CACHE = ls.CACHE / "corpus"
RESULTS = ls.BENCH / "results" / "corpus.json"
BEGIN, END = "<!-- corpus:begin -->", "<!-- corpus:end -->"
CASES_BEGIN, CASES_END = "<!-- corpus-cases:begin -->", "<!-- corpus-cases:end -->"
SEED = 0
#: The probe's wall-clock cap, set out of reach: a capped run stops early on a busy machine and
#: its findings would then depend on the load, not on the model.
NO_TIME_CAP_S = 3600.0


# --------------------------------------------------------------------------- running the tools


def _finding(f: Any) -> dict[str, str]:
    return {"code": f.code, "layer": f.location.layer_path, "severity": f.severity.label}


def run_lint(models: Sequence[cbuild.Model]) -> dict[str, dict[str, Any]]:
    """``modelcheck.lint`` on every model: its findings (all severities) and time."""
    import modelcheck

    out: dict[str, dict[str, Any]] = {}
    for m in models:
        t0 = time.perf_counter()
        report = modelcheck.lint(str(m.path))
        out[_key(m)] = {
            "findings": [_finding(f) for f in report.sorted_findings()],
            "failures": [x.message for x in report.failures],
            "seconds": round(time.perf_counter() - t0, 4),
        }
    return out


def probe_one(path: str, data: str, seed: int) -> dict[str, Any]:
    """``modelcheck.probe`` on one model: its MP findings, accuracy and time, or the error
    that stopped it. Top level, so that ``--jobs`` workers can run it."""
    import modelcheck

    t0 = time.perf_counter()
    try:
        report = modelcheck.probe(
            path, data=data, seed=seed, max_seconds=NO_TIME_CAP_S, progress=False
        )
    except modelcheck.ModelcheckError as exc:
        return {"error": str(exc), "seconds": round(time.perf_counter() - t0, 2)}
    info = report.extra["probe"]
    training = info.get("training", {})
    return {
        "findings": [_finding(f) for f in report.sorted_findings() if f.code.startswith("MP")],
        "failures": [x.message for x in report.failures],
        "accuracy": info.get("accuracy"),
        "expected_accuracy": info.get("expected_accuracy"),
        "loss": [round(float(v), 4) for v in info.get("history", {}).get("loss", [])],
        "steps": training.get("steps_run"),
        "stopped_by_time": bool(training.get("stopped_by_time")),
        "data": info.get("data"),
        "source": info.get("source"),
        "seconds": round(time.perf_counter() - t0, 2),
    }


def _init_worker(bench: str, threads: int) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)


def run_probes(models: Sequence[cbuild.Model], jobs: int, seed: int) -> dict[str, dict[str, Any]]:
    """The probe on every model, in order (``jobs == 1``) or in worker processes."""
    out: dict[str, dict[str, Any]] = {}
    n = len(models)

    def done(i: int, m: cbuild.Model, res: dict[str, Any]) -> None:
        out[_key(m)] = res
        what = res.get("error") or " ".join(
            f"{f['code']}@{f['layer'] or '-'}" for f in res["findings"] if _serious(f)
        )
        acc = res.get("accuracy")
        ls.log(
            f"  [{i}/{n}] {m.id} ({m.role}): {what or 'no findings'}"
            + (f"; accuracy {acc:.3f}" if isinstance(acc, float) else "")
            + f"; {res['seconds']:.1f} s"
        )

    if jobs <= 1:
        for i, m in enumerate(models, start=1):
            done(i, m, probe_one(str(m.path), m.data, seed))
        return out
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    threads = max(1, (os.cpu_count() or 1) // jobs)
    with ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(str(ls.BENCH), threads),
    ) as pool:
        futures = {pool.submit(probe_one, str(m.path), m.data, seed): m for m in models}
        for i, fut in enumerate(as_completed(futures), start=1):
            done(i, futures[fut], fut.result())
    return {_key(m): out[_key(m)] for m in models}


def _key(m: cbuild.Model) -> str:
    return f"{m.id}.{m.role}"


# --------------------------------------------------------------------------- judging


def _serious(f: dict[str, str]) -> bool:
    return f["severity"] in ("warning", "error")


def judge(expected: Sequence[Expect], findings: Iterable[dict[str, str]]) -> dict[str, Any]:
    """One tool on one buggy model: which expected findings it reported, where."""
    serious = [f for f in findings if _serious(f)]
    codes = {e.code for e in expected}
    status = []
    for e in expected:
        layers = {f["layer"] for f in serious if f["code"] == e.code}
        if not layers:
            state = "missed"
        elif e.layer is None:
            state = "reported"
        else:
            state = "at layer" if e.layer in layers else "elsewhere"
        status.append({"expect": str(e), "state": state, "reported_at": sorted(layers)})
    hit = [s for s in status if s["state"] != "missed"]
    located = [
        s for s, e in zip(status, expected) if e.layer is not None and s["state"] != "missed"
    ]
    return {
        "expected": [str(e) for e in expected],
        "status": status,
        "detected": bool(hit),
        "complete": bool(expected)
        and len(hit) == len(status)
        and all(s["state"] != "elsewhere" for s in status),
        "located": len(located),
        "localised": sum(s["state"] == "at layer" for s in located),
        # reported, but not among the expected codes: informative, not judged
        "other": sorted(
            {f"{f['code']}@{f['layer'] or '-'}" for f in serious if f["code"] not in codes}
        ),
    }


def false_alarms(res: dict[str, Any]) -> list[str]:
    """Warnings and errors on a model that should have none (or the probe's error)."""
    if "error" in res:
        return [f"probe could not run: {res['error']}"]
    return [
        f"{f['code']}@{f['layer'] or '-'} ({f['severity']})" for f in res["findings"] if _serious(f)
    ]


def _ratio(num: int, den: int) -> dict[str, Any]:
    return {"n": num, "of": den, "rate": (num / den) if den else None}


def evaluate(
    cases: Sequence[Case],
    sounds: Sequence[Sound],
    lint: dict[str, dict[str, Any]],
    probe: dict[str, dict[str, Any]] | None,
) -> dict[str, Any]:
    per_case = []
    for c in cases:
        row: dict[str, Any] = {
            "id": c.id,
            "kind": c.kind,
            "layer": c.layer,
            "data": c.data,
            "lint": judge(c.lint, lint[f"{c.id}.buggy"]["findings"]),
            "lint_fixed_alarms": false_alarms(lint[f"{c.id}.fixed"]),
        }
        if probe is not None:
            pb, pf = probe[f"{c.id}.buggy"], probe[f"{c.id}.fixed"]
            row["probe"] = judge(c.probe, pb.get("findings", []))
            row["probe_error"] = pb.get("error")
            row["probe_fixed_alarms"] = false_alarms(pf)
            row["accuracy"] = {"buggy": pb.get("accuracy"), "fixed": pf.get("accuracy")}
            row["loss_last"] = {
                "buggy": (pb.get("loss") or [None])[-1],
                "fixed": (pf.get("loss") or [None])[-1],
            }
        row["combined"] = row["lint"]["detected"] or bool(row.get("probe", {}).get("detected"))
        per_case.append(row)

    def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {"cases": len(rows)}
        for tool in ("lint", "probe"):
            if any(tool not in r for r in rows):
                continue
            expecting = [r for r in rows if r[tool]["expected"]]
            out[tool] = {
                "recall": _ratio(sum(r[tool]["detected"] for r in expecting), len(expecting)),
                "detected_of_all": _ratio(sum(r[tool]["detected"] for r in rows), len(rows)),
                "localised": _ratio(
                    sum(r[tool]["localised"] for r in rows), sum(r[tool]["located"] for r in rows)
                ),
                "complete": _ratio(sum(r[tool]["complete"] for r in expecting), len(expecting)),
            }
        out["combined"] = _ratio(sum(r["combined"] for r in rows), len(rows))
        if all("probe" in r for r in rows):
            out["probe_errors"] = sum(bool(r.get("probe_error")) for r in rows)
        return out

    kinds = {}
    for key in corpus.KINDS:
        rows = [r for r in per_case if r["kind"] == key]
        if rows:
            kinds[key] = summarise(rows)
    sound_rows = []
    for s in sounds:
        row = {"id": s.id, "data": s.data, "lint_alarms": false_alarms(lint[f"{s.id}.sound"])}
        if probe is not None:
            rec = probe[f"{s.id}.sound"]
            row["probe_alarms"] = false_alarms(rec)
            row["accuracy"] = {"sound": rec.get("accuracy")}
            row["loss_last"] = {"sound": (rec.get("loss") or [None])[-1]}
        sound_rows.append(row)
    alarms: dict[str, Any] = {
        "fixed": {
            "lint": _ratio(sum(bool(r["lint_fixed_alarms"]) for r in per_case), len(per_case)),
        },
        "sound": {"lint": _ratio(sum(bool(r["lint_alarms"]) for r in sound_rows), len(sounds))},
    }
    if probe is not None:
        alarms["fixed"]["probe"] = _ratio(
            sum(bool(r["probe_fixed_alarms"]) for r in per_case), len(per_case)
        )
        alarms["sound"]["probe"] = _ratio(
            sum(bool(r["probe_alarms"]) for r in sound_rows), len(sounds)
        )
    return {
        "cases": per_case,
        "kinds": kinds,
        "total": summarise(per_case),
        "sound": sound_rows,
        "false_alarms": alarms,
    }


# --------------------------------------------------------------------------- reporting


def _pct(r: dict[str, Any] | None) -> str:
    if not r or not r["of"]:
        return "n/a"
    return f"{r['n']}/{r['of']} ({100 * r['rate']:.0f} %)"


def _acc(value: Any) -> str:
    return f"{100 * value:.1f}" if isinstance(value, (int, float)) else "-"


def _outcome(row: dict[str, Any], side: str) -> str:
    """Held-out accuracy in %, or the last training loss for a regression model."""
    acc = row["accuracy"][side]
    if isinstance(acc, (int, float)):
        return _acc(acc)
    loss = row["loss_last"][side]
    return f"loss {loss:.3g}" if isinstance(loss, (int, float)) else "-"


def _mark(j: dict[str, Any]) -> str:
    """``✓`` detected at the expected layers, ``~`` detected elsewhere, ``✗`` missed."""
    if not j["expected"]:
        return ""
    if not j["detected"]:
        return "✗"
    return "✓" if j["localised"] == j["located"] else "~"


def print_results(res: dict[str, Any]) -> None:
    ev = res["evaluation"]
    probe = res["probe_ran"]
    n_cases, n_sound = len(ev["cases"]), len(ev["sound"])
    print(f"\nmodelcheck corpus  {res['date']}  ({n_cases} buggy cases, {n_sound} sound models)\n")
    head = f"{'kind':26} {'cases':>5} {'lint':>12} {'probe':>12} {'either':>12} {'loc lint':>10}"
    print(head + (f" {'loc probe':>10}" if probe else ""))
    for key, k in [*ev["kinds"].items(), ("TOTAL", ev["total"])]:
        line = (
            f"{key:26} {k['cases']:>5} {_short(k['lint']['recall']):>12} "
            f"{_short(k['probe']['recall']) if probe else '-':>12} {_short(k['combined']):>12} "
            f"{_short(k['lint']['localised']):>10}"
        )
        print(line + (f" {_short(k['probe']['localised']):>10}" if probe else ""))
    fa = ev["false_alarms"]
    print(
        f"\nfalse alarms: fixed twins lint {_pct(fa['fixed']['lint'])}"
        + (f", probe {_pct(fa['fixed']['probe'])}" if probe else "")
        + f"; sound models lint {_pct(fa['sound']['lint'])}"
        + (f", probe {_pct(fa['sound']['probe'])}" if probe else "")
    )
    for r in ev["cases"]:
        for tool in ("lint", "probe"):
            if (
                tool in r
                and r[tool]["expected"]
                and not (r[tool]["detected"] and r[tool]["localised"] == r[tool]["located"])
            ):
                what = "missed" if not r[tool]["detected"] else "elsewhere"
                states = [f"{s['expect']}: {s['state']}" for s in r[tool]["status"]]
                print(f"  {tool} {what}: {r['id']}: {', '.join(states)}")
        for tool in ("lint", "probe"):
            for a in r.get(f"{tool}_fixed_alarms", []):
                print(f"  {tool} false alarm on fixed {r['id']}: {a}")
    for s in ev["sound"]:
        for tool in ("lint", "probe"):
            for a in s.get(f"{tool}_alarms", []):
                print(f"  {tool} false alarm on sound {s['id']}: {a}")
    t = res["timing"]
    print(
        f"\ntime: build {t['build_s']:.1f} s, lint {t['lint_s']:.1f} s"
        + (
            f", probe {t['probe_s']:.0f} s ({t['probe_models']} models, median "
            f"{t['probe_median_s']:.1f} s)"
            if probe
            else ""
        )
        + f", total {t['total_s']:.0f} s"
    )


def _short(r: dict[str, Any] | None) -> str:
    if not r or not r["of"]:
        return "n/a"
    return f"{r['n']}/{r['of']}"


def markdown_block(res: dict[str, Any]) -> str:
    ev, m, v, g = res["evaluation"], res["machine"], res["versions"], res["git"]
    dirty = ", package sources modified" if g["package_sources_dirty"] else ""
    if g["source_hash_start"] != g["source_hash_end"]:
        dirty += "; **the package sources changed during the recording**"
    tf = v.get("tensorflow-cpu") or v.get("tensorflow")
    t = res["timing"]
    tot, fa = ev["total"], ev["false_alarms"]
    lines = [
        BEGIN,
        f"Recorded {res['date']} with `{res['command']}` (commit {g['commit']}{dirty}).",
        f"Machine: {m['cpu']}, {m['nproc']} CPUs, load average {ls._load(m)} at start. "
        f"Python {v['python']}, keras {v['keras']}, tensorflow-cpu {tf}, scikit-learn "
        f"{v['scikit-learn']}. Probe: seed {res['seed']}, the default budget, no wall-clock "
        f"cap, data from {res['mnist_source']}. Time: build {t['build_s']:.0f} s, lint "
        f"{t['lint_s']:.1f} s for {t['lint_models']} models, probe {t['probe_s']:.0f} s for "
        f"{t['probe_models']} models (median {t['probe_median_s']:.1f} s), "
        f"{t['total_s'] / 60:.1f} min in all.",
        "",
        f"| {len(ev['cases'])} buggy cases, {len(corpus.KINDS)} kinds; {len(ev['sound'])} sound "
        "models | Lint | Probe | Either |",
        "|---|---:|---:|---:|",
        f"| Recall: cases detected (of the cases expecting a finding from the tool) | "
        f"{_pct(tot['lint']['recall'])} | {_pct(tot['probe']['recall'])} | "
        f"{_pct(tot['combined'])} |",
        f"| Localisation: expected findings reported at the expected layer | "
        f"{_pct(tot['lint']['localised'])} | {_pct(tot['probe']['localised'])} | |",
        f"| Complete: every expected finding at its layer | {_pct(tot['lint']['complete'])} | | |",
        f"| False alarms: fixed twins with a warning or an error | "
        f"{_pct(fa['fixed']['lint'])} | {_pct(fa['fixed']['probe'])} | |",
        f"| False alarms: sound models with a warning or an error | "
        f"{_pct(fa['sound']['lint'])} | {_pct(fa['sound']['probe'])} | |",
        "",
        "| Bug kind | Cases | Lint recall | Probe recall | Combined | Lint localised "
        "| Probe localised | Probe could not train |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, k in ev["kinds"].items():
        lines.append(
            f"| {key} | {k['cases']} | {_short(k['lint']['recall'])} | "
            f"{_short(k['probe']['recall'])} | {_short(k['combined'])} | "
            f"{_short(k['lint']['localised'])} | {_short(k['probe']['localised'])} | "
            f"{k.get('probe_errors') or ''} |"
        )
    lines += [
        "",
        "Per case (✓ detected at the expected layers, ~ detected at another layer, ✗ missed; "
        "the last column: held-out accuracy of the buggy model and of its fixed twin on the "
        "case's probe data, or their last training loss for regression):",
        "",
        "| Case | Kind | Lint expects | Lint | Probe expects (any) | Probe | Probe reported "
        "| Buggy / fixed |",
        "|---|---|---|:-:|---|:-:|---|---:|",
    ]
    for r in ev["cases"]:
        reported = (
            f"could not train: {_received(r['probe_error'])}"
            if r.get("probe_error")
            else ", ".join(_reported(r["probe"])) or "-"
        )
        lines.append(
            f"| {r['id']} | {r['kind']} | {', '.join(r['lint']['expected']) or '-'} | "
            f"{_mark(r['lint'])} | {', '.join(r['probe']['expected']) or '-'} | "
            f"{_mark(r['probe'])} | {reported} | "
            f"{_outcome(r, 'buggy')} / {_outcome(r, 'fixed')} |"
        )
    alarms = [
        f"- fixed `{r['id']}` ({tool}): {', '.join(r[f'{tool}_fixed_alarms'])}"
        for r in ev["cases"]
        for tool in ("lint", "probe")
        if r.get(f"{tool}_fixed_alarms")
    ] + [
        f"- sound `{s['id']}` ({tool}): {', '.join(s[f'{tool}_alarms'])}"
        for s in ev["sound"]
        for tool in ("lint", "probe")
        if s.get(f"{tool}_alarms")
    ]
    lines += ["", "False alarms: " + ("none." if not alarms else ""), *alarms]
    lines += [
        "",
        "Sound models (held-out accuracy %, or last training loss): "
        + ", ".join(f"`{s['id']}` {_outcome(s, 'sound')}" for s in ev["sound"])
        + ".",
        END,
    ]
    return "\n".join(lines)


def _reported(j: dict[str, Any]) -> list[str]:
    out = []
    for s in j["status"]:
        if s["state"] != "missed":
            code = s["expect"].split("@")[0]
            out += [f"{code}@{layer}" if layer else code for layer in s["reported_at"]]
    return list(dict.fromkeys(out))


def _received(text: str) -> str:
    """What a one-line modelcheck error received (``... Received: ValueError: ...``)."""
    return text.split("Received: ", 1)[-1].split(". Received:")[0][:90].rstrip(".")


def cases_table() -> str:
    """The case list of ``tests/corpus/README.md``, from the cases themselves."""
    lines = [
        CASES_BEGIN,
        "| Kind | What it is | Study categories | Caught by |",
        "|---|---|---|---|",
    ]
    for k in corpus.KINDS.values():
        lines.append(f"| `{k.key}` | {k.title} | {k.studies} | {k.tools} |")
    lines += [
        "",
        "| Case | Kind | The bug | Buggy layer | The fixed twin | Lint expects | Probe expects "
        "(any) | Probe data |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in corpus.CASES:
        data = c.data if not c.fixed_data else f"{c.data} (twin: {c.fixed_data})"
        lines.append(
            f"| `{c.id}` | {c.kind} | {c.summary} | {c.layer or '(model)'} | {c.fix} | "
            f"{', '.join(map(str, c.lint)) or '-'} | {', '.join(map(str, c.probe)) or '-'} | "
            f"{data} |"
        )
    lines += ["", "| Sound model | What it is | Probe data |", "|---|---|---|"]
    for s in corpus.SOUND:
        lines.append(f"| `{s.id}` | {s.summary} | {s.data} |")
    lines.append(CASES_END)
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lint-only", action="store_true", help="run lint only (no TensorFlow)")
    ap.add_argument("--cases", metavar="PATTERN", help="only cases whose id or kind matches")
    ap.add_argument("--jobs", type=int, default=1, help="probe worker processes (default 1)")
    ap.add_argument("--seed", type=int, default=SEED, help="probe seed (default 0)")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the corpus models and data")
    ap.add_argument("--cache", type=Path, default=CACHE, help="where the corpus is built")
    ap.add_argument("--results", type=Path, default=RESULTS, help="results JSON path")
    ap.add_argument(
        "--write-readme",
        action="store_true",
        help="update the results block in benchmarks/README.md and the case list in "
        "tests/corpus/README.md (needs a full run)",
    )
    args = ap.parse_args(argv)
    if args.write_readme and (args.lint_only or args.cases):
        ap.error("--write-readme records a full run: drop --lint-only and --cases")
    if args.jobs < 1:
        ap.error("--jobs must be at least 1")

    started = time.perf_counter()
    loadavg = tuple(round(x, 2) for x in os.getloadavg())
    source_hash = ls.source_hash()[:16]
    cases, sounds = corpus.select(args.cases)
    if not cases and not sounds:
        ap.error(f"--cases {args.cases!r} matches no case")

    t0 = time.perf_counter()
    models = cbuild.build(
        args.cache.resolve(),
        cases,
        sounds,
        data=not args.lint_only,
        force=args.rebuild,
        log=ls.log,
    )
    build_s = time.perf_counter() - t0

    ls.log(f"lint: {len(models)} models")
    t0 = time.perf_counter()
    lint = run_lint(models)
    lint_s = time.perf_counter() - t0

    probe = None
    probe_s = 0.0
    if not args.lint_only:
        ls.log(f"probe: {len(models)} models, seed {args.seed}, {args.jobs} process(es)")
        t0 = time.perf_counter()
        probe = run_probes(models, args.jobs, args.seed)
        probe_s = time.perf_counter() - t0

    evaluation = evaluate(cases, sounds, lint, probe)
    sources = sorted({p["source"].split(";")[0] for p in (probe or {}).values() if p.get("source")})
    res: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": ("python benchmarks/corpus_eval.py " + shlex.join(argv or sys.argv[1:])).strip(),
        "seed": args.seed,
        "jobs": args.jobs,
        "probe_ran": probe is not None,
        "machine": ls.machine_info(loadavg, end=True),
        "git": {
            **ls.git_state(),
            "source_hash_start": source_hash,
            "source_hash_end": ls.source_hash()[:16],
        },
        "versions": ps.versions(),
        "mnist_source": next((s for s in sources if "MNIST" in s), ", ".join(sources) or None),
        "timing": {
            "build_s": round(build_s, 2),
            "lint_s": round(lint_s, 2),
            "lint_models": len(models),
            "probe_s": round(probe_s, 2),
            "probe_models": len(probe or {}),
            "probe_median_s": statistics.median([p["seconds"] for p in probe.values()])
            if probe
            else None,
            "total_s": round(time.perf_counter() - started, 2),
        },
        "evaluation": evaluation,
        "lint": lint,
        "probe": probe,
    }
    if res["git"]["source_hash_start"] != res["git"]["source_hash_end"]:
        ls.log("WARNING: the package sources changed during the run: run it again")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n")
    ls.log(f"wrote {args.results}")
    print_results(res)
    if args.write_readme:
        ls.write_block(BEGIN, END, markdown_block(res))
        ls.write_block(CASES_BEGIN, CASES_END, cases_table(), CORPUS_README)
    return 0


if __name__ == "__main__":
    sys.exit(main())
