"""Level-triggered controllers of the demo cluster: the Flux Operator, the Job controller, the
PersistentVolume binder and the garbage collector.

Each `reconcile()` looks at the whole store and moves it one step towards the desired state, the
way Kubernetes controllers do; the cluster calls them on a short tick. Delays come from the
simulated clock, so `--speed` scales them.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import manifests as mf
from .apiserver import ApiError
from .quantity import quantity_or_zero
from .recorder import NORMAL, EventRecorder
from .timefmt import rfc3339

if TYPE_CHECKING:
    from .apiserver import Store
    from .proc import SimClock

log = logging.getLogger(__name__)

# Simulated seconds between a MiniCluster appearing and the operator creating its objects.
OPERATOR_DELAY = 0.5
OWNER_KINDS = ("miniclusters", "jobs")
DEPENDENT_KINDS = ("configmaps", "services", "jobs", "pods")
FOREGROUND_KINDS = ("miniclusters", "jobs", "configmaps", "services", "persistentvolumeclaims",
                    "persistentvolumes", "namespaces")


def key(obj: dict) -> tuple[str, str]:
    return obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def uid(obj: dict) -> str:
    return obj["metadata"]["uid"]


def deleting(obj: dict) -> bool:
    return bool(obj["metadata"].get("deletionTimestamp"))


class Seen:
    """When (simulated) each object uid was first seen: the base of every delay.

    While `settling` (DemoCluster.settle) every delay has passed: what the store holds comes up at
    once, as if the cluster had been running a while."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self._at: dict[str, float] = {}
        self.settling = False

    def age(self, obj: dict) -> float:
        at = self._at.setdefault(uid(obj), self.clock.now())
        return math.inf if self.settling else self.clock.now() - at

    def forget(self, obj_uid: str) -> None:
        self._at.pop(obj_uid, None)


class OperatorLog:
    """The Flux Operator's controller log: where resize denials show up, as on a real cluster."""

    def __init__(self, append: Callable[[str], None], clock: SimClock) -> None:
        self._append = append
        self._clock = clock

    def info(self, message: str, **fields: object) -> None:
        extra = f"\t{json.dumps(fields)}" if fields else ""
        self._append(f"{rfc3339(time.time())}\tINFO\tminicluster-reconciler\t{message}{extra}\n")

    def reconcile_error(self, mc: dict, error: str) -> None:
        """controller-runtime's line for a reconcile that returned an error (it is retried)."""
        ns, name = key(mc)
        fields = {"controller": "minicluster", "controllerGroup": mf.GROUP, "controllerKind": "MiniCluster",
                  "MiniCluster": {"name": name, "namespace": ns}, "namespace": ns, "name": name, "error": error}
        self._append(f"{rfc3339(time.time())}\tERROR\tReconciler error\t{json.dumps(fields)}\n")


class FluxOperator:
    """The Flux Operator's MiniCluster reconcile: Job, ConfigMap, Service, live resize within maxSize."""

    def __init__(self, store: Store, seen: Seen, oplog: OperatorLog) -> None:
        self.store = store
        self.seen = seen
        self.oplog = oplog
        self._failed: set[tuple[str, int]] = set()  # (uid, generation) whose error is logged

    def reconcile(self) -> None:
        for mc in self.store.list("miniclusters"):
            if deleting(mc) or self.seen.age(mc) < OPERATOR_DELAY:
                continue
            try:
                self._ensure(mc)
            except ApiError as exc:  # a concurrent delete or update: the next tick sees the new state
                log.debug("reconcile %s: %s", key(mc), exc.message)

    def _ensure(self, mc: dict) -> None:
        ns, name = key(mc)
        if self.store.get("configmaps", ns, f"{name}-entrypoint") is None:
            self.store.create("configmaps", ns, mf.configmap(mc))
            self.oplog.info("Creating ConfigMap", Namespace=ns, Name=f"{name}-entrypoint")
        if self.store.get("services", ns, mf.headless_name(mc)) is None:
            self.store.create("services", ns, mf.service(mc))
        job = self.store.get("jobs", ns, name)
        if job is None:
            try:
                manifest = mf.job(mc)
            except ValueError as exc:  # a resource quantity the operator cannot parse: no Job, retried
                attempt = (uid(mc), int(mc["metadata"].get("generation") or 1))
                if attempt not in self._failed:
                    self._failed.add(attempt)
                    self.oplog.reconcile_error(mc, str(exc))
                return
            self.store.create("jobs", ns, manifest)
            self.oplog.info("Creating MiniCluster Job", Namespace=ns, Name=name, Size=mc["spec"]["size"])
        elif not deleting(job):
            self._resize(mc, job)
        self._status(mc)

    def _resize(self, mc: dict, job: dict) -> None:
        ns, name = key(mc)
        size = int(mc["spec"]["size"])
        parallelism = int(job["spec"].get("parallelism") or 0)
        if size == parallelism:
            return
        maximum = int((mc.get("status") or {}).get("maximumSize") or mf.max_size(mc))
        self.oplog.info("MiniCluster", Size=parallelism, **{"Requested Size": size})
        if size > maximum:
            # The real operator rewrites the request to the maximum rather than refusing it.
            self.oplog.info("MiniCluster", PatchSize=size, Status="Denied")
            self.store.update("miniclusters", ns, name, lambda o: o["spec"].__setitem__("size", maximum))
            return

        def scale(o: dict) -> None:
            o["spec"]["parallelism"] = size
            o["spec"]["completions"] = size

        self.store.update("jobs", ns, name, scale)
        self.store.update("miniclusters", ns, name, lambda o: o.setdefault("status", {}).__setitem__("size", size))
        self.oplog.info("MiniCluster", PatchSize=size, Status="Allowed")

    def _status(self, mc: dict) -> None:
        ns, name = key(mc)

        def fill(o: dict) -> None:
            status = o.setdefault("status", {})
            status.setdefault("size", 0)
            status["selector"] = f"hpa-selector={name}"
            status.setdefault("maximumSize", mf.max_size(o))
            status.setdefault("jobid", "")
            if not status.get("conditions"):
                status["conditions"] = [{
                    "type": "JobMiniClusterReady",
                    "status": "True",
                    "reason": "JobMiniClusterReady",
                    "message": "The MiniCluster is ready",
                    "lastTransitionTime": rfc3339(time.time()),
                    "observedGeneration": o["metadata"].get("generation", 1),
                }]

        self.store.update("miniclusters", ns, name, fill)


