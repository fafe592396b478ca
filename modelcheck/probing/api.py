"""``modelcheck.probing(...)``: load, pick data, train a copy, analyse, report.

Every heavy import (keras, TensorFlow, numpy, scikit-learn) happens inside :func:`probe`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

from modelcheck.errors import ConfigError
from modelcheck.findings import Finding, LoadFailure, ProbeRun, Report, Severity

#: Probe settings a config file may hold, with their types (thresholds are checked against
#: the analyzers' own keys).
SETTINGS: dict[str, type | tuple[type, ...]] = {
    "data": str,
    "color-mode": str,
    "mnist": str,
    "seed": int,
    "epochs": int,
    "steps": int,
    "max-seconds": (int, float),
    "batch-size": int,
    "max-train": int,
    "max-test": int,
}


def threshold_defaults() -> dict[str, float]:
    """Every analyzer threshold with its default value."""
    from modelcheck.probing.registry import ANALYZERS

    out: dict[str, float] = {}
    for analyzer in ANALYZERS:
        out.update(analyzer.thresholds)
    return out


def validate_settings(table: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Check a ``[tool.modelcheck.probe]`` table: known keys, right types.

    Raises:
        ConfigError: naming the bad key or value.
    """
    known = threshold_defaults()
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key in SETTINGS:
            kinds = SETTINGS[key]
            if isinstance(value, bool) or not isinstance(value, kinds):
                names = kinds.__name__ if isinstance(kinds, type) else "a number"
                raise ConfigError(f"Expected {names} for {key!r} in {where}.", repr(value))
            from modelcheck.probing.datasets.colored_mnist import COLOR_MODES

            if key == "color-mode" and value not in COLOR_MODES:
                raise ConfigError(
                    f"Expected one of {', '.join(COLOR_MODES)} for 'color-mode' in {where}.",
                    repr(value),
                )
        elif key in known:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(
                    f"Expected a number for threshold {key!r} in {where}.", repr(value)
                )
        else:
            from modelcheck.config import did_you_mean

            choices = sorted(SETTINGS) + sorted(known)
            raise ConfigError(
                f"Expected a probe setting or threshold ({', '.join(choices)}) in {where}.",
                f"unknown key {key!r}{did_you_mean(key, choices)}",
            )
        out[key] = value
    return out


def probe(
    target: Any,
    *,
    data: str | None = None,
    color_mode: str | None = None,
    mnist: str | os.PathLike[str] | None = None,
    seed: int | None = None,
    epochs: int | None = None,
    steps: int | None = None,
    max_seconds: float | None = None,
    batch_size: int | None = None,
    max_train: int | None = None,
    max_test: int | None = None,
    keep_weights: bool = False,
    trust: bool = False,
    custom_objects: str | None = None,
    loss: str | None = None,
    learning_rate: float | None = None,
    thresholds: Mapping[str, float] | None = None,
    config: Any = None,
    progress: bool = False,
) -> Report:
    """Train a copy of a model briefly and report where it fails to learn.

    Args:
        target: a ``.keras``/``.h5`` path, an unzipped ``.keras`` directory, a factory spec
            (``file.py:build_model``) or an in-memory ``keras.Model``. It is never modified.
        data: ``colored-mnist`` (default), ``synthetic``, an image folder (one sub-folder per
            class) or an ``.npz`` with ``x`` and ``y``.
        color_mode: colored MNIST: ``random`` (story 1) or ``spurious`` (colour follows the
            label in training only: reveals shortcut learning).
        mnist: an ``mnist.npz`` to use instead of the cached/downloaded/bundled digits.
        seed: seeds data, initialisation and training (same seed, same findings).
        epochs, steps, max_seconds: training budget (``steps`` wins over ``epochs``; default:
            the probe's budget) and a wall-clock cap on training.
        keep_weights: continue from the saved weights instead of a fresh initialisation.
        trust: allow Lambda/custom code from the file (Keras ``safe_mode=False``).
        custom_objects: a module (or ``file.py``) providing the model's custom objects.
        loss, learning_rate: override the saved compile settings.
        thresholds: override analyzer thresholds by key (see ``modelcheck explain MP...``).
        config: a :class:`~modelcheck.config.LintConfig` or config path: its ``probe`` table
            gives defaults for the arguments above; its ``ignore``/``severity``/
            ``per-file-ignores`` apply to probe findings too.
        progress: show a progress bar on stderr.

    Returns:
        A :class:`~modelcheck.findings.Report` (``tool="probe"``): findings with fixes; the
        training summary and per-analyzer tables in ``report.run`` (a ``ProbeRun``).

    Raises:
        ModelLoadError, ProbeError, DatasetError, ConfigError: one-line user errors.
    """
    from modelcheck.catalog import resolve_config

    cfg = resolve_config(config) if config else None
    given = {
        "data": data,
        "color-mode": color_mode,
        "mnist": os.fspath(mnist) if mnist is not None else None,
        "seed": seed,
        "epochs": epochs,
        "steps": steps,
        "max-seconds": max_seconds,
        "batch-size": batch_size,
        "max-train": max_train,
        "max-test": max_test,
    }
    settings = _settings(cfg, given, thresholds)
    limits = {k: float(settings.get(k, v)) for k, v in threshold_defaults().items()}

    started = time.perf_counter()
    model, graph, lint_findings = _load(target, trust=trust, custom_objects=custom_objects)
    from modelcheck.probing.loading import effective_training
    from modelcheck.probing.runner import run_probe

    io, training = effective_training(model, graph, loss=loss, learning_rate=learning_rate)
    options = _run_options(settings, keep_weights=keep_weights, progress=progress)
    record = run_probe(model, graph, _dataset(settings, io), io, training, **options)
    record.lint_findings = lint_findings
    return _report(record, cfg, limits, started)


