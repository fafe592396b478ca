#!/usr/bin/env python
"""Oracle for the source-extraction corpus: run each program with real Keras and record its models.

Usage (from anywhere; the interpreter is the project's venv):

    /work/main/.venv/bin/python oracle.py [--only NAME ...] [--jobs 2] [--timeout 120]

Every program in ``programs/`` (``.py`` scripts and ``.ipynb`` notebooks, stored byte-for-byte as
published) is run in its own subprocess (``oracle.py --child PROGRAM OUT.json``), in a fresh
temporary working directory, with a *prelude* that makes the run cheap and offline:

* ``keras.Model.fit / evaluate / predict / train_on_batch / test_on_batch / predict_on_batch``
  do not train: their arguments are bound against the real Keras 3 signature (so a Keras-1
  ``fit(nb_epoch=...)`` still fails the way Keras 3 fails); ``fit`` / ``evaluate`` /
  ``train_on_batch`` build an unbuilt model on the first batch (``Model._symbolic_build``, as the
  first real training step would); then they return plausible objects (``fit`` returns a real
  ``keras.callbacks.History`` whose ``.history`` maps every asked-for key to a list of ``epochs``
  floats; ``predict`` returns an array of the model's output shape filled with ``1 / last_dim``).
  ``fit_generator / evaluate_generator / predict_generator`` (removed in Keras 3) are added as
  the same no-ops.  ``save_weights / load_weights`` do nothing; ``save`` is real (cheap, offline).
* Iterating a ``tf.data.Dataset`` yields at most ``DATASET_ITERATION_CAP`` (2) elements, so
  hand-written training loops finish.
* ``keras.datasets.<name>.load_data`` (mnist, fashion_mnist, cifar10, cifar100, imdb, reuters,
  boston_housing, california_housing) and ``imdb/reuters.get_word_index`` return random data with
  the real shapes and dtypes; ``keras.utils.get_file`` and ``urllib``/``requests`` downloads raise
  at once (there is no network).
* matplotlib uses Agg, ``plt.show``/``savefig`` do nothing, ``input()`` returns ``""``,
  ``keras.utils.plot_model`` does nothing, ``time.sleep`` does nothing.
* Notebooks: code cells run in order in one namespace (like "Run all": the first failing cell
  stops the run); lines whose first non-blank character is ``%`` or ``!`` become ``pass``; cells
  starting with a non-Python cell magic (``%%bash``, ``%%writefile`` ...) are skipped; a stub
  ``IPython.display`` / ``get_ipython()`` / ``display()`` is provided as in a Jupyter kernel.

Every ``keras.Model`` constructed by the program (``Sequential``, ``Functional``, subclasses) is
captured at construction (``__init__`` of ``Model``/``Functional``/``Sequential`` is wrapped), in
construction order, with the line of the program where it was constructed.  Models that Keras
builds internally for another model (``Sequential``'s hidden ``_functional``) are not captured.
See README.md for the truth-file format.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "programs")
TRUTH = os.path.join(HERE, "truth")
DEFAULT_PYTHON = "/work/main/.venv/bin/python"

CHILD_ALARM_MARGIN = 20  # the child stops the program this many seconds before the parent kills it

NON_PYTHON_CELL_MAGICS = {
    "bash",
    "sh",
    "script",
    "writefile",
    "file",
    "html",
    "javascript",
    "js",
    "latex",
    "markdown",
    "svg",
    "perl",
    "ruby",
    "system",
    "sx",
    "python2",
    "cmd",
    "powershell",
}


# =====================================================================================
# child side: prelude, program runner, model capture and serialisation
# =====================================================================================


class OracleTimeout(BaseException):
    """Raised inside the program when its time is up (BaseException: `except Exception` keeps it)."""


class _State:
    user_files: dict = {}  # compiled filename -> cell index (None for a .py file)
    code_cell_of: dict = {}  # cell index -> index among code cells
    models: list = []  # captured models, construction order
    infos: dict = {}  # id(model) -> info dict
    compile_calls: dict = {}  # id(model) -> list of compile records
    impls: dict = {}  # stub key -> implementation


def _user_frame_pos(frame):
    fn = frame.f_code.co_filename
    if fn in _State.user_files:
        return {"cell": _State.user_files[fn], "line": frame.f_lineno}
    return None


def _locate(obj, start_frame):
    """(first user position, all user positions innermost first, built_for_another_model)."""
    positions = []
    internal_owner = False
    f = start_frame
    while f is not None:
        pos = _user_frame_pos(f)
        try:
            self_obj = f.f_locals.get("self")
        except Exception:  # pragma: no cover - exotic frames
            self_obj = None
        if pos is not None:
            if self_obj is not obj:  # skip the subclass's own __init__ (super().__init__ line)
                positions.append(pos)
        elif not positions:
            import keras

            if self_obj is not None and self_obj is not obj and isinstance(self_obj, keras.Model):
                internal_owner = True
        f = f.f_back
    return (positions[0] if positions else None), positions, internal_owner


def _capture(model):
    """Record `model` (once); False when it was already recorded or is built for another model."""
    if id(model) in _State.infos:
        return False
    first, stack, internal = _locate(model, sys._getframe(2))
    if internal:
        _State.infos[id(model)] = None  # seen, not captured
        return True
    info = {
        "pos": first,
        "stack": stack,
        "type_at_init": type(model).__name__,
    }
    _State.infos[id(model)] = info
    _State.models.append(model)
    return True


def _uncapture(model):
    _State.infos.pop(id(model), None)
    _State.models[:] = [m for m in _State.models if m is not model]


def _wrap_init(cls):
    import inspect

    orig = cls.__dict__["__init__"]

    def __init__(self, *args, **kwargs):
        mine = _capture(self)
        try:
            return orig(self, *args, **kwargs)
        except BaseException:
            if mine:  # the constructor failed: no model was made
                _uncapture(self)
            raise

    __init__.__name__ = "__init__"
    __init__.__qualname__ = orig.__qualname__
    __init__.__doc__ = orig.__doc__
    # keras' Operation.__new__ reads the signature of cls.__init__ (getfullargspec and
    # signature) to build the auto-config: show it the real one.
    __init__.__signature__ = inspect.signature(orig)
    cls.__init__ = __init__


def _make_code_stub(key):
    ns = {}
    exec(
        "def stub(*args, **kwargs):\n"
        f"    return __import__('sys').modules['_oracle_prelude'].IMPLS[{key!r}](*args, **kwargs)\n",
        ns,
    )
    return ns["stub"]


def _replace_function(fn, key, impl):
    """Make every reference to the plain function `fn` call `impl` (in-place code swap)."""
    _State.impls[key] = impl
    stub = _make_code_stub(key)
    fn.__code__ = stub.__code__
    fn.__defaults__ = None
    fn.__kwdefaults__ = None


# ----------------------------------------------------------------------------- fake data


def _rng():
    import numpy as np

    return np.random.default_rng(1234)


def _fake_images(n_train, n_test, shape, n_classes, y_shape_col):
    import numpy as np

    r = _rng()
    xtr = r.integers(0, 256, size=(n_train,) + shape, dtype=np.uint8)
    xte = r.integers(0, 256, size=(n_test,) + shape, dtype=np.uint8)
    ytr = r.integers(0, n_classes, size=(n_train,), dtype=np.uint8)
    yte = r.integers(0, n_classes, size=(n_test,), dtype=np.uint8)
    if y_shape_col:
        ytr, yte = ytr.reshape(-1, 1), yte.reshape(-1, 1)
    return (xtr, ytr), (xte, yte)


def _fake_sequences(n, vocab, mean_len, maxlen, start_char, r):
    import numpy as np

    lengths = np.clip(r.lognormal(np.log(mean_len), 0.6, size=n).astype(int), 8, 2000)
    if maxlen:
        lengths = np.minimum(lengths, max(int(maxlen), 2))
    total = int(lengths.sum())
    low = 1 if start_char is None else 2
    flat = r.integers(low, max(vocab, low + 1), size=total)
    out = np.empty(n, dtype=object)
    pos = 0
    for i, length in enumerate(lengths):
        seq = flat[pos : pos + length].tolist()
        pos += length
        if start_char is not None:
            seq[0] = start_char
        out[i] = seq
    return out


def _fake_text_dataset(n_train, n_test, full_vocab, n_classes, mean_len, kwargs):
    import numpy as np

    r = _rng()
    num_words = kwargs.get("num_words") or full_vocab
    maxlen = kwargs.get("maxlen")
    start_char = kwargs.get("start_char", 1)
    xtr = _fake_sequences(n_train, num_words, mean_len, maxlen, start_char, r)
    xte = _fake_sequences(n_test, num_words, mean_len, maxlen, start_char, r)
    ytr = r.integers(0, n_classes, size=n_train).astype(np.int64)
    yte = r.integers(0, n_classes, size=n_test).astype(np.int64)
    return (xtr, ytr), (xte, yte)


def _load_mnist(*args, **kwargs):
    return _fake_images(60000, 10000, (28, 28), 10, False)


def _load_cifar10(*args, **kwargs):
    return _fake_images(50000, 10000, (32, 32, 3), 10, True)


def _load_cifar100(*args, **kwargs):
    label_mode = kwargs.get("label_mode", args[0] if args else "fine")
    return _fake_images(50000, 10000, (32, 32, 3), 20 if label_mode == "coarse" else 100, True)


def _load_imdb(*args, **kwargs):
    names = [
        "path",
        "num_words",
        "skip_top",
        "maxlen",
        "seed",
        "start_char",
        "oov_char",
        "index_from",
    ]
    kwargs = {**dict(zip(names, args)), **kwargs}
    return _fake_text_dataset(25000, 25000, 88587, 2, 230, kwargs)


def _load_reuters(*args, **kwargs):
    names = [
        "path",
        "num_words",
        "skip_top",
        "maxlen",
        "test_split",
        "seed",
        "start_char",
        "oov_char",
        "index_from",
    ]
    kwargs = {**dict(zip(names, args)), **kwargs}
    return _fake_text_dataset(8982, 2246, 30982, 46, 145, kwargs)


def _load_boston(*args, **kwargs):
    import numpy as np

    r = _rng()
    scale = np.array([3.6, 11.4, 11.1, 0.07, 0.55, 6.3, 68.6, 3.8, 9.5, 408.0, 18.5, 356.0, 12.7])
    xtr = r.random((404, 13)) * scale * 2
    xte = r.random((102, 13)) * scale * 2
    ytr = r.uniform(5.0, 50.0, 404)
    yte = r.uniform(5.0, 50.0, 102)
    return (xtr, ytr), (xte, yte)


def _load_california(*args, **kwargs):

    version = kwargs.get("version", args[0] if args else "large")
    n = 20640 if version == "large" else 600
    n_test = int(n * 0.2)
    r = _rng()
    x = r.random((n, 8)) * 10
    y = r.uniform(15000.0, 500000.0, n)
    return (x[n_test:], y[n_test:]), (x[:n_test], y[:n_test])


def _word_index(size):
    def get_word_index(*args, **kwargs):
        return {f"word{i}": i for i in range(1, size + 1)}

    return get_word_index


# ----------------------------------------------------------------------------- Model stubs


class _AnyKeyHistory(dict):
    """history.history: the keys Keras would have, and a plausible list for any other key."""

    def __init__(self, epochs, *a, **k):
        super().__init__(*a, **k)
        self._epochs = epochs

    def __missing__(self, key):
        return [0.0] * self._epochs


def _bind(method, self, args, kwargs):
    import inspect

    sig = inspect.signature(method)
    return sig.bind(self, *args, **kwargs).arguments


def _metric_names(model):
    calls = _State.compile_calls.get(id(model))
    if not calls:
        return []
    metrics = calls[-1].get("metrics_raw")
    names = []

    def add(m):
        if m is None:
            return
        if isinstance(m, (list, tuple)):
            for x in m:
                add(x)
        elif isinstance(m, dict):
            for v in m.values():
                add(v)
        elif isinstance(m, str):
            names.append(m)
        else:
            names.append(
                getattr(m, "name", None) or getattr(m, "__name__", None) or type(m).__name__
            )

    add(metrics)
    return names


def _n_scores(model):
    return 1 + len(_metric_names(model))


def _score(model, return_dict=False):
    names = ["loss"] + _metric_names(model)
    if return_dict:
        return {n: 0.0 for n in names}
    if len(names) == 1:
        return 0.0
    return [0.0] * len(names)


def _dataset_len(ds, limit=200_000):
    """Number of samples in a finite tf.data.Dataset (uncapped iteration), or None."""
    real_iter = _State.impls.get("dataset_real_iter")
    if real_iter is None:
        return None
    try:
        import tensorflow as tf

        if int(ds.cardinality()) == int(tf.data.INFINITE_CARDINALITY):
            return None
        total = 0
        for element in real_iter(ds):
            first = element
            while isinstance(first, (tuple, list)):
                first = first[0]
            if isinstance(first, dict):
                first = next(iter(first.values()))
            shape = getattr(first, "shape", None)
            total += int(shape[0]) if shape is not None and len(shape) else 1
            if total > limit:
                break
        return total
    except Exception:
        return None


def _first_len(x):
    import numpy as np

    if x is None:
        return None
    if type(x).__module__.startswith("tensorflow.python.data"):
        return _dataset_len(x)
    if isinstance(x, dict):
        for v in x.values():
            n = _first_len(v)
            if n is not None:
                return n
        return None
    if isinstance(x, (list, tuple)):
        if x and hasattr(x[0], "shape"):
            return _first_len(x[0])
        try:
            return len(x)
        except Exception:
            return None
    shape = getattr(x, "shape", None)
    if shape is not None and len(shape) > 0 and shape[0] is not None:
        try:
            return int(shape[0])
        except Exception:
            return None
    try:
        return len(np.asarray(x))
    except Exception:
        return None


def _output_shapes(model, x):
    """Output shapes (batch dim included, None kept) or None when unknown."""
    try:
        outs = model.outputs
        if outs:
            return [tuple(o.shape) for o in outs], isinstance(model.output, (list, tuple, dict))
    except Exception:
        pass
    # unbuilt / subclassed: call the model on a tiny slice of the input
    try:
        import numpy as np

        def head(v):
            if isinstance(v, dict):
                return {k: head(a) for k, a in v.items()}
            if isinstance(v, (list, tuple)):
                return [head(a) for a in v]
            return np.asarray(v)[:2]

        y = model(head(x), training=False)
        if isinstance(y, (list, tuple)):
            return [tuple(t.shape) for t in y], True
        if isinstance(y, dict):
            return [tuple(t.shape) for t in y.values()], True
        return [tuple(y.shape)], False
    except Exception:
        return None


def _predict_like(model, x):
    import numpy as np

    n = _first_len(x)
    if n is None:
        n = 32
    got = _output_shapes(model, x)
    if got is None:
        return np.full((n, 1), 0.5, dtype="float32")
    shapes, multi = got
    arrays = []
    for s in shapes:
        s = tuple(n if i == 0 else (1 if d is None else int(d)) for i, d in enumerate(s))
        if not s:
            s = (n,)
        last = s[-1] if len(s) > 1 else 1
        arrays.append(np.full(s, 1.0 / max(last, 1), dtype="float32"))
    return arrays if multi else arrays[0]


def _history_for(model, epochs, initial_epoch, validation):
    import keras

    epochs = max(int(epochs or 1) - int(initial_epoch or 0), 1)
    keys = ["loss"] + _metric_names(model)
    if validation:
        keys += ["val_" + k for k in list(keys)]
    hist = keras.callbacks.History()
    with contextlib.suppress(Exception):
        hist.set_model(model)
    hist.epoch = list(range(int(initial_epoch or 0), int(initial_epoch or 0) + epochs))
    hist.params = {"epochs": epochs, "verbose": 0, "steps": 1}
    hist.history = _AnyKeyHistory(
        epochs, {k: [float(1.0 / (i + 1)) for i in range(epochs)] for k in keys}
    )
    return hist


def _first_batch(x, y, batch_size):
    """(x_batch, y_batch) of at most batch_size samples, as Keras' first training step sees it."""
    import numpy as np

    if type(x).__module__.startswith("tensorflow.python.data"):
        real_iter = _State.impls.get("dataset_real_iter")
        element = next(iter(real_iter(x))) if real_iter else next(iter(x))
        if isinstance(element, tuple) and len(element) >= 2:
            return element[0], element[1]
        return element, None

    def head(v):
        if v is None:
            return None
        if isinstance(v, dict):
            return {k: head(a) for k, a in v.items()}
        if isinstance(v, (list, tuple)) and v and hasattr(v[0], "shape"):
            return [head(a) for a in v]
        if hasattr(v, "shape") and hasattr(v, "__getitem__"):
            return v[:batch_size]
        arr = np.asarray(v)
        return arr[:batch_size] if arr.ndim else arr

    if (
        hasattr(x, "__getitem__")
        and hasattr(x, "__len__")
        and not hasattr(x, "shape")
        and not isinstance(x, (list, tuple, dict))
    ):
        element = x[0]  # a keras PyDataset / Sequence: one batch
        if isinstance(element, tuple) and len(element) >= 2:
            return element[0], element[1]
        return element, None
    return head(x), head(y)


