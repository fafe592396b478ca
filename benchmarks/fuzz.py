"""Fuzz ``modelcheck lint`` with mutated real Keras files and record what every case ended in.

Each case starts from a seed model that Keras wrote (a ``.keras`` archive, a legacy ``.h5``
file or an unzipped ``.keras`` directory; built once into ``benchmarks/.cache/fuzz-seeds/``)
and mutates it at one or more levels, with hypothesis drawing every choice:

- **json**: drop keys, replace values with wrong types, random strings, huge, negative or NaN
  numbers, empty lists, deep nesting, other ``class_name``/``module``/``registered_name``
  values, renamed layers, swapped or rewired ``keras_history`` references, swapped subtrees;
- **text**: duplicate keys in the raw JSON, raw literals JSON parsers disagree on (5,000-digit
  numbers, lone surrogate escapes), cuts at random byte offsets, flipped or inserted bytes,
  other text encodings;
- **zip** (``.keras``): dropped, duplicated or renamed members, a directory where a file is
  expected, other compression methods, an unsupported or wrong compression method in the
  headers, the encryption flag, lying sizes, cuts, flipped bytes, junk;
- **dir** (unzipped ``.keras``): dropped or renamed members, directories or dangling symlinks
  instead of files, empty or cut members;
- **h5** (legacy files): ``model_config``/``training_config``/``keras_version`` attributes of
  the wrong type or missing, cuts, flipped bytes;
- **weights**: in ``model.weights.h5`` or ``model_weights``: deleted, reshaped, re-typed or
  non-finite datasets, datasets turned into groups, soft links, broken name attributes, cuts;
- **as**: the mutated config written as a bare config JSON.

Every case runs the real command line (``modelcheck.cli.main``) in a worker process, with a
random output format and options, sometimes ``--weights``, sometimes next to an untouched good
model (which must still be linted). The worker's address space is limited (``RLIMIT_AS``), so
a memory blow-up becomes a ``MemoryError``; the parent kills a worker that runs past the time
limit. Outcomes:

- ``report``: exit 0 or 1, nothing on stderr, well-formed output;
- ``error``: exit 2, each stderr line ``modelcheck: error: ... Expected ... Received: ...``
  (one per unreadable input), well-formed output, the good model still linted;
- bugs: ``traceback`` (an exception escaped the CLI), ``internal-error`` (a rule crashed:
  ``Internal error (please report it)``), ``memory``, ``hang``, ``crash`` (the worker died),
  ``bad-output``, ``bad-stderr``, ``bad-exit``, ``good-not-linted``, ``subprocess-mismatch``
  (a sampled case run by the installed ``modelcheck`` in a real process ended differently),
  and ``fuzzer-error`` (the mutation itself failed: a bug in this script).

Every bug case is saved, with its inputs, under ``benchmarks/.cache/fuzz-failures/`` and can
be replayed (``--replay DIR``). ``tests/test_fuzz.py`` runs the same strategies and classifier
for a few hundred cases.

Usage (from the repository root)::

    nice .venv/bin/python benchmarks/fuzz.py                 # 10,000 cases -> results/fuzz.json
    nice .venv/bin/python benchmarks/fuzz.py --write-readme  # ... and the block in README.md
    .venv/bin/python benchmarks/fuzz.py --cases 300 --seed 1 --jobs 2
    .venv/bin/python benchmarks/fuzz.py --replay benchmarks/.cache/fuzz-failures/<case>
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import datetime as dt
import hashlib
import io
import json
import os
import pickle
import pprint
import re
import resource
import selectors
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lint_speed as ls  # noqa: E402 - benchmarks/lint_speed.py: paths, log, README helpers

ROOT = ls.ROOT
CACHE = ls.CACHE
SEEDS_DIR = CACHE / "fuzz-seeds"
FAILURES_DIR = CACHE / "fuzz-failures"
RESULTS = ls.BENCH / "results" / "fuzz.json"
BEGIN, END = "<!-- fuzz:begin -->", "<!-- fuzz:end -->"
THIS = Path(__file__).resolve()

DEFAULT_CASES = 10_000
TIME_LIMIT_S = 20.0
MEMORY_LIMIT_MB = 3072
SUBPROCESS_EVERY = 100

OK_OUTCOMES = frozenset({"report", "error"})

# --------------------------------------------------------------------------- seeds

#: Bump when a builder below changes: the cached seeds are rebuilt.
SEED_VERSION = 1

#: name -> (container, builder). Builders are examples/models.py functions or local ones.
SEEDS: dict[str, tuple[str, str]] = {
    "sequential": ("keras", "story1_buggy"),  # Sequential CNN, compiled (also the good model)
    "residual": ("keras", "residual_cnn"),  # Functional, residual Add, BatchNormalization
    "multi_io": ("keras", "multi_io"),  # 2 in / 2 out, shared Dense, nested Sequential
    "sequence": ("keras", "sequence_model"),  # Embedding, Bidirectional(LSTM), TimeDistributed
    "nested": ("keras", "nested_functional"),  # a Functional called twice inside a Functional
    "conv_zoo": ("keras", "conv_zoo"),  # padding, depthwise/separable/transposed convs, ...
    "sequential_h5": ("h5", "story1_buggy"),  # legacy HDF5
    "nested_h5": ("h5", "nested_functional"),  # legacy HDF5, nested model, trained one step
    "residual_dir": ("dir", "residual_cnn"),  # unzipped .keras directory
}
GOOD_SEED = "sequential"
GOOD_NAME = "good.keras"


def nested_functional():  # pragma: no cover - runs with Keras, in the seed-building process
    """A Functional model that calls a nested Functional twice (shared sub-model), with two
    heads, a loss list and a learning-rate schedule; trained for one step."""
    import keras
    import numpy as np
    from keras import layers

    x = keras.Input((16,), name="x")
    h = layers.Dense(8, activation="relu", name="inner_dense")(x)
    h = layers.Dropout(0.1, name="inner_drop")(h)
    inner = keras.Model(x, layers.Dense(8, name="inner_out")(h), name="inner")
    a, b = keras.Input((16,), name="a"), keras.Input((16,), name="b")
    merged = layers.Concatenate(name="concat")([inner(a), inner(b)])
    seq = layers.Reshape((4, 4), name="reshape")(merged)
    seq = layers.Conv1D(6, 2, activation="tanh", name="conv1d")(seq)
    seq = layers.GRU(5, name="gru")(seq)
    norm = layers.LayerNormalization(name="norm")(seq)
    head = layers.Dense(3, activation="softmax", name="head")(norm)
    aux = layers.Dense(1, activation="sigmoid", name="aux")(
        layers.Multiply(name="mul")([norm, norm])
    )
    model = keras.Model([a, b], [head, aux], name="nested_functional")
    schedule = keras.optimizers.schedules.ExponentialDecay(0.05, 100, 0.9)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=schedule, momentum=0.9),
        loss=["categorical_crossentropy", keras.losses.BinaryCrossentropy(from_logits=False)],
        metrics=[["accuracy"], ["auc"]],
    )
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(8, 16)).astype("float32") for _ in range(2)]
    ys = [np.eye(3, dtype="float32")[rng.integers(0, 3, 8)], rng.integers(0, 2, (8, 1))]
    model.fit(xs, ys, epochs=1, batch_size=8, verbose=0)
    return model


def conv_zoo():  # pragma: no cover - runs with Keras, in the seed-building process
    """Many shape-changing layers in one Sequential model, for shape inference."""
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input((20, 20, 3)),
            layers.ZeroPadding2D(2),
            layers.DepthwiseConv2D(3, depth_multiplier=2, activation="relu"),
            layers.SeparableConv2D(8, 3, strides=2, padding="same", activation="relu"),
            layers.Conv2DTranspose(6, 3, strides=2, activation="relu"),
            layers.Cropping2D(((1, 2), (2, 1))),
            layers.UpSampling2D(2),
            layers.AveragePooling2D(3, strides=2),
            layers.BatchNormalization(),
            layers.Conv2D(4, (1, 3), dilation_rate=(1, 2), padding="valid", use_bias=False),
            layers.SpatialDropout2D(0.2),
            layers.Permute((3, 1, 2)),
            layers.Reshape((4, -1)),
            layers.Conv1D(5, 3, padding="causal"),
            layers.MaxPooling1D(2),
            layers.Flatten(),
            layers.RepeatVector(3),
            layers.SimpleRNN(4),
            layers.Dense(2, activation="softmax"),
        ],
        name="conv_zoo",
    )
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss="categorical_crossentropy")
    return model


def _seed_stamp() -> dict[str, Any]:
    from importlib.metadata import version

    models_py = (ROOT / "examples" / "models.py").read_bytes()
    return {
        "seed_version": SEED_VERSION,
        "keras": version("keras"),
        "models_py": hashlib.sha256(models_py).hexdigest()[:16],
    }


def _seed_file(name: str) -> str:
    kind = SEEDS[name][0]
    return {"keras": f"{name}.keras", "h5": f"{name}.h5", "dir": name}[kind]


def build_seeds(out: Path) -> None:  # pragma: no cover - imports Keras
    """Build every seed with Keras into ``out`` (this process imports Keras)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, str(ROOT / "examples"))
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # TensorFlow's C++ start-up lines go straight to fd 2
    try:
        import keras
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    import models  # examples/models.py

    try:
        import absl.logging  # Keras warns through absl when saving legacy .h5 on purpose

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:
        pass
    builders: dict[str, Callable[[], Any]] = {
        **models.all_models(),
        "nested_functional": nested_functional,
        "conv_zoo": conv_zoo,
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, (kind, builder) in SEEDS.items():
        keras.backend.clear_session()  # layer names as in a fresh process
        keras.utils.set_random_seed(0)
        model = builders[builder]()
        target = out / _seed_file(name)
        if kind == "dir":
            shutil.rmtree(target, ignore_errors=True)
            archive = out / f".{name}.keras"
            model.save(archive)
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(target)
            archive.unlink()
        else:
            model.save(target)
    (out / "stamp.json").write_text(json.dumps(_seed_stamp(), indent=2) + "\n")


def ensure_seeds(out: Path = SEEDS_DIR, python: str = sys.executable) -> Path:
    """The seed directory, built (in a subprocess that imports Keras) if missing or stale."""
    stamp = out / "stamp.json"
    present = all((out / _seed_file(n)).exists() for n in SEEDS)
    if present and stamp.is_file() and json.loads(stamp.read_text()) == _seed_stamp():
        return out
    ls.log(f"building the fuzz seed models with Keras into {out}")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run([python, str(THIS), "--build-seeds", str(out)], env=env, check=True)
    return out


# --------------------------------------------------------------------------- seed index

#: Keys whose values shape the graph: mutations aim at them half of the time.
STRUCT_KEYS = frozenset(
    [
        "class_name",
        "config",
        "layers",
        "inbound_nodes",
        "keras_history",
        "input_layers",
        "output_layers",
        "name",
        "batch_shape",
        "batch_input_shape",
        "shape",
        "args",
        "kwargs",
        "build_config",
        "input_shape",
        "compile_config",
        "loss",
        "optimizer",
        "learning_rate",
        "units",
        "filters",
        "kernel_size",
        "strides",
        "padding",
        "pool_size",
        "activation",
        "axis",
        "layer",
        "forward_layer",
        "backward_layer",
        "target_shape",
        "dims",
        "module",
        "registered_name",
        "rate",
        "data_format",
        "dilation_rate",
        "use_bias",
        "from_logits",
        "metrics",
        "loss_weights",
        "groups",
        "depth_multiplier",
        "cropping",
        "size",
        "return_sequences",
        "merge_mode",
        "input_dim",
        "output_dim",
        "n",
        "keras_version",
        "optimizer_config",
        "initial_learning_rate",
        "fn",
        "reset_after",
        "center",
        "scale",
        "return_state",
        "go_backwards",
        "cell",
        "dtype",
    ]
)
SHAPE_KEYS = frozenset(
    [
        "batch_shape",
        "batch_input_shape",
        "shape",
        "input_shape",
        "target_shape",
        "build_input_shape",
        "kernel_size",
        "strides",
        "pool_size",
        "dims",
        "size",
        "cropping",
        "padding",
        "dilation_rate",
        "output_shape",
    ]
)
CLASS_KEYS = frozenset({"class_name", "module", "registered_name"})

JsonPath = tuple[Any, ...]


@dataclass
class DocIndex:
    """Paths into one JSON document, by what sits there."""

    all: list[JsonPath] = field(default_factory=list)
    keys: list[JsonPath] = field(default_factory=list)  # ends in a dict key
    struct: list[JsonPath] = field(default_factory=list)
    lists: list[JsonPath] = field(default_factory=list)
    dicts: list[JsonPath] = field(default_factory=list)
    numbers: list[JsonPath] = field(default_factory=list)
    shapes: list[JsonPath] = field(default_factory=list)
    classes: list[JsonPath] = field(default_factory=list)
    names: list[JsonPath] = field(default_factory=list)
    refs: list[JsonPath] = field(default_factory=list)  # keras_history, io triples
    layer_entries: list[JsonPath] = field(default_factory=list)
    layer_names: list[str] = field(default_factory=list)


def index_doc(doc: Any) -> DocIndex:
    idx = DocIndex()

    def walk(value: Any, path: JsonPath, depth: int) -> None:
        idx.all.append(path)
        last = path[-1] if path else None
        if isinstance(last, str):
            idx.keys.append(path)
            if last in STRUCT_KEYS:
                idx.struct.append(path)
            if last in SHAPE_KEYS:
                idx.shapes.append(path)
            if last in CLASS_KEYS:
                idx.classes.append(path)
            if last == "name" and isinstance(value, str):
                idx.names.append(path)
                idx.layer_names.append(value)
            if last in ("keras_history", "input_layers", "output_layers"):
                idx.refs.append(path)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            idx.numbers.append(path)
        if depth > 60:
            return
        if isinstance(value, dict):
            idx.dicts.append(path)
            for k, v in value.items():
                walk(v, path + (k,), depth + 1)
        elif isinstance(value, list):
            idx.lists.append(path)
            if last == "layers":
                idx.layer_entries.extend(path + (i,) for i in range(len(value)))
            for i, v in enumerate(value):
                walk(v, path + (i,), depth + 1)

    walk(doc, (), 0)
    idx.layer_names = sorted(set(idx.layer_names))
    return idx


@dataclass
class Seed:
    name: str
    kind: str  # keras | h5 | dir
    path: Path
    size: int
    members: list[str]  # zip members / directory files / h5: []
    docs: dict[str, Any]  # config, metadata (keras/dir) or training (h5)
    index: dict[str, DocIndex]


def _read_seed_docs(kind: str, path: Path) -> tuple[dict[str, Any], list[str], int]:
    if kind == "keras":
        with zipfile.ZipFile(path) as zf:
            members = zf.namelist()
            docs = {
                "config": json.loads(zf.read("config.json")),
                "metadata": json.loads(zf.read("metadata.json")),
            }
        return docs, members, path.stat().st_size
    if kind == "dir":
        members = sorted(p.name for p in path.iterdir())
        docs = {
            "config": json.loads((path / "config.json").read_bytes()),
            "metadata": json.loads((path / "metadata.json").read_bytes()),
        }
        return docs, members, sum(p.stat().st_size for p in path.iterdir())
    import h5py

    with h5py.File(path, "r") as f:
        docs = {"config": json.loads(_text(f.attrs["model_config"]))}
        if "training_config" in f.attrs:
            docs["training"] = json.loads(_text(f.attrs["training_config"]))
    return docs, [], path.stat().st_size


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def load_seeds(directory: Path = SEEDS_DIR) -> dict[str, Seed]:
    out = {}
    for name, (kind, _) in SEEDS.items():
        path = directory / _seed_file(name)
        docs, members, size = _read_seed_docs(kind, path)
        out[name] = Seed(
            name, kind, path, size, members, docs, {k: index_doc(v) for k, v in docs.items()}
        )
    return out


# --------------------------------------------------------------------------- values

NAN, INF = float("nan"), float("inf")
EDGE_NUMBERS: list[Any] = [
    0, 1, -1, 2, -2, 3, 7, 255, 2**31 - 1, 2**31, -(2**31), 2**32, 2**63, -(2**63), 2**64,
    10**18, 10**30, 10**300, 0.0, -0.0, 0.5, -0.5, 1e-320, 1e308, -1e308, NAN, INF, -INF,
]  # fmt: skip
NASTY_STRINGS = [
    "", " ", "\n", "a\nb", "line1\r\nline2", "\r", "[red]x[/]", "[bold", "[/]", ":fire:",
    "\x1b[31mred\x1b[0m", "%0A::error::x", "::warning file=x::y", "\t", "\x00", "a\x00b",
    "\u202eevil", "\u2028", "\ufeff", "ÄÖü", "日本語", "😀", "e\u0301", "../../etc/passwd",
    "/", "a/b", "a" * 5000, "None", "null", "NaN", "true", "__keras_tensor__", "keras",
    "keras.layers", "keras.src.models.functional", "Functional", "Sequential", "input_layer",
    "dense", "dense[1]", "config.json", "'", '"', "\\", "{", "}", "%s%s%n", "{0}", "$(id)",
]  # fmt: skip
CLASS_VALUES = [
    "Dense", "Conv2D", "Conv1D", "Conv3D", "Conv2DTranspose", "DepthwiseConv2D",
    "SeparableConv2D", "MaxPooling2D", "AveragePooling1D", "GlobalAveragePooling2D", "Flatten",
    "Reshape", "Permute", "Concatenate", "Add", "Subtract", "Multiply", "Dot", "Softmax",
    "Activation", "ReLU", "LeakyReLU", "Dropout", "BatchNormalization", "LayerNormalization",
    "Embedding", "LSTM", "GRU", "SimpleRNN", "Bidirectional", "TimeDistributed", "InputLayer",
    "Sequential", "Functional", "Model", "Lambda", "TFOpLambda", "TFSMLayer", "__keras_tensor__",
    "__tensor__", "function", "Adam", "SGD", "Cropping2D", "ZeroPadding2D", "UpSampling2D",
    "RepeatVector", "Attention", "MultiHeadAttention", "Rescaling", "Normalization",
    "CategoricalCrossentropy", "LossFunctionWrapper", "MyCustomLayer", "dense", "DENSE",
]  # fmt: skip
MODULE_VALUES: list[Any] = [
    "keras", "keras.layers", "keras.src.models.functional", "keras.models", "keras.losses",
    "builtins", "os", "my_package.layers", "tensorflow", "tf_keras", "", None, 3, ["keras"],
]  # fmt: skip
#: Raw JSON text for a value: what json.dumps cannot write, or what parsers disagree on.
RAW_LITERALS = [
    "1" + "0" * 5000, "-" + "9" * 4400, "1e999", "-1e999", "1e-999", "123456789012345678901234",
    '"\\ud800"', '"\\udfff"', '"a\\ud83d"', '"a\\u0000b"', '"\\u001b[31m"', '"\\u2028"',
    "NaN", "Infinity", "-Infinity", "0.1e1", "-0", "01", ".5", "0x10", "tru", "'single'", "",
    "[1,]", "{,}", '{"a" 1}', "nul", '"unterminated',
]  # fmt: skip
DEEP_DEPTHS = [40, 150, 600, 950, 990, 1000, 1100, 3000, 100_000]
CONFIG_KEYS = sorted(STRUCT_KEYS)
INSERT_BYTES = [
    b"\x00", b"\xff", b"\xff\xfe", b"\xef\xbb\xbf", b"}", b"]", b"{", b"[", b",", b'"',
    b"\\", b"\n", b"\xc3", b"\xed\xa0\x80", b"PK\x03\x04", b"\x89HDF\r\n\x1a\n",
]  # fmt: skip
ZIP_NAMES = [
    "Config.json", "config.json ", "./config.json", "/config.json", "sub/config.json",
    "config.JSON", "..\\config.json", "config.json/", "metadata.json", "model.weights.h5",
    "config.json\u00e9", "model.weights.npz", "assets/x", "",
]  # fmt: skip
TEXT_CODECS = ["utf-16", "utf-16-le", "utf-32", "utf-8-sig", "latin-1", "cp1252", "utf-7"]
FORMATS = ["text", "json", "sarif", "github"]
EXTRA_ARGS = [
    [], [], [], ["--isolated"], ["--layers", "all"], ["--layers", "none"],
    ["--layers", "findings"], ["--fail-on", "error"], ["--fail-on", "info"], ["--exit-zero"],
    ["--select", "MC2,MC3"], ["--ignore", "MC6"], ["--select", "MC7,MC2"],
]  # fmt: skip

text_values = st.one_of(st.text(max_size=12), st.sampled_from(NASTY_STRINGS))
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from(EDGE_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True),
    text_values,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.text(max_size=6), st.sampled_from(CONFIG_KEYS)), inner, max_size=4
        ),
    ),
    max_leaves=8,
)
shape_values = st.one_of(
    st.lists(
        st.one_of(
            st.none(),
            st.sampled_from([0, 1, -1, 2, 3, -7, 2**31, 2**62, 10**12, 10**30]),
            st.integers(-5, 64),
        ),
        max_size=7,
    ),
    st.sampled_from(EDGE_NUMBERS),
    json_values,
)
fraction = st.floats(0.0, 1.0, allow_nan=False)


