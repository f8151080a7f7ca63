"""Events: `core/v1` events and the `events.k8s.io/v1` view of the same store, as the apiserver keeps them.

One stored shape (core/v1), two API shapes: events.k8s.io/v1 renames fields (`regarding`, `note`,
`reportingController`, `deprecated*`) and its field selectors name them so. Validation is the
apiserver's: the legacy rules for every event, the strict ones for events.k8s.io/v1 creates.
Events do not live for ever: the apiserver stores them with a TTL (`--event-ttl`, one hour); the
demo keeps them an hour after their last write and at most MAX_EVENTS of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..timefmt import parse_rfc3339
from .errors import ApiError

TTL = 3600.0
MAX_EVENTS = 2000
V1 = "events.k8s.io/v1"

# events.k8s.io/v1 name -> core/v1 name, for the fields whose name differs.
RENAMED = {
    "regarding": "involvedObject",
    "note": "message",
    "reportingController": "reportingComponent",
    "deprecatedSource": "source",
    "deprecatedFirstTimestamp": "firstTimestamp",
    "deprecatedLastTimestamp": "lastTimestamp",
    "deprecatedCount": "count",
}
# Field selectors of events.k8s.io/v1 (pkg/apis/events/v1 field label conversion), mapped to core/v1.
V1_FIELDS = {
    "regarding.kind": "involvedObject.kind", "regarding.namespace": "involvedObject.namespace",
    "regarding.name": "involvedObject.name", "regarding.uid": "involvedObject.uid",
    "regarding.apiVersion": "involvedObject.apiVersion",
    "regarding.resourceVersion": "involvedObject.resourceVersion",
    "regarding.fieldPath": "involvedObject.fieldPath", "reportingController": "reportingComponent",
    "reason": "reason", "type": "type", "metadata.name": "metadata.name", "metadata.namespace": "metadata.namespace",
}
# The field selectors core/v1 events support (pkg/apis/core/v1 event field label conversion).
CORE_FIELDS = ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
               "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
               "reason", "reportingComponent", "source", "type")


def to_v1(event: dict) -> dict:
    """A stored core/v1 event as events.k8s.io/v1 serves it."""
    out: dict = {"apiVersion": V1, "kind": "Event", "metadata": event.get("metadata") or {},
                 "eventTime": event.get("eventTime")}
    back = {core: new for new, core in RENAMED.items()}
    for key, value in event.items():
        if key in ("apiVersion", "kind", "metadata", "eventTime") or value in (None, "", {}, 0):
            continue  # events.k8s.io/v1 omits what is empty (omitempty), core/v1 writes some as null
        out[back.get(key, key)] = value
    return out


def from_v1(event: dict) -> dict:
    """An events.k8s.io/v1 body as the core/v1 event it is stored as."""
    out: dict = {"apiVersion": "v1", "kind": "Event"}
    for key, value in event.items():
        if key in ("apiVersion", "kind"):
            continue
        out[RENAMED.get(key, key)] = value
    return out


def v1_field_selector(selector: str | None) -> str | None:
    """An events.k8s.io/v1 field selector in core/v1 field names; 400 for one it does not support."""
    if not selector:
        return selector
    parts = []
    for req in selector.split(","):
        for op in ("!=", "==", "="):
            if op in req:
                path, _, value = req.partition(op)
                break
        else:
            raise ApiError.bad_request(f"invalid selector: '{selector}'; can't understand '{req}'")
        path = path.strip()
        if path not in V1_FIELDS:
            raise ApiError.bad_request(f'"{path}" is not a known field selector: only "{", ".join(V1_FIELDS)}"')
        parts.append(f"{V1_FIELDS[path]}{op}{value}")
    return ",".join(parts)


@dataclass(frozen=True)
class View:
    """A resource served from another's storage in another shape."""

    out: Callable[[dict], dict]
    into: Callable[[dict], dict]
    field_selector: Callable[[str | None], str | None]
    validate_create: Callable[[dict, str | None], None]


# -- validation (pkg/apis/core/validation/events.go) --------------------------------------------

def _invalid(field: str, value: object, detail: str) -> dict:
    return {"reason": "FieldValueInvalid", "message": f"Invalid value: {json.dumps(value)}: {detail}",
            "field": field}


def _required(field: str) -> dict:
    return {"reason": "FieldValueRequired", "message": "Required value", "field": field}