def _build_like_training(model, x, y, batch_size):
    """Build the model (and its compiled loss/metrics) on the first batch, as real fit does.

    Real `fit` / `evaluate` / `train_on_batch` call the model on the first batch, which builds
    an unbuilt model (e.g. a Sequential without an input shape gets its InputLayer and graph).
    Failures are ignored: the stubs never train, and a data problem is not the model's truth.
    """
    try:
        if all(layer.built for layer in model._flatten_layers()):
            return
        if x is None:
            return
        xb, yb = _first_batch(x, y, int(batch_size or 32))
        model._symbolic_build(data_batch=(xb, yb) if yb is not None else (xb,))
    except Exception:
        pass


def _install_model_stubs():
    from keras.src.models.model import Model

    real_fit, real_eval, real_pred = Model.fit, Model.evaluate, Model.predict
    real_tob, real_teb, real_pob = Model.train_on_batch, Model.test_on_batch, Model.predict_on_batch
    real_compile = Model.compile

    def fit(self, *args, **kwargs):
        a = _bind(real_fit, self, args, kwargs)
        _build_like_training(self, a.get("x"), a.get("y"), a.get("batch_size"))
        validation = bool(a.get("validation_data") is not None or (a.get("validation_split") or 0))
        return _history_for(self, a.get("epochs", 1), a.get("initial_epoch", 0), validation)

    def fit_generator(self, generator=None, steps_per_epoch=None, epochs=1, *args, **kwargs):
        epochs = kwargs.get("nb_epoch", epochs)
        validation = kwargs.get("validation_data") is not None
        return _history_for(self, epochs, kwargs.get("initial_epoch", 0), validation)

    def evaluate(self, *args, **kwargs):
        a = _bind(real_eval, self, args, kwargs)
        _build_like_training(self, a.get("x"), a.get("y"), a.get("batch_size"))
        return _score(self, bool(a.get("return_dict")))

    def evaluate_generator(self, *args, **kwargs):
        return _score(self)

    def predict(self, *args, **kwargs):
        a = _bind(real_pred, self, args, kwargs)
        return _predict_like(self, a.get("x"))

    def predict_generator(self, generator=None, steps=None, *args, **kwargs):
        return _predict_like(self, [0] * int(steps or 1))

    def train_on_batch(self, *args, **kwargs):
        a = _bind(real_tob, self, args, kwargs)
        _build_like_training(self, a.get("x"), a.get("y"), None)
        return _score(self, bool(a.get("return_dict")))

    def test_on_batch(self, *args, **kwargs):
        a = _bind(real_teb, self, args, kwargs)
        return _score(self, bool(a.get("return_dict")))

    def predict_on_batch(self, *args, **kwargs):
        a = _bind(real_pob, self, args, kwargs)
        return _predict_like(self, a.get("x"))

    def noop(self, *args, **kwargs):
        return None

    def compile(self, *args, **kwargs):
        import inspect

        try:
            bound = inspect.signature(real_compile).bind(self, *args, **kwargs).arguments
        except TypeError:
            bound = {}
        frame = sys._getframe(1)
        pos = None
        while frame is not None and pos is None:
            pos = _user_frame_pos(frame)
            frame = frame.f_back
        rec = {
            "pos": pos,
            "optimizer_arg": _describe_arg(bound.get("optimizer", "rmsprop")),
            "loss_arg": _describe_arg(bound.get("loss")),
            "metrics_raw": bound.get("metrics"),
        }
        _State.compile_calls.setdefault(id(self), []).append(rec)
        return real_compile(self, *args, **kwargs)

    Model.compile = compile
    Model.fit = fit
    Model.fit_generator = fit_generator
    Model.evaluate = evaluate
    Model.evaluate_generator = evaluate_generator
    Model.predict = predict
    Model.predict_generator = predict_generator
    Model.train_on_batch = train_on_batch
    Model.test_on_batch = test_on_batch
    Model.predict_on_batch = predict_on_batch
    # Model.save stays real (cheap, offline): programs that save then keras.models.load_model
    # the file get the model Keras would load.
    Model.save_weights = noop
    Model.load_weights = noop


