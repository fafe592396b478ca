"""The corpus: buggy models with their fixed twins and expected findings, and sound models.

Every bug case is one builder ``build(keras, fixed)`` that constructs and compiles a real Keras
model the way its buggy author would (``fixed=False``) or with only the bug fixed
(``fixed=True``). Layers are named, so expected findings can name them. A case records:

- ``kind``: the bug kind (:data:`KINDS`, with the study categories it stands for);
- ``lint``: the findings ``modelcheck lint`` must report, each a code and the layer path it
  must name (``None``: a model-level finding, e.g. the optimizer's learning rate); all of
  them are expected;
- ``probe``: the symptoms ``modelcheck probe`` can measure when the bug harms learning on the
  probe data (MP codes, with the layer where they must appear): a dead or collapsed output,
  a NaN or stalled loss, accuracy far below the task's, inputs out of range... Any one of
  them detects the bug: which one shows first depends on the training run. Empty when the
  bug does not harm learning on that data (the twin and the buggy model learn alike: the
  evaluation prints both accuracies), or when the probe cannot train the model at all;
- ``data`` / ``fixed_data``: the probe data for the buggy model and for its twin:
  ``colored-mnist``, ``synthetic``, or ``npz:NAME`` for one of :data:`NPZ_DATA` (written by
  :mod:`corpus.build`, e.g. raw 0..255 pixels for the unscaled-input kind).

A case counts as *detected* by a tool when the tool reports at least one of the expected
codes (as a warning or an error), and *localised* when it reports it at the expected layer;
the fixed twin and the sound models must get no warning and no error at all.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# ----------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class Expect:
    """One expected finding: a rule/check code and the layer path it must name (``None``: a
    model-level finding with no layer)."""

    code: str
    layer: str | None = None

    @classmethod
    def parse(cls, text: str) -> Expect:
        """``"MC301@head"`` -> ``Expect("MC301", "head")``; ``"MC501"`` -> model level."""
        code, _, layer = text.partition("@")
        return cls(code.strip(), layer.strip() or None)

    def __str__(self) -> str:
        return f"{self.code}@{self.layer}" if self.layer else self.code


@dataclass(frozen=True)
class Kind:
    """A bug kind: what it is and the study categories it stands for."""

    key: str
    title: str
    studies: str

    @property
    def tools(self) -> str:
        """``lint``, ``probe`` or ``lint + probe``: the tools its cases expect findings from."""
        cases = [c for c in CASES if c.kind == self.key]
        found = [t for t in ("lint", "probe") if any(getattr(c, t) for c in cases)]
        return " + ".join(found) or "neither"


@dataclass(frozen=True)
class Case:
    """A buggy model, its fixed twin and what modelcheck must report on the buggy one."""

    id: str
    kind: str
    summary: str  # the bug, in one line
    layer: str | None  # where the bug sits (layer path; None for model-level bugs)
    fix: str  # what the twin changes
    build: Callable[[Any, bool], Any] = field(repr=False)
    lint: tuple[Expect, ...] = ()
    probe: tuple[Expect, ...] = ()
    data: str = "colored-mnist"
    fixed_data: str | None = None

    @property
    def twin_data(self) -> str:
        return self.fixed_data or self.data


@dataclass(frozen=True)
class Sound:
    """A sound model: no warning and no error expected from either tool."""

    id: str
    summary: str
    build: Callable[[Any], Any] = field(repr=False)
    data: str = "colored-mnist"


CASES: list[Case] = []
SOUND: list[Sound] = []


def bug(
    kind: str,
    *,
    summary: str,
    layer: str | None,
    fix: str,
    lint: Iterable[str] = (),
    probe: Iterable[str] = (),
    data: str = "colored-mnist",
    fixed_data: str | None = None,
) -> Callable[[Callable[[Any, bool], Any]], Callable[[Any, bool], Any]]:
    """Register ``build(keras, fixed)`` as a bug case named after the function."""

    def register(build: Callable[[Any, bool], Any]) -> Callable[[Any, bool], Any]:
        if kind not in KINDS:
            raise ValueError(f"unknown bug kind {kind!r} for {build.__name__}")
        CASES.append(
            Case(
                id=build.__name__.replace("_", "-"),
                kind=kind,
                summary=summary,
                layer=layer,
                fix=fix,
                build=build,
                lint=tuple(Expect.parse(t) for t in lint),
                probe=tuple(Expect.parse(t) for t in probe),
                data=data,
                fixed_data=fixed_data,
            )
        )
        return build

    return register


def sound(
    *, summary: str, data: str = "colored-mnist"
) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Register ``build(keras)`` as a sound model named after the function."""

    def register(build: Callable[[Any], Any]) -> Callable[[Any], Any]:
        SOUND.append(Sound(build.__name__.replace("_", "-"), summary, build, data))
        return build

    return register


def select(pattern: str | None = None) -> tuple[list[Case], list[Sound]]:
    """Cases and sound models whose id (or kind, for cases) matches a glob (all by default;
    a plain word matches as ``*word*``)."""
    if not pattern:
        return list(CASES), list(SOUND)
    pat = pattern if any(c in pattern for c in "*?[") else f"*{pattern}*"
    cases = [c for c in CASES if fnmatch.fnmatch(c.id, pat) or fnmatch.fnmatch(c.kind, pat)]
    sounds = [s for s in SOUND if fnmatch.fnmatch(s.id, pat)]
    return cases, sounds


# ----------------------------------------------------------------------------- bug kinds

H20 = "Humbatova et al. 2020"
I19 = "Islam et al. 2019"
Z18 = "Zhang et al. 2018"

KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind(
            "one-unit-softmax",
            "Softmax over a single output unit",
            f"{H20}: Model > Layers > Activation function (wrong activation function); "
            f"{I19}: structural bug, wrong model structure; {Z18}: IPS",
        ),
        Kind(
            "relu-output-head",
            "ReLU on the output logits",
            f"{H20}: Model > Layers > Activation function (wrong activation in the output "
            f"layer); {I19}: model bug (activation); {Z18}: IPS",
        ),
        Kind(
            "squashed-logits",
            "Sigmoid/tanh applied to the logits a softmax reads",
            f"{H20}: Model > Layers > Activation function (wrong / redundant activation); "
            f"{I19}: model bug (activation)",
        ),
        Kind(
            "head-loss-mismatch",
            "Output activation that does not fit the loss",
            f"{H20}: Training > Loss function (wrong loss function) and Model > Layers > "
            f"Activation function (missing softmax); {I19}: model bug (loss function); {Z18}: IPS",
        ),
        Kind(
            "wrong-loss",
            "A classifier trained with a regression or binary loss",
            f"{H20}: Training > Loss function (wrong loss function selected); {I19}: model bug "
            f"(loss function); {Z18}: IPS",
        ),
        Kind(
            "bounded-regression-head",
            "A regression output clipped or squashed by its activation",
            f"{H20}: Model > Layers > Activation function (wrong activation in the output "
            f"layer); {Z18}: IPS",
        ),
        Kind(
            "missing-activation",
            "Weight layers stacked without a nonlinearity",
            f"{H20}: Model > Layers > Activation function (missing activation function); "
            f"{I19}: model bug (activation)",
        ),
        Kind(
            "double-activation",
            "An activation applied twice (fused and as a separate layer)",
            f"{H20}: Model > Layers > Missing/redundant/wrong layer (redundant softmax / "
            f"activation layer)",
        ),
        Kind(
            "missing-flatten",
            "A feature map fed to Dense without Flatten or global pooling",
            f"{H20}: Model > Layers > Missing/redundant/wrong layer (missing flatten layer); "
            f"{Z18}: UT (unaligned tensor); {I19}: data flow bug",
        ),
        Kind(
            "collapsing-feature-map",
            "A feature map shrunk below the next kernel or pooling window",
            f"{H20}: Model > Layers > Layer properties (wrong filter size, wrong amount of "
            f"pooling); {Z18}: UT",
        ),
        Kind(
            "channels-first-input",
            "Channels-first images read by channels-last layers",
            f"{H20}: Tensors & Inputs > Wrong input (wrong input format / shape); {Z18}: UT",
        ),
        Kind(
            "unscaled-input",
            "Raw-range inputs (0..255 pixels, raw tabular units) with no scaling",
            f"{H20}: Training > Preprocessing of training data (missing normalisation / "
            f"scaling); {I19}: data bug",
        ),
        Kind(
            "learning-rate-too-large",
            "A learning rate far above its optimizer's usual range",
            f"{H20}: Training > Hyperparameters (suboptimal learning rate); {Z18}: IPS (NaN "
            f"loss); {I19}: model bug (hyperparameters)",
        ),
        Kind(
            "learning-rate-too-small",
            "A learning rate far below its optimizer's usual range",
            f"{H20}: Training > Hyperparameters (suboptimal learning rate); {I19}: model bug "
            f"(hyperparameters)",
        ),
        Kind(
            "saturating-stack",
            "A deep stack of sigmoid/tanh layers (vanishing gradients)",
            f"{H20}: Model > Layers > Activation function (wrong activation function) and "
            f"Model type & properties (suboptimal network structure)",
        ),
        Kind(
            "dead-relu-init",
            "A ReLU layer initialised so that its units never fire",
            f"{H20}: Model > Model type & properties (wrong weight initialisation)",
        ),
        Kind(
            "high-dropout",
            "A dropout rate that drops most of the signal (keep-probability given as rate)",
            f"{H20}: Training > Hyperparameters (suboptimal hyperparameter), Model > Layers "
            f"> Layer properties",
        ),
    )
}


# ----------------------------------------------------------------------------- builders
# Shared shapes: colored MNIST images are (28, 28, 3); synthetic vectors have 20 features.

N_FEATURES = 20
#: The raw scales of the "raw-features" data: feature i is standardised * RAW_SCALE[i] +
#: RAW_OFFSET[i] (scales from 1 to 1000: values from about 1 to 9,000, all positive, like
#: prices, areas and counts).
RAW_SCALE = tuple(round(10 ** (3 * i / (N_FEATURES - 1)), 3) for i in range(N_FEATURES))
RAW_OFFSET = tuple(round(5.0 * s, 3) for s in RAW_SCALE)


def _compile(model: Any, loss: Any, optimizer: Any = "adam") -> Any:
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model


def _cnn_body(L: Any, act: str | None = "relu") -> list[Any]:
    """conv1 -> pool1 -> conv2 -> pool2 -> flatten: the small CNN most cases share."""
    return [
        L.Conv2D(16, 3, padding="same", activation=act, name="conv1"),
        L.MaxPooling2D(name="pool1"),
        L.Conv2D(32, 3, padding="same", activation=act, name="conv2"),
        L.MaxPooling2D(name="pool2"),
        L.Flatten(name="flatten"),
    ]


def _pixels(keras: Any, shape: tuple[int, ...] = (28, 28, 3)) -> Any:
    return keras.Input(shape, name="pixels")


def _features(keras: Any, n: int = N_FEATURES) -> Any:
    return keras.Input((n,), name="features")


# -- one-unit softmax ----------------------------------------------------------------------


@bug(
    "one-unit-softmax",
    summary="binary MLP with Dense(1, softmax) under binary cross-entropy",
    layer="head",
    fix='Dense(1, activation="sigmoid")',
    lint=["MC301@head"],
    probe=["MP201@head", "MP202@head"],
    data="synthetic",
)
def softmax1_mlp(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _features(keras),
            L.Dense(32, activation="relu", name="hidden"),
            L.Dense(1, activation="sigmoid" if fixed else "softmax", name="head"),
        ],
        name="softmax1_mlp",
    )
    return _compile(model, "binary_crossentropy")


@bug(
    "one-unit-softmax",
    summary="functional binary CNN: Dense(1) then Activation('softmax')",
    layer="prob",
    fix='Activation("sigmoid")',
    lint=["MC301@prob"],
    probe=["MP201@prob", "MP202@prob"],
)
def softmax1_cnn_functional(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    inputs = _pixels(keras)
    x = inputs
    for layer in _cnn_body(L):
        x = layer(x)
    x = L.Dense(1, name="logit")(x)
    outputs = L.Activation("sigmoid" if fixed else "softmax", name="prob")(x)
    model = keras.Model(inputs, outputs, name="softmax1_cnn_functional")
    return _compile(model, keras.losses.BinaryCrossentropy())


@bug(
    "one-unit-softmax",
    summary="MLP on flattened digits (digit >= 5?) with Dense(1, softmax)",
    layer="head",
    fix='Dense(1, activation="sigmoid")',
    lint=["MC301@head"],
    probe=["MP201@head", "MP202@head"],
)
def softmax1_digits_mlp(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            keras.Input((784,), name="pixels"),
            L.Dense(128, activation="relu", name="hidden"),
            L.Dense(1, activation="sigmoid" if fixed else "softmax", name="head"),
        ],
        name="softmax1_digits_mlp",
    )
    return _compile(model, "binary_crossentropy", keras.optimizers.RMSprop(1e-3))


