"""The Python API: ``modelcheck.lint(...)``. The CLI is a thin layer over this."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from modelcheck.catalog import resolve_config, validate_lint_selectors
from modelcheck.config import LintConfig
from modelcheck.errors import ModelcheckError, ModelLoadError
from modelcheck.findings import Finding, LoadFailure, ModelSummary, Report
from modelcheck.graph.ir import ModelGraph
from modelcheck.graph.readers.live import (
    graph_from_factory,
    graph_from_keras_model,
    is_factory_spec,
)
from modelcheck.graph.readers.model_file import MODEL_SUFFIXES, read_model
from modelcheck.linting.baseline import apply_baseline, read_baseline
from modelcheck.linting.engine import run_rules, select_rules
from modelcheck.linting.suppress import Suppressor

_SKIP_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", ".tox"})


def expand_paths(target: str | os.PathLike[str]) -> list[str]:
    """Model files under a directory (sorted), or the target itself.

    Raises:
        ModelLoadError: for a directory that holds no model files.
    """
    text = os.fspath(target)
    p = Path(text)
    if not p.is_dir() or (p / "config.json").is_file():
        return [text]
    found: list[str] = []
    for root, dirs, files in os.walk(p):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        if "config.json" in files and Path(root) != p:
            found.append(root)  # an unzipped .keras directory
            dirs[:] = []
            continue
        found.extend(
            os.path.join(root, f) for f in sorted(files) if f.lower().endswith(MODEL_SUFFIXES)
        )
    if not found:
        raise ModelLoadError(
            "Expected a directory containing .keras, .h5 or .hdf5 model files.",
            f"'{text}' with none",
        )
    return found


def load_graph(target: Any) -> ModelGraph:
    """A graph from a path, a factory spec or an in-memory ``keras.Model``."""
    if isinstance(target, (str, os.PathLike)):
        text = os.fspath(target)
        if is_factory_spec(text):
            return graph_from_factory(text)
        return read_model(text)
    if type(target).__module__.startswith(("keras", "tf_keras", "tensorflow")) or hasattr(
        target, "get_config"
    ):
        return graph_from_keras_model(target)
    raise ModelLoadError(
        "Expected a model path, a factory spec 'file.py:callable', or a keras.Model.",
        f"an object of type {type(target).__name__}",
    )


def summarize(graph: ModelGraph) -> ModelSummary:
    """The rows of the layer table renderers draw (like ``model.summary()``)."""
    summary = ModelSummary(
        artifact=graph.artifact,
        model_name=graph.name,
        model_class=graph.model_class,
        source_format=graph.source_format,
        notes=list(graph.notes),
    )
    total = 0
    known = True
    for node in graph:
        inputs = []
        for src, t in zip(node.inputs, node.input_tensor_index or [0] * len(node.inputs)):
            inputs.append(f"{src}[{t}]" if t else src)
        summary.layers.append(
            {
                "path": node.id,
                "class_name": node.display_class,
                "activation": node.activation,
                "output_shape": list(node.output_shape) if node.output_shape is not None else None,
                "params": node.params,
                "inputs": inputs,
            }
        )
        if node.params is None and node.call_index == 0:
            known = known and node.kind.value in ("input", "activation", "linear")
        elif node.call_index == 0:
            total += node.params or 0
    summary.total_params = total if known else None
    return summary


def _iter_targets(target: Any) -> Iterator[Any]:
    if isinstance(target, (list, tuple)):
        yield from target
    else:
        yield target


def lint(
    target: Any,
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    weights: bool | None = None,
    config: LintConfig | str | os.PathLike[str] | None = None,
    baseline: str | os.PathLike[str] | None = None,
) -> Report:
    """Lint one model or many, statically.

    Args:
        target: a path (``.keras``, ``.h5``/``.hdf5``, config ``.json``, a directory of
            models), a factory spec (``path/to/file.py:build_model``,
            ``package.module:callable``), an in-memory ``keras.Model``, or a list of these.
        select: rule codes, code prefixes (``"MC2"``) or rule names to run; replaces the
            config's ``select`` (default: all rules).
        ignore: rule codes, prefixes or names to skip, on top of the config's ``ignore``.
        weights: also check the saved weights (NaN/Inf, ReLU units that can never fire,
            untrained layers). Needs numpy and h5py and reads every weight, so it is off
            unless this or the config's ``weights`` says otherwise.
        config: a :class:`~modelcheck.config.LintConfig` or the path of a ``pyproject.toml``
            with ``[tool.modelcheck]`` (or of a bare modelcheck ``.toml``). The API reads no
            config file unless given one; the CLI finds it by walking up from the working
            directory.
        baseline: a baseline file from ``modelcheck lint --write-baseline``: findings
            recorded there are left out. Defaults to the config's ``baseline``; ``""``
            uses none.

    Returns:
        A :class:`~modelcheck.findings.Report`. With a list of targets, models that could not
        be read are listed in ``report.failures`` and the others are still linted.
        ``report.extra`` counts what configuration and baseline suppressed and lists paths
        skipped by ``exclude``.

    Raises:
        ModelLoadError: when a single target (not a list) cannot be read.
        ConfigError: for a bad configuration, baseline, or ``select``/``ignore`` that names
            no rule.
    """
    cfg = resolve_config(config)
    chosen = validate_lint_selectors(select, "select") if select else cfg.select
    rules = select_rules(chosen, cfg.ignore + validate_lint_selectors(ignore or [], "ignore"))
    check_weights = cfg.weights if weights is None else weights
    baseline = baseline if baseline is not None else cfg.baseline
    accepted = read_baseline(baseline) if baseline else None

    report = Report(tool="lint")
    suppressor = Suppressor(cfg)
    excluded: list[str] = []
    single = not isinstance(target, (list, tuple))
    for item in _iter_targets(target):
        is_path = isinstance(item, (str, os.PathLike)) and not is_factory_spec(os.fspath(item))
        if is_path and cfg.exclude and cfg.is_excluded(os.fspath(item)):
            excluded.append(os.fspath(item))
            continue
        try:
            paths: list[Any] = expand_paths(item) if is_path else [item]
        except ModelcheckError as exc:
            if single:
                raise
            report.failures.append(LoadFailure(os.fspath(item), str(exc)))
            continue
        for one in paths:
            if is_path and cfg.exclude and cfg.is_excluded(one):
                excluded.append(one)
                continue
            result = _lint_one(one, rules, report, single and len(paths) == 1, check_weights)
            if result is not None:
                report.findings.extend(suppressor.apply(*result))
    report.findings.extend(suppressor.unused(rules))
    report.extra["suppressed"] = {"config": suppressor.suppressed, "baseline": 0}
    if accepted is not None:
        report.findings, dropped = apply_baseline(report.findings, accepted)
        report.extra["suppressed"]["baseline"] = dropped
        report.extra["baseline"] = os.fspath(baseline)
    if cfg.path is not None:
        report.extra["config"] = cfg.display_path
    if excluded:
        report.extra["excluded"] = excluded
    report.findings.sort(key=Finding.sort_key)
    return report


def _artifact_of(target: Any) -> str:
    return os.fspath(target) if isinstance(target, (str, os.PathLike)) else repr(target)


def _lint_one(
    target: Any, rules: Sequence[Any], report: Report, raise_errors: bool, weights: bool
) -> tuple[str, list[Finding]] | None:
    """The artifact name and findings of one model, or ``None`` when it cannot be read;
    load failures and rule crashes go to ``report``."""
    try:
        graph = load_graph(target)
    except ModelcheckError as exc:
        if raise_errors:
            raise
        report.failures.append(LoadFailure(_artifact_of(target), str(exc)))
        return None
    if graph.unreadable:
        graph.notes.append(
            f"The layer graph was not built ({graph.unreadable}); only the security rules ran."
        )
    if graph.load_error:
        report.failures.append(LoadFailure(graph.artifact, graph.load_error))
    if weights:
        # numpy + h5py: only on request; in a child process, which a crash of the HDF5
        # library on a damaged file takes down instead of the whole run
        from modelcheck.graph.readers.weights import attach_weights_isolated

        try:
            attach_weights_isolated(graph)
        except ModelcheckError as exc:  # the architecture is still linted
            report.failures.append(LoadFailure(graph.artifact, f"weights not checked: {exc}"))
    findings, crashes = run_rules(graph, rules)
    report.models.append(summarize(graph))
    for crash in crashes:
        report.failures.append(
            LoadFailure(graph.artifact, f"Internal error (please report it): {crash}")
        )
    if graph.subclassed:
        report.failures.append(
            LoadFailure(
                graph.artifact,
                "Expected a Sequential or Functional model with a layer graph. Received: "
                f"subclassed model {graph.model_class!r} (its file stores no layers; "
                "lint a factory spec or the in-memory model instead)",
            )
        )
    return graph.artifact, findings