def _describe_arg(v):
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    if isinstance(v, (list, tuple)):
        return [_describe_arg(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _describe_arg(x) for k, x in v.items()}
    if callable(v) and hasattr(v, "__name__") and not hasattr(v, "get_config"):
        return v.__name__
    return type(v).__name__ + "()"


# ----------------------------------------------------------------------------- other stubs


def _offline(*args, **kwargs):
    what = kwargs.get("origin") or (args[1] if len(args) > 1 else (args[0] if args else "?"))
    raise OSError(f"offline: no network to download {what!r}")


def _install_environment_stubs(notebook):
    import builtins
    import time as time_mod
    import types

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.figure
    import matplotlib.pyplot as plt

    plt.switch_backend("Agg")  # before any IPython stub exists (no REPL display hook)

    plt.show = lambda *a, **k: None
    plt.savefig = lambda *a, **k: None
    plt.pause = lambda *a, **k: None
    matplotlib.figure.Figure.savefig = lambda *a, **k: None
    builtins.input = lambda *a, **k: ""
    time_mod.sleep = lambda *a, **k: None

    import urllib.request

    urllib.request.urlretrieve = _offline
    urllib.request.urlopen = _offline
    try:
        import requests

        requests.get = _offline
        requests.post = _offline
    except Exception:
        pass

    import keras.src.datasets.boston_housing as boston
    import keras.src.datasets.california_housing as california
    import keras.src.datasets.cifar10 as cifar10
    import keras.src.datasets.cifar100 as cifar100
    import keras.src.datasets.fashion_mnist as fashion
    import keras.src.datasets.imdb as imdb
    import keras.src.datasets.mnist as mnist
    import keras.src.datasets.reuters as reuters
    import keras.src.utils.file_utils as file_utils

    _replace_function(mnist.load_data, "mnist", _load_mnist)
    _replace_function(fashion.load_data, "fashion_mnist", _load_mnist)
    _replace_function(cifar10.load_data, "cifar10", _load_cifar10)
    _replace_function(cifar100.load_data, "cifar100", _load_cifar100)
    _replace_function(imdb.load_data, "imdb", _load_imdb)
    _replace_function(imdb.get_word_index, "imdb_words", _word_index(88584))
    _replace_function(reuters.load_data, "reuters", _load_reuters)
    _replace_function(reuters.get_word_index, "reuters_words", _word_index(30979))
    _replace_function(boston.load_data, "boston_housing", _load_boston)
    _replace_function(california.load_data, "california_housing", _load_california)
    _replace_function(file_utils.get_file, "get_file", _offline)
    try:
        import keras.src.utils.model_visualization as viz

        _replace_function(viz.plot_model, "plot_model", lambda *a, **k: None)
        _replace_function(viz.model_to_dot, "model_to_dot", lambda *a, **k: None)
    except Exception:
        pass

    if notebook:
        _install_ipython_stubs(builtins, types)


def _install_ipython_stubs(builtins, types):
    def noop(*a, **k):
        return None

    class _Shell:
        """get_ipython(): any attribute, any call, answers another do-nothing shell."""

        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            return self

        def __call__(self, *a, **k):
            return None

        user_ns = {}

    shell = _Shell()
    builtins.get_ipython = lambda: shell
    builtins.display = noop
    try:
        import IPython  # noqa: F401

        return
    except Exception:
        pass

    def module(name, **attrs):
        m = types.ModuleType(name)
        m.__path__ = []  # a package, so that its stub submodules import
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    class _Obj:
        def __init__(self, *a, **k):
            pass

    def identity_decorator(fn=None, *a, **k):
        return fn if callable(fn) else (lambda f: f)

    disp_names = {
        name: _Obj
        for name in (
            "Image",
            "HTML",
            "Markdown",
            "SVG",
            "Audio",
            "Video",
            "Javascript",
            "Math",
            "IFrame",
            "Latex",
            "JSON",
            "FileLink",
            "YouTubeVideo",
        )
    }
    disp_names.update(display=noop, clear_output=noop, display_markdown=noop, display_html=noop)
    ipy = module(
        "IPython",
        version_info=(9, 0, 0, ""),
        __version__="9.0.0",
        get_ipython=lambda: shell,
        display=noop,
        embed=noop,
    )
    ipy.display = module("IPython.display", **disp_names)
    ipy.core = module("IPython.core")
    ipy.core.display = module("IPython.core.display", **disp_names)
    ipy.core.magic = module(
        "IPython.core.magic",
        register_cell_magic=identity_decorator,
        register_line_magic=identity_decorator,
        register_line_cell_magic=identity_decorator,
        Magics=_Obj,
        magics_class=identity_decorator,
        line_magic=identity_decorator,
        cell_magic=identity_decorator,
    )
    ipy.core.getipython = module("IPython.core.getipython", get_ipython=lambda: shell)
    ipy.core.interactiveshell = module("IPython.core.interactiveshell", InteractiveShell=_Obj)
    ipy.core.interactiveshell.InteractiveShell.ast_node_interactivity = "last_expr"


DATASET_ITERATION_CAP = 2


def _cap_dataset_iteration():
    """Iterating a tf.data.Dataset yields at most DATASET_ITERATION_CAP elements.

    `fit` is already a no-op; this makes hand-written training loops (`for batch in dataset:
    train_step(...)`) finish in seconds instead of training for real.
    """
    import itertools

    from tensorflow.python.data.ops import dataset_ops

    real_iter = dataset_ops.DatasetV2.__iter__
    _State.impls["dataset_real_iter"] = real_iter

    def __iter__(self):
        return itertools.islice(real_iter(self), DATASET_ITERATION_CAP)

    dataset_ops.DatasetV2.__iter__ = __iter__


def install_prelude(notebook):
    import numpy as np

    np.random.seed(0)
    import keras
    from keras.src.models.functional import Functional
    from keras.src.models.model import Model
    from keras.src.models.sequential import Sequential

    try:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        _cap_dataset_iteration()
    except Exception:
        pass
    mod = type(sys)("_oracle_prelude")
    mod.IMPLS = _State.impls
    sys.modules["_oracle_prelude"] = mod
    for cls in (Model, Functional, Sequential):
        _wrap_init(cls)
    _install_model_stubs()
    _install_environment_stubs(notebook)
    keras.utils.set_random_seed(0)


# ----------------------------------------------------------------------------- running


def notebook_cells(path):
    """[(cell_index, code_cell_index, python_source)] for the code cells of a notebook."""
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    cells = nb.get("cells")
    if cells is None:  # nbformat 3
        cells = [c for ws in nb.get("worksheets", []) for c in ws.get("cells", [])]
    out = []
    code_idx = 0
    for idx, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", cell.get("input", ""))
        if isinstance(src, list):
            src = "".join(src)
        lines = src.split("\n")
        first = lines[0].strip() if lines else ""
        skip_cell = False
        if first.startswith("%%"):
            magic = first[2:].split()[0] if first[2:].split() else ""
            skip_cell = magic in NON_PYTHON_CELL_MAGICS
        new_lines = []
        in_magic = False  # a magic / shell line continued with a trailing backslash
        for line in lines:
            stripped = line.lstrip()
            if skip_cell:
                new_lines.append("")
            elif in_magic:
                new_lines.append("")
                in_magic = line.rstrip().endswith("\\")
            elif stripped.startswith(("%", "!")):
                indent = line[: len(line) - len(stripped)]
                new_lines.append(indent + "pass")
                in_magic = line.rstrip().endswith("\\")
            else:
                new_lines.append(line)
        out.append((idx, code_idx, "\n".join(new_lines)))
        code_idx += 1
    return out


def _error_record(exc):
    tb = exc.__traceback__
    pos = None
    while tb is not None:
        p = _user_frame_pos(tb.tb_frame)
        if p is not None:
            pos = {"cell": p["cell"], "line": tb.tb_lineno}
        tb = tb.tb_next
    if isinstance(exc, SyntaxError) and exc.filename in _State.user_files:
        pos = {"cell": _State.user_files[exc.filename], "line": exc.lineno}
    msg = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {msg[0] if msg else ''}".strip()
    if len(text) > 300:
        text = text[:297] + "..."
    return text, pos


def run_program(path):
    """Run the program; return (status, error, error_pos)."""
    notebook = path.endswith(".ipynb")
    abspath = os.path.abspath(path)
    globs = {"__name__": "__main__", "__file__": abspath, "__builtins__": __builtins__}
    sys.argv = [abspath]
    try:
        if notebook:
            units = []
            for cell_idx, code_idx, src in notebook_cells(abspath):
                fname = f"{abspath}#cell{cell_idx}"
                _State.user_files[fname] = cell_idx
                _State.code_cell_of[cell_idx] = code_idx
                units.append((fname, src))
        else:
            with open(abspath, "rb") as fh:
                src = fh.read()
            _State.user_files[abspath] = None
            units = [(abspath, src)]
        for fname, src in units:
            code = compile(src, fname, "exec")
            exec(code, globs)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            text, pos = _error_record(exc)
            return "error", f"SystemExit: {exc.code}", pos
    except BaseException as exc:  # noqa: BLE001 - everything a program can raise is its result
        if os.environ.get("ORACLE_DEBUG"):
            traceback.print_exc()
        text, pos = _error_record(exc)
        return "error", text, pos
    return "ok", None, None


# ----------------------------------------------------------------------------- serialising


def _jsonable(v):
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return str(v)


def _activation_name(layer, cfg):
    if cfg is not None and "activation" in cfg:
        act = cfg["activation"]
        if act is None or isinstance(act, str):
            return act
        if isinstance(act, dict):
            inner = act.get("config")
            if act.get("class_name") == "function" and isinstance(inner, str):
                return inner  # a plain (non-Keras) function, e.g. tf.nn.softmax -> softmax_v2
            if isinstance(inner, str):
                return inner
            return act.get("class_name")  # an activation object, e.g. LeakyReLU()
        return str(act)
    if cfg is None and hasattr(layer, "activation"):
        act = layer.activation
        if act is None:
            return None
        return getattr(act, "__name__", None) or type(act).__name__
    return None


def _units(layer, cfg):
    for key in ("units", "filters", "output_dim"):
        if cfg is not None and isinstance(cfg.get(key), int):
            return cfg[key]
    for key in ("units", "filters", "output_dim"):
        v = getattr(layer, key, None)
        if isinstance(v, int) and not isinstance(v, bool):
            return v
    return None


def _graph_nodes(model):
    """The set of node keys that belong to the model's graph, or None (subclassed, unbuilt)."""
    import keras

    if isinstance(model, keras.Sequential):
        func = getattr(model, "_functional", None)
        return getattr(func, "_nodes", None) if func is not None else None
    return getattr(model, "_nodes", None)


def _producer_name(tensor, prefix):
    hist = getattr(tensor, "_keras_history", None)
    if hist is None:
        return None
    return prefix + hist[0].name


def _inbound_nodes(op, nodes, prefix):
    from keras.src.ops.function import make_node_key

    calls = []
    for idx, node in enumerate(getattr(op, "_inbound_nodes", [])):
        if make_node_key(op, idx) not in nodes:
            continue
        names = []
        for t in node.input_tensors:
            n = _producer_name(t, prefix)
            if n is not None:
                names.append(n)
        calls.append(names)
    return calls


def _model_layers(model):
    import keras
    from keras.src.layers.core.input_layer import InputLayer

    if isinstance(model, keras.Sequential):
        layers = list(model._layers)
        hidden_input = bool(layers) and isinstance(layers[0], InputLayer)
        return layers, hidden_input
    return list(model.layers), False


def _layer_records(model, prefix, captured_index, seen):
    import keras
    from keras.src.layers.layer import Layer

    layers, hidden_input = _model_layers(model)
    nodes = _graph_nodes(model)
    is_seq = isinstance(model, keras.Sequential)
    records = []
    nested_ops = []
    prev = None
    for pos, layer in enumerate(layers):
        try:
            cfg = layer.get_config()
        except Exception:
            cfg = None
        rec = {
            "class": type(layer).__name__,
            "name": prefix + layer.name,
            "units": _units(layer, cfg),
            "activation": _activation_name(layer, cfg),
        }
        if nodes is not None:
            calls = _inbound_nodes(layer, nodes, prefix)
            rec["inbound"] = [n for call in calls for n in call]
            rec["inbound_calls"] = calls
            rec["inbound_source"] = "graph"
        elif is_seq:
            rec["inbound"] = [prefix + prev.name] if prev is not None else []
            rec["inbound_calls"] = [rec["inbound"]] if prev is not None else []
            rec["inbound_source"] = "order"
        else:
            rec["inbound"] = []
            rec["inbound_calls"] = []
            rec["inbound_source"] = "none"
        if is_seq and hidden_input and pos == 0:
            rec["in_model_layers"] = False  # Sequential.layers hides its InputLayer
        if cfg is None:
            rec["config_error"] = True
        if isinstance(layer, keras.Model):
            rec["nested_model"] = captured_index.get(id(layer))
        records.append(rec)
        prev = layer
        if isinstance(layer, keras.Model) and id(layer) not in seen:
            inner, inner_ops = _layer_records(
                layer, prefix + layer.name + "/", captured_index, seen | {id(layer)}
            )
            records.extend(inner)
            nested_ops.extend(inner_ops)
    # non-layer operations of a functional graph (keras.ops.* applied to KerasTensors)
    ops = []
    func = getattr(model, "_functional", None) if is_seq else model
    for op in getattr(func, "_operations", None) or []:
        if not isinstance(op, Layer):
            calls = _inbound_nodes(op, nodes or set(), prefix)
            ops.append(
                {
                    "class": type(op).__name__,
                    "name": prefix + op.name,
                    "inbound": [n for c in calls for n in c],
                }
            )
    return records, ops + nested_ops


def _loss_name(loss):
    from keras.src.losses.loss import Loss

    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, (list, tuple)):
        return [_loss_name(x) for x in loss]
    if isinstance(loss, dict):
        return {str(k): _loss_name(v) for k, v in loss.items()}
    if isinstance(loss, Loss):
        return type(loss).__name__
    return getattr(loss, "__name__", None) or type(loss).__name__