# --------------------------------------------------------------------------- strategies


def _pick(draw: Any, index: DocIndex, attr: str) -> JsonPath:
    """A path of one category half of the time (else any structural one or any at all)."""
    paths = getattr(index, attr)
    pool = paths if paths and draw(st.booleans()) else (index.struct or index.all)
    if not draw(st.integers(0, 4)):
        pool = index.all
    return draw(st.sampled_from(pool))


def _doc_name(draw: Any, seed: Seed) -> str:
    others = [d for d in seed.docs if d != "config"]
    if others and draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(others))
    return "config"


@st.composite
def json_op(draw: Any, seed: Seed) -> dict[str, Any]:
    doc = _doc_name(draw, seed)
    idx = seed.index[doc]
    kind = draw(
        st.sampled_from(
            ["drop", "replace", "replace", "wrap", "empty", "number", "shape", "shape", "class",
             "rename", "ref", "ref", "swap", "dup_item", "del_item", "insert_key", "deep"]
        )
    )  # fmt: skip
    op: dict[str, Any] = {"kind": f"json:{kind}", "doc": doc}
    if kind == "drop":
        op["path"] = _pick(draw, idx, "keys") if idx.keys else ()
    elif kind == "replace":
        op["path"] = _pick(draw, idx, "struct")
        op["value"] = draw(json_values)
    elif kind == "wrap":
        op["path"] = _pick(draw, idx, "struct")
        op["how"] = draw(st.sampled_from(["list", "dict", "str", "unwrap"]))
    elif kind == "empty":
        op["path"] = _pick(draw, idx, "lists")
        op["value"] = draw(st.sampled_from([[], {}, "", None, 0, [[]], [{}]]))
    elif kind == "number":
        op["path"] = _pick(draw, idx, "numbers")
        op["value"] = draw(st.one_of(st.sampled_from(EDGE_NUMBERS), st.integers(-(2**40), 2**40)))
    elif kind == "shape":
        op["path"] = _pick(draw, idx, "shapes")
        op["value"] = draw(shape_values)
    elif kind == "class":
        op["path"] = _pick(draw, idx, "classes")
        op["value"] = draw(
            st.one_of(st.sampled_from(CLASS_VALUES), st.sampled_from(MODULE_VALUES), json_scalars)
        )
    elif kind == "rename":
        op["path"] = _pick(draw, idx, "names")
        choices = [st.sampled_from(NASTY_STRINGS), st.text(max_size=10)]
        if idx.layer_names:
            choices.insert(0, st.sampled_from(idx.layer_names))
        op["value"] = draw(st.one_of(*choices))
    elif kind == "ref":
        op["path"] = _pick(draw, idx, "refs")
        op["mode"] = draw(
            st.sampled_from(["swap", "layer", "node", "tensor", "truncate", "extend"])
        )
        op["other"] = draw(st.sampled_from(idx.refs or idx.all))
        op["layer"] = draw(st.sampled_from(idx.layer_names) if idx.layer_names else text_values)
        op["int"] = draw(st.one_of(st.integers(-3, 5), st.sampled_from(EDGE_NUMBERS)))
        op["keep"] = draw(st.integers(0, 3))
    elif kind == "swap":
        pool = idx.layer_entries if idx.layer_entries and draw(st.booleans()) else idx.struct
        op["path"] = draw(st.sampled_from(pool or idx.all))
        op["other"] = draw(st.sampled_from(pool or idx.all))
    elif kind in ("dup_item", "del_item"):
        pool = idx.layer_entries if idx.layer_entries and draw(st.booleans()) else None
        if pool:
            op["path"] = draw(st.sampled_from(pool))
        else:
            lists = [p for p in idx.lists] or [()]
            op["path"] = draw(st.sampled_from(lists)) + (draw(st.integers(0, 8)),)
    elif kind == "insert_key":
        op["path"] = draw(st.sampled_from(idx.dicts or [()]))
        op["key"] = draw(st.one_of(st.sampled_from(CONFIG_KEYS), text_values))
        op["value"] = draw(json_values)
    elif kind == "deep":
        op["path"] = _pick(draw, idx, "struct")
        op["depth"] = draw(st.sampled_from(DEEP_DEPTHS))
        op["shape"] = draw(st.sampled_from(["list", "dict", "model", "tensor"]))
    return op


