"""What every layer family of :mod:`modelcheck.graph.shapes` shares.

The :data:`Shape` type and :data:`MAX_DIM`; the helpers that normalise config values and input
shapes (each returns ``None`` for anything malformed, so a handler can bail out with a single
check); Keras merge broadcasting, which merge layers and ``Bidirectional`` share; and the
dispatch: every family module declares a ``HANDLERS`` dict from ``class_name`` to handler, the
package ``__init__`` registers them all with :func:`_register`, and :func:`_infer` routes one
layer to its handler. Wrappers and nested models recurse through :func:`_infer`, which is why
it lives here and not in a module that imports the families.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Shape = tuple[int | None, ...]
"""A full tensor shape including the batch axis; ``None`` means unknown."""

#: The largest size a Keras model can have (an int64: what TensorFlow, JAX and Torch index
#: with). A larger inferred dimension or parameter count is unknown, not a number to print.
MAX_DIM = 2**63 - 1

#: A family handler: ``(config, input_shapes) -> output shape or None``.
_Handler = Callable[[Mapping[str, Any], list[Shape | None]], Shape | None]


# ---------------------------------------------------------------------------
# Dispatch
# ---------------------------------------------------------------------------

#: ``class_name`` (Keras 3 names plus the public aliases, which Keras 2 era files and
#: hand-written configs may use) -> handler. Filled by the package ``__init__``.
_HANDLERS: dict[str, _Handler] = {}


def _register(handlers: Mapping[str, _Handler]) -> None:
    """Adds one family's handlers to the dispatch table; a class name has one family."""
    clash = _HANDLERS.keys() & handlers.keys()
    if clash:
        raise ValueError(f"shape handlers registered twice: {sorted(clash)}")
    _HANDLERS.update(handlers)


