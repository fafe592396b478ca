"""The TF-free graph readers, checked against models that Keras itself built and saved."""

from __future__ import annotations

import json
import zipfile

import pytest
from zip_helpers import patch_member

from modelcheck.errors import ModelLoadError
from modelcheck.graph.keras_config import graph_from_config
from modelcheck.graph.layers import Kind
from modelcheck.graph.readers.model_file import read_model


def edges(graph):
    return sorted((src, n.id) for n in graph for src in n.inputs)


def test_sequential_matches_keras(example_models, keras):
    graph = read_model(example_models["story1_buggy"])
    model = keras.saving.load_model(example_models["story1_buggy"], compile=False)
    assert graph.source_format == "keras"
    assert [n.id for n in graph][1:] == [layer.name for layer in model.layers]
    assert edges(graph) == [
        ("conv2d", "max_pooling2d"),
        ("conv2d_1", "max_pooling2d_1"),
        ("dense", "softmax"),
        ("flatten", "dense"),
        ("input_layer", "conv2d"),
        ("max_pooling2d", "conv2d_1"),
        ("max_pooling2d_1", "flatten"),
    ]
    for layer in model.layers:
        node = graph.node(layer.name)
        assert node.output_shape == tuple(layer.output.shape), layer.name
        assert node.params == layer.count_params(), layer.name
    assert graph.node("dense").activation == "relu"
    assert graph.node("softmax").activation == "softmax"
    assert graph.node("conv2d").activation == "linear"
    assert graph.compile is not None and graph.compile.optimizer == "adam"
    assert graph.compile.learning_rate == pytest.approx(1e-3)
    assert graph.loss_for(graph.node("softmax")).name == "categorical_crossentropy"


def test_h5_reads_the_same_graph(example_models):
    k3 = read_model(example_models["story1_buggy"])
    h5 = read_model(example_models["story1_buggy_h5"])
    assert h5.source_format == "h5"
    assert edges(h5) == edges(k3)
    assert [n.output_shape for n in h5] == [n.output_shape for n in k3]
    assert h5.compile is not None
    assert h5.loss_for(h5.node("softmax")).name == "categorical_crossentropy"


def test_activation_spellings_are_the_same_to_rules(keras, tmp_path):
    layers = keras.layers
    inp = keras.Input((4,))
    a = layers.Dense(3, activation="softmax", name="fused")(inp)
    b = layers.Activation("softmax", name="act")(layers.Dense(3, name="d1")(inp))
    c = layers.Softmax(name="layer")(layers.Dense(3, name="d2")(inp))
    d = layers.ReLU(name="relu_layer")(inp)
    e = layers.Dense(3, activation="relu", name="relu_fused")(inp)
    f = layers.ReLU(max_value=6.0, name="relu6")(inp)
    g = layers.Activation(keras.activations.swish, name="swish")(inp)
    model = keras.Model(inp, [a, b, c, d, e, f, g])
    model.save(tmp_path / "m.keras")
    graph = read_model(tmp_path / "m.keras")
    acts = {n.id: n.activation for n in graph}
    assert acts["fused"] == acts["act"] == acts["layer"] == "softmax"
    assert acts["relu_layer"] == acts["relu_fused"] == "relu"
    assert acts["relu6"] == "relu6"
    assert acts["swish"] == "silu"


def test_functional_shared_nested_multi_io(keras, tmp_path):
    layers = keras.layers
    x = keras.Input((16,), name="x")
    y = keras.Input((16,), name="y")
    shared = layers.Dense(16, activation="relu", name="shared_dense")
    sx, sy = shared(x), shared(y)
    res = layers.Add(name="residual_add")([sx, x])
    inner_in = keras.Input((16,), name="inner_in")
    inner = keras.Model(
        inner_in, layers.Dense(8, activation="relu", name="inner_dense")(inner_in), name="inner"
    )
    seq = keras.Sequential([layers.Dense(8, activation="relu", name="seq_dense")], name="seq")
    cat = layers.Concatenate(name="cat")([inner(res), seq(sy)])
    head = layers.Dense(2, activation="softmax", name="head")(cat)
    aux = layers.Dense(1, name="aux")(sy)
    model = keras.Model([x, y], {"head": head, "aux": aux})
    model.compile(optimizer="sgd", loss={"head": "sparse_categorical_crossentropy", "aux": "mse"})
    model.save(tmp_path / "f.keras")
    graph = read_model(tmp_path / "f.keras")
    assert edges(graph) == sorted(
        [
            ("x", "shared_dense"),
            ("y", "shared_dense[1]"),
            ("shared_dense", "residual_add"),
            ("x", "residual_add"),
            ("residual_add", "inner/inner_dense"),
            ("shared_dense[1]", "seq/seq_dense"),
            ("inner/inner_dense", "cat"),
            ("seq/seq_dense", "cat"),
            ("cat", "head"),
            ("shared_dense[1]", "aux"),
        ]
    )
    assert sorted(graph.inputs) == ["x", "y"]
    assert sorted(graph.outputs) == ["aux", "head"]
    assert graph.node("inner/inner_dense").path == ("inner", "inner_dense")
    assert graph.loss_for(graph.node("head")).name == "sparse_categorical_crossentropy"
    assert graph.loss_for(graph.node("aux")).name == "mean_squared_error"
    assert graph.compile.optimizer == "sgd"
    assert graph.node("cat").output_shape == (None, 16)


