"""Rules: the meta-test over every rule's documentation, and rule cases as data.

Each case is a small Keras snippet that defines ``model``; the test saves it to a real
``.keras`` file and lints the file (TF-free), so the rules see exactly what Keras writes.
"""

from __future__ import annotations

import textwrap

import pytest

import modelcheck
from modelcheck.checks import DOC_SECTIONS
from modelcheck.linting.registry import RULES


def build(keras, code: str, path):
    """Run a snippet that defines ``model`` (saved here) or ``save(path)`` (a function that
    writes the file itself: the security rules' hand-crafted hostile files)."""
    namespace = {"keras": keras, "layers": keras.layers}
    exec(textwrap.dedent(code), namespace)  # test snippets written in this repo
    if "save" in namespace:
        namespace["save"](path)
    else:
        namespace["model"].save(path)
    return path


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
        assert f.location.layer, f"{f.code} without a layer location"


CASES = [
    # (id, snippet, {layer: codes expected there}, codes that must not appear anywhere)
    (
        "story1-buggy",
        """
        model = keras.Sequential([
            keras.Input((28, 28, 3)),
            layers.Conv2D(64, 3, padding="same", name="c1"), layers.MaxPooling2D(),
            layers.Conv2D(64, 3, padding="same", name="c2"), layers.MaxPooling2D(),
            layers.Flatten(), layers.Dense(10, activation="relu", name="d"), layers.Softmax()])
        model.compile("adam", "categorical_crossentropy")
        """,
        {"c1": {"MC201"}, "c2": {"MC201"}, "d": {"MC203"}},
        {"MC202"},
    ),
    (
        "activation-layer-before-softmax",
        """
        inp = keras.Input((8,))
        x = layers.Dense(4, name="logits")(inp)
        x = layers.Activation("tanh", name="squash")(x)
        x = layers.Dropout(0.1)(x)
        model = keras.Model(inp, layers.Activation("softmax", name="probs")(x))
        """,
        {"squash": {"MC203"}},
        {"MC204"},
    ),
    (
        "linear-end-to-end-functional-branch",
        """
        inp = keras.Input((8,))
        a = layers.Dense(16, name="a")(inp)
        b = layers.Dense(16, name="b")(inp)
        s = layers.Add(name="s")([a, b])
        model = keras.Model(inp, layers.Dense(3, activation="softmax", name="out")(s))
        """,
        {"a": {"MC201"}, "b": {"MC201"}, "out": {"MC202"}},
        set(),
    ),
    (
        "linear-bottleneck-is-not-flagged",
        """
        inp = keras.Input((16, 16, 32))
        x = layers.Conv2D(96, 1, activation="relu")(inp)
        x = layers.DepthwiseConv2D(3, padding="same", activation="relu")(x)
        x = layers.Conv2D(16, 1, name="project")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Conv2D(96, 1, activation="relu", name="expand")(x)
        x = layers.GlobalAveragePooling2D()(x)
        model = keras.Model(inp, layers.Dense(10, activation="softmax")(x))
        """,
        {},
        {"MC201", "MC202"},
    ),
    (
        "residual-stream-is-not-flagged",
        """
        inp = keras.Input((16, 16, 8))
        x = layers.Conv2D(8, 3, padding="same", activation="relu")(inp)
        y = layers.Conv2D(8, 3, padding="same", name="branch_out")(x)
        x = layers.Add()([x, y])
        z = layers.Conv2D(16, 1, name="proj")(x)
        x = layers.Add()([layers.Conv2D(16, 3, padding="same", activation="relu")(x), z])
        x = layers.ReLU()(x)
        x = layers.GlobalAveragePooling2D()(x)
        model = keras.Model(inp, layers.Dense(10, activation="softmax")(x))
        """,
        {},
        {"MC201", "MC202"},
    ),
    (
        "story2-relu-head",
        """
        model = keras.Sequential([
            keras.Input((32, 32, 3)),
            layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(),
            layers.Conv2D(8, 3), layers.Activation("relu"), layers.Flatten(),
            layers.Dense(3, activation="relu", name="head")])
        model.compile("adam", keras.losses.CategoricalCrossentropy())
        """,
        {"head": {"MC302"}},
        {"MC201", "MC305"},
    ),
    (
        "linear-head-without-from-logits",
        """
        model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                                  layers.Dense(3, name="head")])
        model.compile("adam", "sparse_categorical_crossentropy")
        """,
        {"head": {"MC302"}},
        set(),
    ),
    (
        "linear-head-with-from-logits-is-fine",
        """
        model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                                  layers.Dense(3, name="head")])
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        """,
        {},
        {"MC302", "MC303"},
    ),
    (
        "softmax-head-through-flatten",
        """
        inp = keras.Input((4,))
        x = layers.Dense(3, activation="softmax", name="head")(inp)
        model = keras.Model(inp, layers.Reshape((3,))(x))
        model.compile("adam", keras.losses.CategoricalCrossentropy(from_logits=True))
        """,
        {"head": {"MC303"}},
        set(),
    ),
    (
        "binary-sigmoid-head-is-fine",
        """
        model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                                  layers.Dense(1, activation="sigmoid")])
        model.compile(keras.optimizers.SGD(0.01), "binary_crossentropy")
        """,
        {},
        {"MC301", "MC302", "MC303", "MC304", "MC305", "MC501"},
    ),
    (
        "relu-regression-head-and-double-softmax",
        """
        inp = keras.Input((4,))
        r = layers.Dense(1, activation="relu", name="reg")(inp)
        p = layers.Dense(3, activation="softmax", name="cls")(inp)
        p = layers.Softmax(name="again")(p)
        model = keras.Model(inp, [r, p])
        model.compile("adam", ["mse", "categorical_crossentropy"])
        """,
        {"reg": {"MC307"}, "again": {"MC204"}},
        {"MC203"},
    ),
    (
        "learning-rate-schedule-read",
        """
        model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
        sched = keras.optimizers.schedules.ExponentialDecay(5.0, 100, 0.9)
        model.compile(keras.optimizers.RMSprop(sched), "mse")
        """,
        {"compile_config/optimizer": {"MC501"}},
        set(),
    ),
    (
        "spatial-collapse-valid-conv-from-config-only",
        None,  # built from a hand-edited config below: Keras refuses to build it
        {"conv_b": {"MC402"}},
        set(),
    ),
    (
        "channels-first-input",
        """
        model = keras.Sequential([keras.Input((3, 64, 64)),
            layers.Conv2D(8, 3, padding="same", activation="relu", name="c"),
            layers.GlobalAveragePooling2D(), layers.Dense(2, activation="softmax")])
        """,
        {"c": {"MC403"}},
        set(),
    ),
    (
        "channels-first-layers-on-channels-last-input",
        """
        model = keras.Sequential([keras.Input((28, 28, 3)),
            layers.Conv2D(8, 3, padding="same", activation="relu", name="c",
                          data_format="channels_first"),
            layers.Flatten(), layers.Dense(2, activation="softmax")])
        """,
        {"c": {"MC403"}},
        set(),
    ),
    (
        "channels-first-layers-on-channels-first-input-are-fine",
        """
        model = keras.Sequential([keras.Input((3, 28, 28)),
            layers.Conv2D(8, 3, padding="same", activation="relu", data_format="channels_first"),
            layers.Flatten(), layers.Dense(2, activation="softmax")])
        """,
        {},
        {"MC403"},
    ),
    (
        "transposed-conv-generator-is-fine",
        """
        model = keras.Sequential([keras.Input((1, 1, 16)),
            layers.Conv2DTranspose(8, 4, activation="relu"),
            layers.Conv2DTranspose(3, 4, strides=2, padding="same", activation="sigmoid")])
        """,
        {},
        {"MC402"},
    ),
    (
        "deep-tanh-stack-with-batchnorm-is-fine",
        """
        layers_ = [keras.Input((8,))]
        for _ in range(6):
            layers_ += [layers.Dense(16, activation="tanh"), layers.BatchNormalization()]
        model = keras.Sequential(layers_ + [layers.Dense(2, activation="softmax")])
        """,
        {},
        {"MC604"},
    ),
]


