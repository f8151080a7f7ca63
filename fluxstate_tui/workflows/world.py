"""What holds now, for a recreate: which MiniCluster lives under the name, and what that means for the
steps the journal marks done.

A journal entry records what this tool did, and the cluster can undo it behind its back: an API
server restored from a backup brings back the MiniCluster the recreate deleted; one that lost its
state forgets the MiniCluster the recreate created. A recreate that trusted its journal then waited
300 s for a teardown that would never come (the delete was "done" and never sent again), or reported
"recreated at size 3" for the old size-2 MiniCluster. So a recreate reads the world before every step
(`World.recheck`) and tells the live MiniCluster apart by uid and by spec:

- "old": the one it is replacing (its uid, or the saved manifest's spec),
- "new": the one it created (its uid, or the resized spec once the create was sent),
- "other": anything else, which it never deletes and never reports as its own.

Success is reported only from the live MiniCluster (`verified_result`): its spec.size and every job id
from before, read after the last step.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..flux.ids import f58_encode, parse_jobid
from ..kube.broker import Broker
from ..kube.client import KubeClient
from ..kube.errors import ApiFailure, KubeError, NotFound
from ..kube.resources import GVP, MiniCluster, get_minicluster, minicluster_pods
from .events import Event, Progress, WorkflowError
from .journal import Journal, manifest_beside
from .ops import job_ids
from .pod import TAR_FLAG, shell, split_archive
from .protect import FINALIZER, is_protected, released_by_recreate, strip_guard_state

TEARDOWN_TIMEOUT = 300.0
START_TIMEOUT = 600.0
POLL = 0.5
LOOK_TIMEOUT = 120.0  # seconds to wait for a broker pod to check the archive through, before a delete
MAX_REDO = 6  # steps run again because the world changed, before the recreate gives up on it
EVENTLOG = re.compile(r"job/([0-9a-f]{4})/([0-9a-f]{4})/([0-9a-f]{4})/([0-9a-f]{4})/eventlog")


class WorldChanged(Exception):
    """The cluster undid what the journal marks done: read it again and go on from there."""


def clean_manifest(obj: dict) -> dict:
    """The MiniCluster as a user would apply it: no status, no server-set metadata."""
    meta = obj.get("metadata") or {}
    keep = {k: meta[k] for k in ("name", "namespace", "labels", "annotations") if meta.get(k)}
    if keep.get("annotations"):  # the old MiniCluster's guard records describe it, not the new one
        keep["annotations"] = strip_guard_state(keep["annotations"]) or None
        keep = {k: v for k, v in keep.items() if v}
    if is_protected(obj):  # protected from its first moment, before any guard has seen it
        keep["finalizers"] = [FINALIZER]
    return {"apiVersion": obj.get("apiVersion", "flux-framework.org/v1alpha2"), "kind": "MiniCluster",
            "metadata": keep, "spec": copy.deepcopy(obj.get("spec") or {})}


def resized(manifest: dict, size: int) -> dict:
    body = copy.deepcopy(manifest)
    spec = body["spec"]
    old_max = max(int(spec.get("size", 1)), int(spec.get("maxSize") or 0))
    spec["size"] = size
    spec["maxSize"] = max(old_max, size)
    return body


def same_spec(mc: MiniCluster, manifest: dict | None) -> bool:
    if not manifest:
        return False
    canon = lambda spec: json.dumps(spec or {}, sort_keys=True)  # noqa: E731
    return canon(mc.raw.get("spec")) == canon(manifest.get("spec"))


def save_manifest_copy(journal: Journal) -> Path:
    """The saved manifest as YAML beside the journal: readable, and left behind if the journal is moved."""
    path = journal.manifest_path
    path.write_text(yaml.safe_dump(journal.get("manifest"), sort_keys=False))
    return path


def gone_message(name: str, namespace: str, journal_path: Path, during: str | None = None) -> str:
    manifest = manifest_beside(journal_path)
    text = f"MiniCluster {name!r} not found in namespace {namespace!r}" + (f" at {during}" if during else "")
    if manifest.is_file():
        text += (f"; its manifest was saved in {manifest}: `fluxstate-tui recreate {name} --from-manifest "
                 f"{manifest}` brings it back (the new broker loads its archive)")
    return text


@dataclass
class World:
    """The MiniCluster a workflow works on, as the journal says it should be, re-checked before each step."""

    kube: KubeClient
    journal: Journal
    name: str
    namespace: str
    size: int
    emit: Progress

    async def find(self) -> MiniCluster | None:
        try:
            return await get_minicluster(self.kube, self.name, self.namespace)
        except NotFound:
            return None

    def identify(self, mc: MiniCluster) -> str:
        j = self.journal
        if mc.uid and mc.uid == j.get("new_uid"):
            return "new"
        if mc.uid and mc.uid == j.get("old_uid"):
            return "old"
        manifest = j.get("manifest")
        if j.status("create") != "pending" and same_spec(mc, resized(manifest, self.size) if manifest else None):
            return "new"
        if same_spec(mc, manifest):
            return "old"
        return "other"

    def other(self, mc: MiniCluster) -> WorkflowError:
        return WorkflowError(f"a MiniCluster {self.name} (size {mc.size}, uid {mc.uid}) exists that is neither the "
                             "one this recreate deleted nor the one it created: it is left alone; delete it or move "
                             f"the journal {self.journal.path} aside, then run the recreate again")

    async def recheck(self) -> None:
        """Before a step: if the cluster undid steps the journal marks done, mark them to run again."""
        j = self.journal
        if j.status("delete") == "pending":
            return  # before the delete the old MiniCluster is meant to be there; each step reads it
        mc = await self.find()
        if mc is None:
            if j.done("create"):
                self.reopen("create", f"the new {self.name} is gone (was the API server reset to an older state?): "
                                      "creating it again")
            return
        kind = self.identify(mc)
        if kind == "new":
            if j.get("new_uid") != mc.uid:
                j.put("new_uid", mc.uid)
            return
        if kind == "other":
            raise self.other(mc)
        if mc.deleting:
            if j.done("wait for teardown"):
                self.reopen("wait for teardown", f"the old {self.name} is still being deleted: waiting for it again")
            return
        if j.done("delete"):
            await self.old_is_back(mc)

    def reopen(self, first: str, why: str) -> None:
        self.journal.reopen(first, why)
        raise WorldChanged(why)

    async def old_is_back(self, mc: MiniCluster) -> None:
        """The deleted MiniCluster exists again. Delete it again; if Flux in it took jobs the dump does not
        hold, pause and dump it again first (the dump keeps every job id from before as well)."""
        self.journal.put("old_uid", mc.uid)
        back = (f"the old {self.name} is back (uid {mc.uid}, size {mc.size}) though the journal says it was "
                "deleted (was the API server restored from a backup?)")
        known = set(self.journal.get("job_ids") or [])
        extra: set[int] = set()
        try:
            broker = Broker(self.kube, mc)
            if await broker.ready():
                extra = await job_ids(broker) - known
        except KubeError:
            pass  # Flux does not answer in it: no job can have reached it
        if extra:
            self.reopen("pause", f"{back}, with {len(extra)} job(s) the dump does not hold: pausing and dumping it "
                                 "again before deleting it")
        self.reopen("delete", f"{back}: deleting it again")

    async def delete_old(self) -> str:
        mc = await self.find()
        if mc is None:
            return "already gone"
        if self.identify(mc) != "old":
            raise self.other(mc)  # never delete what this recreate did not set out to replace
        if mc.deleting:
            # rerun after a kill: a delete this recreate issued (after verifying the archive) may still wait
            # for the guard's finalizer
            released = await self.release_guard(mc) if self.journal.get("old_uid") == mc.uid else None
            return "being deleted already" + (f"; {released}" if released else "")
        await self.archive_holds_the_dump(mc)
        self.journal.put("old_uid", mc.uid)
        # The uid precondition deletes exactly the MiniCluster identified above, not one created meanwhile.
        from kubernetes.aio import client as aclient  # the client loads on first use: start-up speed

        options = aclient.V1DeleteOptions(preconditions=aclient.V1Preconditions(uid=mc.uid))
        try:
            await self.kube.call(self.kube.custom.delete_namespaced_custom_object(
                namespace=self.namespace, name=self.name, propagation_policy="Foreground", body=options, **GVP),
                verb="delete", resource="miniclusters", namespace=self.namespace, name=self.name)
        except NotFound:
            return "already gone"
        except ApiFailure as exc:
            if getattr(exc.__cause__, "status", None) == 409:  # the uid precondition failed: someone replaced it
                raise WorldChanged(f"{self.name} was replaced while it was being deleted") from exc
            raise
        released = await self.release_guard(mc)
        return f"deleting uid {mc.uid} (Foreground)" + (f"; {released}" if released else "")

    async def release_guard(self, mc: MiniCluster) -> str | None:
        """A protected MiniCluster would wait for a guard, which cannot get the lock this recreate holds;
        the recreate dumped and verified the archive itself (archive_holds_the_dump, before the delete)."""
        path = (self.journal.get("archive") or {}).get("path") or mc.archive_path or ""
        return await released_by_recreate(self.kube, mc, path, len(self.journal.get("job_ids") or []))

    async def archive_holds_the_dump(self, mc: MiniCluster) -> None:
        """Once deleted, the MiniCluster's queue exists only in the archive: before the delete (above all
        on a rerun, minutes or days after the dump), check the archive is still there and still holds
        every job the dump wrote. If not, nothing is deleted, and the next run dumps again first."""
        path = (self.journal.get("archive") or {}).get("path") or mc.archive_path or ""
        ids = set(self.journal.get("job_ids") or [])
        broker, start = Broker(self.kube, mc), time.monotonic()
        while True:
            try:
                found = await archive_job_ids(broker, path)
                break
            except KubeError as exc:  # no broker pod to look through yet (one just brought back, say)
                if time.monotonic() - start > LOOK_TIMEOUT:
                    raise WorkflowError(f"cannot check the archive {path} before deleting {self.name} ({exc.message})"
                                        ": nothing is deleted; run the recreate again once its broker runs",
                                        step="delete") from exc
                self.emit(Event("progress", "waiting for a broker pod to check the archive through", step="delete"))
                await asyncio.sleep(POLL)
        if found is not None and ids <= found:
            return
        why = "it is gone or unreadable" if found is None else f"{len(ids - found)} job(s) are missing from it"
        message = (f"the archive {path} no longer holds the dump of {self.name} ({why}): {self.name} is not "
                   "deleted, its queue is the only copy; run the recreate again and it pauses and dumps again first")
        self.journal.reopen("pause", message)
        raise WorkflowError(message, step="delete")

    async def wait_for_teardown(self) -> str:
        start = time.monotonic()
        while True:
            mc = await self.find()
            if mc is not None and not mc.deleting:
                raise WorldChanged(f"{self.name} exists again and is not being deleted")
            left = await self.leftovers(mc)
            if not left:
                return f"gone after {time.monotonic() - start:.1f}s"
            self.emit(Event("progress", "waiting for " + ", ".join(left), step="wait for teardown"))
            if time.monotonic() - start > TEARDOWN_TIMEOUT:
                raise WorkflowError(f"{', '.join(left)} still there after {TEARDOWN_TIMEOUT:g}s; the operator would "
                                    "reuse them: wait and run the recreate again", step="wait for teardown")
            await asyncio.sleep(POLL)

    async def leftovers(self, mc: MiniCluster | None) -> list[str]:
        """What of the old MiniCluster still exists: the operator reuses a leftover Job or ConfigMap."""
        kube, ns, name = self.kube, self.namespace, self.name
        left = [f"MiniCluster {name}"] if mc is not None else []
        pods = await kube.call(kube.core.list_namespaced_pod(ns, label_selector=f"hpa-selector={name}"),
                               verb="list", resource="pods", namespace=ns)
        if pods.items:
            left.append(f"{len(pods.items)} pod(s)")
        from kubernetes.aio import client as aclient  # the client loads on first use: start-up speed

        batch = aclient.BatchV1Api(kube.api)
        checks = (("Job", "jobs", name, lambda: batch.read_namespaced_job(name, ns)),
                  ("ConfigMap", "configmaps", f"{name}-entrypoint",
                   lambda: kube.core.read_namespaced_config_map(f"{name}-entrypoint", ns)),
                  ("Service", "services", name, lambda: kube.core.read_namespaced_service(name, ns)))
        for what, resource, obj_name, read in checks:
            try:
                await kube.call(read(), verb="get", resource=resource, namespace=ns, name=obj_name)
                left.append(what)
            except NotFound:
                pass
        return left

    async def create_new(self) -> str:
        manifest = self.journal.get("manifest")
        if not manifest:
            raise WorkflowError("the journal has no saved manifest to create from", step="create")
        body = resized(manifest, self.size)
        try:
            created = await self.kube.call(self.kube.custom.create_namespaced_custom_object(
                namespace=self.namespace, body=body, **GVP),
                verb="create", resource="miniclusters", namespace=self.namespace)
        except ApiFailure as exc:
            if "already exists" not in exc.message:
                raise
            existing = await self.find()  # created just before a crash, or the old one back
            if existing is None:
                raise WorldChanged(f"{self.name} came and went while it was being created") from exc
            kind = self.identify(existing)
            if kind == "old":
                raise WorldChanged(f"the old {self.name} is there again") from exc
            if kind == "other" or existing.deleting:
                raise self.other(existing) from exc
            self.journal.put("new_uid", existing.uid)
            return "created before (found it)"
        uid = ((created.get("metadata") if isinstance(created, dict) else None) or {}).get("uid")
        if isinstance(uid, str):
            self.journal.put("new_uid", uid)
        return f"created at size {self.size} (maxSize {body['spec']['maxSize']})"

    async def wait_for_flux(self) -> str:
        def ours(mc: MiniCluster | None) -> None:
            if mc is None:
                raise WorldChanged(f"the new {self.name} is gone")
            if self.identify(mc) != "new":
                raise WorldChanged(f"the {self.name} there now is not the one this recreate created")

        return await wait_until_flux(self.kube, self.name, self.namespace, self.size, self.emit, ours)

    async def verified_result(self) -> str:
        """The result line, only from the live MiniCluster: its spec.size and every job id from before."""
        mc = await self.find()
        if mc is None or self.identify(mc) == "old":
            await self.recheck()  # reopens the steps the world undid and raises WorldChanged
            raise WorldChanged(f"{self.name} changed after the last step")
        j, path = self.journal, self.journal.path
        problems = []
        if self.identify(mc) != "new":
            problems.append(f"the live {self.name} (uid {mc.uid}) is not the one this recreate created")
        if mc.size != self.size:
            problems.append(f"its spec.size is {mc.size}, not {self.size} (changed by someone else?)")
        before = set(j.get("job_ids") or [])
        missing = before - await job_ids(Broker(self.kube, mc))
        if missing:
            sample = ", ".join(f58_encode(i) for i in sorted(missing)[:5])
            problems.append(f"{len(missing)} job(s) from before are missing ({sample})")
        archive = (j.get("archive") or {}).get("path")
        if problems:
            raise WorkflowError(f"the recreate of {self.name} did not verify: {'; '.join(problems)}. Nothing is "
                                f"deleted: the archive {archive} and the manifest {j.manifest_path} are kept; fix "
                                f"it, then run the recreate again (journal {path})", step="verify")
        text = (f"recreated {self.name} at size {mc.size} (was {j.params.get('old_size')}); {len(before)} job(s) "
                f"carried through {archive}; verified on the live MiniCluster: spec.size {mc.size}, every job id "
                "present")
        assets = j.get("assets") or {}
        if assets.get("files"):
            text += f"; {assets['files']} asset file(s) restored and verified"
        return text


async def archive_job_ids(broker: Broker, path: str) -> set[int] | None:
    """The job ids an archive holds an eventlog for; None if it is missing or tar cannot list it (a
    KubeError if the broker pod cannot be asked)."""
    try:
        _, _, ext = split_archive(path)
    except WorkflowError:
        return None
    rc, out, _ = await shell(broker, f"tar -t{TAR_FLAG[ext]}f {shlex.quote(path)}", timeout=600)
    if rc != 0:
        return None
    ids = set()
    for line in out.splitlines():
        m = EVENTLOG.fullmatch(line.strip())
        if m:
            ids.add(parse_jobid(".".join(m.groups())))
    return ids


async def wait_until_flux(kube: KubeClient, name: str, namespace: str, size: int, emit: Progress,
                          check: Callable[[MiniCluster | None], None] | None = None,
                          step: str = "wait for Flux") -> str:
    """Poll until the broker of `name` runs and Flux answers; `check(mc or None)` may raise to stop."""
    start = time.monotonic()
    while True:
        try:
            mc = await get_minicluster(kube, name, namespace)
        except NotFound:
            mc = None
        if check is not None:
            check(mc)
        if mc is not None:
            pods = await minicluster_pods(kube, mc)
            running = sum(1 for p in pods if p.running)
            emit(Event("progress", f"{running}/{size} pods running", step=step, fraction=min(1.0, running / size)))
            if running and await Broker(kube, mc).ready():
                return f"Flux answers after {time.monotonic() - start:.1f}s"
        if time.monotonic() - start > START_TIMEOUT:
            raise WorkflowError(f"Flux did not answer in the new {name} within {START_TIMEOUT:g}s", step=step)
        await asyncio.sleep(POLL)
