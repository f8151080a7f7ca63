"""Event recorders of the demo's components, writing to the store as client-go's recorders do.

`EventRecorder` is client-go's tools/record (the job controller, the kubelet): a core/v1 event with
`source`, first/last timestamps and a count; the same event again (same object, reason, message,
source) bumps the count and lastTimestamp instead of adding one, as its correlator does.
`NewEventRecorder` is client-go's tools/events (the scheduler): an events.k8s.io event with
eventTime, action and reportingController/Instance, and no deprecated fields.
Names are `<object name>.<hex nanoseconds>`, as both recorders make them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .apiserver import ApiError
from .timefmt import rfc3339, rfc3339_micro

if TYPE_CHECKING:
    from .apiserver import Store

NORMAL, WARNING = "Normal", "Warning"


def reference(obj: dict, field_path: str = "") -> dict:
    """The ObjectReference an event names (client-go reference.GetReference)."""
    meta = obj["metadata"]
    ref = {"kind": obj.get("kind", ""), "apiVersion": obj.get("apiVersion", ""), "name": meta["name"],
           "uid": meta.get("uid", ""), "resourceVersion": meta.get("resourceVersion", "")}
    if meta.get("namespace"):
        ref["namespace"] = meta["namespace"]
    if field_path:
        ref["fieldPath"] = field_path
    return {k: v for k, v in ref.items() if v}


class _Names:
    """`<name>.<hex ns>` with a nanosecond clock that never repeats within the process."""

    last = 0

    @classmethod
    def make(cls, name: str) -> str:
        cls.last = max(time.time_ns(), cls.last + 1)
        return f"{name}.{cls.last:x}"


class EventRecorder:
    """client-go record.EventRecorder for one component (and host, for the kubelet)."""

    def __init__(self, store: Store, component: str, host: str = "") -> None:
        self.store = store
        self.source = {"component": component, **({"host": host} if host else {})}
        self._seen: dict[tuple, tuple[str, str]] = {}

    def event(self, obj: dict, type_: str, reason: str, message: str, field_path: str = "") -> None:
        ref = reference(obj, field_path)
        namespace = ref.get("namespace") or "default"
        key = (ref.get("uid"), field_path, type_, reason, message)
        now = rfc3339(self.store.now())
        seen = self._seen.get(key)
        if seen is not None and self._bump(*seen, now):
            return
        body = {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": _Names.make(ref["name"]), "namespace": namespace},
            "involvedObject": ref, "reason": reason, "message": message, "source": dict(self.source),
            "firstTimestamp": now, "lastTimestamp": now, "count": 1, "type": type_, "eventTime": None,
            "reportingComponent": self.source["component"], "reportingInstance": self.source.get("host", ""),
        }
        try:
            self.store.create("events", namespace, body)
        except ApiError:  # the namespace is going away: a real recorder drops the event too
            return
        self._seen[key] = (namespace, body["metadata"]["name"])

    def _bump(self, namespace: str, name: str, now: str) -> bool:
        def bump(ev: dict) -> None:
            ev["count"] = int(ev.get("count") or 1) + 1
            ev["lastTimestamp"] = now

        return self.store.update("events", namespace, name, bump) is not None


class NewEventRecorder:
    """client-go tools/events recorder (events.k8s.io/v1): what kube-scheduler reports with."""

    def __init__(self, store: Store, controller: str, instance: str) -> None:
        self.store = store
        self.controller = controller
        self.instance = instance

    def event(self, obj: dict, type_: str, reason: str, action: str, note: str) -> None:
        ref = reference(obj)
        namespace = ref.get("namespace") or "default"
        body = {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": _Names.make(ref["name"]), "namespace": namespace},
            "involvedObject": ref, "reason": reason, "message": note, "source": {}, "type": type_,
            "eventTime": rfc3339_micro(datetime.fromtimestamp(self.store.now(), tz=UTC)),
            "firstTimestamp": None, "lastTimestamp": None, "action": action,
            "reportingComponent": self.controller, "reportingInstance": self.instance,
        }
        try:
            self.store.create("events", namespace, body)
        except ApiError:
            return


# -- what the scheduler and the kubelet report about a pod ----------------------------------------

def pull_policy(container: dict) -> str:
    """The apiserver's default: Always for `:latest` or an untagged image, else IfNotPresent."""
    policy = container.get("imagePullPolicy")
    if policy:
        return policy
    image = container.get("image", "")
    tag = image.rsplit("/", 1)[-1].partition("@")[0].partition(":")[2]
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def go_seconds(seconds: float) -> str:
    """A time.Duration as Go prints it (`512.3ms`, `1.25s`)."""
    if seconds < 1:
        return f"{seconds * 1000:.6f}".rstrip("0").rstrip(".") + "ms"
    return f"{seconds:.9f}".rstrip("0").rstrip(".") + "s"


class PodEvents:
    """kube-scheduler's and the kubelet's events for the pods of the demo's one node."""

    def __init__(self, store: Store, node: str) -> None:
        self.node = node
        self.scheduler = NewEventRecorder(store, "default-scheduler", f"default-scheduler-{node}")
        self.kubelet = EventRecorder(store, "kubelet", node)

    def scheduled(self, pod: dict) -> None:
        meta = pod["metadata"]
        self.scheduler.event(pod, NORMAL, "Scheduled", "Binding",
                             f"Successfully assigned {meta['namespace']}/{meta['name']} to {self.node}")

    def unschedulable(self, pod: dict, message: str) -> None:
        self.scheduler.event(pod, WARNING, "FailedScheduling", "Scheduling", message)

    def started(self, pod: dict, init: bool) -> None:
        """kuberuntime's startContainer for each init container or each app container: pull, create, start."""
        kind = "initContainers" if init else "containers"
        for c in pod["spec"].get(kind) or []:
            path = f"spec.{kind}{{{c['name']}}}"
            image = c.get("image", "")
            if pull_policy(c) == "Always":
                took = go_seconds(0.2 + len(image) % 7 / 10)
                self.kubelet.event(pod, NORMAL, "Pulling", f'Pulling image "{image}"', path)
                self.kubelet.event(pod, NORMAL, "Pulled", f'Successfully pulled image "{image}" in {took} '
                                   f"({took} including waiting). Image size: {image_size(image)} bytes.", path)
            else:
                self.kubelet.event(pod, NORMAL, "Pulled", f'Container image "{image}" already present on machine',
                                   path)
            self.kubelet.event(pod, NORMAL, "Created", f"Created container {c['name']}", path)
            self.kubelet.event(pod, NORMAL, "Started", f"Started container {c['name']}", path)

    def killing(self, pod: dict, init: bool) -> None:
        kind = "initContainers" if init else "containers"
        for c in pod["spec"].get(kind) or []:
            self.kubelet.event(pod, NORMAL, "Killing", f"Stopping container {c['name']}",
                               f"spec.{kind}{{{c['name']}}}")


def image_size(image: str) -> int:
    """A stable made-up size per image: the demo pulls nothing."""
    return 20_000_000 + sum(image.encode()) * 9_973 % 180_000_000
