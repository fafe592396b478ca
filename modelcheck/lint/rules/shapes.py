"""MC4xx: shape bugs found by static shape inference."""

from __future__ import annotations

from collections.abc import Iterator

from modelcheck.findings import Finding
from modelcheck.findings import Severity as S
from modelcheck.graph.ir import ModelGraph, Node
from modelcheck.graph.layers import Kind, is_global_pool
from modelcheck.graph.shapes import spatial_dims, spatial_window
from modelcheck.graph.walk import head_of
from modelcheck.lint.rule import Rule, describe


def _fmt(shape: tuple[int | None, ...] | None) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")" if shape else "?"


def _input_shape(graph: ModelGraph, node: Node) -> tuple[int | None, ...] | None:
    preds = graph.predecessors(node)
    if len(preds) == 1:
        return preds[0].output_shape
    return node.input_shape_hint if not preds else None


class MissingFlatten(Rule):
    """A feature map (rank 4 or more) reaches the Dense output head without Flatten or
    global pooling.

    ## Why is this bad?
    ``Dense`` only acts on the last axis. Fed a ``(batch, height, width, channels)`` feature
    map, it classifies every pixel separately and the model outputs
    ``(batch, height, width, classes)`` instead of one prediction per image; the loss then
    compares labels against a map, or Keras fails at ``fit()`` with a shape error.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "MC401"
    name = "missing-flatten"
    severity = S.ERROR
    message = "{head} receives a rank-{rank} feature map {shape}, so the output is {out_shape}"
    fix = "Insert Flatten() or GlobalAveragePooling2D() before '{name}'"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for out in graph.output_nodes():
            head = head_of(graph, out)
            if head is None or head.core_class not in ("Dense", "EinsumDense") or head.wrapper:
                continue
            shape = _input_shape(graph, head)
            if shape is not None and len(shape) >= 4:
                yield self.finding(
                    graph,
                    head,
                    head=describe(head),
                    rank=len(shape),
                    shape=_fmt(shape),
                    out_shape=_fmt(out.output_shape),
                    name=head.name,
                )


class SpatialCollapse(Rule):
    """A feature map is smaller than the next kernel or pooling window.

    ## Why is this bad?
    Each valid convolution and pooling shrinks the feature map. Once a dimension is smaller
    than the window, a ``valid`` layer has no position left to apply (Keras refuses to build
    the model, or you got there only by editing a config); with ``same`` padding the window
    sees mostly zero padding and a 1x1 map makes every further spatial layer a per-pixel
    Dense. A common cause is channels-first input ``(3, 32, 32)`` read as channels-last: the
    "height" is 3 pixels.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        layers.Conv2D(16, 3, activation="relu"),    # 6x6
        layers.MaxPooling2D(2),                     # 3x3
        layers.MaxPooling2D(2),                     # 1x1
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        layers.Conv2D(16, 3, activation="relu", padding="same"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "MC402"
    name = "spatial-collapse"
    severity = S.ERROR
    message = "{layer} applies a {window} window to a {dims} feature map{why}"
    fix = (
        'Use padding="same", fewer pooling/stride steps, or a larger input; if the input is '
        "channels-first, transpose it to channels-last"
    )

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for node in graph:
            if (
                node.kind not in (Kind.WEIGHT, Kind.LINEAR)
                or is_global_pool(node.core_class)
                or "Transpose" in node.core_class
            ):
                continue  # transposed convs grow the map: a kernel larger than it is normal
            window = spatial_window(node.core_class, node.core_config)
            shape = _input_shape(graph, node)
            if window is None or shape is None:
                continue
            dims = spatial_dims(shape, window.channels_first)
            if not dims or len(dims) != window.rank:
                continue
            span = [d * (k - 1) + 1 for k, d in zip(window.size, window.dilation)]
            known = [(n, k) for n, k in zip(dims, span) if isinstance(n, int)]
            if not known:
                continue
            window_txt = "x".join(map(str, window.size))
            dims_txt = "x".join("?" if d is None else str(d) for d in dims)
            if window.padding == "valid" and any(n < k for n, k in known):
                yield self.finding(
                    graph,
                    node,
                    layer=describe(node),
                    window=window_txt,
                    dims=dims_txt,
                    why=' with padding="valid": no position fits',
                )
            elif all(n == 1 for n, _ in known) and any(k > 1 for _, k in known):
                yield self.finding(
                    graph,
                    node,
                    severity=S.WARNING,
                    layer=describe(node),
                    window=window_txt,
                    dims=dims_txt,
                    why=": the map has collapsed to a single pixel",
                )


class ChannelsFirstInput(Rule):
    """The input looks channels-first, but the model's layers are channels-last.

    ## Why is this bad?
    Keras layers default to ``data_format="channels_last"``: ``(height, width, channels)``.
    An input declared as ``(3, 224, 224)`` is then read as an image 3 pixels high with 224
    channels; convolutions and pooling slide over the wrong axes and the map collapses after
    the first pooling. The model may still build and train, badly.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((3, 32, 32)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((32, 32, 3)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "MC403"
    name = "channels-first-input"
    severity = S.WARNING
    message = (
        "{layer} reads its input {shape} as channels-last (height={h}, channels={c}); it looks "
        "channels-first"
    )
    fix = (
        "Transpose the data to (height, width, channels) and declare Input({suggested}), or set "
        'data_format="channels_first" on the spatial layers'
    )

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for node in graph:
            window = spatial_window(node.core_class, node.core_config)
            if window is None or window.channels_first or window.rank != 2:
                continue
            shape = _input_shape(graph, node)
            if shape is None or len(shape) != 4:
                continue
            _, a, b, c = shape
            if (
                isinstance(a, int)
                and isinstance(b, int)
                and isinstance(c, int)
                and a in (1, 3, 4)
                and b >= 16
                and c >= 16
                and c > 4 * a
            ):
                yield self.finding(
                    graph,
                    node,
                    layer=describe(node),
                    shape=_fmt(shape[1:]),
                    h=a,
                    c=c,
                    suggested=_fmt((b, c, a)),
                )
            # Only the first spatial layer on each path can be fooled by the input layout.
            break
