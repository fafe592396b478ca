"""The ``modelcheck`` command: parse options, call the API, render, map to an exit code.

Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 usage or load errors.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn, TextIO

import typer
from rich.console import Console
from rich.text import Text

from modelcheck.cli_options import (
    LayerTable,
    LintBaseline,
    LintConfig,
    LintDiff,
    LintExitZero,
    LintFailOn,
    LintFix,
    LintIgnore,
    LintIsolated,
    LintLayers,
    LintOutputFormat,
    LintPaths,
    LintSelect,
    LintUnsafeFixes,
    LintWeights,
    LintWriteBaseline,
    ListFormat,
    OutputFormat,
    ProbeColorMode,
    ProbeConfig,
    ProbeCustomObjects,
    ProbeData,
    ProbeEpochs,
    ProbeExitZero,
    ProbeFailOn,
    ProbeIsolated,
    ProbeKeepWeights,
    ProbeLearningRate,
    ProbeLoss,
    ProbeMaxSeconds,
    ProbeMnist,
    ProbeOutputFormat,
    ProbePath,
    ProbePlot,
    ProbeProgress,
    ProbeSeed,
    ProbeSteps,
    ProbeTrust,
)
from modelcheck.errors import ModelcheckError
from modelcheck.findings import Report, Severity
from modelcheck.safetext import CommandGuard, printable

try:  # typer >= 0.2x vendors click and exposes the base of its exceptions
    from typer import TyperException as _CliError
except ImportError:  # pragma: no cover - older typer on top of click
    from click import ClickException as _CliError  # type: ignore[assignment]

app = typer.Typer(
    name="modelcheck",
    help="Find the bugs that make a Keras model train but not learn.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _consoles() -> tuple[Console, Console]:
    width = None if sys.stdout.isatty() else max(shutil.get_terminal_size((120, 24)).columns, 120)
    return _console(sys.stdout, width=width), _console(sys.stderr)


def _console(stream: TextIO, *, width: int | None = None) -> Console:
    """A console for human output. emoji=False: a layer named ":fire:" prints as written (and
    rich skips its emoji table); the guard keeps file content from starting a GitHub
    Actions workflow command on any line, wherever rich wraps it."""
    return Console(file=CommandGuard(stream), highlight=False, emoji=False, width=width)


def exit_code(report: Report, fail_on: Severity, exit_zero: bool) -> int:
    if report.failures:
        return 2
    worst = report.max_severity()
    if worst is not None and worst >= fail_on and not exit_zero:
        return 1
    return 0


def _split(values: list[str] | None) -> list[str]:
    return [p.strip() for v in values or [] for p in v.split(",") if p.strip()]


@app.command()
def lint(
    paths: LintPaths,
    output_format: LintOutputFormat = OutputFormat.text,
    select: LintSelect = None,
    ignore: LintIgnore = None,
    fail_on: LintFailOn = None,
    exit_zero: LintExitZero = False,
    weights: LintWeights = None,
    config: LintConfig = None,
    isolated: LintIsolated = False,
    baseline: LintBaseline = None,
    write_baseline: LintWriteBaseline = None,
    layers: LintLayers = LayerTable.auto,
    fix: LintFix = False,
    unsafe_fixes: LintUnsafeFixes = False,
    diff: LintDiff = False,
) -> None:
    """Lint model files and Python sources statically (no TensorFlow, nothing is executed)."""
    from modelcheck.linting.api import lint as run_lint

    out, err = _consoles()
    cfg = _load_cli_config(config, isolated)

    def run() -> Report:
        return run_lint(
            list(paths),
            select=_split(select),
            ignore=_split(ignore),
            weights=weights,
            config=cfg,
            baseline="" if write_baseline else baseline,
        )

    report = run()
    if diff or fix:
        from modelcheck.linting.fixes import plan_fixes, unified_diff

        plans = plan_fixes(report, unsafe=unsafe_fixes)
        if diff:
            sys.stdout.write("".join(unified_diff(p) for p in plans))
            _fix_summary(err, plans, report, unsafe_fixes, verb="Would fix")
            raise typer.Exit(1 if plans else 0)
        for plan in plans:
            Path(plan.path).write_text(plan.new_text, encoding="utf-8")
        _fix_summary(err, plans, report, unsafe_fixes, verb="Fixed")
        if plans:
            report = run()
    if output_format is OutputFormat.json:
        from modelcheck.render.json import render_json

        sys.stdout.write(render_json(report))
    elif output_format is OutputFormat.sarif:
        from modelcheck import catalog
        from modelcheck.render.sarif import render_sarif

        sys.stdout.write(render_sarif(report, catalog.lint_rules()))
    elif output_format is OutputFormat.github:
        sys.stdout.write(github_output(report))
    else:
        from modelcheck.render.text import render_text

        render_text(report, out, show_layers=layers.value)
    from modelcheck.render.text import render_failures

    render_failures(report, err)
    if write_baseline:
        from modelcheck.linting.baseline import write_baseline as write

        n = write(report.findings, write_baseline)
        err.print(Text(f"modelcheck: wrote {n} finding(s) to baseline {write_baseline}"))
        exit_zero = True
    threshold = Severity.parse(fail_on.value) if fail_on else cfg.fail_on or Severity.WARNING
    raise typer.Exit(exit_code(report, threshold, exit_zero))


def _fix_summary(err: Console, plans: list[Any], report: Report, unsafe: bool, verb: str) -> None:
    fixed = sum(len(p.findings) for p in plans)
    hidden = sum(
        1 for f in report.findings if f.autofix is not None and f.autofix.applicability == "unsafe"
    )
    text = f"modelcheck: {verb} {fixed} finding(s) in {len(plans)} file(s)"
    if hidden and not unsafe:
        text += f"; {hidden} more with --unsafe-fixes"
    err.print(Text(text))


def github_output(report: Report) -> str:
    """``--format github``: the workflow commands for stdout; when ``$GITHUB_STEP_SUMMARY``
    names a file, the markdown table of every finding is appended to it (a broken summary
    file only warns: it must not hide the annotations)."""
    from modelcheck.render.github import render_github, step_summary_markdown

    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        try:
            write_step_summary(step_summary_markdown(report), step_summary)
        except OSError as exc:
            print(
                f"modelcheck: warning: could not write $GITHUB_STEP_SUMMARY: {exc}", file=sys.stderr
            )
    return render_github(report)


def write_step_summary(markdown: str, path: str | os.PathLike[str]) -> None:
    """Append ``markdown`` to ``path`` (``$GITHUB_STEP_SUMMARY``).

    Raises:
        OSError: when the file cannot be written.
    """
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(markdown)


def _load_cli_config(config: str | None, isolated: bool):
    from modelcheck.config import LintConfig, find_config, load_config

    if isolated:
        return LintConfig()
    found = config if config is not None else find_config()
    return load_config(found) if found is not None else LintConfig()


@app.command()
def probe(
    path: ProbePath,
    data: ProbeData = None,
    color_mode: ProbeColorMode = None,
    mnist: ProbeMnist = None,
    seed: ProbeSeed = None,
    epochs: ProbeEpochs = None,
    steps: ProbeSteps = None,
    max_seconds: ProbeMaxSeconds = None,
    keep_weights: ProbeKeepWeights = False,
    trust: ProbeTrust = False,
    custom_objects: ProbeCustomObjects = None,
    loss: ProbeLoss = None,
    learning_rate: ProbeLearningRate = None,
    output_format: ProbeOutputFormat = ListFormat.text,
    plot: ProbePlot = None,
    fail_on: ProbeFailOn = None,
    exit_zero: ProbeExitZero = False,
    config: ProbeConfig = None,
    isolated: ProbeIsolated = False,
    progress: ProbeProgress = True,
) -> None:
    """Train a copy of the model briefly and report dead units, collapsed predictions,
    per-layer linear-probe accuracy and training health."""
    from modelcheck.probing.api import probe as run_probe

    if plot:
        from modelcheck.render.plot import check_plot_path

        check_plot_path(plot)  # a typo in the suffix should not cost a training run
    cfg = _load_cli_config(config, isolated)
    out, err = _consoles()
    report = run_probe(
        path,
        data=data,
        color_mode=color_mode.value if color_mode else None,
        mnist=mnist,
        seed=seed,
        epochs=epochs,
        steps=steps,
        max_seconds=max_seconds,
        keep_weights=keep_weights,
        trust=trust,
        custom_objects=custom_objects,
        loss=loss,
        learning_rate=learning_rate,
        config=cfg,
        progress=progress and err.is_terminal,
    )
    _INTERRUPT.check()  # a Ctrl-C that Keras swallowed still stops before any output
    if output_format is ListFormat.json:
        from modelcheck.render.json import render_json

        sys.stdout.write(render_json(report))
    else:
        from modelcheck.render.probe_text import render_probe_text

        render_probe_text(report, out)
    if plot:
        from modelcheck.render.plot import write_plot

        write_plot(report, plot)
        err.print(Text(f"modelcheck: wrote {plot}"))
    from modelcheck.render.text import render_failures

    render_failures(report, err)
    threshold = Severity.parse(fail_on.value) if fail_on else cfg.fail_on or Severity.WARNING
    # the report is complete and nothing is left to write: skip TensorFlow's teardown
    _exit_now(exit_code(report, threshold, exit_zero))


@app.command()
def rules(
    output_format: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.text,
) -> None:
    """List every lint rule and probe check with its code, name, default severity and summary."""
    from modelcheck import catalog

    entries = [(e.command, e.check, e.note) for e in catalog.entries()]
    if output_format is ListFormat.json:
        import json

        data = [
            {
                "code": r.code,
                "name": r.name,
                "command": command,
                "severity": r.severity.label,
                "summary": r.summary(),
                "needs_weights": getattr(r, "needs_weights", False),
            }
            for command, r, _ in entries
        ]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    from rich.table import Table

    from modelcheck.render.text import STYLE

    out, _ = _consoles()
    for command in ("lint", "probe"):
        table = Table(header_style="bold", title=f"modelcheck {command}", title_justify="left")
        for col in ("Code", "Name", "Severity", "Summary"):
            table.add_column(col)
        for cmd, r, note in entries:
            if cmd == command:
                severity = Text(r.severity.label, style=STYLE[r.severity])
                table.add_row(r.code, r.name, severity, r.summary() + note)
        out.print(table)


@app.command()
def explain(
    code: Annotated[str, typer.Argument(help="A rule or check code (MC203, MP101) or name.")],
) -> None:
    """Print a rule's or probe check's documentation: why it matters, the anti-pattern, the
    fix."""
    from modelcheck import catalog
    from modelcheck.errors import ConfigError

    rule = catalog.find(code)
    if rule is None:
        raise ConfigError(
            "Expected a rule or check code or name (see `modelcheck rules`).", repr(code)
        )
    out, _ = _consoles()
    sections = rule.doc_sections()
    text = [
        f"# {rule.name} ({rule.code})",
        "",
        f"Default severity: **{rule.severity.label}**",
        "",
        sections["summary"],
    ]
    for title, body in sections.items():
        if title != "summary":
            text += ["", f"## {title}", "", body]
    from rich.markdown import Markdown  # markdown-it costs 30 ms: only here

    out.print(Markdown("\n".join(text)))


def _version_callback(value: bool) -> None:
    if value:
        from modelcheck import __version__

        print(f"modelcheck {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version_callback,
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = False,
) -> None:
    """Find the bugs that make a Keras model train but not learn."""


def _error_hint(param: object, ctx: object) -> str | None:
    """``'--format' / '-f'``; click's ``get_error_hint`` takes the context, typer's does not."""
    if param is None:
        return None
    try:
        return param.get_error_hint(ctx)  # type: ignore[attr-defined]
    except TypeError:
        return param.get_error_hint()  # type: ignore[attr-defined]


def _usage_line(exc: Exception) -> str:
    """Click's usage errors as one line: expectation first, then what was received."""
    ctx = getattr(exc, "ctx", None)
    cmd = ctx.command_path if ctx is not None else "modelcheck"
    kind = type(exc).__name__
    param = getattr(exc, "param", None)
    hint = _error_hint(param, ctx)
    if kind == "NoSuchOption":
        return f"Expected an option of `{cmd}` (see `{cmd} --help`). Received: {exc.option_name}"  # type: ignore[attr-defined]
    if kind == "MissingParameter":
        return f"Expected {hint or 'an argument'} for `{cmd}`. Received: nothing"
    if kind == "BadParameter":
        return f"Expected a valid value for {hint or 'an option'}. Received: {exc.message}"  # type: ignore[attr-defined]
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    return f"Expected a valid `{cmd}` command line (see `{cmd} --help`). Received: {message}"


