"""Regenerate the keras.applications architecture configs used as test data.

Usage (from the repo root)::

    TF_CPP_MIN_LOG_LEVEL=3 .venv/bin/python tests/data/make_applications.py [--out DIR] [--only NAME ...] [--verify]

For every model constructor exported by ``keras.applications`` this builds the
architecture with ``weights=None`` (default ``include_top=True``), compiles it
with ``optimizer="adam"`` and ``loss="categorical_crossentropy"`` (as a user
fine-tuning it would), and writes exactly the JSON that Keras writes as
``config.json`` inside a ``.keras`` archive (``saving_lib._serialize_model_as_json``:
``json.dumps(serialize_keras_object(model))`` inside an ``ObjectSharingScope``)
gzipped to ``<out>/<Name>.json.gz``.

No weights are downloaded; the script runs offline.  The gzip header carries
no timestamp/filename.  The JSON itself is reproducible for a given Keras
version except for ``"shared_object_id"`` values, which Keras derives from
Python ``id()`` of shared objects (e.g. the DTypePolicy) and so change on
every run.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import sys
import tempfile
import time
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
from keras.src.saving.serialization_lib import (  # noqa: E402
    ObjectSharingScope,
    serialize_keras_object,
)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "applications")

EXPECTED = [
    "Xception",
    "VGG16",
    "VGG19",
    "ResNet50",
    "ResNet101",
    "ResNet152",
    "ResNet50V2",
    "ResNet101V2",
    "ResNet152V2",
    "InceptionV3",
    "InceptionResNetV2",
    "MobileNet",
    "MobileNetV2",
    "MobileNetV3Small",
    "MobileNetV3Large",
    "DenseNet121",
    "DenseNet169",
    "DenseNet201",
    "NASNetMobile",
    "NASNetLarge",
    "EfficientNetB0",
    "EfficientNetB1",
    "EfficientNetB2",
    "EfficientNetB3",
    "EfficientNetB4",
    "EfficientNetB5",
    "EfficientNetB6",
    "EfficientNetB7",
    "EfficientNetV2B0",
    "EfficientNetV2B1",
    "EfficientNetV2B2",
    "EfficientNetV2B3",
    "EfficientNetV2S",
    "EfficientNetV2M",
    "EfficientNetV2L",
    "ConvNeXtTiny",
    "ConvNeXtSmall",
    "ConvNeXtBase",
    "ConvNeXtLarge",
    "ConvNeXtXLarge",
]


def application_names() -> list[str]:
    """All model constructors exported by keras.applications (CamelCase callables)."""
    return sorted(
        n
        for n in dir(keras.applications)
        if n[:1].isupper() and callable(getattr(keras.applications, n))
    )


def config_json(model) -> str:
    """Exactly what keras.src.saving.saving_lib writes as config.json."""
    with ObjectSharingScope():
        serialized = serialize_keras_object(model)
    return json.dumps(serialized)


def build(name: str):
    model = getattr(keras.applications, name)(weights=None)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


def write_gz(path: str, text: str) -> None:
    # mtime=0 and no filename in the header -> deterministic bytes.
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
    ):
        gz.write(text.encode("utf-8"))


def verify_against_save(model, text: str) -> None:
    """Check `text` equals config.json of a real model.save('x.keras')."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "x.keras")
        model.save(path)
        with zipfile.ZipFile(path) as zf:
            saved = zf.read("config.json").decode("utf-8")
    if saved != text:
        raise AssertionError(f"config.json mismatch for {model.name}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--only", nargs="*", help="subset of model names")
    ap.add_argument(
        "--verify", action="store_true", help="also model.save() each model and compare config.json"
    )
    args = ap.parse_args(argv)

    names = application_names()
    missing = sorted(set(EXPECTED) - set(names))
    extra = sorted(set(names) - set(EXPECTED))
    print(f"keras {keras.__version__}: {len(names)} application constructors", flush=True)
    if missing or extra:
        print(f"  differs from expected 40: missing={missing} extra={extra}", flush=True)
    if args.only:
        names = [n for n in names if n in set(args.only)]

    os.makedirs(args.out, exist_ok=True)
    t_all = time.perf_counter()
    for name in names:
        t0 = time.perf_counter()
        model = build(name)
        text = config_json(model)
        if args.verify:
            verify_against_save(model, text)
        path = os.path.join(args.out, f"{name}.json.gz")
        write_gz(path, text)
        n_layers = len(model.layers)
        del model
        keras.backend.clear_session()
        gc.collect()
        print(
            f"{name:20s} {n_layers:5d} layers {len(text) / 1e6:7.2f} MB json "
            f"{os.path.getsize(path) / 1e3:8.1f} kB gz "
            f"{time.perf_counter() - t0:6.1f} s",
            flush=True,
        )
    print(f"total {time.perf_counter() - t_all:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
