"""``[tool.modelcheck]`` in ``pyproject.toml``: finding it, reading it, validating it.

Example::

    [tool.modelcheck]
    select = ["ALL"]                    # rule codes, prefixes ("MC2") or names
    ignore = ["MC605"]
    fail-on = "warning"                 # error | warning | info
    exclude = ["models/archive/**"]     # also applied to paths passed on the command line
    weights = true                      # also check saved weights (numpy + h5py)
    baseline = "modelcheck-baseline.json"

    [tool.modelcheck.severity]          # per-rule severity overrides
    MC601 = "warning"

    [tool.modelcheck.per-file-ignores]  # "<file glob>" or "<file glob>::<layer glob>"
    "models/legacy/*.keras" = ["MC2"]
    "models/story.keras::encoder/*" = { rules = ["MC201"], reason = "linear bottleneck" }

    [tool.modelcheck.probe]             # read by `modelcheck probe` (see modelcheck.probing.api)
    seed = 0
    dead-fraction = 0.5

Globs are relative to the directory of the config file. A glob without ``/`` matches the
file name in any directory. ``*`` stays within one path part, ``**`` crosses parts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelcheck.errors import ConfigError
from modelcheck.findings import Severity

#: Keys of ``[tool.modelcheck]``.
_KEYS = (
    "select",
    "ignore",
    "fail-on",
    "exclude",
    "weights",
    "baseline",
    "severity",
    "per-file-ignores",
    "probe",
)
LAYER_SEPARATOR = "::"


@dataclass(frozen=True)
class Suppression:
    """One ``per-file-ignores`` entry: rules silenced in matching files (and layers)."""

    key: str
    file_glob: str
    layer_glob: str | None
    rules: tuple[str, ...]
    reason: str | None = None

    def matches(self, rel_path: str, layer_path: str) -> bool:
        if not glob_match(self.file_glob, rel_path):
            return False
        return self.layer_glob is None or glob_match(self.layer_glob, layer_path, basename=False)


@dataclass
class LintConfig:
    """Settings for a lint run; the defaults are what runs without any configuration."""

    path: Path | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: Severity | None = None
    exclude: list[str] = field(default_factory=list)
    weights: bool | None = None
    baseline: str | None = None
    severity: dict[str, Severity] = field(default_factory=dict)
    per_file_ignores: list[Suppression] = field(default_factory=list)
    #: ``[tool.modelcheck.probe]``: checked by the probe (its thresholds live with the
    #: analyzers, which lint does not import).
    probe: dict[str, Any] = field(default_factory=dict)
    #: Every configured selector with the option it came from, for
    #: :func:`modelcheck.catalog.validate_config` (configuration knows no checks).
    selector_options: list[tuple[str, list[str]]] = field(default_factory=list, repr=False)

    @property
    def root(self) -> Path:
        """The directory globs are relative to: the config file's, else the working one."""
        return self.path.parent if self.path is not None else Path.cwd()

    @property
    def display_path(self) -> str:
        if self.path is None:
            return "<command line>"
        try:
            return os.path.relpath(self.path).replace(os.sep, "/")
        except ValueError:  # pragma: no cover - another drive on Windows
            return str(self.path)

    def relative(self, artifact: str) -> str:
        """``artifact`` as a POSIX path relative to :attr:`root` (absolute if outside it)."""
        absolute = os.path.abspath(artifact)
        try:
            rel = os.path.relpath(absolute, self.root)
        except ValueError:  # pragma: no cover - another drive on Windows
            return absolute.replace(os.sep, "/")
        return (absolute if rel.startswith("..") else rel).replace(os.sep, "/")

    def is_excluded(self, artifact: str) -> bool:
        """Whether an ``exclude`` glob matches the path, or a folder it sits in (a glob
        without ``/`` matches a file or folder name at any depth, as in ``.gitignore``)."""
        rel = self.relative(artifact)
        parts = rel.split("/")
        for g in self.exclude:
            g = g.rstrip("/")
            if "/" in g:
                if glob_match(g, rel) or glob_match(g + "/**", rel):
                    return True
            elif any(glob_match(g, part) for part in parts):
                return True
        return False