@st.composite
def text_op(draw: Any, seed: Seed) -> dict[str, Any]:
    doc = _doc_name(draw, seed)
    idx = seed.index[doc]
    kind = draw(
        st.sampled_from(["dup_key", "dup_key", "raw", "raw", "cut", "flip", "insert", "encoding"])
    )
    op: dict[str, Any] = {"kind": f"text:{kind}", "doc": doc}
    if kind == "dup_key":
        op["path"] = draw(st.sampled_from(idx.dicts or [()]))
        op["key"] = draw(st.one_of(st.sampled_from(CONFIG_KEYS), text_values))
        op["value"] = draw(st.one_of(st.just("<same>"), json_values))
        op["first"] = draw(st.booleans())
    elif kind == "raw":
        op["path"] = _pick(draw, idx, "struct")
        op["raw"] = draw(st.sampled_from(RAW_LITERALS))
    elif kind == "cut":
        op["at"] = draw(fraction)
    elif kind == "flip":
        op["edits"] = draw(
            st.lists(st.tuples(fraction, st.integers(0, 255)), min_size=1, max_size=8)
        )
    elif kind == "insert":
        op["at"] = draw(fraction)
        op["data"] = draw(
            st.one_of(st.sampled_from(INSERT_BYTES), st.binary(min_size=1, max_size=16))
        )
    elif kind == "encoding":
        op["codec"] = draw(st.sampled_from(TEXT_CODECS))
    return op


@st.composite
def zip_op(draw: Any, seed: Seed) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(
            ["drop", "dup", "rename", "dir_entry", "compression", "bad_method", "encrypted",
             "size", "cut", "cut", "flip", "flip", "junk", "empty", "extra"]
        )
    )  # fmt: skip
    op: dict[str, Any] = {"kind": f"zip:{kind}", "member": draw(st.sampled_from(seed.members))}
    if kind == "dup":
        op["content"] = draw(st.sampled_from(["same", "empty", "garbage", "other"]))
        op["data"] = draw(st.binary(max_size=32))
    elif kind == "rename":
        op["to"] = draw(st.one_of(st.sampled_from(ZIP_NAMES + seed.members), st.text(max_size=12)))
    elif kind == "dir_entry":
        op["mode"] = draw(st.sampled_from(["replace", "attrs", "add"]))
    elif kind == "compression":
        op["method"] = draw(st.sampled_from(["stored", "deflated", "bzip2", "lzma"]))
        op["all"] = draw(st.booleans())
    elif kind == "bad_method":
        op["method"] = draw(st.sampled_from([99, 1, 6, 9, 93, 95, 98, 8, 12, 14, 0]))
    elif kind == "size":
        op["field"] = draw(st.sampled_from(["file_size", "compress_size"]))
        op["value"] = draw(st.sampled_from([0, 1, 2**31, 2**32 - 1, 100, 10**6]))
    elif kind == "cut":
        op["at"] = draw(fraction)
    elif kind == "flip":
        op["edits"] = draw(
            st.lists(st.tuples(fraction, st.integers(0, 255)), min_size=1, max_size=8)
        )
        op["tail"] = draw(st.booleans())  # aim at the central directory at the end
    elif kind == "junk":
        op["where"] = draw(st.sampled_from(["prepend", "append"]))
        op["data"] = draw(
            st.one_of(st.sampled_from(INSERT_BYTES), st.binary(min_size=1, max_size=64))
        )
    elif kind == "extra":
        op["name"] = draw(st.one_of(st.sampled_from(ZIP_NAMES), st.text(max_size=10)))
        op["data"] = draw(st.binary(max_size=64))
    return op


@st.composite
def dir_op(draw: Any, seed: Seed) -> dict[str, Any]:
    kind = draw(st.sampled_from(["drop", "as_dir", "rename", "symlink", "empty_file", "cut"]))
    op: dict[str, Any] = {"kind": f"dir:{kind}", "member": draw(st.sampled_from(seed.members))}
    if kind == "rename":
        op["to"] = draw(
            st.sampled_from(
                [n for n in ZIP_NAMES if n and "/" not in n and "\\" not in n] + seed.members
            )
        )
    elif kind == "symlink":
        op["target"] = draw(st.sampled_from(["missing", "other", "self", "dir"]))
    elif kind == "cut":
        op["at"] = draw(fraction)
    return op


@st.composite
def h5_op(draw: Any, seed: Seed) -> dict[str, Any]:
    kind = draw(st.sampled_from(["attr_type", "attr_type", "drop_attr", "cut", "cut", "flip"]))
    op: dict[str, Any] = {"kind": f"h5:{kind}"}
    if kind in ("attr_type", "drop_attr"):
        op["attr"] = draw(
            st.sampled_from(["model_config", "training_config", "keras_version", "backend"])
        )
        op["value"] = draw(
            st.sampled_from(
                ["int", "float_array", "str_array", "bytes_invalid", "empty", "bool", "json_list",
                 "json_number", "vlen_bytes", "huge_text"]
            )
        )  # fmt: skip
    elif kind == "cut":
        op["at"] = draw(fraction)
    else:
        op["edits"] = draw(
            st.lists(st.tuples(fraction, st.integers(0, 255)), min_size=1, max_size=8)
        )
    return op


@st.composite
def weights_op(draw: Any, seed: Seed) -> dict[str, Any]:
    kinds = ["delete", "reshape", "reshape", "dtype", "dtype", "nonfinite", "attr", "group", "link"]
    if seed.kind != "h5":
        kinds += ["cut", "flip"]
    kind = draw(st.sampled_from(kinds))
    op: dict[str, Any] = {"kind": f"weights:{kind}", "index": draw(st.integers(0, 200))}
    if kind == "reshape":
        op["shape"] = draw(st.lists(st.integers(0, 6), max_size=5))
    elif kind == "dtype":
        op["dtype"] = draw(
            st.sampled_from(
                [
                    "int32",
                    "uint8",
                    "S5",
                    "bool",
                    "complex64",
                    "float16",
                    "float64",
                    "compound",
                    "vlen_str",
                    "bfloat16_attr",
                ]
            )
        )
    elif kind == "nonfinite":
        op["value"] = draw(st.sampled_from([NAN, INF, -INF, 1e38, 0.0, -1.0]))
        op["all"] = draw(st.booleans())
    elif kind == "attr":
        op["target"] = draw(st.sampled_from(["layer_names", "weight_names", "name", "dtype"]))
        op["value"] = draw(
            st.sampled_from(
                ["int", "missing", "bytes_invalid", "empty", "huge_list", "slash", "dup"]
            )
        )
    elif kind == "group":
        op["mode"] = draw(st.sampled_from(["dataset_to_group", "group_to_dataset"]))
    elif kind == "link":
        op["mode"] = draw(
            st.sampled_from(["soft_self", "soft_missing", "soft_parent", "hard_other", "external"])
        )
    elif kind == "cut":
        op["at"] = draw(fraction)
    elif kind == "flip":
        op["edits"] = draw(
            st.lists(st.tuples(fraction, st.integers(0, 255)), min_size=1, max_size=8)
        )
    return op


FAMILIES = {
    "keras": ["json", "json", "json", "text", "text", "zip", "zip", "weights", "as"],
    "dir": ["json", "json", "json", "text", "text", "dir", "dir", "weights", "as"],
    "h5": ["json", "json", "json", "text", "text", "h5", "h5", "weights", "as"],
}
_OPS = {
    "json": json_op,
    "text": text_op,
    "zip": zip_op,
    "dir": dir_op,
    "h5": h5_op,
    "weights": weights_op,
}


