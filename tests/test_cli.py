"""End-to-end tests of the ``modelcheck`` command line.

Real model files are written by Keras once per session; the real CLI runs in a subprocess
(``python -m modelcheck``), exactly as a user or CI job would call it. Each test checks the
exit code first, then the output.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from cli_helpers import REPO, assert_one_error_line, run_cli, stderr_lines  # noqa: E402

EXAMPLES = REPO / "examples"

pytestmark = pytest.mark.slow  # builds real Keras models


# --------------------------------------------------------------------------- helpers


def run_json(*args: Any) -> tuple[int, dict[str, Any]]:
    proc = run_cli("lint", "--format", "json", *args)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def codes(report: dict[str, Any]) -> list[str]:
    return [f["code"] for f in report["findings"]]


def located(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["code"], f["layer"]) for f in report["findings"]}


def table_rows(text: str) -> dict[str, list[str]]:
    """The rich layer table as ``{"name (Class)": [other cells...]}``."""
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip().strip("│").split("│")]
            rows[cells[0]] = cells[1:]
    return rows


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def cli_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Story models written by Keras (``.keras``, and story 1 buggy also as legacy ``.h5``).

    ``clear_session`` before each build keeps the auto-generated layer names (``conv2d``,
    ``dense_1``, ...) the same as in a fresh process.
    """
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    import keras
    import models  # examples/models.py

    out = tmp_path_factory.mktemp("cli_models")
    builders = {
        "story1_buggy": models.story1_buggy,
        "story1_fixed": models.story1_fixed,
        **{
            f"story2_{head}": (lambda head=head: models.story2(head, input_shape=(32, 32, 3)))
            for head in models.STORY2_HEADS
        },
    }
    paths: dict[str, Path] = {}
    for name, build in builders.items():
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        model = build()
        paths[name] = out / f"{name}.keras"
        model.save(paths[name])
        if name == "story1_buggy":
            paths["story1_buggy_h5"] = out / "story1_buggy.h5"
            model.save(paths["story1_buggy_h5"])
    return paths


EVIL = "[red]x[/red]:fire:"  # rich markup and an emoji code: both must print as written
PLACEHOLDER = "evilplaceholder"


@pytest.fixture(scope="session")
def evil_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A functional ``.keras`` whose ReLU'd logits layer is named ``[red]x[/red]``.

    Keras refuses ``/`` in layer names, so the archive is rewritten by hand: a real saved
    model's config.json with the placeholder name (and every reference to it) replaced.
    """
    import keras
    from keras import layers

    keras.backend.clear_session()
    inputs = keras.Input((8,), name="features")
    x = layers.Dense(16, activation="relu", name="hidden")(inputs)
    x = layers.Dense(10, activation="relu", name=PLACEHOLDER)(x)
    outputs = layers.Softmax(name="probs")(x)
    model = keras.Model(inputs, outputs, name="evil")
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    out = tmp_path_factory.mktemp("evil")
    real = out / "real.keras"
    model.save(real)
    with zipfile.ZipFile(real) as zf:
        config = zf.read("config.json").decode("utf-8")
        metadata = zf.read("metadata.json")
    assert config.count(json.dumps(PLACEHOLDER)) >= 2  # the layer and its consumer's reference
    config = config.replace(json.dumps(PLACEHOLDER), json.dumps(EVIL))
    evil = out / "evil.keras"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("config.json", config)
        zf.writestr("metadata.json", metadata)
    return evil


# --------------------------------------------------------------------------- story 1


def test_story1_buggy_text_reports_missing_nonlinearity_and_activation_before_softmax(cli_models):
    proc = run_cli("lint", cli_models["story1_buggy"])

    assert proc.returncode == 1, proc.stderr
    finding_lines = [
        line.split()
        for line in proc.stdout.splitlines()
        if line.startswith("  ") and line.split()[:1] in (["error"], ["warning"], ["info"])
    ]
    heads = {(words[1], words[-1]) for words in finding_lines}
    assert ("MC201", "conv2d") in heads
    assert ("MC201", "conv2d_1") in heads
    assert ("MC203", "dense") in heads


def test_story1_buggy_json_locates_findings(cli_models):
    code, report = run_json(cli_models["story1_buggy"])

    assert code == 1
    assert {("MC201", "conv2d"), ("MC201", "conv2d_1"), ("MC203", "dense")} <= located(report)
    mc203 = next(f for f in report["findings"] if f["code"] == "MC203")
    assert mc203["severity"] == "error"


def test_story1_fixed_is_clean(cli_models):
    proc = run_cli("lint", cli_models["story1_fixed"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not any(
        line.split()[:1] in (["error"], ["warning"]) for line in proc.stdout.splitlines()
    )

    code, report = run_json(cli_models["story1_fixed"])
    assert code == 0
    assert report["summary"]["error"] == 0
    assert report["summary"]["warning"] == 0


# --------------------------------------------------------------------------- story 2


def _head_layer(report: dict[str, Any]) -> str:
    """The model's last layer (the Dense(3) head), read from the JSON layer table."""
    (model,) = report["models"]
    head = model["layers"][-1]
    assert head["class_name"] == "Dense" and head["output_shape"][-1] == 3, head
    return head["path"]