def _collapse_model(keras, path):
    """A config Keras cannot build (3x3 valid conv on a 2x2 map), as a user might hand-edit."""
    import json
    import zipfile

    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(4, 3, activation="relu", name="conv_a"),  # 6x6
            keras.layers.MaxPooling2D(3, name="pool"),  # 2x2
            keras.layers.Conv2D(4, 1, activation="relu", name="conv_b"),
            keras.layers.Flatten(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        cfg = json.loads(zf.read("config.json"))
    for layer in cfg["config"]["layers"]:
        if layer["config"].get("name") == "conv_b":
            layer["config"]["kernel_size"] = [3, 3]
            layer.pop("build_config", None)
    cfg_path = path.with_suffix(".json")
    cfg_path.write_text(json.dumps(cfg))
    return cfg_path


@pytest.mark.parametrize("case_id, code, expected, forbidden", CASES, ids=[c[0] for c in CASES])
def test_rule_cases(case_id, code, expected, forbidden, keras, tmp_path):
    if code is None:
        path = _collapse_model(keras, tmp_path / "m.keras")
    else:
        path = build(keras, code, tmp_path / "m.keras")
    report = modelcheck.lint(path)
    for layer, wanted in expected.items():
        got = codes(report, layer)
        assert wanted <= got, f"{case_id}: expected {wanted} on '{layer}', got {got}"
    assert not forbidden & codes(report), f"{case_id}: unexpected {forbidden & codes(report)}"


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
