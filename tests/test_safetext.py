"""Text from model files cannot steer a terminal or a CI log (modelcheck/safetext.py):
no control character reaches any output format unescaped, no output line made from file
content starts a GitHub Actions workflow command, and huge names render in bounded size.

The end-to-end tests lint a real Keras-written model whose names were replaced with escape
sequences, OSC-8 hyperlinks, newlines followed by ``::error``/``::add-mask::``, ``##[``
commands, bidi overrides and an 8 MiB name, in every output format through the real CLI.
"""

from __future__ import annotations

import io
import json
import unicodedata
import zipfile
from pathlib import Path

import pytest
from cli_helpers import cli_env, run_cli
from rich.console import Console

from modelcheck.findings import (
    Finding,
    LoadFailure,
    Location,
    ModelSummary,
    ProbeRun,
    Report,
    Severity,
)
from modelcheck.render.json import render_json
from modelcheck.render.probe_text import render_probe_text
from modelcheck.render.text import render_failures, render_text
from modelcheck.safetext import (
    MAX_NAME,
    CommandGuard,
    guard_commands,
    json_text,
    printable,
)

HOSTILE_NAME = (
    "a\x1b[2J\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\"
    "\n::error file=x::pwned\r\n  ::add-mask::secret \u202eevil ##[error]legacy \x7f\x9b31m"
    "\u2028::notice::ls\x00"
)
HUGE_NAME = "n" * (8 << 20)


def unsafe_characters(text: str, *, allow: str = "\n") -> set[str]:
    """Characters a terminal or log viewer would interpret (controls, format characters,
    line separators), except ``allow``."""
    return {
        ch
        for ch in text
        if ch not in allow and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")
    }


def command_lines(text: str) -> list[str]:
    """Lines the Actions runner would take for a workflow command."""
    return [line for line in text.splitlines() if line.lstrip().startswith("::")]


# --------------------------------------------------------------------------- units


def test_printable_escapes_every_control_and_format_character():
    shown = printable(HOSTILE_NAME)
    assert not unsafe_characters(shown, allow="")
    assert "\\x1b[2J" in shown and "\\n" in shown and "\\u202e" in shown and "\\x9b" in shown
    assert printable("dense_1 (Dense) ünïcode 名前") == "dense_1 (Dense) ünïcode 名前"
    assert printable("a\nb", keep="\n") == "a\nb"


def test_printable_cuts_long_text_with_a_count():
    shown = printable(HUGE_NAME, MAX_NAME)
    assert shown.startswith("n" * MAX_NAME)
    assert shown.endswith(f"... ({len(HUGE_NAME) - MAX_NAME:,} more characters)")
    assert printable("x" * 10, 10) == "x" * 10


def test_guard_commands_neutralises_line_starts_and_legacy_commands():
    text = "ok ::fine\n::error::x\n   \t::add-mask::y\nz ##[error]w\n"
    guarded = guard_commands(text)
    assert command_lines(guarded) == []
    assert "##[" not in guarded
    assert guarded.splitlines()[0] == "ok ::fine"  # mid-line '::' is harmless, kept


def test_command_guard_follows_lines_across_writes():
    out = io.StringIO()
    guard = CommandGuard(out)
    for piece in ("head\n  ", "  ", "::error::x", " and ::more\n", "::warning::y\nend", "::z"):
        guard.write(piece)
    assert command_lines(out.getvalue()) == []
    assert out.getvalue().endswith("end::z")  # '::' after text on a line stays as it is


def test_json_text_escapes_are_lossless():
    value = {"name": HOSTILE_NAME, "##[": "##[x"}
    text = json_text(json.dumps(value, indent=2))
    assert not unsafe_characters(text) and "##[" not in text
    assert json.loads(text) == value