def test_wrappers_rnn_state_and_attention_kwargs(keras, tmp_path):
    layers = keras.layers
    tokens = keras.Input((10,), dtype="int32", name="tokens")
    emb = layers.Embedding(100, 8, name="emb")(tokens)
    seq = layers.Bidirectional(layers.LSTM(4, return_sequences=True), name="bi")(emb)
    td = layers.TimeDistributed(layers.Dense(6, activation="relu"), name="td")(seq)
    out, h, c = layers.LSTM(5, return_state=True, name="lstm")(td)
    att = layers.MultiHeadAttention(2, 4, name="mha")(td, value=seq)
    pooled = layers.GlobalAveragePooling1D(name="gap")(att)
    merged = layers.Concatenate(name="cat")([out, h, pooled])
    model = keras.Model(tokens, layers.Dense(2, activation="softmax", name="head")(merged))
    model.save(tmp_path / "w.keras")
    graph = read_model(tmp_path / "w.keras")
    td_node = graph.node("td")
    assert td_node.wrapper == "TimeDistributed" and td_node.core_class == "Dense"
    assert td_node.activation == "relu" and td_node.kind is Kind.WEIGHT
    assert graph.node("bi").core_class == "LSTM"
    assert ("seq" not in graph.nodes) and ("bi", "mha") in edges(graph)
    cat = graph.node("cat")
    assert cat.inputs == ["lstm", "lstm", "gap"] and cat.input_tensor_index == [0, 1, 0]
    assert graph.node("bi").output_shape == (None, 10, 8)
    assert graph.node("td").output_shape == (None, 10, 6)


def test_keras2_config_format():
    """tf.keras / tf_keras list-style inbound nodes with the nested-Functional +1 quirk."""
    cfg = {
        "class_name": "Functional",
        "config": {
            "name": "k2",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "name": "x",
                    "config": {"batch_input_shape": [None, 16], "name": "x"},
                    "inbound_nodes": [],
                },
                {
                    "class_name": "Dense",
                    "name": "shared",
                    "config": {"name": "shared", "units": 16, "activation": "linear"},
                    "inbound_nodes": [[["x", 0, 0, {}]], [["x", 0, 0, {}]]],
                },
                {
                    "class_name": "Functional",
                    "name": "inner",
                    "config": {
                        "name": "inner",
                        "layers": [
                            {
                                "class_name": "InputLayer",
                                "name": "i",
                                "config": {"batch_input_shape": [None, 16], "name": "i"},
                                "inbound_nodes": [],
                            },
                            {
                                "class_name": "Dense",
                                "name": "d",
                                "config": {"name": "d", "units": 4, "activation": "relu"},
                                "inbound_nodes": [[["i", 0, 0, {}]]],
                            },
                        ],
                        "input_layers": [["i", 0, 0]],
                        "output_layers": [["d", 0, 0]],
                    },
                    "inbound_nodes": [[["shared", 1, 0, {}]]],
                },
                {
                    "class_name": "Dense",
                    "name": "out",
                    "config": {"name": "out", "units": 3, "activation": "softmax"},
                    "inbound_nodes": [[["inner", 1, 0, {}]]],
                },
            ],
            "input_layers": [["x", 0, 0]],
            "output_layers": [["out", 0, 0]],
        },
    }
    graph = graph_from_config(cfg, artifact="k2.json", source_format="json")
    assert edges(graph) == sorted(
        [("x", "shared"), ("x", "shared[1]"), ("shared[1]", "inner/d"), ("inner/d", "out")]
    )
    assert graph.node("out").output_shape == (None, 3)
    assert graph.outputs == ["out"]


