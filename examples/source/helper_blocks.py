"""A Functional model built through a helper function called in a loop.

``conv_block`` is inlined for every call with its arguments, so findings point at the helper's
lines. Its second convolution keeps a bias that the BatchNormalization after it cancels (MC601,
once per call), and in the last block, where nothing follows but pooling, it has no activation
before the Dense head (MC201).
"""

from tensorflow import keras
from tensorflow.keras import layers


def conv_block(x, filters, kernel_size=3, pool=True):
    x = layers.Conv2D(filters, kernel_size, padding="same", activation="relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="same")(x)
    x = layers.BatchNormalization()(x)
    if pool:
        x = layers.MaxPooling2D()(x)
    return x


def build_model(num_classes=10, widths=(32, 64, 128)):
    inputs = keras.Input(shape=(32, 32, 3))
    x = inputs
    for i, width in enumerate(widths):
        x = conv_block(x, width, pool=i < len(widths) - 1)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="blocks")


model = build_model()
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy"
)