def _from_logits(loss):
    from keras.src.losses.loss import Loss

    if loss is None:
        return None
    if isinstance(loss, (list, tuple)):
        return [_from_logits(x) for x in loss]
    if isinstance(loss, dict):
        return {str(k): _from_logits(v) for k, v in loss.items()}
    if isinstance(loss, Loss):
        try:
            cfg = loss.get_config()
        except Exception:
            cfg = {}
        v = cfg.get("from_logits", getattr(loss, "from_logits", None))
        return bool(v) if v is not None else None
    name = loss if isinstance(loss, str) else getattr(loss, "__name__", "")
    if "crossentropy" in name.lower().replace("_", "") or name.lower() in ("bce", "cce", "scce"):
        return False  # the string / function form uses Keras' default from_logits=False
    return None


def _optimizer_info(model):
    opt = getattr(model, "optimizer", None)
    if opt is None:
        return None, None, None
    inner = getattr(opt, "inner_optimizer", None)
    if inner is not None:
        opt = inner
    lr = None
    schedule = None
    try:
        raw = opt._learning_rate
        from keras.src.optimizers.schedules.learning_rate_schedule import LearningRateSchedule

        if isinstance(raw, LearningRateSchedule):
            schedule = type(raw).__name__
    except Exception:
        pass
    try:
        import numpy as np

        lr = float(f"{float(np.asarray(opt.learning_rate)):.7g}")
    except Exception:
        lr = None
    return type(opt).__name__, lr, schedule


