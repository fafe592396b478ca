#!/usr/bin/env python

from keras.models import Sequential
from keras.layers.core import Dense, Dropout
from keras.optimizers import SGD
import numpy as np

X = np.array([
    [0.0, 0.1],
    [0.6, 0.8],
    [0.1, 0.2],
    [0.9, 0.8],
    [0.9, 0.7],
    [0.3, 0.0],
    [0.2, 0.2],
    [0.5, 0.9]
    ])

y = (X[:,0] + X[:,1] > 0.5).astype("int32")

# MLP example from https://github.com/fchollet/keras
model = Sequential()
model.add(Dense(2, 64, init='uniform', activation='tanh'))
model.add(Dropout(0.5))
model.add(Dense(64, 64, init='uniform', activation='tanh'))
model.add(Dropout(0.5))
model.add(Dense(64, 1, init='uniform', activation='softmax'))
sgd = SGD(lr=0.1, decay=1e-6, momentum=0.9, nesterov=True)
model.compile(loss='mean_squared_error', optimizer=sgd)

# ... (the rest of the posted script, starting with `model.fit(X, y, valid...`, is cut off in the stored copy)
