"""A small abstract interpreter over a program's ``ast``: it follows what is static (constants,
containers, arithmetic, loops over known ranges, helper functions of the same file, classes)
and records the Keras layers, calls and models the code builds. It never imports or runs the
program; what it cannot know becomes :class:`~.values.Unknown`.

The work is bounded by a step budget counted in evaluations (not seconds), so the same file
always gives the same models on any machine.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Callable
from typing import Any

from modelcheck.findings import Region
from modelcheck.graph.readers.source import builtins as B
from modelcheck.graph.readers.source import keras_calls as K
from modelcheck.graph.readers.source.scope import (
    MAX_ALLOCATED,
    MAX_DEPTH,
    MAX_ITERATIONS,
    MAX_RECURSION,
    MAX_STEPS,
    MISSING,
    Break,
    BudgetExceeded,
    Continue,
    Raise,
    Return,
    Scope,
)
from modelcheck.graph.readers.source.statements import Statements, _short
from modelcheck.graph.readers.source.values import (
    BoundMethod,
    ModelBase,
    Unknown,
    UserClass,
    UserFunction,
    is_unknown,
)

__all__ = ["BudgetExceeded", "Interpreter", "Scope", "_short"]


class Interpreter(Statements):
    """Reads one program. ``region(node)`` makes a source region for an ``ast`` node."""

    def __init__(self, region: Callable[[ast.AST], Region]) -> None:
        self.region = region
        self.steps = 0
        self.allocated = 0
        self.over_allocated = False
        self.depth = 0
        self.active: dict[int, int] = {}
        self.assumed: list[str] = []
        self.models: list[ModelBase] = []
        self.functions: list[UserFunction] = []
        self.classes: list[UserClass] = []
        self.notes: list[str] = []
        self.module = Scope()
        self.keras_imported = False
        self.calls = K.KerasCalls(self)

    # -- entry -----------------------------------------------------------------------------
    def run_module(self, tree: ast.Module) -> None:
        """Run the module body, then every builder nobody called (with its defaults)."""
        self.module.vars["__name__"] = "__main__"
        for stmt in tree.body:
            try:
                self.exec_stmt(stmt, self.module)
            except (Return, Break, Continue):
                pass
            except Raise:
                break  # the program stops here
            except BudgetExceeded:
                self.notes.append(f"stopped after {MAX_STEPS:,} evaluation steps; the rest unread")
                return
            except RecursionError:  # nested deeper than Python's stack: skip that statement
                self.notes.append(f"{self.region(stmt).label}: nested too deeply to read")
        try:
            self._run_orphans()
        except BudgetExceeded:
            self.notes.append(f"stopped after {MAX_STEPS:,} evaluation steps; the rest unread")

    def _run_orphans(self) -> None:
        for func in list(self.functions):
            top_level = func.scope is self.module and not isinstance(func.node, ast.Lambda)
            if func.calls == 0 and top_level:
                self._guarded(
                    func.node,
                    lambda f=func: self.call_function(f, [], {}, self.region(f.node), orphan=True),
                )
        for cls in list(self.classes):
            if cls.keras_base == "Model" and cls.instances == 0:
                self._guarded(
                    cls.node,
                    lambda c=cls: self.calls.instantiate(
                        c, [], {}, self.region(c.node), orphan=True
                    ),
                )

    def _guarded(self, node: ast.AST, run: Callable[[], Any]) -> None:
        try:
            run()
        except RecursionError:
            self.notes.append(f"{self.region(node).label}: nested too deeply to read")

    def allocate(self, items: int) -> bool:
        """Count the container items the program makes. Past :data:`MAX_ALLOCATED` in one
        file (a hostile list of lists), only small ones are still made: ``False`` says the
        value is to stay unknown."""
        if items > 16 and self.allocated + items > MAX_ALLOCATED:
            if not self.over_allocated:
                self.notes.append(
                    f"the program builds more than {MAX_ALLOCATED:,} list items; the rest of "
                    "its large data stays unknown"
                )
            self.over_allocated = True
            return False
        self.allocated += items
        return True

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise BudgetExceeded

    # -- expressions -----------------------------------------------------------------------
    def eval(self, node: ast.expr | None, scope: Scope) -> Any:
        if node is None:
            return None
        self.tick()
        handler = _EXPRESSIONS.get(type(node))
        if handler is None:
            return Unknown(f"a {type(node).__name__} expression")
        return handler(self, node, scope)

    def _name(self, node: ast.Name, scope: Scope) -> Any:
        value = scope.lookup(node.id)
        if value is not MISSING:
            return value
        for module in self.module.star:
            ref = self.calls.star_lookup(module, node.id)
            if ref is not None:
                return ref
        if node.id in B.BUILTINS:
            return B.BUILTINS[node.id]
        return Unknown(f"'{node.id}' is not defined in this file")

    def _attribute(self, node: ast.Attribute, scope: Scope) -> Any:
        return self.calls.attribute(self.eval(node.value, scope), node.attr, node)

    def _call(self, node: ast.Call, scope: Scope) -> Any:
        if _is_super(node):
            return self.calls.super_proxy(scope)
        func = self.eval(node.func, scope)
        args: list[Any] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                items = B.as_sequence(self.eval(a.value, scope))
                if items is None:
                    args.append(Unknown("*args"))
                else:
                    args.extend(items)
            else:
                args.append(self.eval(a, scope))
        kwargs: dict[str, Any] = {}
        for kw in node.keywords:
            value = self.eval(kw.value, scope)
            if kw.arg is None:
                if isinstance(value, dict):
                    kwargs.update({str(k): v for k, v in value.items()})
            else:
                kwargs[kw.arg] = value
        return self.call_value(func, args, kwargs, node)

    def call_value(self, func: Any, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        if isinstance(func, UserFunction):
            return self.call_function(func, args, kwargs, self.region(node))
        if isinstance(func, BoundMethod):
            return self.call_function(
                func.func, [func.self_value, *args], kwargs, self.region(node)
            )
        if isinstance(func, B.Builtin):
            return func(self, args, kwargs)
        return self.calls.call(func, args, kwargs, node)

    def call_function(
        self,
        func: UserFunction,
        args: list[Any],
        kwargs: dict[str, Any],
        region: Region,
        *,
        orphan: bool = False,
    ) -> Any:
        """Inline a call of a program's function with its arguments bound."""
        func.calls += 1
        if func.kind == "generator":
            return Unknown(f"'{func.qualname}' is a generator (data, not a model)")
        key = id(func)
        if self.depth >= MAX_DEPTH or self.active.get(key, 0) >= MAX_RECURSION:
            return Unknown(f"'{func.qualname}' recurses deeper than the reader follows")
        scope = Scope(parent=func.scope)
        if func.owner is not None:
            if func.kind == "classmethod":
                args = [func.owner, *args]
            elif func.kind == "function" and args:
                scope.vars["__self__"] = args[0]
            scope.vars["__class__"] = func.owner
        self._bind_params(func, args, kwargs, scope, orphan)
        self.depth += 1
        self.active[key] = self.active.get(key, 0) + 1
        try:
            if isinstance(func.node, ast.Lambda):
                return self.eval(func.node.body, scope)
            self.exec_block(func.node.body, scope)
        except Return as ret:
            return ret.value
        except (Raise, Break, Continue):
            return Unknown(f"'{func.qualname}' raises")
        finally:
            self.depth -= 1
            self.active[key] -= 1
        return None

    def _bind_params(
        self,
        func: UserFunction,
        args: list[Any],
        kwargs: dict[str, Any],
        scope: Scope,
        orphan: bool,
    ) -> None:
        spec = func.node.args
        positional = [*spec.posonlyargs, *spec.args]
        first_default = len(positional) - len(func.defaults)
        kwargs = dict(kwargs)
        for i, param in enumerate(positional):
            if i < len(args):
                value = args[i]
            elif param.arg in kwargs:
                value = kwargs.pop(param.arg)
            elif i >= first_default:
                value = func.defaults[i - first_default]
            else:
                why = "a builder's argument nobody passes in this file" if orphan else "missing"
                value = Unknown(f"parameter '{param.arg}': {why}")
            scope.vars[param.arg] = value
        if spec.vararg is not None:
            scope.vars[spec.vararg.arg] = tuple(args[len(positional) :])
        for param in spec.kwonlyargs:
            if param.arg in kwargs:
                scope.vars[param.arg] = kwargs.pop(param.arg)
            else:
                scope.vars[param.arg] = func.kw_defaults.get(
                    param.arg, Unknown(f"parameter '{param.arg}'")
                )
        if spec.kwarg is not None:
            scope.vars[spec.kwarg.arg] = kwargs

    def _lambda(self, node: ast.Lambda, scope: Scope) -> Any:
        return UserFunction(
            node=node,
            scope=scope,
            defaults=[self.eval(d, scope) for d in node.args.defaults],
            qualname="<lambda>",
            calls=1,
        )

    def binop(self, op: ast.operator, left: Any, right: Any, node: ast.AST) -> Any:
        return B.binop(self, op, left, right, node)

    def _binop(self, node: ast.BinOp, scope: Scope) -> Any:
        return self.binop(node.op, self.eval(node.left, scope), self.eval(node.right, scope), node)

    def _unary(self, node: ast.UnaryOp, scope: Scope) -> Any:
        return B.unary(node.op, self.eval(node.operand, scope))

    def _boolop(self, node: ast.BoolOp, scope: Scope) -> Any:
        value: Any = None
        for operand in node.values:
            value = self.eval(operand, scope)
            truth = B.truth(value)
            if truth is None:
                return Unknown("a condition the reader cannot decide")
            if isinstance(node.op, ast.And) and not truth:
                return value
            if isinstance(node.op, ast.Or) and truth:
                return value
        return value

    def _compare(self, node: ast.Compare, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        for op, comparator in zip(node.ops, node.comparators):
            right = self.eval(comparator, scope)
            result = B.compare(op, left, right)
            if result is not True:
                return result
            left = right
        return True

    def _ifexp(self, node: ast.IfExp, scope: Scope) -> Any:
        test = B.truth(self.eval(node.test, scope))
        if test is None:
            return self.eval(node.body, scope)
        return self.eval(node.body if test else node.orelse, scope)

    def _constant(self, node: ast.Constant, scope: Scope) -> Any:
        return node.value

    def _tuple(self, node: ast.Tuple, scope: Scope) -> Any:
        return tuple(self._elements(node.elts, scope))

    def _list(self, node: ast.List, scope: Scope) -> Any:
        return self._elements(node.elts, scope)

    def _set(self, node: ast.Set, scope: Scope) -> Any:
        return self._elements(node.elts, scope)

    def _elements(self, elts: list[ast.expr], scope: Scope) -> list[Any]:
        out: list[Any] = []
        for e in elts:
            if isinstance(e, ast.Starred):
                items = B.as_sequence(self.eval(e.value, scope))
                out.extend(items if items is not None else [Unknown("*items")])
            else:
                out.append(self.eval(e, scope))
        return out

    def _dict(self, node: ast.Dict, scope: Scope) -> Any:
        out: dict[Any, Any] = {}
        for k, v in zip(node.keys, node.values):
            value = self.eval(v, scope)
            if k is None:
                if isinstance(value, dict):
                    out.update(value)
                continue
            key = self.eval(k, scope)
            with contextlib.suppress(TypeError):
                out[key] = value
        return out

    def _subscript(self, node: ast.Subscript, scope: Scope) -> Any:
        return self.calls.subscript(
            self.eval(node.value, scope), self.eval(node.slice, scope), node
        )

    def _slice(self, node: ast.Slice, scope: Scope) -> Any:
        parts = [
            self.eval(p, scope) if p is not None else None
            for p in (node.lower, node.upper, node.step)
        ]
        if any(is_unknown(p) for p in parts):
            return Unknown("a slice bound")
        return slice(*parts)

    def _joined_str(self, node: ast.JoinedStr, scope: Scope) -> Any:
        out = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                out.append(str(part.value))
            elif isinstance(part, ast.FormattedValue):
                value = self.eval(part.value, scope)
                if not isinstance(value, (str, int, float, bool)) or part.format_spec is not None:
                    return Unknown("a formatted string")
                out.append(str(value))
        return "".join(out)

    def _comprehension(
        self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp, scope: Scope
    ) -> Any:
        out: list[Any] = []
        inner = Scope(parent=scope)

        def emit() -> None:
            out.append(self.eval(node.elt, inner))

        if not self._generate(node.generators, 0, inner, emit) or not self.allocate(len(out)):
            return Unknown("a comprehension over values the reader cannot see")
        return out

    def _dict_comp(self, node: ast.DictComp, scope: Scope) -> Any:
        out: dict[Any, Any] = {}
        inner = Scope(parent=scope)

        def add() -> None:
            key = self.eval(node.key, inner)
            with contextlib.suppress(TypeError):
                out[key] = self.eval(node.value, inner)

        if not self._generate(node.generators, 0, inner, add):
            return Unknown("a comprehension over values the reader cannot see")
        return out

    def _generate(
        self, gens: list[ast.comprehension], i: int, scope: Scope, emit: Callable[[], None]
    ) -> bool:
        if i == len(gens):
            emit()
            return True
        gen = gens[i]
        items = B.as_sequence(self.eval(gen.iter, scope))
        if items is None:
            return False
        for item in items[:MAX_ITERATIONS]:
            self.bind(gen.target, item, scope)
            conds = [B.truth(self.eval(c, scope)) for c in gen.ifs]
            if all(c is not False for c in conds) and not self._generate(gens, i + 1, scope, emit):
                return False
        return True

    def _named_expr(self, node: ast.NamedExpr, scope: Scope) -> Any:
        value = self.eval(node.value, scope)
        self.bind(node.target, value, scope)
        return value

    def _starred(self, node: ast.Starred, scope: Scope) -> Any:
        return self.eval(node.value, scope)

    def _await(self, node: ast.Await, scope: Scope) -> Any:
        return self.eval(node.value, scope)

    def new_model(self, model: ModelBase) -> None:
        model.assumed = tuple(self.assumed)
        self.models.append(model)


def _is_super(node: ast.Call) -> bool:
    return isinstance(node.func, ast.Name) and node.func.id == "super"


_EXPRESSIONS: dict[type, Callable[[Interpreter, Any, Scope], Any]] = {
    ast.Name: Interpreter._name,
    ast.Attribute: Interpreter._attribute,
    ast.Call: Interpreter._call,
    ast.Constant: Interpreter._constant,
    ast.BinOp: Interpreter._binop,
    ast.UnaryOp: Interpreter._unary,
    ast.BoolOp: Interpreter._boolop,
    ast.Compare: Interpreter._compare,
    ast.IfExp: Interpreter._ifexp,
    ast.Tuple: Interpreter._tuple,
    ast.List: Interpreter._list,
    ast.Set: Interpreter._set,
    ast.Dict: Interpreter._dict,
    ast.Subscript: Interpreter._subscript,
    ast.Slice: Interpreter._slice,
    ast.JoinedStr: Interpreter._joined_str,
    ast.ListComp: Interpreter._comprehension,
    ast.GeneratorExp: Interpreter._comprehension,
    ast.SetComp: Interpreter._comprehension,
    ast.DictComp: Interpreter._dict_comp,
    ast.Lambda: Interpreter._lambda,
    ast.NamedExpr: Interpreter._named_expr,
    ast.Starred: Interpreter._starred,
    ast.Await: Interpreter._await,
}
