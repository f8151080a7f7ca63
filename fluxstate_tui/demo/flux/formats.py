"""The output-format language of flux's Python tools (flux.util.OutputFormat).

Used by `flux jobs`, `flux queue list` and `flux resource list/status/drain`:

* Python format fields `{name:spec}` with flux's extras: conversions `!F` (FSD), `!D` (ISO
  date), `!d` (strftime, `fmt::width` spec), `!H` (h:mm:ss), `!P` (percent), and Python's own
  `!s`, `!r`, `!a`;
* spec suffix `h`: empty-ish values print as `-`; `.N+` precision cuts with a trailing `+`;
* field prefixes `?:` (drop the column, with the text before it, when empty for every row) and
  `+:` (widen the column to its widest value).

Rows are rendered in two passes: the values of every row first, then one compiled `str.format`
per row with the final widths, which keeps 100k-row listings fast.
"""

from __future__ import annotations

import re
import string
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fluxstate_tui.flux.fsd import fsd

# Values flux treats as "empty" for `?:` and the `h` suffix (flux.util.empty_outputs).
EMPTY = ("", "0s", "0.0", "0:00:00", "1970-01-01T00:00:00")

_PREFIX_RE = re.compile(r"(\?\+:|\+\?:|\?:|\+:)$")
_SPEC_RE = re.compile(r"^(?:(?P<fill>.)?(?P<align>[<>=^]))?(?P<sign>[-+ ])?(?P<width>\d+)?"
                      r"(?:\.(?P<prec>\d+))?(?P<type>[a-zA-Z%])?$")


class FormatError(ValueError):
    pass


@dataclass
class FieldDef:
    heading: str
    getter: Callable[[Any], Any]


def _conv_F(v: Any) -> str:
    if v == "" or v is None:
        return ""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    return fsd(x) if x >= 0 else ""


def _conv_H(v: Any) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    secs = int(round(x))
    if x > 0 and secs == 0:
        secs = 1  # flux rounds sub-second runtimes up (0.022 -> 0:00:01 in 01-basic.txt)
    h, rem = divmod(secs, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}"


def _conv_D(v: Any) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if x <= 0:
        return ""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(x))


def _conv_P(v: Any) -> str:
    try:
        return "%.2f%%" % (float(v) * 100)
    except (TypeError, ValueError):
        return str(v)


class _Field:
    __slots__ = ("text", "name", "getter", "heading", "conv", "dfmt", "hmark", "plus_prec", "spec",
                 "drop_empty", "expand", "numeric_right")

    def __init__(self) -> None:
        self.dfmt = None
        self.hmark = False
        self.plus_prec: int | None = None
        self.drop_empty = False
        self.expand = False
        self.numeric_right = False


