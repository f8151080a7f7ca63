"""Cluster strings made safe to show: control characters escaped, never sent to the terminal raw.

Anyone who can submit a job chooses its name, command and cancel message, so
`flux submit --job-name=$'\\e]2;TITLE\\a' …` would retitle (or recolour, or clear) the terminal
of whoever looks at the queue. Every string that comes from the cluster goes through `printable`
before it is shown, in the TUI and in the CLI's text output; JSON output keeps the true string
(`json_text` escapes what json.dumps leaves raw).
"""

from __future__ import annotations

import json
import re
from typing import Any

# C0, DEL and C1 (escape sequences, bells, 8-bit CSI), the line and paragraph separators (they
# break lines where no newline is), the bidirectional overrides and isolates (they reorder what
# the terminal shows, so a name could spoof another) and lone surrogates (stdout cannot encode
# them: printing one would raise).
_OTHERS = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE = re.compile(f"[\x00-\x1f{_OTHERS}]")
_UNSAFE_IN_LINES = re.compile(f"[\x00-\x08\x0b-\x1f{_OTHERS}]")  # newline and tab are the text's layout
_UNSAFE_IN_JSON = re.compile(f"[{_OTHERS}]")  # json.dumps escapes C0 itself; its newlines are indentation
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """`text` with every unsafe character written as a Python-style escape (`\\x1b`, `\\n`, `\\u202e`).

    Backslashes are left alone: a path or a `sed` expression reads as the person typed it.
    """
    s = text if isinstance(text, str) else str(text)
    if s.isprintable():  # the common case, in C: no control, format, separator or surrogate character
        return s
    return _UNSAFE.sub(_escape, s)


def printable_lines(text: str) -> str:
    """Like `printable` but keeps newlines and tabs: for multi-line text such as a job's output."""
    return _UNSAFE_IN_LINES.sub(_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_text(doc: Any, **kw: Any) -> str:
    """json.dumps with non-ASCII kept readable, but DEL, C1 and the other unsafe characters escaped
    as \\u007f-style escapes (json.dumps escapes C0 itself but leaves those raw when ensure_ascii
    is off). Outside strings JSON is ASCII punctuation and whitespace, so every such character sits inside a string
    and its escape decodes to the same value."""
    return _UNSAFE_IN_JSON.sub(_json_escape, json.dumps(doc, ensure_ascii=False, **kw))