def legacy_causes(event: dict, controller_field: str = "reportingComponent") -> list[dict]:
    ns = (event.get("metadata") or {}).get("namespace", "")
    involved = event.get("involvedObject") or {}
    inv_ns = involved.get("namespace", "")
    causes = []
    if not event.get("eventTime"):
        if (inv_ns and ns != inv_ns) or (not inv_ns and ns not in ("", "default")):
            causes.append(_invalid("involvedObject.namespace", inv_ns, "does not match event.namespace"))
        return causes
    if not inv_ns and ns not in ("default", "kube-system"):
        causes.append(_invalid("involvedObject.namespace", inv_ns, "does not match event.namespace"))
    for field, limit in ((controller_field, 0), ("reportingInstance", 128), ("action", 128), ("reason", 128)):
        source = "reportingComponent" if field == controller_field else field
        value = event.get(source) or ""
        if not value:
            causes.append(_required(field))
        elif limit and len(value) > limit:
            causes.append(_invalid(field, "", f"can have at most {limit} characters"))
    if len(event.get("message") or "") > 1024:
        causes.append(_invalid("message", "", "can have at most 1024 characters"))
    return causes


def v1_create_causes(event: dict) -> list[dict]:
    """The strict rules for an event created through events.k8s.io/v1 (`event` in core/v1 shape)."""
    causes = legacy_causes(event, "reportingController")
    if not event.get("eventTime"):
        causes.append(_required("eventTime"))
    if event.get("type") not in ("Normal", "Warning"):
        causes.append(_invalid("type", "", f"has invalid value: {event.get('type') or ''}"))
    for field in ("firstTimestamp", "lastTimestamp", "count"):
        if event.get(field):
            causes.append(_invalid(field, "", "needs to be unset"))
    source = event.get("source") or {}
    if source.get("component") or source.get("host"):
        causes.append(_invalid("source", "", "needs to be unset"))
    series = event.get("series")
    if series is not None:
        if int(series.get("count") or 0) < 2:
            causes.append(_invalid("series.count", "", "should be at least 2"))
        if not series.get("lastObservedTime"):
            causes.append(_required("series.lastObservedTime"))
    return causes


def validate_v1_create(event: dict, namespace: str | None) -> None:
    """events.k8s.io/v1 creates (`event` already in core/v1 shape) obey the strict rules."""
    probe = {**event, "metadata": {**(event.get("metadata") or {}), "namespace": namespace or "default"}}
    causes = v1_create_causes(probe)
    if causes:
        raise ApiError.invalid("Event", (event.get("metadata") or {}).get("name", ""), causes)


VIEWS = {"events.events.k8s.io": View(to_v1, from_v1, v1_field_selector, validate_v1_create)}


def validate_event(obj: dict, _old: dict | None) -> None:
    causes = legacy_causes(obj)
    if causes:
        raise ApiError.invalid("Event", (obj.get("metadata") or {}).get("name", ""), causes)


# -- retention ------------------------------------------------------------------------------------

def last_write(event: dict) -> float:
    """When an event was last recorded: the newest of its timestamps (a series or a count bump moves it)."""
    stamps = [event.get("lastTimestamp"), (event.get("series") or {}).get("lastObservedTime"),
              event.get("eventTime"), (event.get("metadata") or {}).get("creationTimestamp")]
    return max((t for t in (parse_rfc3339(s) for s in stamps) if t is not None), default=0.0)


class Retention:
    """Drops events an hour after their last write, and the oldest beyond MAX_EVENTS, as etcd's TTL
    would; checked on every create once over the limit, and every CHECK_EVERY creates for the TTL."""

    CHECK_EVERY = 64

    def __init__(self) -> None:
        self._creates = 0

    def __call__(self, store: EventStore) -> None:
        self._creates += 1
        over = store.count("events") > MAX_EVENTS
        if not over and self._creates % self.CHECK_EVERY:
            return
        events = sorted(store.list("events"), key=last_write)
        cutoff = store.now() - TTL
        excess = len(events) - MAX_EVENTS
        for i, event in enumerate(events):
            if i >= excess and last_write(event) >= cutoff:
                break
            store.remove("events", event["metadata"].get("namespace"), event["metadata"]["name"])


class EventStore(Protocol):
    """What retention needs of the store."""

    def count(self, plural: str) -> int: ...

    def list(self, plural: str) -> list[dict]: ...

    def now(self) -> float: ...

    def remove(self, plural: str, namespace: str | None, name: str) -> dict | None: ...