class _Interrupt:
    """Ctrl-C while a command runs.

    Python turns SIGINT into ``KeyboardInterrupt``, which typer ends as a silent exit code 130
    and which a library may swallow or turn into another error (an interrupted ``import
    keras`` can end in an ``ImportError``). This handler raises the same
    ``KeyboardInterrupt`` but remembers that it fired, so however the command ends
    afterwards, :func:`main` reports it as one line and exit code 130. Files and temporary
    folders are cleaned up on the way out by the ``finally`` blocks that made them
    (:mod:`modelcheck._files`, Keras's own).
    """

    def __init__(self) -> None:
        self.fired = False
        self.previous: Any = None

    def __call__(self, signum: int, frame: Any) -> None:
        self.fired = True
        raise KeyboardInterrupt

    def install(self) -> None:
        """Take over SIGINT if Python's default handler has it (an ignored SIGINT, as in a
        background job, stays ignored)."""
        try:
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                self.previous = signal.signal(signal.SIGINT, self)
        except ValueError:  # not the main thread: signals are not ours to handle
            pass

    def restore(self) -> None:
        if self.previous is not None and signal.getsignal(signal.SIGINT) is self:
            signal.signal(signal.SIGINT, self.previous)

    def check(self) -> None:
        """Raise ``KeyboardInterrupt`` if Ctrl-C came but something swallowed it: stop
        before writing results."""
        if self.fired:
            raise KeyboardInterrupt


