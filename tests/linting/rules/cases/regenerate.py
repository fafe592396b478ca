"""Write the fixtures of the rule cases (``MC*.json`` here) from their Keras snippets.

Each case in a case file holds, besides its expectations, the ``python`` snippet that builds
the model (``model = ...``, or ``save(path)`` for a file written by hand) and the fixture the
case runner lints without Keras: the ``config`` Keras wrote (the ``config.json`` of the
``.keras`` archive), or, when the rule reads more than the config (saved weights, archive
members, HDF5 structure), the whole ``file`` as base64. This script rebuilds the fixtures with
the installed Keras; ``tests/linting/rules/test_rule_docs.py`` checks that the stored ones
still give the findings a freshly built model gives.

Usage: ``python tests/linting/rules/cases/regenerate.py [MC203 ...]`` (needs the probe extra).
Cases without a ``python`` snippet (hand-edited configs) are left as they are.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import tempfile
import textwrap
import zipfile
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent

#: Rules whose findings come from more than config.json: their fixtures are whole files.
FILE_PREFIXES = ("MC7", "MC805", "MC806", "MC807", "MC808", "MC809")


def build(keras: Any, code: str, path: Path) -> Path:
    """Run a snippet that defines ``model`` (saved to ``path``) or ``save(path)``."""
    namespace: dict[str, Any] = {"keras": keras, "layers": keras.layers}
    exec(textwrap.dedent(code), namespace)  # snippets written in this repository
    if "save" in namespace:
        namespace["save"](path)
    else:
        namespace["model"].save(path)
    return path


def fixture(keras: Any, rule: str, case: dict[str, Any]) -> dict[str, Any]:
    """The ``config`` or ``file`` entry for one case, built from its snippet."""
    keras.backend.clear_session()  # layer names as in a fresh process
    keras.utils.set_random_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        path = build(keras, case["python"], Path(tmp) / "m.keras")
        whole = (
            case.get("weights") or rule.startswith(FILE_PREFIXES) or "def save" in case["python"]
        )
        if whole or not zipfile.is_zipfile(path):
            return {"file": base64.b64encode(path.read_bytes()).decode("ascii")}
        with zipfile.ZipFile(path) as zf:
            config = json.loads(zf.read("config.json"))
            meta = json.loads(zf.read("metadata.json")) if "metadata.json" in zf.namelist() else {}
    return {"config": config, "keras_version": meta.get("keras_version")}


def regenerate(codes: list[str]) -> None:
    import keras

    for path in sorted(HERE.glob("MC*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if codes and data["rule"] not in codes:
            continue
        for case in data["cases"]:
            if case.get("python") and not case.get("source"):
                for key in ("config", "file", "keras_version"):
                    case.pop(key, None)
                case.update(fixture(keras, data["rule"], case))
        write_case_file(path, data)
        print(f"wrote {path.name}: {len(data['cases'])} cases")


def write_case_file(path: Path, data: dict[str, Any]) -> None:
    """Indented JSON, with each fixture (``config``, ``file``) on one line: the snippets and
    expectations are what a reader reads."""
    fixtures: dict[str, str] = {}
    cases = []
    for i, case in enumerate(data["cases"]):
        case = dict(case)
        for key in ("config", "file"):
            if key in case:
                marker = f"@@{key}-{i}@@"
                fixtures[json.dumps(marker)] = json.dumps(case[key], separators=(",", ":"))
                case[key] = marker
        cases.append(case)
    text = json.dumps({**data, "cases": cases}, indent=1, ensure_ascii=False)
    for marker, value in fixtures.items():
        text = text.replace(marker, value)
    path.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--reformat"]:
        for case_file in sorted(HERE.glob("MC*.json")):
            write_case_file(case_file, json.loads(case_file.read_text(encoding="utf-8")))
        sys.exit(0)
    regenerate(sys.argv[1:])
