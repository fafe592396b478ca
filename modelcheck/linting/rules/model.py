"""MC0xx: what could not be analysed."""

from __future__ import annotations

from collections.abc import Iterator

from modelcheck.findings import Finding
from modelcheck.findings import Severity as S
from modelcheck.graph.ir import ModelGraph
from modelcheck.graph.layers import Kind
from modelcheck.linting.rule import Rule


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
    group = "model"
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


class UnusedSuppression(Rule):
    """A ``per-file-ignores`` entry of ``[tool.modelcheck]`` suppressed nothing.

    Reported when the entry's file glob matched at least one model linted in the run but no
    finding of the listed rules sat in the matching files (and layers). Entries whose files
    were not part of the run (pre-commit passes only the changed files) are not judged.

    ## Why is this bad?
    A stale suppression hides nothing today, but it will silently hide the next real bug of
    that rule in those files or layers. A layer glob with a typo never suppresses what it
    was meant to, so the finding it was meant for is still reported and the entry only adds
    noise to the configuration.

    ## Anti-pattern
    ```toml
    [tool.modelcheck.per-file-ignores]
    # the model has no layer called dense_9, so this silences nothing
    "models/*.keras::dense_9" = ["MC203"]
    ```

    ## Best practice
    ```toml
    [tool.modelcheck.per-file-ignores]
    "models/*.keras::logits" = { rules = ["MC203"], reason = "kept for a paper replication" }
    ```
    """

    code = "MC002"
    group = "model"
    name = "unused-suppression"
    severity = S.INFO
    example_language = "toml"
    needs_graph = False
    message = "per-file-ignores {key!r} suppressed nothing in the {files} matching model file(s)"
    fix = "Remove the entry, or correct its file/layer glob or rule list"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        return iter(())  # judged over the whole run by modelcheck.linting.suppress


class UnusedNoqa(Rule):
    """A ``# noqa: MC...`` comment on a model's line suppressed nothing.

    Reported for inline suppressions in Python source and notebooks that name modelcheck
    codes (``MC``/``MP``) on the line of a layer or of the model, when no finding of those
    codes sat there. A bare ``# noqa`` and codes of other tools (``E501``) are left alone.

    ## Why is this bad?
    The comment hides nothing today, but it will silently hide the next real bug of that
    rule on that line, and readers take it as a claim that the line has that problem.

    ## Anti-pattern
    ```python
    model = keras.Sequential([
        keras.Input((8,)),
        layers.Dense(10, activation="softmax"),  # noqa: MC203
    ])
    ```

    ## Best practice
    ```python
    model = keras.Sequential([
        keras.Input((8,)),
        layers.Dense(10, activation="softmax"),
    ])
    ```
    """

    code = "MC003"
    group = "model"
    name = "unused-noqa"
    severity = S.INFO
    needs_graph = False
    source_only = True
    message = "this `# noqa: {codes}` suppressed nothing on the model's line"
    fix = "Remove the comment, or correct its codes"

    def check(self, graph: ModelGraph) -> Iterator[Finding]:
        return iter(())  # judged after the rules ran, by modelcheck.linting.suppress
