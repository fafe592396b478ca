import keras
import keras_resnet

shape, classes = (32, 32, 3), 10

x = keras.layers.Input(shape)

y = keras_resnet.ResNet50(x)

y = keras.layers.Dense(classes)(y)

y = keras.layers.Flatten()(y.output)

model = keras.models.Model(x, y)

model.compile("adam", "categorical_crossentropy", ["accuracy"])

(training_x, training_y), (_, _) = keras.datasets.cifar10.load_data()

training_y = keras.utils.np_utils.to_categorical(training_y)

model.fit(training_x, training_y)