def _families(draw: Any, seed: Seed) -> list[str]:
    families = [draw(st.sampled_from(FAMILIES[seed.kind])) for _ in range(draw(st.integers(1, 3)))]
    if "as" in families:  # a bare config JSON has no archive, h5 or weights to mutate
        families = [f if f in ("json", "text", "as") else "json" for f in families]
    return families


@st.composite
def cases(draw: Any, seeds: Mapping[str, Seed]) -> dict[str, Any]:
    """One fuzz case: a seed, 1-3 mutations, and how to run the command line."""
    seed = seeds[draw(st.sampled_from(sorted(seeds)))]
    ops: list[dict[str, Any]] = []
    for family in _families(draw, seed):
        if family == "as":
            ops.append(
                {"kind": "as:json", "suffix": draw(st.sampled_from([".json", ".json", ".keras"]))}
            )
        else:
            ops.append(draw(_OPS[family](seed)))
    has_weight_ops = any(op["kind"].startswith("weights:") for op in ops)
    return {
        "seed": seed.name,
        "ops": ops,
        "format": draw(st.sampled_from(FORMATS)),
        "weights": has_weight_ops or draw(st.integers(0, 3)) == 0,
        "pair": draw(st.sampled_from([None, None, "before", "after"])),
        "args": draw(st.sampled_from(EXTRA_ARGS)),
    }


def case_kinds(case: Mapping[str, Any]) -> list[str]:
    """The mutation kinds of one case (each counted once), plus how it ran."""
    kinds = sorted({op["kind"] for op in case["ops"]})
    kinds.append(f"format:{case['format']}")
    if case["weights"]:
        kinds.append("run:--weights")
    if case["pair"]:
        kinds.append("run:with-good-model")
    return kinds


# --------------------------------------------------------------------------- materialising


class _Skip(Exception):
    """A mutation whose target an earlier mutation removed: it is left out."""


def _resolve(doc: Any, path: JsonPath) -> Any:
    cur = doc
    for p in path:
        if (
            isinstance(cur, dict)
            and isinstance(p, str)
            and p in cur
            or isinstance(cur, list)
            and isinstance(p, int)
            and 0 <= p < len(cur)
        ):
            cur = cur[p]
        else:
            raise _Skip
    return cur


def _is_prefix(a: JsonPath, b: JsonPath) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


class Doc:
    """A JSON document being mutated. Raw text (duplicate keys, literals json.dumps cannot
    write, deep nesting) is spliced into the serialised text through unique tokens."""

    def __init__(self, value: Any) -> None:
        self.value = value
        self.splices: dict[str, str] = {}

    def _token(self) -> str:
        return f"@@fuzz{len(self.splices)}@@"

    def get(self, path: JsonPath) -> Any:
        return _resolve(self.value, path)

    def set(self, path: JsonPath, value: Any) -> None:
        if not path:
            self.value = value
            return
        parent, key = self.get(path[:-1]), path[-1]
        if (
            isinstance(parent, dict)
            and isinstance(key, str)
            or isinstance(parent, list)
            and isinstance(key, int)
            and 0 <= key < len(parent)
        ):
            parent[key] = value
        else:
            raise _Skip

    def set_raw(self, path: JsonPath, raw: str) -> None:
        token = self._token()
        self.set(path, token)
        self.splices[json.dumps(token)] = raw

    def add_raw_member(self, path: JsonPath, key_text: str, first: bool) -> None:
        """Add ``key_text`` (raw ``"key": value`` text) as a member of the dict at ``path``."""
        target = self.get(path)
        if not isinstance(target, dict):
            raise _Skip
        token = self._token()
        items = list(target.items())
        target.clear()
        if first:
            target[token] = None
        target.update(items)
        if not first:
            target[token] = None
        self.splices[f"{json.dumps(token)}: null"] = key_text

    def dumps(self) -> str:
        text = json.dumps(self.value)
        for token, raw in self.splices.items():
            text = text.replace(token, raw)
        return text


def _deep_text(depth: int, shape: str) -> str:
    if shape == "list":
        return "[" * depth + "]" * depth
    if shape == "dict":
        return '{"config":' * depth + "1" + "}" * depth
    if shape == "tensor":
        leaf = '{"class_name":"__keras_tensor__","config":{"shape":[null,2],"keras_history":["dense",0,0]}}'
        return "[" * depth + leaf + "]" * depth
    head = '{"class_name":"Sequential","config":{"name":"s","layers":[{"class_name":"Dense","config":{"name":"d","units":2}},'
    leaf = '{"class_name":"Dense","config":{"name":"leaf","units":2}}'
    return head * depth + leaf + "]}}" * depth


def _ref_target(value: Any) -> list[Any] | None:
    """The [layer, node, tensor] list inside a keras_history or an io-triples value."""
    if isinstance(value, list) and value and isinstance(value[0], str):
        return value
    if isinstance(value, list) and value and isinstance(value[0], list):
        return value[0]
    if isinstance(value, dict) and value:
        return _ref_target(next(iter(value.values())))
    return None


def apply_doc_op(doc: Doc, op: Mapping[str, Any]) -> None:
    """Apply one json:* or pre-serialisation text:* mutation. Raises _Skip if moot."""
    kind = op["kind"].split(":", 1)[1]
    path = tuple(op.get("path", ()))
    if kind == "drop":
        if not path:
            raise _Skip
        parent = doc.get(path[:-1])
        if not isinstance(parent, dict) or path[-1] not in parent:
            raise _Skip
        del parent[path[-1]]
    elif kind in ("replace", "empty", "number", "shape", "class", "rename"):
        doc.get(path)
        doc.set(path, copy.deepcopy(op["value"]))
    elif kind == "wrap":
        value = doc.get(path)
        how = op["how"]
        if how == "list":
            new: Any = [value]
        elif how == "dict":
            new = {"value": value}
        elif how == "str":
            new = json.dumps(value)
        elif isinstance(value, list) and value:
            new = value[0]
        elif isinstance(value, dict) and value:
            new = next(iter(value.values()))
        else:
            raise _Skip
        doc.set(path, new)
    elif kind in ("swap",) or (kind == "ref" and op["mode"] == "swap"):
        other = tuple(op["other"])
        if _is_prefix(path, other):
            raise _Skip
        a, b = copy.deepcopy(doc.get(path)), copy.deepcopy(doc.get(other))
        doc.set(path, b)
        doc.set(other, a)
    elif kind == "ref":
        target = _ref_target(doc.get(path))
        if target is None:
            raise _Skip
        mode = op["mode"]
        if mode == "layer":
            target[0] = op["layer"]
        elif mode in ("node", "tensor"):
            i = 1 if mode == "node" else 2
            while len(target) <= i:
                target.append(0)
            target[i] = op["int"]
        elif mode == "truncate":
            del target[op["keep"] :]
        else:
            target.extend([op["int"], op["layer"], None])
    elif kind in ("dup_item", "del_item"):
        parent = doc.get(path[:-1])
        if not isinstance(parent, list) or not parent:
            raise _Skip
        i = path[-1] % len(parent)
        if kind == "dup_item":
            parent.insert(i, copy.deepcopy(parent[i]))
        else:
            del parent[i]
    elif kind == "insert_key":
        target = doc.get(path)
        if not isinstance(target, dict):
            raise _Skip
        target[str(op["key"])] = copy.deepcopy(op["value"])
    elif kind == "deep":
        doc.get(path)
        doc.set_raw(path, _deep_text(op["depth"], op["shape"]))
    elif kind == "raw":
        doc.get(path)
        doc.set_raw(path, op["raw"])
    elif kind == "dup_key":
        target = doc.get(path)
        if not isinstance(target, dict):
            raise _Skip
        key = str(op["key"])
        value = target.get(key) if op["value"] == "<same>" else op["value"]
        doc.add_raw_member(path, f"{json.dumps(key)}: {json.dumps(value)}", op["first"])
    else:
        raise ValueError(f"unknown document mutation {op['kind']}")


def _cut(data: bytes, at: float) -> bytes:
    return data[: int(len(data) * at)]


def _flip(data: bytes, edits: list[tuple[float, int]], tail: bool = False) -> bytes:
    out = bytearray(data)
    if not out:
        return bytes(out)
    start = int(len(out) * 0.85) if tail else 0
    for frac, value in edits:
        i = min(start + int((len(out) - start) * frac), len(out) - 1)
        out[i] ^= value or 0xFF
    return bytes(out)


def apply_bytes_op(data: bytes, op: Mapping[str, Any]) -> bytes:
    """text:cut/flip/insert/encoding on serialised JSON."""
    kind = op["kind"].split(":", 1)[1]
    if kind == "cut":
        return _cut(data, op["at"])
    if kind == "flip":
        return _flip(data, op["edits"])
    if kind == "insert":
        i = int(len(data) * op["at"])
        return data[:i] + op["data"] + data[i:]
    if kind == "encoding":
        return data.decode("utf-8", "replace").encode(op["codec"], "replace")
    raise ValueError(f"unknown text mutation {op['kind']}")


PRE_TEXT = frozenset({"text:dup_key", "text:raw"})


def mutate_docs(
    docs: Mapping[str, Any], ops: list[Mapping[str, Any]]
) -> dict[str, tuple[bytes, list[str]]]:
    """Serialised bytes of every document a json:/text: mutation touched, with the kinds of
    the mutations that applied to it."""
    touched: dict[str, Doc] = {}
    kinds: dict[str, list[str]] = {}
    for op in ops:
        if op["kind"].startswith("json:") or op["kind"] in PRE_TEXT:
            doc = touched.setdefault(op["doc"], Doc(copy.deepcopy(docs[op["doc"]])))
            kinds.setdefault(op["doc"], [])
            try:
                apply_doc_op(doc, op)
                kinds[op["doc"]].append(op["kind"])
            except _Skip:
                pass
    out = {name: doc.dumps().encode("utf-8") for name, doc in touched.items()}
    for op in ops:
        if op["kind"].startswith("text:") and op["kind"] not in PRE_TEXT:
            name = op["doc"]
            if name not in out:
                out[name] = json.dumps(docs[name]).encode("utf-8")
            out[name] = apply_bytes_op(out[name], op)
            kinds.setdefault(name, []).append(op["kind"])
    return {name: (data, kinds[name]) for name, data in out.items()}


# -- weights ------------------------------------------------------------------------------


def _h5_objects(root: Any) -> tuple[list[str], list[str]]:
    import h5py

    datasets: list[str] = []
    groups: list[str] = []

    def visit(name: str, obj: Any) -> None:
        (datasets if isinstance(obj, h5py.Dataset) else groups).append(name)

    root.visititems(visit)
    return sorted(datasets), sorted(groups)


def _attr_value(kind: str, names: list[str]) -> Any:
    import numpy as np

    if kind == "int":
        return 7
    if kind == "bytes_invalid":
        return np.array([b"\xff\xfe", b"\xc3"])
    if kind == "empty":
        return np.array([], dtype="S1")
    if kind == "huge_list":
        return np.array([b"x"] * 5000)
    if kind == "slash":
        return np.array([b"/", b"../x", b"a/b", b""])
    if kind == "dup":
        return np.array([n.encode() for n in names * 2] or [b"a", b"a"])
    raise ValueError(kind)


