"""Example Keras models for modelcheck: some sound, some carrying a known bug.

Every builder returns a *compiled* ``keras.Model``.  Build and save them all
with ``python examples/build.py``.
"""

from __future__ import annotations

import keras
from keras import layers


def story1_buggy():
    """Bug: Conv2D layers have no activation and the head is Dense(10, relu) feeding Softmax (ReLU'd logits)."""
    model = keras.Sequential(
        [
            keras.Input((28, 28, 3)),
            layers.Conv2D(32, 3, padding="same"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, padding="same"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(10, activation="relu"),
            layers.Softmax(),
        ],
        name="story1_buggy",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def story1_fixed():
    """No bug: fixed story1 (ReLU convs, linear Dense(10) logits into a separate Softmax layer)."""
    model = keras.Sequential(
        [
            keras.Input((28, 28, 3)),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(10),
            layers.Softmax(),
        ],
        name="story1_fixed",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


STORY2_HEADS = ("relu", "sigmoid", "softmax")


def story2(head: str, input_shape=(128, 128, 3)):
    """3-class CNN with CategoricalCrossentropy; bug unless head == "softmax" (relu/sigmoid outputs are not a distribution)."""
    if head not in STORY2_HEADS:
        raise ValueError(f"head must be one of {STORY2_HEADS}, got {head!r}")
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3),
            layers.Activation("relu"),  # separate-layer activation style
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(3, activation=head),
        ],
        name=f"story2_{head}",
    )
    model.compile(
        optimizer="adam",
        loss=keras.losses.CategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    return model


def _residual_block(x, filters, name):
    shortcut = x
    if x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, name=f"{name}_proj")(x)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv1")(x)
    y = layers.BatchNormalization(name=f"{name}_bn1")(y)
    y = layers.ReLU(name=f"{name}_relu1")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv2")(y)
    y = layers.BatchNormalization(name=f"{name}_bn2")(y)
    y = layers.Add(name=f"{name}_add")([y, shortcut])
    return layers.ReLU(name=f"{name}_out")(y)


def residual_cnn():
    """No bug: small functional CNN with two residual blocks, GAP and softmax head."""
    inputs = keras.Input((32, 32, 3), name="image")
    x = layers.Conv2D(16, 3, padding="same", activation="relu", name="stem")(inputs)
    x = layers.MaxPooling2D(name="pool1")(x)
    x = _residual_block(x, 16, "block1")
    x = layers.MaxPooling2D(name="pool2")(x)
    x = _residual_block(x, 32, "block2")
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(10, activation="softmax", name="probs")(x)
    model = keras.Model(inputs, outputs, name="residual_cnn")
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def mlp():
    """No bug: MLP on 20 tabular features with a 3-class softmax head."""
    model = keras.Sequential(
        [
            keras.Input((20,)),
            layers.Dense(64, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(32, activation="relu"),
            layers.Dense(3, activation="softmax"),
        ],
        name="mlp",
    )
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def one_unit_softmax():
    """Bug: Dense(1, softmax) always outputs 1.0, so binary_crossentropy cannot learn (should be sigmoid)."""
    model = keras.Sequential(
        [
            keras.Input((8,)),
            layers.Dense(16, activation="relu"),
            layers.Dense(1, activation="softmax"),
        ],
        name="one_unit_softmax",
    )
    model.compile(
        optimizer="adam",
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def multi_io():
    """No bug: two-input/two-output functional model with a shared Dense and a nested Sequential."""
    image = keras.Input((32, 32, 3), name="image")
    vector = keras.Input((8,), name="vector")

    encoder = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(32, 3, activation="relu"),
            layers.GlobalAveragePooling2D(),
        ],
        name="image_encoder",
    )
    img_feat = encoder(image)  # (None, 32)
    vec_feat = layers.Dense(32, activation="relu", name="vector_proj")(vector)

    shared = layers.Dense(32, activation="relu", name="shared_dense")
    a = shared(img_feat)  # shared layer, first call
    b = shared(vec_feat)  # shared layer, second call
    x = layers.Concatenate(name="concat")([a, b])

    class_out = layers.Dense(5, activation="softmax", name="class_out")(x)
    reg_out = layers.Dense(1, name="reg_out")(x)

    model = keras.Model(inputs=[image, vector], outputs=[class_out, reg_out], name="multi_io")
    model.compile(
        optimizer="adam",
        loss={"class_out": "categorical_crossentropy", "reg_out": "mse"},
        metrics={"class_out": ["accuracy"], "reg_out": ["mae"]},
    )
    return model


def sequence_model():
    """No bug: Embedding -> BiLSTM -> TimeDistributed(Dense) -> GlobalMaxPool -> 2-class softmax."""
    model = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            layers.Embedding(1000, 32),
            layers.Bidirectional(layers.LSTM(16, return_sequences=True)),
            layers.TimeDistributed(layers.Dense(8, activation="relu")),
            layers.GlobalMaxPooling1D(),
            layers.Dense(2, activation="softmax"),
        ],
        name="sequence_model",
    )
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def all_models():
    """Ordered mapping of saved-file stem -> builder for every example model."""
    builders = {
        "story1_buggy": story1_buggy,
        "story1_fixed": story1_fixed,
    }
    for head in STORY2_HEADS:
        builders[f"story2_{head}"] = lambda head=head: story2(head)
    builders.update(
        {
            "residual_cnn": residual_cnn,
            "mlp": mlp,
            "one_unit_softmax": one_unit_softmax,
            "multi_io": multi_io,
            "sequence_model": sequence_model,
        }
    )
    return builders
