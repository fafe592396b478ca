"""Readers: one module per input kind, each turning its input into a :class:`ModelGraph`.

- :mod:`.bounded` — bounded reading of archives and JSON, shared by every file reader
  (sizes, depth, element counts, integer digits; the file-format signatures, defined once);
- :mod:`.model_file` — ``.keras`` archives and directories, legacy ``.h5``, config JSON;
- :mod:`.weights` — the weights a saved model holds (h5py/numpy, on request only);
- :mod:`.live` — an in-memory ``keras.Model`` (imports nothing from Keras itself).

Each builds the graph with :func:`modelcheck.graph.keras_config.graph_from_config`; the
isolation helpers (:mod:`modelcheck.graph.isolate`) depend on no reader.
"""
