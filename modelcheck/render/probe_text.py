"""Human output of ``modelcheck probe``: what was trained on what, the verdict, a per-layer
table (dead units, linear-probe accuracy, gradient norm), the predicted-class histogram, and
the findings with their fixes. Not for parsing (use ``--format json``)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from modelcheck.findings import Finding, ProbeRun, Report
from modelcheck.render.text import MAX_SHAPE, STYLE, finding_text, shape_text, summary_text
from modelcheck.safetext import name, printable


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def render_probe_text(report: Report, console: Console) -> None:
    info = report.run if isinstance(report.run, ProbeRun) else ProbeRun()
    tables = info.tables
    findings = report.sorted_findings()
    for model in report.models:
        title = Text()
        title.append(printable(model.artifact), style="bold")
        title.append(
            f"  {name(model.model_class)} '{name(model.model_name)}' probed on "
            f"{printable(info.data)}"
        )
        console.print(title)
        _header(console, info)
        console.print()
        _verdict(console, info, findings)
        by_layer: dict[str, list[Finding]] = defaultdict(list)
        for f in findings:
            by_layer[f.location.layer_path].append(f)
        console.print(_layer_table(model.layers, tables, by_layer))
        classes = _class_table(tables.get("collapse", []), info)
        if classes is not None:
            console.print(classes)
        for f in findings:
            console.print(finding_text(f))
        if not findings:
            console.print(Text("  No findings: the model learns the probe task.", style="green"))
        console.print()
    console.print(summary_text(report))


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _header(console: Console, info: ProbeRun) -> None:
    training = info.training
    data = Text("  data: ", style="dim")
    data.append(Text(printable(info.source)))
    data.append(f"; {_count(info.train_samples)} train / {_count(info.test_samples)} held-out")
    if info.num_classes:
        data.append(f", {info.num_classes} classes")
    console.print(data)
    for note in info.notes:
        console.print(Text(f"  note: {printable(note)}", style="dim"))
    parts = [
        "saved weights" if training.get("keep_weights") else "fresh initialisation",
        f"{training.get('optimizer', '?')} lr {training.get('learning_rate', '?')}",
        str(training.get("loss", "?")) + (" (from logits)" if training.get("from_logits") else ""),
        f"{training.get('epochs', '?')} epochs ({training.get('steps', '?')} steps, batch "
        f"{training.get('batch_size', '?')})",
        f"{training.get('seconds', 0):.1f} s",
        f"seed {training.get('seed', '?')}",
    ]
    line = Text("  training: ", style="dim")
    line.append(printable(", ".join(parts)))
    if training.get("stopped_by_time"):
        line.append(" - stopped by the time limit", style="yellow")
    console.print(line)
    if training.get("defaults_note"):
        console.print(Text(f"  note: {printable(training['defaults_note'])}", style="dim"))
    losses = info.history.get("loss", [])
    if losses:
        console.print(
            Text(f"  loss by epoch: {' -> '.join(f'{v:.3g}' for v in losses)}", style="dim")
        )


def _verdict(console: Console, info: ProbeRun, findings: list[Finding]) -> None:
    accuracy = info.accuracy
    if accuracy is None:
        return
    text = Text("  held-out accuracy ")
    text.append(_pct(accuracy), style="bold")
    text.append(f" (chance {_pct(info.chance)}")
    expected = info.expected_accuracy
    if expected is not None:
        text.append(f"; a sound classifier reaches >= {_pct(expected)} here")
    text.append(")  ")
    probe_problems = [f for f in findings if f.code.startswith("MP") and f.severity >= 2]
    if probe_problems:
        text.append("does not learn the task as it should", style="bold red")
    else:
        text.append("learns the task", style="bold green")
    console.print(text)
    console.print()


def _rows_by_layer(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r["layer"]): r for r in rows if isinstance(r, dict) and r.get("layer")}


def _layer_table(
    layers: list[dict[str, Any]],
    tables: dict[str, list[dict[str, Any]]],
    by_layer: dict[str, list[Finding]],
) -> Table:
    dead = _rows_by_layer(tables.get("dead_units", []))
    probes = _rows_by_layer(tables.get("linear_probe", []))
    grads = _rows_by_layer(tables.get("health", []))
    table = Table(header_style="bold", expand=False, title_justify="left")
    table.add_column("Layer (type)", overflow="fold")
    table.add_column("Activation")
    table.add_column("Output shape")
    table.add_column("Dead units\nstart -> end", justify="right")
    table.add_column("Linear probe\naccuracy", justify="right")
    table.add_column("Grad norm\nstart -> end", justify="right")
    table.add_column("Findings")
    for row in layers:
        path = row["path"]
        if not (path in dead or path in probes or path in grads or path in by_layer):
            continue
        d = dead.get(path)
        dead_text = Text("-")
        if d is not None:
            dead_text = Text(
                f"{d.get('dead_start', '?')} -> {d.get('dead_end', '?')} / {d.get('units', '?')}"
            )
            if d.get("dead_end"):
                dead_text.stylize("red")
        p = probes.get(path)
        probe_text = Text("-" if p is None else _pct(p.get("probe_accuracy")))
        g = grads.get(path)
        grad_text = Text("-")
        if g is not None and g.get("grad_norm_end") is not None:
            grad_text = Text(f"{_num(g.get('grad_norm_start'))} -> {_num(g.get('grad_norm_end'))}")
        codes = Text()
        for f in by_layer.get(path, []):
            codes.append(f"{f.code} ", style=STYLE[f.severity])
        act = row.get("activation")
        table.add_row(
            Text(f"{name(path)} ({name(row['class_name'])})"),
            Text("-" if act is None else ("linear (none)" if act == "linear" else name(act))),
            Text(printable(shape_text(row.get("output_shape")), MAX_SHAPE)),
            dead_text,
            probe_text,
            grad_text,
            codes,
        )
    return table


def _num(value: Any) -> str:
    return "?" if value is None else f"{float(value):.2g}"


def _class_table(rows: list[dict[str, Any]], info: ProbeRun) -> Table | None:
    classes = [r for r in rows if isinstance(r, dict) and "predicted" in r and "class" in r]
    if not classes:
        return None
    total = sum(int(r.get("predicted", 0)) for r in classes) or 1
    table = Table(title="  Predictions on held-out data", header_style="bold", title_justify="left")
    for col, justify in (
        ("Class", "left"),
        ("Held-out", "right"),
        ("Predicted", "right"),
        ("Recall", "right"),
        ("", "left"),
    ):
        table.add_column(col, justify=justify)
    for r in classes:
        predicted = int(r.get("predicted", 0))
        bar = Text("#" * round(30 * predicted / total), style="red" if not predicted else "cyan")
        if not predicted:
            bar = Text("never predicted", style="red")
        table.add_row(
            Text(name(r.get("name", r["class"]))),
            str(r.get("support", "?")),
            str(predicted),
            _pct(r.get("recall")),
            bar,
        )
    return table
