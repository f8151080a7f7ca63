"""Columns and the values rows sort by: pure, shared by the table model and its tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Column:
    key: str
    """Column key: "jobid", "user", "name", "st", "ntasks", "nnodes", "time", "info", "queue"."""
    label: str
    """Header text, e.g. "JOBID"."""
    width: int | None = None
    """Fixed width; None = grow to the widest value seen (never shrinks during a session)."""
    align: str = "left"
    """"left" | "right". Right-aligned columns sort numerically."""
    min_width: int = 0


# --- sort values --------------------------------------------------------------------------

_NUM_RE = re.compile(r"^\s*([-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|inf))\s*(ms|s|m|h|d)?\s*$")
_NUM_MULT = {None: 1.0, "ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


class _Complement(dict):
    """str.translate table mapping each code point c to 0x10FFFF - c (reverses string order)."""

    def __missing__(self, ordinal: int) -> str:
        value = chr(0x10FFFF - ordinal)
        self[ordinal] = value
        return value


_COMPLEMENT = _Complement()
_TERMINATOR = "\U0010ffff"


def _reverse_text(text: str) -> str:
    """A string whose ascending order is the descending order of `text` (prefixes included)."""
    return text.translate(_COMPLEMENT) + _TERMINATOR


def numeric_value(text: str) -> tuple[int, float, str]:
    """Sort value of a numeric cell: "-" / "" lowest, then numbers (FSD units understood), then text."""
    text = text.strip()
    if text in ("", "-"):
        return (0, 0.0, "")
    match = _NUM_RE.match(text)
    if match is not None:
        try:
            return (1, float(match.group(1)) * _NUM_MULT[match.group(2)], "")
        except ValueError:  # pragma: no cover - the regex only admits floats
            pass
    return (2, 0.0, text.lower())


def column_sort_value(column: Column, key: int, text: str, reverse: bool) -> Any:
    """The value a row sorts by for `column` (ascending order of the result = display order)."""
    if column.key == "jobid":
        # f58 ids vary in length, so their text does not sort like the ids; the key is the id.
        return -key if reverse else key
    if column.align == "right":
        group, number, rest = numeric_value(text)
        if reverse:
            return (-group, -number, _reverse_text(rest))
        return (group, number, rest)
    lowered = text.lower()
    return _reverse_text(lowered) if reverse else lowered
