"""File names and text as kg shows and stores them: always encodable, never raw control characters.

A file name on Linux is bytes. Python hands names that are not UTF-8 over as ``str`` holding
lone surrogates (PEP 383 ``surrogateescape``), which cannot be encoded to UTF-8: the store,
JSON and the terminal would fail on them later. A name may also hold escape sequences
(``\\x1b[2J`` clears a terminal) or other control characters. :func:`display_path` turns a
path into the string every message and every :attr:`kg.records.Document.source` uses: the
undecodable bytes written as ``\\xff`` (``backslashreplace``), control characters (C0, DEL,
C1) and the bidirectional overrides written as ``\\x1b`` / ``\\u202e``.

:func:`safe_text` replaces lone surrogates in text (a JSON ``"\\ud800"`` escape) with U+FFFD
so that every field of a Document encodes to UTF-8.
"""

from __future__ import annotations

import os
import re

__all__ = ["display_path", "display_text", "safe_text", "has_lone_surrogate"]

# C0 controls but not tab, DEL, C1 controls, bidi embeddings/overrides/isolates, line/paragraph separators
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def display_text(text: str) -> str:
    """``text`` with control characters and bidi overrides escaped and lone surrogates written as bytes."""
    if not text.isascii() and _SURROGATE.search(text):
        text = os.fsencode(text).decode("utf-8", "backslashreplace") if _is_escaped(text) else _SURROGATE.sub(
            "\ufffd", text)
    return _UNSAFE.sub(_escape, text)


def _is_escaped(text: str) -> bool:
    """Whether every surrogate in ``text`` is one ``surrogateescape`` made (U+DC80..U+DCFF)."""
    try:
        os.fsencode(text)
    except UnicodeEncodeError:
        return False
    return True


def display_path(path: str | os.PathLike[str] | bytes) -> str:
    """The name of ``path`` to show and store: UTF-8-encodable, control characters escaped."""
    name = os.fsdecode(path) if isinstance(path, bytes) else os.fspath(path)
    return display_text(name)


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a UTF-16 surrogate code point (not a character: it cannot be encoded)."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def safe_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (the replacement character)."""
    return _SURROGATE.sub("\ufffd", text) if has_lone_surrogate(text) else text