class JobController:
    """Keeps one pod per completion index of each Indexed Job; scaling down removes the highest."""

    def __init__(self, store: Store, seen: Seen, names: mf.Names | None = None) -> None:
        self.store = store
        self.seen = seen
        self.names = names or mf.Names()
        self.recorder = EventRecorder(store, "job-controller")

    def reconcile(self) -> None:
        pods_by_owner: dict[str, list[dict]] = {}
        for p in self.store.list("pods"):
            for ref in p["metadata"].get("ownerReferences") or []:
                pods_by_owner.setdefault(ref["uid"], []).append(p)
        for job in self.store.list("jobs"):
            if deleting(job):
                continue
            try:
                self._reconcile_job(job, pods_by_owner.get(uid(job), []))
            except ApiError as exc:
                log.debug("job %s: %s", key(job), exc.message)

    def _reconcile_job(self, job: dict, pods: list[dict]) -> None:
        ns, _ = key(job)
        want = int(job["spec"].get("parallelism") or 0)
        live: dict[int, dict] = {}
        for p in pods:
            index = int(p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"])
            if deleting(p) or p["status"].get("phase") in ("Failed",):
                continue
            if index >= want:
                self.store.delete("pods", ns, p["metadata"]["name"])
                self.recorder.event(job, NORMAL, "SuccessfulDelete", f"Deleted pod: {p['metadata']['name']}")
                continue
            live[index] = p
        for index in range(want):
            if index not in live:
                created = self.store.create("pods", ns, mf.pod(job, index, self.names.suffix()))
                self.recorder.event(job, NORMAL, "SuccessfulCreate", f"Created pod: {created['metadata']['name']}")
        active = [p for p in live.values() if p["status"].get("phase") in ("Pending", "Running")]
        ready = sum(1 for p in active if _pod_ready(p))

        def status(o: dict) -> None:
            s = o.setdefault("status", {})
            s.setdefault("startTime", rfc3339(time.time()))
            s["active"] = len(active)
            s["ready"] = ready
            s.setdefault("uncountedTerminatedPods", {})
            s.setdefault("terminating", 0)

        self.store.update("jobs", ns, job["metadata"]["name"], status)


def _pod_ready(p: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in p["status"].get("conditions") or [])


class VolumeBinder:
    """Binds Pending PersistentVolumeClaims to a fitting Available PersistentVolume."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def reconcile(self) -> None:
        pvs = self.store.list("persistentvolumes")
        for pv in pvs:
            if not (pv.get("status") or {}).get("phase"):
                self.store.update("persistentvolumes", None, pv["metadata"]["name"],
                                  lambda o: o.setdefault("status", {}).__setitem__("phase", "Available"))
        for pvc in self.store.list("persistentvolumeclaims"):
            if (pvc.get("status") or {}).get("phase") == "Bound" or deleting(pvc):
                continue
            pv = self._match(pvc, self.store.list("persistentvolumes"))
            ns, name = key(pvc)
            if pv is None:
                self.store.update("persistentvolumeclaims", ns, name,
                                  lambda o: o.setdefault("status", {}).__setitem__("phase", "Pending"))
                continue
            claim_ref = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": ns,
                         "name": name, "uid": uid(pvc)}

            # store.update calls these at once; the defaults bind this iteration's claim and volume
            def bind_pv(o: dict, claim_ref: dict = claim_ref) -> None:
                o["spec"]["claimRef"] = claim_ref
                o.setdefault("status", {})["phase"] = "Bound"

            def bind_pvc(o: dict, pv: dict = pv) -> None:
                o["spec"]["volumeName"] = pv["metadata"]["name"]
                o["status"] = {
                    "phase": "Bound",
                    "accessModes": pv["spec"].get("accessModes", []),
                    "capacity": pv["spec"].get("capacity", {}),
                }

            self.store.update("persistentvolumes", None, pv["metadata"]["name"], bind_pv)
            self.store.update("persistentvolumeclaims", ns, name, bind_pvc)

    @staticmethod
    def _match(pvc: dict, pvs: list[dict]) -> dict | None:
        wanted_name = pvc["spec"].get("volumeName")
        wanted_class = pvc["spec"].get("storageClassName")
        modes = set(pvc["spec"].get("accessModes") or [])
        for pv in pvs:
            ref = pv["spec"].get("claimRef")
            if ref and (ref.get("name"), ref.get("namespace")) != key(pvc)[::-1]:
                continue
            if (pv.get("status") or {}).get("phase") == "Bound" and not ref:
                continue
            if wanted_name and pv["metadata"]["name"] != wanted_name:
                continue
            if wanted_class is not None and pv["spec"].get("storageClassName", "") != wanted_class:
                continue
            if not modes <= set(pv["spec"].get("accessModes") or []):
                continue
            if quantity_or_zero(pv["spec"].get("capacity", {}).get("storage", "0")) < quantity_or_zero(
                    (pvc["spec"].get("resources") or {}).get("requests", {}).get("storage", "0")):
                continue
            return pv
        return None


class GarbageCollector:
    """Deletes dependents whose owner is gone, and runs foreground deletion (owner last)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._orphaned: set[str] = set()
        store.add_listener(self._on_event)

    def _on_event(self, event: str, plural: str, obj: dict) -> None:
        if event == "DELETED" and obj.get("_propagation") == "Orphan":
            self._orphaned.add(uid(obj))

    def reconcile(self) -> None:
        owners: dict[str, tuple[str, dict]] = {}
        for plural in OWNER_KINDS:
            for o in self.store.list(plural):
                owners[uid(o)] = (plural, o)
        dependents: dict[str, list[tuple[str, dict]]] = {}
        for plural in DEPENDENT_KINDS:
            for d in self.store.list(plural):
                refs = d["metadata"].get("ownerReferences") or []
                for ref in refs:
                    dependents.setdefault(ref["uid"], []).append((plural, d))
                gone = [r for r in refs if r["uid"] not in owners]
                if not gone:
                    continue
                if all(r["uid"] in self._orphaned for r in gone):
                    self._strip_refs(plural, d, {r["uid"] for r in gone})
                elif not deleting(d):
                    self._delete(plural, d, "Background")
        for plural in FOREGROUND_KINDS:
            for owner in self.store.list(plural):
                if "foregroundDeletion" in (owner["metadata"].get("finalizers") or []):
                    self._finish_foreground(plural, owner, dependents.get(uid(owner), []))

    def _finish_foreground(self, plural: str, owner: dict, children: list[tuple[str, dict]]) -> None:
        """Delete the dependents first; the owner goes when none is left."""
        for child_plural, child in children:
            if not deleting(child):
                self._delete(child_plural, child, "Foreground")
        if not children:
            ns, name = key(owner)
            self.store.update(plural, ns or None, name, _drop_foreground_finalizer)

    def _delete(self, plural: str, obj: dict, propagation: str) -> None:
        ns, name = key(obj)
        try:
            self.store.delete(plural, ns, name, propagation=propagation if plural != "pods" else None)
        except ApiError:
            pass

    def _strip_refs(self, plural: str, obj: dict, uids: set[str]) -> None:
        ns, name = key(obj)

        def strip(o: dict) -> None:
            o["metadata"]["ownerReferences"] = [r for r in o["metadata"].get("ownerReferences") or []
                                                if r["uid"] not in uids]

        self.store.update(plural, ns, name, strip)


def _drop_foreground_finalizer(o: dict) -> None:
    o["metadata"]["finalizers"] = [f for f in o["metadata"].get("finalizers") or [] if f != "foregroundDeletion"]
