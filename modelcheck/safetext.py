"""Text from model files, made safe to show: every renderer passes file content through here.

Layer names, class names, messages and paths come from files anyone can craft. Printed raw,
an escape sequence recolours or clears the terminal, an OSC-8 sequence plants a hyperlink, a
newline starts a line of the attacker's choosing: in CI logs, a line that begins with ``::``
is a GitHub Actions workflow command (``::add-mask::``, ``::error::``, even after leading
spaces), and ``##[`` anywhere in a line is one for the legacy parser. An 8 MiB name makes
rich's wrapping take minutes.

- :func:`printable` spells every non-printable character as an escape (``\\x1b``,
  ``\\u202e``, ``\\n``) and shortens long text, for the human and GitHub formats.
- :class:`CommandGuard` wraps the stream a human-format console writes to: no line of its
  output can start a workflow command, wherever rich wraps a message.
- :func:`json_text` makes the JSON formats' strings carry no raw control character and no
  ``##[`` (JSON escapes, so the parsed values are unchanged).
"""

from __future__ import annotations

import re
from typing import Any, TextIO

#: Longest name a table cell or heading shows (the JSON formats keep the whole name).
MAX_NAME = 200
#: Longest message, fix or error line shown.
MAX_TEXT = 4000


def printable(text: object, limit: int | None = MAX_TEXT, *, keep: str = "") -> str:
    """``text`` with every non-printable character (C0 and C1 controls, DEL, bidirectional
    overrides and isolates, line and paragraph separators, other format characters) spelled
    as its Python escape, cut to ``limit`` characters with a note of what was left out.
    ``keep``: characters the caller escapes in its own way (GitHub's ``%0A``)."""
    text = text if isinstance(text, str) else str(text)
    cut = ""
    if limit is not None and len(text) > limit:
        cut = f"... ({len(text) - limit:,} more characters)"
        text = text[:limit]
    if not text.isprintable():
        text = "".join(
            ch if ch.isprintable() or ch in keep else ch.encode("unicode_escape").decode("ascii")
            for ch in text
        )
    return text + cut


def name(text: object) -> str:
    """A name from a file, for a table cell or a heading."""
    return printable(text, MAX_NAME)


#: A workflow command at the start of a line (the runner trims leading whitespace first).
_LINE_COMMAND = re.compile(r"^([ \t]*)::", re.MULTILINE)
_LEGACY_COMMAND = "##["


def guard_commands(text: str) -> str:
    """``text`` with no line that GitHub Actions would take for a workflow command: a
    backslash before a leading ``::`` and inside ``##[``."""
    return no_legacy_commands(_LINE_COMMAND.sub(r"\1\\::", text))


def no_legacy_commands(text: str) -> str:
    """``text`` without ``##[`` (the legacy command syntax, found anywhere in a line)."""
    return text.replace(_LEGACY_COMMAND, "##\\[")


class CommandGuard:
    """A text stream that writes through to ``stream`` with :func:`guard_commands` applied
    line by line, also across writes (rich writes a whole rendering at once; a line begun
    by an earlier write is remembered while it holds only spaces)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._blank_tail: str | None = ""  # the current line so far, while it is blank

    def write(self, text: str) -> int:
        head = self._blank_tail
        if head is None:  # mid-line: the first line of ``text`` cannot start a command
            first, sep, rest = text.partition("\n")
            out = no_legacy_commands(first) + sep + guard_commands(rest)
        else:
            out = guard_commands(head + text)[len(head) :]
        last = text.rsplit("\n", 1)[-1]
        if "\n" in text:
            self._blank_tail = last if not last.strip(" \t") else None
        elif head is not None and not last.strip(" \t"):
            self._blank_tail = head + last
        else:
            self._blank_tail = None
        self._stream.write(out)
        return len(text)

    def __getattr__(self, attr: str) -> Any:  # isatty, fileno, encoding, flush, ...
        return getattr(self._stream, attr)


def json_text(text: str) -> str:
    """Serialized JSON (``ensure_ascii``) with DEL and ``##[`` written as JSON escapes too;
    ``json.loads`` reads the same values back."""
    return text.replace("\x7f", "\\u007f").replace(_LEGACY_COMMAND, "#\\u0023[")