def _infer(class_name: str, config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Routes one layer to its handler; see :func:`infer_output_shape`."""
    handler = _HANDLERS.get(class_name)
    if handler is None:
        return None
    return handler(config, shapes)


def infer_output_shape(
    class_name: str,
    config: Mapping[str, Any],
    input_shapes: Sequence[Shape | None],
) -> Shape | None:
    """Infers the output shape of one call of a Keras layer.

    Args:
        class_name: The layer's serialized ``class_name`` (e.g. ``"Conv2D"``;
            public aliases such as ``"MaxPool2D"`` are accepted too).
        config: The layer's ``config`` dict, in Keras 3 or Keras 2 spelling.
        input_shapes: One full shape (batch axis included) per input tensor,
            in call order; an entry may be ``None`` when that shape is
            unknown. Empty for ``InputLayer``.

    Returns:
        The output shape, or ``None`` when it is unknown: unsupported layer,
        malformed config (wrong types, missing required keys, non-positive
        sizes), missing or incompatible input shapes (wrong rank, mismatched
        merge operands, reshape size mismatch, ...). Layers with several
        outputs (RNNs with ``return_state``, ``Bidirectional`` with
        ``merge_mode=None``) report their first output.

        Unknown dims in the inputs make only the affected output axes
        ``None``. Negative dims in the inputs are treated as unknown, so a
        collapse reported upstream does not cascade into nonsense sizes.

        When a size collapses (a ``"valid"`` conv/pool window larger than its
        input, or cropping away everything), Keras raises; this function
        instead returns the shape with the computed ``<= 0`` integer kept in
        that axis, so callers can detect the collapse. Never raises.
    """
    try:
        if not isinstance(class_name, str) or not isinstance(config, Mapping):
            return None
        if isinstance(input_shapes, (str, bytes)) or not isinstance(input_shapes, Sequence):
            return None
        shapes = [_clean_shape(s) for s in input_shapes]
        out = _infer(class_name, config, shapes)
        return None if out is None or any(d is not None and d > MAX_DIM for d in out) else out
    except Exception:  # noqa: BLE001 - the contract is "never raises".
        # Deeply odd configs can still trip an arithmetic or recursion error
        # somewhere; an unknown shape is always a safe answer for a linter.
        return None


def _same_shape(config: Mapping[str, Any], shapes: list[Shape | None]) -> Shape | None:
    """Handler of the layers whose output shape is their (first) input shape, unconditionally."""
    del config
    return shapes[0] if shapes else None


# ---------------------------------------------------------------------------
# Value normalisation helpers. Each returns None for anything malformed so the
# handlers can bail out with a single check.
# ---------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    """True for real ints; ``bool`` is an ``int`` subclass but never a size."""
    return isinstance(value, int) and not isinstance(value, bool)


def _unwrap(value: Any) -> Any:
    """Unwraps a serialized tuple (``{"class_name": "__tuple__", ...}``).

    Current Keras writes tuples as plain JSON lists, but some Keras 3
    pre-releases wrapped them; accepting both costs nothing.
    """
    if (
        isinstance(value, Mapping)
        and value.get("class_name") == "__tuple__"
        and isinstance(value.get("config"), Mapping)
    ):
        return value["config"].get("value")
    return value


def _as_list(value: Any) -> list[Any] | None:
    """Returns ``value`` as a list if it is a JSON-array-like sequence."""
    value = _unwrap(value)
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def _positive_int(value: Any) -> int | None:
    """Returns ``value`` if it is an int > 0, else ``None``."""
    return value if _is_int(value) and value > 0 else None


def _int_tuple(value: Any, n: int, *, allow_zero: bool = False) -> tuple[int, ...] | None:
    """Mirrors Keras's ``standardize_tuple``: int or length-``n`` int list.

    Args:
        value: An int (broadcast to all ``n`` dims) or a sequence of ``n`` ints.
        n: Number of entries wanted.
        allow_zero: Accept zeros (paddings, croppings) instead of requiring
            strictly positive values (sizes, strides).

    Returns:
        A tuple of ``n`` ints, or ``None`` if ``value`` is malformed.
    """
    lowest = 0 if allow_zero else 1
    if _is_int(value):
        items = [value] * n
    else:
        seq = _as_list(value)
        if seq is None or len(seq) != n:
            return None
        items = seq
    if not all(_is_int(v) and v >= lowest for v in items):
        return None
    return tuple(items)


def _channels_first(config: Mapping[str, Any]) -> bool | None:
    """Reads ``data_format``: ``None``/absent means channels_last."""
    fmt = config.get("data_format")
    if fmt is None:
        return False
    if not isinstance(fmt, str):
        return None
    fmt = fmt.lower()
    if fmt == "channels_first":
        return True
    if fmt == "channels_last":
        return False
    return None


def _clean_shape(shape: Any) -> Shape | None:
    """Validates a shape; negative dims become ``None`` (see the package doc)."""
    seq = _as_list(shape)
    if seq is None:
        return None
    out: list[int | None] = []
    for dim in seq:
        if dim is None:
            out.append(None)
        elif _is_int(dim):
            # A negative dim can only come from an upstream collapse we
            # already reported; downstream it is simply unknown (as is one no model has).
            out.append(dim if 0 <= dim <= MAX_DIM else None)
        else:
            return None
    return tuple(out)


def _first(shapes: list[Shape | None]) -> Shape | None:
    """The first input shape, for single-input layers."""
    return shapes[0] if shapes else None


def _inner_layer(value: Any) -> tuple[str, Mapping[str, Any]] | None:
    """Extracts ``(class_name, config)`` from a serialized nested layer."""
    if not isinstance(value, Mapping):
        return None
    name = value.get("class_name")
    cfg = value.get("config")
    if not isinstance(name, str) or not isinstance(cfg, Mapping):
        return None
    return name, cfg


def _axis_in_range(axis: Any, rank: int) -> bool:
    """True if ``axis`` is an int that indexes a rank-``rank`` shape."""
    return _is_int(axis) and -rank <= axis < rank


# ---------------------------------------------------------------------------
# Shared by several families
# ---------------------------------------------------------------------------


def _broadcast_pair(a: Shape, b: Shape) -> Shape | None:
    """Keras merge-layer broadcasting of two batch-less shapes.

    This is ``Merge._compute_elemwise_op_output_shape``: right-aligned, and,
    unlike NumPy, an unknown dim on *either* side makes the result unknown.
    Used by the merge layers and by ``Bidirectional``'s sum/mul/ave modes.
    """
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    out: list[int | None] = list(a[: len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b) :], b, strict=True):
        if i is None or j is None:
            out.append(None)
        elif i == 1:
            out.append(j)
        elif j == 1 or i == j:
            out.append(i)
        else:
            return None
    return tuple(out)
