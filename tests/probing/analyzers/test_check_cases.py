"""Probe-check cases as data: every case in ``cases/MP*.json`` (one file per check code) is a
situation a probe run can be in, and what a correct judge says about it. No TensorFlow, no
Keras: the runner builds a :class:`ProbeRecord` from the case and runs the check's ``judge``
on the case's rows, with the analyzer's default thresholds and the case's overrides.

A case holds:

- ``graph``: a small Keras 3 model config (what ``config.json`` of a ``.keras`` holds), or
  ``null`` for an empty graph;
- ``record``: the :class:`ProbeRecord` fields the check (or, with ``measure``, its analyzer)
  reads: ``dataset``, ``io``, ``training``, ``history``, ``step_losses``, ``grad_norms_*``,
  ``weight_norms``, ``input_stats``, ``watched``, ``activations_*``, ``features``,
  ``probe_labels``, ``predictions``. Numbers that are NaN/Inf are written ``"nan"``,
  ``"inf"``, ``"-inf"`` (strict JSON, as in the probe's JSON report);
- ``rows``: the analyzer's table that the check judges. With ``"measure": true`` the record
  holds the raw measurements and the runner also checks that the analyzer measures exactly
  these rows from it, so their shape cannot drift from what the analyzer really produces;
- ``thresholds``: overrides, by the keys the check reads;
- ``expect``: ``{"<layer path>" or "" (model level): ["MP101"]}``: the findings of the check,
  all of them: the check must report its code at each of these layers and nowhere else;
- ``severity`` (optional): ``{"<layer path>": "warning" | "error"}``;
- ``absent``: codes that must not be reported anywhere;
- ``known_wrong`` (optional): why the check does not (yet) say what the case expects; the
  case is then a strict xfail, and passes the day the check is fixed.

Check classes are looked up through :mod:`modelcheck.probing.registry` only.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from modelcheck.findings import Finding
from modelcheck.graph.ir import ModelGraph
from modelcheck.graph.keras_config import graph_from_config
from modelcheck.probing.registry import PROBE_CHECKS, analyzer_of, get_check
from modelcheck.probing.types import MULTICLASS, Dataset, ModelIO, ProbeRecord, WatchedLayer

CASES_DIR = Path(__file__).resolve().parent / "cases"
ARTIFACT = "case.keras"


def _strict(value: str) -> float:
    raise ValueError(f"Expected strict JSON (write NaN/Inf as strings). Received: {value}")


CASE_FILES: dict[str, dict[str, Any]] = {
    p.stem: json.loads(p.read_text(encoding="utf-8"), parse_constant=_strict)
    for p in sorted(CASES_DIR.glob("*.json"))
}
CASES: list[tuple[str, dict[str, Any]]] = [
    (data["check"], case) for _, data in sorted(CASE_FILES.items()) for case in data["cases"]
]

CASE_KEYS = {"id", "about", "graph", "record", "rows", "thresholds", "expect", "absent"}
OPTIONAL_CASE_KEYS = {"severity", "measure", "known_wrong"}
ARRAY_FIELDS = {"predictions", "probe_labels"}
ARRAY_MAPS = {"activations_start", "activations_end", "features"}
NUMBER_MAPS = {"grad_norms_start", "grad_norms_end", "weight_norms"}
PLAIN_FIELDS = {"training", "input_stats"}
DATASET_ARRAYS = ("x_train", "y_train", "x_test", "y_test", "labels_train", "labels_test")


# -- building a record from a case ----------------------------------------------------------


def number(value: Any) -> Any:
    """``"nan"``, ``"inf"``, ``"-inf"`` as floats, nested lists element by element."""
    if isinstance(value, list):
        return [number(v) for v in value]
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    return value


def array(value: Any, dtype: Any = np.float64) -> np.ndarray:
    return np.asarray(number(value), dtype=dtype)


def labels(value: Any) -> np.ndarray | None:
    return None if value is None else np.asarray(value, dtype=np.int64)


def build_graph(config: Mapping[str, Any] | None) -> ModelGraph:
    if config is None:
        return ModelGraph(artifact=ARTIFACT)
    return graph_from_config(config, artifact=ARTIFACT, source_format="keras")


def build_dataset(fields: Mapping[str, Any]) -> Dataset:
    """A :class:`Dataset` with the case's fields; the rest empty (no samples, no labels)."""
    given = dict(fields)
    for key in DATASET_ARRAYS:
        value = given.get(key)
        if key.startswith("labels_"):
            given[key] = labels(value)
        else:
            given[key] = np.zeros(0) if value is None else array(value)
    defaults = {"name": "case", "source": "probe-check case", "task": MULTICLASS}
    defaults["num_classes"] = None
    return Dataset(**{**defaults, **given})


