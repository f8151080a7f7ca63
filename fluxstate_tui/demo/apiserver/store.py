"""The in-memory object store behind the demo API server.

Objects are keyed by (plural, namespace, name); cluster-scoped kinds use namespace "".
Every write bumps one global resourceVersion and emits a watch event to listeners (controllers,
synchronously) and to HTTP watchers (through their event loops, thread-safely).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import random
import re
import string
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import ApiError, field_invalid, field_required
from .leases import default_lease, validate_lease
from .patch import json_patch, merge_patch, strategic_merge_patch
from .resources import RESOURCES, SCALE_PATHS, Resource, resource
from .selectors import make_filter

log = logging.getLogger(__name__)

Listener = Callable[[str, str, dict], None]

HISTORY = 4096  # watch events kept for resuming watches from a resourceVersion

_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")

SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                 "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                 "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
             "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
             "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
               "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
               "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


def _name_errors(res: Resource, name: str) -> list[dict]:
    if res.plural == "namespaces":
        pattern, msg, limit = _LABEL, LABEL_MSG, 63
    elif res.plural == "services":
        pattern, msg, limit = _DNS1035, DNS1035_MSG, 63
    else:
        pattern, msg, limit = _SUBDOMAIN, SUBDOMAIN_MSG, 253
    causes = []
    if len(name) > limit:
        causes.append(field_invalid("metadata.name", name, f"must be no more than {limit} characters"))
    if not pattern.fullmatch(name):
        causes.append(field_invalid("metadata.name", name, msg))
    return causes


@dataclass
class Event:
    rv: int
    type: str
    plural: str
    obj: dict
    old: dict | None = None  # the previous state, for MODIFIED (selector transitions)


class _Watcher:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue = asyncio.Queue()

    def push(self, item: Any) -> None:
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)
        except RuntimeError:  # loop closed
            pass


class Store:
    """In-memory Kubernetes objects. All public methods return deep copies."""

    def __init__(self, now: Callable[[], float] | None = None) -> None:
        self.now: Callable[[], float] = now or time.time
        self.resource_version = 1000
        self.validators: dict[str, Callable[[dict, dict | None], None]] = {}
        self.defaulters: dict[str, Callable[[dict], None]] = {}
        self._objects: dict[str, dict[tuple[str, str], dict]] = {p: {} for p in RESOURCES}
        self._listeners: list[Listener] = []
        self._watchers: list[_Watcher] = []
        self._history: deque[Event] = deque(maxlen=HISTORY)
        self._compacted = 0  # events with rv <= this are no longer kept
        self._pending_propagation: dict[tuple[str, str, str], str] = {}
        self._lock = threading.RLock()
        self.defaulters["leases"] = default_lease
        self.validators["leases"] = validate_lease
        for ns in ("default", "kube-system"):
            self.create("namespaces", None, {"metadata": {"name": ns}})

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def resource(plural: str) -> Resource:
        return resource(plural)

    def _key(self, res: Resource, namespace: str | None, name: str) -> tuple[str, str]:
        return ((namespace or "") if res.namespaced else "", name)

    def _bump(self) -> str:
        self.resource_version += 1
        return str(self.resource_version)

    def _emit(self, type_: str, plural: str, obj: dict, old: dict | None = None,
              propagation: str | None = None) -> None:
        ev = Event(int(obj["metadata"]["resourceVersion"]), type_, plural, copy.deepcopy(obj),
                   copy.deepcopy(old) if old is not None else None)
        if len(self._history) == self._history.maxlen:
            self._compacted = self._history[0].rv
        self._history.append(ev)
        for w in list(self._watchers):
            w.push(ev)
        for fn in list(self._listeners):
            handed = copy.deepcopy(obj)
            if propagation:
                handed["_propagation"] = propagation
            try:
                fn(type_, plural, handed)
            except Exception:  # a broken controller must not break the API
                log.exception("store listener %r failed on %s %s", fn, type_, plural)

    def _namespace_check(self, res: Resource, namespace: str | None) -> None:
        if not res.namespaced:
            return
        if not namespace:
            raise ApiError.bad_request("the server could not find the requested resource: a namespace is required")
        if ("", namespace) not in self._objects["namespaces"]:
            raise ApiError.not_found("namespaces", namespace)

    def _prepare(self, plural: str, obj: dict, old: dict | None) -> None:
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
        causes = _name_errors(res, meta["name"])
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
            return copy.deepcopy(obj)

    def _store_modified(self, res: Resource, old: dict, new: dict, dry_run: bool = False,
                        propagation: str | None = None) -> dict:
        """Common tail of every update: generation bump, RV, finalizer-driven removal, events."""
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
            if res.has_status:
                if "status" in old:
                    new["status"] = copy.deepcopy(old["status"])
                else:
                    new.pop("status", None)
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

    # -- scale subresource ------------------------------------------------------------------

    def scale_of(self, plural: str, obj: dict) -> dict:
        paths = SCALE_PATHS.get(plural)
        if paths is None:
            raise ApiError.unknown_url()

        def dig(path: tuple[str, ...]) -> Any:
            cur: Any = obj
            for p in path:
                cur = cur.get(p) if isinstance(cur, dict) else None
            return cur

        meta = obj["metadata"]
        scale = {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                         if k in meta},
            "spec": {"replicas": int(dig(paths["spec"]) if dig(paths["spec"]) is not None else 1)},
            "status": {"replicas": int(dig(paths["status"]) or 0)},
        }
        selector = dig(paths["selector"])
        if selector:
            scale["status"]["selector"] = selector
        return scale

    def get_scale(self, plural: str, namespace: str | None, name: str) -> dict:
        return self.scale_of(plural, self._get_or_404(plural, namespace, name))

    def replace_scale(self, plural: str, namespace: str | None, name: str, scale: dict, dry_run: bool = False) -> dict:
        res = resource(plural)
        with self._lock:
            old = self._get_or_404(plural, namespace, name)
            rv = (scale.get("metadata") or {}).get("resourceVersion")
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise ApiError.conflict(plural, name)
            replicas = (scale.get("spec") or {}).get("replicas")
            if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
                raise ApiError.invalid("Scale", name, [
                    field_invalid("spec.replicas", replicas, "must be greater than or equal to 0")])
            new = copy.deepcopy(old)
            cur: dict = new
            path = SCALE_PATHS[plural]["spec"]
            for p in path[:-1]:
                cur = cur.setdefault(p, {})
            cur[path[-1]] = replicas
            self._prepare(plural, new, old)
            stored = self._store_modified(res, old, new, dry_run)
            return self.scale_of(plural, stored)

    # -- patch ------------------------------------------------------------------------------

    def patch(self, plural: str, namespace: str | None, name: str, body: Any, patch_type: str,
              subresource: str | None = None, dry_run: bool = False) -> dict:
        """Patch an object (or its `status` / `scale` subresource).

        For patch_type "apply" a missing object is created; the caller can tell from
        `metadata.resourceVersion`/the ADDED event, or use `apply()` which also says so."""
        return self.apply_patch(plural, namespace, name, body, patch_type, subresource, dry_run)[0]

    def apply_patch(self, plural: str, namespace: str | None, name: str, body: Any, patch_type: str,
                    subresource: str | None = None, dry_run: bool = False) -> tuple[dict, bool]:
        """Like patch(); returns (object, created)."""
        res = resource(plural)
        if patch_type not in ("merge", "json", "strategic", "apply"):
            raise ApiError.unsupported_media_type(patch_type)
        if patch_type == "strategic" and res.custom:
            raise ApiError.unsupported_media_type(patch_type)
        with self._lock:
            old = self.get(plural, namespace, name)
            if old is None:
                if patch_type == "apply" and subresource is None:
                    if not isinstance(body, dict):
                        raise ApiError.bad_request("apply patch body must be an object")
                    obj = copy.deepcopy(body)
                    meta = obj.setdefault("metadata", {})
                    if meta.get("name") and meta["name"] != name:
                        raise ApiError.bad_request(f"the name of the object ({meta['name']}) does not match "
                                                   f"the name on the URL ({name})")
                    meta["name"] = name
                    if res.has_status:
                        obj.pop("status", None)
                    return self.create(plural, namespace, obj, dry_run=dry_run), True
                raise ApiError.not_found(plural, name)
            if subresource == "scale":
                base = self.scale_of(plural, old)
            else:
                base = old
            if patch_type == "json":
                patched = json_patch(base, body)
            elif not isinstance(body, dict):
                raise ApiError.bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
            elif patch_type == "strategic":
                patched = strategic_merge_patch(base, body)
            else:
                patched = merge_patch(base, body)
            if not isinstance(patched, dict):
                raise ApiError.bad_request("the patched object is not a JSON object")
            if subresource == "scale":
                return self.replace_scale(plural, namespace, name, patched, dry_run=dry_run), False
            patched.setdefault("metadata", {})
            if not isinstance(patched["metadata"], dict):
                raise ApiError.bad_request("metadata must be an object")
            # A patch's resourceVersion is a precondition only if the patch itself sets it.
            if (not (isinstance(body, dict) and (body.get("metadata") or {}).get("resourceVersion"))
                    and patch_type != "json"):
                patched["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
            if subresource == "status":
                new = copy.deepcopy(old)
                probe = copy.deepcopy(patched)
                self._check_identity(res, old, probe, name)
                if "status" in patched:
                    new["status"] = patched["status"]
                else:
                    new.pop("status", None)
                return self._store_modified(res, old, new, dry_run), False
            if subresource is not None:
                raise ApiError.unknown_url()
            new = patched
            self._check_identity(res, old, new, name)
            if res.has_status:
                if "status" in old:
                    new["status"] = copy.deepcopy(old["status"])
                else:
                    new.pop("status", None)
            self._prepare(plural, new, old)
            if self._same(old, new):
                return copy.deepcopy(old), False
            return self._store_modified(res, old, new, dry_run), False

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

    # -- listeners and watches ----------------------------------------------------------------

    def add_listener(self, fn: Listener) -> None:
        self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def check_watch(self, plural: str, label_selector: str | None = None, field_selector: str | None = None,
                    resource_version: str | None = None) -> None:
        """Raises the ApiError a watch with these parameters would fail with: 400 for bad selectors or
        versions. A too-old version is not raised: the watch answers it with an ERROR 410 event."""
        make_filter(plural, label_selector, field_selector)
        if resource_version in (None, "", "0"):
            return
        try:
            int(resource_version)
        except ValueError:
            raise ApiError.bad_request(f'invalid resource version: "{resource_version}"') from None

    async def watch(self, plural: str, namespace: str | None = None, label_selector: str | None = None,
                    field_selector: str | None = None, resource_version: str | None = None,
                    timeout: float | None = None, stop: asyncio.Event | None = None) -> AsyncIterator[dict]:
        """Yields watch events `{"type": ..., "object": ...}` (dicts ready to serialise).

        resourceVersion unset/"0": synthetic ADDED events for the current objects first. Otherwise
        only events after that version; ApiError 410 if those are no longer kept."""
        res = resource(plural)
        match = make_filter(plural, label_selector, field_selector)

        def in_scope(obj: dict) -> bool:
            if res.namespaced and namespace and obj["metadata"].get("namespace") != namespace:
                return False
            return match(obj)

        watcher = _Watcher(asyncio.get_running_loop())
        with self._lock:
            if resource_version in (None, "", "0"):
                initial = [{"type": "ADDED", "object": o}
                           for o in self.list(plural, namespace, label_selector, field_selector)]
                backlog: list[Event] = []
                last = self.resource_version
            else:
                try:
                    start = int(resource_version)
                except ValueError:
                    raise ApiError.bad_request(f'invalid resource version: "{resource_version}"') from None
                if start < self._compacted:
                    raise ApiError.expired(f"too old resource version: {start} ({self._compacted + 1})")
                initial = []
                backlog = [e for e in self._history if e.rv > start]
                last = start
            self._watchers.append(watcher)
        deadline = None if timeout is None else asyncio.get_running_loop().time() + timeout
        try:
            for ev in initial:
                yield ev
            pending = list(backlog)
            stopper = asyncio.ensure_future(stop.wait()) if stop is not None else None
            try:
                while True:
                    if pending:
                        ev = pending.pop(0)
                    else:
                        remaining = None if deadline is None else deadline - asyncio.get_running_loop().time()
                        if remaining is not None and remaining <= 0:
                            return
                        getter = asyncio.ensure_future(watcher.queue.get())
                        waits = {getter} | ({stopper} if stopper else set())
                        done, _ = await asyncio.wait(waits, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
                        if getter not in done:
                            getter.cancel()
                            return
                        ev = getter.result()
                    if ev.plural != plural or ev.rv <= last:
                        continue
                    last = ev.rv
                    out = self._translate(ev, in_scope)
                    if out is not None:
                        yield out
            finally:
                if stopper is not None:
                    stopper.cancel()
        finally:
            with self._lock:
                if watcher in self._watchers:
                    self._watchers.remove(watcher)

    @staticmethod
    def _translate(ev: Event, in_scope: Callable[[dict], bool]) -> dict | None:
        now_in = in_scope(ev.obj)
        if ev.type == "MODIFIED" and ev.old is not None:
            was_in = in_scope(ev.old)
            if now_in and not was_in:
                return {"type": "ADDED", "object": copy.deepcopy(ev.obj)}
            if was_in and not now_in:
                return {"type": "DELETED", "object": copy.deepcopy(ev.obj)}
        if not now_in:
            return None
        return {"type": ev.type, "object": copy.deepcopy(ev.obj)}
