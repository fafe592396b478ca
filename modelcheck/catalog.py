"""The one catalog of checks: every lint rule and probe check, for ``modelcheck rules``,
``modelcheck explain``, the SARIF rule list and the validation of configured selectors.

The probe's checks are imported only when asked for (their analyzers import numpy), so
``modelcheck lint`` does not pay for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelcheck import checks
from modelcheck.checks import Documented

if TYPE_CHECKING:
    import os

    from modelcheck.config import LintConfig


@dataclass(frozen=True)
class Entry:
    """One check as the catalog lists it: the command that runs it and a note."""

    command: str  # "lint" or "probe"
    check: type[Documented]

    @property
    def note(self) -> str:
        return " (runs with --weights)" if getattr(self.check, "needs_weights", False) else ""


def lint_rules() -> tuple[type[Documented], ...]:
    """Every lint rule, in registry order."""
    from modelcheck.linting.registry import RULES

    return RULES


def probe_checks() -> tuple[type[Documented], ...]:
    """Every probe check, sorted by code."""
    from modelcheck.probing.registry import PROBE_CHECKS

    return PROBE_CHECKS


def entries() -> list[Entry]:
    """Lint rules, then probe checks."""
    return [Entry("lint", r) for r in lint_rules()] + [Entry("probe", c) for c in probe_checks()]


def find(code_or_name: str) -> type[Documented] | None:
    """The rule or check with this code (any case) or name."""
    from modelcheck.linting.registry import get_rule
    from modelcheck.probing.registry import get_check

    return get_rule(code_or_name) or get_check(code_or_name)


def validate_config(cfg: LintConfig) -> None:
    """Check the selectors a configuration names against the catalog: ``select`` names lint
    rules; ``ignore``, ``severity`` and ``per-file-ignores`` apply to probe findings too, so
    they may name probe checks.

    Raises:
        ConfigError: for a selector that names no check (it would silently do nothing).
    """
    rules = lint_rules()
    for option, selectors in cfg.selector_options:
        if option.startswith("'select'") or all(
            any(checks.selects(r, sel) for r in rules) for sel in selectors
        ):
            checks.validate_selectors(selectors, option, rules)
        else:  # only then pay for importing the probe's checks
            checks.validate_selectors(selectors, option, (*rules, *probe_checks()))


def resolve_config(config: LintConfig | str | os.PathLike[str] | None) -> LintConfig:
    """The configuration an API call runs with: none (defaults), a :class:`LintConfig`, or
    the path of a config file; its selectors checked with :func:`validate_config`."""
    from modelcheck.config import LintConfig, load_config

    cfg = config if isinstance(config, LintConfig) else load_config(config) if config else None
    cfg = cfg if cfg is not None else LintConfig()
    validate_config(cfg)
    return cfg


def validate_lint_selectors(selectors: Iterable[str], option: str) -> list[str]:
    """``--select``/``--ignore`` of ``modelcheck lint``: lint rules only."""
    return checks.validate_selectors(selectors, option, lint_rules())
