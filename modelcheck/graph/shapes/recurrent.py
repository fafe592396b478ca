"""Shape inference for recurrent layers and for the wrappers that hold another layer.

``SimpleRNN``, ``LSTM``, ``GRU`` (and the Keras 2 ``CuDNN*`` variants), the generic
``RNN(cell)`` with a built-in or stacked cell, and the wrappers ``Bidirectional``,
``TimeDistributed`` and ``SpectralNormalization``, which infer their inner layer through the
package's dispatch and then adjust its shape. (``ConvLSTM*`` is a convolution per time step and
lives with the convolutions.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelcheck.graph.shapes.common import (
    Shape,
    _as_list,
    _broadcast_pair,
    _first,
    _Handler,
    _infer,
    _inner_layer,
    _positive_int,
    _unwrap,
)

_RNN_LAYERS = frozenset({"SimpleRNN", "LSTM", "GRU", "CuDNNLSTM", "CuDNNGRU"})
_RNN_CELLS = frozenset({"SimpleRNNCell", "LSTMCell", "GRUCell"})


# ---------------------------------------------------------------------------
# Recurrent layers
# ---------------------------------------------------------------------------


def _rnn(config: Mapping[str, Any], shapes: list[Shape | None], units: int | None) -> Shape | None:
    """SimpleRNN/LSTM/GRU (and generic RNN once ``units`` is resolved).

    Extra inputs (initial states) are ignored; with ``return_state`` only the
    first output (the sequence output or last output) is reported.
    """
    x = _first(shapes)
    return_sequences = config.get("return_sequences", False)
    if x is None or units is None or len(x) != 3:
        return None
    if not isinstance(return_sequences, bool):
        return None
    if return_sequences:
        return (x[0], x[1], units)
    return (x[0], units)


def _rnn_layer(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """SimpleRNN/LSTM/GRU: ``units`` is in the layer's own config."""
    return _rnn(config, shapes, _positive_int(config.get("units")))


def _cell_units(cell: Any) -> int | None:
    """Output size of a serialized RNN cell (or a StackedRNNCells)."""
    inner = _inner_layer(cell)
    if inner is None:
        return None
    name, cfg = inner
    if name in _RNN_CELLS:
        return _positive_int(cfg.get("units"))
    if name == "StackedRNNCells":
        cells = _as_list(cfg.get("cells"))
        # The stack's output is its last cell's output.
        return _cell_units(cells[-1]) if cells else None
    return None


def _generic_rnn(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """``keras.layers.RNN(cell)`` with a built-in (or stacked) cell."""
    cell = _unwrap(config.get("cell"))
    if isinstance(cell, list):
        # Keras 2 could serialize a list of cells directly.
        return _rnn(config, shapes, _cell_units(cell[-1]) if cell else None)
    return _rnn(config, shapes, _cell_units(cell))


# ---------------------------------------------------------------------------
# Wrappers
# ---------------------------------------------------------------------------


def _bidirectional(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Bidirectional: infer the wrapped RNN, then apply ``merge_mode``."""
    forward = _inner_layer(config.get("layer"))
    if forward is None:
        return None
    fwd = _infer(forward[0], forward[1], shapes[:1])
    if fwd is None:
        return None
    bwd = fwd
    if config.get("backward_layer") is not None:
        backward = _inner_layer(config.get("backward_layer"))
        if backward is None:
            return None
        bwd_shape = _infer(backward[0], backward[1], shapes[:1])
        if bwd_shape is None or len(bwd_shape) != len(fwd):
            return None
        bwd = bwd_shape
    merge_mode = config.get("merge_mode", "concat")
    if merge_mode == "concat":
        # The real concat is forward + backward features. (Keras's own
        # compute_output_shape doubles the forward size, which is wrong when
        # a custom backward_layer has a different width.)
        last = None if fwd[-1] is None or bwd[-1] is None else fwd[-1] + bwd[-1]
        return (*fwd[:-1], last)
    if merge_mode in ("sum", "mul", "ave"):
        return _broadcast_pair(fwd, bwd) if fwd != bwd else fwd
    if merge_mode is None:
        return fwd  # Two outputs; report the forward one.
    return None


def _time_distributed(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """TimeDistributed: apply the inner layer to ``(batch, *x[2:])``."""
    x = _first(shapes)
    inner = _inner_layer(config.get("layer"))
    if x is None or inner is None or len(x) < 3:
        return None
    child = _infer(inner[0], inner[1], [(x[0], *x[2:])])
    if child is None or len(child) < 1:
        return None
    return (child[0], x[1], *child[1:])


def _wrapper_passthrough(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Wrappers that don't change the inner layer's shape (SpectralNormalization)."""
    inner = _inner_layer(config.get("layer"))
    if inner is None:
        return None
    return _infer(inner[0], inner[1], shapes)


HANDLERS: dict[str, _Handler] = {
    **dict.fromkeys(_RNN_LAYERS, _rnn_layer),
    "RNN": _generic_rnn,
    "Bidirectional": _bidirectional,
    "TimeDistributed": _time_distributed,
    "SpectralNormalization": _wrapper_passthrough,
}
"""This family's handlers, by ``class_name``; registered by the package ``__init__``."""