def build_io(fields: Mapping[str, Any]) -> ModelIO:
    given = dict(fields)
    given["input_shape"] = tuple(given.get("input_shape", ()))
    defaults = {"output_units": 0, "head_activation": "linear", "loss": ""}
    return ModelIO(**{**defaults, **given})


def build_record(case: Mapping[str, Any]) -> ProbeRecord:
    fields = dict(case["record"])
    record = ProbeRecord(
        graph=build_graph(case["graph"]),
        dataset=build_dataset(fields.pop("dataset", {})),
        io=build_io(fields.pop("io", {})),
        watched=[WatchedLayer(**w) for w in fields.pop("watched", [])],
    )
    for key, value in fields.items():
        if key in ARRAY_FIELDS:
            value = labels(value) if key == "probe_labels" else array(value)
        elif key in ARRAY_MAPS:
            value = {path: array(v) for path, v in value.items()}
        elif key in NUMBER_MAPS:
            value = {path: float(number(v)) for path, v in value.items()}
        elif key == "history":
            value = {name: [float(number(v)) for v in vs] for name, vs in value.items()}
        elif key == "step_losses":
            value = [float(number(v)) for v in value]
        elif key not in PLAIN_FIELDS:
            raise KeyError(f"Expected a ProbeRecord field in 'record'. Received: {key!r}")
        setattr(record, key, value)
    return record


# -- judging -----------------------------------------------------------------------------------


def settings_for(code: str, case: Mapping[str, Any]) -> dict[str, float]:
    """The analyzer's defaults merged with the case's overrides, as ``Analyzer.judge`` does."""
    check = get_check(code)
    analyzer = analyzer_of(check)
    overrides = case.get("thresholds") or {}
    unknown = sorted(set(overrides) - set(check.settings))
    assert not unknown, f"{code} does not read thresholds {unknown}"
    return {
        **analyzer.thresholds,
        **{k: v for k, v in overrides.items() if k in analyzer.thresholds},
    }


def judge_case(code: str, case: Mapping[str, Any]) -> list[Finding]:
    record = build_record(case)
    check = get_check(code)
    return list(check().judge(case["rows"], record, settings_for(code, case)))