def apply_weights_op(root: Any, op: Mapping[str, Any], legacy: bool) -> None:
    """One weights:* mutation on an open h5py group (``model_weights`` or a weights file)."""
    import h5py
    import numpy as np

    kind = op["kind"].split(":", 1)[1]
    datasets, groups = _h5_objects(root)
    if kind == "group" and op["mode"] == "group_to_dataset":
        if not groups:
            raise _Skip
        name = groups[op["index"] % len(groups)]
        del root[name]
        root.create_dataset(name, data=np.ones(3, dtype="float32"))
        return
    if kind == "attr":
        target = op["target"]
        if target in ("layer_names", "weight_names") or not groups:
            holders = [root] if target == "layer_names" else [root[g] for g in groups]
            attr = target if legacy else "name"
        elif target == "name":
            holders, attr = [root[g] for g in groups if g.endswith("vars")] or [root], "name"
        else:
            holders, attr = [root[d] for d in datasets] or [root], "dtype"
        holder = holders[op["index"] % len(holders)]
        if op["value"] == "missing":
            if attr not in holder.attrs:
                raise _Skip
            del holder.attrs[attr]
        else:
            current = holder.attrs.get(attr)
            names = (
                [
                    x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x)
                    for x in np.ravel(current)
                ]
                if current is not None
                else []
            )
            holder.attrs[attr] = _attr_value(op["value"], names)
        return
    if not datasets:
        raise _Skip
    name = datasets[op["index"] % len(datasets)]
    ds = root[name]
    if kind == "delete":
        del root[name]
    elif kind == "reshape":
        del root[name]
        root.create_dataset(name, data=np.full(tuple(op["shape"]), 0.5, dtype="float32"))
    elif kind == "dtype":
        shape, n = ds.shape or (), max(int(np.prod(ds.shape or ())), 1)
        dtype = op["dtype"]
        del root[name]
        if dtype == "compound":
            data: Any = np.zeros(n, dtype=[("a", "f4"), ("b", "i4")])
        elif dtype == "vlen_str":
            data = np.array(["w"] * n, dtype=h5py.string_dtype())
        elif dtype == "S5":
            data = np.array([b"abc"] * n, dtype="S5")
        elif dtype == "bfloat16_attr":
            data = np.zeros(n, dtype="V2")
        else:
            data = np.ones(n).astype(dtype)
        with contextlib.suppress(ValueError):
            data = data.reshape(shape)
        root.create_dataset(name, data=data)
        if dtype == "bfloat16_attr":
            root[name].attrs["dtype"] = "bfloat16"
    elif kind == "nonfinite":
        if ds.dtype.kind != "f" or ds.size == 0:
            raise _Skip
        if op["all"] or ds.shape == ():
            ds[...] = op["value"]
        else:
            flat = ds[...].reshape(-1)
            flat[0] = op["value"]
            ds[...] = flat.reshape(ds.shape)
    elif kind == "group":
        del root[name]
        root.create_group(name)
    elif kind == "link":
        parent_name, _, leaf = name.rpartition("/")
        parent = root[parent_name] if parent_name else root
        mode = op["mode"]
        del parent[leaf]
        if mode == "soft_self":
            parent[leaf] = h5py.SoftLink(parent.name)
        elif mode == "soft_missing":
            parent[leaf] = h5py.SoftLink("/no/such/object")
        elif mode == "soft_parent":
            parent[leaf] = h5py.SoftLink("/")
        elif mode == "external":
            parent[leaf] = h5py.ExternalLink("/etc/hostname", "/data")
        else:
            others = [d for d in datasets if d != name]
            if not others:
                raise _Skip
            parent[leaf] = root[others[op["index"] % len(others)]]
    else:
        raise ValueError(f"unknown weights mutation {op['kind']}")


def mutate_weights_file(
    path: Path, ops: list[Mapping[str, Any]], applied: list[str], legacy: bool
) -> None:
    """weights:* mutations on an HDF5 file in place (byte-level ones last)."""
    import h5py

    h5_ops = [
        op
        for op in ops
        if op["kind"].startswith("weights:") and op["kind"] not in ("weights:cut", "weights:flip")
    ]
    if h5_ops:
        with h5py.File(path, "r+") as f:
            root = f["model_weights"] if legacy and "model_weights" in f else f
            for op in h5_ops:
                try:
                    apply_weights_op(root, op, legacy)
                    applied.append(op["kind"])
                except _Skip:
                    pass
    for op in ops:
        if op["kind"] == "weights:cut":
            path.write_bytes(_cut(path.read_bytes(), op["at"]))
            applied.append(op["kind"])
        elif op["kind"] == "weights:flip":
            path.write_bytes(_flip(path.read_bytes(), op["edits"]))
            applied.append(op["kind"])


def _mutated_weights_bytes(
    data: bytes, ops: list[Mapping[str, Any]], applied: list[str], work: Path
) -> bytes:
    if not any(op["kind"].startswith("weights:") for op in ops):
        return data
    tmp = work / ".weights-edit.h5"
    tmp.write_bytes(data)
    try:
        mutate_weights_file(tmp, ops, applied, legacy=False)
        return tmp.read_bytes()
    finally:
        tmp.unlink(missing_ok=True)


# -- zip archives -------------------------------------------------------------------------
ZIP_METHODS = {
    "stored": zipfile.ZIP_STORED,
    "deflated": zipfile.ZIP_DEFLATED,
    "bzip2": zipfile.ZIP_BZIP2,
    "lzma": zipfile.ZIP_LZMA,
}


@dataclass
class Member:
    name: str
    data: bytes
    method: int
    is_dir: bool = False


def _member_ops(
    members: list[Member], ops: list[Mapping[str, Any]], applied: list[str]
) -> list[Member]:
    for op in ops:
        kind = op["kind"]
        found = [m for m in members if m.name == op.get("member")]
        m = found[0] if found else None
        if kind == "zip:drop" and m:
            members.remove(m)
        elif kind == "zip:dup" and m:
            content = op["content"]
            data = {
                "same": m.data,
                "empty": b"",
                "garbage": op["data"],
                "other": members[-1].data if members[-1] is not m else members[0].data,
            }[content]
            members.append(Member(m.name, data, m.method))
        elif kind == "zip:rename" and m:
            clash = [x for x in members if x.name == op["to"] and x is not m]
            for x in clash:  # a swap of two names
                x.name = m.name
            m.name = op["to"]
        elif kind == "zip:dir_entry" and m:
            if op["mode"] == "replace":
                m.name, m.data, m.is_dir = m.name + "/", b"", True
            elif op["mode"] == "attrs":
                m.is_dir = True
            else:
                members.insert(0, Member(m.name + "/", b"", zipfile.ZIP_STORED, True))
        elif kind == "zip:compression":
            for x in members if op["all"] else ([m] if m else []):
                x.method = ZIP_METHODS[op["method"]]
        elif kind == "zip:empty":
            members = []
        elif kind == "zip:extra":
            members.append(Member(op["name"], op["data"], zipfile.ZIP_DEFLATED))
        else:
            continue
        applied.append(kind)
    return members


def _write_zip(members: list[Member]) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point
        with zipfile.ZipFile(buf, "w") as zf:
            for m in members:
                info = zipfile.ZipInfo(m.name or "_", date_time=(2024, 1, 1, 0, 0, 0))
                info.compress_type = m.method
                if m.is_dir:
                    info.external_attr = (0o40755 << 16) | 0x10
                zf.writestr(info, m.data)
    return buf.getvalue()


def _central_entries(data: bytes) -> Iterator[tuple[int, int, str]]:
    """(central directory offset, local header offset, name) of each member."""
    eocd = data.rfind(b"PK\x05\x06")
    if eocd < 0:
        return
    count, _, cd_offset = struct.unpack("<HII", data[eocd + 10 : eocd + 20])
    pos = cd_offset
    for _ in range(count):
        if data[pos : pos + 4] != b"PK\x01\x02":
            return
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[pos + 28 : pos + 34])
        local = struct.unpack("<I", data[pos + 42 : pos + 46])[0]
        name = data[pos + 46 : pos + 46 + name_len].decode("utf-8", "replace")
        yield pos, local, name
        pos += 46 + name_len + extra_len + comment_len


def _patch_headers(data: bytes, op: Mapping[str, Any]) -> bytes:
    out = bytearray(data)
    hit = False
    for central, local, name in list(_central_entries(data)):
        if name != op["member"]:
            continue
        hit = True
        kind = op["kind"]
        if kind == "zip:bad_method":
            struct.pack_into("<H", out, central + 10, op["method"])
            struct.pack_into("<H", out, local + 8, op["method"])
        elif kind == "zip:encrypted":
            for offset in (central + 8, local + 6):
                (flags,) = struct.unpack_from("<H", out, offset)
                struct.pack_into("<H", out, offset, flags | 0x1)
        elif kind == "zip:size":
            c_off, l_off = (24, 22) if op["field"] == "file_size" else (20, 18)
            struct.pack_into("<I", out, central + c_off, op["value"])
            struct.pack_into("<I", out, local + l_off, op["value"])
    if not hit:
        raise _Skip
    return bytes(out)


def _zip_bytes_ops(data: bytes, ops: list[Mapping[str, Any]], applied: list[str]) -> bytes:
    for op in ops:
        kind = op["kind"]
        try:
            if kind in ("zip:bad_method", "zip:encrypted", "zip:size"):
                data = _patch_headers(data, op)
            elif kind == "zip:cut":
                data = _cut(data, op["at"])
            elif kind == "zip:flip":
                data = _flip(data, op["edits"], op["tail"])
            elif kind == "zip:junk":
                data = op["data"] + data if op["where"] == "prepend" else data + op["data"]
            else:
                continue
            applied.append(kind)
        except _Skip:
            pass
    return data


# -- h5 attributes ------------------------------------------------------------------------
def _h5_attr(kind: str) -> Any:
    import h5py
    import numpy as np

    return {
        "int": np.int64(12),
        "float_array": np.array([1.0, NAN]),
        "str_array": np.array([b'{"class_name": "Sequential"}', b"x"]),
        "bytes_invalid": np.bytes_(b'{"class_name": "\xff\xfe"}'),
        "empty": "",
        "bool": np.bool_(True),
        "json_list": "[1, 2, 3]",
        "json_number": "3.5",
        "vlen_bytes": np.array([b"\x80abc", b"{}"], dtype=h5py.string_dtype("ascii")),
        "huge_text": "{" + '"a": 1, ' * 200_000 + '"b": 2}',
    }[kind]


def _set_h5_text_attr(attrs: Any, name: str, data: bytes) -> bool:
    """Store JSON text as Keras does (a UTF-8 string). Text that is not UTF-8 goes in as a
    UTF-8 string anyway (h5py reads it back with surrogateescape) or as bytes, by the parity
    of its length. ``False`` when HDF5 cannot store it (an attribute over 64 KiB)."""
    import h5py
    import numpy as np

    try:
        try:
            attrs[name] = data.decode("utf-8")
        except (UnicodeDecodeError, ValueError):
            if b"\x00" in data:
                attrs[name] = np.void(data)
            elif len(data) % 2:
                attrs.create(name, data, dtype=h5py.string_dtype("utf-8"))
            else:
                attrs[name] = np.bytes_(data)
    except OSError:
        return False
    return True


