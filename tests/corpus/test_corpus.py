"""The bug corpus (``tests/corpus/``): every buggy model gets the lint findings its case
expects, at the expected layers; the fixed twins and the sound models get no lint warning or
error; and two cheap cases end to end through the probe.

The models are built with Keras and saved as real ``.keras`` files, as
``benchmarks/corpus_eval.py`` does; that script measures the probe on the whole corpus.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import corpus  # tests/corpus, a package on the test path (pyproject: pythonpath = ["tests"])
import modelcheck
from corpus import build as cbuild
from modelcheck.findings import Severity

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.slow  # builds real Keras models


def serious(report, prefix: str = "") -> set[tuple[str, str]]:
    return {
        (f.code, f.location.layer_path)
        for f in report.findings
        if f.severity >= Severity.WARNING and f.code.startswith(prefix)
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory, keras):
    root = tmp_path_factory.mktemp("corpus")
    models = cbuild.build(root, corpus.CASES, corpus.SOUND, data=False)
    return {(m.id, m.role): m for m in models}


# -- the corpus itself (no Keras) -----------------------------------------------------------------


def test_corpus_size_kinds_and_expectations():
    assert len(corpus.CASES) >= 30 and len(corpus.SOUND) >= 5
    assert len({c.id for c in corpus.CASES} | {s.id for s in corpus.SOUND}) == len(
        corpus.CASES
    ) + len(corpus.SOUND)
    used = {c.kind for c in corpus.CASES}
    assert used == set(corpus.KINDS) and len(used) >= 10
    for key, kind in corpus.KINDS.items():
        cases = [c for c in corpus.CASES if c.kind == key]
        assert len(cases) >= 2, key
        assert kind.tools in ("lint", "probe", "lint + probe"), f"{key}: caught by neither tool"
    for c in corpus.CASES:
        assert all(e.code.startswith("MC") for e in c.lint), c.id
        assert all(e.code.startswith("MP") for e in c.probe), c.id
        assert c.data.split(":")[0] in ("colored-mnist", "synthetic", "npz"), c.id


def test_corpus_readme_lists_every_case_and_kind():
    text = (HERE / "README.md").read_text()
    for c in corpus.CASES:
        assert f"`{c.id}`" in text, c.id
    for s in corpus.SOUND:
        assert f"`{s.id}`" in text, s.id
    for key in corpus.KINDS:
        assert f"`{key}`" in text, key


# -- lint on every model --------------------------------------------------------------------------


@pytest.mark.parametrize("case", corpus.CASES, ids=lambda c: c.id)
def test_buggy_model_gets_the_expected_lint_findings(case, built):
    report = modelcheck.lint(str(built[case.id, "buggy"].path))
    layers = {row["path"] for row in report.models[0].layers}
    got = serious(report)
    for e in case.lint:
        if e.layer is None:
            assert e.code in {code for code, _ in got}, f"{case.id}: {e} not in {got}"
        else:
            assert e.layer in layers, f"{case.id}: no layer '{e.layer}' in the model"
            assert (e.code, e.layer) in got, f"{case.id}: {e} not in {got}"
    for e in case.probe:  # the probe's expected layers exist too
        assert e.layer is None or e.layer in layers, f"{case.id}: no layer '{e.layer}'"


@pytest.mark.parametrize(
    "model_id, role",
    [(c.id, "fixed") for c in corpus.CASES] + [(s.id, "sound") for s in corpus.SOUND],
    ids=lambda v: str(v),
)
def test_fixed_twins_and_sound_models_get_no_lint_warning(model_id, role, built):
    report = modelcheck.lint(str(built[model_id, role].path))
    assert not report.failures, report.failures
    assert serious(report) == set()


# -- the probe on two cheap cases (the whole corpus: benchmarks/corpus_eval.py) -------------------


@pytest.mark.parametrize("case_id", ["relu-regression-head", "unscaled-tabular-mlp"])
def test_probe_finds_the_bug_and_nothing_on_the_twin(case_id, built):
    case = next(c for c in corpus.CASES if c.id == case_id)
    root = built[case.id, "buggy"].path.parent
    cbuild.write_data(root, [case.data, case.twin_data], lambda msg: None)
    buggy = modelcheck.probe(
        str(built[case.id, "buggy"].path), data=cbuild.data_for(root, case.data), seed=0
    )
    got = serious(buggy, "MP")
    assert {(e.code, e.layer) for e in case.probe} <= got, got
    fixed = modelcheck.probe(
        str(built[case.id, "fixed"].path), data=cbuild.data_for(root, case.twin_data), seed=0
    )
    assert serious(fixed, "MP") == set()
