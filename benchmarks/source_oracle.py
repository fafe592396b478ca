"""Agreement of the source reader with Keras on the oracle corpus, written to the README.

For every real program in ``tests/graph/readers/source_corpus/programs`` that Keras could run
and that builds a model (``truth/``, recorded by the corpus's ``oracle.py``), compare the
models extracted statically with the ones Keras built: was a model extracted at all, is the
layer-class sequence Keras's, do units and activations agree too; and count each class of
disagreement. No Keras is imported here.

Usage::

    .venv/bin/python benchmarks/source_oracle.py [--write-readme]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "graph" / "readers" / "source_corpus"))
sys.path.insert(0, str(ROOT / "benchmarks"))
import compare  # noqa: E402
import lint_speed  # noqa: E402 - write_block

RESULTS = ROOT / "benchmarks" / "results" / "source_oracle.json"
BEGIN, END = "<!-- source-oracle:begin -->", "<!-- source-oracle:end -->"


def pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.1f} %)" if b else "0/0"


def _broad(detail: str) -> str:
    from modelcheck.graph.readers.source.names import layer_class

    words = detail.split()
    cls = words[2] if words[0] in ("units", "activation") else words[-1]
    keras_layer = layer_class(cls) is not None
    if detail.startswith(("units of", "activation of")) and detail.endswith("unknown"):
        if not keras_layer:
            return "a custom layer's arguments (the reader keeps it one opaque layer)"
        return "a size computed from what the reader cannot see (data, files, arguments)"
    if detail.startswith(("units of", "activation of")):
        if not keras_layer:
            return "a custom layer's arguments (the reader keeps it one opaque layer)"
        return "a value the reader computes differently"
    if detail.startswith(("missing", "extra")):
        if not keras_layer:
            return "a custom layer or block, kept opaque or expanded differently from Keras"
        return "Keras layers missing or extra (inside custom blocks and subclassed calls)"
    return detail


def broad_classes(results: list[Any]) -> list[tuple[str, set[str]]]:
    groups: dict[str, set[str]] = {}
    for r in results:
        for c in set(r.classes):
            groups.setdefault(_broad(c), set()).add(
                r.program.split("__")[0] + ":" + r.program.split("__", 1)[-1][:40]
            )
    return sorted(groups.items(), key=lambda kv: -len(kv[1]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--write-readme", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    results = compare.compare_all()
    seconds = time.perf_counter() - t0
    s = compare.summary(results)
    programs = [p for p in compare.PROGRAMS.iterdir() if p.suffix in (".py", ".ipynb")]
    truths = [
        json.loads(p.read_text()) for p in compare.TRUTH.glob("*.json") if p.name != "SUMMARY.json"
    ]
    ran = sum(1 for t in truths if t.get("status") == "ok")
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')}: {len(programs)} programs "
        f"({sum(p.suffix == '.py' for p in programs)} `.py`, "
        f"{sum(p.suffix == '.ipynb' for p in programs)} notebooks); Keras ran {ran} of them "
        f"offline (the others need data files, downloads or packages the oracle does not stub), "
        f"{s['programs_with_a_model']} of those build a model ({s['models']} top-level models). "
        f"Reading all of them took {seconds:.2f} s in one process.",
        "",
        "| measure | result | target |",
        "|---|---:|---:|",
        f"| programs with a model extracted | {pct(s['programs_extracted'], s['programs_with_a_model'])} | >= 95 % |",
        f"| models with Keras's layer sequence | {pct(s['models_same_sequence'], s['models'])} | >= 90 % |",
        f"| ... and the same units and activations | {pct(s['models_same_rows'], s['models'])} | - |",
        f"| programs with every model's sequence right | {pct(s['programs_all_sequences'], s['programs_with_a_model'])} | - |",
        f"| tracebacks | {len(s['tracebacks'])} | 0 |",
        "",
        "Disagreement classes (a program can show several):",
        "",
        "| class | programs | which |",
        "|---|---:|---|",
        *[
            f"| {c} | {len(names)} | {', '.join(sorted(names)[:6])}{', ...' if len(names) > 6 else ''} |"
            for c, names in broad_classes(results)
        ],
    ]  # fmt: skip
    block = "\n".join(lines)
    print(block)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({**s, "seconds": seconds, "programs": len(programs), "ran": ran}, indent=2)
        + "\n"
    )
    if args.write_readme:
        lint_speed.write_block(BEGIN, END, f"{BEGIN}\n{block}\n{END}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