def describe_models():
    import keras

    captured_index = {id(m): i for i, m in enumerate(_State.models)}
    out = []
    for i, model in enumerate(_State.models):
        info = _State.infos[id(model)] or {"pos": None, "stack": [], "type_at_init": None}
        pos = info["pos"] or {"cell": None, "line": None}
        rec = {
            "index": i,
            "class": type(model).__name__,
            "name": getattr(model, "name", None),
            "line": pos["line"],
            "cell": pos["cell"],
            "code_cell": _State.code_cell_of.get(pos["cell"]) if pos["cell"] is not None else None,
            "stack": info["stack"],
            "compiled": bool(getattr(model, "compiled", False)),
            "submodel_of": None,
            "submodel_of_all": [],
            "built": bool(getattr(model, "built", False)),
        }
        try:
            layers, ops = _layer_records(model, "", captured_index, {id(model)})
            rec["layers"] = layers
            if ops:
                rec["operations"] = ops
        except Exception as exc:  # noqa: BLE001
            rec["layers"] = []
            rec["layers_error"] = f"{type(exc).__name__}: {exc}"[:300]
        loss = getattr(model, "loss", None) if rec["compiled"] else None
        rec["loss"] = _jsonable(_loss_name(loss))
        rec["from_logits"] = _jsonable(_from_logits(loss))
        opt_name, lr, schedule = _optimizer_info(model) if rec["compiled"] else (None, None, None)
        rec["optimizer"] = opt_name
        rec["learning_rate"] = lr
        if schedule:
            rec["learning_rate_schedule"] = schedule
        calls = _State.compile_calls.get(id(model), [])
        if calls:
            last = calls[-1]
            rec["compile_calls"] = [c["pos"] for c in calls]
            rec["optimizer_arg"] = _jsonable(last["optimizer_arg"])
            rec["loss_arg"] = _jsonable(last["loss_arg"])
            rec["metrics"] = _jsonable(_describe_arg(last["metrics_raw"]))
        out.append(rec)
    # sub-model relations: which captured models list this one among their direct layers
    for j, outer in enumerate(_State.models):
        try:
            direct = _model_layers(outer)[0]
        except Exception:
            continue
        for layer in direct:
            i = captured_index.get(id(layer))
            if i is not None and i != j:
                out[i]["submodel_of_all"].append(j)
    for rec in out:
        if rec["submodel_of_all"]:
            rec["submodel_of"] = rec["submodel_of_all"][0]
    del keras
    return out