def test_sequential_without_input_layer_uses_build_shape():
    cfg = {
        "class_name": "Sequential",
        "config": {
            "name": "s",
            "layers": [
                {"class_name": "Dense", "config": {"name": "a", "units": 8, "activation": "relu"}},
                {
                    "class_name": "Dense",
                    "config": {"name": "b", "units": 2, "activation": "softmax"},
                },
            ],
            "build_input_shape": [None, 5],
        },
    }
    graph = graph_from_config(cfg, artifact="s.json", source_format="json")
    assert [n.id for n in graph] == ["a", "b"]
    assert graph.node("a").output_shape == (None, 8)
    assert graph.node("a").params == 48
    assert graph.outputs == ["b"]


def test_unzipped_directory_and_bare_json(example_models, tmp_path):
    with zipfile.ZipFile(example_models["story1_buggy"]) as zf:
        zf.extractall(tmp_path / "unzipped")
        config = zf.read("config.json")
    (tmp_path / "config_only.json").write_bytes(config)
    reference = edges(read_model(example_models["story1_buggy"]))
    assert edges(read_model(tmp_path / "unzipped")) == reference
    bare = read_model(tmp_path / "config_only.json")
    assert bare.source_format == "json" and edges(bare) == reference


def test_lambda_and_custom_layers_are_opaque_and_never_run(keras, tmp_path):
    marker = tmp_path / "pwned"
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Lambda(lambda t: t * 2, name="lam"),
            keras.layers.Dense(2, name="d"),
        ]
    )
    model.save(tmp_path / "lam.keras")
    graph = read_model(tmp_path / "lam.keras")
    lam = graph.node("lam")
    assert lam.kind is Kind.OPAQUE and "Lambda" in (lam.opaque_reason or "")
    assert not marker.exists()
    # A config naming a custom class is opaque too, whatever its class_name claims.
    cfg = json.loads(zipfile.ZipFile(tmp_path / "lam.keras").read("config.json"))
    cfg["config"]["layers"][2]["module"] = "evil.module"
    graph = graph_from_config(cfg, artifact="c.json", source_format="json")
    assert graph.node("d").kind is Kind.OPAQUE


def _functional(*layers):
    return {
        "class_name": "Functional",
        "config": {"layers": list(layers), "input_layers": [], "output_layers": [["a", 0, 0]]},
    }


def _dense(name, inbound):
    return {"class_name": "Dense", "name": name, "config": {}, "inbound_nodes": inbound}


@pytest.mark.parametrize(
    "cfg, expected",
    [
        ([1, 2], "Expected a serialized Keras model"),
        (_functional(_dense("a", [[["ghost", 0, 0, {}]]])), "unknown layer 'ghost'"),
        (
            _functional(_dense("a", [[["b", 0, 0, {}]]]), _dense("b", [[["a", 0, 0, {}]]])),
            "cycle",
        ),
        (_functional(_dense("a", 5)), "inbound_nodes of 'a' to be a list"),
    ],
    ids=["not-an-object", "dangling-reference", "cycle", "bad-inbound-nodes"],
)
def test_broken_graphs_raise_one_line_errors(cfg, expected):
    with pytest.raises(ModelLoadError) as exc:
        graph_from_config(cfg, artifact="x.json", source_format="json")
    assert expected in str(exc.value)
    assert "Received:" in str(exc.value) and "\n" not in str(exc.value)


def test_subclassed_model_has_no_graph_but_says_so(keras, tmp_path):
    @keras.saving.register_keras_serializable(package="tests")
    class Sub(keras.Model):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.d = keras.layers.Dense(units)

        def call(self, x):
            return self.d(x)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    model = Sub()
    model(keras.ops.zeros((1, 3)))
    model.compile(optimizer=keras.optimizers.Adam(5.0), loss="mse")
    model.save(tmp_path / "sub.keras")
    graph = read_model(tmp_path / "sub.keras")
    assert graph.subclassed and len(graph) == 0
    assert "subclassed" in graph.notes[0]
    assert graph.compile is not None and graph.compile.learning_rate == 5.0


# Found by benchmarks/fuzz.py: each of these escaped as a traceback.