# -- the case on disk ---------------------------------------------------------------------
H5_DOC_ATTRS = {"config": "model_config", "training": "training_config"}


def materialize(
    case: Mapping[str, Any], seeds: Mapping[str, Seed], work: Path
) -> tuple[Path, list[str]]:
    """Write the mutated input of ``case`` under ``work``; return its path and the mutation
    kinds that applied (a mutation whose target an earlier one removed is left out)."""
    seed = seeds[case["seed"]]
    ops = case["ops"]
    applied: list[str] = []
    mutated = mutate_docs(seed.docs, ops)
    texts = {name: data for name, (data, _) in mutated.items()}
    if seed.kind != "h5":
        applied.extend(kind for _, kinds in mutated.values() for kind in kinds)
    as_json = next((op for op in ops if op["kind"] == "as:json"), None)
    if as_json is not None:
        out = work / f"bad{as_json['suffix']}"
        config = texts.get("config")
        out.write_bytes(config if config is not None else json.dumps(seed.docs["config"]).encode())
        if seed.kind == "h5":
            applied.extend(mutated.get("config", (b"", []))[1])
        applied.append("as:json")
        return out, applied
    if seed.kind == "keras":
        out = work / "bad.keras"
        with zipfile.ZipFile(seed.path) as zf:
            members = [Member(i.filename, zf.read(i), i.compress_type) for i in zf.infolist()]
        for m in members:
            if m.name == "config.json" and "config" in texts:
                m.data = texts["config"]
            elif m.name == "metadata.json" and "metadata" in texts:
                m.data = texts["metadata"]
            elif m.name == "model.weights.h5":
                m.data = _mutated_weights_bytes(m.data, ops, applied, work)
        members = _member_ops(members, ops, applied)
        out.write_bytes(_zip_bytes_ops(_write_zip(members), ops, applied))
        return out, applied
    if seed.kind == "dir":
        out = work / "bad_dir"
        shutil.copytree(seed.path, out)
        for name, member in (("config", "config.json"), ("metadata", "metadata.json")):
            if name in texts:
                (out / member).write_bytes(texts[name])
        if (out / "model.weights.h5").is_file():
            mutate_weights_file(out / "model.weights.h5", ops, applied, legacy=False)
        for op in ops:
            if op["kind"].startswith("dir:"):
                try:
                    _dir_op(out, op)
                    applied.append(op["kind"])
                except (_Skip, FileNotFoundError):
                    pass
        return out, applied
    out = work / "bad.h5"
    shutil.copyfile(seed.path, out)
    import h5py

    with h5py.File(out, "r+") as f:
        for name, (data, kinds) in mutated.items():
            if _set_h5_text_attr(f.attrs, H5_DOC_ATTRS[name], data):
                applied.extend(kinds)
        for op in ops:
            if op["kind"] == "h5:attr_type":
                f.attrs[op["attr"]] = _h5_attr(op["value"])
                applied.append(op["kind"])
            elif op["kind"] == "h5:drop_attr" and op["attr"] in f.attrs:
                del f.attrs[op["attr"]]
                applied.append(op["kind"])
    mutate_weights_file(out, ops, applied, legacy=True)
    for op in ops:
        if op["kind"] == "h5:cut":
            out.write_bytes(_cut(out.read_bytes(), op["at"]))
            applied.append(op["kind"])
        elif op["kind"] == "h5:flip":
            out.write_bytes(_flip(out.read_bytes(), op["edits"]))
            applied.append(op["kind"])
    return out, applied


def _dir_op(root: Path, op: Mapping[str, Any]) -> None:
    target = root / op["member"]
    if not (target.exists() or target.is_symlink()):
        raise _Skip
    kind = op["kind"]
    if kind == "dir:drop":
        _remove(target)
    elif kind == "dir:as_dir":
        _remove(target)
        target.mkdir()
        (target / "x").write_text("{}")
    elif kind == "dir:rename":
        dest = root / op["to"]
        if dest.exists():
            tmp = root / ".swap"
            target.rename(tmp)
            dest.rename(target)
            tmp.rename(dest)
        else:
            target.rename(dest)
    elif kind == "dir:symlink":
        where = op["target"]
        others = [p for p in sorted(root.iterdir()) if p != target]
        _remove(target)
        if where == "missing":
            target.symlink_to(root / "no-such-file")
        elif where == "self":
            target.symlink_to(target.name)
        elif where == "dir":
            target.symlink_to(root)
        elif others:
            target.symlink_to(others[0].name)
    elif kind == "dir:empty_file":
        _remove(target)
        target.write_bytes(b"")
    elif kind == "dir:cut":
        if not target.is_file():
            raise _Skip
        target.write_bytes(_cut(target.read_bytes(), op["at"]))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


# --------------------------------------------------------------------------- running a case


def argv_for(case: Mapping[str, Any], bad: str, good: str) -> list[str]:
    """The ``modelcheck`` arguments of one case (paths relative to the worker's directory)."""
    paths = {None: [bad], "before": [good, bad], "after": [bad, good]}[case["pair"]]
    argv = ["lint", *paths, "--format", case["format"], *case["args"]]
    if case["weights"]:
        argv.append("--weights")
    return argv


@contextlib.contextmanager
def _captured_fds() -> Iterator[dict[str, bytes]]:
    """Capture what C code writes straight to file descriptors 1 and 2."""
    got: dict[str, bytes] = {}
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    files = {fd: tempfile.TemporaryFile() for fd in (1, 2)}  # noqa: SIM115 - closed below
    try:
        for fd, fh in files.items():
            os.dup2(fh.fileno(), fd)
        yield got
    finally:
        for fd, fh in files.items():
            os.dup2(saved[fd], fd)
            os.close(saved[fd])
            fh.seek(0)
            got["stdout" if fd == 1 else "stderr"] = fh.read()
            fh.close()


@dataclass
class CliRun:
    code: int | None
    stdout: str
    stderr: str
    exception: str | None = None  # exception type name, when one escaped
    traceback: str = ""
    seconds: float = 0.0


def run_in_process(argv: list[str]) -> CliRun:
    """``modelcheck.cli.main(argv)``, as the console script runs it. ``sys.stdout`` and
    ``sys.stderr`` are unbuffered UTF-8 streams on file descriptors 1 and 2, which go to
    files: what C code writes there, and what a child process forked by modelcheck writes
    (it reads HDF5 in one), is captured with the rest. stdout is strict, as a real one is, so
    text it cannot encode fails here too."""
    from modelcheck.cli import main

    code: int | None = None
    exc_name, tb = None, ""
    t0 = time.perf_counter()
    with _captured_fds() as raw, warnings.catch_warnings():
        warnings.simplefilter("always")  # every case is a fresh process to its user
        for category in (
            DeprecationWarning,
            PendingDeprecationWarning,
            ImportWarning,
            ResourceWarning,
        ):
            warnings.simplefilter("ignore", category)
        out = io.TextIOWrapper(
            io.FileIO(1, "w", closefd=False), encoding="utf-8", write_through=True
        )
        err = io.TextIOWrapper(
            io.FileIO(2, "w", closefd=False),
            encoding="utf-8",
            errors="backslashreplace",
            write_through=True,
        )
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException as exc:  # noqa: BLE001 - whatever escapes is the finding
            exc_name, tb = type(exc).__name__, traceback.format_exc()
        finally:
            sys.stdout, sys.stderr = saved
            for stream in (out, err):
                with contextlib.suppress(ValueError, OSError):
                    stream.flush()
                stream.detach()  # leave the descriptors open
    seconds = time.perf_counter() - t0
    stdout = raw["stdout"].decode("utf-8", "replace")
    stderr = raw["stderr"].decode("utf-8", "replace")
    return CliRun(code, stdout, stderr, exc_name, tb, seconds)


_ERROR_LINE = re.compile(r"^modelcheck: error: .*Expected.*Received: ")
#: What ends a line on a terminal (str.splitlines() also splits at \x1c-\x1e, \x85, \u2028...,
#: which a terminal and the GitHub Actions runner print inside the line).
_LINE_BREAK = re.compile(r"\r\n|[\r\n]")


def _strict_json(text: str) -> Any:
    def reject(constant: str) -> Any:
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=reject)


def output_problem(fmt: str, stdout: str, good: str | None) -> str | None:
    """Why the output of a finished run is not what its format promises (else ``None``).
    ``good``: a model that must appear in it as linted."""
    if fmt in ("json", "sarif"):
        try:
            data = _strict_json(stdout)
        except ValueError as exc:
            return f"{fmt} output does not parse: {exc}"
        if fmt == "json":
            if not isinstance(data, dict) or not {"findings", "failures", "models"} <= set(data):
                return "json output lacks findings/failures/models"
            if good and good not in {m.get("artifact") for m in data["models"]}:
                return f"good-not-linted: {good} not among the json models"
            return None
        if data.get("version") != "2.1.0" or not isinstance(data.get("runs"), list):
            return "sarif output is not a SARIF 2.1.0 log"
    elif fmt == "github":
        lines = stdout.split("\n")[:-1] if stdout.endswith("\n") else stdout.split("\n")
        if not lines or not lines[-1].startswith("modelcheck: "):
            return "github output does not end with the summary line"
        bad = [line for line in lines[:-1] if not line.startswith("::")]
        if bad:
            return f"github output line that is not a workflow command: {bad[0][:120]!r}"
    else:
        lines = [line for line in stdout.split("\n") if line.strip()]
        if not lines or not lines[-1].startswith("Found "):
            return "text output does not end with the 'Found ...' summary"
    if good and good not in stdout:
        return f"good-not-linted: {good} missing from the {fmt} output"
    return None


def classify(run: CliRun, fmt: str, good: str | None) -> tuple[str, str]:
    """``(outcome, detail)`` of one finished run; see the module docstring."""
    if run.exception is not None:
        kind = "memory" if run.exception == "MemoryError" else "traceback"
        return kind, run.traceback[-4000:]
    lines = [line for line in _LINE_BREAK.split(run.stderr) if line.strip()]
    internal = [line for line in lines if "Internal error (please report it)" in line]
    if internal:
        return "internal-error", internal[0][:2000]
    if run.code in (0, 1):
        if lines:
            return "bad-stderr", "\n".join(lines)[:2000]
        problem = output_problem(fmt, run.stdout, good)
        if problem:
            return ("good-not-linted" if problem.startswith("good-") else "bad-output"), problem
        return "report", ""
    if run.code != 2:
        return "bad-exit", f"exit code {run.code}"
    if not lines:
        return "bad-stderr", "exit 2 with nothing on stderr"
    if len(lines) > 1:
        return "bad-stderr", "more than one error line:\n" + "\n".join(lines)[:2000]
    if not _ERROR_LINE.match(lines[0]) or lines[0].index("Expected") > lines[0].index("Received:"):
        return "bad-stderr", lines[0][:2000]
    if good and good in lines[0]:
        return "good-not-linted", lines[0][:2000]
    if run.stdout.strip():
        problem = output_problem(fmt, run.stdout, good)
        if problem:
            return ("good-not-linted" if problem.startswith("good-") else "bad-output"), problem
    elif good:
        return "good-not-linted", "no output at all"
    return "error", lines[0][:300]


