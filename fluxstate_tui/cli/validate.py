"""Validators for command-line values: a bad value is a one-line usage error, never a traceback.

Numbers are finite and bounded (nan, inf and 1e30 are refused), names are what Kubernetes would
accept, and paths are checked before anything is written to them.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from pathlib import Path

from ..limits import MAX_JOBS

# A Kubernetes name that is also a DNS label (namespaces, and MiniClusters, whose name becomes a
# Job, a Service and the pods' hostnames).
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _number(text: str, kind, what: str):
    try:
        value = kind(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def whole(minimum: int, maximum: int | None = None, what: str = "a whole number"):
    """A whole number in [minimum, maximum]."""
    def parse(text: str) -> int:
        value = _number(text.strip(), int, what)
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"must be {'0 or more' if minimum == 0 else f'at least {minimum}'}: {text}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be {minimum} to {maximum}: {text}")
        return value
    return parse


def number(minimum: float, maximum: float, what: str):
    """A finite number in [minimum, maximum]."""
    def parse(text: str) -> float:
        value = _number(text, float, what)
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be {minimum:g} to {maximum:g}: {text}")
        return value
    return parse


def seconds(minimum: float = 0.0, what: str = "a number", maximum: float = 7 * 86400):
    """A finite number of seconds above 0, at least `minimum` and at most `maximum` (a week by default)."""
    def parse(text: str) -> float:
        value = _number(text, float, what)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0: {text}")
        if value < minimum:
            raise argparse.ArgumentTypeError(f"at least {minimum:g} seconds: {text}")
        if value > maximum:
            raise argparse.ArgumentTypeError(f"at most {maximum:g}: {text}")
        return value
    return parse


def dns_label(what: str):
    """A name Kubernetes accepts as a DNS label: refused here rather than by the API server later."""
    def parse(text: str) -> str:
        if len(text) > 63 or not DNS_LABEL.match(text):
            raise argparse.ArgumentTypeError(
                f"not a valid {what}: {text!r} (lower-case letters, digits and '-', at most 63, "
                "starting and ending with a letter or digit)")
        return text
    return parse


def nonempty(what: str):
    def parse(text: str) -> str:
        if not text.strip() or any(ord(c) < 32 for c in text):
            raise argparse.ArgumentTypeError(f"not a valid {what}: {text!r}")
        return text
    return parse


def path_text(text: str) -> str:
    """A path given on the command line: not empty, no control characters (they are never intended)."""
    if not text or any(ord(c) < 32 for c in text):
        raise argparse.ArgumentTypeError(f"not a usable path: {text!r}")
    return text


def _creatable(path: Path) -> Path | None:
    """The nearest existing ancestor of `path` if a directory could be made there, else None."""
    for parent in (path, *path.parents):
        if parent.exists():
            return parent if parent.is_dir() and os.access(parent, os.W_OK | os.X_OK) else None
    return None


def writable_dir(text: str) -> Path:
    """A directory that exists and can be written, or can be created."""
    path = Path(path_text(text)).expanduser()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"not a directory: {text}")
    if _creatable(path) is None:
        raise argparse.ArgumentTypeError(f"cannot write to {text} (permission denied or not a directory)")
    return path


def writable_file(text: str) -> Path:
    """A file that can be written (its directory exists or can be created)."""
    path = Path(path_text(text)).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"is a directory: {text}")
    if path.exists() and not os.access(path, os.W_OK):
        raise argparse.ArgumentTypeError(f"cannot write to {text} (permission denied)")
    if _creatable(path.parent) is None:
        raise argparse.ArgumentTypeError(f"cannot write to {text} (its directory cannot be written)")
    return path


count = whole(0)            # 0 or more
positive = whole(1)         # 1 or more
job_count = whole(0, MAX_JOBS)
size = whole(1, 100_000, "a whole number")   # a hard ceiling; recreate's --max-size is the working bound
port = whole(0, 65535)
# The demo's cores per Flux node; the ceiling is demo.server.MAX_CORES_PER_NODE (not imported here:
# the demo loads only for the commands that run it).
cores_per_node = whole(1, 1024)
