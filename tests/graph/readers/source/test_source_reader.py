"""The source reader on the constructs real Keras code uses: each case is a program and the
layers (class, units/filters, activation) and connections it must extract, without Keras.

The corpus test (``test_source_oracle.py``) compares extraction with what Keras builds on real
public programs; these cases pin each construct down on its own.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from modelcheck.errors import ModelLoadError
from modelcheck.graph.readers.source import read_source


def extract(tmp_path: Path, code: str, suffix: str = ".py"):
    path = tmp_path / f"prog{suffix}"
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    return read_source(path)


def layers_of(graph) -> list[tuple]:
    return [(n.class_name, n.units, n.activation) for n in graph if n.class_name != "InputLayer"]


CASES = {
    "sequential-list": (
        """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ])
        """,
        [[("Conv2D", 32, "relu"), ("Flatten", 21632, None), ("Dense", 10, "softmax")]],
    ),
    "sequential-add-in-a-loop-and-if": (
        """
        from tensorflow.keras.models import Sequential
        from tensorflow.keras.layers import Dense, Dropout
        USE_DROPOUT = True
        model = Sequential()
        model.add(Dense(64, activation="relu", input_shape=(20,)))
        for units in [32, 16]:
            model.add(Dense(units, activation="relu"))
            if USE_DROPOUT:
                model.add(Dropout(0.5))
        model.add(Dense(1, activation="sigmoid"))
        """,
        [
            [
                ("Dense", 64, "relu"),
                ("Dense", 32, "relu"),
                ("Dropout", 32, None),
                ("Dense", 16, "relu"),
                ("Dropout", 16, None),
                ("Dense", 1, "sigmoid"),
            ]
        ],
    ),
    "keras2-names-and-arguments": (
        """
        from keras.models import Sequential
        from keras.layers.core import Dense, Activation, Flatten
        from keras.layers.convolutional import Convolution2D, MaxPooling2D
        model = Sequential()
        model.add(Convolution2D(32, 3, 3, border_mode="same", input_shape=(32, 32, 3)))
        model.add(Activation("relu"))
        model.add(MaxPooling2D(pool_size=(2, 2)))
        model.add(Flatten())
        model.add(Dense(output_dim=10, init="uniform"))
        model.add(Activation("softmax"))
        """,
        [
            [
                ("Conv2D", 32, "linear"),
                ("Activation", 32, "relu"),
                ("MaxPooling2D", 32, None),
                ("Flatten", 8192, None),
                ("Dense", 10, "linear"),
                ("Activation", 10, "softmax"),
            ]
        ],
    ),
    "functional-merge-shared-and-two-outputs": (
        """
        import tensorflow as tf
        L = tf.keras.layers
        inp = tf.keras.Input(shape=(16,))
        a = L.Dense(8, activation="relu")(inp)
        b = L.Dense(8, activation="tanh")(inp)
        c = L.concatenate([a, b])
        shared = L.Dense(4, activation="relu")
        d = shared(shared(c))
        out1 = L.Dense(3, activation="softmax", name="cls")(d)
        out2 = L.Dense(1, name="reg")(L.add([d, d]))
        model = tf.keras.Model(inputs=inp, outputs=[out1, out2])
        """,
        [
            [
                ("Dense", 8, "relu"),
                ("Dense", 8, "tanh"),
                ("Concatenate", 16, None),
                ("Dense", 4, "relu"),
                ("Dense", 4, "relu"),
                ("Dense", 3, "softmax"),
                ("Add", 4, None),
                ("Dense", 1, "linear"),
            ]
        ],
    ),
    "helper-function-with-defaults-and-keywords": (
        """
        from tensorflow import keras
        from tensorflow.keras import layers
        def block(x, filters, kernel=3, *, act="relu"):
            return layers.Conv2D(filters, kernel, padding="same", activation=act)(x)
        inputs = keras.Input((32, 32, 3))
        x = inputs
        for f in range(1, 3):
            x = block(x, 16 * f, act="elu" if f == 2 else "relu")
        x = layers.GlobalAveragePooling2D()(x)
        model = keras.Model(inputs, layers.Dense(10)(x))
        """,
        [
            [
                ("Conv2D", 16, "relu"),
                ("Conv2D", 32, "elu"),
                ("GlobalAveragePooling2D", 32, None),
                ("Dense", 10, "linear"),
            ]
        ],
    ),
    "builder-nobody-calls-runs-with-its-defaults": (
        """
        import keras
        def build_model(n_classes=5, hidden=(64, 32)):
            model = keras.Sequential([keras.layers.Input((10,))])
            for h in hidden:
                model.add(keras.layers.Dense(h, activation="relu"))
            model.add(keras.layers.Dense(n_classes, activation="softmax"))
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            return model
        """,
        [[("Dense", 64, "relu"), ("Dense", 32, "relu"), ("Dense", 5, "softmax")]],
    ),
    "partial-comprehension-and-literal-config": (
        """
        import functools
        import keras
        Conv = functools.partial(keras.layers.Conv2D, kernel_size=3, padding="same",
                                 activation="relu")
        CFG = {"widths": [8, 16], "classes": 4}
        model = keras.Sequential(
            [keras.Input((16, 16, 3))]
            + [Conv(w) for w in CFG["widths"]]
            + [keras.layers.GlobalMaxPooling2D(), keras.layers.Dense(CFG["classes"])]
        )
        """,
        [
            [
                ("Conv2D", 8, "relu"),
                ("Conv2D", 16, "relu"),
                ("GlobalMaxPooling2D", 16, None),
                ("Dense", 4, "linear"),
            ]
        ],
    ),
    "subclassed-model": (
        """
        import keras
        from keras import layers
        class Net(keras.Model):
            def __init__(self, classes=3):
                super().__init__()
                self.hidden = [layers.Dense(32, activation="relu") for _ in range(2)]
                self.out = layers.Dense(classes, activation="softmax")
            def call(self, x, training=False):
                for h in self.hidden:
                    x = h(x)
                return self.out(x)
        model = Net()
        model.build((None, 8))
        """,
        [[("Dense", 32, "relu"), ("Dense", 32, "relu"), ("Dense", 3, "softmax")]],
    ),
    "import-spellings": (
        """
        import tensorflow.keras.layers as KL
        from tensorflow.keras import models
        import keras.layers as L
        model = models.Sequential([KL.Dense(4, activation="relu", input_dim=3), L.Dense(2)])
        """,
        [[("Dense", 4, "relu"), ("Dense", 2, "linear")]],
    ),
    "star-import-and-keras1-merge-helpers": (
        """
        from keras.models import *
        from keras.layers import *
        a = Input(shape=(8,))
        b = Input(shape=(8,))
        x = concatenate([Dense(4, activation="relu")(a), Dense(4, activation="relu")(b)])
        model = Model(input=[a, b], output=Dense(1, activation="sigmoid")(x))
        """,
        [
            [
                ("Dense", 4, "relu"),
                ("Dense", 4, "relu"),
                ("Concatenate", 8, None),
                ("Dense", 1, "sigmoid"),
            ]
        ],
    ),
    "sequential-inside-functional-is-one-model": (
        """
        import keras
        encoder = keras.Sequential([keras.layers.Dense(8, activation="relu")])
        inp = keras.Input((4,))
        model = keras.Model(inp, keras.layers.Dense(1)(encoder(inp)))
        """,
        [[("Dense", 8, "relu"), ("Dense", 1, "linear")]],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_extracts_the_models_the_program_builds(case, tmp_path):
    code, expected = CASES[case]
    result = extract(tmp_path, code)
    assert result.problems == []
    assert [layers_of(g) for g in result.graphs] == expected


def test_the_checker_rejects_a_wrong_expectation(tmp_path):
    code, expected = CASES["sequential-list"]
    got = [layers_of(g) for g in extract(tmp_path, code).graphs]
    assert got != [expected[0][:-1]] and got != [[("Dense", 10, "relu")]]


def test_connections_follow_the_data_flow(tmp_path):
    graph = extract(tmp_path, CASES["functional-merge-shared-and-two-outputs"][0]).graphs[0]
    assert graph.node("concatenate").inputs == ["dense", "dense_1"]
    assert graph.node("dense_2[1]").inputs == ["dense_2"]  # the shared layer's second call
    assert graph.outputs == ["cls", "reg"]


def test_every_node_is_located_at_its_line(tmp_path):
    graph = extract(tmp_path, CASES["helper-function-with-defaults-and-keywords"][0]).graphs[0]
    lines = {n.id: n.region.line for n in graph}
    assert lines["conv2d"] == lines["conv2d_1"] == 5  # inside the helper
    assert lines["dense"] == 11 and graph.region.line == 11


def test_unknown_values_stay_unknown(tmp_path):
    code = """
    import keras
    import sys
    n = int(sys.argv[1])
    act = sys.argv[2]
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(n, activation=act)])
    """
    (graph,) = extract(tmp_path, code).graphs
    dense = graph.node("dense")
    assert dense.units is None  # never a guess
    assert dense.activation == "custom:unknown" and dense.is_nonlinear


def test_undecidable_branches_and_loops_are_noted(tmp_path):
    code = """
    import keras, random
    model = keras.Sequential([keras.Input((8,))])
    if random.random() > 0.5:
        model.add(keras.layers.Dense(4, activation="relu"))
    for _ in range(random.randint(1, 3)):
        model.add(keras.layers.Dense(2))
    """
    (graph,) = extract(tmp_path, code).graphs
    assert [n.class_name for n in graph][1:] == ["Dense", "Dense"]
    notes = " ".join(graph.notes)
    assert "4:1: `if random.random() > 0.5` cannot be decided statically; read as true" in notes
    assert "no static length; its body is read once" in notes


def test_what_it_cannot_follow_is_an_opaque_node_with_a_reason(tmp_path):
    code = """
    import tensorflow as tf
    from mylib.layers import Attention
    base = tf.keras.applications.ResNet50(include_top=False, input_shape=(224, 224, 3))
    x = tf.keras.layers.GlobalAveragePooling2D()(base.output)
    x = Attention()(x)
    x = tf.math.cumsum(x)
    model = tf.keras.Model(base.input, tf.keras.layers.Dense(3, activation="softmax")(x))
    """
    (graph,) = extract(tmp_path, code).graphs
    reasons = {n.class_name: n.opaque_reason for n in graph if n.opaque_reason}
    assert "pretrained network" in reasons["ResNet50"]
    assert "module 'mylib.layers', which the reader does not open" in reasons["Attention"]
    assert "tf.math.cumsum(...) is an operation the reader does not follow" in reasons["TFOpLambda"]


def test_known_operations_are_the_operation_nodes_keras_writes(tmp_path):
    # issue 12 item 10: keras.ops / tf.nn calls in a Functional graph are operations with a
    # meaning (the activations among them are activations), not opaque custom code
    code = """
    import keras
    import tensorflow as tf
    from keras import ops
    inp = keras.Input((32,))
    x = ops.relu(keras.layers.Dense(64)(inp))
    x = tf.nn.silu(keras.layers.Dense(64)(x))
    m = ops.mean(x, axis=-1, keepdims=True)
    model = keras.Model(inp, ops.softmax(keras.layers.Dense(3)(x * ops.sigmoid(m))))
    """
    (graph,) = extract(tmp_path, code).graphs
    nodes = {n.class_name: n for n in graph}
    assert not [n for n in graph if n.opaque_reason]
    assert nodes["Relu"].activation == "relu" and nodes["Silu"].activation == "silu"
    assert nodes["Softmax"].activation == "softmax" and nodes["Sigmoid"].output_shape == (None, 1)
    assert nodes["Mean"].kind.value == "linear" and nodes["Mean"].output_shape == (None, 1)


def test_a_file_without_keras_is_skipped(tmp_path):
    assert extract(tmp_path, "import numpy as np\nx = np.zeros(3)\n").graphs == []
    result = extract(tmp_path, "def f(:\n")  # not even parsed: nothing says keras
    assert result.graphs == [] and not result.uses_keras


def test_unparsable_python_is_a_one_line_error(tmp_path):
    with pytest.raises(ModelLoadError) as err:
        extract(tmp_path, "import keras\nmodel = keras.Sequential([\n")
    text = str(err.value)
    assert "Expected Python source that parses." in text and "prog.py:2:" in text
    assert "\n" not in text


def test_hostile_programs_end_within_the_step_budget(tmp_path):
    code = """
    import keras
    def f(n):
        return f(n + 1) + f(n + 2)
    x = [0] * 10 ** 9
    y = 2 ** 10 ** 10
    while True:
        pass
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(f(1))])
    """
    (graph,) = extract(tmp_path, code).graphs
    assert graph.node("dense").units is None


def test_notebook_cells_are_one_program_located_by_cell(tmp_path):
    cells = [
        {"cell_type": "markdown", "source": ["# title"]},
        {"cell_type": "code", "source": ["%matplotlib inline\n", "import keras\n"]},
        {"cell_type": "code", "source": "!pip install keras\nmodel = keras.Sequential()\n"},
        {"cell_type": "code", "source": ["%%bash\n", "echo not python\n"]},
        {
            "cell_type": "code",
            "source": ["model.add(keras.Input((4,)))\n", "model.add(keras.layers.Dense(2))"],
        },
    ]
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": cells, "nbformat": 4, "metadata": {}}))
    (graph,) = read_source(path).graphs
    dense = graph.node("dense")
    assert (dense.region.cell, dense.region.line) == (5, 2)  # cells counted like Jupyter
    assert graph.region.label == "cell 3:2:9" and graph.source_format == "notebook"


def test_compile_arguments_strings_objects_names_and_schedules(tmp_path):
    code = """
    import tensorflow as tf
    from tensorflow.keras.optimizers import SGD
    from tensorflow.keras.optimizers.schedules import ExponentialDecay
    schedule = ExponentialDecay(0.1, decay_steps=1000, decay_rate=0.9)
    opt = SGD(learning_rate=schedule, momentum=0.9)
    loss = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
    a = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3)])
    a.compile(opt, loss, metrics=["accuracy"])
    b = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(1)])
    b.compile(optimizer=tf.keras.optimizers.Adam(lr=3e-4), loss="mse")
    c = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(2)])
    c.compile(loss=tf.keras.losses.sparse_categorical_crossentropy)
    """
    a, b, c = extract(tmp_path, code).graphs
    assert (a.compile.optimizer, a.compile.learning_rate) == ("sgd", 0.1)
    (spec,) = a.compile.losses.values()
    assert (spec.name, spec.from_logits) == ("categorical_crossentropy", True)
    assert (b.compile.optimizer, b.compile.learning_rate) == ("adam", 3e-4)
    assert [s.name for s in b.compile.losses.values()] == ["mean_squared_error"]
    assert c.compile.optimizer == "rmsprop"  # Keras's default
    assert [s.name for s in c.compile.losses.values()] == ["sparse_categorical_crossentropy"]
    assert a.compile_region.line == 9 and a.model_label == "a"


def test_the_image_data_format_branch_is_read_with_keras_defaults(tmp_path):
    # keras/examples/mnist_cnn.py: read as written, the channels_first branch would feed a
    # (1, 28, 28) image to a channels_last conv (a false MC402 on Keras's own example)
    code = """
    import keras
    from keras import backend as K
    img_rows, img_cols = 28, 28
    if K.image_data_format() == "channels_first":
        input_shape = (1, img_rows, img_cols)
    else:
        input_shape = (img_rows, img_cols, 1)
    model = keras.Sequential()
    model.add(keras.layers.Conv2D(32, (3, 3), activation="relu", input_shape=input_shape))
    """
    (graph,) = extract(tmp_path, code).graphs
    assert graph.node("conv2d").output_shape == (None, 26, 26, 32)
    assert graph.notes == []


def test_a_global_channels_first_setting_applies_to_the_layers_after_it(tmp_path):
    # deep-learning-with-keras Chapter03 LeNet: K.set_image_dim_ordering("th") + (1, 28, 28)
    code = """
    from keras import backend as K
    from keras.models import Sequential
    from keras.layers import Conv2D, MaxPooling2D
    K.set_image_dim_ordering("th")
    model = Sequential()
    model.add(Conv2D(20, kernel_size=5, padding="same", input_shape=(1, 28, 28)))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    """
    (graph,) = extract(tmp_path, code).graphs
    assert graph.node("max_pooling2d").output_shape == (None, 20, 14, 14)


def test_keras_datasets_shapes_are_followed_through_numpy(tmp_path):
    # Advanced-Deep-Learning-with-Keras chapter 1 (mlp-mnist): sizes come from the data
    code = """
    import numpy as np
    from tensorflow import keras
    from tensorflow.keras.layers import Dense
    from tensorflow.keras.utils import to_categorical
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    num_labels = len(np.unique(y_train))
    y_train = to_categorical(y_train)
    image_size = x_train.shape[1]
    x_train = np.reshape(x_train, [-1, image_size * image_size]).astype("float32") / 255
    (c_train, _), _ = keras.datasets.cifar10.load_data()
    model = keras.Sequential([keras.Input(x_train.shape[1:]), Dense(y_train.shape[1])])
    cnn = keras.Sequential([keras.Input(c_train.shape[1:]), Dense(num_labels)])
    """
    model, cnn = extract(tmp_path, code).graphs
    assert model.node("input_layer").output_shape == (None, 784)
    assert model.node("dense").units == 10
    assert cnn.node("input_layer").output_shape == (None, 32, 32, 3)
    assert cnn.node("dense").units == 10


def test_tensorflow_2_aliases_of_keras_modules(tmp_path):
    # dragen/TensorFlow-2.x-Tutorials 05-FashionMNIST: tf.losses.CategoricalCrossentropy
    code = """
    import tensorflow as tf
    from tensorflow.keras import layers, optimizers
    model = tf.keras.Sequential([layers.Dense(10, input_shape=(784,))])
    model.compile(optimizer=optimizers.Adam(0.001),
                  loss=tf.losses.CategoricalCrossentropy(from_logits=True))
    """
    (graph,) = extract(tmp_path, code).graphs
    (spec,) = graph.compile.losses.values()
    assert spec.from_logits and graph.compile.learning_rate == 0.001


def test_custom_layers_are_built_then_called_and_their_outputs_unpacked(tmp_path):
    # keras-io involution.py: x, _ = Involution(...)(x); the layer builds a Sequential in build()
    code = """
    import keras
    from keras import layers, ops
    class Involution(keras.layers.Layer):
        def __init__(self, channel):
            super().__init__()
            self.channel = channel
        def build(self, input_shape):
            self.kernel_gen = keras.Sequential([layers.Conv2D(self.channel, 1)])
        def call(self, x):
            kernel = self.kernel_gen(x)
            return ops.multiply(x, kernel), kernel
    inputs = keras.Input((8, 8, 3))
    x, _ = Involution(3)(inputs)
    x = layers.ReLU()(x)
    model = keras.Model(inputs, layers.Dense(2)(layers.Flatten()(x)))
    """
    graphs = extract(tmp_path, code).graphs
    model = next(g for g in graphs if g.model_label == "model")
    # ops.multiply is a known operation, so the layer is expanded (its nodes carry _block)
    classes = [n.class_name for n in model][1:]
    assert classes == ["Conv2D", "Multiply", "ReLU", "Flatten", "Dense"]
    assert not [n for n in model if n.opaque_reason]
    assert model.node("multiply").config["_block"].startswith("Involution#")
    assert model.node("re_lu").inputs == ["multiply"]


def test_command_line_arguments_are_read_with_their_defaults(tmp_path):
    # keras/examples/variational_autoencoder.py: `if args.weights: vae.load_weights(...)`
    code = """
    import argparse
    import keras
    parser = argparse.ArgumentParser()
    parser.add_argument("-w", "--weights", help="load weights")
    parser.add_argument("--hidden-units", type=int, default=32)
    parser.add_argument("--deep", action="store_true")
    args = parser.parse_args()
    model = keras.Sequential([keras.Input((8,))])
    model.add(keras.layers.Dense(args.hidden_units, activation="relu"))
    if args.deep:
        model.add(keras.layers.Dense(16, activation="relu"))
    if args.weights:
        model = keras.models.load_model(args.weights)
    """
    (graph,) = extract(tmp_path, code).graphs
    assert [n.units for n in graph][1:] == [32]
    assert "command-line arguments are read with their defaults" in graph.notes


def test_deeply_nested_code_is_skipped_with_a_note_not_a_traceback(tmp_path):
    code = "\n".join(
        [
            "import keras",
            "x = keras" + ".layers" * 600,
            "y = " + "f(" * 190 + "1" + ")" * 190,
            "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])",
        ]
    )
    (graph,) = extract(tmp_path, code).graphs
    assert [n.class_name for n in graph] == ["InputLayer", "Dense"]
    assert any("nested too deeply to read" in note for note in graph.notes)


def test_mutilated_real_programs_never_crash_the_reader(tmp_path):
    """Lines cut from real corpus programs (fixed seed): a report or a one-line error."""
    import random

    corpus = Path(__file__).resolve().parents[1] / "source_corpus" / "programs"
    programs = sorted(corpus.glob("*.py"))[::7]
    rng = random.Random(0)
    for i, program in enumerate(programs):
        lines = program.read_text(encoding="utf-8", errors="replace").splitlines()
        for _ in range(3):
            cut = rng.randrange(len(lines))
            lines = lines[:cut] + lines[cut + rng.randint(1, 5) :]
        path = tmp_path / f"m{i}.py"
        path.write_text("\n".join(lines), encoding="utf-8")
        try:
            read_source(path)
        except ModelLoadError as exc:
            assert "\n" not in str(exc)


def test_a_program_building_huge_data_keeps_the_reader_small(tmp_path):
    code = """
    import keras
    x = [[0] * 99999 for _ in range(1000)]
    y = [list(range(100000)) for _ in range(1000)]
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    """
    (graph,) = extract(tmp_path, code).graphs
    assert graph.node("dense").units == 3
    assert any("builds more than 5,000,000 list items" in note for note in graph.notes)
