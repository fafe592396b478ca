"""The documented-check model shared by lint rules and probe checks: a code, a name, a group,
a default severity, message and fix templates, documentation in the class docstring; and the
selectors (``MC203``, ``MC2``, ``activation-before-softmax``, ``ALL``) that name checks in
options and configuration.

Nothing here knows which checks exist: :mod:`modelcheck.catalog` lists them.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from modelcheck.errors import ConfigError
from modelcheck.findings import Finding, Location, Severity

DOC_SECTIONS = ("Why is this bad?", "Anti-pattern", "Best practice")
_SECTION = re.compile(r"^## (.+?)\s*$", re.MULTILINE)
_CODE_BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


class Documented:
    """A documented problem with a code: the part lint rules and probe checks share.

    Subclasses set the class attributes. ``message`` and ``fix`` are ``str.format``
    templates filled from the keyword arguments of :meth:`finding_at`. The class docstring
    is the documentation: a one-line summary, then the sections named in
    :data:`DOC_SECTIONS`.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    #: The family the check belongs to (``heads``, ``security``, ``dead-units``, ...): the
    #: tag SARIF gives it; an attribute, so moving a class between modules changes nothing.
    group: ClassVar[str]
    severity: ClassVar[Severity]
    message: ClassVar[str]
    fix: ClassVar[str]
    #: Language of the documentation examples: ``python`` (Keras code that defines
    #: ``model``) or ``toml`` (a ``pyproject.toml`` snippet, for configuration rules).
    example_language: ClassVar[str] = "python"

    def finding_at(
        self,
        location: Location,
        *,
        severity: Severity | None = None,
        evidence: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Finding:
        """Build a finding at any location (for rules about files other than the model)."""
        return Finding(
            code=self.code,
            name=self.name,
            severity=severity or self.severity,
            message=self.message.format(**fields),
            location=location,
            fix=self.fix.format(**fields),
            evidence=dict(evidence or {}),
        )

    # -- documentation --------------------------------------------------------------------
    @classmethod
    def summary(cls) -> str:
        doc = inspect.getdoc(cls) or ""
        return " ".join(doc.split("\n\n", 1)[0].split())

    @classmethod
    def doc_sections(cls) -> dict[str, str]:
        """``{"summary": ..., "Why is this bad?": ..., "Anti-pattern": ..., ...}``."""
        doc = inspect.getdoc(cls) or ""
        parts = _SECTION.split(doc)
        sections = {"summary": parts[0].strip()}
        for title, body in zip(parts[1::2], parts[2::2]):
            sections[title.strip()] = body.strip()
        return sections

    @classmethod
    def example(cls, section: str) -> str | None:
        """The code block of the ``Anti-pattern`` or ``Best practice`` section, in
        :attr:`example_language`."""
        body = cls.doc_sections().get(section, "")
        for m in _CODE_BLOCK.finditer(body):
            if m.group(1) == cls.example_language:
                return m.group(2)
        return None


def selector_specificity(code: str, name: str, selector: str) -> int | None:
    """How closely ``selector`` names the check ``code``/``name``: ``None`` if it does not,
    else higher for more specific selectors (a full code or name beats a prefix beats ALL)."""
    sel = selector.strip()
    if sel.upper() == "ALL":
        return 0
    if sel.upper() == code or sel.lower() == name:
        return 100
    return len(sel) if code.startswith(sel.upper()) else None


def selects(check: type[Documented], selector: str) -> bool:
    """Does ``selector`` name ``check`` (by code, code prefix, name or ``ALL``)?"""
    return selector_specificity(check.code, check.name, selector) is not None


def validate_selectors(
    selectors: Iterable[str], option: str, known: Sequence[type[Documented]]
) -> list[str]:
    """The comma-separated selectors split and stripped; one that names none of ``known`` is
    rejected (a typo would silently select nothing).

    Raises:
        ConfigError: naming ``option`` and the selector.
    """
    out = []
    for sel in selectors:
        for part in str(sel).split(","):
            part = part.strip()
            if not part:
                continue
            if not any(selects(c, part) for c in known):
                raise ConfigError(
                    f"Expected {option} to name rule codes, code prefixes or rule names "
                    "(see `modelcheck rules`).",
                    repr(part),
                )
            out.append(part)
    return out
