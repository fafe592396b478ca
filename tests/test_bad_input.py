"""Bad inputs never crash modelcheck: each becomes one error line, and the good models given
in the same command are still linted.

Every bad file is real (written by Keras, h5py's own output cut short, a hand-made zip, ...),
and the real CLI runs in a subprocess.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import zipfile
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from cli_helpers import REPO, assert_one_error_line, run_cli  # noqa: E402

import modelcheck  # noqa: E402 - after the environment is set

EXAMPLES = REPO / "examples"

pytestmark = pytest.mark.slow  # builds real Keras models


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every bad input of :data:`BAD_CASES`, plus ``"good"``: story 1 buggy as ``.keras``,
    a readable model with known findings (MC203 on ``dense``)."""
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    import keras
    import models  # examples/models.py

    out = tmp_path_factory.mktemp("bad_inputs")
    files: dict[str, Path] = {}

    keras.backend.clear_session()
    model = models.story1_buggy()
    files["good"] = out / "good.keras"
    model.save(files["good"])
    full_h5 = out / "full.h5"
    model.save(full_h5)
    files["full-h5"] = full_h5

    files["missing"] = out / "missing.keras"

    empty = out / "no_models"
    (empty / "nested").mkdir(parents=True)
    (empty / "nested" / "README.txt").write_text("no models here\n")
    (empty / "config.yaml").write_text("a: 1\n")
    files["empty-dir"] = empty

    files["text-named-keras"] = out / "x.keras"
    files["text-named-keras"].write_text("this is not a zip archive\n")

    files["zip-without-config"] = out / "noconfig.keras"
    with zipfile.ZipFile(files["zip-without-config"], "w") as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": keras.__version__}))
        zf.writestr("model.weights.h5", b"")

    files["corrupt-config-json"] = out / "corrupt.keras"
    with zipfile.ZipFile(files["good"]) as src:
        config = src.read("config.json")
        metadata = src.read("metadata.json")
    with zipfile.ZipFile(files["corrupt-config-json"], "w") as zf:
        zf.writestr("config.json", config[: len(config) // 2])  # cut mid-object
        zf.writestr("metadata.json", metadata)

    lfs = out / "lfs"
    lfs.mkdir()
    files["git-lfs-pointer"] = lfs / "model.keras"
    files["git-lfs-pointer"].write_text(
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
        "size 123\n"
    )

    files["truncated-h5"] = out / "truncated.h5"
    files["truncated-h5"].write_bytes(full_h5.read_bytes()[:2048])

    # model_config's datatype (a variable-length string) with character set 13, which does
    # not exist: h5py raised TypeError, which escaped (found by benchmarks/fuzz.py).
    data = bytearray(full_h5.read_bytes())
    name = data.find(b"model_config\x00")
    assert data[name + 16] == 0x19, "model_config is not a variable-length string"
    data[name + 18] = 0x0D  # bits 8-11 of the datatype: the character set
    files["h5-unknown-string-encoding"] = out / "unknown_encoding.h5"
    files["h5-unknown-string-encoding"].write_bytes(data)

    weights = out / "only.weights.h5"
    model.save_weights(weights)
    files["weights-only-h5"] = out / "weights_only.h5"
    weights.rename(files["weights-only-h5"])

    # An unzipped .keras directory whose config.json cannot be read (reading /proc/self/mem
    # at offset 0 fails with EIO): it raised an uncaught OSError.
    unreadable = out / "unreadable_dir"
    unreadable.mkdir()
    (unreadable / "metadata.json").write_bytes(metadata)
    (unreadable / "config.json").symlink_to("/proc/self/mem")
    files["unreadable-config-in-dir"] = unreadable

    @keras.saving.register_keras_serializable(package="t")
    class TwoDense(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = keras.layers.Dense(8, activation="relu")
            self.head = keras.layers.Dense(3)

        def call(self, x):
            return self.head(self.hidden(x))

    keras.backend.clear_session()
    sub = TwoDense(name="two_dense")
    sub(keras.ops.zeros((1, 4)))
    sub.compile(optimizer="adam", loss="mse")
    files["subclassed"] = out / "subclassed.keras"
    sub.save(files["subclassed"])

    return files


@pytest.fixture(scope="session")
def good_model(bad_inputs: dict[str, Path]) -> Path:
    return bad_inputs["good"]


BAD_CASES = [
    "missing",
    "empty-dir",
    "text-named-keras",
    "zip-without-config",
    "corrupt-config-json",
    "git-lfs-pointer",
    "truncated-h5",
    "h5-unknown-string-encoding",
    "weights-only-h5",
    "subclassed",
    "unreadable-config-in-dir",
]


# --------------------------------------------------------------------------- CLI


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_is_one_error_line_and_good_model_still_linted(case, bad_inputs):
    bad, good = bad_inputs[case], bad_inputs["good"]

    proc = run_cli("lint", bad, good)

    line = assert_one_error_line(proc)
    assert str(bad) in line, line
    assert str(good) in proc.stdout
    assert "MC203" in proc.stdout


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_json_lists_the_failure_and_the_good_findings(case, bad_inputs):
    bad, good = bad_inputs[case], bad_inputs["good"]

    proc = run_cli("lint", "--format", "json", bad, good)

    assert_one_error_line(proc)
    report = json.loads(proc.stdout)
    assert [f["artifact"] for f in report["failures"]] == [str(bad)]
    assert report["failures"][0]["message"].startswith("Expected")
    good_codes = {f["code"] for f in report["findings"] if f["artifact"] == str(good)}
    assert "MC203" in good_codes


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--frobnicate"], id="unknown-option"),
        pytest.param(["--format", "xml"], id="bad-format"),
        pytest.param(["--fail-on", "bogus"], id="bad-fail-on"),
    ],
)
def test_bad_option_is_a_one_line_usage_error(args, good_model):
    proc = run_cli("lint", *args, good_model)

    line = assert_one_error_line(proc)
    assert args[-1] in line or args[0] in line, line
    assert proc.stdout == ""


def test_lint_without_paths_is_a_one_line_usage_error():
    proc = run_cli("lint")

    assert_one_error_line(proc)


def _global_heap_objects(data: bytes) -> list[tuple[int, bytes]]:
    """(offset, content) of each object in the HDF5 global heap collections of ``data``
    (where variable-length strings such as ``model_config`` live)."""
    out = []
    start = data.find(b"GCOL")
    while start >= 0:
        (size,) = struct.unpack_from("<Q", data, start + 8)
        pos = start + 16
        while pos + 16 <= start + size:
            index, _, _, length = struct.unpack_from("<HHIQ", data, pos)
            if index == 0:  # free space
                break
            out.append((pos, data[pos + 16 : pos + 16 + length]))
            pos += 16 + (length + 7) // 8 * 8
        start = data.find(b"GCOL", start + 1)
    return out


def test_hdf5_library_endless_loop_is_a_one_line_error(bad_inputs, tmp_path):
    """Found by benchmarks/fuzz.py (a flipped byte in a legacy .h5): with the size of the
    global heap object holding training_config off by 0xd00 bytes, libhdf5 loops forever
    reading the attribute, and `modelcheck lint` hung."""
    data = bytearray(bad_inputs["full-h5"].read_bytes())  # story 1, saved by Keras as .h5
    (offset,) = [pos for pos, text in _global_heap_objects(data) if b'"loss"' in text]
    data[offset + 9] ^= 0x0D  # the second byte of the object's 8-byte size
    bad = tmp_path / "endless.h5"
    bad.write_bytes(data)

    proc = run_cli("lint", bad, bad_inputs["good"])

    line = assert_one_error_line(proc)
    assert line == (
        f"modelcheck: error: {bad}: Expected an HDF5 file that the HDF5 library can read. "
        "Received: the HDF5 library did not finish within 10 s: a damaged file"
    )
    assert "MC203" in proc.stdout  # the good model was still linted


# --------------------------------------------------------------------------- Python API


def test_api_single_missing_path_raises(tmp_path):
    missing = tmp_path / "missing.keras"

    with pytest.raises(modelcheck.ModelLoadError) as info:
        modelcheck.lint(str(missing))

    message = str(info.value)
    assert message.startswith("Expected") and "Received:" in message
    assert str(missing) in message


def test_api_list_records_failure_and_lints_the_rest(tmp_path, good_model):
    missing = tmp_path / "missing.keras"

    report = modelcheck.lint([str(missing), str(good_model)])

    assert [f.artifact for f in report.failures] == [str(missing)]
    assert [m.artifact for m in report.models] == [str(good_model)]
    assert report.findings
    assert {f.location.artifact for f in report.findings} == {str(good_model)}
    assert ("MC203", ("dense",)) in {(f.code, f.location.layer) for f in report.findings}
