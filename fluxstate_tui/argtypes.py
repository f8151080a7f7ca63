"""Validators for command-line values: a bad value is a one-line usage error, never a traceback."""

from __future__ import annotations

import argparse


def _number(text: str, kind, what: str):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None


def whole(minimum: int, maximum: int | None = None, what: str = "a whole number"):
    """A whole number in [minimum, maximum]."""
    def parse(text: str) -> int:
        value = _number(text, int, what)
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"must be {'0 or more' if minimum == 0 else f'at least {minimum}'}: {text}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be {minimum} to {maximum}: {text}")
        return value
    return parse


def seconds(minimum: float = 0.0, what: str = "a number"):
    """A number of seconds above `minimum` (at least it, when it is not 0)."""
    def parse(text: str) -> float:
        value = _number(text, float, what)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0: {text}")
        if value < minimum:
            raise argparse.ArgumentTypeError(f"at least {minimum:g} seconds: {text}")
        return value
    return parse


count = whole(0)            # 0 or more
positive = whole(1)         # 1 or more
port = whole(0, 65535)
