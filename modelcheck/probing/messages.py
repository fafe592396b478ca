"""Text for the probe's one-line errors and notes."""

from __future__ import annotations


def first_line(exc: BaseException, limit: int = 240) -> str:
    """The first line of ``exc``'s message, whitespace collapsed, at most ``limit`` characters
    (the exception's type name when the message is empty)."""
    text = " ".join(str(exc).strip().split("\n")[0].split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
