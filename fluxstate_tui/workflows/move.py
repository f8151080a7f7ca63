"""Move a MiniCluster's queue to another name, namespace or cluster: pause and dump it, carry the archive
through the Kubernetes API into the destination's volume, create the destination from the source's spec
so its broker restores the archive, verify every job id there, and delete the source only if asked.

preflight → pause → [hold pending jobs] → dump → copy archive → create → wait for Flux → verify jobs
→ [restore assets → release held jobs] → start queue → [delete source]

How the archive gets there before the destination's broker starts. The Flux Operator restores only
at broker start and only if `spec.archive.path` exists in the pod then (flux-operator.md §10 facts 5
and 10); nothing can be put into a broker pod before its entrypoint runs, and a broker started empty
would have to be restarted (and would have taken jobs meanwhile). So the archive is written into the
destination's volume first, by a short-lived helper pod that mounts the same volume (the claim, or
the hostPath) at the same path as the broker will and that only sleeps; the bytes are streamed from
the source broker (`cat`) into the helper (`head -c N`) by two execs (move_copy.py), sha256-checked at
both ends. The helper is deleted, and waited for, before the MiniCluster is created: a
ReadWriteOnce claim is then free for the broker. This needs no storage shared between the clusters,
only storage of the destination's own: a claim the source mounts must exist in the destination
namespace (the move refuses otherwise: creating storage is the user's job). A hostPath is a
directory on a node: on a cluster of one node (the demo, minikube, kind) the broker sees what the
helper wrote; on several nodes the helper and the broker may land on different nodes, so use a
ReadWriteMany claim there.

Journaled like a recreate (journal.py, its own file under journal/move/): killed at any step, the same
command continues. Nothing is deleted before the destination has verified every job id, and the
source's deletion is uid-preconditioned. Both MiniClusters' locks are held throughout. Without
--delete-source the source stays, its queue stopped: its pending jobs now run at the destination and
must not run twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from ..kube import access
from ..kube.broker import Broker
from ..kube.client import KubeClient
from ..kube.errors import ApiFailure, NotFound
from ..kube.resources import GVP, MiniCluster, get_minicluster, pod_capacity
from ..limits import MAX_SIZE
from .assets import requested, split_on_volumes
from .events import Event, Progress, Refused, WorkflowError, quiet
from .journal import Journal, journal_problem, read_json, state_dir
from .locking import hold, locked
from .move_copy import FileSum, copy_file, file_sum, helper_name, helper_pod, pod_volume, start_helper, stop_helper
from .ops import job_ids
from .recreate import Run
from .world import archive_job_ids, resized, wait_until_flux

STEPS = ["preflight", "pause", "dump", "copy archive", "create", "wait for Flux", "verify jobs", "start queue"]
ASSET_STEPS = ["preflight", "pause", "hold pending jobs", "dump", "copy archive", "create", "wait for Flux",
               "verify jobs", "restore assets", "release held jobs", "start queue"]
ALL_STEPS = [*ASSET_STEPS, "delete source"]
MC = ("get", access.MC_GROUP, "miniclusters", "")
POD_VERBS = [(verb, "", "pods", "") for verb in ("create", "get", "delete")]


@dataclass(frozen=True)
class Destination:
    kube: KubeClient
    namespace: str
    name: str

    def __str__(self) -> str:  # the audit line's "to"
        return f"{self.kube.context}/{self.namespace}/{self.name}"

    def target(self) -> dict:
        return {"server": self.kube.server, "context": self.kube.context, "namespace": self.namespace,
                "name": self.name}


def journal_path(kube: KubeClient, namespace: str, name: str, root: Path | None) -> Path:
    return Journal.path_for(kube.server, kube.context, namespace, name, (root or state_dir() / "journal") / "move")


def load_journal(path: Path, source: dict) -> Journal | None:
    """The move journal at `path` (None if there is none), checked as a recreate's is (journal_problem)."""
    try:
        data, how = read_json(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        data, how = None, f"it cannot be read ({exc.strerror or exc})"
    if how is None and not (isinstance(data, dict) and data.get("workflow") == "move"):
        how = "it is not the journal of a move"
    how = how or journal_problem({**data, "workflow": "recreate"}, ALL_STEPS, source)
    if how is None and not isinstance(data["params"].get("to"), dict):
        how = "params.to (the destination) is missing"
    if how:
        raise WorkflowError(f"the move journal {path} is damaged: {how}; move it aside to start afresh "
                            "(the source is deleted only by a move that verified the destination)", step="journal")
    return Journal(path, data)


@locked("move")
async def move(kube: KubeClient, mc: MiniCluster | None = None, *, to: Destination, name: str | None = None,
               namespace: str | None = None, size: int | None = None, assets: tuple[str, ...] = (),
               use_annotation: bool = True, delete_source: bool = False, progress: Progress | None = None,
               pause_timeout: float = 600, cancel_running: bool = False, keep: int = 3,
               journal_root: Path | None = None, max_size: int = MAX_SIZE, force: bool = False,
               before_step: Callable[[str], Awaitable[None]] | None = None) -> str:
    """Move the queue of `mc` (or name/namespace) to `to`; Event-based progress as a recreate's."""
    name, namespace = (mc.name, mc.namespace) if mc else (name, namespace or kube.namespace)
    if not name:
        raise Refused("move needs a MiniCluster name")
    emit = progress or quiet
    if (to.kube.server, to.namespace, to.name) == (kube.server, namespace, name):
        raise Refused(f"the destination is {name} itself: give another name, namespace or context")
    path = journal_path(kube, namespace, name, journal_root)
    source = {"server": kube.server, "context": kube.context, "namespace": namespace, "name": name}
    journal = load_journal(path, source)
    if journal is not None and not journal.finished:
        if journal.params["to"] != to.target():
            was = journal.params["to"]
            raise Refused(f"an unfinished move of {name} to {was['context']}/{was['namespace']}/{was['name']} is in "
                          f"{path}: finish it first (run it again with that --to)")
        if size is not None and size != journal.params["size"]:
            raise Refused(f"the unfinished move of {name} is at size {journal.params['size']}, not {size}")
        if delete_source and "delete source" not in journal.data["order"]:
            journal.data["order"].append("delete source")
            journal.mark("delete source", "pending")
        emit(Event("log", f"continuing the move of {name} from step '{journal.first_open_step()}' (journal {path})"))
    else:
        if mc is None:
            mc = await get_minicluster(kube, name, namespace)
        size = mc.size if size is None else size
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= max_size:
            raise Refused(f"size must be a whole number from 1 to {max_size}, not {size!r}")
        capacity = None if force else await pod_capacity(to.kube)
        if capacity is not None and size > capacity:
            raise Refused(f"size {size} is more pods than the destination's nodes can host ({capacity} allocatable);"
                          " --force tries anyway")
        paths = requested(mc, assets, use_annotation)
        packable, _ = split_on_volumes(mc, paths)
        order = [*(ASSET_STEPS if packable else STEPS), *(["delete source"] if delete_source else [])]
        journal = Journal.start(path, "move", source, {"size": size, "old_size": mc.size, "assets": paths,
                                                       "to": to.target()}, order)
    size = journal.params["size"]
    steps = list(journal.data["order"])
    emit(Event("plan", f"move {name} to {to} at size {size}", steps=steps))
    for step in steps:
        if journal.done(step):
            emit(Event("step-done", f"{step} (done before)", step=step))
    mover = Mover(kube, journal, name, namespace, size, emit, pause_timeout, cancel_running, keep, to)
    async with hold(to.kube, to.namespace, to.name, "move", progress):
        return await mover.run(before_step)


@dataclass
class Mover(Run):
    """A recreate's steps on the source (pause, hold, dump) and, through `there`, on the destination."""

    to: Destination

    def __post_init__(self) -> None:
        self.there = Run(self.to.kube, self.journal, self.to.name, self.to.namespace, self.size, self.emit,
                         self.pause_timeout, self.cancel_running, self.keep)

    async def run(self, before_step: Callable[[str], Awaitable[None]] | None) -> str:
        """Every open step, then the result from the live destination (the journal is finished with it)."""
        while (step := self.journal.first_open_step()) is not None:
            if before_step is not None:
                await before_step(step)
            await self.one(step)
        text = await self.result()
        self.journal.finish(text)
        self.emit(Event("done", text))
        return text

    async def one(self, step: str) -> None:
        try:
            await super().one(step)
        except WorkflowError as exc:
            # A recreate's step failure says "run the recreate again"; here the same journal logic
            # continues a move.
            exc.message = exc.message.replace("run the recreate again", "run the move again")
            exc.args = (exc.message,)
            raise

    # The destination's steps are a recreate's, run on the MiniCluster this move created.
    async def on_destination(self, step: Callable[[], Awaitable[str]]) -> str:
        await self.check_destination()
        return await step()

    async def step_verify_jobs(self) -> str:
        return await self.on_destination(self.there.step_verify_jobs)

    async def step_restore_assets(self) -> str:
        return await self.on_destination(self.there.step_restore_assets)

    async def step_release_held_jobs(self) -> str:
        return await self.on_destination(self.there.step_release_held_jobs)

    async def step_start_queue(self) -> str:
        return await self.on_destination(self.there.step_start_queue)

    async def check_destination(self) -> MiniCluster:
        """The destination is the one this move created; gone → create it again (the journal continues)."""
        try:
            there = await get_minicluster(self.to.kube, self.to.name, self.to.namespace)
        except NotFound:
            there = None
        if there is None or there.deleting:
            self.journal.reopen("create", f"{self.to} is gone: creating it again")
            raise WorkflowError(f"the destination {self.to} is gone; run the move again to create it again",
                                step="create")
        if there.uid != self.journal.get("new_uid"):
            raise WorkflowError(f"a MiniCluster {self.to} (uid {there.uid}) exists that this move did not create: "
                                f"it is left alone (journal {self.journal.path})", step="create")
        return there

    async def step_preflight(self) -> str:
        mc = await self.mc()
        text = await super().step_preflight()
        needs = [MC, access.EXEC, *access.LEASE]
        if "delete source" in self.journal.data["order"]:
            needs.append(("delete", access.MC_GROUP, "miniclusters", ""))
        await access.check(self.kube, self.namespace, needs)
        to = self.to
        try:
            await to.kube.call(to.kube.core.read_namespace(to.namespace), verb="get", resource="namespaces",
                               name=to.namespace)
        except NotFound:
            raise Refused(f"namespace {to.namespace} does not exist at {to.kube.context}: create it first") from None
        await access.check(to.kube, to.namespace, [MC, ("create", access.MC_GROUP, "miniclusters", ""), access.EXEC,
                                                  *POD_VERBS, *access.LEASE])
        try:
            other = await get_minicluster(to.kube, to.name, to.namespace)
            raise Refused(f"a MiniCluster {to} exists already (uid {other.uid}): choose another name")
        except NotFound:
            pass
        for volume, spec in self.spec_volumes(mc).items():
            if spec.get("claimName"):
                claim = spec["claimName"]
                try:
                    await to.kube.call(to.kube.core.read_namespaced_persistent_volume_claim(claim, to.namespace),
                                       verb="get", resource="persistentvolumeclaims", namespace=to.namespace,
                                       name=claim)
                except NotFound:
                    raise Refused(f"namespace {to.namespace} at {to.kube.context} has no PersistentVolumeClaim "
                                  f"{claim}, which {mc.name} mounts at {spec.get('path')} (volume {volume}): "
                                  "create it there first") from None
            elif spec.get("hostPath"):
                self.emit(Event("log", f"volume {volume} is hostPath {spec['hostPath']}: the destination's "
                                       "directory on its node (a helper pod writes the archive there)"))
        return f"{text} → {to}"

    def spec_volumes(self, mc: MiniCluster) -> dict[str, dict]:
        volumes: dict[str, dict] = {}
        for container in (mc.raw.get("spec") or {}).get("containers") or []:
            volumes.update(container.get("volumes") or {})
        return volumes

    async def step_dump(self) -> str:
        text = await super().step_dump()
        broker = Broker(self.kube, await self.mc())
        sums = {}
        for key, entry in (("archive", self.journal.get("archive")), ("assets", self.journal.get("assets"))):
            if entry and (key == "archive" or entry.get("files")):
                found = await file_sum(broker, entry["path"])
                if found is None:
                    raise WorkflowError(f"{entry['path']} is not there after the dump", step="dump")
                sums[entry["path"]] = [found.size, found.sha256]
        self.journal.put("sums", sums)
        return text

    async def step_copy_archive(self) -> str:
        mc = await self.mc()
        volume = mc.archive_volume()
        assert volume is not None and mc.archive_path  # preflight refused an archive on no volume
        body = helper_pod(self.to.name, self.to.namespace, mc.image, pod_volume(self.spec_volumes(mc)[volume.name]),
                          volume.path, volume.name)
        helper = await start_helper(self.to.kube, body, self.emit, "copy archive")
        lines = []
        try:
            for path, (size, digest) in self.journal.get("sums", {}).items():
                lines.append(await copy_file(Broker(self.kube, mc), path, helper, path, FileSum(size, digest),
                                             keep=self.keep, emit=self.relay("copy archive"), step="copy archive"))
        finally:
            await stop_helper(self.to.kube, self.to.namespace, helper_name(self.to.name), self.emit, "copy archive")
        return "; ".join(lines)

    async def step_create(self) -> str:
        to, j = self.to, self.journal
        body = resized(j.get("manifest"), self.size)
        # A guard's finalizer would hold the destination forever where no guard runs.
        body["metadata"] = {**body["metadata"], "name": to.name, "namespace": to.namespace}
        body["metadata"].pop("finalizers", None)
        j.put("create_sent", True)
        try:
            created = await to.kube.call(to.kube.custom.create_namespaced_custom_object(
                namespace=to.namespace, body=body, **GVP), verb="create", resource="miniclusters",
                namespace=to.namespace)
        except ApiFailure as exc:
            if "already exists" not in exc.message:
                raise
            there = await get_minicluster(to.kube, to.name, to.namespace)
            if j.get("new_uid") is None and j.get("create_sent") and there.raw.get("spec") == body["spec"]:
                j.put("new_uid", there.uid)  # created just before a kill, its uid not yet written down
            await self.check_destination()
            return "created before (found it)"
        uid = (created.get("metadata") or {}).get("uid") if isinstance(created, dict) else None
        j.put("new_uid", uid)
        return f"created {to} at size {self.size}"

    async def step_wait_for_Flux(self) -> str:
        uid = self.journal.get("new_uid")

        def ours(mc: MiniCluster | None) -> None:
            if mc is None or mc.uid != uid:
                self.journal.reopen("create", f"{self.to} is gone or replaced while its broker started")
                raise WorkflowError(f"{self.to} is gone or was replaced; run the move again", step="wait for Flux")

        return await wait_until_flux(self.to.kube, self.to.name, self.to.namespace, self.size, self.emit, ours)

    async def step_delete_source(self) -> str:
        """Only after the destination verified every job id (the steps before), and its archive still holds
        them now; the delete names the source's uid, so a MiniCluster created meanwhile is never touched."""
        there = await self.check_destination()
        ids = set(self.journal.get("job_ids") or [])
        archive = there.archive_path or ""
        found = await archive_job_ids(Broker(self.to.kube, there), archive)
        if found is None or not ids <= found:
            raise WorkflowError(f"the archive {archive} at {self.to} does not hold every job of the source: the "
                                "source is not deleted", step="delete source")
        return await self.delete_old()

    async def result(self) -> str:
        there = await self.check_destination()
        j = self.journal
        ids = set(j.get("job_ids") or [])
        missing = ids - await self.there_ids(there)
        if missing or there.size != self.size:
            raise WorkflowError(f"the move to {self.to} did not verify: {len(missing)} job(s) missing, size "
                                f"{there.size}; the source is kept (journal {j.path})", step="verify")
        archive = (j.get("archive") or {}).get("path")
        text = (f"moved {self.name} to {self.to} at size {there.size}: {len(ids)} job(s) carried through {archive} "
                "(sha256 checked at both ends); verified at the destination: every job id present")
        if j.get("assets", {}).get("files"):
            text += f"; {j.get('assets')['files']} asset file(s) restored and verified"
        if "delete source" in j.data["order"]:
            return text + f"; the source {self.namespace}/{self.name} deleted"
        return text + (f"; the source {self.namespace}/{self.name} is kept with its queue stopped (its pending jobs "
                       "now run at the destination)")

    async def there_ids(self, there: MiniCluster) -> set[int]:
        return await job_ids(Broker(self.to.kube, there))


__all__ = ["ALL_STEPS", "ASSET_STEPS", "Destination", "STEPS", "move"]
