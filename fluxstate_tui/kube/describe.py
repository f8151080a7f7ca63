"""What `kubectl describe minicluster` and `kubectl get minicluster -o yaml` would tell, read for the TUI's
`d` and `y` views: the object itself, its pods (phase, readiness, restarts, node) and the recent events
about the MiniCluster and its pods, in one list call each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml

from .client import KubeClient
from .events import EventRecord, record
from .resources import MiniCluster, get_minicluster

MAX_EVENTS = 40


@dataclass(frozen=True)
class PodLine:
    name: str
    phase: str
    ready: str          # "1/1": ready containers of all
    restarts: int
    node: str
    created: datetime | None
    deleting: bool


@dataclass
class Described:
    mc: MiniCluster
    pods: list[PodLine]
    events: list[EventRecord]   # oldest first, at most MAX_EVENTS


def pod_line(pod: Any) -> PodLine:
    statuses = (pod.status.container_statuses or []) if pod.status else []
    return PodLine(
        name=pod.metadata.name,
        phase=(pod.status.phase if pod.status else None) or "Unknown",
        ready=f"{sum(1 for s in statuses if s.ready)}/{len(pod.spec.containers or []) if pod.spec else 0}",
        restarts=sum(s.restart_count or 0 for s in statuses),
        node=(pod.spec.node_name if pod.spec else None) or "",
        created=pod.metadata.creation_timestamp,
        deleting=pod.metadata.deletion_timestamp is not None,
    )


async def describe(kube: KubeClient, name: str, namespace: str) -> Described:
    mc = await get_minicluster(kube, name, namespace)
    pods = await kube.call(kube.core.list_namespaced_pod(namespace, label_selector=mc.selector),
                           verb="list", resource="pods", namespace=namespace)
    lines = sorted((pod_line(p) for p in pods.items), key=lambda p: p.name)
    # One list of the namespace's events rather than one call per pod: a MiniCluster has many pods.
    events = await kube.call(kube.core.list_namespaced_event(namespace), verb="list", resource="events",
                             namespace=namespace)
    about = {("MiniCluster", name)} | {("Pod", p.name) for p in lines}
    mine = [record(e) for e in events.items or []
            if e.involved_object is not None and (e.involved_object.kind, e.involved_object.name) in about]
    mine.sort(key=lambda r: r.last_seen.timestamp() if r.last_seen else 0.0)
    return Described(mc, lines, mine[-MAX_EVENTS:])


def yaml_text(obj: dict) -> str:
    """The object as `kubectl get -o yaml` shows it (without managedFields, as kubectl does by default).
    safe_dump writes any control character in a string as an escape, so the text is safe to show."""
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "managedFields"}
    return yaml.safe_dump({**obj, "metadata": meta}, sort_keys=False, allow_unicode=True, width=1000)
