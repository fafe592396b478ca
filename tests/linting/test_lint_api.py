"""The Python API on live models and factory specs (these import keras, by design)."""

from __future__ import annotations

import pytest

import modelcheck


def test_in_memory_model_gives_the_same_findings_as_its_file(keras, tmp_path):
    import models  # examples/models.py

    model = models.story1_buggy()
    live = modelcheck.lint(model)
    model.save(tmp_path / "s1.keras")
    saved = modelcheck.lint(tmp_path / "s1.keras")
    key = lambda r: sorted((f.code, f.location.layer_path) for f in r.findings)  # noqa: E731
    assert key(live) == key(saved)
    assert {"MC201", "MC203"} <= {f.code for f in live.findings}
    assert live.models[0].source_format == "live"


def test_factory_spec_module_callable(keras):
    report = modelcheck.lint("models:one_unit_softmax")  # examples/models.py on sys.path
    assert any(f.code == "MC301" for f in report.findings)
    assert report.models[0].artifact == "models:one_unit_softmax"


def test_unknown_selector_is_a_config_error(tmp_path):
    with pytest.raises(modelcheck.ConfigError) as exc:
        modelcheck.lint(tmp_path, select=["MC999"])
    assert "Received: 'MC999'" in str(exc.value)


def test_example_build_script_writes_every_model(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, str(repo / "examples" / "build.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    written = sorted(p.name for p in tmp_path.iterdir())
    assert "story1_buggy.keras" in written and "story1_buggy.h5" in written
    report = modelcheck.lint([str(tmp_path)])
    assert not report.failures
    assert len(report.models) == len(written)
