"""MC4xx: shape bugs found by static shape inference."""

from __future__ import annotations

from collections.abc import Iterator

from modelcheck.findings import Finding
from modelcheck.findings import Severity as S
from modelcheck.graph.compile_info import CROSS_ENTROPY
from modelcheck.graph.ir import ModelGraph, Node
from modelcheck.graph.layers import Kind, is_batch_norm, is_dropout, is_global_pool
from modelcheck.graph.shapes import spatial_dims, spatial_window
from modelcheck.graph.walk import dense_head, single_input
from modelcheck.linting.rule import Rule, describe


def _fmt(shape: tuple[int | None, ...] | None) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")" if shape else "?"


def _input_shape(graph: ModelGraph, node: Node) -> tuple[int | None, ...] | None:
    preds = graph.predecessors(node)
    if len(preds) == 1:
        return preds[0].output_shape
    return node.input_shape_hint if not preds else None


_DENSE = ("Dense", "EinsumDense")
#: Layers that keep a feature map's shape and act on each position (or channel) alone: the
#: map passes them unflattened on its way to the head.
_PER_POSITION = ("LayerNormalization", "UnitNormalization", "RMSNormalization", "GaussianNoise")


def _first_dense_on_map(graph: ModelGraph, head: Node, rank: int = 4) -> Node:
    """The earliest Dense layer on the head's path that already receives the unflattened
    feature map: ``Conv -> Dense(64) -> Dense(10)`` is missing its Flatten before the first
    Dense, not before the head. Walks back through Dense layers (which act on the last axis,
    position by position) and layers that keep the map's shape (activations, dropout,
    normalization)."""
    first = cur = head
    for _ in range(len(graph)):
        prev = single_input(graph, cur)
        shape = _input_shape(graph, prev) if prev is not None else None
        if prev is None or shape is None or len(shape) < rank or prev.wrapper:
            break
        if prev.core_class in _DENSE:
            first = prev
        elif not (
            prev.kind is Kind.ACTIVATION
            or is_dropout(prev.core_class)
            or is_batch_norm(prev.core_class)
            or prev.core_class in _PER_POSITION
        ):
            break
        cur = prev
    return first


