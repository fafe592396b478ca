"""The data a model is probed with, fitted to what the model takes and its loss needs.

``load_dataset(spec, io)`` (:mod:`.load`) is the one entry point:

- ``colored-mnist``: story 1's task (:mod:`.colored_mnist`), from the first MNIST source
  available (:mod:`.mnist`; ``MODELCHECK_OFFLINE=1`` skips the download attempt);
- ``synthetic``: scikit-learn data for vector-input models (:mod:`.synthetic`);
- a directory: an image folder, one sub-folder per class (:mod:`.folder`);
- a ``.npz`` file with ``x`` and ``y`` (:mod:`.npz`).

Nothing here imports keras or TensorFlow; scikit-learn and Pillow are imported inside the
functions that need them. Every result is determined by ``seed``.

This package module imports nothing, so the loaders can import their siblings from it without
a loop.
"""
