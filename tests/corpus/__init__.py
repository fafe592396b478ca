"""A corpus of buggy Keras models of the kinds public studies of real deep-learning bugs report,
each with its fixed twin and the findings modelcheck should report, plus sound models.

- :mod:`corpus.cases`: the cases as code (builders that construct and compile real Keras
  models the way the buggy author would), the bug kinds with the study categories they stand
  for, and the findings expected from ``modelcheck lint`` and ``modelcheck probe``;
- :mod:`corpus.build`: writes the models (``.keras``) and the probe data (``.npz``) into a
  directory, cached by a hash of the corpus sources and the Keras version.

``benchmarks/corpus_eval.py`` measures detection on it; ``tests/corpus/test_corpus.py`` checks the
lint expectations. Nothing here imports keras at module level: builders receive it.
"""

from __future__ import annotations

from corpus.cases import CASES, KINDS, SOUND, Case, Expect, Kind, Sound, select

__all__ = ["CASES", "KINDS", "SOUND", "Case", "Expect", "Kind", "Sound", "select"]
