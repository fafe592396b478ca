"""The real buggy programs of ``tests/corpus/real_bugs`` (public bug reports, sources in its
MANIFEST.json and README.md), linted as Python source without Keras: every one is read without
a crash, and every bug modelcheck detects today stays detected at the line the report's fix
changes. The misses are listed in the README (and in benchmarks/README.md), not here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import modelcheck
from modelcheck.findings import Severity

HERE = Path(__file__).resolve().parent / "real_bugs"
MANIFEST = {entry["id"]: entry for entry in json.loads((HERE / "MANIFEST.json").read_text())}

#: program id -> the code that names its bug (measured 2026-12-03; 24 of the 32 programs whose
#: bug is visible in the code)
DETECTED = {
    "dl_31880720": "MC301", "dl_34673164": "MC306", "dl_38648195": "MC306",
    "dl_44066044": "MC302", "dl_45337371": "MC301", "dl_45442843": "MC301",
    "dl_47352366": "MC302", "dl_48221692": "MC307", "dl_48385830": "MC201",
    "dl_51930566": "MC305", "gh_karaage_ai_book_26": "MC302", "gh_keras_126": "MC306",
    "gh_keras_13815": "MC501", "nl_33969059": "MC301", "nl_34311586": "MC301",
    "nl_45711636": "MC403", "nl_50079585": "MC301", "nl_51749207": "MC301",
    "nl_53119432": "MC404", "nl_58844149": "MC301", "nl_61030068": "MC404",
    "se_stats_481881": "MC301", "so_44972799": "MC401", "so_45378493": "MC301",
}  # fmt: skip


def test_the_corpus_holds_at_least_40_real_programs_with_named_sources():
    assert len(MANIFEST) >= 40
    for pid, entry in MANIFEST.items():
        assert (HERE / f"{pid}.py").is_file() and entry["url"].startswith("https://")


@pytest.mark.parametrize("pid", sorted(MANIFEST))
def test_every_program_is_read_without_a_crash(pid):
    report = modelcheck.lint(HERE / f"{pid}.py")
    assert not report.failures, [f.message for f in report.failures]


@pytest.mark.parametrize("pid", sorted(DETECTED))
def test_a_detected_bug_stays_detected_at_its_line(pid):
    line = MANIFEST[pid]["line"]
    report = modelcheck.lint(HERE / f"{pid}.py")
    hits = [
        f
        for f in report.findings
        if f.code == DETECTED[pid]
        and f.severity >= Severity.WARNING
        and f.location.region is not None
        and f.location.region.line - 3 <= line <= (f.location.region.end_line or 0) + 3
    ]
    assert hits, sorted(
        (f.code, f.location.region and f.location.region.line) for f in report.findings
    )
