"""coordination.k8s.io/v1 Leases as the real apiserver decodes, validates and prints them.

fluxstate-tui locks a MiniCluster with a Lease, so the demo must refuse what a real server refuses:
a MicroTime is decoded with Go's RFC3339Micro layout, which demands exactly six fractional digits
(`2024-05-01T12:00:00Z` is a 400 there, and would be here), spec fields of the wrong JSON type are a
400, and a duration or transition count out of range is a 422. Times are stored the way the server
writes them back: UTC with a `Z`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from ..timefmt import rfc3339_micro
from .errors import ApiError, field_invalid

MICRO_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})(Z|[+-]\d{2}:\d{2})")
MICRO_FIELDS = ("acquireTime", "renewTime")
STRING_FIELDS = ("holderIdentity", "strategy", "preferredHolder")
INT_FIELDS = ("leaseDurationSeconds", "leaseTransitions")
GO_TYPES = {str: "string", int: "number", float: "number", bool: "bool", list: "array", dict: "object"}


def _cannot_decode(detail: str) -> ApiError:
    return ApiError.bad_request(f'Lease in version "v1" cannot be handled as a Lease: {detail}')


def _go_type(value: object) -> str:
    return GO_TYPES.get(type(value), "value")


def parse_micro_time(text: str) -> datetime:
    m = MICRO_RE.fullmatch(text)
    if m is None:
        raise _cannot_decode(f'parsing time "{text}" as "2006-01-02T15:04:05.000000Z07:00": cannot parse '
                             f'"{text}" as "2006-01-02T15:04:05.000000Z07:00"')
    year, month, day, hour, minute, second, micro = (int(g) for g in m.groups()[:7])
    zone = m.group(8)
    tz = UTC
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError as exc:
        raise _cannot_decode(f'parsing time "{text}": {exc}') from None


def default_lease(obj: dict) -> None:
    """Decode the spec as the real server does (type errors are 400s) and normalise its times."""
    spec = obj.get("spec")
    if spec is None:
        obj["spec"] = {}
        return
    if not isinstance(spec, dict):
        raise _cannot_decode(f"json: cannot unmarshal {_go_type(spec)} into Go struct field Lease.spec of type "
                             "v1.LeaseSpec")
    for key in STRING_FIELDS:
        value = spec.get(key)
        if value is not None and not isinstance(value, str):
            raise _cannot_decode(f"json: cannot unmarshal {_go_type(value)} into Go struct field "
                                 f"LeaseSpec.spec.{key} of type string")
    for key in INT_FIELDS:
        value = spec.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise _cannot_decode(f"json: cannot unmarshal {_go_type(value)} into Go struct field "
                                 f"LeaseSpec.spec.{key} of type int32")
    for key in MICRO_FIELDS:
        value = spec.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise _cannot_decode(f"json: cannot unmarshal {_go_type(value)} into Go struct field "
                                 f"LeaseSpec.spec.{key} of type string")
        spec[key] = rfc3339_micro(parse_micro_time(value))


def validate_lease(obj: dict, _old: dict | None) -> None:
    """k8s.io/kubernetes/pkg/apis/coordination/validation.ValidateLeaseSpec."""
    spec = obj.get("spec") or {}
    causes = []
    duration = spec.get("leaseDurationSeconds")
    if duration is not None and duration <= 0:
        causes.append(field_invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
    transitions = spec.get("leaseTransitions")
    if transitions is not None and transitions < 0:
        causes.append(field_invalid("spec.leaseTransitions", transitions, "must be greater than or equal to 0"))
    if causes:
        raise ApiError.invalid("Lease", (obj.get("metadata") or {}).get("name", ""), causes)
