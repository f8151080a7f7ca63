"""Kubernetes resource quantities ("2", "1500m", "5Gi", "1e3") and the cores a CPU limit gives a pod."""

from __future__ import annotations

import math
import re
from fractions import Fraction

# k8s.io/apimachinery resource.ParseQuantity's grammar, and its error text.
QUANTITY = re.compile(r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))((?:[KMGTPE]i)|[numkMGTPE]|[eE][+-]?[0-9]+)?$")
QUANTITY_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
_SUFFIX = {"n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000), "": Fraction(1),
           "k": Fraction(10**3), "M": Fraction(10**6), "G": Fraction(10**9), "T": Fraction(10**12),
           "P": Fraction(10**15), "E": Fraction(10**18), "Ki": Fraction(2**10), "Mi": Fraction(2**20),
           "Gi": Fraction(2**30), "Ti": Fraction(2**40), "Pi": Fraction(2**50), "Ei": Fraction(2**60)}


def parse_quantity(value: object) -> Fraction:
    """The exact value of a quantity given as a string or a number; ValueError as the API server refuses one."""
    if isinstance(value, bool):
        raise ValueError(QUANTITY_ERROR)
    text = str(value).strip()
    m = QUANTITY.match(text)
    if m is None:
        raise ValueError(QUANTITY_ERROR)
    number, suffix = Fraction(m.group(1)), m.group(2) or ""
    if suffix[:1] in ("e", "E"):
        return number * Fraction(10) ** int(suffix[1:])
    return number * _SUFFIX[suffix]


def quantity_or_zero(value: object) -> float:
    try:
        return float(parse_quantity(value))
    except ValueError:
        return 0.0


def cpu_cores(container: dict, default: int) -> int:
    """The cores Flux finds in a container: its CPU limit, floored, at least 1; `default` without one.

    hwloc reports the cpuset the container runs in. A kubelet with the static CPU manager policy
    gives a Guaranteed container exactly its whole-number CPU limit as its cpuset; a fractional limit
    ("1500m") is floored here, as the whole cores it can count on."""
    limit = ((container.get("resources") or {}).get("limits") or {}).get("cpu")
    if limit is None:
        return default
    try:
        return max(1, math.floor(parse_quantity(limit)))
    except ValueError:
        return default