def child_main(program, out_path, budget):
    notebook = program.endswith(".ipynb")
    t0 = time.time()
    result = {
        "program": os.path.basename(program),
        "status": "error",
        "error": None,
        "error_at": None,
        "models": [],
    }
    try:
        install_prelude(notebook)
    except BaseException as exc:  # noqa: BLE001
        result["error"] = (
            "prelude failed: "
            + "".join(traceback.format_exception_only(type(exc), exc)).strip()[:300]
        )
        _write(out_path, result)
        return

    def on_alarm(signum, frame):
        signal.alarm(5)  # if the program swallows it, try again
        raise OracleTimeout(f"timeout: the program ran for more than {budget} s")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(budget)
    status, error, error_at = run_program(program)
    signal.alarm(0)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    result["status"] = status
    result["error"] = error
    result["error_at"] = error_at
    try:
        result["models"] = describe_models()
    except BaseException as exc:  # noqa: BLE001
        result["describe_error"] = f"{type(exc).__name__}: {exc}"[:300]
    result["seconds"] = round(time.time() - t0, 1)
    _write(out_path, result)


def _format(value, indent=0, key=None):
    """JSON with one line per layer / operation / stack entry (small, diff-friendly files)."""
    pad = " " * indent
    if isinstance(value, dict) and value and key not in _INLINE_DICT_KEYS:
        items = [
            f"{pad} {json.dumps(k)}: {_format(v, indent + 1, k).lstrip()}" for k, v in value.items()
        ]
        return pad + "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and value and key in _ONE_PER_LINE_KEYS:
        items = [pad + " " + json.dumps(v, ensure_ascii=False) for v in value]
        return pad + "[\n" + ",\n".join(items) + "\n" + pad + "]"
    if isinstance(value, list) and value and any(isinstance(v, dict) for v in value):
        items = [_format(v, indent + 1) for v in value]
        return pad + "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return pad + json.dumps(value, ensure_ascii=False)


