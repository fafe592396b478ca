"""Run the registered rules over a graph, honouring rule selection."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from modelcheck.errors import ConfigError
from modelcheck.findings import Finding
from modelcheck.graph.ir import ModelGraph
from modelcheck.lint.registry import RULES
from modelcheck.lint.rule import Rule


def _matches(rule: type[Rule], selector: str) -> bool:
    return selector_specificity(rule.code, rule.name, selector) is not None


def selector_specificity(code: str, name: str, selector: str) -> int | None:
    """How closely ``selector`` names the rule ``code``/``name``: ``None`` if it does not,
    else higher for more specific selectors (a full code or name beats a prefix beats ALL)."""
    sel = selector.strip()
    if sel.upper() == "ALL":
        return 0
    if sel.upper() == code or sel.lower() == name:
        return 100
    return len(sel) if code.startswith(sel.upper()) else None


def validate_selectors(selectors: Iterable[str], option: str) -> list[str]:
    """Reject selectors that match no rule (a typo would silently select nothing)."""
    out = []
    for sel in selectors:
        for part in str(sel).split(","):
            part = part.strip()
            if not part:
                continue
            if not any(_matches(r, part) for r in RULES):
                raise ConfigError(
                    f"Expected {option} to name rule codes, code prefixes or rule names "
                    "(see `modelcheck rules`).",
                    repr(part),
                )
            out.append(part)
    return out


def select_rules(
    select: Sequence[str] | None = None, ignore: Sequence[str] | None = None
) -> list[type[Rule]]:
    """Rules enabled by ``select`` (default: all) minus ``ignore``."""
    chosen = [r for r in RULES if not select or any(_matches(r, s) for s in select)]
    return [r for r in chosen if not ignore or not any(_matches(r, s) for s in ignore)]


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
