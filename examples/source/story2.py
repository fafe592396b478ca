"""Story 2 as its author wrote it: a 3-class image CNN stuck at 33.3 % (it predicts one class).

The author mixed ``Conv2D(..., activation="relu")`` with separate ``Activation("relu")`` layers
and could not tell from ``model.summary()`` whether they are the same (they are: the Activation
column of ``modelcheck lint`` shows ``relu`` for both). The real bug is the head:
``Dense(units=3, activation="relu")`` under categorical cross-entropy is not a distribution.
"""

from keras.layers import Activation, Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from keras.models import Sequential
from keras.preprocessing.image import ImageDataGenerator

IMG_SIZE = 150
FILTERS = [32, 64, 128]

train_gen = ImageDataGenerator(rescale=1.0 / 255).flow_from_directory(
    "data/train", target_size=(IMG_SIZE, IMG_SIZE), batch_size=32, class_mode="categorical"
)

model = Sequential()
model.add(Conv2D(FILTERS[0], (3, 3), activation="relu", input_shape=(IMG_SIZE, IMG_SIZE, 3)))
model.add(MaxPooling2D(pool_size=(2, 2)))
for filters in FILTERS[1:]:
    model.add(Conv2D(filters, (3, 3)))
    model.add(Activation("relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))

model.add(Flatten())
model.add(Dense(64))
model.add(Activation("relu"))
model.add(Dropout(0.5))
model.add(Dense(units=3, activation="relu"))

model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(train_gen, epochs=30)