_ONE_PER_LINE_KEYS = {"layers", "operations", "stack", "compile_calls"}
_INLINE_DICT_KEYS = {
    "error_at",
    "metrics",
    "loss",
    "from_logits",
    "loss_arg",
    "optimizer_arg",
    "models_by_class",
    "error_classes",
}


def _write(path, obj):
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(_format(obj))
        fh.write("\n")


# =====================================================================================
# parent side
# =====================================================================================


def classify_error(err):
    """A coarse class for an error line (for SUMMARY.json and the README)."""
    if err is None:
        return None
    e = err
    low = e.lower()
    kind = e.split(":", 1)[0]
    if kind == "OracleTimeout" or low.startswith("timeout"):
        return "timeout"
    if "exit -9" in low or kind in ("MemoryError", "ResourceExhaustedError") or " oom " in low:
        return "out of memory"
    if "offline:" in low or "urlerror" in low:
        return "download (no network)"
    if kind in ("ModuleNotFoundError", "ImportError"):
        if "'keras" in low or "from 'keras" in low or "keras." in low.split("(")[0]:
            return "Keras 3: removed module or name (import)"
        return "missing package or local module"
    if kind in ("SyntaxError", "IndentationError", "TabError"):
        return "syntax error in the published code"
    if (
        "module 'tensorflow' has no attribute" in low
        or "tf.compat.v1" in low
        or "tensorflow.python.training" in low
    ):
        return "TensorFlow 1 API"
    if (
        kind in ("FileNotFoundError", "IsADirectoryError", "NotFoundError")
        or "no such file" in low
        or "file not found" in low
        or "could not find directory" in low
    ):
        return "missing data file (or a file the skipped training would have written)"
    if (
        "argument(s) not recognized" in low
        or "unrecognized keyword argument" in low
        or "unexpected keyword argument" in low
        or "required positional argument" in low
        or "must be passed as a keyword" in low
    ):
        return "Keras 3: removed or renamed argument"
    if kind == "AttributeError" and ("keras" in low or "object has no attribute" in low):
        return "Keras 3: removed attribute or method"
    if kind in ("ValueError", "TypeError", "NotImplementedError", "RuntimeError") and any(
        w in low
        for w in (
            "keras",
            "layer",
            "tensor",
            "optimizer",
            "shape",
            "filepath",
            "units",
            "model",
            "theano",
            "backend",
        )
    ):
        return "Keras 3: stricter check or changed behaviour"
    if kind == "NameError":
        return "incomplete snippet (NameError)"
    return "runtime error"


