"""Flux Standard Duration: the `3.086s`, `1.2m`, `inf` texts Flux prints and accepts."""

from __future__ import annotations

import math
import re


def fsd(secs: float) -> str:
    """flux.util.fsd: the Flux Standard Duration text `flux jobs` prints."""
    if secs == math.inf:
        return "inf"
    if secs < 1.0e-3:
        return "0s"
    if secs < 10.0:
        return "%.03fs" % secs
    if secs < 60.0:
        return "%.4gs" % secs
    if secs < 3600.0:
        return "%.4gm" % (secs / 60.0)
    if secs < 86400.0:
        return "%.4gh" % (secs / 3600.0)
    return "%.4gd" % (secs / 86400.0)


def fsd_prec(secs: float, prec: int = 2) -> str:
    """C fsd_format_duration_ex with a precision (`flux uptime` uses 2)."""
    if secs == math.inf:
        return "infinity"
    if secs < 60.0:
        return "%.*gs" % (prec, secs)
    if secs < 3600.0:
        return "%.*gm" % (prec, secs / 60.0)
    if secs < 86400.0:
        return "%.*gh" % (prec, secs / 3600.0)
    return "%.*gd" % (prec, secs / 86400.0)


_FSD_RE = re.compile(r"^([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)(ms|s|m|h|d)?$")
_FSD_MULT = {None: 1.0, "ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_fsd(text: str) -> float:
    """`2s`, `1.5m`, `0.5` -> seconds; `inf`/`infinity` -> inf. ValueError otherwise."""
    s = text.strip()
    if s in ("inf", "infinity", "INF"):
        return math.inf
    m = _FSD_RE.match(s)
    if not m:
        raise ValueError(f"invalid Flux standard duration '{text}'")
    return float(m.group(1)) * _FSD_MULT[m.group(2)]