# -- finding and reading ------------------------------------------------------------------
def find_config(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The closest ``pyproject.toml`` with a ``[tool.modelcheck]`` table, walking up."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _has_table(candidate):
            return candidate
    return None


def _has_table(path: Path) -> bool:
    # A cheap text test first: most pyproject files are not ours and need no TOML parse.
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "tool.modelcheck" in text and "modelcheck" in _tool_table(_parse(path, text))


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("Expected a valid TOML file.", f"{path}: {exc}") from None


def _tool_table(data: Mapping[str, Any]) -> dict[str, Any]:
    tool = data.get("tool")
    return tool if isinstance(tool, dict) else {}


def load_config(path: str | os.PathLike[str]) -> LintConfig:
    """Read and validate a config file.

    ``pyproject.toml`` must hold a ``[tool.modelcheck]`` table; any other ``.toml`` file
    without one is read as that table itself (like ``ruff.toml``).

    Raises:
        ConfigError: for a missing or unreadable file, an unknown key or a bad value.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError("Expected a readable TOML config file.", f"{path} ({reason})") from None
    data = _parse(p, text)
    table = _tool_table(data).get("modelcheck")
    if table is None and p.name != "pyproject.toml":
        table = data
    if not isinstance(table, dict):
        raise ConfigError(
            "Expected a [tool.modelcheck] table in the config file.", f"{path} without one"
        )
    return parse_table(table, p.resolve())


def parse_table(table: Mapping[str, Any], path: Path | None = None) -> LintConfig:
    """Validate the ``[tool.modelcheck]`` table (keys are case-sensitive, kebab-case)."""
    where = f"[tool.modelcheck] in {path}" if path else "[tool.modelcheck]"
    cfg = LintConfig(path=path)
    for key, value in table.items():
        if key not in _KEYS:
            raise ConfigError(
                f"Expected one of {', '.join(_KEYS)} as keys of {where}.",
                f"unknown key {key!r}{did_you_mean(key, _KEYS)}",
            )
        if key == "select":
            cfg.select = _selectors(value, key, where, cfg.selector_options)
        elif key == "ignore":
            cfg.ignore = _selectors(value, key, where, cfg.selector_options)
        elif key == "fail-on":
            cfg.fail_on = _severity(value, key, where)
        elif key == "exclude":
            cfg.exclude = _strings(value, key, where)
        elif key == "weights":
            if not isinstance(value, bool):
                raise ConfigError(f"Expected true or false for 'weights' in {where}.", repr(value))
            cfg.weights = value
        elif key == "baseline":
            if not isinstance(value, str) or not value:
                raise ConfigError(f"Expected a file path for 'baseline' in {where}.", repr(value))
            cfg.baseline = str(cfg.root / value)
        elif key == "severity":
            cfg.severity = _severity_table(value, where, cfg.selector_options)
        elif key == "per-file-ignores":
            cfg.per_file_ignores = _per_file_ignores(value, where, cfg.selector_options)
        elif key == "probe":
            if not isinstance(value, dict):
                raise ConfigError(
                    f"Expected a [tool.modelcheck.probe] table in {where}.", repr(value)
                )
            cfg.probe = dict(value)
    return cfg


def did_you_mean(key: str, choices: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _strings(value: Any, key: str, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"Expected a list of strings for {key!r} in {where}.", repr(value))
    return list(value)


def _selectors(value: Any, key: str, where: str, into: list[tuple[str, list[str]]]) -> list[str]:
    """Selectors split at commas. Whether they name checks is decided where the checks are
    known (:func:`modelcheck.catalog.validate_config`); ``into`` records them for that."""
    out = [
        part.strip()
        for sel in _strings(value, key, where)
        for part in sel.split(",")
        if part.strip()
    ]
    into.append((f"{key!r} in {where}", out))
    return out


def _severity(value: Any, key: str, where: str) -> Severity:
    try:
        return Severity.parse(value) if isinstance(value, str) else Severity.parse(repr(value))
    except ValueError:
        raise ConfigError(
            f"Expected error, warning or info for {key!r} in {where}.", repr(value)
        ) from None


def _severity_table(
    value: Any, where: str, into: list[tuple[str, list[str]]]
) -> dict[str, Severity]:
    if not isinstance(value, dict):
        raise ConfigError(
            f"Expected a table of rule = severity for 'severity' in {where}.", repr(value)
        )
    out = {}
    for rule, level in value.items():
        for selector in _selectors([rule], "severity", where, into):
            out[selector] = _severity(level, f"severity.{rule}", where)
    return out


def _per_file_ignores(
    value: Any, where: str, into: list[tuple[str, list[str]]]
) -> list[Suppression]:
    if not isinstance(value, dict):
        raise ConfigError(
            f"Expected a table of \"glob\" = [rules] for 'per-file-ignores' in {where}.",
            repr(value),
        )
    out = []
    for key, spec in value.items():
        reason = None
        if isinstance(spec, dict):
            unknown = set(spec) - {"rules", "reason"}
            if unknown or "rules" not in spec:
                raise ConfigError(
                    f'Expected {{ rules = [...], reason = "..." }} for per-file-ignores '
                    f"{key!r} in {where}.",
                    repr(spec),
                )
            reason = spec.get("reason")
            if reason is not None and not isinstance(reason, str):
                raise ConfigError(
                    f"Expected a string reason for per-file-ignores {key!r} in {where}.",
                    repr(reason),
                )
            spec = spec["rules"]
        rules = _selectors(spec, f"per-file-ignores {key!r}", where, into)
        file_glob, sep, layer_glob = key.partition(LAYER_SEPARATOR)
        if not file_glob or (sep and not layer_glob):
            raise ConfigError(
                f'Expected "<file glob>" or "<file glob>::<layer glob>" as per-file-ignores '
                f"keys in {where}.",
                repr(key),
            )
        out.append(Suppression(key, file_glob, layer_glob if sep else None, tuple(rules), reason))
    return out


# -- globs --------------------------------------------------------------------------------
_GLOB_CACHE: dict[tuple[str, bool], re.Pattern[str]] = {}


def glob_match(pattern: str, path: str, *, basename: bool = True) -> bool:
    """Match a POSIX ``path`` against a glob: ``*`` and ``?`` stay within one path part,
    ``**`` crosses parts, ``[...]`` is a character class. With ``basename`` (file globs), a
    pattern without ``/`` is matched against the last path part, like ``.gitignore``."""
    if basename and "/" not in pattern:
        path = path.rsplit("/", 1)[-1]
    key = (pattern, basename)
    regex = _GLOB_CACHE.get(key)
    if regex is None:
        regex = _GLOB_CACHE[key] = re.compile(_translate(pattern.removeprefix("./")))
    return regex.fullmatch(path) is not None


def _translate(pattern: str) -> str:
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 2 if pattern.startswith("[!", i) else i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end + 1
                continue
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)