def test_story2_relu_head_is_an_error_at_the_head(cli_models):
    code, report = run_json(cli_models["story2_relu"])

    assert code == 1
    head = _head_layer(report)
    assert head == "dense_1"
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert ("MC302", head) in {(f["code"], f["layer"]) for f in errors}


def test_story2_sigmoid_head_warns_at_the_head(cli_models):
    code, report = run_json(cli_models["story2_sigmoid"])

    assert code == 1
    head = _head_layer(report)
    at_head = [f for f in report["findings"] if f["layer"] == head]
    assert any(f["severity"] in ("warning", "error") for f in at_head), report["findings"]


def test_story2_softmax_head_is_clean(cli_models):
    code, report = run_json(cli_models["story2_softmax"])

    assert code == 0
    assert report["summary"]["error"] == 0
    assert report["summary"]["warning"] == 0
    assert not [f for f in report["findings"] if f["severity"] in ("warning", "error")]


def test_text_activation_column_shows_fused_and_separate_activations(cli_models):
    proc = run_cli("lint", "--layers", "all", cli_models["story2_relu"])

    assert proc.returncode == 1, proc.stderr
    header = next(line for line in proc.stdout.splitlines() if "Layer (type)" in line)
    assert "Activation" in header
    rows = table_rows(proc.stdout)
    assert rows["conv2d (Conv2D)"][0] == "relu"  # Conv2D(..., activation="relu")
    assert rows["activation (Activation)"][0] == "relu"  # Activation("relu") layer
    assert rows["conv2d_1 (Conv2D)"][0] == "linear (none)"  # the conv feeding it
    assert rows["dense_1 (Dense)"][0] == "relu"


# --------------------------------------------------------------------------- JSON


def test_json_report_contract(cli_models):
    code, report = run_json(cli_models["story1_buggy"])

    assert code == 1
    assert report["version"]
    assert report["findings"]
    for f in report["findings"]:
        for key in ("code", "name", "severity", "message", "fix", "artifact", "layer"):
            assert key in f, (key, f)
        assert f["severity"] in ("error", "warning", "info")
        assert isinstance(f["fix"], str) and f["fix"].strip(), f
        assert f["artifact"] == str(cli_models["story1_buggy"])


# --------------------------------------------------------------------------- select / ignore


def test_select_prefix_keeps_only_that_group(cli_models):
    code, report = run_json("--select", "MC2", cli_models["story1_buggy"])

    assert code == 1
    assert codes(report)
    assert all(c.startswith("MC2") for c in codes(report)), codes(report)


def test_ignore_code_drops_it(cli_models):
    _, everything = run_json(cli_models["story1_buggy"])
    assert "MC203" in codes(everything)

    code, report = run_json("--ignore", "MC203", cli_models["story1_buggy"])

    assert code == 1  # MC201 warnings remain
    assert "MC203" not in codes(report)
    assert "MC201" in codes(report)


def test_ignore_by_rule_name_drops_it(cli_models):
    code, report = run_json("--ignore", "activation-before-softmax", cli_models["story1_buggy"])

    assert code == 1
    assert "MC203" not in codes(report)
    assert "MC201" in codes(report)


def test_select_unknown_rule_is_a_one_line_usage_error(cli_models):
    proc = run_cli("lint", "--select", "NOPE", cli_models["story1_buggy"])

    line = assert_one_error_line(proc)
    assert "NOPE" in line
    assert proc.stdout == ""


# --------------------------------------------------------------------------- exit codes


def test_fail_on_error_with_only_warnings_exits_0(cli_models):
    _, report = run_json(cli_models["story2_sigmoid"])
    assert report["summary"]["error"] == 0 and report["summary"]["warning"] >= 1

    proc = run_cli("lint", "--fail-on", "error", cli_models["story2_sigmoid"])

    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_fail_on_info_with_only_infos_exits_1(cli_models):
    _, report = run_json(cli_models["story1_fixed"])
    assert report["summary"]["info"] >= 1
    assert report["summary"]["error"] == report["summary"]["warning"] == 0

    proc = run_cli("lint", "--fail-on", "info", cli_models["story1_fixed"])

    assert proc.returncode == 1, proc.stdout + proc.stderr


