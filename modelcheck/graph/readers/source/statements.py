"""The statements of the source interpreter: assignments, definitions, imports and control
flow. Loops over known values are unrolled; a condition or loop the reader cannot decide is
read the way a reader of the code would assume, and the assumption is noted."""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Callable
from typing import Any

from modelcheck.graph.readers.source import builtins as B
from modelcheck.graph.readers.source.scope import (
    IDLE_LOOP_STEPS,
    LOOP_STEPS,
    MAX_ITERATIONS,
    MAX_WHILE_ITERATIONS,
    Break,
    Continue,
    Raise,
    Return,
    Scope,
)
from modelcheck.graph.readers.source.values import (
    UNKNOWN,
    Instance,
    ModelBase,
    Ref,
    Tensor,
    Unknown,
    UserClass,
    UserFunction,
    is_unknown,
)


class Statements:
    """The statement half of :class:`~.interpreter.Interpreter` (a mixin: it uses the
    interpreter's ``eval``, ``tick``, ``region``, ``calls`` and bookkeeping lists)."""

    def exec_block(self, body: list[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            self.exec_stmt(stmt, scope)

    def exec_stmt(self, stmt: ast.stmt, scope: Scope) -> None:
        self.tick()
        handler = _STATEMENTS.get(type(stmt))
        if handler is not None:
            handler(self, stmt, scope)

    def _assign(self, stmt: ast.Assign, scope: Scope) -> None:
        value = self.eval(stmt.value, scope)
        for target in stmt.targets:
            self.bind(target, value, scope)

    def _ann_assign(self, stmt: ast.AnnAssign, scope: Scope) -> None:
        if stmt.value is not None:
            self.bind(stmt.target, self.eval(stmt.value, scope), scope)

    def _aug_assign(self, stmt: ast.AugAssign, scope: Scope) -> None:
        current = self.eval(stmt.target, scope)
        value = self.eval(stmt.value, scope)
        self.bind(stmt.target, self.binop(stmt.op, current, value, stmt), scope)

    def bind(self, target: ast.expr, value: Any, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            scope.vars[target.id] = value
            model = value.model if isinstance(value, Instance) else value
            if isinstance(model, ModelBase) and model.variable is None:
                model.variable = target.id
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._unpack(target, value, scope)
        elif isinstance(target, ast.Attribute):
            owner = self.eval(target.value, scope)
            if isinstance(owner, Instance):
                owner.attrs[target.attr] = value
                if isinstance(value, ModelBase) and value.variable is None:
                    value.variable = target.attr
        elif isinstance(target, ast.Subscript):
            owner = self.eval(target.value, scope)
            key = self.eval(target.slice, scope)
            if isinstance(owner, dict) and not is_unknown(key):
                with contextlib.suppress(TypeError):  # an unhashable key
                    owner[key] = value
            elif (
                isinstance(owner, list) and isinstance(key, int) and -len(owner) <= key < len(owner)
            ):
                owner[key] = value
        elif isinstance(target, ast.Starred):
            self.bind(target.value, value, scope)

    def _unpack(self, target: ast.Tuple | ast.List, value: Any, scope: Scope) -> None:
        elts = target.elts
        items = B.as_sequence(value)
        star = next((i for i, e in enumerate(elts) if isinstance(e, ast.Starred)), None)
        if isinstance(value, Tensor) and star is None and value.index == 0:
            # ``x, attn = CustomLayer()(x)``: a call with as many outputs as the code unpacks
            value.call.outputs = max(value.call.outputs, len(elts))
            items = [value] + [Tensor(value.call, i) for i in range(1, len(elts))]
        if items is None or (star is None and len(items) != len(elts)):
            for e in elts:
                self.bind(e, Unknown("unpacked from a value the reader cannot see"), scope)
            return
        if star is None:
            for e, v in zip(elts, items):
                self.bind(e, v, scope)
            return
        after = len(elts) - star - 1
        if len(items) < len(elts) - 1:
            for e in elts:
                self.bind(e, UNKNOWN, scope)
            return
        for e, v in zip(elts[:star], items[:star]):
            self.bind(e, v, scope)
        self.bind(elts[star], list(items[star : len(items) - after]), scope)
        for e, v in zip(elts[star + 1 :], items[len(items) - after :]):
            self.bind(e, v, scope)

    def _expr_stmt(self, stmt: ast.Expr, scope: Scope) -> None:
        self.eval(stmt.value, scope)

    def _function_def(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> None:
        args = stmt.args
        func = UserFunction(
            node=stmt,
            scope=scope,
            defaults=[self.eval(d, scope) for d in args.defaults],
            kw_defaults={
                a.arg: self.eval(d, scope)
                for a, d in zip(args.kwonlyargs, args.kw_defaults)
                if d is not None
            },
            qualname=stmt.name,
            kind="generator" if _is_generator(stmt) else _decorated_kind(stmt),
        )
        self.functions.append(func)
        scope.vars[stmt.name] = func

    def _class_def(self, stmt: ast.ClassDef, scope: Scope) -> None:
        bases = [self.eval(b, scope) for b in stmt.bases]
        body = Scope(parent=scope)
        self.exec_block(stmt.body, body)
        cls = UserClass(node=stmt, bases=bases, namespace=dict(body.vars))
        for value in cls.namespace.values():
            if isinstance(value, UserFunction):
                value.scope = scope  # methods see the module, not the class body
                value.calls = max(value.calls, 1)  # never run as orphan builders
                value.owner = cls
        cls.keras_base = self.calls.keras_base(bases)
        self.classes.append(cls)
        scope.vars[stmt.name] = cls

    def _import(self, stmt: ast.Import, scope: Scope) -> None:
        for alias in stmt.names:
            self._note_import(alias.name)
            if alias.asname:
                scope.vars[alias.asname] = Ref(alias.name, alias.asname)
            else:
                top = alias.name.split(".")[0]
                scope.vars[top] = Ref(top)

    def _import_from(self, stmt: ast.ImportFrom, scope: Scope) -> None:
        module = stmt.module or ""
        if stmt.level:
            for alias in stmt.names:
                scope.vars[alias.asname or alias.name] = Unknown(
                    f"'{alias.name}' is imported from another module of the project"
                )
            return
        self._note_import(module)
        for alias in stmt.names:
            if alias.name == "*":
                scope.star.append(module)
            else:
                scope.vars[alias.asname or alias.name] = Ref(
                    f"{module}.{alias.name}", alias.asname or alias.name
                )

    def _note_import(self, module: str) -> None:
        if module.split(".")[0] in ("keras", "tensorflow", "tf_keras"):
            self.keras_imported = True

    def _if(self, stmt: ast.If, scope: Scope) -> None:
        test = B.truth(self.eval(stmt.test, scope))
        if test is True:
            self.exec_block(stmt.body, scope)
        elif test is False:
            self.exec_block(stmt.orelse, scope)
        else:
            self._undecided(stmt, scope)

    def _undecided(self, stmt: ast.If, scope: Scope) -> None:
        """An ``if`` the reader cannot decide: take the branch a reader would assume (the
        body, unless the body only raises), and remember the assumption."""
        raises = any(isinstance(s, ast.Raise) for s in stmt.body)
        branch = stmt.orelse if raises else stmt.body
        text = _short(stmt.test)
        line = self.region(stmt).label
        self.assumed.append(
            f"{line}: `if {text}` cannot be decided statically; read as "
            f"{'false' if raises else 'true'}"
        )
        try:
            self.exec_block(branch, scope)
        finally:
            self.assumed.pop()

    def _for(self, stmt: ast.For | ast.AsyncFor, scope: Scope) -> None:
        items = B.as_sequence(self.eval(stmt.iter, scope))
        if items is None:
            line = self.region(stmt).label
            self.assumed.append(
                f"{line}: the loop over `{_short(stmt.iter)}` has no static length; its body "
                "is read once"
            )
            try:
                self._loop_body(stmt, Unknown("a loop variable"), scope)
            finally:
                self.assumed.pop()
            return
        start, made = self.steps, self.calls.made
        for done, item in enumerate(items[:MAX_ITERATIONS]):
            if self._loop_body(stmt, item, scope):
                return
            spent, building = self.steps - start, self.calls.made != made
            if done + 1 < len(items) and spent > (LOOP_STEPS if building else IDLE_LOOP_STEPS):
                # a data or training loop (it built nothing so far), or a very long one
                if building:
                    self.notes.append(
                        f"{self.region(stmt).label}: the loop was read {done + 1:,} of "
                        f"{len(items):,} times (its body is long)"
                    )
                return
        if len(items) > MAX_ITERATIONS and self.calls.made != made:
            self.notes.append(
                f"{self.region(stmt).label}: a loop of {len(items):,} iterations is read "
                f"{MAX_ITERATIONS:,} times"
            )
        self.exec_block(stmt.orelse, scope)

    def _loop_body(self, stmt: ast.For | ast.AsyncFor, item: Any, scope: Scope) -> bool:
        """One iteration; ``True`` when the loop breaks."""
        self.bind(stmt.target, item, scope)
        try:
            self.exec_block(stmt.body, scope)
        except Break:
            return True
        except Continue:
            pass
        return False

    def _while(self, stmt: ast.While, scope: Scope) -> None:
        # models are not grown in long while loops: a training or data loop (``while True:``)
        # is read a few times at most
        start, made = self.steps, self.calls.made
        for _ in range(MAX_WHILE_ITERATIONS):
            building = self.calls.made != made
            if self.steps - start > (LOOP_STEPS if building else IDLE_LOOP_STEPS):
                return
            test = B.truth(self.eval(stmt.test, scope))
            if test is False:
                self.exec_block(stmt.orelse, scope)
                return
            try:
                self.exec_block(stmt.body, scope)
            except Break:
                return
            except Continue:
                pass
            if test is None:  # undecidable: read once
                return

    def _with(self, stmt: ast.With | ast.AsyncWith, scope: Scope) -> None:
        for item in stmt.items:
            self.eval(item.context_expr, scope)
            if item.optional_vars is not None:
                self.bind(item.optional_vars, Unknown("a context manager's value"), scope)
        self.exec_block(stmt.body, scope)

    def _try(self, stmt: ast.Try, scope: Scope) -> None:
        try:
            self.exec_block(stmt.body, scope)
        except Raise:
            for handler in stmt.handlers[:1]:
                self.exec_block(handler.body, scope)
        else:
            self.exec_block(stmt.orelse, scope)
        finally:
            self.exec_block(stmt.finalbody, scope)

    def _return(self, stmt: ast.Return, scope: Scope) -> None:
        raise Return(self.eval(stmt.value, scope) if stmt.value is not None else None)

    def _raise(self, stmt: ast.Raise, scope: Scope) -> None:
        raise Raise

    def _break(self, stmt: ast.Break, scope: Scope) -> None:
        raise Break

    def _continue(self, stmt: ast.Continue, scope: Scope) -> None:
        raise Continue

    def _match(self, stmt: Any, scope: Scope) -> None:
        self.eval(stmt.subject, scope)
        if stmt.cases:
            self.exec_block(stmt.cases[0].body, scope)


def _is_generator(stmt: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Does the function itself (not a function nested in it) ``yield``? A data generator."""
    stack: list[ast.AST] = list(stmt.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return False


def _decorated_kind(stmt: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    for dec in stmt.decorator_list:
        if isinstance(dec, ast.Name) and dec.id in ("staticmethod", "classmethod"):
            return dec.id
    return "function"


_SHORT_CACHE: dict[int, tuple[ast.AST, str]] = {}


def _short(node: ast.AST) -> str:
    """The node's source, at most 60 characters (cached: a loop asks for it every time)."""
    hit = _SHORT_CACHE.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    text = _unparse(node)
    if len(_SHORT_CACHE) > 10_000:
        _SHORT_CACHE.clear()
    _SHORT_CACHE[id(node)] = (node, text)
    return text


def _unparse(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001 - unparse of an odd tree: a placeholder will do
        return "..."
    return text if len(text) <= 60 else text[:57] + "..."


_STATEMENTS: dict[type, Callable[[Any, Any, Scope], None]] = {
    ast.Assign: Statements._assign,
    ast.AnnAssign: Statements._ann_assign,
    ast.AugAssign: Statements._aug_assign,
    ast.Expr: Statements._expr_stmt,
    ast.FunctionDef: Statements._function_def,
    ast.AsyncFunctionDef: Statements._function_def,
    ast.ClassDef: Statements._class_def,
    ast.Import: Statements._import,
    ast.ImportFrom: Statements._import_from,
    ast.If: Statements._if,
    ast.For: Statements._for,
    ast.AsyncFor: Statements._for,
    ast.While: Statements._while,
    ast.With: Statements._with,
    ast.AsyncWith: Statements._with,
    ast.Try: Statements._try,
    ast.Return: Statements._return,
    ast.Raise: Statements._raise,
    ast.Break: Statements._break,
    ast.Continue: Statements._continue,
}
if hasattr(ast, "Match"):
    _STATEMENTS[ast.Match] = Statements._match
if hasattr(ast, "TryStar"):
    _STATEMENTS[ast.TryStar] = Statements._try