_INTERRUPT = _Interrupt()


def _exit_now(code: int) -> NoReturn:
    """Exit without the interpreter's teardown, which takes TensorFlow 1-2 s
    (benchmarks/README.md). Output is flushed and ``atexit`` handlers still run: they remove
    temporary folders (matplotlib makes one in ``$TMPDIR`` when its config folder is not
    writable, and removes it at exit). A Ctrl-C now would only break the exit: ignored."""
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    atexit._run_exitfuncs()
    os._exit(code)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: one-line errors and exit code 2 instead of tracebacks;
    Ctrl-C ends with one line (``modelcheck: interrupted``) and exit code 130."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    command = typer.main.get_command(app)
    err = _console(sys.stderr)
    interrupt = _INTERRUPT
    interrupt.fired = False
    interrupt.install()
    try:
        code = command.main(args=argv, prog_name="modelcheck", standalone_mode=False)
    except (typer.Abort, KeyboardInterrupt):
        code = 130
    except ModelcheckError as exc:
        if not interrupt.fired:  # else an error the interruption caused: not the user's
            err.print(Text(f"modelcheck: error: {printable(exc)}"), soft_wrap=True)
        code = 2
    except _CliError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            code = 0 if argv == [] else 2
            command.main(args=["--help"], prog_name="modelcheck", standalone_mode=False)
        else:
            err.print(Text("modelcheck: error: " + printable(_usage_line(exc))), soft_wrap=True)
            code = 2
    except Exception:
        if not interrupt.fired:
            interrupt.restore()
            raise
        code = 130
    code = code if isinstance(code, int) else 0
    interrupted = interrupt.fired or code == 130  # typer ends a KeyboardInterrupt as 130
    # Run as the `modelcheck` command with TensorFlow loaded (probe, factory specs), or
    # interrupted (maybe halfway through importing it): skip the interpreter's teardown. It
    # takes TensorFlow 1-2 s, a half-imported TensorFlow can end it killed by SIGINT, and
    # only atexit handlers are left to run.
    leave_now = argv is None and ("tensorflow" in sys.modules or interrupted)
    if leave_now:
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    interrupt.restore()
    if interrupted:
        err.print(Text("modelcheck: interrupted"))
        code = 130
    if leave_now:
        _exit_now(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
