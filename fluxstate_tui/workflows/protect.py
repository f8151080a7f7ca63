"""A MiniCluster protected against deletes that would throw its queue away.

`fluxstate-tui/protect: "true"` asks for it; the finalizer `fluxstate-tui/guard` makes it hold: a
deleted MiniCluster that carries it stays (with a deletionTimestamp, its pods still running) until a
guard (fluxstate_tui/guard/, `fluxstate-tui guard`) has dumped its queue, and only then is the
finalizer removed. What happened is recorded on the MiniCluster itself, in the annotation
`fluxstate-tui/guard-dump` (one JSON object: time, uid, the deletion it answers, outcome dumping | ok
| failed | released | recreated, archive, jobs, the jobs still running at the idle timeout, reason,
by whom), as a Kubernetes Event, and in the audit log.

The finalizer is removed only three ways, each with a reason on record: a guard's verified dump
(workflows/guard_dump.py), a recreate that dumped and verified the archive before it deleted
(`recreated`), or `release` — a person naming the MiniCluster (`guard --release NAME`).
Every write here is a merge patch carrying the resourceVersion it was computed from: a merge patch
replaces the finalizers list whole, so one made from a stale read would drop someone else's.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast

from ..kube import access
from ..kube.client import KubeClient
from ..kube.errors import KubeError, NotFound
from ..kube.lease import identity
from ..kube.protection import (
    FINALIZER,
    KOPF_PREFIX,
    PROTECT_KEY,
    RECORD_KEY,
    answered,
    finalizers,
    guard_status,
    guard_text,
    holds,
    is_protected,
    meta_of,
    read_record,
    wants_guard,
)
from ..kube.resources import GVP, MiniCluster
from . import audit
from .events import Refused
from .locking import locked

EVENT_SOURCE = "fluxstate-tui-guard"
ATTEMPTS = 5


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_record(obj: dict, outcome: str, **fields: Any) -> dict:
    meta = meta_of(obj)
    return {"time": now_text(), "uid": meta.get("uid"), "deletion": meta.get("deletionTimestamp"),
            "outcome": outcome, "by": identity(), **fields}


async def read_object(kube: KubeClient, namespace: str, name: str) -> dict | None:
    try:
        obj = await kube.call(kube.custom.get_namespaced_custom_object(namespace=namespace, name=name, **GVP),
                              verb="get", resource="miniclusters", namespace=namespace, name=name)
    except NotFound:
        return None
    return cast(dict, obj)


def _conflict(exc: KubeError) -> bool:
    """A 409 Conflict: the resourceVersion the write carried is no longer the object's."""
    # start-up speed: the client loads on connecting, not with the modules the CLI parses with (kube/client.py)
    from kubernetes.aio.client.exceptions import ApiException

    cause = exc.__cause__
    return isinstance(cause, ApiException) and cause.status == 409


async def change(kube: KubeClient, namespace: str, name: str, edit) -> dict | None:
    """Read the MiniCluster, let `edit(obj)` say the metadata to merge (None: nothing to do), and write
    it conditionally on what was read; read again on a conflict. The object as written (None: gone)."""
    for _ in range(ATTEMPTS):
        obj = await read_object(kube, namespace, name)
        if obj is None:
            return None
        metadata = edit(obj)
        if metadata is None:
            return obj
        body = {"metadata": {**metadata, "resourceVersion": meta_of(obj).get("resourceVersion")}}
        try:
            written = await kube.call(kube.custom.patch_namespaced_custom_object(
                namespace=namespace, name=name, body=body, **GVP),
                verb="patch", resource="miniclusters", namespace=namespace, name=name)
            return cast(dict, written)
        except NotFound:
            return None
        except KubeError as exc:
            if not _conflict(exc):
                raise
    raise KubeError(f"MiniCluster {namespace}/{name} kept changing while its guard state was written: try again")


async def write_record(kube: KubeClient, obj: dict, record: dict, *, release: bool = False) -> dict | None:
    """Put the record on the MiniCluster (and, with release, remove the finalizer in the same write)."""
    uid = meta_of(obj).get("uid")

    def edit(fresh: dict) -> dict | None:
        if meta_of(fresh).get("uid") != uid:
            return None  # another MiniCluster of that name: this record is not about it
        metadata: dict[str, Any] = {"annotations": {RECORD_KEY: json.dumps(record, separators=(",", ":"))}}
        if release:
            metadata["finalizers"] = [f for f in finalizers(fresh) if f != FINALIZER]
        return metadata

    return await change(kube, meta_of(obj)["namespace"], meta_of(obj)["name"], edit)


