"""Mutated real Keras files end in a report or a one-line error, never a traceback, hang or
crash: a few hundred cases of ``benchmarks/fuzz.py``, derandomized so every run checks the
same cases.

The strategies (JSON, text, zip, directory, HDF5 and weights mutations of seed models that
Keras writes here), the worker processes (time and memory limits) and the classifier are the
fuzz script's own; its recorded 10,000-case run is in ``benchmarks/README.md``.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import fuzz  # noqa: E402 - benchmarks/fuzz.py

pytestmark = pytest.mark.slow  # builds the seed models with Keras

EXAMPLES = 300


@pytest.fixture(scope="module")
def seed_dir(tmp_path_factory, keras):
    out = tmp_path_factory.mktemp("fuzz-seeds")
    fuzz.build_seeds(out)
    return out


@pytest.fixture(scope="module")
def pool(seed_dir):
    with fuzz.Pool(seed_dir, jobs=1) as workers:
        yield workers


def test_mutated_models_end_in_a_report_or_a_one_line_error(seed_dir, pool):
    seeds = fuzz.load_seeds(seed_dir)
    outcomes: Counter[str] = Counter()
    kinds: Counter[str] = Counter()

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=fuzz.cases(seeds))
    def run(case):
        result = pool.run(case)
        outcomes[result["outcome"]] += 1
        kinds.update(kind.split(":")[0] for kind in result["applied"])
        assert result["outcome"] in fuzz.OK_OUTCOMES, fuzz.describe(case, result)

    run()

    # The cases reach both ends: models that are still linted and inputs that are refused,
    # through mutations at every level.
    assert outcomes["report"] > EXAMPLES // 10 and outcomes["error"] > EXAMPLES // 10, outcomes
    assert {"json", "text", "zip", "dir", "h5", "weights", "as"} <= set(kinds), kinds