@bug(
    "one-unit-softmax",
    summary="binary labels, Dense(1, softmax) and categorical cross-entropy (the loss is always 0)",
    layer="head",
    fix='Dense(1, activation="sigmoid") and binary_crossentropy',
    lint=["MC301@head"],
    probe=["MP201@head", "MP202@head"],
    data="synthetic",
)
def softmax1_categorical(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    inputs = _features(keras)
    x = L.Dense(64, activation="relu", name="hidden")(inputs)
    outputs = L.Dense(1, activation="sigmoid" if fixed else "softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name="softmax1_categorical")
    return _compile(model, "binary_crossentropy" if fixed else "categorical_crossentropy")


# -- ReLU output head -----------------------------------------------------------------------


@bug(
    "relu-output-head",
    summary="story 2: CNN whose Dense(10, relu) head feeds categorical cross-entropy",
    layer="head",
    fix='Dense(10, activation="softmax")',
    lint=["MC302@head"],
    probe=["MP401", "MP201@head", "MP202@head", "MP101@head"],
)
def relu_head_cnn(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _pixels(keras),
            *_cnn_body(L),
            L.Dense(64, activation="relu", name="hidden"),
            L.Dense(10, activation="softmax" if fixed else "relu", name="head"),
        ],
        name="relu_head_cnn",
    )
    return _compile(model, keras.losses.CategoricalCrossentropy())


@bug(
    "relu-output-head",
    summary="story 1: Dense(10, relu) logits read by a Softmax layer",
    layer="logits",
    fix="Dense(10) (linear logits)",
    lint=["MC203@logits"],
    probe=["MP101@logits", "MP301@logits", "MP202@probs"],
)
def relu_logits_softmax_cnn(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    inputs = _pixels(keras)
    x = inputs
    for layer in _cnn_body(L):
        x = layer(x)
    x = L.Dense(10, activation=None if fixed else "relu", name="logits")(x)
    outputs = L.Softmax(name="probs")(x)
    model = keras.Model(inputs, outputs, name="relu_logits_softmax_cnn")
    return _compile(model, "categorical_crossentropy")


@bug(
    "relu-output-head",
    summary="3-class functional MLP with a Dense(3, relu) head, sparse cross-entropy",
    layer="head",
    fix='Dense(3, activation="softmax")',
    lint=["MC302@head"],
    data="synthetic",
)
def relu_head_mlp(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    inputs = _features(keras)
    x = L.Dense(64, activation="relu", name="hidden1")(inputs)
    x = L.Dense(32, activation="relu", name="hidden2")(x)
    outputs = L.Dense(3, activation="softmax" if fixed else "relu", name="head")(x)
    model = keras.Model(inputs, outputs, name="relu_head_mlp")
    return _compile(model, "sparse_categorical_crossentropy")


@bug(
    "relu-output-head",
    summary="binary MLP with a Dense(1, relu) output under binary cross-entropy",
    layer="head",
    fix='Dense(1, activation="sigmoid")',
    lint=["MC302@head"],
    data="synthetic",
)
def relu_head_binary(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _features(keras),
            L.Dense(32, activation="relu", name="hidden"),
            L.Dense(1, activation="sigmoid" if fixed else "relu", name="head"),
        ],
        name="relu_head_binary",
    )
    return _compile(model, "binary_crossentropy")


@bug(
    "relu-output-head",
    summary="MLP on flattened digits with a Dense(10, relu) head, sparse cross-entropy",
    layer="head",
    fix='Dense(10, activation="softmax")',
    lint=["MC302@head"],
    probe=["MP401", "MP201@head", "MP202@head", "MP101@head"],
)
def relu_head_digits_mlp(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            keras.Input((784,), name="pixels"),
            L.Dense(128, activation="relu", name="hidden"),
            L.Dense(10, activation="softmax" if fixed else "relu", name="head"),
        ],
        name="relu_head_digits_mlp",
    )
    return _compile(model, "sparse_categorical_crossentropy")


# -- squashed logits --------------------------------------------------------------------------


@bug(
    "squashed-logits",
    summary="MLP whose Dense(5, tanh) logits feed a Softmax layer",
    layer="logits",
    fix="Dense(5) (linear logits)",
    lint=["MC203@logits"],
    data="synthetic",
)
def tanh_logits_mlp(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _features(keras),
            L.Dense(64, activation="relu", name="hidden"),
            L.Dense(5, activation=None if fixed else "tanh", name="logits"),
            L.Softmax(name="probs"),
        ],
        name="tanh_logits_mlp",
    )
    return _compile(model, "sparse_categorical_crossentropy")


@bug(
    "squashed-logits",
    summary="CNN whose Dense(10, sigmoid) logits feed Activation('softmax')",
    layer="logits",
    fix="Dense(10) (linear logits)",
    lint=["MC203@logits"],
)
def sigmoid_logits_cnn(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _pixels(keras),
            *_cnn_body(L),
            L.Dense(10, activation=None if fixed else "sigmoid", name="logits"),
            L.Activation("softmax", name="probs"),
        ],
        name="sigmoid_logits_cnn",
    )
    return _compile(model, "categorical_crossentropy")


@bug(
    "squashed-logits",
    summary="functional MLP: a separate Activation('tanh') and Dropout between logits and softmax",
    layer="squash",
    fix="Activation('linear') instead of tanh (the logits stay linear)",
    lint=["MC203@squash"],
    data="synthetic",
)
def tanh_layer_dropout_softmax(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    inputs = _features(keras)
    x = L.Dense(32, activation="relu", name="hidden")(inputs)
    x = L.Dense(4, name="logits")(x)
    x = L.Activation("linear" if fixed else "tanh", name="squash")(x)
    x = L.Dropout(0.1, name="drop")(x)
    outputs = L.Activation("softmax", name="probs")(x)
    model = keras.Model(inputs, outputs, name="tanh_layer_dropout_softmax")
    return _compile(model, "sparse_categorical_crossentropy")


# -- output activation vs loss ---------------------------------------------------------------


@bug(
    "head-loss-mismatch",
    summary="3-class MLP with a linear head under sparse cross-entropy (from_logits=False)",
    layer="head",
    fix="loss SparseCategoricalCrossentropy(from_logits=True)",
    lint=["MC302@head"],
    probe=["MP301@head", "MP401", "MP201@head", "MP202@head", "MP203"],
    data="synthetic",
)
def linear_head_without_from_logits(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _features(keras),
            L.Dense(64, activation="relu", name="hidden"),
            L.Dense(3, name="head"),
        ],
        name="linear_head_without_from_logits",
    )
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=fixed)
    return _compile(model, loss)


@bug(
    "head-loss-mismatch",
    summary="CNN with a linear Dense(10) head (softmax forgotten) under categorical cross-entropy",
    layer="head",
    fix='Dense(10, activation="softmax")',
    lint=["MC302@head"],
    probe=["MP301@head", "MP401", "MP201@head", "MP202@head", "MP203"],
)
def missing_softmax_cnn(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _pixels(keras),
            *_cnn_body(L),
            L.Dense(10, activation="softmax" if fixed else None, name="head"),
        ],
        name="missing_softmax_cnn",
    )
    return _compile(model, "categorical_crossentropy")


@bug(
    "head-loss-mismatch",
    summary="CNN with a softmax head and a loss told from_logits=True",
    layer="head",
    fix="Dense(10) (linear logits), keep from_logits=True",
    lint=["MC303@head"],
)
def softmax_with_from_logits(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _pixels(keras),
            *_cnn_body(L),
            L.Dense(10, activation=None if fixed else "softmax", name="head"),
        ],
        name="softmax_with_from_logits",
    )
    return _compile(model, keras.losses.SparseCategoricalCrossentropy(from_logits=True))


