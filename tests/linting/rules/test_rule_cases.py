"""Rule cases as data: every case in ``cases/MC*.json`` (one file per rule code) is linted from
its stored fixture, with no Keras or TensorFlow, and must give the findings it expects.

A case names the layers where codes must appear (``"*"``: anywhere) and codes that must not
appear at all; every rule has at least one case where it fires and one where it stays
silent. The fixtures are what Keras writes (``cases/regenerate.py`` rebuilds them from each
case's snippet; ``test_rule_docs.py`` checks, with Keras, that they still match).
"""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest

import modelcheck
from modelcheck.linting.registry import RULES

CASES_DIR = Path(__file__).resolve().parent / "cases"
TESTS = Path(__file__).resolve().parents[2]
APPLICATIONS = TESTS / "data" / "applications"
CASE_FILES = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in CASES_DIR.glob("MC*.json")}
CASES = [(data["rule"], case) for _, data in sorted(CASE_FILES.items()) for case in data["cases"]]


#: What a source case's snippet is preceded by in the linted ``.py`` file.
SOURCE_PRELUDE = "import keras\nfrom keras import layers\n"


def write_fixture(case: dict[str, Any], folder: Path) -> Path:
    """The model file a case describes: its stored file, a ``.keras`` archive of its config
    (what ``model.save`` writes, without weights), or for a source case (``"source": true``,
    rules about Python code) the snippet itself as a ``.py`` file."""
    if "real" in case:  # a real public program or config kept under tests/ (named in "about")
        real = TESTS / case["real"]
        if real.suffix != ".gz":
            path = folder / real.name
            path.write_bytes(real.read_bytes())
            return path
        case = {**case, "config": json.loads(gzip.decompress(real.read_bytes()))}
    elif case.get("source"):
        path = folder / "model.py"
        path.write_text(SOURCE_PRELUDE + case["python"], encoding="utf-8")
        return path
    if "application" in case:  # a real keras.applications config stored under tests/data
        config = json.loads(
            gzip.decompress((APPLICATIONS / f"{case['application']}.json.gz").read_bytes())
        )
        case = {**case, "config": config, "keras_version": "3.15.1"}
    if "file" in case:
        raw = base64.b64decode(case["file"])
        suffix = ".keras" if raw[:4] == b"PK\x03\x04" else ".h5"
        path = folder / f"model{suffix}"
        path.write_bytes(raw)
        return path
    path = folder / "model.keras"
    meta = {"keras_version": case.get("keras_version") or "3.15.1", "date_saved": "case"}
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", json.dumps(meta))
        zf.writestr("config.json", json.dumps(case["config"]))
    return path


def lint_case(case: dict[str, Any], folder: Path) -> modelcheck.Report:
    # configuration cases: the model sits in models/ below the pyproject.toml
    models = folder / "models" if "pyproject" in case else folder
    models.mkdir(parents=True, exist_ok=True)
    path = write_fixture(case, models)
    if "pyproject" in case:
        (folder / "pyproject.toml").write_text(case["pyproject"], encoding="utf-8")
        return modelcheck.lint(path, config=folder / "pyproject.toml")
    return modelcheck.lint(path, weights=bool(case.get("weights")))


def problems(case: dict[str, Any], report: modelcheck.Report) -> list[str]:
    """What in ``report`` contradicts the case (empty: the case passes)."""
    out = []
    found = {(f.code, f.location.layer_path) for f in report.findings}
    for layer, codes in case["expect"].items():
        for code in codes:
            if not any(c == code and (layer == "*" or at == layer) for c, at in found):
                where = "anywhere" if layer == "*" else f"on '{layer}'"
                out.append(f"expected {code} {where}; found {sorted(found)}")
    for code in case["absent"]:
        hits = sorted(at for c, at in found if c == code)
        if hits:
            out.append(f"{code} must not appear; found on {hits}")
    for code, severity in case.get("severity", {}).items():
        got = sorted({f.severity.label for f in report.findings if f.code == code})
        if got != [severity]:
            out.append(f"{code} must be reported as {severity}; found {got or 'nothing'}")
    for f in report.findings:
        if not f.fix.strip() or not f.location.artifact:
            out.append(f"{f.code} without a fix or an artifact")
    return out


@pytest.mark.parametrize("rule, case", CASES, ids=[f"{r}-{c['id']}" for r, c in CASES])
def test_rule_case(rule, case, tmp_path):
    report = lint_case(case, tmp_path)
    assert not report.failures or case.get("failures"), [x.message for x in report.failures]
    assert problems(case, report) == []


def test_every_rule_has_a_case_file_with_a_failing_and_a_passing_case():
    assert sorted(CASE_FILES) == sorted(r.code for r in RULES)
    for code, data in CASE_FILES.items():
        assert data["rule"] == code and data["name"] == next(
            r.name for r in RULES if r.code == code
        )
        fires = [c for c in data["cases"] if any(code in cs for cs in c["expect"].values())]
        silent = [c for c in data["cases"] if code in c["absent"]]
        assert fires and silent, f"{code}: {len(fires)} failing, {len(silent)} passing cases"
        ids = [c["id"] for c in data["cases"]]
        assert len(ids) == len(set(ids)), f"{code}: duplicate case ids"
        for case in data["cases"]:
            fixtures = [k for k in ("config", "file", "application", "source", "real") if k in case]
            assert len(fixtures) == 1, f"{code}-{case['id']}: one fixture"
            assert case.get("about"), f"{code}-{case['id']}: say what the case is and its source"


def test_the_checker_rejects_a_wrong_expectation(tmp_path):
    # control: a case that expects the opposite of what its fixture gives must fail
    rule, case = next((r, c) for r, c in CASES if r == "MC203" and c["id"] == "doc-anti-pattern")
    report = lint_case(case, tmp_path)
    assert problems({**case, "expect": {}, "absent": ["MC203"]}, report)
    assert problems({**case, "expect": {"no_such_layer": ["MC203"]}, "absent": []}, report)


def test_cases_run_without_tensorflow_or_keras():
    code = f"""
import sys, tempfile
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
import test_rule_cases as t
bad = []
for rule, case in t.CASES:
    if t.problems(case, t.lint_case(case, Path(tempfile.mkdtemp()))):
        bad.append(rule + "-" + case["id"])
heavy = sorted(m for m in ("tensorflow", "keras", "tf_keras", "torch", "jax") if m in sys.modules)
print(len(t.CASES), bad, heavy)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split(" ", 1)[1].strip() == "[] []", out.stdout + out.stderr


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_doc_cases_are_the_rules_documentation_examples(rule):
    """The ``doc-*`` cases lint the documentation's own examples: they must not drift."""
    by_id = {c["id"]: c for c in CASE_FILES[rule.code]["cases"]}
    for section, case_id in (
        ("Anti-pattern", "doc-anti-pattern"),
        ("Best practice", "doc-best-practice"),
    ):
        key = "python" if rule.example_language == "python" else "pyproject"
        assert by_id[case_id][key] == textwrap.dedent(rule.example(section)), (
            f"{rule.code}: run cases/regenerate.py after editing the docstring"
        )
