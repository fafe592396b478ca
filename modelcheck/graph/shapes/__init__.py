"""Static shape inference for Keras layer configs, in pure Python.

This package answers "what shape comes out of this layer?" from nothing but the
layer's serialized ``config`` dict (as found in a ``.keras`` archive's
``config.json`` or a Keras 2 / tf.keras JSON/H5 model config) and the shapes
flowing into it. It runs on the linter's fast path, so it deliberately imports
only the standard library: no numpy, keras or tensorflow.

Conventions:

* A :data:`Shape` is the *full* shape including the batch axis, e.g.
  ``(None, 28, 28, 3)``. ``None`` marks an unknown size, and it propagates only
  to the axes it actually affects.
* The formulas mirror Keras 3 (``keras/src/ops/operation_utils.py`` and
  ``keras/src/backend/common/backend_utils.py``) so that the results equal
  ``layer.compute_output_shape(...)`` wherever Keras itself returns a value.
* Where Keras would *raise* because an output size collapses to zero or below
  (e.g. a 3x3 ``"valid"`` conv on a 2x2 map, or over-cropping), we instead
  return the shape with the computed non-positive integer in that axis, so the
  caller can detect and report the collapse precisely.
* Malformed or unsupported input never raises; it yields ``None``.

Layout: :mod:`.common` holds the value helpers and the dispatch
(:func:`infer_output_shape`); each layer family has a module with a ``HANDLERS`` table
(:mod:`.core`, :mod:`.conv`, :mod:`.merge`, :mod:`.recurrent`, :mod:`.attention`,
:mod:`.preprocessing`), which this ``__init__`` registers. Families import only
:mod:`.common`, never each other or this package.
"""

from __future__ import annotations

from modelcheck.graph.shapes import attention, conv, core, merge, preprocessing, recurrent
from modelcheck.graph.shapes.common import MAX_DIM, Shape, _register, infer_output_shape
from modelcheck.graph.shapes.conv import Window, spatial_dims, spatial_window

__all__ = [
    "MAX_DIM",
    "Shape",
    "Window",
    "infer_output_shape",
    "spatial_dims",
    "spatial_window",
]

for _family in (core, conv, merge, recurrent, attention, preprocessing):
    _register(_family.HANDLERS)
del _family
