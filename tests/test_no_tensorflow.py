"""Linting never imports TensorFlow/keras and never runs code from a model file."""

from __future__ import annotations

import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEAVY = ("tensorflow", "keras", "sklearn", "torch", "jax")


def run_py(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env, timeout=120
    )


def test_api_and_cli_lint_without_importing_keras(example_models):
    paths = [
        str(example_models["story1_buggy"]),
        str(example_models["story1_buggy_h5"]),
        str(example_models["multi_io"]),
    ]
    code = f"""
import json, sys
import modelcheck
report = modelcheck.lint({paths!r})
from modelcheck.cli import main
try:
    main(["lint", "--format", "json", *{paths!r}])
except SystemExit:
    pass
sys.stderr.write(json.dumps({{"codes": sorted({{f.code for f in report.findings}}),
    "heavy": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""
    proc = run_py(code)
    result = json.loads(proc.stderr.strip().splitlines()[-1])
    assert "MC203" in result["codes"]
    assert result["heavy"] == []


def test_lambda_that_writes_a_file_is_linted_without_running(keras, tmp_path):
    marker = tmp_path / "pwned.txt"
    # The lambda writes the marker whenever it is called, including when Keras rebuilds the
    # model from the file with safe_mode=False.
    fn = eval(f"lambda x: (open({str(marker)!r}, 'w').write('ran'), x)[1]")
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Lambda(fn, name="evil"),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    path = tmp_path / "evil.keras"
    model.save(path)
    marker.unlink(missing_ok=True)

    proc = run_py(f"""
import sys
from modelcheck.cli import main
main(["lint", "--format", "json", {str(path)!r}])
""")
    assert proc.returncode in (0, 1), proc.stderr
    assert not marker.exists(), "linting ran the Lambda's code"
    report = json.loads(proc.stdout)
    assert any(f["code"] == "MC001" and f["layer"] == "evil" for f in report["findings"])

    # Control: the file really is hostile - Keras runs the code when safety is off.
    proc = run_py(f"""
import keras
keras.saving.load_model({str(path)!r}, safe_mode=False)
""")
    assert marker.exists(), proc.stderr
