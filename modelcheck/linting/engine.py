"""Run the registered rules over a graph, honouring rule selection."""

from __future__ import annotations

from collections.abc import Sequence

from modelcheck.checks import selects
from modelcheck.findings import Finding
from modelcheck.graph.ir import ModelGraph
from modelcheck.linting.registry import RULES
from modelcheck.linting.rule import Rule


def select_rules(
    select: Sequence[str] | None = None, ignore: Sequence[str] | None = None
) -> list[type[Rule]]:
    """Rules enabled by ``select`` (default: all) minus ``ignore``."""
    chosen = [r for r in RULES if not select or any(selects(r, s) for s in select)]
    return [r for r in chosen if not ignore or not any(selects(r, s) for s in ignore)]


class RuleCrash(Exception):
    """A rule raised: a modelcheck bug, reported instead of hiding the other rules' results."""

    def __init__(self, code: str, exc: BaseException) -> None:
        super().__init__(f"rule {code} failed with {type(exc).__name__}: {exc}")
        self.code = code


def run_rules(
    graph: ModelGraph, rules: Sequence[type[Rule]]
) -> tuple[list[Finding], list[RuleCrash]]:
    """Run ``rules`` on ``graph``; return deduplicated findings and any rule crashes."""
    findings: dict[tuple[object, ...], Finding] = {}
    crashes: list[RuleCrash] = []
    for rule_cls in rules:
        if ((graph.subclassed or graph.unreadable) and rule_cls.needs_graph) or (
            rule_cls.needs_weights and graph.weights is None
        ):
            continue
        try:
            for f in rule_cls().check(graph):
                findings.setdefault((f.code, f.location, f.message), f)
        except Exception as exc:  # noqa: BLE001 - one broken rule must not hide the others
            crashes.append(RuleCrash(rule_cls.code, exc))
    return sorted(findings.values(), key=Finding.sort_key), crashes
