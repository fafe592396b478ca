"""Rules on files Keras writes: every rule's documentation (its sections, and its examples
built with Keras and linted), and the rule cases of ``cases/`` rebuilt with the installed Keras.

The cases themselves run without Keras from their stored fixtures (``test_rule_cases.py``);
this second, smaller layer proves that those fixtures are what Keras writes.
"""

from __future__ import annotations

import textwrap

import pytest
from cases.regenerate import build
from test_rule_cases import CASES, SOURCE_PRELUDE, problems

import modelcheck
from modelcheck.checks import DOC_SECTIONS
from modelcheck.linting.registry import RULES


def codes(report, layer: str | None = None) -> set[str]:
    return {f.code for f in report.findings if layer is None or f.location.layer_path == layer}


def test_registry_codes_and_names_are_unique():
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.code[:2] == "MC" and rule.code[2:].isdigit() and len(rule.code) == 5
        assert rule.name == rule.name.lower() and " " not in rule.name


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.code}-{r.name}")
def test_rule_docs_have_every_section(rule):
    sections = rule.doc_sections()
    assert sections["summary"]
    for title in DOC_SECTIONS:
        assert sections.get(title), f"{rule.code} lacks '## {title}'"
    assert rule.example("Anti-pattern") and rule.example("Best practice")
    assert rule.fix and rule.message


#: The model configuration rules' (``example_language = "toml"``) examples are judged on.
CONFIG_EXAMPLE_MODEL = """
model = keras.Sequential([keras.Input((8,)), layers.Dense(10, activation="relu", name="logits"),
                          layers.Softmax()])
"""


def lint_example(keras, rule, section: str, folder):
    """Lint a rule's documentation example: Keras code that builds ``model``, or a
    ``pyproject.toml`` snippet applied to :data:`CONFIG_EXAMPLE_MODEL`."""
    folder.mkdir()
    if rule.source_only:  # a rule about source code: its example is linted as a .py file
        (folder / "m.py").write_text(SOURCE_PRELUDE + rule.example(section), encoding="utf-8")
        return modelcheck.lint(folder / "m.py")
    if rule.example_language == "python":
        return modelcheck.lint(
            build(keras, rule.example(section), folder / "m.keras"), weights=True
        )
    (folder / "models").mkdir()
    model = build(keras, CONFIG_EXAMPLE_MODEL, folder / "models" / "model.keras")
    (folder / "pyproject.toml").write_text(textwrap.dedent(rule.example(section)))
    return modelcheck.lint(model, config=folder / "pyproject.toml")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.code}-{r.name}")
def test_anti_pattern_triggers_and_best_practice_does_not(rule, keras, tmp_path):
    bad = lint_example(keras, rule, "Anti-pattern", tmp_path / "bad")
    good = lint_example(keras, rule, "Best practice", tmp_path / "good")
    assert rule.code in codes(bad), f"{rule.code} missed its own anti-pattern"
    assert rule.code not in codes(good), f"{rule.code} fired on its own best practice"
    for f in bad.findings + good.findings:
        assert f.fix.strip(), f"{f.code} without a fix"
        assert f.location.artifact
        assert f.location.layer or rule.source_only, f"{f.code} without a layer location"


@pytest.mark.parametrize(
    "rule, case",
    [
        (r, c)
        for r, c in CASES
        if "python" in c and not c["id"].startswith("doc-") and not c.get("source")
    ],
    ids=lambda x: x if isinstance(x, str) else x["id"],
)
def test_stored_case_holds_for_the_model_keras_writes_today(rule, case, keras, tmp_path):
    """The data cases are linted from stored fixtures; built afresh with the installed Keras,
    each case's model must give the same verdict (the doc examples: the test above)."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    folder = tmp_path / ("models" if "pyproject" in case else "")
    folder.mkdir(parents=True, exist_ok=True)
    path = build(keras, case["python"], folder / "m.keras")
    if "pyproject" in case:
        (tmp_path / "pyproject.toml").write_text(case["pyproject"])
        report = modelcheck.lint(path, config=tmp_path / "pyproject.toml")
    else:
        report = modelcheck.lint(path, weights=bool(case.get("weights")))
    assert problems(case, report) == []


@pytest.mark.parametrize(
    "between",
    ["", 'layers.Dropout(0.2), layers.BatchNormalization(), layers.Activation("relu"),'],
)
def test_missing_flatten_names_the_first_dense_that_gets_the_map(between, keras, tmp_path):
    """``Conv -> Dense(64) -> Dense(10)`` lacks its Flatten before ``Dense(64)``: that is
    where MC401 points, not at the head (which only passes the map on)."""
    code = f"""
    model = keras.Sequential([keras.Input((28, 28, 3)),
        layers.Conv2D(8, 3, padding="same", activation="relu"), layers.MaxPooling2D(),
        layers.Dense(64, activation="relu", name="hidden"), {between}
        layers.Dense(10, activation="softmax", name="head")])
    """
    report = modelcheck.lint(build(keras, code, tmp_path / "m.keras"))
    (f,) = [f for f in report.findings if f.code == "MC401"]
    assert f.location.layer_path == "hidden"
    assert "passes it on to the head 'head'" in f.message
    assert "(None, 14, 14, 8)" in f.message and "(None, 14, 14, 10)" in f.message
    assert f.fix == "Insert Flatten() or GlobalAveragePooling2D() before 'hidden'"
