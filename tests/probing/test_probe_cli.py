"""`modelcheck probe` errors that need no training, and probe checks in `rules`/`explain`."""

from __future__ import annotations

import json

import pytest
from cli_helpers import assert_one_error_line, run_cli

from modelcheck.probing.registry import PROBE_CHECKS


def test_rules_lists_probe_checks():
    proc = run_cli("rules", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    probe = {r["code"] for r in json.loads(proc.stdout) if r["command"] == "probe"}
    assert probe == {c.code for c in PROBE_CHECKS}
    assert {"MP101", "MP201", "MP301", "MP401"} <= probe


@pytest.mark.parametrize("code", ["MP101", "information-lost"])
def test_explain_probe_check(code):
    proc = run_cli("explain", code)
    assert proc.returncode == 0, proc.stderr
    assert "Why is this bad?" in proc.stdout and "Thresholds" in proc.stdout


@pytest.mark.parametrize(
    "table, received",
    [
        ("seeed = 1", "unknown key 'seeed' (did you mean 'seed'?)"),
        ("dead-fraction = 'high'", "'high'"),
        ("color-mode = 'sepia'", "'sepia'"),
        ("epochs = 2.5", "2.5"),
    ],
)
def test_bad_probe_config_is_one_error_line(tmp_path, table, received):
    (tmp_path / "pyproject.toml").write_text(f"[tool.modelcheck.probe]\n{table}\n")
    line = assert_one_error_line(run_cli("probe", "missing.keras", cwd=tmp_path))
    assert "tool.modelcheck.probe" in line and line.endswith(f"Received: {received}"), line


def test_lint_accepts_a_probe_table(tmp_path, example_models):
    (tmp_path / "pyproject.toml").write_text("[tool.modelcheck.probe]\nseed = 3\n")
    proc = run_cli("lint", example_models["story1_fixed"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
def test_probe_missing_file_is_one_error_line(tmp_path):
    line = assert_one_error_line(run_cli("probe", tmp_path / "nope.keras"))
    assert "nope.keras" in line


def test_probe_bad_option_value_is_one_error_line():
    assert_one_error_line(run_cli("probe", "x.keras", "--color-mode", "sepia"))


def test_probe_bad_plot_suffix_fails_before_loading_anything():
    line = assert_one_error_line(run_cli("probe", "missing.keras", "--plot", "out.jpg"))
    assert "out.jpg" in line and ".png" in line