class MissingFlatten(Rule):
    """A feature map (rank 4 or more) reaches the Dense output head without Flatten or
    global pooling.

    ## Why is this bad?
    ``Dense`` only acts on the last axis. Fed a ``(batch, height, width, channels)`` feature
    map, it classifies every pixel separately and the model outputs
    ``(batch, height, width, classes)`` instead of one prediction per image; the loss then
    compares labels against a map, or Keras fails at ``fit()`` with a shape error. The finding
    names the first Dense layer that receives the map (``Conv -> Dense(64) -> Dense(10)``
    lacks its Flatten before ``Dense(64)``), where the Flatten belongs.

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
    group = "shapes"
    name = "missing-flatten"
    severity = S.ERROR
    message = (
        "{layer} receives a rank-{rank} feature map {shape}{through}, so the output is {out_shape}"
    )
    fix = "Insert Flatten() or GlobalAveragePooling2D() before '{name}'"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for out in graph.output_nodes():
            head = dense_head(graph, out)
            if head is None:
                continue
            shape = _input_shape(graph, head)
            if shape is None or len(shape) < 4:
                continue
            first = _first_dense_on_map(graph, head)
            shape = _input_shape(graph, first) or shape
            yield self.finding(
                graph,
                first,
                layer=describe(first),
                rank=len(shape),
                shape=_fmt(shape),
                through="" if first is head else f" and passes it on to the head '{head.id}'",
                out_shape=_fmt(out.output_shape),
                name=first.name,
                evidence={"head": head.id},
            )


def _downsamplers(graph: ModelGraph, head: Node) -> list[Node]:
    """1D pooling and strided 1D convolutions upstream of ``head`` (``TimeDistributed`` ones
    act on another axis and are skipped), nearest first."""
    found: list[Node] = []
    seen: set[str] = set()
    stack = list(graph.predecessors(head))
    while stack:
        node = stack.pop(0)
        if node.id in seen:
            continue
        seen.add(node.id)
        window = None if node.wrapper else spatial_window(node.core_class, node.core_config)
        if (
            window is not None
            and window.rank == 1
            and "Transpose" not in node.core_class
            and any(st > 1 for st in window.strides)
        ):
            found.append(node)
        stack.extend(graph.predecessors(node))
    return found


class UnpooledSequenceHead(Rule):
    """A downsampled sequence (rank 3) reaches a classification head without Flatten or
    global pooling.

    ## Why is this bad?
    ``Dense`` acts on the last axis only. Fed ``(batch, steps, features)``, it classifies
    every time step and the model outputs ``(batch, steps, classes)``: one prediction per
    step, not per sample. With per-sample labels, Keras either refuses them at ``fit()`` or,
    for ``sparse_categorical_crossentropy`` and ``binary_crossentropy``, broadcasts the label
    over the steps and trains every step to predict it, and accuracy is measured per step.
    Sequence tagging (one label per token) is a correct design, but it keeps the time axis at
    its input length; pooling or strided convolutions that shrank the time axis on the way
    say the steps are not the labelled units, so the Flatten or global pooling is missing.
    Only those models are reported (and only under a classification loss: CTC and custom
    losses are left alone).

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((100, 8)),
        layers.Conv1D(32, 5, activation="relu"),
        layers.MaxPooling1D(2),
        layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((100, 8)),
        layers.Conv1D(32, 5, activation="relu"),
        layers.MaxPooling1D(2),
        layers.GlobalMaxPooling1D(),
        layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    ```
    """

    code = "MC404"
    group = "shapes"
    name = "unpooled-sequence-head"
    severity = S.ERROR
    message = (
        "{layer} receives a sequence {shape} that {downsampler} downsampled, so the model "
        "outputs one prediction per step {out_shape}, not one per sample"
    )
    fix = "Insert GlobalMaxPooling1D(), GlobalAveragePooling1D() or Flatten() before '{name}'"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for out in graph.output_nodes():
            head = dense_head(graph, out)
            loss = graph.loss_for(out)
            if head is None or loss is None or loss.name not in CROSS_ENTROPY:
                continue
            shape = _input_shape(graph, head)
            if shape is None or len(shape) != 3:
                continue
            first = _first_dense_on_map(graph, head, rank=3)
            down = _downsamplers(graph, first)
            if not down:
                continue
            yield self.finding(
                graph,
                first,
                layer=describe(first),
                shape=_fmt(_input_shape(graph, first) or shape),
                downsampler=describe(down[0]),
                out_shape=_fmt(out.output_shape),
                name=first.name,
                evidence={"head": head.id, "downsampled_by": [n.id for n in down]},
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
    group = "shapes"
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
    """The input looks channels-first, but the model's layers are channels-last (or the
    reverse).

    ## Why is this bad?
    Keras layers default to ``data_format="channels_last"``: ``(height, width, channels)``.
    An input declared as ``(3, 224, 224)`` is then read as an image 3 pixels high with 224
    channels; convolutions and pooling slide over the wrong axes and the map collapses after
    the first pooling. The model may still build and train, badly. The reverse happens with
    code written for channels-first backends (Theano, ``data_format="channels_first"``) fed
    ``(224, 224, 3)`` images: the layers read 224 channels of a 224 x 3 image.

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
    group = "shapes"
    name = "channels-first-input"
    severity = S.WARNING
    message = "{layer} reads its input {shape} as {read_as}; it looks {looks}"
    fix = "{fix}"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for node in graph:
            window = spatial_window(node.core_class, node.core_config)
            if window is None or window.rank != 2:
                continue
            shape = _input_shape(graph, node)
            if shape is None or len(shape) != 4:
                continue
            _, a, b, c = shape
            if isinstance(a, int) and isinstance(b, int) and isinstance(c, int):
                if not window.channels_first and _channels_at(a, b, c):
                    yield self.finding(
                        graph,
                        node,
                        layer=describe(node),
                        shape=_fmt(shape[1:]),
                        read_as=f"channels-last (height={a}, channels={c})",
                        looks="channels-first",
                        fix=(
                            "Transpose the data to (height, width, channels) and declare "
                            f"Input({_fmt((b, c, a))}), or set "
                            'data_format="channels_first" on the spatial layers'
                        ),
                    )
                elif window.channels_first and _channels_at(c, b, a):
                    yield self.finding(
                        graph,
                        node,
                        layer=describe(node),
                        shape=_fmt(shape[1:]),
                        read_as=f"channels-first (channels={a}, width={c})",
                        looks="channels-last",
                        fix=(
                            'Remove data_format="channels_first" from the spatial layers (Keras '
                            "layers are channels-last by default), or transpose the data to "
                            f"(channels, height, width) and declare Input({_fmt((c, a, b))})"
                        ),
                    )
            # Only the first spatial layer on each path can be fooled by the input layout.
            break


def _channels_at(channels: int, side: int, read_as_channels: int) -> bool:
    """An image axis of 1, 3 or 4 (``channels``) where the layer expects a spatial side, next
    to two sides of at least 16 one of which the layer reads as channels."""
    return (
        channels in (1, 3, 4)
        and side >= 16
        and read_as_channels >= 16
        and read_as_channels > 4 * channels
    )
