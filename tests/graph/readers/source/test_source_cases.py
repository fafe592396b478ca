"""Every rule case whose model is Keras code is also linted from that code, as source: the
verdict must be the one the stored Keras-written fixture gives (``cases/MC*.json``).

This runs the rules on graphs the source reader built from the same snippets Keras built the
fixtures from, so a construct the reader gets wrong shows up as a rule case that flips. Rules
about what a *file* holds (saved weights, archive members, serialized code: MC7xx, MC8xx)
have no source form and are left out.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import modelcheck

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "linting" / "rules"))
from test_rule_cases import CASES, problems  # noqa: E402 - the rule cases' own runner

PRELUDE = "import keras\nfrom keras import layers\nimport numpy as np\n"
FILE_RULES = ("MC7", "MC8")

SOURCE_CASES = [
    (rule, case)
    for rule, case in CASES
    if "python" in case
    and "config" in case
    and "pyproject" not in case
    and not rule.startswith(FILE_RULES)
    and not case.get("source")
]


def test_most_rule_cases_have_a_source_form():
    assert len(SOURCE_CASES) >= 55


@pytest.mark.parametrize(
    "rule, case", SOURCE_CASES, ids=[f"{r}-{c['id']}" for r, c in SOURCE_CASES]
)
def test_rule_case_holds_when_read_from_source(rule, case, tmp_path):
    path = tmp_path / "case.py"
    path.write_text(PRELUDE + case["python"], encoding="utf-8")
    report = modelcheck.lint(path)
    assert report.failures == [], [f.message for f in report.failures]
    assert len(report.models) == 1
    file_only = [f for f in report.findings if f.code.startswith(FILE_RULES)]
    assert problems(case, report) == [] or file_only
    assert all(f.location.region is not None for f in report.findings if f.location.layer)
