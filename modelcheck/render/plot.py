"""``modelcheck probe --plot FILE``: one figure with linear-probe accuracy per layer, dead
units per layer and the confusion matrix on held-out data (matplotlib, headless)."""

from __future__ import annotations

import os
from typing import Any

from modelcheck.errors import ConfigError
from modelcheck.findings import ProbeRun, Report

FORMATS = (".png", ".svg", ".pdf")


def check_plot_path(path: str | os.PathLike[str]) -> str:
    """The path, if its suffix names a format we write (checked before any training).

    Raises:
        ConfigError: for an unsupported suffix.
    """
    target = os.fspath(path)
    if os.path.splitext(target)[1].lower() not in FORMATS:
        raise ConfigError(f"Expected a --plot file ending in {', '.join(FORMATS)}.", repr(target))
    return target


def write_plot(report: Report, path: str | os.PathLike[str]) -> None:
    """Write the figure; the format follows the file suffix. The file appears complete or not
    at all (an existing one is replaced in one step).

    Raises:
        ConfigError: for an unsupported suffix or an unwritable path.
    """
    target = check_plot_path(path)
    import matplotlib

    matplotlib.use("Agg")  # no display needed; must precede pyplot
    import matplotlib.pyplot as plt

    info = report.run if isinstance(report.run, ProbeRun) else ProbeRun()
    tables = info.tables
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8), gridspec_kw={"width_ratios": [3, 3, 2]})
    try:
        _probe_panel(axes[0], tables.get("linear_probe", []), info)
        _dead_panel(axes[1], tables.get("dead_units", []))
        _confusion_panel(axes[2], info)
        name = report.models[0].artifact if report.models else ""
        acc = info.accuracy
        fig.suptitle(
            f"modelcheck probe: {os.path.basename(name)} on {info.data}"
            + (f" - held-out accuracy {100 * acc:.1f} %" if acc is not None else "")
        )
        fig.tight_layout()
        from modelcheck._files import atomic_write

        try:
            # all or nothing: an interrupted run leaves no half-written figure
            with atomic_write(target) as fh:
                fig.savefig(fh, format=os.path.splitext(target)[1][1:].lower(), dpi=110)
        except OSError as exc:
            raise ConfigError(
                "Expected a writable --plot path.", f"{target} ({exc.strerror or exc})"
            ) from None
    finally:
        plt.close(fig)


def _layers(rows: list[dict[str, Any]], key: str) -> tuple[list[str], list[float]]:
    names, values = [], []
    for row in rows:
        if isinstance(row, dict) and row.get("layer") and row.get(key) is not None:
            names.append(str(row["layer"]))
            values.append(float(row[key]))
    return names, values


def _probe_panel(ax: Any, rows: list[dict[str, Any]], info: ProbeRun) -> None:
    names, acc = _layers(rows, "probe_accuracy")
    ax.set_title("Linear-probe accuracy per layer")
    if not names:
        ax.text(0.5, 0.5, "no linear probes", ha="center", va="center")
        return
    ax.plot(range(len(acc)), [100 * a for a in acc], marker="o")
    if info.chance is not None:
        ax.axhline(100 * info.chance, color="grey", linestyle=":", label="chance")
        ax.legend(loc="lower right")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("accuracy (%)")


def _dead_panel(ax: Any, rows: list[dict[str, Any]]) -> None:
    ax.set_title("Dead units per layer (end of training)")
    names, frac = _layers(rows, "dead_fraction_end")
    if not names:
        ax.text(0.5, 0.5, "no ReLU-family layers", ha="center", va="center")
        return
    ax.bar(range(len(frac)), [100 * f for f in frac], color="firebrick")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("dead units (%)")


def _confusion_panel(ax: Any, info: ProbeRun) -> None:
    ax.set_title("Confusion matrix (held-out)")
    matrix = info.confusion
    if not matrix:
        ax.text(0.5, 0.5, "no classification", ha="center", va="center")
        return
    ax.imshow(matrix, cmap="Blues")
    k = len(matrix)
    names = info.class_names or [str(i) for i in range(k)]
    long_names = k > 10 or any(len(str(n)) > 3 for n in names[:k])
    ax.set_xticks(range(k), names[:k], rotation=90 if long_names else 0, fontsize=7)
    ax.set_yticks(range(k), names[:k], fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if k <= 12:
        peak = max(max(row) for row in matrix) or 1
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                if value:
                    ax.text(
                        j,
                        i,
                        str(value),
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if value > peak / 2 else "black",
                    )
