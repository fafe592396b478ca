"""What the source interpreter's statements and expressions share: the scopes names live in,
the signals that end a block (``return``, ``break``, ``continue``, ``raise``) and the bounds
that keep a hostile program from running the reader for long."""

from __future__ import annotations

from typing import Any

#: Evaluation steps one file may take; beyond it the reader stops and says so.
MAX_STEPS = 400_000
#: Items of lists, tuples and strings one file may build (bounds the reader's memory).
MAX_ALLOCATED = 5_000_000
#: Iterations one loop is unrolled; a longer loop is read this many times and noted.
MAX_ITERATIONS = 1_000
#: Evaluation steps one loop statement may take before the reader stops repeating it: few
#: while it has built no layer (a data or training loop), many while it builds the model.
IDLE_LOOP_STEPS = 2_000
LOOP_STEPS = 50_000
#: Iterations of one ``while`` loop (a training or data loop, not a model builder).
MAX_WHILE_ITERATIONS = 100
#: Nested inlined calls, and calls of one function active at once (recursion).
MAX_DEPTH = 24
MAX_RECURSION = 3


class BudgetExceeded(Exception):
    """The program needs more evaluation steps than :data:`MAX_STEPS`."""


class Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class Break(Exception):
    pass


class Continue(Exception):
    pass


class Raise(Exception):
    """The program raises here: this path ends."""


class Scope:
    """Names bound in one function (or the module); lookups fall back to the parent."""

    __slots__ = ("vars", "parent", "star")

    def __init__(self, parent: Scope | None = None) -> None:
        self.vars: dict[str, Any] = {}
        self.parent = parent
        self.star: list[str] = []  #: modules of ``from m import *`` (module scope only)

    def lookup(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name]
            scope = scope.parent
        return MISSING


MISSING = object()
