"""Recreate a MiniCluster at a new size, carrying its Flux queue through the archive.

preflight → pause → dump → save manifest → delete → wait for teardown → create → wait for Flux →
verify jobs → start queue. Every step is journaled before and after; run again after a crash and it
continues where it stopped. Each wait polls real readiness; there are no fixed sleeps.

Why this order: the operator restores only at broker start and only if the archive file exists (a
stale file is always loaded); it never dumps by itself; a live dump does not carry the stopped
queue, so the queue is checked and started after restore; a size above maxSize needs a recreate,
and the new MiniCluster may be created only once every old object (CR, Job, ConfigMap, Service,
pods) is gone, or the operator reuses stale ones; the archive must sit on a volume the new broker
pod mounts.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import yaml

from ..flux import commands as fc
from ..flux.ids import f58_encode
from ..kube import access
from ..kube.broker import Broker
from ..kube.client import KubeClient
from ..kube.errors import ApiFailure, KubeError, NotFound
from ..kube.resources import GVP, MiniCluster, get_minicluster, minicluster_pods
from ..limits import MAX_SIZE
from .assets import pack, requested, split_on_volumes, unpack
from .events import Event, Progress, Refused, WorkflowError, quiet
from .journal import Journal
from .ops import dump_archive, job_ids, pause, queue_state, require_archive

STEPS = ["preflight", "pause", "dump", "save manifest", "delete", "wait for teardown", "create",
         "wait for Flux", "verify jobs", "start queue"]
# With filesystem assets, pending jobs are held across the restore: a restored queue comes up
# started (a live dump has no queue checkpoint), and they must not run before their files are back.
ASSET_STEPS = ["preflight", "pause", "hold pending jobs", "dump", "save manifest", "delete", "wait for teardown",
               "create", "wait for Flux", "verify jobs", "restore assets", "release held jobs", "start queue"]
TEARDOWN_TIMEOUT = 300.0
START_TIMEOUT = 600.0
POLL = 0.5


def clean_manifest(obj: dict) -> dict:
    """The MiniCluster as a user would apply it: no status, no server-set metadata."""
    meta = obj.get("metadata") or {}
    keep = {k: meta[k] for k in ("name", "namespace", "labels", "annotations") if meta.get(k)}
    return {"apiVersion": obj.get("apiVersion", "flux-framework.org/v1alpha2"), "kind": "MiniCluster",
            "metadata": keep, "spec": copy.deepcopy(obj.get("spec") or {})}


def resized(manifest: dict, size: int) -> dict:
    body = copy.deepcopy(manifest)
    spec = body["spec"]
    old_max = max(int(spec.get("size", 1)), int(spec.get("maxSize") or 0))
    spec["size"] = size
    spec["maxSize"] = max(old_max, size)
    return body


async def recreate(kube: KubeClient, mc: MiniCluster | None = None, *, size: int | None = None,
                   name: str | None = None, namespace: str | None = None, progress: Progress | None = None,
                   pause_timeout: float = 600, cancel_running: bool = False, keep: int = 3,
                   assets: tuple[str, ...] = (), use_annotation: bool = True,
                   journal_root: Path | None = None, max_size: int = MAX_SIZE,
                   before_step: Callable[[str], Awaitable[None]] | None = None) -> str:
    """Recreate `mc` (or name/namespace, when a half-finished recreate already deleted it) at `size`."""
    emit = progress or quiet
    name = mc.name if mc else name
    namespace = mc.namespace if mc else (namespace or kube.namespace)
    if not name:
        raise Refused("recreate needs a MiniCluster name")
    path = Journal.path_for(kube.server, kube.context, namespace, name, journal_root)
    journal = Journal.load(path)
    if journal is not None and not journal.finished and journal.data.get("workflow") == "recreate":
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
        if mc is None:
            mc = await get_minicluster(kube, name, namespace)
        asset_paths = requested(mc, assets, use_annotation)
        packable, _ = split_on_volumes(mc, asset_paths)
        journal = Journal.start(path, "recreate", {"server": kube.server, "context": kube.context,
                                                   "namespace": namespace, "name": name},
                                {"size": size, "old_size": mc.size, "assets": asset_paths},
                                ASSET_STEPS if packable else STEPS)
    steps = list(journal.data["order"])
    emit(Event("plan", f"recreate {name} at size {size}", steps=steps))
    run = Run(kube, journal, name, namespace, size, emit, pause_timeout, cancel_running, keep)
    for step in steps:
        if journal.done(step):
            emit(Event("step-done", f"{step} (done before)", step=step))
            continue
        if before_step is not None:
            await before_step(step)
        emit(Event("step", step, step=step))
        journal.mark(step, "running")
        try:
            detail = await getattr(run, "step_" + step.replace(" ", "_"))()
        except (KubeError, WorkflowError) as exc:
            message = exc.message
            if step == "preflight":
                journal.path.unlink(missing_ok=True)  # nothing was done: nothing to continue later
                emit(Event("failed", message, step=step))
                raise Refused(message, step=step) from exc
            journal.mark(step, "failed", message)
            emit(Event("failed", message, step=step))
            if isinstance(exc, WorkflowError):
                raise
            raise WorkflowError(f"{step} failed: {message} — run the recreate again to continue from here "
                                f"(journal {path})", step=step) from exc
        journal.mark(step, "done", detail or "")
        emit(Event("step-done", detail or step, step=step))
    result = run.report()
    journal.finish(result)
    emit(Event("done", result))
    return result


class Run:
    def __init__(self, kube: KubeClient, journal: Journal, name: str, namespace: str, size: int, emit: Progress,
                 pause_timeout: float, cancel_running: bool, keep: int) -> None:
        self.kube = kube
        self.journal = journal
        self.name = name
        self.namespace = namespace
        self.size = size
        self.emit = emit
        self.pause_timeout = pause_timeout
        self.cancel_running = cancel_running
        self.keep = keep

    async def mc(self) -> MiniCluster:
        return await get_minicluster(self.kube, self.name, self.namespace)

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
        result = await dump_archive(self.kube, mc, keep=self.keep, progress=self.relay("dump"))
        broker = Broker(self.kube, mc)
        ids = await job_ids(broker)
        self.journal.put("job_ids", sorted(ids))
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
        manifest = clean_manifest(mc.raw)
        self.journal.put("manifest", manifest)
        copy_path = self.journal.path.with_suffix(".manifest.yaml")
        copy_path.write_text(yaml.safe_dump(manifest, sort_keys=False))
        return f"saved to {copy_path}"

    async def step_delete(self) -> str:
        try:
            await self.kube.call(self.kube.custom.delete_namespaced_custom_object(
                namespace=self.namespace, name=self.name, propagation_policy="Foreground", **GVP),
                verb="delete", resource="miniclusters", namespace=self.namespace, name=self.name)
        except NotFound:
            return "already gone"
        return "deleting (Foreground)"

    async def step_wait_for_teardown(self) -> str:
        start = time.monotonic()
        while True:
            left = await self.leftovers()
            if not left:
                return f"gone after {time.monotonic() - start:.1f}s"
            self.emit(Event("progress", "waiting for " + ", ".join(left), step="wait for teardown"))
            if time.monotonic() - start > TEARDOWN_TIMEOUT:
                raise WorkflowError(f"{', '.join(left)} still there after {TEARDOWN_TIMEOUT:g}s; the operator would "
                                    "reuse them: wait and run the recreate again", step="wait for teardown")
            await asyncio.sleep(POLL)

    async def leftovers(self) -> list[str]:
        """What of the old MiniCluster still exists: the operator reuses a leftover Job or ConfigMap."""
        kube, ns, name = self.kube, self.namespace, self.name
        left = []
        try:
            await self.mc()
            left.append(f"MiniCluster {name}")
        except NotFound:
            pass
        pods = await kube.call(kube.core.list_namespaced_pod(ns, label_selector=f"hpa-selector={name}"),
                               verb="list", resource="pods", namespace=ns)
        if pods.items:
            left.append(f"{len(pods.items)} pod(s)")
        for what, call in (("Job", lambda: kube.call(self._batch().read_namespaced_job(name, ns), verb="get",
                                                       resource="jobs", namespace=ns, name=name)),
                           ("ConfigMap",
                            lambda: kube.call(kube.core.read_namespaced_config_map(f"{name}-entrypoint", ns),
                                                           verb="get", resource="configmaps", namespace=ns,
                                                           name=f"{name}-entrypoint")),
                           ("Service", lambda: kube.call(kube.core.read_namespaced_service(name, ns), verb="get",
                                                         resource="services", namespace=ns, name=name))):
            try:
                await call()
                left.append(what)
            except NotFound:
                pass
        return left

    def _batch(self):
        from kubernetes.aio import client as aclient

        return aclient.BatchV1Api(self.kube.api)

    async def step_create(self) -> str:
        manifest = self.journal.get("manifest")
        if not manifest:
            raise WorkflowError("the journal has no saved manifest to create from", step="create")
        body = resized(manifest, self.size)
        try:
            await self.kube.call(self.kube.custom.create_namespaced_custom_object(
                namespace=self.namespace, body=body, **GVP),
                verb="create", resource="miniclusters", namespace=self.namespace)
        except ApiFailure as exc:
            if "already exists" not in exc.message:
                raise
            existing = await self.mc()  # created just before a crash, or by someone else
            if existing.size != self.size or existing.deleting:
                raise WorkflowError(f"a different MiniCluster {self.name} exists now (size {existing.size}); "
                                    "delete it, then run the recreate again", step="create") from exc
            return "created before (found it)"
        return f"created at size {self.size} (maxSize {body['spec']['maxSize']})"

    async def step_wait_for_Flux(self) -> str:
        start = time.monotonic()
        while True:
            try:
                mc = await self.mc()
                pods = await minicluster_pods(self.kube, mc)
                running = sum(1 for p in pods if p.running)
                self.emit(Event("progress", f"{running}/{self.size} pods running", step="wait for Flux",
                                fraction=min(1.0, running / self.size)))
                if running and await Broker(self.kube, mc).ready():
                    return f"Flux answers after {time.monotonic() - start:.1f}s"
            except NotFound:
                pass
            if time.monotonic() - start > START_TIMEOUT:
                raise WorkflowError(f"Flux did not answer in the new {self.name} within {START_TIMEOUT:g}s",
                                    step="wait for Flux")
            await asyncio.sleep(POLL)

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

    def report(self) -> str:
        params = self.journal.params
        jobs = len(self.journal.get("job_ids") or [])
        text = (f"recreated {self.name} at size {self.size} (was {params.get('old_size')}); "
                f"{jobs} job(s) carried through {self.journal.get('archive', {}).get('path')}")
        assets = self.journal.get("assets") or {}
        if assets.get("files"):
            text += f"; {assets['files']} asset file(s) restored and verified"
        return text
