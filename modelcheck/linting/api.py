"""The Python API: ``modelcheck.lint(...)``. The CLI is a thin layer over this."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from modelcheck.catalog import resolve_config, validate_lint_selectors
from modelcheck.config import LintConfig
from modelcheck.errors import ModelcheckError, ModelLoadError
from modelcheck.findings import Finding, LintRun, LoadFailure, Report
from modelcheck.graph.ir import ModelGraph
from modelcheck.graph.readers.model_file import MODEL_SUFFIXES
from modelcheck.graph.readers.source import SOURCE_SUFFIXES, is_source_path, read_source
from modelcheck.linting.baseline import apply_baseline, read_baseline
from modelcheck.linting.engine import run_rules, select_rules
from modelcheck.linting.fixes import attach_fixes
from modelcheck.linting.suppress import Suppressor, apply_inline
from modelcheck.targets import TargetKind, load_graph, summarize, target_kind

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
            os.path.join(root, f)
            for f in sorted(files)
            if f.lower().endswith(MODEL_SUFFIXES + SOURCE_SUFFIXES)
        )
    if not found:
        raise ModelLoadError(
            "Expected a directory containing .keras, .h5 or .hdf5 model files "
            "(or .py/.ipynb sources).",
            f"'{text}' with none",
        )
    return found


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
        ``report.run`` (a :class:`~modelcheck.findings.LintRun`) counts what configuration and
        baseline suppressed and lists paths skipped by ``exclude``.

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
        is_path = isinstance(item, (str, os.PathLike)) and target_kind(item) is TargetKind.PATH
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
            for result in _lint_one(one, rules, report, single and len(paths) == 1, check_weights):
                report.findings.extend(suppressor.apply(*result))
    report.findings.extend(suppressor.unused(rules))
    run = LintRun(suppressed_by_config=suppressor.suppressed, excluded=excluded)
    if accepted is not None:
        report.findings, run.suppressed_by_baseline = apply_baseline(report.findings, accepted)
        run.baseline = os.fspath(baseline)
    if cfg.path is not None:
        run.config = cfg.display_path
    report.run = run
    report.findings.sort(key=Finding.sort_key)
    return report


def _artifact_of(target: Any) -> str:
    return os.fspath(target) if isinstance(target, (str, os.PathLike)) else repr(target)


def _lint_one(
    target: Any, rules: Sequence[Any], report: Report, raise_errors: bool, weights: bool
) -> Iterator[tuple[str, list[Finding]]]:
    """The artifact name and findings of each model of one target (a model file holds one, a
    source file any number); load failures and rule crashes go to ``report``."""
    try:
        if isinstance(target, (str, os.PathLike)) and is_source_path(target):
            source = read_source(os.fspath(target))
            graphs = source.graphs
            report.failures.extend(LoadFailure(os.fspath(target), p) for p in source.problems)
        else:
            graphs = [load_graph(target)]
    except ModelcheckError as exc:
        if raise_errors:
            raise
        report.failures.append(LoadFailure(_artifact_of(target), str(exc)))
        return
    for graph in graphs:
        findings = _lint_graph(graph, rules, report, weights)
        if graph.region is not None:  # read from source: inline noqa, and autofixes
            findings = attach_fixes(graph, apply_inline(graph, findings, rules))
        yield graph.artifact, findings


def _lint_graph(
    graph: ModelGraph, rules: Sequence[Any], report: Report, weights: bool
) -> list[Finding]:
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
    return findings