class OutputFormat:
    def __init__(self, fmt: str, fields: dict[str, FieldDef], prog: str = "flux-jobs") -> None:
        self.fmt = fmt
        self.items: list[tuple[str, _Field | None]] = []
        try:
            parsed = list(string.Formatter().parse(fmt))
        except ValueError as exc:
            raise FormatError(f"Error in user format: {exc}") from None
        for text, name, spec, conv in parsed:
            text = text or ""
            if name is None:
                self.items.append((text, None))
                continue
            f = _Field()
            m = _PREFIX_RE.search(text)
            if m:
                marker = m.group(1)
                text = text[: m.start()]
                f.drop_empty = "?" in marker
                f.expand = "+" in marker
            if name not in fields:
                raise FormatError(f"Unknown format field: {name}")
            fd = fields[name]
            f.name, f.getter, f.heading = name, fd.getter, fd.heading
            spec = spec or ""
            if conv == "d":
                if "::" in spec:
                    f.dfmt, spec = spec.split("::", 1)
                else:
                    f.dfmt, spec = (spec or "%Y-%m-%dT%H:%M:%S"), ""
            elif conv not in (None, "F", "D", "H", "P", "s", "r", "a"):
                raise FormatError(f"Unknown format conversion: !{conv}")
            f.conv = conv
            if spec.endswith("h"):
                f.hmark, spec = True, spec[:-1]
            if spec.endswith("+"):
                spec = spec[:-1]
                pm = re.search(r"\.(\d+)$", spec)
                if pm:
                    f.plus_prec = int(pm.group(1))
            if not _SPEC_RE.match(spec):
                raise FormatError(f"Invalid format specifier '{spec}' for field {name}")
            f.spec = spec
            f.text = text
            self.items.append((text, f))

    # -- value pipeline -------------------------------------------------------------------
    @staticmethod
    def _value(f: _Field, obj: Any) -> Any:
        v = f.getter(obj)
        conv = f.conv
        if conv is not None:
            if conv == "F":
                v = _conv_F(v)
            elif conv == "d":
                try:
                    x = float(v)
                except (TypeError, ValueError):
                    x = 0.0
                v = time.strftime(f.dfmt, time.gmtime(x)) if x > 0 else ""
            elif conv == "D":
                v = _conv_D(v)
            elif conv == "H":
                v = _conv_H(v)
            elif conv == "P":
                v = _conv_P(v)
            elif conv == "r":
                v = repr(v)
            elif conv == "a":  # string.Formatter's ascii(), which flux's UtilFormatter hands on
                v = ascii(v)
            else:
                v = str(v)
        if v is None:
            v = "None"
        if f.hmark and (v in EMPTY or v == 0.0 and isinstance(v, float)):
            v = "-"
        if f.plus_prec is not None:
            s = str(v)
            if len(s) > f.plus_prec:
                v = s[: f.plus_prec - 1] + "+"
        return v

    @staticmethod
    def _is_empty(v: Any) -> bool:
        if isinstance(v, str):
            return v in EMPTY
        if isinstance(v, float):
            return v == 0.0
        return False

    @property
    def needs_every_row(self) -> bool:
        """`+:` widths and `?:` columns depend on every row: flux formats them all before printing any."""
        return any(f.expand or f.drop_empty for _t, f in self.items if f is not None)

    def render(self, objs: Iterable[Any], header: bool = True) -> list[str]:
        """Header (optional) and one line per object."""
        fields = [f for _t, f in self.items if f is not None]
        rows: list[list[Any]] = []
        val = self._value
        for obj in objs:
            rows.append([val(f, obj) for f in fields])
        keep = []
        for idx, f in enumerate(fields):
            if f.drop_empty and all(self._is_empty(r[idx]) for r in rows):
                keep.append(False)
            else:
                keep.append(True)
        # final specs
        specs: list[str] = []
        for idx, f in enumerate(fields):
            spec = f.spec
            if f.expand and keep[idx]:
                m = _SPEC_RE.match(spec)
                width = int(m.group("width") or 0) if m else 0
                longest = max([len(self._fmt1(r[idx], spec, nowidth=True)) for r in rows] + [len(f.heading), width])
                if m and m.group("width"):
                    spec = spec[: m.start("width")] + str(longest) + spec[m.end("width"):]
                else:
                    spec = spec + str(longest)
            specs.append(spec)
        out: list[str] = []
        # compile per-row format: literal text + fields kept
        parts: list[str] = []
        kept_idx: list[int] = []
        fi = 0
        for text, f in self.items:
            if f is None:
                parts.append(text.replace("{", "{{").replace("}", "}}"))
                continue
            if keep[fi]:
                parts.append(text.replace("{", "{{").replace("}", "}}"))
                colon_spec = f":{specs[fi]}" if specs[fi] else ""
                parts.append(f"{{{len(kept_idx)}{colon_spec}}}")
                kept_idx.append(fi)
            fi += 1
        rowfmt = "".join(parts)
        if header:
            hvals = []
            for i in kept_idx:
                hvals.append(fields[i].heading)
            out.append(self._safe_format(rowfmt, hvals, [fields[i] for i in kept_idx], header=True))
        fast = rowfmt.format
        for r in rows:
            vals = [r[i] for i in kept_idx]
            try:
                out.append(fast(*vals))
            except (ValueError, TypeError):
                out.append(self._safe_format(rowfmt, vals, [fields[i] for i in kept_idx]))
        return out

    @staticmethod
    def _fmt1(v: Any, spec: str, nowidth: bool = False) -> str:
        if nowidth:
            m = _SPEC_RE.match(spec)
            if m and m.group("width"):
                spec = spec[: m.start("width")] + spec[m.end("width"):]
                if spec and spec[-1:] in "<>=^" and len(spec) <= 2:
                    spec = ""
        try:
            return format(v, spec)
        except (ValueError, TypeError):
            return format(str(v), _strip_type(spec))

    def _safe_format(self, rowfmt: str, vals: list[Any], flds: list[_Field], header: bool = False) -> str:
        # Values whose type does not accept the spec (a heading string in an int column, or
        # "" where a number was expected) are formatted as strings with the type char removed:
        # each kept field is rendered on its own.
        res = []
        fields_map = {id(f): (v, f) for v, f in zip(vals, flds, strict=True)}
        for text, f in self.items:
            if f is None:
                res.append(text)
                continue
            if id(f) not in fields_map:
                continue
            v, _ = fields_map[id(f)]
            spec = self._current_spec(rowfmt, flds.index(f))
            res.append(text)
            if header:
                res.append(format(str(v), _strip_type(spec)))
            else:
                res.append(self._fmt1(v, spec))
        return "".join(res)

    @staticmethod
    def _current_spec(rowfmt: str, pos: int) -> str:
        for _text, name, spec, _conv in string.Formatter().parse(rowfmt):
            if name is not None and name == str(pos):
                return spec or ""
        return ""


def _strip_type(spec: str) -> str:
    m = _SPEC_RE.match(spec)
    if not m:
        return ""
    out = ""
    if m.group("align"):
        out += (m.group("fill") or "") + m.group("align")
    if m.group("width"):
        out += m.group("width")
    if m.group("prec"):
        out += "." + m.group("prec")
    return out
