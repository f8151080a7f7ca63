"""Recreate a MiniCluster at a new size, carrying its Flux queue through the archive.

preflight → pause → dump → save manifest → delete → wait for teardown → create → wait for Flux →
verify jobs → start queue, then a final check of the live MiniCluster (spec.size, every job id)
before success is reported. Every step is journaled before and after; run again after a crash and it
continues where it stopped. Each wait polls real readiness; there are no fixed sleeps.

The journal says what was done, not what holds now: an API server restored from a backup brings
the deleted MiniCluster back, one that lost its state forgets the new one. So before every step
the world is read again (world.py) and the steps it undid are run again: the old MiniCluster back
→ delete it again (pause and dump it again first if it took new jobs), the new one gone → create it
again, something else under that name → stop. The whole run holds the MiniCluster's lock
(locking.py), so no other workflow changes it meanwhile and no second process continues the journal.

Why this order: the operator restores only at broker start and only if the archive file exists (a
stale file is always loaded); it never dumps by itself; a live dump does not carry the stopped
queue, so the queue is checked and started after restore; a size above maxSize needs a recreate,
and the new MiniCluster may be created only once every old object (CR, Job, ConfigMap, Service,
pods) is gone, or the operator reuses stale ones; the archive must sit on a volume the new broker
pod mounts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from ..flux import commands as fc
from ..flux.ids import f58_encode
from ..kube import access
from ..kube.broker import Broker
from ..kube.client import KubeClient
from ..kube.errors import KubeError, NotFound
from ..kube.resources import MiniCluster, get_minicluster, pod_capacity
from ..limits import MAX_SIZE
from .assets import pack, requested, split_on_volumes, unpack
from .events import Event, Progress, Refused, WorkflowError, quiet
from .journal import Journal
from .locking import locked
from .ops import dump_archive, job_ids, pause, queue_state, require_archive
from .world import (
    MAX_REDO,
    World,
    WorldChanged,
    clean_manifest,
    gone_message,
    resized,
    save_manifest_copy,
)

STEPS = ["preflight", "pause", "dump", "save manifest", "delete", "wait for teardown", "create",
         "wait for Flux", "verify jobs", "start queue"]
# With filesystem assets, pending jobs are held across the restore: a restored queue comes up
# started (a live dump has no queue checkpoint), and they must not run before their files are back.
ASSET_STEPS = ["preflight", "pause", "hold pending jobs", "dump", "save manifest", "delete", "wait for teardown",
               "create", "wait for Flux", "verify jobs", "restore assets", "release held jobs", "start queue"]
BEFORE_DELETE = {"preflight", "pause", "hold pending jobs", "dump", "save manifest"}

__all__ = ["ASSET_STEPS", "STEPS", "clean_manifest", "recreate", "resized"]


def target_of(kube: KubeClient, namespace: str, name: str) -> dict:
    return {"server": kube.server, "context": kube.context, "namespace": namespace, "name": name}


@locked("recreate")
async def recreate(kube: KubeClient, mc: MiniCluster | None = None, *, size: int | None = None,
                   name: str | None = None, namespace: str | None = None, progress: Progress | None = None,
                   pause_timeout: float = 600, cancel_running: bool = False, keep: int = 3,
                   assets: tuple[str, ...] = (), use_annotation: bool = True,
                   journal_root: Path | None = None, max_size: int = MAX_SIZE, force: bool = False,
                   before_step: Callable[[str], Awaitable[None]] | None = None) -> str:
    """Recreate `mc` (or name/namespace, when a half-finished recreate already deleted it) at `size`."""
    emit = progress or quiet
    name = mc.name if mc else name
    namespace = mc.namespace if mc else (namespace or kube.namespace)
    if not name:
        raise Refused("recreate needs a MiniCluster name")
    path = Journal.path_for(kube.server, kube.context, namespace, name, journal_root)
    journal = Journal.load(path, ASSET_STEPS, target_of(kube, namespace, name))
    if journal is not None and not journal.finished:
        if size is not None and size != journal.params["size"]:
            raise Refused(f"an unfinished recreate of {name} at size {journal.params['size']} is in {path}: "
                          f"run it again with --size {journal.params['size']} to finish it first")
        size = journal.params["size"]
        emit(Event("log", f"continuing the recreate of {name} at size {size} from step "
                          f"'{journal.first_open_step()}' (journal {path})"))
    else:
        if size is None:
            raise Refused("recreate needs --size N")
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise Refused(f"size must be a whole number of at least 1, not {size!r}")
        if size > max_size:
            raise Refused(f"size {size} is above the limit {max_size} (the CLI's --max-size raises it)")
        capacity = None if force else await pod_capacity(kube)
        if capacity is not None and size > capacity:
            # Checked before anything is touched: a MiniCluster whose pods cannot all be scheduled would
            # be deleted for a new one that never gets its Flux up.
            raise Refused(f"size {size} is more pods than the cluster's nodes can host ({capacity} allocatable); "
                          "--force tries anyway")
        if mc is None:
            try:
                mc = await get_minicluster(kube, name, namespace)
            except NotFound as exc:
                raise WorkflowError(gone_message(name, namespace, path)) from exc
        asset_paths = requested(mc, assets, use_annotation)
        packable, _ = split_on_volumes(mc, asset_paths)
        journal = Journal.start(path, "recreate", target_of(kube, namespace, name),
                                {"size": size, "old_size": mc.size, "assets": asset_paths},
                                ASSET_STEPS if packable else STEPS)
    steps = list(journal.data["order"])
    emit(Event("plan", f"recreate {name} at size {size}", steps=steps))
    run = Run(kube, journal, name, namespace, size, emit, pause_timeout, cancel_running, keep)
    for step in steps:
        if journal.done(step):
            emit(Event("step-done", f"{step} (done before)", step=step))
    redone = 0
    while True:
        try:
            await run.recheck()
            step = journal.first_open_step()
            if step is None:
                result = await run.verified_result()
                break
            if before_step is not None:
                await before_step(step)
            await run.one(step)
        except WorldChanged as change:
            redone += 1
            emit(Event("log", str(change)))
            if redone > MAX_REDO:
                raise WorkflowError(f"{name} kept changing under the recreate ({change}); stopped: run it again "
                                    f"once it holds still (journal {path})") from None
    journal.finish(result)
    emit(Event("done", result))
    return result


@dataclass
class Run(World):
    """The steps of one recreate, on the World it re-checks before each (world.py)."""

    pause_timeout: float
    cancel_running: bool
    keep: int

    async def mc(self) -> MiniCluster:
        return await get_minicluster(self.kube, self.name, self.namespace)

    async def one(self, step: str) -> None:
        """Run one step, journaled before and after."""
        journal, emit = self.journal, self.emit
        emit(Event("step", step, step=step))
        journal.mark(step, "running")
        try:
            detail = await getattr(self, "step_" + step.replace(" ", "_"))()
        except WorldChanged:
            journal.mark(step, "pending")
            raise
        except (KubeError, WorkflowError) as exc:
            message = exc.message
            if isinstance(exc, NotFound) and exc.kind == "MiniCluster" and step in BEFORE_DELETE:
                message = gone_message(self.name, self.namespace, journal.path, during=step)
            if step == "preflight":
                journal.path.unlink(missing_ok=True)  # nothing was done: nothing to continue later
                journal.manifest_path.unlink(missing_ok=True)
                emit(Event("failed", message, step=step))
                raise Refused(message, step=step) from exc
            journal.mark(step, "failed", message)
            emit(Event("failed", message, step=step))
            if isinstance(exc, WorkflowError):
                raise
            if message != exc.message:
                raise WorkflowError(message, step=step) from exc
            raise WorkflowError(f"{step} failed: {message} — run the recreate again to continue from here "
                                f"(journal {journal.path})", step=step) from exc
        journal.mark(step, "done", detail or "")
        emit(Event("step-done", detail or step, step=step))

    def relay(self, step: str) -> Progress:
        """Pass a sub-workflow's progress on as logs and progress of this step (not its own done/plan)."""
        def forward(event: Event) -> None:
            if event.kind == "progress":
                self.emit(Event("progress", event.message, step=step, fraction=event.fraction))
            elif event.kind in ("step", "log"):
                self.emit(Event("log", event.message, step=step))
        return forward

    async def step_preflight(self) -> str:
        mc = await self.mc()
        require_archive(mc)
        await access.check(self.kube, self.namespace, access.NEEDS["recreate"])
        if mc.deleting:
            raise Refused(f"{mc.name} is being deleted already")
        broker = Broker(self.kube, mc)
        if not await broker.ready():
            raise Refused(f"Flux does not answer in {mc.name}: its queue cannot be paused and dumped")
        self.journal.put("manifest", clean_manifest(mc.raw))
        self.journal.put("old_uid", mc.uid)
        save_manifest_copy(self.journal)  # named by every message about a MiniCluster gone missing
        volume = mc.archive_volume()
        assert volume is not None  # require_archive refused a path on no volume
        return f"archive {mc.archive_path} on volume {volume.name}; size {mc.size} → {self.size}"

    async def step_pause(self) -> str:
        return await pause(self.kube, await self.mc(), timeout=self.pause_timeout, cancel_running=self.cancel_running,
                           progress=self.relay("pause"))

    async def step_hold_pending_jobs(self) -> str:
        broker = Broker(self.kube, await self.mc())
        out = (await broker.flux(fc.flux("jobs", "-A", "-n", "-c", "0", "-f", "pending", "-o",
                                         "{id.dec} {urgency}"))).stdout
        held = dict(self.journal.get("held") or {})
        for line in out.splitlines():
            jid, urgency = line.split()
            if int(urgency) != 0 and jid not in held:
                held[jid] = int(urgency)
                self.journal.put("held", held)  # before the change: a rerun must know to release it
                await broker.flux(fc.flux("job", "urgency", jid, "hold"))
        return f"{len(held)} pending job(s) held until the assets are back"

    async def step_dump(self) -> str:
        mc = await self.mc()
        broker = Broker(self.kube, mc)
        before = set(self.journal.get("job_ids") or [])  # a dump again (the old MiniCluster came back)
        if before:
            lacking = before - await job_ids(broker)
            if lacking:
                raise WorkflowError(f"{mc.name} is back without {len(lacking)} job(s) the first dump holds (its "
                                    f"archive was not loaded?): not dumping over {mc.archive_path}; delete this "
                                    "MiniCluster yourself, then run the recreate again", step="dump")
        result = await dump_archive(self.kube, mc, keep=self.keep, progress=self.relay("dump"))
        ids = await job_ids(broker)
        self.journal.put("job_ids", sorted(ids | before))
        self.journal.put("archive", {"path": result.path, "size": result.size, "jobs": result.jobs})
        text = f"{result.jobs} job(s) in {result.path} ({result.size} bytes), verified"
        paths = self.journal.params.get("assets") or []
        if paths:
            packed = await pack(broker, mc, paths, result.path, keep=self.keep, progress=self.relay("dump"))
            self.journal.put("assets", {"path": packed.path, "files": packed.files, "size": packed.size})
            if packed.files:
                text += f"; {packed.files} asset file(s) in {packed.path}"
        return text

    async def step_restore_assets(self) -> str:
        broker = Broker(self.kube, await self.mc())
        await broker.flux(fc.queue_stop("restoring assets (fluxstate-tui)"))
        return await unpack(broker, self.journal.get("assets", {})["path"], progress=self.relay("restore assets"))

    async def step_release_held_jobs(self) -> str:
        broker = Broker(self.kube, await self.mc())
        held = self.journal.get("held") or {}
        for jid, urgency in held.items():
            await broker.flux(fc.flux("job", "urgency", jid, str(urgency)), ok=(0, 1))
        return f"{len(held)} job(s) released"

    async def step_save_manifest(self) -> str:
        mc = await self.mc()
        self.journal.put("manifest", clean_manifest(mc.raw))
        self.journal.put("old_uid", mc.uid)
        return f"saved to {save_manifest_copy(self.journal)}"

    async def step_delete(self) -> str:
        return await self.delete_old()

    async def step_wait_for_teardown(self) -> str:
        return await self.wait_for_teardown()

    async def step_create(self) -> str:
        return await self.create_new()

    async def step_wait_for_Flux(self) -> str:
        return await self.wait_for_flux()

    async def step_verify_jobs(self) -> str:
        before = set(self.journal.get("job_ids") or [])
        now = await job_ids(Broker(self.kube, await self.mc()))
        missing = before - now
        if missing:
            sample = ", ".join(f58_encode(i) for i in sorted(missing)[:5])
            raise WorkflowError(f"{len(missing)} job(s) from before are missing in the new {self.name} ({sample}); "
                                f"the archive {self.journal.get('archive', {}).get('path')} still holds them",
                                step="verify jobs")
        return f"all {len(before)} job id(s) present"

    async def step_start_queue(self) -> str:
        broker = Broker(self.kube, await self.mc())
        report = await queue_state(broker)
        if report.any_stopped:
            await broker.flux(fc.queue_start())
            return "the queue came back stopped: started it"
        return "the queue is started"