def run_subprocess(argv: list[str], cwd: Path, timeout: float) -> CliRun:
    """The installed ``modelcheck`` console script in a real process."""
    exe = Path(sys.executable).with_name("modelcheck")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "COLUMNS": "200", "NO_COLOR": "1"}
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [str(exe), *argv], cwd=cwd, env=env, capture_output=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return CliRun(None, "", "", "Timeout", f"over {timeout} s", time.perf_counter() - t0)
    out, err = proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    exc = "Traceback" if "Traceback (most recent call last)" in err else None
    return CliRun(
        proc.returncode, out, err, exc, err[-4000:] if exc else "", time.perf_counter() - t0
    )


def run_case(
    case: Mapping[str, Any], seeds: Mapping[str, Seed], work: Path, sample: bool, timeout: float
) -> dict[str, Any]:
    """Materialise, run and classify one case inside ``work`` (the current directory)."""
    for p in work.iterdir():
        if p.name != GOOD_NAME:
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    try:
        bad, applied = materialize(case, seeds, work)
    except Exception:  # noqa: BLE001 - a bug in this script, reported as such
        return {"outcome": "fuzzer-error", "detail": traceback.format_exc()[-4000:], "applied": []}
    good = GOOD_NAME if case["pair"] else None
    argv = argv_for(case, bad.name, GOOD_NAME)
    run = run_in_process(argv)
    outcome, detail = classify(run, case["format"], good)
    result: dict[str, Any] = {
        "outcome": outcome,
        "detail": detail,
        "applied": applied,
        "exit": run.code,
        "seconds": round(run.seconds, 4),
        "argv": argv,
    }
    if outcome not in OK_OUTCOMES:
        result["stdout"] = run.stdout[-4000:]
        result["stderr"] = run.stderr[-4000:]
    if sample:
        sub = run_subprocess(argv, work, timeout)
        sub_outcome, sub_detail = classify(sub, case["format"], good)
        result["subprocess"] = {
            "outcome": sub_outcome,
            "exit": sub.code,
            "seconds": round(sub.seconds, 3),
        }
        if sub.exception == "Timeout":
            result["subprocess"]["outcome"] = "hang"
        if outcome in OK_OUTCOMES and (sub_outcome != outcome or sub.code != run.code):
            result["outcome"] = "subprocess-mismatch"
            result["detail"] = (
                f"in-process {outcome} (exit {run.code}), subprocess {sub_outcome} "
                f"(exit {sub.code}): {sub_detail}"
            )
            result["stdout"], result["stderr"] = sub.stdout[-4000:], sub.stderr[-4000:]
    return result