@bug(
    "head-loss-mismatch",
    summary="4-class MLP with a sigmoid head under categorical cross-entropy",
    layer="head",
    fix='Dense(4, activation="softmax")',
    lint=["MC305@head"],
    data="synthetic",
)
def sigmoid_with_categorical(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _features(keras),
            L.Dense(64, activation="relu", name="hidden"),
            L.Dense(4, activation="softmax" if fixed else "sigmoid", name="head"),
        ],
        name="sigmoid_with_categorical",
    )
    return _compile(model, "categorical_crossentropy")


@bug(
    "head-loss-mismatch",
    summary="binary CNN: sigmoid output and BinaryCrossentropy(from_logits=True)",
    layer="head",
    fix="BinaryCrossentropy(from_logits=False)",
    lint=["MC303@head"],
    probe=["MP201@head", "MP202@head"],
)
def sigmoid_with_from_logits(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _pixels(keras),
            *_cnn_body(L),
            L.Dense(1, activation="sigmoid", name="head"),
        ],
        name="sigmoid_with_from_logits",
    )
    return _compile(model, keras.losses.BinaryCrossentropy(from_logits=not fixed))


# -- wrong loss -----------------------------------------------------------------------------


@bug(
    "wrong-loss",
    summary="10-class CNN softmax trained with mean squared error",
    layer="head",
    fix="categorical_crossentropy",
    lint=["MC306@head"],
)
def mse_on_softmax_cnn(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [_pixels(keras), *_cnn_body(L), L.Dense(10, activation="softmax", name="head")],
        name="mse_on_softmax_cnn",
    )
    return _compile(model, "categorical_crossentropy" if fixed else "mse")


@bug(
    "wrong-loss",
    summary="10-class MLP softmax on flattened digits trained with binary cross-entropy",
    layer="head",
    fix="categorical_crossentropy",
    lint=["MC304@head"],
)
def bce_on_softmax_mlp(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _pixels(keras),
            L.Flatten(name="flatten"),
            L.Dense(128, activation="relu", name="hidden"),
            L.Dense(10, activation="softmax", name="head"),
        ],
        name="bce_on_softmax_mlp",
    )
    return _compile(model, "categorical_crossentropy" if fixed else "binary_crossentropy")


@bug(
    "wrong-loss",
    summary="3-class functional MLP softmax trained with mean absolute error",
    layer="head",
    fix="categorical_crossentropy",
    lint=["MC306@head"],
    data="synthetic",
)
def mae_on_softmax_mlp(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    inputs = _features(keras)
    x = L.Dense(64, activation="relu", name="hidden")(inputs)
    outputs = L.Dense(3, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name="mae_on_softmax_mlp")
    return _compile(model, "categorical_crossentropy" if fixed else "mae")


# -- bounded regression head -----------------------------------------------------------------


@bug(
    "bounded-regression-head",
    summary="regression MLP (standardised targets) with a Dense(1, sigmoid) output under MSE",
    layer="head",
    fix="Dense(1) (linear output)",
    lint=["MC307@head"],
    data="synthetic",
)
def sigmoid_regression_head(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _features(keras),
            L.Dense(64, activation="relu", name="hidden"),
            L.Dense(1, activation=None if fixed else "sigmoid", name="head"),
        ],
        name="sigmoid_regression_head",
    )
    model.compile(optimizer="adam", loss="mse")
    return model


@bug(
    "bounded-regression-head",
    summary="regression MLP with a Dense(1, relu) output under MAE",
    layer="head",
    fix="Dense(1) (linear output)",
    lint=["MC307@head"],
    probe=["MP204@head"],
    data="synthetic",
)
def relu_regression_head(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    inputs = _features(keras)
    x = L.Dense(64, activation="relu", name="hidden")(inputs)
    outputs = L.Dense(1, activation=None if fixed else "relu", name="head")(x)
    model = keras.Model(inputs, outputs, name="relu_regression_head")
    model.compile(optimizer="adam", loss="mae")
    return model


@bug(
    "bounded-regression-head",
    summary="regression MLP with a Dense(1, tanh) output under Huber loss (targets beyond +-1)",
    layer="head",
    fix="Dense(1) (linear output)",
    lint=["MC307@head"],
    probe=["MP204@head"],
    data="synthetic",
)
def tanh_regression_head(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _features(keras),
            L.Dense(64, activation="relu", name="hidden1"),
            L.Dense(32, activation="relu", name="hidden2"),
            L.Dense(1, activation=None if fixed else "tanh", name="head"),
        ],
        name="tanh_regression_head",
    )
    model.compile(optimizer="adam", loss="huber")
    return model


# -- missing activation ----------------------------------------------------------------------


@bug(
    "missing-activation",
    summary="MLP whose hidden Dense layers have no activation (linear end to end)",
    layer="hidden1",
    fix='activation="relu" on hidden1 and hidden2',
    lint=["MC201@hidden1", "MC201@hidden2", "MC202@head"],
    data="synthetic",
)
def linear_mlp(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    act = "relu" if fixed else None
    model = keras.Sequential(
        [
            _features(keras),
            L.Dense(64, activation=act, name="hidden1"),
            L.Dense(32, activation=act, name="hidden2"),
            L.Dense(3, activation="softmax", name="head"),
        ],
        name="linear_mlp",
    )
    return _compile(model, "sparse_categorical_crossentropy")


@bug(
    "missing-activation",
    summary="CNN whose Conv2D layers have no activation (story 1's convolutions)",
    layer="conv1",
    fix='activation="relu" on conv1 and conv2',
    lint=["MC201@conv1", "MC201@conv2"],
)
def conv_without_activation(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _pixels(keras),
            *_cnn_body(L, act="relu" if fixed else None),
            L.Dense(64, activation="relu", name="hidden"),
            L.Dense(10, activation="softmax", name="head"),
        ],
        name="conv_without_activation",
    )
    return _compile(model, "categorical_crossentropy")


