"""The events about one object, as `kubectl describe` lists them under "Events:".

They come from core/v1 `events` with the field selector kubectl's describe uses (involvedObject
name, namespace, kind and, when known, uid), through the official `kubernetes.aio` client. Events
recorded through events.k8s.io (the scheduler's) have no first/last timestamps or count: their
eventTime and series stand in, as in kubectl's printer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .client import KubeClient


@dataclass(frozen=True)
class EventRecord:
    type: str  # Normal or Warning
    reason: str
    message: str
    source: str  # "kubelet", "default-scheduler", "job-controller": who reported it
    count: int
    first_seen: datetime | None
    last_seen: datetime | None
    kind: str  # of the object the event is about
    name: str
    field_path: str  # the container within it, `spec.containers{name}`, or ""
    event_name: str


def field_selector(kind: str, name: str, namespace: str, uid: str | None = None) -> str:
    """kubectl describe's selector (client-go EventInterface.GetFieldSelector)."""
    parts = [f"involvedObject.name={name}", f"involvedObject.namespace={namespace}", f"involvedObject.kind={kind}"]
    if uid:
        parts.append(f"involvedObject.uid={uid}")
    return ",".join(parts)


def record(event: Any) -> EventRecord:
    """One CoreV1Event of the client as an EventRecord."""
    involved = event.involved_object
    source = event.source
    series = event.series
    first = event.first_timestamp or event.event_time
    last = event.last_timestamp or first
    count = event.count or 0
    if series is not None:
        last = series.last_observed_time or last
        count = series.count or count
    return EventRecord(
        type=event.type or "",
        reason=event.reason or "",
        message=(event.message or "").strip(),
        source=(source.component if source is not None and source.component else event.reporting_component) or "",
        count=count or 1,
        first_seen=first,
        last_seen=last,
        kind=involved.kind or "",
        name=involved.name or "",
        field_path=involved.field_path or "",
        event_name=event.metadata.name if event.metadata is not None else "",
    )


def _when(rec: EventRecord) -> int:
    """kubectl's sort key (series, else last, else eventTime), in whole seconds: most events carry only
    seconds, and within a second the server's order (the names' nanosecond stamps) is the true one."""
    return int(rec.last_seen.timestamp()) if rec.last_seen else 0


async def list_events(kube: KubeClient, *, kind: str, name: str, namespace: str,
                      uid: str | None = None) -> list[EventRecord]:
    """Events about the object `kind`/`name` in `namespace`, oldest first (by last occurrence).

    `kind` is the object's Kind (`Pod`, `Job`, `MiniCluster`). Failures are KubeErrors, as for every
    call of KubeClient."""
    selector = field_selector(kind, name, namespace, uid)
    result = await kube.call(kube.core.list_namespaced_event(namespace, field_selector=selector),
                             verb="list", resource="events", namespace=namespace)
    return sorted((record(e) for e in result.items or []), key=_when)
