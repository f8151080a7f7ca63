"""The in-memory object store behind the demo API server.

Objects are keyed by (plural, namespace, name); cluster-scoped kinds use namespace "".
Every write bumps one global resourceVersion and emits a watch event to listeners (controllers,
synchronously) and to HTTP watchers (through their event loops, thread-safely).
"""

from __future__ import annotations

import copy
import random
import string
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

from ..timefmt import rfc3339
from .errors import ApiError, field_required
from .events import Retention, validate_event
from .finalizers import check_no_new_finalizers
from .leases import default_lease, validate_lease
from .names import name_errors
from .patch import drop_nulls
from .patching import PatchMixin
from .resources import RESOURCES, Resource, resource
from .selectors import make_filter
from .watch import HISTORY, Event, Listener, Watcher, WatchMixin

# The demo is a one-node cluster, as kind or minikube are: `kubectl get nodes` lists it, and a client
# can see how many pods the cluster can host (allocatable pods, 110 as the kubelet's default).
DEMO_NODE = {
    "metadata": {"name": "fluxstate-demo", "labels": {"kubernetes.io/hostname": "fluxstate-demo",
                                                      "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}},
    "spec": {},
    "status": {
        "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
        "allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"},
        "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                        "message": "kubelet is posting ready status"}],
        # every field a real kubelet reports: the official client's models require them all
        "nodeInfo": {"kubeletVersion": "v1.32.0", "kubeProxyVersion": "v1.32.0", "osImage": "fluxstate demo",
                     "architecture": "amd64", "operatingSystem": "linux", "kernelVersion": "6.1.0",
                     "containerRuntimeVersion": "fluxstate://demo", "bootID": "fluxstate-demo-boot",
                     "machineID": "fluxstate-demo-machine", "systemUUID": "fluxstate-demo-uuid"},
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}, {"type": "Hostname",
                                                                       "address": "fluxstate-demo"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
    },
}


class Store(WatchMixin, PatchMixin):
    """In-memory Kubernetes objects. All public methods return deep copies."""

    def __init__(self, now: Callable[[], float] | None = None) -> None:
        self.now: Callable[[], float] = now or time.time
        self.resource_version = 1000
        self.validators: dict[str, Callable[[dict, dict | None], None]] = {}
        self.defaulters: dict[str, Callable[[dict], None]] = {}
        self._objects: dict[str, dict[tuple[str, str], dict]] = {p: {} for p in RESOURCES}
        self._listeners: list[Listener] = []
        self._watchers: list[Watcher] = []
        self._history: deque[Event] = deque(maxlen=HISTORY)
        self._compacted = 0  # events with rv <= this are no longer kept
        self._pending_propagation: dict[tuple[str, str, str], str] = {}
        self._lock = threading.RLock()
        self.defaulters["leases"] = default_lease
        self.validators["leases"] = validate_lease
        self.validators["events"] = validate_event
        # run after a create: what bounds a kind the apiserver keeps only for a while (events' TTL)
        self.retention: dict[str, Callable[[Store], None]] = {"events": Retention()}
        for ns in ("default", "kube-system"):
            self.create("namespaces", None, {"metadata": {"name": ns}})
        self.create("nodes", None, DEMO_NODE)

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def resource(plural: str) -> Resource:
        return resource(plural)

    def _key(self, res: Resource, namespace: str | None, name: str) -> tuple[str, str]:
        return ((namespace or "") if res.namespaced else "", name)

    def _bump(self) -> str:
        self.resource_version += 1
        return str(self.resource_version)

    def _namespace_check(self, res: Resource, namespace: str | None) -> None:
        if not res.namespaced:
            return
        if not namespace:
            raise ApiError.bad_request("the server could not find the requested resource: a namespace is required")
        if ("", namespace) not in self._objects["namespaces"]:
            raise ApiError.not_found("namespaces", namespace)

    def _prepare(self, plural: str, obj: dict, old: dict | None) -> None:
        pruned = drop_nulls(obj)
        obj.clear()
        obj.update(pruned)
        fn = self.defaulters.get(plural)
        if fn:
            fn(obj)
        fn = self.validators.get(plural)
        if fn:
            fn(obj, copy.deepcopy(old) if old is not None else None)

    # -- reads ------------------------------------------------------------------------------

    def get(self, plural: str, namespace: str | None, name: str) -> dict | None:
        res = resource(plural)
        with self._lock:
            obj = self._objects[plural].get(self._key(res, namespace, name))
            return copy.deepcopy(obj) if obj is not None else None

    def _get_or_404(self, plural: str, namespace: str | None, name: str) -> dict:
        obj = self.get(plural, namespace, name)
        if obj is None:
            raise ApiError.not_found(plural, name)
        return obj

    def count(self, plural: str) -> int:
        with self._lock:
            return len(self._objects[plural])

    def list(self, plural: str, namespace: str | None = None, label_selector: str | None = None,
             field_selector: str | None = None) -> list[dict]:
        res = resource(plural)
        match = make_filter(plural, label_selector, field_selector)
        with self._lock:
            items = [
                copy.deepcopy(o) for (ns, _), o in self._objects[plural].items()
                if (not namespace or not res.namespaced or ns == namespace) and match(o)
            ]
        items.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
        return items

    # -- writes -----------------------------------------------------------------------------

    def _fill_new(self, res: Resource, namespace: str | None, obj: dict) -> dict:
        obj = copy.deepcopy(obj)
        obj.pop("_propagation", None)
        obj["apiVersion"] = obj.get("apiVersion") or res.api_version
        obj["kind"] = obj.get("kind") or res.kind
        meta = obj.setdefault("metadata", {})
        if meta is None:
            meta = obj["metadata"] = {}
        if res.namespaced:
            ns = namespace or meta.get("namespace") or "default"
            if meta.get("namespace") and namespace and meta["namespace"] != namespace:
                raise ApiError.bad_request("the namespace of the provided object does not match the namespace "
                                           "sent on the request")
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        if not meta.get("name"):
            if meta.get("generateName"):
                meta["name"] = meta["generateName"] + "".join(
                    random.choices(string.ascii_lowercase + string.digits, k=5))
            else:
                raise ApiError.invalid(res.kind, "",
                                       [field_required("metadata.name", "name or generateName is required")])
        causes = name_errors(res, meta["name"])
        if causes:
            raise ApiError.invalid(res.kind, meta["name"], causes)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = rfc3339(self.now())
        for k in ("deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion"):
            meta.pop(k, None)
        if res.generation:
            meta["generation"] = 1
        else:
            meta.pop("generation", None)
        head = {"apiVersion": obj.pop("apiVersion"), "kind": obj.pop("kind"), "metadata": obj.pop("metadata")}
        obj = {**head, **obj}
        if "status" not in obj:
            default_status = {
                "pods": {"phase": "Pending", "qosClass": "BestEffort"},
                "namespaces": {"phase": "Active"},
                "persistentvolumes": {"phase": "Pending"},
                "persistentvolumeclaims": {"phase": "Pending"},
            }.get(res.plural)
            if default_status is not None:
                obj["status"] = default_status
        return obj

    def create(self, plural: str, namespace: str | None, obj: dict, dry_run: bool = False) -> dict:
        res = resource(plural)
        with self._lock:
            obj = self._fill_new(res, namespace, obj)
            self._namespace_check(res, obj["metadata"].get("namespace"))
            self._prepare(plural, obj, None)
            key = self._key(res, obj["metadata"].get("namespace"), obj["metadata"]["name"])
            if key in self._objects[plural]:
                raise ApiError.already_exists(plural, obj["metadata"]["name"])
            if dry_run:
                obj["metadata"]["resourceVersion"] = str(self.resource_version)
                return obj
            obj["metadata"]["resourceVersion"] = self._bump()
            self._objects[plural][key] = obj
            self._emit("ADDED", plural, obj)
            retain = self.retention.get(plural)
            if retain is not None:
                retain(self)
            return copy.deepcopy(obj)

    def _store_modified(self, res: Resource, old: dict, new: dict, dry_run: bool = False,
                        propagation: str | None = None) -> dict:
        """Common tail of every update: generation bump, RV, finalizer-driven removal, events."""
        check_no_new_finalizers(res.kind, old, new)
        if res.generation and old.get("spec") != new.get("spec"):
            new["metadata"]["generation"] = int(old["metadata"].get("generation") or 1) + 1
        key = self._key(res, new["metadata"].get("namespace"), new["metadata"]["name"])
        if dry_run:
            return new
        meta = new["metadata"]
        if meta.get("deletionTimestamp") and not meta.get("finalizers") and not meta.get("deletionGracePeriodSeconds"):
            # Like the real apiserver: gone once no finalizer is left and no grace period runs
            # (a gracefully deleting pod stays until the kubelet removes it).
            new["metadata"]["resourceVersion"] = self._bump()
            self._objects[res.plural].pop(key, None)
            prop = propagation or self._pending_propagation.pop((res.plural,) + key, None)
            self._emit("DELETED", res.plural, new, propagation=prop)
            return copy.deepcopy(new)
        new["metadata"]["resourceVersion"] = self._bump()
        self._objects[res.plural][key] = new
        self._emit("MODIFIED", res.plural, new, old, propagation=propagation)
        return copy.deepcopy(new)

    @staticmethod
    def _same(a: dict, b: dict) -> bool:
        a = copy.deepcopy(a)
        b = copy.deepcopy(b)
        a["metadata"].pop("resourceVersion", None)
        b["metadata"].pop("resourceVersion", None)
        return a == b

    @staticmethod
    def _keep_status(res: Resource, old: dict, new: dict) -> None:
        """A write to the main resource never changes status (it has its own subresource), as the apiserver
        does: the stored status stays, whatever the body said."""
        if res.has_status:
            if "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            else:
                new.pop("status", None)

    def _check_identity(self, res: Resource, old: dict, new: dict, name: str) -> None:
        meta = new.setdefault("metadata", {})
        if meta.get("name") and meta["name"] != name:
            raise ApiError.bad_request(f"the name of the object ({meta['name']}) does not match the name on the URL "
                                       f"({name})")
        if res.namespaced and meta.get("namespace") and meta["namespace"] != old["metadata"].get("namespace"):
            raise ApiError.bad_request("the namespace of the provided object does not match the namespace "
                                       "sent on the request")
        rv = meta.get("resourceVersion")
        if rv and rv != old["metadata"].get("resourceVersion"):
            raise ApiError.conflict(res.plural, name)
        # Immutable / server-owned metadata.
        for k in ("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                  "deletionGracePeriodSeconds", "generation"):
            if k in old["metadata"]:
                meta[k] = old["metadata"][k]
            else:
                meta.pop(k, None)
        new["apiVersion"] = res.api_version
        new["kind"] = res.kind

    def replace(self, plural: str, namespace: str | None, name: str, obj: dict, dry_run: bool = False) -> dict:
        res = resource(plural)
        with self._lock:
            old = self._get_or_404(plural, namespace, name)
            new = copy.deepcopy(obj)
            new.pop("_propagation", None)
            self._check_identity(res, old, new, name)
            self._keep_status(res, old, new)
            self._prepare(plural, new, old)
            return self._store_modified(res, old, new, dry_run)

    def replace_status(self, plural: str, namespace: str | None, name: str, obj: dict, dry_run: bool = False) -> dict:
        res = resource(plural)
        with self._lock:
            old = self._get_or_404(plural, namespace, name)
            probe = copy.deepcopy(obj)
            self._check_identity(res, old, probe, name)
            new = copy.deepcopy(old)
            if "status" in obj:
                new["status"] = copy.deepcopy(obj["status"])
            else:
                new.pop("status", None)
            return self._store_modified(res, old, new, dry_run)

    # -- internal update (controllers) --------------------------------------------------------

    def update(self, plural: str, namespace: str | None, name: str, fn: Callable[[dict], Any]) -> dict | None:
        res = resource(plural)
        with self._lock:
            old = self.get(plural, namespace, name)
            if old is None:
                return None
            new = copy.deepcopy(old)
            fn(new)
            new.pop("_propagation", None)
            new["metadata"]["name"] = old["metadata"]["name"]
            if res.namespaced:
                new["metadata"]["namespace"] = old["metadata"]["namespace"]
            if self._same(old, new):
                return old
            return self._store_modified(res, old, new)

    # -- delete -----------------------------------------------------------------------------

    def delete(self, plural: str, namespace: str | None, name: str, propagation: str | None = None,
               grace_period: int | None = None, dry_run: bool = False, preconditions: dict | None = None) -> dict:
        res = resource(plural)
        if propagation not in (None, "Background", "Foreground", "Orphan"):
            raise ApiError.invalid("DeleteOptions", "", [
                {"reason": "FieldValueNotSupported", "field": "propagationPolicy",
                 "message": f'Unsupported value: "{propagation}": supported values: '
                            '"Foreground", "Background", "Orphan", "nil"'}])
        with self._lock:
            old = self._get_or_404(plural, namespace, name)
            meta = old["metadata"]
            self._check_preconditions(res, old, preconditions or {})
            key = (plural,) + self._key(res, namespace, name)
            if meta.get("deletionTimestamp"):
                if grace_period == 0 and plural == "pods" and not meta.get("finalizers") and not dry_run:
                    return self.remove(plural, namespace, name) or old
                return old
            now = rfc3339(self.now())
            if propagation == "Foreground":
                new = copy.deepcopy(old)
                new["metadata"]["deletionTimestamp"] = now
                new["metadata"]["deletionGracePeriodSeconds"] = 0
                fins = new["metadata"].setdefault("finalizers", [])
                if "foregroundDeletion" not in fins:
                    fins.append("foregroundDeletion")
                if not dry_run:
                    self._pending_propagation[key] = propagation
                return self._store_modified(res, old, new, dry_run, propagation=propagation)
            if meta.get("finalizers"):
                new = copy.deepcopy(old)
                new["metadata"]["deletionTimestamp"] = now
                new["metadata"]["deletionGracePeriodSeconds"] = 0
                if propagation and not dry_run:
                    self._pending_propagation[key] = propagation
                return self._store_modified(res, old, new, dry_run, propagation=propagation)
            if plural == "pods" and grace_period != 0:
                grace = grace_period
                if grace is None:
                    grace = (old.get("spec") or {}).get("terminationGracePeriodSeconds")
                    grace = 30 if grace is None else int(grace)
                new = copy.deepcopy(old)
                new["metadata"]["deletionTimestamp"] = rfc3339(self.now() + grace)
                new["metadata"]["deletionGracePeriodSeconds"] = grace
                if propagation and not dry_run:
                    self._pending_propagation[key] = propagation
                # deletionTimestamp without finalizers would remove it: store it directly.
                if dry_run:
                    return new
                new["metadata"]["resourceVersion"] = self._bump()
                self._objects[plural][key[1:]] = new
                self._emit("MODIFIED", plural, new, old, propagation=propagation)
                return copy.deepcopy(new)
            if dry_run:
                gone = old
            else:
                gone = self._remove(res, key[1:], propagation or "Background")
            if res.custom:
                return {
                    "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                    "details": {"name": name, "group": res.group, "kind": res.plural, "uid": gone["metadata"]["uid"]},
                }
            return gone

    @staticmethod
    def _check_preconditions(res: Resource, obj: dict, preconditions: dict) -> None:
        """DeleteOptions.preconditions: a delete that names a uid or resourceVersion the object no longer
        has is a 409, so a client deletes only what it read (a lock it still holds, say)."""
        meta = obj["metadata"]
        for key, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
            want = preconditions.get(key)
            if want and want != meta.get(key):
                raise ApiError.conflict(res.plural, meta["name"],
                                        f"Precondition failed: {label} in precondition: {want}, {label} in object "
                                        f"meta: {meta.get(key)}")

    def _remove(self, res: Resource, key: tuple[str, str], propagation: str | None) -> dict:
        obj = self._objects[res.plural].pop(key)
        obj["metadata"]["resourceVersion"] = self._bump()
        prop = propagation or self._pending_propagation.get((res.plural,) + key)
        self._pending_propagation.pop((res.plural,) + key, None)
        self._emit("DELETED", res.plural, obj, propagation=prop)
        return copy.deepcopy(obj)

    def remove(self, plural: str, namespace: str | None, name: str) -> dict | None:
        res = resource(plural)
        with self._lock:
            key = self._key(res, namespace, name)
            if key not in self._objects[plural]:
                return None
            return self._remove(res, key, None)