@pytest.mark.parametrize(
    "model, index, value",
    [("story1_buggy", 1, ["Conv2D"]), ("residual_cnn", 0, {"class_name": "InputLayer"})],
    ids=["sequential-list", "functional-dict"],
)
def test_unhashable_class_name_is_a_one_line_error(example_models, model, index, value):
    with zipfile.ZipFile(example_models[model]) as zf:
        cfg = json.loads(zf.read("config.json"))
    cfg["config"]["layers"][index]["class_name"] = value  # was a TypeError: unhashable type

    with pytest.raises(ModelLoadError) as exc:
        graph_from_config(cfg, artifact="x.keras", source_format="keras")

    message = str(exc.value)
    assert message.startswith("Expected a class_name string for layer"), message
    assert repr(value)[:20] in message and "\n" not in message


#: An LZMA stream header (2-byte version, 2-byte property size 5) with invalid properties,
#: then some data.
BAD_LZMA = b"\x09\x04\x05\x00\xff\xff\xff\xff\xff" + b"{}" * 8


@pytest.mark.parametrize(
    "method, flag_bits, content, expected",
    [
        (
            zipfile.ZIP_DEFLATED,
            0,
            None,
            "Expected a readable .keras zip archive. Received: error: ",
        ),
        (
            zipfile.ZIP_LZMA,
            0,
            BAD_LZMA,
            "Expected a readable .keras zip archive. Received: LZMAError",
        ),
        (99, 0, None, "Expected a readable .keras zip archive. Received: NotImplementedError: "),
        (None, 0x1, None, "Expected an unencrypted config.json. Received: an encrypted zip member"),
    ],
    ids=["stored-but-declared-deflated", "bad-lzma-stream", "unknown-method", "encrypted"],
)
def test_undecodable_config_member_is_a_one_line_error(
    example_models, tmp_path, method, flag_bits, content, expected
):
    bad = tmp_path / "bad.keras"
    with zipfile.ZipFile(example_models["story1_buggy"]) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():  # Keras stores its members; keep them stored
            data = content if content and info.filename == "config.json" else src.read(info)
            dst.writestr(info, data)
    patch_member(bad, "config.json", method=method, flag_bits=flag_bits)

    with pytest.raises(ModelLoadError) as exc:
        read_model(bad)

    assert str(exc.value).startswith(expected), str(exc.value)
    assert "\n" not in str(exc.value)


def test_lone_surrogates_in_names_become_replacement_characters(example_models, tmp_path):
    """A "\\udfff" escape in config.json (or bytes that are not UTF-8 in an .h5 string
    attribute, which h5py decodes with surrogateescape) made a name that could not be printed:
    a UnicodeEncodeError escaped from the text renderer."""
    import h5py

    bad = tmp_path / "bad.keras"
    with zipfile.ZipFile(example_models["story1_buggy"]) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "config.json":
                data = data.replace(b'"name": "dense"', b'"name": "dense\\udfff"', 1)
            dst.writestr(info, data)
    bad_h5 = tmp_path / "bad.h5"
    bad_h5.write_bytes(example_models["story1_buggy_h5"].read_bytes())
    with h5py.File(bad_h5, "r+") as f:
        config = (
            f.attrs["model_config"].encode().replace(b'"name": "dense"', b'"name": "dense\xff"')
        )
        f.attrs.create("model_config", config, dtype=h5py.string_dtype("utf-8"))

    for path in (bad, bad_h5):
        graph = read_model(path)

        names = [node.id for node in graph]
        assert "dense\ufffd" in names, names
        assert all(name.encode("utf-8") for name in names)  # no lone surrogate left


@pytest.mark.parametrize("text", [b"1", b"null"], ids=["number", "null"])
def test_config_json_that_is_not_an_object_is_a_one_line_error(example_models, tmp_path, text):
    bad = tmp_path / "bad.keras"
    with zipfile.ZipFile(example_models["story1_buggy"]) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():  # was a TypeError from the hazard scan: not iterable
            dst.writestr(info, text if info.filename == "config.json" else src.read(info))

    with pytest.raises(ModelLoadError) as exc:
        read_model(bad)

    assert str(exc.value).startswith("Expected a serialized Keras model"), str(exc.value)


def test_h5_training_config_that_is_not_an_object_is_ignored(example_models, tmp_path):
    import h5py

    bad = tmp_path / "bad.h5"
    bad.write_bytes(example_models["story1_buggy_h5"].read_bytes())
    with h5py.File(bad, "r+") as f:
        f.attrs["training_config"] = "3.5"  # was a TypeError from the hazard scan

    graph = read_model(bad)

    assert graph.compile is None and len(graph) == 8
