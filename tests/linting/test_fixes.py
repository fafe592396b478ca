"""``modelcheck lint --fix/--unsafe-fixes/--diff`` on Python source: minimal edits from ``ast``
positions, the rest of the file byte-identical; the fixed code still builds with Keras and
re-lints without the fixed findings."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import pytest
from cli_helpers import REPO, cli_env, run_cli

import modelcheck

EXAMPLES = REPO / "examples" / "source"


def codes(path) -> list[str]:
    return sorted(f.code for f in modelcheck.lint(path).findings)


def test_diff_shows_the_one_line_safe_fix_of_story1_and_writes_nothing(tmp_path):
    src = tmp_path / "story1.py"
    shutil.copy(EXAMPLES / "story1_buggy.py", src)
    before = src.read_bytes()
    proc = run_cli("lint", src, "--diff")
    assert proc.returncode == 1
    removed = [
        ln for ln in proc.stdout.splitlines() if ln.startswith("-") and not ln.startswith("---")
    ]
    added = [
        ln for ln in proc.stdout.splitlines() if ln.startswith("+") and not ln.startswith("+++")
    ]
    assert removed == ['-model.add(keras.layers.Dense(10, activation="relu"))']
    assert added == ["+model.add(keras.layers.Dense(10))"]
    assert src.read_bytes() == before
    assert "Would fix 1 finding(s) in 1 file(s); 2 more with --unsafe-fixes" in proc.stderr


def test_fix_removes_the_activation_before_softmax_and_nothing_else(tmp_path):
    src = tmp_path / "story1.py"
    shutil.copy(EXAMPLES / "story1_buggy.py", src)
    before = src.read_text()
    proc = run_cli("lint", src, "--fix", "--format", "json")
    assert "Traceback" not in proc.stderr
    after = src.read_text()
    expected = before.replace('Dense(10, activation="relu")', "Dense(10)")
    assert after == expected and after != before
    remaining = {f["code"] for f in json.loads(proc.stdout)["findings"]}
    assert "MC203" not in remaining and "MC201" in remaining


def test_unsafe_fixes_add_the_conv_activations_and_the_code_builds(tmp_path, keras):
    src = tmp_path / "story1.py"
    shutil.copy(EXAMPLES / "story1_buggy.py", src)
    run_cli("lint", src, "--fix", "--unsafe-fixes")
    text = src.read_text()
    assert text.count('padding="same", activation="relu")') == 2
    assert codes(src) == []
    builds = f"""
import keras
from keras import layers
ns = {{}}
code = open({str(src)!r}).read().split("model.build(")[0]
code = code.split("model = keras.Sequential()", 1)[1]
exec("import keras\\nmodel = keras.Sequential()" + code, ns)
ns["model"].build((None, 28, 28, 3))
print([l.get_config().get("activation") for l in ns["model"].layers])
"""
    out = subprocess.run(
        [sys.executable, "-c", builds], env=cli_env(), capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "['relu', None, 'relu', None, None, 'linear', None]"


CASES = {
    "MC204 safe: relu twice": (
        """
        model = keras.Sequential([
            keras.Input((8,)),
            layers.Dense(4, activation="relu"),
            layers.ReLU(),
            layers.Dense(2, activation="softmax"),
        ])
        """,
        ["--fix"],
        "layers.Dense(4),",
    ),
    "MC302 unsafe: relu head under categorical CE": (
        """
        model = keras.Sequential([keras.Input((8,)), layers.Dense(3, activation="relu")])
        model.compile(loss="categorical_crossentropy", optimizer="adam")
        """,
        ["--fix", "--unsafe-fixes"],
        'layers.Dense(3, activation="softmax")',
    ),
    "MC303 unsafe: softmax head with from_logits": (
        """
        model = keras.Sequential([keras.Input((8,)), layers.Dense(3, activation="softmax")])
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        """,
        ["--fix", "--unsafe-fixes"],
        "layers.Dense(3)]",
    ),
    "MC201 unsafe: a keyword-free layer gets one": (
        """
        model = keras.Sequential([keras.Input((8,)), layers.Dense(4), layers.Dense(2)])
        """,
        ["--fix", "--unsafe-fixes"],
        'layers.Dense(4, activation="relu")',
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_fix_is_a_minimal_edit_and_the_finding_is_gone(case, tmp_path):
    body, flags, expected = CASES[case]
    code = case.split()[0]
    src = tmp_path / "m.py"
    src.write_text("import keras\nfrom keras import layers\n" + textwrap.dedent(body))
    assert code in codes(src)
    run_cli("lint", src, *flags)
    text = src.read_text()
    assert expected in text, text
    assert code not in codes(src)


def test_safe_fix_in_a_helper_shared_by_clean_layers_is_unsafe(tmp_path):
    src = tmp_path / "m.py"
    src.write_text(
        textwrap.dedent(
            """
            import keras
            from keras import layers
            def dense(x, units, act):
                return layers.Dense(units, activation=act)(x)
            inp = keras.Input((8,))
            h = dense(inp, 16, "relu")
            out = layers.Softmax()(dense(h, 3, "relu"))
            model = keras.Model(inp, out)
            """
        )
    )
    (f,) = [f for f in modelcheck.lint(src).findings if f.code == "MC203"]
    assert f.autofix is not None and f.autofix.applicability == "unsafe"


def test_notebooks_and_model_files_get_no_edits():
    report = modelcheck.lint(EXAMPLES / "story1_buggy.ipynb")
    assert report.findings and all(f.autofix is None for f in report.findings)
