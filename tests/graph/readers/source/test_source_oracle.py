"""The oracle corpus: real public Keras programs and notebooks (``source_corpus/programs``,
sources in ``source_corpus/SOURCES.md``), each run once with Keras by ``source_corpus/
oracle.py`` to record what Keras builds (``truth/``). The reader must extract a model from
nearly every program that builds one, with Keras's layer sequence for nearly every model, and
never crash. The figures and the disagreement classes are in benchmarks/README.md
(``benchmarks/source_oracle.py``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import cli_env

CORPUS = Path(__file__).resolve().parents[1] / "source_corpus"
sys.path.insert(0, str(CORPUS))
import compare  # noqa: E402 - the corpus's comparison module

RESULTS = compare.compare_all()
SUMMARY = compare.summary(RESULTS)


def test_the_corpus_holds_at_least_100_real_programs():
    programs = [p for p in compare.PROGRAMS.iterdir() if p.suffix in (".py", ".ipynb")]
    assert len(programs) >= 100
    sources = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    assert all(p.name in sources for p in programs), "every program names its source"


def test_no_program_makes_the_reader_crash():
    assert SUMMARY["tracebacks"] == [], [r.traceback for r in RESULTS if r.traceback][:1]


def test_a_model_is_extracted_from_95_percent_of_the_programs_that_build_one():
    n = SUMMARY["programs_with_a_model"]
    assert n >= 50
    assert SUMMARY["programs_extracted"] >= 0.95 * n, SUMMARY


def test_the_layer_sequence_is_keras_s_for_90_percent_of_the_models():
    assert SUMMARY["models_same_sequence"] >= 0.90 * SUMMARY["models"], SUMMARY["classes"]


def test_the_comparison_detects_a_wrong_extraction():
    # control: the comparison must fail a model with one layer dropped or one unit changed
    truth = [("Conv2D", 32, "relu"), ("Flatten", None, None), ("Dense", 10, "softmax")]
    assert not compare._same_rows(truth, truth[:2])
    assert not compare._same_rows(truth, [truth[0], truth[1], ("Dense", 9, "softmax")])
    assert compare._classes_of(truth, truth[:2]) == ["missing Dense"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["keras224__examples_mnist_cnn.py"])
def test_the_truth_is_what_keras_builds_today(name, tmp_path):
    """The recorded truth of a program is reproduced by running it with Keras now."""
    path = compare.PROGRAMS / name
    if not path.exists():
        pytest.skip(f"{name} not in the corpus")
    out = tmp_path / "truth"
    proc = subprocess.run(
        [sys.executable, str(CORPUS / "oracle.py"), "--only", name, "--out", str(out)],
        env=cli_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    fresh = json.loads((out / f"{name}.json").read_text())
    stored = json.loads((compare.TRUTH / f"{name}.json").read_text())
    assert [compare.truth_rows(m) for m in fresh["models"]] == [
        compare.truth_rows(m) for m in stored["models"]
    ]
