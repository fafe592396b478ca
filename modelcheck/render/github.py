"""GitHub Actions output: one workflow command (annotation) per finding, then a summary line.

Layer names and messages come from untrusted model files, so every value is escaped the way
the Actions runner unescapes it: a crafted name can never start a second command. GitHub
shows only 10 annotations of each kind per step; the summary line and the optional
``$GITHUB_STEP_SUMMARY`` table carry the full picture.
"""

from __future__ import annotations

from collections.abc import Iterable

from modelcheck.findings import Finding, LoadFailure, Report, Severity, artifact_uri
from modelcheck.safetext import no_legacy_commands, printable

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
LOAD_FAILURE_TITLE = "modelcheck could not read the model"
_LINE_BREAKS = "\r\n"


def escape_data(text: str) -> str:
    """Escape a command's message, as the runner's ``escapeData`` does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property value (``file=``, ``title=``): data escaping plus ``:``
    and ``,``, which would otherwise end the value or the property list."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, properties: dict[str, str], message: str) -> str:
    """One workflow command. Line breaks take the runner's own escaping (``%0A``, undone
    when it reads the command); every other control character from the file is spelled as
    an escape (``\\x1b``), which the log viewer would otherwise render."""
    props = ",".join(
        f"{key}={escape_property(no_legacy_commands(printable(value, keep=_LINE_BREAKS)))}"
        for key, value in properties.items()
    )
    head = f"::{kind} {props}" if props else f"::{kind}"
    return f"{head}::{escape_data(no_legacy_commands(printable(message, keep=_LINE_BREAKS)))}"


def _file_property(artifact: str) -> dict[str, str]:
    uri = artifact_uri(artifact)
    return {} if not uri or uri.startswith("<") else {"file": uri}  # in-memory: no file


def _message(f: Finding) -> str:
    text = f.message.rstrip().rstrip(".")
    if f.location.layer:
        text = f"{f.location.layer_path}: {text}"
    if f.location.region is not None and f.location.region.cell is not None:
        text = f"{f.location.region.label}: {text}"
    return f"{text}. Fix: {f.fix.strip()}" if f.fix else text


def finding_command(f: Finding) -> str:
    """``::error file=models/a.keras,title=MC203 activation-before-softmax::dense: ...``."""
    props = {**_file_property(f.location.artifact)}
    region = f.location.region
    if region is not None and region.cell is None and props:
        props["line"] = str(region.line)
        props["col"] = str(region.column)
        if region.end_line is not None:
            props["endLine"] = str(region.end_line)
    props["title"] = f"{f.code} {f.name}"
    return _command(COMMAND[f.severity], props, _message(f))


def failure_command(failure: LoadFailure) -> str:
    props = {**_file_property(failure.artifact), "title": LOAD_FAILURE_TITLE}
    return _command("error", props, failure.message)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(report: Report) -> str:
    """``modelcheck: 3 errors, 2 warnings, 1 info in 2 models; 1 file could not be read``."""
    counts = report.counts()
    parts = ", ".join(
        [
            _plural(counts[Severity.ERROR], "error"),
            _plural(counts[Severity.WARNING], "warning"),
            f"{counts[Severity.INFO]} info",
        ]
    )
    line = f"modelcheck: {parts} in {_plural(len(report.models), 'model')}"
    unreadable = len({failure.artifact for failure in report.failures})
    if unreadable:
        line += f"; {_plural(unreadable, 'file')} could not be read"
    return line


def render_github(report: Report) -> str:
    """The report as GitHub Actions workflow commands plus a plain summary line. (The CLI also
    appends :func:`step_summary_markdown` to ``$GITHUB_STEP_SUMMARY``; a renderer writes no
    file.)"""
    lines = [finding_command(f) for f in report.sorted_findings()]
    lines += [failure_command(x) for x in report.failures]
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


# -- $GITHUB_STEP_SUMMARY ---------------------------------------------------------------------
#: Markdown that a crafted layer name could use for links, images, HTML or to break the table.
_MARKDOWN_SPECIAL = frozenset("\\`*_[]<>|&~!")


def escape_markdown_cell(text: str) -> str:
    """Text for one markdown table cell: literal, on one line, with no markup of its own."""
    flat = printable(" ".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")))
    return "".join(f"\\{ch}" if ch in _MARKDOWN_SPECIAL else ch for ch in flat)


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    head = list(header)
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(escape_markdown_cell(cell) for cell in row) + " |" for row in rows]
    return out


def step_summary_markdown(report: Report) -> str:
    """The markdown the CLI appends to ``$GITHUB_STEP_SUMMARY``: a heading, the summary line, a table
    of all findings and one of the files that could not be read."""
    lines = ["## modelcheck", "", escape_markdown_cell(summary_line(report)), ""]
    findings = report.sorted_findings()
    if findings:
        lines += _table(
            ("Severity", "Code", "Rule", "Model", "Layer", "Message", "Fix"),
            (
                (
                    f.severity.label,
                    f.code,
                    f.name,
                    artifact_uri(f.location.artifact),
                    f.location.layer_path,
                    f.message,
                    f.fix,
                )
                for f in findings
            ),
        )
        lines.append("")
    if report.failures:
        lines += _table(
            ("Model", "Could not be read"),
            ((artifact_uri(x.artifact), x.message) for x in report.failures),
        )
        lines.append("")
    return "\n".join(lines) + "\n"