def _load(target: Any, *, trust: bool, custom_objects: str | None) -> tuple[Any, Any, list]:
    """The model (loaded safely), its graph, and the lint findings on that graph."""
    from modelcheck._keras import import_keras

    import_keras()
    from modelcheck.probing.loading import load_checked

    return load_checked(target, trust=trust, custom_objects=custom_objects)


def _report(record: Any, cfg: Any, limits: Mapping[str, float], started: float) -> Report:
    """Analyse a probe run: every analyzer's table and findings, each probe finding linked
    to the lint finding on its layer, the lint warnings, the configuration applied."""
    from modelcheck.targets import summarize

    report = Report(tool="probe")
    report.models.append(summarize(record.graph))
    tables, findings = _analyse(record, limits, report)
    findings = _link_lint(findings, record.lint_findings)
    findings += [f for f in record.lint_findings if f.severity >= Severity.WARNING]
    if cfg is not None:
        findings = _apply_config(cfg, record.graph.artifact, findings)
    report.findings = sorted(findings, key=Finding.sort_key)
    report.run = _summary(record, time.perf_counter() - started, limits, tables)
    return report


def _settings(
    cfg: Any, given: Mapping[str, Any], thresholds: Mapping[str, float] | None
) -> dict[str, Any]:
    """The probe settings of one run: the config's probe table, then the arguments given,
    then the ``thresholds`` argument (each validated)."""
    settings: dict[str, Any] = (
        validate_settings(cfg.probe, f"[tool.modelcheck.probe] in {cfg.display_path}")
        if cfg is not None
        else {}
    )
    settings.update({k: v for k, v in given.items() if v is not None})
    settings.update(validate_settings(dict(thresholds or {}), "the thresholds argument"))
    return settings


def _dataset(settings: Mapping[str, Any], io: Any) -> Any:
    from modelcheck.probing.datasets.load import load_dataset

    return load_dataset(
        str(settings.get("data", "colored-mnist")),
        io,
        seed=int(settings.get("seed", 0)),
        color_mode=settings.get("color-mode", "random"),
        mnist_path=settings.get("mnist"),
        max_train=settings.get("max-train"),
        max_test=settings.get("max-test"),
    )


def _run_options(settings: Mapping[str, Any], *, keep_weights: bool, progress: bool) -> dict:
    """The keyword arguments of :func:`~modelcheck.probing.runner.run_probe`."""
    run_kwargs: dict[str, Any] = {
        "seed": int(settings.get("seed", 0)),
        "epochs": settings.get("epochs"),
        "steps": settings.get("steps"),
        "keep_weights": keep_weights,
        "progress": progress,
    }
    if "max-seconds" in settings:
        run_kwargs["max_seconds"] = float(settings["max-seconds"])
    if "batch-size" in settings:
        run_kwargs["batch_size"] = int(settings["batch-size"])
    return run_kwargs


