"""Human output: a ``model.summary()``-style table with an activation column and each
finding beside its layer, then the findings with their fixes. Not for parsing."""

from __future__ import annotations

from collections import defaultdict

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from modelcheck.findings import Finding, LintRun, ModelSummary, Report, Severity, artifact_uri
from modelcheck.safetext import name, printable

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
#: Above this many layers, the table shows only layers with findings (plus a note).
MAX_TABLE_ROWS = 60
#: A cell shows at most this much of a shape, and this many of a layer's inputs.
MAX_SHAPE = 200
MAX_INPUTS = 20


def shape_text(shape: list[int | None] | None) -> str:
    if shape is None:
        return "?"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _layer_table(model: ModelSummary, by_layer: dict[str, list[Finding]], show: str) -> Table:
    table = Table(show_lines=False, header_style="bold", expand=False)
    table.add_column("Layer (type)", overflow="fold")
    table.add_column("Activation")
    table.add_column("Output shape")
    table.add_column("Param #", justify="right")
    table.add_column("Connected to", overflow="fold")
    table.add_column("Findings")
    rows = model.layers
    flagged = {row["path"] for row in rows if row["path"] in by_layer}
    if show == "findings" or (show == "auto" and len(rows) > MAX_TABLE_ROWS):
        rows = [row for row in rows if row["path"] in flagged]
    for row in rows:
        act = row["activation"]
        act_text = Text("-" if act is None else ("linear (none)" if act == "linear" else name(act)))
        if act not in (None, "linear"):
            act_text.stylize("green")
        codes = Text()
        for f in by_layer.get(row["path"], []):
            codes.append(f"{f.code} ", style=STYLE[f.severity])
        table.add_row(
            Text(f"{name(row['path'])} ({name(row['class_name'])})"),
            act_text,
            Text(printable(shape_text(row["output_shape"]), MAX_SHAPE)),
            Text("?" if row["params"] is None else f"{row['params']:,}"),
            Text(printable(", ".join(name(i) for i in row["inputs"][:MAX_INPUTS]) or "-")),
            codes,
        )
    return table


def render_text(report: Report, console: Console, *, show_layers: str = "auto") -> None:
    """Print the report. ``show_layers``: ``auto`` | ``all`` | ``findings`` | ``none``."""
    findings = report.sorted_findings()
    by_artifact: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        by_artifact[(f.location.artifact, f.location.model)].append(f)
    for model in report.models:
        mine = by_artifact.get((model.artifact, model.model_label), [])
        source = model.region is not None
        if source:  # ruff-style lines first: file:line:col: CODE name message
            for f in mine:
                console.print(source_finding_text(f))
        by_layer: dict[str, list[Finding]] = defaultdict(list)
        for f in mine:
            by_layer[f.location.layer_path].append(f)
        title = Text()
        title.append(printable(model.artifact), style="bold")
        if source:
            title.append(f":{model.region.label}", style="bold")
        title.append(
            f"  {name(model.model_class)} '{name(model.model_name)}', "
            f"{len(model.layers)} layer calls"
        )
        if model.total_params is not None:
            title.append(f", {model.total_params:,} params")
        title.append(f"  [{model.source_format}]", style="dim")
        console.print(title)
        for note in model.notes:
            console.print(Text(f"  note: {printable(note)}", style="dim"))
        if show_layers != "none" and model.layers:
            table = _layer_table(model, by_layer, show_layers)
            if table.row_count:
                console.print(table)
            if table.row_count < len(model.layers):
                console.print(
                    Text(
                        f"  ({len(model.layers) - table.row_count} layers without "
                        "findings not shown; --layers all shows them)",
                        style="dim",
                    )
                )
        for f in mine if not source else ():
            console.print(finding_text(f))
        if not mine:
            console.print(Text("  No findings.", style="green"))
        console.print()
    linted = {(m.artifact, m.model_label) for m in report.models}
    for (artifact, _), others in by_artifact.items():
        if (artifact, _) not in linted:  # findings about the configuration (MC002)
            console.print(Text(printable(artifact), style="bold"))
            for f in others:
                console.print(finding_text(f))
            console.print()
    console.print(summary_text(report))


def finding_text(f: Finding) -> Group:
    head = Text("  ")
    head.append(f"{f.severity.label:<7}", style=STYLE[f.severity])
    head.append(f" {f.code} {f.name}", style="bold")
    if f.location.layer:
        head.append(f"  {name(f.location.layer_path)}")
    body = Text("    " + printable(f.message))
    fix = Text("    fix: ", style="green")
    fix.append(Text(printable(f.fix)))
    return Group(head, body, fix)


def source_finding_text(f: Finding) -> Group:
    """``train.py:22:11: MC203 activation-before-softmax message`` and its fix below it."""
    region = f.location.region
    head = Text()
    where = f":{region.label}" if region is not None else ""
    head.append(f"{printable(artifact_uri(f.location.artifact))}{where}:", style="bold")
    head.append(f" {f.code}", style=STYLE[f.severity])
    if f.autofix is not None and f.autofix.applicability == "safe":
        head.append(" [*]", style="bold")  # ruff's mark: --fix fixes it
    head.append(f" {f.name} ", style="bold")
    head.append(Text(printable(f.message)))
    fix = Text("    fix: ", style="green")
    fix.append(Text(printable(f.fix)))
    return Group(head, fix)


def summary_text(report: Report) -> Text:
    counts = report.counts()
    parts = [
        f"{n} {sev.label}{'s' if n != 1 and sev is not Severity.INFO else ''}"
        for sev, n in sorted(counts.items(), reverse=True)
    ]
    text = Text()
    style = (
        "bold red" if counts[Severity.ERROR] else "yellow" if counts[Severity.WARNING] else "green"
    )
    text.append(
        f"Found {', '.join(parts)} in {len(report.models)} "
        f"model{'s' if len(report.models) != 1 else ''}",
        style=style,
    )
    if report.failures:
        text.append(f"; {len(report.failures)} could not be read", style="bold red")
    run = report.run if isinstance(report.run, LintRun) else LintRun()
    hidden = [
        f"{n} by {why}"
        for why, n in (
            ("config", run.suppressed_by_config),
            ("the baseline", run.suppressed_by_baseline),
        )
        if n
    ]
    if hidden:
        text.append(f"; suppressed {' and '.join(hidden)}", style="dim")
    if run.excluded:
        text.append(f"; {len(run.excluded)} excluded by config", style="dim")
    fixable = [f.autofix.applicability for f in report.findings if f.autofix is not None]
    if fixable:
        safe = fixable.count("safe")
        unsafe = len(fixable) - safe
        if safe:
            text.append(f"; [*] {safe} fixable with --fix", style="dim")
        if unsafe:
            more = " more" if safe else ""
            text.append(f"; {unsafe}{more} fixable with --unsafe-fixes", style="dim")
    text.append(".")
    return text


def render_failures(report: Report, err: Console) -> None:
    """One line per unreadable input, on stderr."""
    for failure in report.failures:
        line = Text("modelcheck: error: ", style="bold red")
        line.append(Text(f"{printable(failure.artifact)}: {printable(failure.message)}"))
        err.print(line, soft_wrap=True)
