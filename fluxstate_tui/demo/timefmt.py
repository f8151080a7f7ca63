"""Kubernetes timestamps for the whole demo: RFC 3339 in UTC, as the API server writes them.

metav1.Time is whole seconds ("2024-05-01T12:00:00Z"); metav1.MicroTime (leases) has microseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime


def rfc3339(ts: float) -> str:
    """metav1.Time of an epoch: whole seconds, UTC, "Z"."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_micro(when: datetime) -> str:
    """metav1.MicroTime: microseconds, UTC, "Z"."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(text: str | None) -> float | None:
    """The epoch of a metav1.Time (fractions and zone ignored), None when absent or malformed."""
    if not text:
        return None
    try:
        return datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None