async def post_event(kube: KubeClient, obj: dict, kind: str, reason: str, message: str) -> str | None:
    """A core/v1 Event on the MiniCluster (what `kubectl describe` and `kubectl get events` show); None when
    posted, else why not: an event that cannot be written never stops the guard."""
    # start-up speed: the client loads on connecting, not with the modules the CLI parses with (kube/client.py)
    from kubernetes.aio import client as aclient

    meta = meta_of(obj)
    namespace = str(meta.get("namespace") or "")
    when = datetime.now(UTC)
    event = aclient.CoreV1Event(
        metadata=aclient.V1ObjectMeta(generate_name=f"{meta.get('name')}.", namespace=meta.get("namespace")),
        involved_object=aclient.V1ObjectReference(api_version=obj.get("apiVersion"), kind="MiniCluster",
                                                  name=meta.get("name"), namespace=meta.get("namespace"),
                                                  uid=meta.get("uid"),
                                                  resource_version=meta.get("resourceVersion")),
        reason=reason, message=message[:1000], type=kind, count=1, first_timestamp=when, last_timestamp=when,
        source=aclient.V1EventSource(component=EVENT_SOURCE), reporting_component=EVENT_SOURCE,
        reporting_instance=identity()[:128])
    try:
        await kube.call(kube.core.create_namespaced_event(namespace, event), verb="create", resource="events",
                        namespace=namespace)
    except KubeError as exc:
        return exc.message
    return None


# ---- what people do --------------------------------------------------------------------------

async def set_protected(kube: KubeClient, mc: MiniCluster, on: bool) -> str:
    """Protect the MiniCluster (annotation and finalizer at once, so a delete a moment later already
    waits), or stop protecting it (both removed). The TUI's toggle calls this."""
    entry = audit.AuditEntry("protect" if on else "unprotect", mc.namespace, mc.name, context=kube.context,
                             server=kube.server)
    async with audit.audited(entry) as note:
        await access.check(kube, mc.namespace, access.NEEDS["protect"])

        def edit(obj: dict) -> dict | None:
            if meta_of(obj).get("deletionTimestamp"):
                raise Refused(
                    f"{mc.name} is being deleted: no finalizer can be added now" if on else
                    f"{mc.name} is being deleted and its guard holds it until its queue is dumped; to let it go "
                    f"without a dump: fluxstate-tui guard --release {mc.name}")
            if on and is_protected(obj) and holds(obj):
                return None
            if not on and not is_protected(obj) and not holds(obj):
                return None
            rest = [f for f in finalizers(obj) if f != FINALIZER]
            return {"annotations": {PROTECT_KEY: "true" if on else None},
                    "finalizers": [*rest, FINALIZER] if on else (rest or None)}

        if await change(kube, mc.namespace, mc.name, edit) is None:
            raise NotFound("MiniCluster", mc.name, mc.namespace)
        text = (f"{mc.name} is protected: a delete now waits until a guard (fluxstate-tui guard, or deploy/guard.yaml "
                "in the cluster) has dumped its queue" if on else
                f"{mc.name} is no longer protected: a delete removes it at once")
        audit.settle(note, text)
    return text


@locked("guard release")
async def release(kube: KubeClient, mc: MiniCluster, *, reason: str = "") -> str:
    """Let a deleted MiniCluster go without a dump, on purpose (its queue is lost)."""
    await access.check(kube, mc.namespace, access.NEEDS["protect"])
    obj = await read_object(kube, mc.namespace, mc.name)
    if obj is None or meta_of(obj).get("uid") != mc.uid:
        raise Refused(f"{mc.name} is gone already")
    if not holds(obj):
        raise Refused(f"{mc.name} has no {FINALIZER} finalizer: no guard holds it")
    if not meta_of(obj).get("deletionTimestamp"):
        raise Refused(f"{mc.name} is not being deleted; to stop protecting it: fluxstate-tui protect {mc.name} --off")
    last = read_record(obj) or {}
    why = f"released by {identity()} without a dump" + (f": {reason}" if reason else "")
    await post_event(kube, obj, "Warning", "GuardReleased", f"{why}; its queue is not saved"
                     + (f" (the last dump failed: {last['reason']})" if last.get("reason") else ""))
    await write_record(kube, obj, new_record(obj, "released", reason=why, previous=last.get("reason")), release=True)
    return f"released {mc.name}: its guard no longer holds it and it is deleted now; its queue was not dumped"


async def released_by_recreate(kube: KubeClient, mc: MiniCluster, archive: str, jobs: int) -> str | None:
    """After a recreate's own delete: it dumped and verified the archive under the same lock, so the
    guard's finalizer may go (else the delete would wait for a guard that cannot get the lock)."""
    obj = await read_object(kube, mc.namespace, mc.name)
    if obj is None or meta_of(obj).get("uid") != mc.uid or not holds(obj):
        return None
    record = new_record(obj, "recreated", archive=archive, jobs=jobs)
    await write_record(kube, obj, record, release=True)
    await post_event(kube, obj, "Normal", "GuardReleased",
                     f"deleted by a recreate that dumped {jobs} job(s) to {archive} and verified it")
    return f"released the guard's finalizer: the recreate's own dump ({jobs} job(s) in {archive}) is verified"


def strip_guard_state(annotations_in: dict[str, str]) -> dict[str, str]:
    """A saved manifest keeps `protect` (the new MiniCluster is protected too) but not the old one's
    records or kopf's progress, which describe another object."""
    return {k: v for k, v in annotations_in.items() if k != RECORD_KEY and not k.startswith(KOPF_PREFIX + "/")}


__all__ = ["FINALIZER", "PROTECT_KEY", "RECORD_KEY", "answered", "guard_status", "guard_text", "holds",
           "is_protected", "post_event", "read_record", "release", "released_by_recreate", "set_protected",
           "strip_guard_state", "wants_guard", "write_record"]