def test_exit_zero_despite_errors(cli_models):
    proc = run_cli("lint", "--exit-zero", cli_models["story1_buggy"])

    assert proc.returncode == 0, proc.stderr
    assert "MC203" in proc.stdout


# --------------------------------------------------------------------------- inputs


def test_directory_is_searched_recursively(cli_models, tmp_path):
    one = tmp_path / "a" / "b" / "one.keras"
    two = tmp_path / "c" / "two.h5"
    one.parent.mkdir(parents=True)
    two.parent.mkdir(parents=True)
    shutil.copy(cli_models["story1_buggy"], one)
    shutil.copy(cli_models["story1_buggy_h5"], two)
    (tmp_path / "c" / "notes.txt").write_text("not a model\n")

    code, report = run_json(tmp_path)

    assert code == 1
    assert report["summary"]["failures"] == 0
    assert sorted(m["artifact"] for m in report["models"]) == sorted([str(one), str(two)])
    assert {f["artifact"] for f in report["findings"]} == {str(one), str(two)}


def test_legacy_h5_gives_the_same_findings_as_keras(cli_models):
    code_keras, keras_report = run_json(cli_models["story1_buggy"])
    code_h5, h5_report = run_json(cli_models["story1_buggy_h5"])

    assert code_keras == code_h5 == 1
    (model,) = h5_report["models"]
    assert model["format"] == "h5"
    assert sorted(codes(h5_report)) == sorted(codes(keras_report))
    assert located(h5_report) == located(keras_report)


def test_factory_spec(tmp_path):
    factory = tmp_path / "factory.py"
    factory.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(EXAMPLES)!r})\n"
        "import models\n\n\n"
        "def build():\n"
        "    return models.story1_buggy()\n"
    )
    spec = f"{factory}:build"

    code, report = run_json(spec)

    assert code == 1
    assert ("MC203", "dense") in located(report)
    assert {f["artifact"] for f in report["findings"]} == {spec}


# --------------------------------------------------------------------------- rules / explain / version


def test_rules_lists_every_rule():
    from modelcheck.linting.registry import RULES

    proc = run_cli("rules")

    assert proc.returncode == 0, proc.stderr
    for rule in RULES:
        assert rule.code in proc.stdout, rule.code


def test_rules_json():
    from modelcheck.linting.registry import RULES

    proc = run_cli("rules", "--format", "json")

    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    lint = [r for r in data if r["command"] == "lint"]
    assert [r["code"] for r in lint] == [r.code for r in RULES]
    assert [r["name"] for r in lint] == [r.name for r in RULES]
    assert all(r["severity"] in ("error", "warning", "info") and r["summary"] for r in data)


@pytest.mark.parametrize("key", ["MC203", "activation-before-softmax"])
def test_explain_prints_the_rule_doc(key):
    proc = run_cli("explain", key)

    assert proc.returncode == 0, proc.stderr
    assert "MC203" in proc.stdout
    assert "activation-before-softmax" in proc.stdout
    for section in ("Why is this bad?", "Anti-pattern", "Best practice"):
        assert section in proc.stdout, section


def test_explain_unknown_rule_is_a_one_line_error():
    proc = run_cli("explain", "XX999")

    line = assert_one_error_line(proc)
    assert "XX999" in line


def test_version():
    import modelcheck

    proc = run_cli("--version")

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"modelcheck {modelcheck.__version__}"


# --------------------------------------------------------------------------- escaping


def test_markup_in_layer_names_is_printed_literally(evil_model):
    code, report = run_json(evil_model)
    assert code == 1
    assert ("MC203", EVIL) in located(report)

    proc = run_cli("lint", "--layers", "all", evil_model)

    assert proc.returncode == 1, proc.stderr
    assert f"{EVIL} (Dense)" in proc.stdout  # the layer table row
    assert f"MC203 activation-before-softmax  {EVIL}" in proc.stdout  # the finding heading
    assert f"'{EVIL}' (Dense, relu)" in proc.stdout  # the finding message


def test_markup_in_a_failing_path_is_printed_literally(evil_model, tmp_path):
    missing = tmp_path / "[bold red]gone[/].keras"

    proc = run_cli("lint", missing, evil_model)

    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    (line,) = stderr_lines(proc)
    assert str(missing) in line
    assert EVIL in proc.stdout