def same(a: Any, b: Any) -> bool:
    """Equal, floats up to rounding (NaN equals NaN)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def measured_rows(code: str, case: Mapping[str, Any]) -> list[dict[str, Any]]:
    return analyzer_of(get_check(code))().measure(build_record(case))


def problems(code: str, case: Mapping[str, Any], findings: list[Finding]) -> list[str]:
    """What in ``findings`` contradicts the case (empty: the case holds)."""
    out = []
    found = Counter((f.code, f.location.layer_path) for f in findings)
    wanted = Counter((c, layer) for layer, codes in case["expect"].items() for c in codes)
    for (c, layer), n in sorted(wanted.items()):
        if found[(c, layer)] != n:
            out.append(f"expected {c} at '{layer}'; found {sorted(found)}")
    for (c, layer), _ in sorted(found.items()):
        if c == code and (c, layer) not in wanted:
            out.append(f"{c} reported at '{layer}', where the case expects none")
    for c in case["absent"]:
        hits = sorted(layer for k, layer in found if k == c)
        if hits:
            out.append(f"{c} must not appear; found at {hits}")
    severity = {f.location.layer_path: f.severity.label for f in findings}
    for layer, label in (case.get("severity") or {}).items():
        if severity.get(layer) != label:
            out.append(f"expected a {label} at '{layer}'; found {severity.get(layer)}")
    for f in findings:
        if not f.message.strip() or not f.fix.strip() or f.location.artifact != ARTIFACT:
            out.append(f"{f.code} at '{f.location.layer_path}' without a message or a fix")
    return out


def case_problems(code: str, case: Mapping[str, Any]) -> list[str]:
    out = []
    if case.get("measure"):
        rows = measured_rows(code, case)
        if not same(rows, case["rows"]):
            out.append(f"the analyzer measures other rows from this record: {rows}")
    return out + problems(code, case, judge_case(code, case))


# -- tests -------------------------------------------------------------------------------------


def _param(code: str, case: dict[str, Any]) -> Any:
    marks = []
    if case.get("known_wrong"):
        marks.append(pytest.mark.xfail(reason=case["known_wrong"], strict=True))
    return pytest.param(code, case, id=f"{code}-{case['id']}", marks=marks)


@pytest.mark.parametrize("code, case", [_param(c, k) for c, k in CASES])
def test_check_case(code, case):
    assert case_problems(code, case) == []


def test_every_check_has_a_case_file_with_a_failing_and_a_passing_case():
    codes = sorted(c.code for c in PROBE_CHECKS)
    assert sorted(CASE_FILES) == codes
    for stem, data in CASE_FILES.items():
        check = get_check(data["check"])
        assert check is not None and check.code == data["check"] == stem
        assert data.get("name", check.name) == check.name
        cases = [c for c in data["cases"] if not c.get("known_wrong")]
        fires = [c for c in cases if any(stem in cs for cs in c["expect"].values())]
        silent = [c for c in cases if stem in c["absent"]]
        assert fires and silent, f"{stem}: {len(fires)} failing, {len(silent)} passing cases"
        ids = [c["id"] for c in data["cases"]]
        assert len(ids) == len(set(ids)), f"{stem}: duplicate case ids"
        for case in data["cases"]:
            where = f"{stem}-{case['id']}"
            keys = set(case)
            assert CASE_KEYS - {"thresholds"} <= keys <= CASE_KEYS | OPTIONAL_CASE_KEYS, where
            assert case["about"].strip(), f"{where}: say what the situation is and its source"
            assert isinstance(case["rows"], list), where
            for layer, label in (case.get("severity") or {}).items():
                assert stem in case["expect"].get(layer, []) and label in ("warning", "error")


def test_the_runner_rejects_a_wrong_expectation():
    """Control: a case that expects the opposite of what its check says must fail."""
    code, case = next((c, k) for c, k in CASES if c == "MP101" and k["expect"])
    findings = judge_case(code, case)
    assert problems(code, case, findings) == []
    assert problems(code, {**case, "expect": {}, "absent": [code]}, findings)
    assert problems(code, {**case, "expect": {"no_such_layer": [code]}}, findings)
    assert problems(code, {**case, "severity": {next(iter(case["expect"])): "info"}}, findings)
    wrong_rows = [{**r, "dead_end": 0} for r in case["rows"]]
    assert problems(
        code, {**case, "rows": wrong_rows}, judge_case(code, {**case, "rows": wrong_rows})
    )
    measured = next(k for c, k in CASES if c == "MP402" and k.get("measure"))
    assert not case_problems("MP402", measured)
    assert case_problems("MP402", {**measured, "rows": measured["rows"][:-1]})


def test_cases_run_without_tensorflow_or_keras():
    code = f"""
import sys
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
import test_check_cases as t
bad = sorted(c + "-" + k["id"] for c, k in t.CASES if t.case_problems(c, k))
heavy = sorted(m for m in ("tensorflow", "keras", "tf_keras", "torch", "jax") if m in sys.modules)
print(len(t.CASES), bad, heavy)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    known = sorted(f"{c}-{k['id']}" for c, k in CASES if k.get("known_wrong"))
    assert out.stdout.strip() == f"{len(CASES)} {known} []", out.stdout + out.stderr
