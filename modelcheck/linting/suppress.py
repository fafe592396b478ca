"""Configuration applied to findings: severity overrides, per-file/per-layer ignores and
the unused-suppression report (MC002). Model files cannot carry ``# noqa`` comments, so
suppression lives in ``[tool.modelcheck]``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from modelcheck.checks import selector_specificity
from modelcheck.config import LintConfig, Suppression, glob_match
from modelcheck.findings import Finding, Location, Region, Severity
from modelcheck.graph.ir import ModelGraph
from modelcheck.linting.rule import Rule
from modelcheck.linting.rules.model import UnusedNoqa, UnusedSuppression


def _best(finding: Finding, selectors: Iterable[str]) -> int | None:
    scores = [selector_specificity(finding.code, finding.name, s) for s in selectors]
    return max((s for s in scores if s is not None), default=None)


class Suppressor:
    """Applies one config to the findings of each model and remembers which
    ``per-file-ignores`` entries were used, to report the stale ones at the end."""

    def __init__(self, config: LintConfig) -> None:
        self.config = config
        self.suppressed = 0
        self._used = [0] * len(config.per_file_ignores)
        self._files = [0] * len(config.per_file_ignores)

    def apply(self, artifact: str, findings: Sequence[Finding]) -> list[Finding]:
        """The findings of one model after severity overrides and per-file ignores."""
        rel = self.config.relative(artifact)
        active: list[tuple[int, Suppression]] = []
        for i, entry in enumerate(self.config.per_file_ignores):
            if glob_match(entry.file_glob, rel):
                self._files[i] += 1
                active.append((i, entry))
        kept = []
        for f in findings:
            hit = [
                i
                for i, entry in active
                if _best(f, entry.rules) is not None
                and (
                    entry.layer_glob is None
                    or glob_match(entry.layer_glob, f.location.layer_path, basename=False)
                )
            ]
            if hit:
                for i in hit:
                    self._used[i] += 1
                self.suppressed += 1
                continue
            kept.append(self._override(f))
        return kept

    def _override(self, f: Finding) -> Finding:
        best: tuple[int, Severity] | None = None
        for selector, severity in self.config.severity.items():
            score = selector_specificity(f.code, f.name, selector)
            if score is not None and (best is None or score > best[0]):
                best = (score, severity)
        if best is None or best[1] == f.severity:
            return f
        return dataclasses.replace(f, severity=best[1])

    def unused(self, rules: Sequence[type[Rule]]) -> list[Finding]:
        """MC002 findings for entries whose files were linted but that suppressed nothing."""
        if UnusedSuppression not in rules:
            return []
        rule = UnusedSuppression()
        out = []
        for entry, used, files in zip(self.config.per_file_ignores, self._used, self._files):
            if files and not used:
                location = Location(self.config.display_path, ("per-file-ignores", entry.key))
                out.append(
                    rule.finding_at(
                        location,
                        evidence={"matching_files": files, "rules": ",".join(entry.rules)},
                        key=entry.key,
                        files=files,
                    )
                )
        return out


def _suppressing_line(graph: ModelGraph, f: Finding) -> tuple[int, int] | None:
    """The (cell, line) of a ``# noqa`` that covers ``f``: on any line of the layer's
    expression, or on the line that makes the model."""
    region = f.location.region
    candidates = []
    if region is not None:
        last = region.end_line if region.end_line is not None else region.line
        candidates.extend((region.cell or 0, n) for n in range(region.line, last + 1))
    if graph.region is not None:
        candidates.append((graph.region.cell or 0, graph.region.line))
    for key in candidates:
        codes = graph.inline_suppressions.get(key)
        if codes is not None and (
            not codes or f.code in codes or any(f.code.startswith(c) for c in codes)
        ):
            return key
    return None


def apply_inline(
    graph: ModelGraph, findings: Sequence[Finding], rules: Sequence[type[Rule]]
) -> list[Finding]:
    """Drop the findings a ``# noqa: MC203`` (or ``# modelcheck: ignore[MC203]``) comment
    covers; report comments with modelcheck codes that covered nothing as MC003."""
    kept: list[Finding] = []
    used: set[tuple[int, int]] = set()
    for f in findings:
        key = _suppressing_line(graph, f) if graph.inline_suppressions else None
        if key is None:
            kept.append(f)
        else:
            used.add(key)
    if UnusedNoqa in rules:
        kept.extend(_unused_noqa(graph, used))
    return kept


def _unused_noqa(graph: ModelGraph, used: set[tuple[int, int]]) -> list[Finding]:
    """MC003 for ``# noqa: MCxxx`` comments on this model's lines that suppressed nothing
    (a bare ``# noqa`` or one naming only other tools' codes is not ours to judge)."""
    lines = {(n.region.cell or 0, n.region.line) for n in graph if n.region is not None}
    if graph.region is not None:
        lines.add((graph.region.cell or 0, graph.region.line))
    rule = UnusedNoqa()
    out = []
    for key, codes in sorted(graph.inline_suppressions.items()):
        ours = sorted(c for c in codes if c.startswith(("MC", "MP")))
        if key in used or key not in lines or not ours:
            continue
        cell, line = key
        region = Region(line, 1, cell=cell or None)
        location = Location(graph.artifact, (), graph.model_label, region)
        out.append(
            rule.finding_at(location, evidence={"codes": ",".join(ours)}, codes=", ".join(ours))
        )
    return out