@bug(
    "missing-activation",
    summary="functional CNN: Conv2D -> BatchNormalization with the ReLU after it forgotten",
    layer="conv1",
    fix="ReLU() after bn1",
    lint=["MC201@conv1"],
)
def conv_bn_without_relu(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    inputs = _pixels(keras)
    x = L.Conv2D(16, 3, padding="same", use_bias=False, name="conv1")(inputs)
    x = L.BatchNormalization(name="bn1")(x)
    if fixed:
        x = L.ReLU(name="relu1")(x)
    x = L.MaxPooling2D(name="pool1")(x)
    x = L.Conv2D(32, 3, padding="same", use_bias=False, name="conv2")(x)
    x = L.BatchNormalization(name="bn2")(x)
    x = L.ReLU(name="relu2")(x)
    x = L.MaxPooling2D(name="pool2")(x)
    x = L.Flatten(name="flatten")(x)
    outputs = L.Dense(10, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name="conv_bn_without_relu")
    return _compile(model, "sparse_categorical_crossentropy")


@bug(
    "missing-activation",
    summary="functional MLP: two linear Dense branches added, then the softmax head",
    layer="branch_a",
    fix='activation="relu" on both branches',
    lint=["MC201@branch_a", "MC201@branch_b", "MC202@head"],
    data="synthetic",
)
def linear_branches(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    act = "relu" if fixed else None
    inputs = _features(keras)
    a = L.Dense(32, activation=act, name="branch_a")(inputs)
    b = L.Dense(32, activation=act, name="branch_b")(inputs)
    x = L.Add(name="merge")([a, b])
    outputs = L.Dense(3, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name="linear_branches")
    return _compile(model, "sparse_categorical_crossentropy")


@bug(
    "missing-activation",
    summary="Conv1D over digit rows: the first Conv1D has no activation",
    layer="conv1",
    fix='activation="relu" on conv1',
    lint=["MC201@conv1"],
)
def conv1d_without_activation(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            keras.Input((28, 28), name="rows"),
            L.Conv1D(32, 3, activation="relu" if fixed else None, name="conv1"),
            L.Conv1D(32, 3, activation="relu", name="conv2"),
            L.GlobalMaxPooling1D(name="pool"),
            L.Dense(10, activation="softmax", name="head"),
        ],
        name="conv1d_without_activation",
    )
    return _compile(model, "sparse_categorical_crossentropy")


# -- double activation -----------------------------------------------------------------------


@bug(
    "double-activation",
    summary="MLP: Dense(10, softmax) followed by a Softmax layer",
    layer="probs",
    fix="drop the extra Softmax layer",
    lint=["MC204@probs"],
)
def double_softmax(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    stack = [
        _pixels(keras),
        L.Flatten(name="flatten"),
        L.Dense(128, activation="relu", name="hidden"),
        L.Dense(10, activation="softmax", name="head"),
    ]
    if not fixed:
        stack.append(L.Softmax(name="probs"))
    model = keras.Sequential(stack, name="double_softmax")
    return _compile(model, "categorical_crossentropy")


@bug(
    "double-activation",
    summary="MLP: Dense(64, relu) followed by a ReLU layer",
    layer="relu",
    fix="drop the ReLU layer",
    lint=["MC204@relu"],
    data="synthetic",
)
def double_relu(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    stack = [_features(keras), L.Dense(64, activation="relu", name="hidden")]
    if not fixed:
        stack.append(L.ReLU(name="relu"))
    stack.append(L.Dense(3, activation="softmax", name="head"))
    model = keras.Sequential(stack, name="double_relu")
    return _compile(model, "sparse_categorical_crossentropy")


@bug(
    "double-activation",
    summary="CNN: Conv2D(activation='relu') followed by Activation('relu') (story 2's question)",
    layer="act1",
    fix="drop the Activation layer",
    lint=["MC204@act1"],
)
def conv_relu_twice(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    stack = [_pixels(keras), L.Conv2D(16, 3, padding="same", activation="relu", name="conv1")]
    if not fixed:
        stack.append(L.Activation("relu", name="act1"))
    stack += [
        L.MaxPooling2D(name="pool1"),
        L.Conv2D(32, 3, padding="same", activation="relu", name="conv2"),
        L.MaxPooling2D(name="pool2"),
        L.Flatten(name="flatten"),
        L.Dense(10, activation="softmax", name="head"),
    ]
    model = keras.Sequential(stack, name="conv_relu_twice")
    return _compile(model, "sparse_categorical_crossentropy")


# -- missing Flatten -------------------------------------------------------------------------


@bug(
    "missing-flatten",
    summary="CNN whose softmax Dense head reads the pooled feature map directly",
    layer="head",
    fix="Flatten() before the head",
    lint=["MC401@head"],
)
def no_flatten_head(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    stack = [
        _pixels(keras),
        L.Conv2D(16, 3, padding="same", activation="relu", name="conv1"),
        L.MaxPooling2D(name="pool1"),
        L.Conv2D(32, 3, padding="same", activation="relu", name="conv2"),
        L.MaxPooling2D(name="pool2"),
    ]
    if fixed:
        stack.append(L.Flatten(name="flatten"))
    stack.append(L.Dense(10, activation="softmax", name="head"))
    model = keras.Sequential(stack, name="no_flatten_head")
    return _compile(model, "categorical_crossentropy")


@bug(
    "missing-flatten",
    summary="CNN with a hidden Dense(64, relu) on the feature map, then the head: no Flatten",
    layer="hidden",
    fix="Flatten() before the hidden Dense",
    lint=["MC401@hidden"],
)
def no_flatten_hidden_dense(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    stack = [
        _pixels(keras),
        L.Conv2D(16, 3, padding="same", activation="relu", name="conv1"),
        L.MaxPooling2D(name="pool1"),
        L.Conv2D(32, 3, padding="same", activation="relu", name="conv2"),
        L.MaxPooling2D(name="pool2"),
    ]
    if fixed:
        stack.append(L.Flatten(name="flatten"))
    stack += [
        L.Dense(64, activation="relu", name="hidden"),
        L.Dense(10, activation="softmax", name="head"),
    ]
    model = keras.Sequential(stack, name="no_flatten_hidden_dense")
    return _compile(model, "categorical_crossentropy")


@bug(
    "missing-flatten",
    summary="functional conv-BN-ReLU block straight into a 3-class Dense head",
    layer="head",
    fix="GlobalAveragePooling2D() before the head",
    lint=["MC401@head"],
)
def no_flatten_functional_bn(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    inputs = _pixels(keras)
    x = L.Conv2D(16, 3, strides=2, padding="same", use_bias=False, name="conv1")(inputs)
    x = L.BatchNormalization(name="bn1")(x)
    x = L.ReLU(name="relu1")(x)
    x = L.Conv2D(32, 3, strides=2, padding="same", use_bias=False, name="conv2")(x)
    x = L.BatchNormalization(name="bn2")(x)
    x = L.ReLU(name="relu2")(x)
    if fixed:
        x = L.GlobalAveragePooling2D(name="gap")(x)
    outputs = L.Dense(3, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name="no_flatten_functional_bn")
    return _compile(model, "sparse_categorical_crossentropy")


# -- collapsing feature maps -----------------------------------------------------------------


@bug(
    "collapsing-feature-map",
    summary="four conv+pool blocks shrink 28x28 to 1x1; a 3x3 conv then runs on one pixel",
    layer="conv5",
    fix="drop the fourth pooling (conv5 sees a 3x3 map)",
    lint=["MC402@conv5"],
)
def collapse_by_pooling(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    stack = [_pixels(keras)]
    for i, filters in enumerate((16, 32, 32, 64), start=1):
        stack.append(L.Conv2D(filters, 3, padding="same", activation="relu", name=f"conv{i}"))
        if i < 4 or not fixed:
            stack.append(L.MaxPooling2D(2, name=f"pool{i}"))  # 28 -> 14 -> 7 -> 3 -> 1
    stack += [
        L.Conv2D(64, 3, padding="same", activation="relu", name="conv5"),
        L.GlobalAveragePooling2D(name="gap"),
        L.Dense(10, activation="softmax", name="head"),
    ]
    model = keras.Sequential(stack, name="collapse_by_pooling")
    return _compile(model, "categorical_crossentropy")


@bug(
    "collapsing-feature-map",
    summary="functional CNN of stride-2 convolutions: 32x32 down to 1x1 before conv6",
    layer="conv6",
    fix="conv5 with stride 1 (conv6 sees a 2x2 map)",
    lint=["MC402@conv6"],
)
def collapse_by_strides(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    inputs = _pixels(keras, (32, 32, 3))
    x = inputs
    for i, filters in enumerate((16, 16, 32, 32, 64), start=1):
        stride = 1 if (fixed and i == 5) else 2  # 32 -> 16 -> 8 -> 4 -> 2 -> 1
        x = L.Conv2D(
            filters, 3, strides=stride, padding="same", activation="relu", name=f"conv{i}"
        )(x)
    x = L.Conv2D(64, 3, padding="same", activation="relu", name="conv6")(x)
    x = L.Flatten(name="flatten")(x)
    outputs = L.Dense(10, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name="collapse_by_strides")
    return _compile(model, "sparse_categorical_crossentropy")


@bug(
    "collapsing-feature-map",
    summary="a 2x2 max pooling applied to a map already pooled down to one pixel",
    layer="pool5",
    fix="drop pool5",
    lint=["MC402@pool5"],
)
def collapse_pool_on_pixel(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    stack = [_pixels(keras)]
    for i, filters in enumerate((16, 32, 64), start=1):
        stack.append(L.Conv2D(filters, 3, padding="same", activation="relu", name=f"conv{i}"))
        stack.append(L.MaxPooling2D(2, name=f"pool{i}"))  # 28 -> 14 -> 7 -> 3
    stack.append(L.MaxPooling2D(3, name="pool4"))  # 3 -> 1: a global max pooling
    if not fixed:
        stack.append(L.MaxPooling2D(2, padding="same", name="pool5"))
    stack += [L.Flatten(name="flatten"), L.Dense(10, activation="softmax", name="head")]
    model = keras.Sequential(stack, name="collapse_pool_on_pixel")
    return _compile(model, "categorical_crossentropy")


# -- channels-first input --------------------------------------------------------------------


@bug(
    "channels-first-input",
    summary="CNN declared Input((3, 28, 28)) for channels-first images, layers channels-last",
    layer="conv1",
    fix="Input((28, 28, 3)) and channels-last data",
    lint=["MC403@conv1"],
    data="npz:channels-first",
    fixed_data="npz:channels-last",
)
def channels_first_cnn(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _pixels(keras, (28, 28, 3) if fixed else (3, 28, 28)),
            L.Conv2D(16, 3, padding="same", activation="relu", name="conv1"),
            L.MaxPooling2D(name="pool1"),
            L.Conv2D(32, 3, padding="same", activation="relu", name="conv2"),
            L.Flatten(name="flatten"),
            L.Dense(10, activation="softmax", name="head"),
        ],
        name="channels_first_cnn",
    )
    return _compile(model, "sparse_categorical_crossentropy")


@bug(
    "channels-first-input",
    summary="functional CNN with BatchNorm on channels-first (3, 28, 28) images",
    layer="conv1",
    fix="Input((28, 28, 3)) and channels-last data",
    lint=["MC403@conv1"],
    data="npz:channels-first",
    fixed_data="npz:channels-last",
)
def channels_first_functional(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    inputs = _pixels(keras, (28, 28, 3) if fixed else (3, 28, 28))
    x = L.Conv2D(32, 3, padding="same", use_bias=False, name="conv1")(inputs)
    x = L.BatchNormalization(name="bn1")(x)
    x = L.ReLU(name="relu1")(x)
    x = L.MaxPooling2D(name="pool1")(x)
    x = L.Flatten(name="flatten")(x)
    outputs = L.Dense(10, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name="channels_first_functional")
    return _compile(model, "sparse_categorical_crossentropy")


@bug(
    "channels-first-input",
    summary="Theano-era CNN: data_format='channels_first' layers on (28, 28, 3) images",
    layer="conv1",
    fix="drop data_format (channels-last layers)",
    lint=["MC403@conv1"],
)
def channels_first_layers(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    fmt = "channels_last" if fixed else "channels_first"
    model = keras.Sequential(
        [
            _pixels(keras),
            L.Conv2D(16, 3, padding="same", activation="relu", data_format=fmt, name="conv1"),
            L.MaxPooling2D(data_format=fmt, name="pool1"),
            L.Conv2D(32, 3, padding="same", activation="relu", data_format=fmt, name="conv2"),
            L.Flatten(name="flatten"),
            L.Dense(10, activation="softmax", name="head"),
        ],
        name="channels_first_layers",
    )
    return _compile(model, "sparse_categorical_crossentropy")


# -- unscaled input --------------------------------------------------------------------------


@bug(
    "unscaled-input",
    summary="CNN trained on raw 0..255 pixels with no Rescaling",
    layer="pixels",
    fix="Rescaling(1 / 255) after the input",
    probe=["MP406@pixels"],
    data="npz:pixels-255",
)
def unscaled_pixels_cnn(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    stack = [_pixels(keras)]
    if fixed:
        stack.append(L.Rescaling(1 / 255, name="rescale"))
    stack += [*_cnn_body(L), L.Dense(10, activation="softmax", name="head")]
    model = keras.Sequential(stack, name="unscaled_pixels_cnn")
    return _compile(model, "sparse_categorical_crossentropy")


@bug(
    "unscaled-input",
    summary="sigmoid MLP on flattened raw 0..255 pixels",
    layer="pixels",
    fix="Rescaling(1 / 255) after the input",
    probe=["MP406@pixels"],
    data="npz:pixels-255",
)
def unscaled_pixels_sigmoid_mlp(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    stack = [_pixels(keras)]
    if fixed:
        stack.append(L.Rescaling(1 / 255, name="rescale"))
    stack += [
        L.Flatten(name="flatten"),
        L.Dense(128, activation="sigmoid", name="hidden"),
        L.Dense(10, activation="softmax", name="head"),
    ]
    model = keras.Sequential(stack, name="unscaled_pixels_sigmoid_mlp")
    return _compile(model, "sparse_categorical_crossentropy")


@bug(
    "unscaled-input",
    summary="tabular MLP on raw features in their units (about 1 to 9,000), not standardised",
    layer="features",
    fix="Normalization(mean, variance) after the input",
    probe=["MP406@features"],
    data="npz:raw-features",
)
def unscaled_tabular_mlp(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    inputs = _features(keras)
    x = inputs
    if fixed:
        x = L.Normalization(
            mean=list(RAW_OFFSET), variance=[s * s for s in RAW_SCALE], name="normalize"
        )(x)
    x = L.Dense(64, activation="relu", name="hidden1")(x)
    x = L.Dense(32, activation="relu", name="hidden2")(x)
    outputs = L.Dense(3, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name="unscaled_tabular_mlp")
    return _compile(model, "sparse_categorical_crossentropy")


# -- learning rate too large -----------------------------------------------------------------


@bug(
    "learning-rate-too-large",
    summary="CNN compiled with Adam(learning_rate=1.0)",
    layer=None,
    fix="Adam(learning_rate=1e-3)",
    lint=["MC501"],
    probe=["MP201@head", "MP401", "MP404", "MP101"],
)
def adam_lr_one(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _pixels(keras),
            *_cnn_body(L),
            L.Dense(64, activation="relu", name="hidden"),
            L.Dense(10, activation="softmax", name="head"),
        ],
        name="adam_lr_one",
    )
    return _compile(
        model, "categorical_crossentropy", keras.optimizers.Adam(1e-3 if fixed else 1.0)
    )


@bug(
    "learning-rate-too-large",
    summary="MLP compiled with SGD(learning_rate=50)",
    layer=None,
    fix="SGD(learning_rate=0.01)",
    lint=["MC501"],
    probe=["MP201@head", "MP401", "MP404", "MP101"],
    data="synthetic",
)
def sgd_lr_fifty(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _features(keras),
            L.Dense(64, activation="relu", name="hidden1"),
            L.Dense(32, activation="relu", name="hidden2"),
            L.Dense(3, activation="softmax", name="head"),
        ],
        name="sgd_lr_fifty",
    )
    opt = keras.optimizers.SGD(0.01 if fixed else 50.0, momentum=0.9)
    return _compile(model, "sparse_categorical_crossentropy", opt)


@bug(
    "learning-rate-too-large",
    summary="functional MLP on digits compiled with RMSprop(learning_rate=0.5)",
    layer=None,
    fix="RMSprop(learning_rate=1e-3)",
    lint=["MC501"],
    probe=["MP201@head", "MP401", "MP404", "MP101"],
)
def rmsprop_lr_half(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    inputs = keras.Input((784,), name="pixels")
    x = L.Dense(128, activation="relu", name="hidden1")(inputs)
    x = L.Dense(64, activation="relu", name="hidden2")(x)
    outputs = L.Dense(10, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name="rmsprop_lr_half")
    opt = keras.optimizers.RMSprop(1e-3 if fixed else 0.5)
    return _compile(model, "sparse_categorical_crossentropy", opt)


# -- learning rate too small -----------------------------------------------------------------


@bug(
    "learning-rate-too-small",
    summary="CNN compiled with Adam(learning_rate=1e-7)",
    layer=None,
    fix="Adam(learning_rate=1e-3)",
    lint=["MC501"],
    probe=["MP402", "MP203", "MP201@head"],
)
def adam_lr_tiny(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _pixels(keras),
            *_cnn_body(L),
            L.Dense(10, activation="softmax", name="head"),
        ],
        name="adam_lr_tiny",
    )
    return _compile(
        model, "categorical_crossentropy", keras.optimizers.Adam(1e-3 if fixed else 1e-7)
    )


@bug(
    "learning-rate-too-small",
    summary="MLP compiled with SGD(learning_rate=1e-6)",
    layer=None,
    fix="SGD(learning_rate=0.05)",
    lint=["MC501"],
    probe=["MP402", "MP203", "MP201@head"],
    data="synthetic",
)
def sgd_lr_tiny(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _features(keras),
            L.Dense(64, activation="relu", name="hidden"),
            L.Dense(3, activation="softmax", name="head"),
        ],
        name="sgd_lr_tiny",
    )
    opt = keras.optimizers.SGD(0.05 if fixed else 1e-6)
    return _compile(model, "sparse_categorical_crossentropy", opt)


# -- saturating stack ------------------------------------------------------------------------


@bug(
    "saturating-stack",
    summary="MLP of eight Dense(32, sigmoid) layers",
    layer="dense8",
    fix='activation="relu" in the hidden layers',
    lint=["MC604@dense8"],
    probe=["MP403@dense1", "MP203", "MP202@head"],
    data="synthetic",
)
def deep_sigmoid_mlp(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    act = "relu" if fixed else "sigmoid"
    stack = [_features(keras)]
    stack += [L.Dense(32, activation=act, name=f"dense{i}") for i in range(1, 9)]
    stack.append(L.Dense(3, activation="softmax", name="head"))
    model = keras.Sequential(stack, name="deep_sigmoid_mlp")
    return _compile(model, "sparse_categorical_crossentropy")


@bug(
    "saturating-stack",
    summary="MLP on digits: six Dense(64, tanh) layers, SGD",
    layer="dense6",
    fix='activation="relu" in the hidden layers',
    lint=["MC604@dense6"],
)
def deep_tanh_mlp(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    act = "relu" if fixed else "tanh"
    stack = [keras.Input((784,), name="pixels")]
    stack += [L.Dense(64, activation=act, name=f"dense{i}") for i in range(1, 7)]
    stack.append(L.Dense(10, activation="softmax", name="head"))
    model = keras.Sequential(stack, name="deep_tanh_mlp")
    opt = keras.optimizers.SGD(0.05, momentum=0.9)
    return _compile(model, "sparse_categorical_crossentropy", opt)


# -- dead ReLU initialisation ----------------------------------------------------------------


@bug(
    "dead-relu-init",
    summary="MLP whose hidden ReLU layer is initialised with zero weights",
    layer="hidden",
    fix='kernel_initializer="he_normal"',
    probe=["MP101@hidden", "MP201@head"],
    data="synthetic",
)
def zero_init_relu(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _features(keras),
            L.Dense(
                64,
                activation="relu",
                kernel_initializer="he_normal" if fixed else "zeros",
                name="hidden",
            ),
            L.Dense(3, activation="softmax", name="head"),
        ],
        name="zero_init_relu",
    )
    return _compile(model, "sparse_categorical_crossentropy")


@bug(
    "dead-relu-init",
    summary="CNN whose ReLU convolution starts with a large negative bias",
    layer="conv1",
    fix="bias_initializer='zeros'",
    probe=["MP101@conv1", "MP201@head"],
)
def negative_bias_conv(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    bias = "zeros" if fixed else keras.initializers.Constant(-5.0)
    model = keras.Sequential(
        [
            _pixels(keras),
            L.Conv2D(16, 3, padding="same", activation="relu", bias_initializer=bias, name="conv1"),
            L.MaxPooling2D(name="pool1"),
            L.Conv2D(32, 3, padding="same", activation="relu", name="conv2"),
            L.MaxPooling2D(name="pool2"),
            L.Flatten(name="flatten"),
            L.Dense(10, activation="softmax", name="head"),
        ],
        name="negative_bias_conv",
    )
    return _compile(model, "categorical_crossentropy")


@bug(
    "dead-relu-init",
    summary="functional MLP on digits: hidden ReLU layer with a large negative bias",
    layer="hidden2",
    fix="bias_initializer='zeros'",
    probe=["MP101@hidden2", "MP201@head"],
)
def negative_bias_mlp(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    bias = "zeros" if fixed else keras.initializers.Constant(-10.0)
    inputs = keras.Input((784,), name="pixels")
    x = L.Dense(128, activation="relu", name="hidden1")(inputs)
    x = L.Dense(64, activation="relu", bias_initializer=bias, name="hidden2")(x)
    outputs = L.Dense(10, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name="negative_bias_mlp")
    return _compile(model, "sparse_categorical_crossentropy")


# -- high dropout ----------------------------------------------------------------------------


@bug(
    "high-dropout",
    summary="MLP with Dropout(0.9): the keep probability written as the rate",
    layer="drop",
    fix="Dropout(0.1)",
    lint=["MC603@drop"],
    data="synthetic",
)
def dropout_keep_prob(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _features(keras),
            L.Dense(64, activation="relu", name="hidden"),
            L.Dropout(0.1 if fixed else 0.9, name="drop"),
            L.Dense(3, activation="softmax", name="head"),
        ],
        name="dropout_keep_prob",
    )
    return _compile(model, "sparse_categorical_crossentropy")


@bug(
    "high-dropout",
    summary="CNN with SpatialDropout2D(0.75) after each convolution",
    layer="drop1",
    fix="SpatialDropout2D(0.2)",
    lint=["MC603@drop1", "MC603@drop2"],
)
def spatial_dropout_high(keras: Any, fixed: bool) -> Any:
    L = keras.layers
    rate = 0.2 if fixed else 0.75
    model = keras.Sequential(
        [
            _pixels(keras),
            L.Conv2D(16, 3, padding="same", activation="relu", name="conv1"),
            L.SpatialDropout2D(rate, name="drop1"),
            L.MaxPooling2D(name="pool1"),
            L.Conv2D(32, 3, padding="same", activation="relu", name="conv2"),
            L.SpatialDropout2D(rate, name="drop2"),
            L.MaxPooling2D(name="pool2"),
            L.Flatten(name="flatten"),
            L.Dense(10, activation="softmax", name="head"),
        ],
        name="spatial_dropout_high",
    )
    return _compile(model, "sparse_categorical_crossentropy")


# ----------------------------------------------------------------------------- sound models


@sound(summary="MLP with Dropout, 3 classes, sparse cross-entropy", data="synthetic")
def sound_mlp_dropout(keras: Any) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _features(keras),
            L.Dense(64, activation="relu", name="hidden1"),
            L.Dropout(0.2, name="drop"),
            L.Dense(32, activation="relu", name="hidden2"),
            L.Dense(3, activation="softmax", name="head"),
        ],
        name="sound_mlp_dropout",
    )
    return _compile(model, "sparse_categorical_crossentropy")


@sound(summary="small CNN: conv-pool x2, Flatten, linear logits into a Softmax layer")
def sound_cnn(keras: Any) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _pixels(keras),
            *_cnn_body(L),
            L.Dense(10, name="logits"),
            L.Softmax(name="probs"),
        ],
        name="sound_cnn",
    )
    return _compile(model, "categorical_crossentropy")


@sound(summary="residual CNN with BatchNormalization, global pooling, softmax head")
def sound_residual_bn(keras: Any) -> Any:
    L = keras.layers
    inputs = _pixels(keras)
    x = L.Conv2D(16, 3, padding="same", activation="relu", name="stem")(inputs)
    x = L.MaxPooling2D(name="pool1")(x)
    for i, filters in enumerate((16, 32), start=1):
        shortcut = x
        if x.shape[-1] != filters:
            shortcut = L.Conv2D(filters, 1, name=f"block{i}_proj")(x)
        y = L.Conv2D(filters, 3, padding="same", use_bias=False, name=f"block{i}_conv1")(x)
        y = L.BatchNormalization(name=f"block{i}_bn1")(y)
        y = L.ReLU(name=f"block{i}_relu1")(y)
        y = L.Conv2D(filters, 3, padding="same", use_bias=False, name=f"block{i}_conv2")(y)
        y = L.BatchNormalization(name=f"block{i}_bn2")(y)
        x = L.ReLU(name=f"block{i}_out")(L.Add(name=f"block{i}_add")([y, shortcut]))
        if i == 1:
            x = L.MaxPooling2D(name="pool2")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    outputs = L.Dense(10, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name="sound_residual_bn")
    return _compile(model, "sparse_categorical_crossentropy")


@sound(summary="binary MLP: Dense(1, sigmoid) under binary cross-entropy", data="synthetic")
def sound_binary_sigmoid(keras: Any) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _features(keras),
            L.Dense(32, activation="relu", name="hidden"),
            L.Dense(1, activation="sigmoid", name="head"),
        ],
        name="sound_binary_sigmoid",
    )
    return _compile(model, "binary_crossentropy")


@sound(summary="functional CNN with linear logits and from_logits=True, Dropout before the head")
def sound_logits_cnn(keras: Any) -> Any:
    L = keras.layers
    inputs = _pixels(keras)
    x = inputs
    for layer in _cnn_body(L):
        x = layer(x)
    x = L.Dropout(0.3, name="drop")(x)
    outputs = L.Dense(10, name="logits")(x)
    model = keras.Model(inputs, outputs, name="sound_logits_cnn")
    loss = keras.losses.CategoricalCrossentropy(from_logits=True)
    return _compile(model, loss)


@sound(
    summary="CNN that rescales raw 0..255 pixels itself (Rescaling layer)", data="npz:pixels-255"
)
def sound_rescaling_cnn(keras: Any) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _pixels(keras),
            L.Rescaling(1 / 255, name="rescale"),
            *_cnn_body(L),
            L.Dense(64, activation="relu", name="hidden"),
            L.Dense(10, activation="softmax", name="head"),
        ],
        name="sound_rescaling_cnn",
    )
    return _compile(model, "sparse_categorical_crossentropy")


@sound(summary="regression MLP: linear output under MSE", data="synthetic")
def sound_regression_mlp(keras: Any) -> Any:
    L = keras.layers
    model = keras.Sequential(
        [
            _features(keras),
            L.Dense(64, activation="relu", name="hidden1"),
            L.Dense(32, activation="relu", name="hidden2"),
            L.Dense(1, name="head"),
        ],
        name="sound_regression_mlp",
    )
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


@sound(summary="three conv-BN-ReLU blocks, SpatialDropout, global pooling, SGD momentum")
def sound_bn_sgd_cnn(keras: Any) -> Any:
    L = keras.layers
    inputs = _pixels(keras)
    x = inputs
    # Three blocks: with two, the global average pools a receptive field too small for the
    # digits, and the model learns colored MNIST only slowly (57 % after the probe budget).
    for i, filters in enumerate((16, 32, 64), start=1):
        x = L.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = L.BatchNormalization(name=f"bn{i}")(x)
        x = L.ReLU(name=f"relu{i}")(x)
        x = L.SpatialDropout2D(0.1, name=f"drop{i}")(x)
        x = L.MaxPooling2D(name=f"pool{i}")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    outputs = L.Dense(10, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name="sound_bn_sgd_cnn")
    opt = keras.optimizers.SGD(0.05, momentum=0.9)
    return _compile(model, "sparse_categorical_crossentropy", opt)