def _analyse(
    record: Any, limits: Mapping[str, float], report: Report
) -> tuple[dict[str, list[dict[str, Any]]], list[Finding]]:
    """Run every analyzer: measure, then judge. A crashing analyzer is recorded as a failure
    of the report; the others still run."""
    from modelcheck.probing.registry import ANALYZERS

    tables: dict[str, list[dict[str, Any]]] = {}
    findings: list[Finding] = []
    for analyzer_cls in ANALYZERS:
        analyzer = analyzer_cls()
        try:
            rows = analyzer.measure(record)
            tables[analyzer.name] = rows
            findings += analyzer.judge(rows, record, limits)
        except Exception as exc:  # noqa: BLE001 - one broken analyzer must not hide the others
            report.failures.append(
                LoadFailure(
                    record.graph.artifact,
                    f"Internal error (please report it): analyzer {analyzer.name} failed with "
                    f"{type(exc).__name__}: {exc}",
                )
            )
    return tables, findings


def _link_lint(findings: Sequence[Finding], lint: Sequence[Finding]) -> list[Finding]:
    """Name the lint finding behind a probe finding on the same layer: the static root cause
    of a measured symptom ("... - see MC203")."""
    import dataclasses

    by_layer: dict[tuple[str, ...], list[str]] = {}
    for f in lint:
        if f.location.layer and f.severity >= Severity.WARNING:
            by_layer.setdefault(f.location.layer, []).append(f.code)
    out = []
    for f in findings:
        codes = sorted(set(by_layer.get(f.location.layer, [])))
        if codes:
            f = dataclasses.replace(
                f,
                message=f"{f.message.rstrip('.')} - see {', '.join(codes)} (lint)",
                evidence={**f.evidence, "lint": ",".join(codes)},
            )
        out.append(f)
    return out


def _apply_config(cfg: Any, artifact: str, findings: list[Finding]) -> list[Finding]:
    """The config's ``ignore``, severity overrides and per-file/per-layer ignores."""
    from modelcheck.checks import selector_specificity
    from modelcheck.linting.suppress import Suppressor

    kept = [
        f
        for f in findings
        if not any(selector_specificity(f.code, f.name, s) is not None for s in cfg.ignore)
    ]
    return Suppressor(cfg).apply(artifact, kept)


def _summary(
    record: Any, seconds: float, limits: Mapping[str, float], tables: Mapping[str, Any]
) -> ProbeRun:
    """What the report header shows: data, training, accuracy against chance and expected,
    and the confusion matrix for ``--plot``."""
    import numpy as np

    from modelcheck.probing.analyzers.collapse import predicted_classes, summary_row

    ds = record.dataset
    run = ProbeRun(
        data=ds.name,
        source=ds.source,
        task=ds.task,
        num_classes=ds.num_classes,
        class_names=list(ds.class_names),
        train_samples=int(len(ds.x_train)),
        test_samples=int(len(ds.x_test)),
        notes=list(ds.notes),
        training=dict(record.training),
        history={k: [float(v) for v in vals] for k, vals in record.history.items()},
        seconds=round(seconds, 2),
        thresholds=dict(limits),
        chance=ds.chance,
        expected_accuracy=ds.expected_accuracy,
        tables=dict(tables),
    )
    summary = summary_row(list(tables.get("collapse", [])))
    if summary is not None:
        run.accuracy, run.accuracy_measured = summary.get("accuracy"), True
    preds = record.predictions
    k = ds.num_classes or 0
    if ds.labels_test is not None and preds is not None and len(preds) and 2 <= k <= 30:
        predicted = predicted_classes(preds, record.io.from_logits)
        labels = np.asarray(ds.labels_test).astype(int)
        ok = predicted >= 0  # NaN/Inf predictions are no class
        matrix = np.zeros((k, k), dtype=int)
        np.add.at(matrix, (labels[ok], np.clip(predicted[ok], 0, k - 1)), 1)
        run.confusion = matrix.tolist()
    return run
