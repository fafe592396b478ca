"""Story 1, fixed: a ReLU after each Conv2D, and linear logits into the Softmax.

``modelcheck lint examples/source/story1_fixed.py`` reports nothing; ``--unsafe-fixes`` on the
buggy version makes the same changes.
"""

import numpy as np
import tensorflow as tf
from tensorflow import keras

(train_images, train_labels), (test_images, test_labels) = keras.datasets.mnist.load_data()

tf.random.set_seed(0)

# Draw every digit into one random RGB channel.
rng = np.random.default_rng(0)
channel = rng.integers(0, 3, len(train_images))
colored = np.zeros(train_images.shape + (3,), dtype="float32")
colored[np.arange(len(train_images)), :, :, channel] = train_images / 255.0
train_images = colored

model = keras.Sequential()
model.add(keras.layers.Conv2D(32, (3, 3), padding="same", activation="relu"))
model.add(keras.layers.MaxPooling2D((2, 2)))
model.add(keras.layers.Conv2D(64, (3, 3), padding="same", activation="relu"))
model.add(keras.layers.MaxPooling2D((2, 2)))
model.add(keras.layers.Flatten())
model.add(keras.layers.Dense(10))
model.add(keras.layers.Softmax())
model.build(train_images.shape)

model.compile(
    optimizer="rmsprop",
    loss="categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(train_images, train_labels, epochs=5, validation_split=0.1)
