"""Story 1 as its author wrote it: a CNN on colored MNIST that reaches 30-70 % instead of 95 %.

The Conv2D layers have no activation (the stack is nearly linear) and Dense(10, relu) feeds a
Softmax (ReLU zeroes the negative logits, so some classes are never predicted). Lint it with
``modelcheck lint examples/source/story1_buggy.py``; nothing here is imported or run.
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
model.add(keras.layers.Conv2D(32, (3, 3), padding="same"))
model.add(keras.layers.MaxPooling2D((2, 2)))
model.add(keras.layers.Conv2D(64, (3, 3), padding="same"))
model.add(keras.layers.MaxPooling2D((2, 2)))
model.add(keras.layers.Flatten())
model.add(keras.layers.Dense(10, activation="relu"))
model.add(keras.layers.Softmax())
model.build(train_images.shape)

model.compile(
    optimizer="rmsprop",
    loss="categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(train_images, train_labels, epochs=5, validation_split=0.1)
