"""The one catalog of checks (``modelcheck.catalog``): what ``rules``, ``explain``, SARIF and
the validation of configured selectors read."""

from __future__ import annotations

import subprocess
import sys

import pytest

from modelcheck import catalog
from modelcheck.checks import Documented
from modelcheck.config import parse_table
from modelcheck.errors import ConfigError
from modelcheck.linting.registry import RULES
from modelcheck.probing.registry import PROBE_CHECKS


def test_catalog_lists_every_lint_rule_then_every_probe_check():
    listed = [e.check for e in catalog.entries()]
    assert listed == [*RULES, *PROBE_CHECKS]
    assert [e.command for e in catalog.entries()] == ["lint"] * len(RULES) + ["probe"] * len(
        PROBE_CHECKS
    )
    codes = [c.code for c in listed]
    assert len(codes) == len(set(codes)) and len({c.name for c in listed}) == len(listed)


@pytest.mark.parametrize("check", [*RULES, *PROBE_CHECKS], ids=lambda c: c.code)
def test_every_check_is_documented_with_a_group(check):
    assert issubclass(check, Documented)
    assert isinstance(check.group, str) and check.group, "a group attribute (the SARIF tag)"
    assert catalog.find(check.code) is check and catalog.find(check.name.upper()) is check


def test_groups_are_attributes_not_module_names():
    assert {r.group for r in RULES} >= {"heads", "activations", "security", "shapes"}
    assert {c.group for c in PROBE_CHECKS} == {
        "dead-units",
        "predictions",
        "linear-probes",
        "training-health",
    }


def test_unknown_code_is_not_found():
    assert catalog.find("MC999") is None and catalog.find("no-such-rule") is None


@pytest.mark.parametrize("key", ["ignore", "severity", "per-file-ignores"])
def test_config_options_that_apply_to_the_probe_may_name_probe_checks(key):
    # README: ignore, severity and per-file-ignores apply to probe findings (MP codes) as well
    value = {
        "ignore": ["MP101"],
        "severity": {"MP2": "error"},
        "per-file-ignores": {"*.keras": ["dead-units"]},
    }[key]
    catalog.validate_config(parse_table({key: value}))


def test_select_names_lint_rules_only_and_typos_are_errors():
    with pytest.raises(ConfigError, match="'MP101'"):
        catalog.validate_config(parse_table({"select": ["MP101"]}))
    with pytest.raises(ConfigError, match=r"'ignore' in \[tool.modelcheck\].*'MC999'"):
        catalog.validate_config(parse_table({"ignore": ["MC999"]}))
    with pytest.raises(ConfigError, match="'MQ1'"):
        catalog.validate_config(parse_table({"severity": {"MQ1": "error"}}))


def test_lint_validates_probe_checks_only_when_a_selector_names_no_rule():
    code = (
        "import sys, modelcheck.catalog as k, modelcheck.config as c;"
        "k.validate_config(c.parse_table({'ignore': ['MC203']}));"
        "print('modelcheck.probing.registry' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
