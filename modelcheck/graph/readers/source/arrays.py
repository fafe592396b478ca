"""What the reader knows about the data arrays a program loads: the shapes and label counts of
the ``keras.datasets`` (without downloading them), followed through the numpy calls programs
make before building a model (``reshape``, ``astype``, ``/ 255``, ``to_categorical``,
``np.unique``, ``x.shape[1:]``). Only shapes, dtypes and class counts: never values."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from modelcheck.graph.readers.source.values import Unknown


@dataclass(frozen=True)
class ArrayInfo:
    """An array's static shape (``None`` for an unknown axis), dtype, and for labels the
    number of classes they take."""

    shape: tuple[int | None, ...]
    dtype: str
    classes: int | None = None
    source: str = ""  #: ``mnist.load_data()`` ...


#: name -> (train x shape, train y shape, test count, x dtype, y dtype, classes)
_DATASETS: dict[str, tuple[tuple[int, ...], tuple[int, ...], int, str, str, int | None]] = {
    "mnist": ((60000, 28, 28), (60000,), 10000, "uint8", "uint8", 10),
    "fashion_mnist": ((60000, 28, 28), (60000,), 10000, "uint8", "uint8", 10),
    "cifar10": ((50000, 32, 32, 3), (50000, 1), 10000, "uint8", "uint8", 10),
    "cifar100": ((50000, 32, 32, 3), (50000, 1), 10000, "uint8", "int64", 100),
    "imdb": ((25000,), (25000,), 25000, "object", "int64", 2),
    "reuters": ((8982,), (8982,), 2246, "object", "int64", 46),
    "boston_housing": ((404, 13), (404,), 102, "float64", "float64", None),
}


def load_data(name: str, kwargs: dict[str, Any]) -> Any:
    """``keras.datasets.<name>.load_data()``: ``((x_train, y_train), (x_test, y_test))``."""
    spec = _DATASETS.get(name)
    if spec is None:
        return Unknown(f"keras.datasets.{name}")
    x, y, n_test, x_dtype, y_dtype, classes = spec
    if name == "cifar100" and kwargs.get("label_mode") == "coarse":
        classes = 20
    where = f"keras.datasets.{name}.load_data()"

    def pair(n: int) -> tuple[ArrayInfo, ArrayInfo]:
        return (
            ArrayInfo((n, *x[1:]), x_dtype, None, where),
            ArrayInfo((n, *y[1:]), y_dtype, classes, where),
        )

    return (pair(x[0]), pair(n_test))


def _reshape(a: ArrayInfo, shape: Any) -> Any:
    dims = list(shape) if isinstance(shape, (list, tuple)) else [shape]
    if not all(isinstance(d, int) and not isinstance(d, bool) for d in dims):
        return Unknown("a reshape to an unknown shape")
    total = math.prod(d for d in a.shape if d is not None) if None not in a.shape else None
    if dims.count(-1) == 1:
        known = math.prod(d for d in dims if d != -1)
        if total is None or known <= 0 or total % known:
            return Unknown("a reshape the reader cannot check")
        dims[dims.index(-1)] = total // known
    if total is not None and math.prod(dims) != total:
        return Unknown("a reshape that does not fit")
    return replace(a, shape=tuple(dims))


def method(a: ArrayInfo, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """``a.reshape(...)``, ``a.astype(...)`` and the like."""
    if name == "reshape":
        return _reshape(a, args[0] if len(args) == 1 else tuple(args))
    if name == "astype" and args and isinstance(args[0], str):
        return replace(a, dtype=args[0])
    if name in ("copy", "squeeze") and not args:
        if name == "squeeze":
            return replace(a, shape=tuple(d for d in a.shape if d != 1))
        return a
    return Unknown(f"array.{name}()")


def attribute(a: ArrayInfo, name: str) -> Any:
    if name == "shape":
        return a.shape
    if name == "ndim":
        return len(a.shape)
    if name == "dtype":
        return a.dtype
    if name == "size" and None not in a.shape:
        return math.prod(a.shape)  # type: ignore[arg-type]
    if name in ("reshape", "astype", "copy", "squeeze"):
        return ArrayMethod(a, name)
    return Unknown(f"array.{name}")


@dataclass(frozen=True)
class ArrayMethod:
    array: ArrayInfo
    name: str


def subscript(a: ArrayInfo, key: Any) -> Any:
    """``x[:1000]`` (first axis cut), ``x[0]`` (first axis dropped)."""
    if isinstance(key, slice) and key.step in (None, 1):
        n = a.shape[0]
        if n is not None and all(isinstance(v, (int, type(None))) for v in (key.start, key.stop)):
            n = len(range(n)[key])
        else:
            n = None
        return replace(a, shape=(n, *a.shape[1:]))
    if isinstance(key, int) and not isinstance(key, bool) and len(a.shape) > 1:
        return replace(a, shape=a.shape[1:])
    return Unknown("an index into an array")


def arithmetic(a: ArrayInfo) -> ArrayInfo:
    """``x / 255.0``, ``x - mean``: same shape; a float now."""
    return replace(a, dtype="float32" if a.dtype.startswith(("uint", "int")) else a.dtype)


def numpy_call(name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """The numpy functions that keep shapes knowable."""
    a = args[0] if args else None
    if not isinstance(a, ArrayInfo):
        return Unknown(f"numpy.{name}()")
    if name == "reshape" and len(args) > 1:
        return _reshape(a, args[1])
    if name == "expand_dims":
        axis = args[1] if len(args) > 1 else kwargs.get("axis")
        if isinstance(axis, int):
            shape = list(a.shape)
            shape.insert(axis if axis >= 0 else len(shape) + axis + 1, 1)
            return replace(a, shape=tuple(shape))
    if name in ("array", "asarray", "float32", "copy"):
        return a
    if name == "unique" and a.classes is not None:
        return ArrayInfo((a.classes,), a.dtype, a.classes, a.source)
    if name == "max" and a.classes is not None:
        return a.classes - 1
    return Unknown(f"numpy.{name}()")


def to_categorical(args: list[Any], kwargs: dict[str, Any]) -> Any:
    y = args[0] if args else kwargs.get("y")
    n = args[1] if len(args) > 1 else kwargs.get("num_classes")
    if not isinstance(y, ArrayInfo):
        return Unknown("to_categorical() of unknown labels")
    classes = n if isinstance(n, int) and not isinstance(n, bool) else y.classes
    rows = y.shape[0]
    return ArrayInfo((rows, classes), "float32", classes, y.source)