def hostile_report() -> Report:
    layer = (HOSTILE_NAME, HUGE_NAME)
    finding = Finding(
        "MC203",
        "activation-before-softmax",
        Severity.ERROR,
        f"'{HOSTILE_NAME}' feeds '{HUGE_NAME}'",
        Location(f"models/{HOSTILE_NAME}.keras", layer),
        f"Remove the activation from '{HOSTILE_NAME}'",
    )
    row = {
        "path": "/".join(layer),
        "class_name": HOSTILE_NAME,
        "activation": HOSTILE_NAME,
        "output_shape": [None, 4],
        "params": 4,
        "inputs": [HOSTILE_NAME, HUGE_NAME],
    }
    model = ModelSummary(
        f"models/{HOSTILE_NAME}.keras", HOSTILE_NAME, HOSTILE_NAME, "keras", [row], [HOSTILE_NAME]
    )
    return Report(
        tool="lint",
        findings=[finding],
        failures=[LoadFailure(HOSTILE_NAME, f"Expected a model. Received: {HOSTILE_NAME}")],
        models=[model],
        run=ProbeRun(
            data=HOSTILE_NAME,
            source=HOSTILE_NAME,
            notes=[HOSTILE_NAME],
            train_samples=10,
            test_samples=5,
        ),
    )


@pytest.mark.parametrize("width", [60, 80, 120])
def test_text_renderers_at_any_width(width):
    out = io.StringIO()
    console = Console(file=CommandGuard(out), width=width, highlight=False, emoji=False)
    report = hostile_report()
    render_text(report, console)
    render_probe_text(report, console)
    render_failures(report, console)
    text = out.getvalue()
    assert not unsafe_characters(text)
    assert command_lines(text) == [] and "##[" not in text
    assert len(text) < 200_000  # an 8 MiB name is shown cut


def test_json_renderer_escapes_what_ensure_ascii_leaves():
    text = render_json(hostile_report())
    assert not unsafe_characters(text) and "##[" not in text and command_lines(text) == []
    assert json.loads(text)["findings"][0]["layer_path"][0] == HOSTILE_NAME


# --------------------------------------------------------------------------- the real CLI


@pytest.fixture(scope="module")
def hostile_names(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Keras-written model (with a ReLU head feeding a softmax: MC203) whose layer and
    model names were replaced: every finding and table row carries them."""
    import keras

    out = tmp_path_factory.mktemp("names")
    keras.backend.clear_session()
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(4, activation="relu", name="first"),
            keras.layers.Softmax(name="second"),
        ],
        name="m",
    )
    path = out / "names.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    text = members["config.json"].decode()
    text = text.replace('"first"', json.dumps(HOSTILE_NAME))
    text = text.replace('"second"', json.dumps(HUGE_NAME)).replace('"m"', json.dumps(HOSTILE_NAME))
    members["config.json"] = text.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_no_output_format_lets_file_content_steer_a_terminal_or_a_log(
    hostile_names, output_format, monkeypatch
):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    missing = hostile_names.parent / f"{HOSTILE_NAME[:12]}.keras"  # a failure line too
    proc = run_cli("lint", hostile_names, missing, "--format", output_format)
    assert proc.returncode == 2, proc.stderr[-500:]  # findings, and one unreadable path
    assert "Traceback" not in proc.stderr
    for stream in (proc.stdout, proc.stderr):
        assert not unsafe_characters(stream), sorted(map(hex, map(ord, unsafe_characters(stream))))
        assert "##[" not in stream
    lines = command_lines(proc.stdout + proc.stderr)
    if output_format == "github":  # our own commands: one per finding and per failure
        assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
        assert len(lines) == proc.stdout.count("\n") - 1
    else:
        assert lines == [], lines[:3]
    if output_format == "text":
        assert "MC203" in proc.stdout and len(proc.stdout) < 200_000
    else:
        assert HOSTILE_NAME not in proc.stdout  # only escaped


def test_narrow_terminal_text_output_has_no_command_lines(hostile_names):
    env = {**cli_env(), "COLUMNS": "60"}
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "modelcheck", "lint", str(hostile_names)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert command_lines(proc.stdout) == [] and not unsafe_characters(proc.stdout)
