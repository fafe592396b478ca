"""Subclassed models: the layers ``__init__`` assigned, wired by tracing ``call`` on an input of
the shape the code gives (``model.build(shape)``, the first call), as far as it is static."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelcheck.graph.readers.source.values import (
    FunctionalObj,
    SubclassedObj,
    UserFunction,
    flat_tensors,
)

if TYPE_CHECKING:
    from modelcheck.graph.readers.source.interpreter import Interpreter  # noqa: F401


def trace_subclassed(interp: Interpreter) -> None:
    """Replace every subclassed model in ``interp.models`` by the Functional its ``call``
    traces to; one whose ``call`` cannot be followed keeps a note and is not linted."""
    from modelcheck.graph.readers.source.keras_calls import _mro_lookup
    from modelcheck.graph.readers.source.scope import BudgetExceeded

    for i, model in enumerate(list(interp.models)):
        if not isinstance(model, SubclassedObj) or model.instance is None or model.used_as_layer:
            continue
        inputs, outputs = model.functional_io or (None, None)
        if outputs is None:
            method = _mro_lookup(model.instance.cls, "call")
            if not isinstance(method, UserFunction):  # a model that overrides __call__
                method = _mro_lookup(model.instance.cls, "__call__")
            if not isinstance(method, UserFunction):
                continue
            shape = model.build_shape or model.first_call_shape
            inputs = interp.calls.make_input(
                [], {"batch_shape": shape} if shape else {}, model.region
            )
            try:
                outputs = interp.call_function(method, [model.instance, inputs], {}, model.region)
            except BudgetExceeded:
                interp.notes.append("stopped while tracing a subclassed model's call()")
                return
            except RecursionError:
                interp.notes.append(f"{model.region.label}: call() nested too deeply to read")
                continue
        if not flat_tensors(outputs):
            continue
        traced = FunctionalObj(
            region=model.region,
            name=model.name,
            subclass=model.class_name,
            variable=model.variable,
            compile=model.compile,
            fit=model.fit,
            notes=[*model.notes, f"subclassed model '{model.class_name}': its call() was traced"],
            assumed=model.assumed,
            inputs=inputs,
            outputs=outputs,
        )
        interp.models[i] = traced