CHILD_MEMORY_LIMIT = 9 * 2**30  # address space per program: two at a time fit in 24 GiB


def _limit_memory():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_LIMIT, CHILD_MEMORY_LIMIT))


def run_one(name, python, timeout, out_dir=None):
    program = os.path.join(PROGRAMS, name)
    out_json = os.path.join(out_dir or TRUTH, name + ".json")
    env = dict(os.environ)
    env.update(
        {
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "TF_ENABLE_ONEDNN_OPTS": "0",
            "CUDA_VISIBLE_DEVICES": "",
            "KERAS_BACKEND": "tensorflow",
            "OMP_NUM_THREADS": "1",
            "MPLBACKEND": "Agg",
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "no_proxy": "*",
            "PYTHONWARNINGS": "ignore",
        }
    )
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="oracle_") as work:
        tmp_out = os.path.join(work, "_oracle_result.json")
        log = os.path.join(work, "_oracle_log.txt")
        budget = max(timeout - CHILD_ALARM_MARGIN, 10)
        cmd = [python, os.path.abspath(__file__), "--child", program, tmp_out, str(budget)]
        with open(log, "wb") as logfh:
            proc = subprocess.Popen(
                cmd,
                cwd=work,
                env=env,
                stdout=logfh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_limit_memory,
            )
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if os.path.exists(tmp_out):
            with open(tmp_out, encoding="utf-8") as fh:
                result = json.load(fh)
        else:
            with open(log, "rb") as fh:
                tail = fh.read()[-2000:].decode("utf-8", "replace").strip().splitlines()
            reason = (
                f"timeout: killed after {timeout} s"
                if time.time() - t0 >= timeout
                else f"child died (exit {proc.returncode}): {tail[-1] if tail else ''}"
            )
            result = {
                "program": name,
                "status": "error",
                "error": reason[:300],
                "error_at": None,
                "models": [],
            }
    result["program"] = name
    result["error_class"] = classify_error(result.get("error"))
    ordered = {k: result.get(k) for k in ("program", "status", "error", "error_class", "error_at")}
    ordered["models"] = result.get("models", [])
    for k, v in result.items():
        if k not in ordered and k != "seconds":
            ordered[k] = v
    _write(out_json, ordered)
    return name, ordered, time.time() - t0


def parent_main(args):
    os.makedirs(args.out or TRUTH, exist_ok=True)
    names = sorted(n for n in os.listdir(PROGRAMS) if n.endswith((".py", ".ipynb")))
    if args.missing:
        names = [n for n in names if not os.path.exists(os.path.join(TRUTH, n + ".json"))]
    if args.only:
        wanted = set(args.only)
        names = [n for n in names if n in wanted or os.path.splitext(n)[0] in wanted]
    python = args.python
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, min(args.jobs, 2))) as pool:
        for name, res, secs in pool.map(
            lambda n: run_one(n, python, args.timeout, args.out), names
        ):
            done += 1
            print(
                f"[{done}/{len(names)}] {res['status']:5} {len(res['models']):2} models "
                f"{secs:6.1f}s {name}  {res.get('error') or ''}"[:220],
                flush=True,
            )
    if args.out is None:
        write_summary()


def write_summary():
    files = sorted(n for n in os.listdir(PROGRAMS) if n.endswith((".py", ".ipynb")))
    summary = {
        "programs": 0,
        "py": 0,
        "ipynb": 0,
        "ok": 0,
        "error": 0,
        "missing_truth": 0,
        "ok_with_models": 0,
        "models": 0,
        "models_in_ok_programs": 0,
        "models_by_class": {},
        "error_classes": {},
        "errors": {},
    }
    for name in files:
        summary["programs"] += 1
        summary["ipynb" if name.endswith(".ipynb") else "py"] += 1
        path = os.path.join(TRUTH, name + ".json")
        if not os.path.exists(path):
            summary["missing_truth"] += 1
            continue
        with open(path, encoding="utf-8") as fh:
            res = json.load(fh)
        n_models = len(res.get("models", []))
        summary["models"] += n_models
        for m in res.get("models", []):
            cls = m["class"] if m["class"] in ("Sequential", "Functional") else "subclass"
            summary["models_by_class"][cls] = summary["models_by_class"].get(cls, 0) + 1
        if res["status"] == "ok":
            summary["ok"] += 1
            summary["models_in_ok_programs"] += n_models
            if n_models:
                summary["ok_with_models"] += 1
        else:
            summary["error"] += 1
            cls = classify_error(res.get("error"))
            if cls != res.get("error_class"):  # classification rules changed: refresh the file
                res["error_class"] = cls
                _write(path, res)
            summary["error_classes"][cls] = summary["error_classes"].get(cls, 0) + 1
            summary["errors"][name] = res.get("error")
    _write(os.path.join(TRUTH, "SUMMARY.json"), summary)
    print(json.dumps({k: v for k, v in summary.items() if k != "errors"}, indent=1))


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "--child":
        program, out_path = sys.argv[2], sys.argv[3]
        budget = int(sys.argv[4]) if len(sys.argv) > 4 else 100
        sys.argv = [program]
        child_main(program, out_path, budget)
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", help="program file name (repeatable)")
    ap.add_argument("--jobs", type=int, default=2, help="programs at a time (at most 2)")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per program")
    ap.add_argument(
        "--python",
        default=DEFAULT_PYTHON if os.path.exists(DEFAULT_PYTHON) else sys.executable,
        help="interpreter with Keras installed",
    )
    ap.add_argument(
        "--missing", action="store_true", help="only programs that have no truth file yet"
    )
    ap.add_argument("--summary-only", action="store_true", help="rewrite truth/SUMMARY.json")
    ap.add_argument("--out", help="write the truth files here instead of truth/ (no SUMMARY)")
    args = ap.parse_args()
    if args.summary_only:
        write_summary()
        return
    parent_main(args)


if __name__ == "__main__":
    main()
