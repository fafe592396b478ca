"""Weight checks (MC7xx) and the TF-free weights reader, on files written by Keras.

Weights are set by hand with ``layer.set_weights`` so every expected number is exact. The
hostile files (shape bomb, external link/storage, corrupted member) are crafted with h5py
inside otherwise valid ``.keras`` archives.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
from cli_helpers import assert_one_error_line, run_cli
from zip_helpers import patch_member

import modelcheck
from modelcheck.errors import ModelLoadError
from modelcheck.graph.readers import weights as W
from modelcheck.graph.readers.model_file import read_model

REPO = Path(__file__).resolve().parents[3]


def lint7(path, **kw):
    return modelcheck.lint(path, weights=True, select=["MC7"], **kw)


def found(report, code=None):
    return sorted(
        (f.code, f.location.layer_path) for f in report.findings if code is None or f.code == code
    )


def only(report, code):
    hits = [f for f in report.findings if f.code == code]
    assert len(hits) == 1, found(report)
    return hits[0]


def rewrite_weights(src: Path, dst: Path, edit) -> Path:
    """Copy the ``.keras`` archive ``src`` to ``dst``, letting ``edit(h5py.File)`` change its
    model.weights.h5 (or ``edit`` return raw bytes to store instead)."""
    with zipfile.ZipFile(src) as zin:
        buf = io.BytesIO(zin.read(W.WEIGHTS_H5))
        with h5py.File(buf, "a") as f:
            raw = edit(f)
        data = raw if isinstance(raw, bytes) else buf.getvalue()
        with zipfile.ZipFile(dst, "w") as zout:
            for info in zin.infolist():
                zout.writestr(info, data if info.filename == W.WEIGHTS_H5 else zin.read(info))
    return dst


# --------------------------------------------------------------------------- measuring (no keras)


@pytest.fixture
def h5file(tmp_path):
    with h5py.File(tmp_path / "w.h5", "w") as f:
        yield f


@pytest.mark.parametrize("chunk", [W.CHUNK_BYTES, 64, 12])
@pytest.mark.parametrize("shape, axis", [((5, 7), -1), ((3, 3, 4, 6), -1), ((2, 3, 6, 4), -2)])
def test_measure_in_blocks_matches_numpy(h5file, monkeypatch, chunk, shape, axis):
    monkeypatch.setattr(W, "CHUNK_BYTES", chunk)
    a = np.random.default_rng(0).normal(size=shape).astype("float32")
    a.flat[7] = np.nan
    a.flat[11] = np.inf
    a.flat[-1] = -np.inf
    ds = h5file.create_dataset("k", data=a)
    var = W.measure(ds, "kernel", axis)
    finite = a[np.isfinite(a)]
    assert (var.nan, var.posinf, var.neginf) == (1, 1, 1)
    assert var.first_nonfinite == tuple(int(i) for i in np.unravel_index(7, shape))
    assert (var.min, var.max) == (float(finite.min()), float(finite.max()))
    others = tuple(i for i in range(a.ndim) if i != axis % a.ndim)
    np.testing.assert_array_equal(var.unit_max, a.max(axis=others))
    np.testing.assert_array_equal(var.unit_min, a.min(axis=others))
    assert not var.constant


def test_measure_scalars_constants_and_non_floats(h5file):
    assert W.measure(h5file.create_dataset("i", data=np.arange(4)), "x") is None
    assert W.measure(h5file.create_dataset("s", data=b"text"), "x") is None
    scalar = W.measure(h5file.create_dataset("f", data=np.float32("nan")), "x")
    assert scalar.nan == 1 and scalar.first_nonfinite == ()
    zeros = W.measure(h5file.create_dataset("z", data=np.zeros((4, 3), "float16")), "kernel")
    assert zeros.constant and zeros.is_all(0.0) and zeros.size == 12


def test_measure_counts_a_signalling_nan_without_warning(h5file):
    """Found by benchmarks/fuzz.py (a flipped byte in a kernel): widening a float32 signalling
    NaN raises the invalid flag, and numpy printed a RuntimeWarning on stderr."""
    kernel = np.zeros((3, 3, 2, 4), "float32")
    kernel.view("uint32")[1, 2, 0, 3] = 0x7F800001  # exponent all ones, quiet bit clear
    ds = h5file.create_dataset("kernel", data=kernel)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        var = W.measure(ds, "kernel", -1)

    assert (var.nan, var.first_nonfinite) == (1, (1, 2, 0, 3))
    assert np.isnan(var.unit_min[3]) and var.unit_min[:3].tolist() == [0.0, 0.0, 0.0]


def test_measure_bfloat16_as_keras_stores_it(h5file):
    values = np.array([1.0, -2.0, np.nan, 0.5], "float32")
    raw = (values.view(np.uint32) >> 16).astype(np.uint16).view("V2")
    ds = h5file.create_dataset("b", data=raw)
    ds.attrs["dtype"] = "bfloat16"
    var = W.measure(ds, "kernel")
    assert (var.dtype, var.nan, var.min, var.max) == ("bfloat16", 1, -2.0, 1.0)


# --------------------------------------------------------------------------- models (keras)


def mlp(keras, hidden_act="relu", first=None, name="m"):
    layers = keras.layers
    if first is None:
        first = [layers.Dense(16, activation="relu", name="pre")]
    return keras.Sequential(
        [
            keras.Input((4,)),
            *first,
            layers.Dense(8, activation=hidden_act, name="hidden"),
            layers.Dense(1, name="out"),
        ],
        name=name,
    )


def kill_units(layer, units, bias=-0.5):
    """Units get incoming weights <= 0 and a negative bias."""
    kernel, b = layer.get_weights()
    kernel[:, units] = -np.abs(kernel[:, units])
    b[units] = bias
    layer.set_weights([kernel, b])


@pytest.mark.slow
def test_nan_in_kernel_and_inf_in_bias(keras, tmp_path):
    model = mlp(keras)
    kernel, bias = model.get_layer("hidden").get_weights()
    kernel[2, 5] = np.nan
    kernel[3, 0] = np.nan
    model.get_layer("hidden").set_weights([kernel, bias])
    kernel, bias = model.get_layer("out").get_weights()
    bias[0] = -np.inf
    model.get_layer("out").set_weights([kernel, bias])
    model.save(tmp_path / "m.keras")

    report = lint7(tmp_path / "m.keras")
    assert found(report) == [("MC701", "hidden"), ("MC701", "out")]
    hidden = next(f for f in report.findings if f.location.layer_path == "hidden")
    assert hidden.severity is modelcheck.Severity.ERROR
    assert dict(hidden.evidence) == {
        "nonfinite": 2,
        "nan": 2,
        "inf": 0,
        "variables": "kernel",
        "first": "kernel[2, 5]",
    }
    assert "kernel: 2 NaN" in hidden.message
    out = next(f for f in report.findings if f.location.layer_path == "out")
    assert "bias: 1 -Inf" in out.message and out.evidence["inf"] == 1
    # Without weight checks nothing is read.
    assert not found(modelcheck.lint(tmp_path / "m.keras", select=["MC7"]))


@pytest.mark.slow
def test_dead_units_need_a_nonnegative_input(keras, tmp_path):
    layers = keras.layers
    cases = {
        # after a ReLU: units 0 and 3 can never fire
        "after_relu": (mlp(keras), {"MC702"}),
        # straight from the model input (sign unknown): they might fire
        "after_input": (mlp(keras, first=[]), set()),
        # after tanh (negative outputs possible)
        "after_tanh": (mlp(keras, first=[layers.Dense(16, activation="tanh", name="pre")]), set()),
        # leaky units keep a gradient: not dead
        "leaky": (mlp(keras, hidden_act="leaky_relu"), set()),
    }
    for name, (model, expected) in cases.items():
        kill_units(model.get_layer("hidden"), [0, 3])
        path = tmp_path / f"{name}.keras"
        model.save(path)
        report = lint7(path)
        assert {f.code for f in report.findings} == expected, name
        if expected:
            f = only(report, "MC702")
            assert f.location.layer_path == "hidden"
            assert f.severity is modelcheck.Severity.WARNING
            assert f.evidence["dead_units"] == 2 and f.evidence["units"] == 8
            assert f.evidence["fraction"] == 0.25 and f.evidence["unit_indices"] == "0, 3"
            assert "2 of 8 ReLU units (25%)" in f.message and "units 0, 3" in f.message


@pytest.mark.slow
def test_all_zero_units_are_dead_whatever_the_input_and_all_dead_is_an_error(keras, tmp_path):
    model = mlp(keras, first=[])
    kernel, bias = model.get_layer("hidden").get_weights()
    kernel[:, 1] = 0.0
    model.get_layer("hidden").set_weights([kernel, bias])
    model.save(tmp_path / "zero.keras")
    f = only(lint7(tmp_path / "zero.keras"), "MC702")
    assert f.evidence["dead_units"] == 1 and f.evidence["all_zero_units"] == 1
    assert f.evidence["input_nonnegative"] == "unknown"

    model = mlp(keras)
    kill_units(model.get_layer("hidden"), list(range(8)))
    model.save(tmp_path / "all.keras")
    f = only(lint7(tmp_path / "all.keras"), "MC702")
    assert f.severity is modelcheck.Severity.ERROR and "every unit" in f.message


@pytest.mark.slow
def test_conv2d_after_pixel_rescaling_and_a_separate_relu_layer(keras, tmp_path):
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            layers.Rescaling(1.0 / 255),
            layers.Conv2D(6, 3, name="conv"),
            layers.MaxPooling2D(),
            layers.ReLU(),
            layers.GlobalAveragePooling2D(),
            layers.Dense(2, activation="softmax"),
        ]
    )
    kernel, bias = model.get_layer("conv").get_weights()  # (3, 3, 3, 6)
    kernel[..., [1, 4, 5]] = -np.abs(kernel[..., [1, 4, 5]])
    bias[[1, 4, 5]] = -0.1
    model.get_layer("conv").set_weights([kernel, bias])
    model.save(tmp_path / "conv.keras")
    f = only(lint7(tmp_path / "conv.keras"), "MC702")
    assert f.location.layer_path == "conv"
    assert (f.evidence["dead_units"], f.evidence["units"]) == (3, 6)
    assert f.evidence["unit_indices"] == "1, 4, 5"

    # Rescaling to [-1, 1] makes the input sign unknown: no finding.
    cfg = model.get_config()
    cfg["layers"][1]["config"]["offset"] = -1.0
    shifted = keras.Sequential.from_config(cfg)
    shifted.set_weights(model.get_weights())
    shifted.save(tmp_path / "shifted.keras")
    assert not found(lint7(tmp_path / "shifted.keras"))


@pytest.mark.slow
def test_nested_model_and_shared_layer(keras, tmp_path):
    layers = keras.layers
    inner = keras.Sequential(
        [keras.Input((4,)), layers.Dense(4, activation="relu", name="d")], name="inner"
    )
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    shared = layers.Dense(4, name="shared")
    merged = layers.Concatenate()([inner(shared(a)), shared(b)])
    model = keras.Model([a, b], layers.Dense(1, name="head")(merged))
    kernel, bias = inner.get_layer("d").get_weights()
    kernel[0, 0] = np.inf
    inner.get_layer("d").set_weights([kernel, bias])
    kernel, bias = shared.get_weights()
    kernel[1, 2] = np.nan
    shared.set_weights([kernel, bias])
    model.save(tmp_path / "nested.keras")

    graph = read_model(tmp_path / "nested.keras")
    W.attach_weights(graph)
    assert {n.id for n in graph if n.path[-1] == "shared"} == {"shared", "shared[1]"}
    # the shared layer is checked once, at its first call
    report = lint7(tmp_path / "nested.keras")
    assert found(report) == [("MC701", "inner/d"), ("MC701", "shared")]


@pytest.mark.slow
def test_legacy_h5_and_unzipped_directory(keras, tmp_path):
    model = mlp(keras)
    kill_units(model.get_layer("hidden"), [0, 3])
    kernel, bias = model.get_layer("out").get_weights()
    kernel[0, 0] = np.nan
    model.get_layer("out").set_weights([kernel, bias])
    model.save(tmp_path / "m.h5")
    model.save(tmp_path / "m_dir", zipped=False)
    expected = [("MC701", "out"), ("MC702", "hidden")]
    for path in (tmp_path / "m.h5", tmp_path / "m_dir"):
        report = lint7(path)
        assert found(report) == expected, path
        assert only(report, "MC702").evidence["dead_units"] == 2
        assert not report.failures


@pytest.mark.slow
def test_files_without_layer_names_in_the_weights(keras, tmp_path):
    """Keras before ~3.10 stored no layer names: groups are matched by config order."""
    model = mlp(keras)
    kill_units(model.get_layer("hidden"), [0, 3])
    model.save(tmp_path / "m.keras")

    def strip(f):
        f.visititems(lambda name, obj: obj.attrs.pop("name", None) and None)

    rewrite_weights(tmp_path / "m.keras", tmp_path / "old.keras", strip)
    assert found(lint7(tmp_path / "old.keras")) == [("MC702", "hidden")]


@pytest.mark.slow
def test_untrained_layer_needs_evidence_of_training(keras, tmp_path):
    layers = keras.layers
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = np.random.default_rng(1).normal(size=(64, 1)).astype("float32")

    def build(**head):
        return keras.Sequential(
            [
                keras.Input((4,)),
                layers.Dense(8, activation="relu", name="hidden"),
                layers.BatchNormalization(name="bn"),
                layers.Dense(1, name="head", **head),
            ]
        )

    # Fresh model, zero-initialised head: nothing shows training, so no finding.
    build(kernel_initializer="zeros").save(tmp_path / "fresh.keras")
    assert not found(lint7(tmp_path / "fresh.keras"))

    # Trained, then the head reset to zeros and the BatchNormalization to its initial state.
    model = build()
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    model.get_layer("head").set_weights([np.zeros((8, 1)), np.zeros(1)])
    model.get_layer("bn").set_weights([np.ones(8), np.zeros(8), np.zeros(8), np.ones(8)])
    model.save(tmp_path / "reset.keras")
    report = lint7(tmp_path / "reset.keras")
    assert found(report) == [("MC703", "bn"), ("MC703", "head")]
    head = next(f for f in report.findings if f.location.layer_path == "head")
    assert "all 8 values of its kernel are still 0" in head.message
    assert head.evidence["training_evidence"] == "its optimizer state records 8 training steps"

    # The same, frozen: a constant frozen layer is a deliberate fixed operation.
    model.get_layer("head").trainable = False
    model.get_layer("bn").trainable = False
    model.save(tmp_path / "frozen.keras")
    assert not found(lint7(tmp_path / "frozen.keras"))

    # Trained normally: nothing is constant.
    model = build(kernel_initializer="zeros")
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    model.save(tmp_path / "trained.keras")
    model.save(tmp_path / "trained.h5")
    assert not found(lint7(tmp_path / "trained.keras"))
    assert not found(lint7(tmp_path / "trained.h5"))


@pytest.mark.slow
def test_files_without_weights_are_not_failures(keras, tmp_path):
    model = mlp(keras)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        cfg = json.loads(zf.read("config.json"))
        with zipfile.ZipFile(tmp_path / "noweights.keras", "w") as out:
            for name in ("metadata.json", "config.json"):
                out.writestr(name, zf.read(name))
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    for path in (tmp_path / "config.json", tmp_path / "noweights.keras"):
        graph = read_model(path)
        W.attach_weights(graph)
        assert graph.weights is None
        report = modelcheck.lint(path, weights=True)
        assert not report.failures and not found(report, "MC701")


# --------------------------------------------------------------------------- hostile files


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    import keras

    out = tmp_path_factory.mktemp("weights")
    model = mlp(keras)
    kernel, bias = model.get_layer("hidden").get_weights()
    kernel[0, 0] = np.nan
    model.get_layer("hidden").set_weights([kernel, bias])
    model.save(out / "good.keras")
    return out


def _kernel_path(f) -> str:
    for key in f["layers"]:
        if f["layers"][key]["vars"].attrs.get("name") == "hidden":
            return f"layers/{key}/vars/0"
    raise AssertionError("no 'hidden' layer group")


def _bomb(f):
    path = _kernel_path(f)
    del f[path]
    f.create_dataset(path, shape=(1 << 20, 1 << 20), dtype="float32")  # 4 TiB, stores nothing


def _external_link(f):
    path = _kernel_path(f)
    del f[path]
    f[path] = h5py.ExternalLink("/etc/passwd.h5", "/data")


def _soft_link(f):
    path = _kernel_path(f)
    del f[path]
    f[path] = h5py.SoftLink("/layers")


def _external_storage(f):
    path = _kernel_path(f)
    del f[path]
    f.create_dataset(path, shape=(4, 8), dtype="float32", external=[("/etc/hostname", 0, 128)])


#: Unsafe HDF5 constructs: a security finding (MC8xx) on the weights file, not measured.
HOSTILE = {
    "shape-bomb": (_bomb, "MC806", "declaring shape (1048576, 1048576)"),
    "external-link": (_external_link, "MC805", "external link to"),
    "soft-link": (_soft_link, "MC807", "soft link to"),
    "external-storage": (_external_storage, "MC805", "dataset stored in an outside file"),
}
#: Weights that are not HDF5 at all: one "weights not checked" failure.
BROKEN = {
    "not-hdf5": (lambda f: b"garbage, not HDF5" * 10, "to be an HDF5 file"),
    "empty": (lambda f: b"", "to be an HDF5 file"),
    "lfs-pointer": (
        lambda f: b"version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 9\n",
        "Git LFS pointer",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_weights_are_a_security_finding_and_never_measured(saved, case):
    edit, code, expected = HOSTILE[case]
    bad = rewrite_weights(saved / "good.keras", saved / f"{case}.keras", edit)
    report = modelcheck.lint(
        [str(bad), str(saved / "good.keras")], weights=True, select=["MC7", "MC8"]
    )
    assert report.failures == []
    security = [f for f in report.findings if f.code.startswith("MC8")]
    assert [(f.code, f.location.artifact) for f in security] == [(code, str(bad))]
    assert expected in security[0].message and security[0].location.layer[0] == W.WEIGHTS_H5
    # Not measured: only the good copy's weights were read.
    assert found(report, "MC701") == [("MC701", "hidden")]
    assert {m.artifact for m in report.models} == {str(bad), str(saved / "good.keras")}
    graph = read_model(bad)
    W.attach_weights(graph)
    assert graph.weights is None and [h.kind.value for h in graph.hazards]
    # Without --weights, lint reads JSON only: the weights file is not opened at all.
    assert not [f for f in modelcheck.lint(bad).findings if f.code.startswith("MC8")]


@pytest.mark.slow
@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_broken_weights_are_one_failure_and_the_good_model_is_still_linted(saved, case):
    edit, expected = BROKEN[case]
    bad = rewrite_weights(saved / "good.keras", saved / f"{case}.keras", edit)
    report = lint7([str(bad), str(saved / "good.keras")])
    assert len(report.failures) == 1, report.failures
    failure = report.failures[0]
    assert failure.artifact == str(bad)
    assert "\n" not in failure.message and expected in failure.message, failure.message
    assert failure.message.startswith("weights not checked: Expected ")
    assert found(report) == [("MC701", "hidden")]  # only the good copy's weights were read
    assert {m.artifact for m in report.models} == {str(bad), str(saved / "good.keras")}
    with pytest.raises(ModelLoadError):
        graph = read_model(bad)
        W.attach_weights(graph)


@pytest.mark.slow
@pytest.mark.parametrize(
    "method, flag_bits, expected",
    [
        (zipfile.ZIP_DEFLATED, 0, "Received: error: Error -3 while decompressing data"),
        (99, 0, "Received: NotImplementedError: That compression method is not supported"),
        (None, 0x1, "Received: an encrypted zip member"),
    ],
    ids=["stored-but-declared-deflated", "unknown-method", "encrypted"],
)
def test_undecodable_weights_member_is_one_failure(saved, tmp_path, method, flag_bits, expected):
    """Found by benchmarks/fuzz.py: a zlib.error escaped as a traceback."""
    bad = tmp_path / "bad.keras"
    bad.write_bytes((saved / "good.keras").read_bytes())  # Keras stores model.weights.h5
    patch_member(bad, W.WEIGHTS_H5, method=method, flag_bits=flag_bits)

    report = lint7([str(bad), str(saved / "good.keras")])

    assert [f.artifact for f in report.failures] == [str(bad)]
    message = report.failures[0].message
    assert message.startswith("weights not checked: Expected ") and expected in message, message
    assert "\n" not in message
    assert found(report) == [("MC701", "hidden")]  # the good copy's weights were still read


def _crash_hdf5(data: bytes) -> bytes:
    """Damage the datatype of every ``name`` attribute (a variable-length UTF-8 string, which
    Keras writes on each layer's ``vars`` group): variable-length type 4, which does not
    exist. libhdf5 then reads through a bad pointer and the process dies of SIGSEGV
    (found by benchmarks/fuzz.py as one flipped byte)."""
    out = bytearray(data)
    start = out.find(b"name\x00\x00\x00\x00\x19\x01")  # name, padding, vlen datatype v1
    assert start >= 0, "no name attribute written as a variable-length string"
    while start >= 0:
        out[start + 9] = 0x24  # was 0x01: a string
        start = out.find(b"name\x00\x00\x00\x00\x19\x01", start + 1)
    return bytes(out)


@pytest.mark.slow
def test_hdf5_library_crash_on_damaged_weights_costs_one_file(saved, tmp_path):
    good = saved / "good.keras"
    unzipped = tmp_path / "unzipped"  # no checksum: the damaged bytes reach libhdf5
    with zipfile.ZipFile(good) as zf:
        zf.extractall(unzipped)
    weights = unzipped / W.WEIGHTS_H5
    weights.write_bytes(_crash_hdf5(weights.read_bytes()))
    archive = tmp_path / "damaged.keras"  # the same bytes, stored under the old CRC-32
    archive.write_bytes(_crash_hdf5(good.read_bytes()))

    proc = run_cli("lint", unzipped, good, "--weights", "--select", "MC7", "--format", "json")
    line = assert_one_error_line(proc)  # was a SIGSEGV: no report, no error line

    assert line == (
        f"modelcheck: error: {unzipped}: weights not checked: Expected saved weights that the "
        "HDF5 library can read. Received: the HDF5 library crashed (SIGSEGV): a damaged file"
    )
    report = json.loads(proc.stdout)
    assert [(f["code"], f["artifact"]) for f in report["findings"]] == [("MC701", str(good))]

    proc = run_cli("lint", archive, good, "--weights", "--select", "MC7")
    line = assert_one_error_line(proc)  # the CRC-32 check stops them before libhdf5
    assert line.endswith("a damaged zip archive (Bad CRC-32 for model.weights.h5)"), line
    assert "MC701" in proc.stdout


@pytest.mark.slow
def test_truncated_hdf5_and_deflated_member(saved, tmp_path):
    with zipfile.ZipFile(saved / "good.keras") as zf:
        data = zf.read(W.WEIGHTS_H5)
    cut = rewrite_weights(saved / "good.keras", tmp_path / "cut.keras", lambda f: data[:4000])
    report = lint7([str(cut)])
    assert (
        len(report.failures) == 1
        and "Expected readable saved weights" in report.failures[0].message
    )
    # Re-zipped with compression: still read (through a temporary file).
    deflated = tmp_path / "deflated.keras"
    with (
        zipfile.ZipFile(saved / "good.keras") as zin,
        zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
    assert found(lint7(deflated)) == [("MC701", "hidden")]


# --------------------------------------------------------------------------- imports


def _imports_after(code: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_weight_checks_import_numpy_and_h5py_only_on_request(saved):
    path = str(saved / "good.keras")
    probe = """
import json, sys
import modelcheck.linting.api
report = modelcheck.linting.api.lint({path!r}{extra})
print(json.dumps({{"codes": sorted({{f.code for f in report.findings}}),
    "loaded": [m for m in ("numpy", "h5py", "keras", "tensorflow") if m in sys.modules]}}))
"""
    plain = _imports_after(probe.format(path=path, extra=""))
    assert plain["loaded"] == [] and "MC701" not in plain["codes"]
    checked = _imports_after(probe.format(path=path, extra=", weights=True"))
    assert checked["loaded"] == ["numpy", "h5py"] and "MC701" in checked["codes"]