def describe(case: Mapping[str, Any], result: Mapping[str, Any]) -> str:
    """A failing case for a test message: the case, the command line and what happened."""
    lines = [
        f"outcome {result['outcome']} (exit {result.get('exit')}): {result.get('detail', '')}",
        f"command: modelcheck {shlex.join(result.get('argv', []))}",
        f"case: {pprint.pformat(dict(case), width=100)}",
    ]
    for stream in ("stderr", "stdout"):
        if result.get(stream):
            lines.append(f"{stream}:\n{result[stream][-2000:]}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- workers


def worker_main(seeds_dir: Path, memory_mb: int, timeout: float) -> None:
    """Serve cases from the parent (pickles on stdin/stdout) until stdin closes."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    proto_in = sys.stdin.buffer
    proto_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # stray writes never reach the protocol pipe
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["COLUMNS"] = "200"
    import h5py  # noqa: F401 - imported before the memory limit, as the CLI would
    import numpy  # noqa: F401

    import modelcheck.cli  # noqa: F401

    seeds = load_seeds(seeds_dir)
    work = Path(tempfile.mkdtemp(prefix="modelcheck-fuzz-"))
    shutil.copyfile(seeds[GOOD_SEED].path, work / GOOD_NAME)
    os.chdir(work)
    if memory_mb:
        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        while True:
            try:
                case_id, case, sample = pickle.load(proto_in)
            except EOFError:
                break
            try:
                result = run_case(case, seeds, work, sample, timeout)
            except MemoryError:
                result = {
                    "outcome": "memory",
                    "detail": "MemoryError outside the CLI",
                    "applied": [],
                }
            pickle.dump((case_id, result), proto_out)
            proto_out.flush()
    finally:
        os.chdir("/")
        shutil.rmtree(work, ignore_errors=True)


class Worker:
    def __init__(self, seeds_dir: Path, memory_mb: int, timeout: float, log: Path) -> None:
        self.log = log
        cmd = [
            sys.executable, str(THIS), "--worker", str(seeds_dir),
            "--memory-mb", str(memory_mb), "--time-limit", str(timeout),
        ]  # fmt: skip
        with open(log, "ab") as err:
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, cwd=ROOT
            )
        self.case: tuple[int, dict[str, Any], bool] | None = None
        self.deadline = 0.0
        self.started = 0.0

    def send(self, case_id: int, case: dict[str, Any], sample: bool, limit: float) -> None:
        assert self.proc.stdin is not None
        self.case = (case_id, case, sample)
        self.started = time.perf_counter()
        self.deadline = self.started + limit * (4 if sample else 1)
        pickle.dump(self.case, self.proc.stdin)
        self.proc.stdin.flush()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def close(self) -> None:
        if self.proc.stdin:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self) -> str:
        try:
            return self.log.read_bytes()[-3000:].decode("utf-8", "replace")
        except OSError:
            return ""


class Pool:
    """Worker processes that run cases with a time limit; a hung worker is killed and a
    dead one replaced, and the run goes on."""

    def __init__(
        self,
        seeds_dir: Path,
        jobs: int = 2,
        time_limit: float = TIME_LIMIT_S,
        memory_mb: int = MEMORY_LIMIT_MB,
        on_result: Callable[[int, dict[str, Any], dict[str, Any]], None] | None = None,
    ) -> None:
        self.seeds_dir, self.time_limit, self.memory_mb = seeds_dir, time_limit, memory_mb
        self.on_result = on_result
        self.log_dir = Path(tempfile.mkdtemp(prefix="modelcheck-fuzz-logs-"))
        self.workers = [self._spawn(i) for i in range(jobs)]
        self.selector = selectors.DefaultSelector()
        for w in self.workers:
            self.selector.register(w.proc.stdout, selectors.EVENT_READ, w)  # type: ignore[arg-type]
        self.results: dict[int, dict[str, Any]] = {}

    def _spawn(self, i: int) -> Worker:
        return Worker(
            self.seeds_dir, self.memory_mb, self.time_limit, self.log_dir / f"worker{i}.log"
        )

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for w in self.workers:
            w.close()
        self.selector.close()
        shutil.rmtree(self.log_dir, ignore_errors=True)

    def submit(self, case_id: int, case: dict[str, Any], sample: bool = False) -> None:
        while not any(w.case is None for w in self.workers):
            self._wait()
        worker = next(w for w in self.workers if w.case is None)
        try:
            worker.send(case_id, case, sample, self.time_limit)
        except (BrokenPipeError, OSError):
            self._finish(
                worker,
                {"outcome": "crash", "detail": "worker gone before the case: " + worker.tail()},
            )

    def drain(self) -> None:
        while any(w.case is not None for w in self.workers):
            self._wait()

    def run(self, case: dict[str, Any], sample: bool = False) -> dict[str, Any]:
        case_id = -len(self.results) - 1
        self.submit(case_id, case, sample)
        self.drain()
        return self.results[case_id]

    def _wait(self) -> None:
        busy = [w for w in self.workers if w.case is not None]
        timeout = max(0.0, min(w.deadline for w in busy) - time.perf_counter())
        for key, _ in self.selector.select(timeout):
            worker: Worker = key.data
            if worker.case is None:
                continue
            try:
                case_id, result = pickle.load(worker.proc.stdout)  # type: ignore[arg-type]
            except (EOFError, pickle.UnpicklingError, OSError):
                worker.proc.wait()
                self._finish(
                    worker,
                    {
                        "outcome": "crash",
                        "detail": f"worker exited with {worker.proc.returncode}: {worker.tail()}",
                    },
                    replace=True,
                )
                continue
            self._finish(worker, result, case_id)
        now = time.perf_counter()
        for worker in busy:
            if worker.case is not None and now > worker.deadline:
                worker.kill()
                limit = worker.deadline - worker.started
                self._finish(
                    worker,
                    {"outcome": "hang", "detail": f"no result within {limit:.0f} s"},
                    replace=True,
                )

    def _finish(
        self,
        worker: Worker,
        result: dict[str, Any],
        case_id: int | None = None,
        replace: bool = False,
    ) -> None:
        assert worker.case is not None
        cid, case, _ = worker.case
        if case_id is not None and case_id != cid:
            result = {
                "outcome": "fuzzer-error",
                "detail": f"result for case {case_id}, expected {cid}",
            }
        result.setdefault("applied", [])
        result.setdefault("seconds", round(time.perf_counter() - worker.started, 4))
        worker.case = None
        if replace:
            i = self.workers.index(worker)
            self.selector.unregister(worker.proc.stdout)  # type: ignore[arg-type]
            worker.close()
            new = self._spawn(i)
            self.workers[i] = new
            self.selector.register(new.proc.stdout, selectors.EVENT_READ, new)  # type: ignore[arg-type]
        self.results[cid] = result
        if self.on_result is not None:
            self.on_result(cid, case, result)


# --------------------------------------------------------------------------- the recorded run


def drive(
    strategy: st.SearchStrategy[dict[str, Any]],
    n: int,
    seed: int,
    on_case: Callable[[dict[str, Any]], None],
) -> None:
    """Call ``on_case`` with ``n`` cases that hypothesis draws from ``strategy`` (generation
    only: nothing fails inside hypothesis, so there is nothing to shrink)."""

    @hypothesis_seed(seed)
    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def each(case: dict[str, Any]) -> None:
        on_case(case)

    each()


def save_failure(
    case_id: int, case: Mapping[str, Any], result: Mapping[str, Any], seeds: Mapping[str, Seed]
) -> Path:
    """The case, its result and its input files under ``fuzz-failures/<id>-<outcome>/``."""
    out = FAILURES_DIR / f"{case_id:05d}-{result['outcome']}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    (out / "case.pickle").write_bytes(pickle.dumps(dict(case)))
    (out / "case.txt").write_text(pprint.pformat(dict(case), width=100) + "\n")
    (out / "result.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    inputs = out / "inputs"
    inputs.mkdir()
    try:
        bad, _ = materialize(case, seeds, inputs)
        if case["pair"]:
            shutil.copyfile(seeds[GOOD_SEED].path, inputs / GOOD_NAME)
        argv = argv_for(case, bad.name, GOOD_NAME)
        (out / "command.txt").write_text(f"cd {inputs} && modelcheck {shlex.join(argv)}\n")
    except Exception:  # noqa: BLE001
        (out / "materialize-error.txt").write_text(traceback.format_exc())
    return out


@dataclass
class Tally:
    started: float = field(default_factory=time.perf_counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    kinds: dict[str, Counter[str]] = field(default_factory=dict)
    seeds: dict[str, Counter[str]] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)
    slowest: list[tuple[float, int, str]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    subprocess: Counter[str] = field(default_factory=Counter)
    done: int = 0

    def add(self, case_id: int, case: Mapping[str, Any], result: Mapping[str, Any]) -> None:
        outcome = result["outcome"]
        self.done += 1
        self.outcomes[outcome] += 1
        kinds = sorted(set(result.get("applied") or [])) or ["(no mutation applied)"]
        kinds += case_kinds(case)[len({op["kind"] for op in case["ops"]}) :]
        for kind in kinds:
            self.kinds.setdefault(kind, Counter())[outcome] += 1
        self.seeds.setdefault(case["seed"], Counter())[outcome] += 1
        seconds = float(result.get("seconds") or 0.0)
        self.seconds.append(seconds)
        self.slowest = sorted([*self.slowest, (seconds, case_id, outcome)], reverse=True)[:5]
        if "subprocess" in result:
            self.subprocess[result["subprocess"]["outcome"]] += 1


def run_fuzz(args: argparse.Namespace, argv: list[str] | None) -> dict[str, Any]:
    loadavg = tuple(round(x, 2) for x in os.getloadavg())
    seeds_dir = ensure_seeds(args.seeds)
    seeds = load_seeds(seeds_dir)
    if FAILURES_DIR.exists() and not args.keep_failures:
        shutil.rmtree(FAILURES_DIR)
    tally = Tally()
    next_id = 0

    def on_result(case_id: int, case: dict[str, Any], result: dict[str, Any]) -> None:
        tally.add(case_id, case, result)
        if result["outcome"] not in OK_OUTCOMES:
            where = save_failure(case_id, case, result, seeds)
            tally.failures.append(
                {
                    "case": case_id,
                    "outcome": result["outcome"],
                    "seed": case["seed"],
                    "kinds": sorted({op["kind"] for op in case["ops"]}),
                    "detail": str(result.get("detail", ""))[-600:],
                    "saved": str(where.relative_to(ROOT)),
                }
            )
            ls.log(f"  case {case_id}: {result['outcome']} -> {where.relative_to(ROOT)}")
        if tally.done % 500 == 0:
            rate = tally.done / (time.perf_counter() - tally.started)
            ls.log(f"  {tally.done}/{args.cases} cases, {rate:.1f}/s, {dict(tally.outcomes)}")

    with Pool(seeds_dir, args.jobs, args.time_limit, args.memory_mb, on_result) as pool:

        def on_case(case: dict[str, Any]) -> None:
            nonlocal next_id
            case_id, next_id = next_id, next_id + 1
            pool.submit(
                case_id,
                case,
                sample=args.subprocess_every > 0 and case_id % args.subprocess_every == 0,
            )

        ls.log(f"fuzzing: {args.cases} cases, seed {args.seed}, {args.jobs} workers")
        drive(cases(seeds), args.cases, args.seed, on_case)
        pool.drain()
    wall = time.perf_counter() - tally.started
    per_case = sorted(tally.seconds)
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": "python benchmarks/fuzz.py "
        + shlex.join(sys.argv[1:] if argv is None else argv),
        "git": ls.git_state(),
        "machine": {"cpu": ls.cpu_model(), "nproc": os.cpu_count(), "loadavg_start": loadavg},
        "python": sys.version.split()[0],
        "versions": _versions(),
        "settings": {
            "cases": args.cases,
            "seed": args.seed,
            "jobs": args.jobs,
            "time_limit_s": args.time_limit,
            "memory_limit_mb": args.memory_mb,
            "subprocess_every": args.subprocess_every,
            "seeds": {n: f"{k} ({b})" for n, (k, b) in SEEDS.items()},
        },
        "cases": tally.done,
        "seconds": round(wall, 1),
        "outcomes": dict(tally.outcomes.most_common()),
        "bugs": sum(n for o, n in tally.outcomes.items() if o not in OK_OUTCOMES),
        "per_kind": {k: dict(v.most_common()) for k, v in sorted(tally.kinds.items())},
        "per_seed": {k: dict(v.most_common()) for k, v in sorted(tally.seeds.items())},
        "case_seconds": {
            "median": round(per_case[len(per_case) // 2], 4) if per_case else None,
            "p99": round(per_case[int(len(per_case) * 0.99)], 4) if per_case else None,
            "max": round(per_case[-1], 4) if per_case else None,
            "slowest": [{"case": c, "seconds": s, "outcome": o} for s, c, o in tally.slowest],
        },
        "subprocess_sample": dict(tally.subprocess),
        "failures": tally.failures,
    }


def _versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {}
    for name in ("modelcheck", "hypothesis", "keras", "h5py", "numpy", "typer", "rich"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


# --------------------------------------------------------------------------- reporting

BUG_OUTCOMES = [
    "traceback", "internal-error", "hang", "crash", "memory", "bad-output", "bad-stderr",
    "bad-exit", "good-not-linted", "subprocess-mismatch", "fuzzer-error",
]  # fmt: skip


def markdown_block(res: dict[str, Any]) -> str:
    m, s = res["machine"], res["settings"]
    out = res["outcomes"]
    dirty = ", package sources modified" if res["git"]["package_sources_dirty"] else ""
    load = " / ".join(f"{x:.2f}" for x in m["loadavg_start"])
    rate = res["cases"] / res["seconds"] if res["seconds"] else 0.0
    lines = [
        BEGIN,
        f"Recorded {res['date']} with `{res['command']}` (commit {res['git']['commit']}{dirty}).",
        f"Machine: {m['cpu']}, {m['nproc']} CPUs, load average {load} (1/5/15 min) at start. "
        f"Python {res['python']}, hypothesis {res['versions']['hypothesis']}, keras "
        f"{res['versions']['keras']} (seeds), h5py {res['versions']['h5py']}.",
        "",
        f"**{res['cases']:,} cases in {res['seconds']:.0f} s** ({rate:.1f} cases/s, {s['jobs']} "
        f"workers, seed {s['seed']}): **{out.get('report', 0):,} reports, "
        f"{out.get('error', 0):,} one-line errors, {res['bugs']} bugs** "
        f"({', '.join(f'{n} {o}' for o in BUG_OUTCOMES if (n := out.get(o, 0))) or '0 tracebacks, 0 hangs, 0 crashes'}). "
        f"Per case: median {res['case_seconds']['median']:.3f} s, p99 "
        f"{res['case_seconds']['p99']:.3f} s, max {res['case_seconds']['max']:.3f} s "
        f"(limit {s['time_limit_s']:.0f} s; worker address space {s['memory_limit_mb']} MB).",
        "",
        f"{sum(res['subprocess_sample'].values())} sampled cases (1 in {s['subprocess_every']}) "
        "also ran through the installed `modelcheck` in a real process: "
        + (", ".join(f"{n} {o}" for o, n in sorted(res["subprocess_sample"].items())) or "none")
        + " (exit code and stderr lines compared with the in-process run).",
        "",
        "| Outcome | Cases |",
        "|---|---:|",
    ]
    for outcome in ["report", "error", *BUG_OUTCOMES]:
        lines.append(f"| {outcome} | {out.get(outcome, 0):,} |")
    lines += [
        "",
        "Cases per mutation kind (a case has 1-3 mutations; `format:`/`run:` rows say how it ran):",
        "",
        "| Mutation | Cases | Report | Error | Bugs |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind, counts in res["per_kind"].items():
        total = sum(counts.values())
        bugs = total - counts.get("report", 0) - counts.get("error", 0)
        lines.append(
            f"| `{kind}` | {total:,} | {counts.get('report', 0):,} | {counts.get('error', 0):,} | {bugs} |"
        )
    lines += ["", "| Seed | Cases | Report | Error | Bugs |", "|---|---:|---:|---:|---:|"]
    for name, counts in res["per_seed"].items():
        total = sum(counts.values())
        bugs = total - counts.get("report", 0) - counts.get("error", 0)
        lines.append(
            f"| `{name}`: {s['seeds'][name]} | {total:,} | {counts.get('report', 0):,} | "
            f"{counts.get('error', 0):,} | {bugs} |"
        )
    lines.append(END)
    return "\n".join(lines)


def print_results(res: dict[str, Any]) -> None:
    print(f"{res['cases']} cases in {res['seconds']:.1f} s: {res['outcomes']}")
    print(f"subprocess sample: {res['subprocess_sample']}")
    for f in res["failures"][:20]:
        print(
            f"  {f['outcome']:<16} case {f['case']} ({f['seed']}, {', '.join(f['kinds'])}): {f['saved']}"
        )
        print("    " + f["detail"].strip().splitlines()[-1][:200] if f["detail"].strip() else "")


def replay(directory: Path, seeds_dir: Path) -> int:
    """Re-run a saved failing case in this process, showing its output and traceback."""
    case = pickle.loads((directory / "case.pickle").read_bytes())
    seeds = load_seeds(ensure_seeds(seeds_dir))
    work = Path(tempfile.mkdtemp(prefix="modelcheck-fuzz-replay-"))
    shutil.copyfile(seeds[GOOD_SEED].path, work / GOOD_NAME)
    os.chdir(work)
    result = run_case(case, seeds, work, sample=True, timeout=TIME_LIMIT_S * 4)
    print(pprint.pformat(case, width=100))
    print(f"argv: {shlex.join(result.get('argv', []))}   (in {work})")
    print(json.dumps(result, indent=2, default=str))
    return 0 if result["outcome"] in OK_OUTCOMES else 1


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--cases", type=int, default=DEFAULT_CASES, help=f"cases to run (default {DEFAULT_CASES})"
    )
    ap.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument(
        "--time-limit",
        type=float,
        default=TIME_LIMIT_S,
        help="seconds per case before it counts as a hang",
    )
    ap.add_argument(
        "--memory-mb",
        type=int,
        default=MEMORY_LIMIT_MB,
        help="worker address-space limit (0: none)",
    )
    ap.add_argument(
        "--subprocess-every",
        type=int,
        default=SUBPROCESS_EVERY,
        help="also run every Nth case through the installed CLI (0: never)",
    )
    ap.add_argument("--seeds", type=Path, default=SEEDS_DIR, help="seed model directory")
    ap.add_argument("--keep-failures", action="store_true", help="keep earlier saved failures")
    ap.add_argument("--write-readme", action="store_true", help="update benchmarks/README.md")
    ap.add_argument("--results", type=Path, default=RESULTS, help="results JSON path")
    ap.add_argument("--replay", type=Path, help="re-run one saved failure directory")
    ap.add_argument("--build-seeds", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.build_seeds:
        build_seeds(args.build_seeds)
        return 0
    if args.worker:
        worker_main(args.worker, args.memory_mb, args.time_limit)
        return 0
    if args.replay:
        return replay(args.replay, args.seeds)
    res = run_fuzz(args, argv)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(res, indent=2) + "\n")
    ls.log(f"wrote {args.results}")
    print_results(res)
    if args.write_readme:
        ls.write_block(BEGIN, END, markdown_block(res))
    return 0 if res["bugs"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
