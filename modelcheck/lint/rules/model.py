"""MC0xx: what could not be analysed."""

from __future__ import annotations

from collections.abc import Iterator

from modelcheck.findings import Finding
from modelcheck.findings import Severity as S
from modelcheck.graph.ir import ModelGraph
from modelcheck.graph.layers import Kind
from modelcheck.lint.rule import Rule


class OpaqueLayer(Rule):
    """A layer's computation is not in the file (Lambda, custom or unknown class), so the
    rules cannot see through it.

    ## Why is this bad?
    modelcheck never runs code from a model file. A Lambda layer's Python bytecode and a
    custom layer's class are not analysed: the rules treat the layer as an unknown
    nonlinear step, so bugs around it may go unreported. Lambda layers also make a model
    file unloadable in Keras's safe mode and non-portable across Python versions.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((8,)),
        layers.Lambda(lambda t: t * 2.0),
        layers.Dense(1),
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((8,)),
        layers.Rescaling(2.0),
        layers.Dense(1),
    ])
    ```
    """

    code = "MC001"
    name = "opaque-layer"
    severity = S.INFO
    message = "'{layer}' ({cls}) is not analysed: {reason}"
    fix = "Replace it with built-in Keras layers where possible, so it can be checked and loaded safely"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        for node in graph.by_kind(Kind.OPAQUE):
            yield self.finding(
                graph,
                node,
                layer=node.id,
                cls=node.display_class,
                reason=node.opaque_reason or "unknown layer",
            )
