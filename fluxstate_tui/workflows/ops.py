"""Pause, resume, dump, scale and the archive: each a short sequence over the broker pod.

A safe dump is `flux queue stop` → `flux queue idle` (running jobs end) → `flux dump` to a temporary
name with the same extension → `mv`: dumping with running jobs fails them after restore. A live
resize covers only 1 ≤ size ≤ status.maximumSize (the operator silently rewrites a larger size to
the maximum). Paths and argv are always quoted (shlex) before they reach the pod's shell.
"""

from __future__ import annotations

import posixpath
import re
import shlex
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..flux import commands as fc
from ..flux.ids import f58_encode, parse_jobid
from ..flux.parse import parse_idle, parse_queue_status
from ..kube import access
from ..kube.broker import Broker
from ..kube.client import KubeClient
from ..kube.errors import KubeError
from ..kube.resources import MiniCluster
from . import assets as fs_assets
from .events import Event, PauseTimeout, Progress, Refused, WorkflowError, quiet
from .job_actions import act_on_jobs
from .locking import locked
from .pod import TAR_FLAG, install, list_versions, remove_stale_temps, shell, split_archive, temp_name
from .scaling import scale as scale

PAUSE_REASON = "paused by fluxstate-tui"
IDLE_SLICE = 5.0       # seconds per `flux queue idle --timeout` call, so progress shows while waiting
DUMP_TIMEOUT = 1800.0  # a dump of a very large queue takes minutes


async def job_ids(broker: Broker) -> set[int]:
    out = (await broker.flux(fc.flux("jobs", "-a", "-A", "-n", "-c", "0", "-o", "{id.dec}"), timeout=300)).stdout
    return {int(x) for x in out.split()}


async def running_jobs(broker: Broker) -> list[str]:
    out = (await broker.flux(fc.flux("jobs", "-A", "-n", "-f", "running", "-c", "0", "-o", "{id.f58}"))).stdout
    return out.split()


async def list_running(kube: KubeClient, mc: MiniCluster) -> list[str]:
    """Ids of the jobs running now (what a stop waits for)."""
    return await running_jobs(Broker(kube, mc))


async def cancel_jobs(kube: KubeClient, mc: MiniCluster, ids: list[str], *,
                      message: str = "canceled by fluxstate-tui") -> str:
    """Cancel exactly these jobs (named by the user's confirmation), never "all running"."""
    if not ids:
        return "no job to cancel"
    result = await act_on_jobs(kube, mc, "cancel", [parse_jobid(i) for i in ids], reason=message,
                               described="the running jobs a stop waits for")
    # A job that ended meanwhile is "inactive" to flux cancel: that one is done anyway.
    errors = [f"{f58_encode(i)}: {m}" for i, m in result.failed.items() if "inactive" not in m]
    if errors:
        raise WorkflowError(f"flux cancel failed: {errors[0]}", step="cancel")
    return f"canceled {len(ids)} job(s) of {mc.name}: {' '.join(ids)}"


async def queue_state(broker: Broker):
    return parse_queue_status((await broker.flux(fc.queue_status())).stdout)


# ---- pause / resume -------------------------------------------------------------------------

@locked("pause")
async def pause(kube: KubeClient, mc: MiniCluster, *, timeout: float = 600, cancel_running: bool = False,
                reason: str = PAUSE_REASON, progress: Progress | None = None) -> str:
    """Stop the queue, then wait until no job runs (`flux queue idle`, looped with a timeout)."""
    emit = progress or quiet
    await access.check(kube, mc.namespace, access.NEEDS["pause"])
    broker = Broker(kube, mc)
    emit(Event("step", "stop the queue", step="stop the queue"))
    await broker.flux(fc.queue_stop(reason))
    emit(Event("step-done", step="stop the queue"))
    emit(Event("step", "wait for running jobs", step="wait for running jobs"))
    # Say at once what the wait is for (the idle loop reports only after its first slice).
    emit(Event("progress", f"{len(await running_jobs(broker))} job(s) running", step="wait for running jobs"))
    pending = await wait_idle(broker, timeout, emit)
    if pending is None:
        running = await running_jobs(broker)
        if not cancel_running:
            shown = ", ".join(running[:8]) + (" ..." if len(running) > 8 else "")
            raise PauseTimeout(
                f"{len(running)} job(s) still running after {timeout:g}s ({shown}); the queue stays stopped: "
                "wait longer (--timeout) or cancel them (--cancel-running)", running)
        emit(Event("log", f"canceling {len(running)} running job(s): {' '.join(running)}"))
        await broker.flux(fc.cancel(states="RUN", message="canceled by fluxstate-tui pause"))
        pending = await wait_idle(broker, 120, emit)
        if pending is None:
            raise WorkflowError("jobs are still running 120s after they were canceled; the queue stays stopped",
                                step="wait for running jobs")
    emit(Event("step-done", step="wait for running jobs"))
    result = f"queue of {mc.name} stopped and idle; {pending} pending job(s) wait for it to start again"
    emit(Event("done", result))
    return result


async def wait_idle(broker: Broker, timeout: float, emit: Progress) -> int | None:
    """Pending job count once idle, or None if jobs still run after `timeout` seconds."""
    start = time.monotonic()
    first: int | None = None
    while True:
        left = timeout - (time.monotonic() - start)
        chunk = max(0.1, min(IDLE_SLICE, left))
        result = await broker.flux(fc.queue_idle(chunk), ok=(0, 1), timeout=chunk + 30)
        if result.returncode == 0:
            return parse_idle(result.stdout) if result.stdout.strip() else 0
        if "timeout" not in result.stderr:
            raise WorkflowError(f"flux queue idle failed: {result.stderr.strip() or result.returncode}",
                                step="wait for running jobs")
        running = await running_jobs(broker)
        first = first if first is not None else max(1, len(running))
        elapsed = time.monotonic() - start
        emit(Event("progress", f"{len(running)} job(s) still running, {elapsed:.0f}s elapsed",
                   step="wait for running jobs", fraction=max(0.0, 1 - len(running) / first)))
        if elapsed >= timeout:
            return None


@locked("resume")
async def resume(kube: KubeClient, mc: MiniCluster, *, progress: Progress | None = None) -> str:
    emit = progress or quiet
    await access.check(kube, mc.namespace, access.NEEDS["resume"])
    broker = Broker(kube, mc)
    emit(Event("step", "start the queue", step="start the queue"))
    await broker.flux(fc.queue_start())
    emit(Event("step-done", step="start the queue"))
    result = f"queue of {mc.name} started"
    emit(Event("done", result))
    return result


# ---- dump -----------------------------------------------------------------------------------

@dataclass
class DumpResult:
    path: str
    size: int
    jobs: int
    kept: list[str] = field(default_factory=list)


def require_archive(mc: MiniCluster) -> str:
    if not mc.archive_path:
        raise Refused(f"MiniCluster {mc.name} has no spec.archive.path: there is nowhere to dump to "
                      "(and a new broker would load nothing)")
    norm = posixpath.normpath(mc.archive_path)
    if not mc.archive_path.startswith("/") or norm != mc.archive_path:
        # The operator hands the path to the broker as written, and the kernel resolves `..` through
        # whatever the directories really are: only a plain absolute path means what it says.
        raise Refused(f"archive path {mc.archive_path} of {mc.name} is not a plain absolute path"
                      + (f" (it normalises to {norm})" if mc.archive_path.startswith("/") else "")
                      + ": write spec.archive.path without '.', '..' or '//'")
    volume = mc.archive_volume()
    if volume is None or volume.source == "emptyDir":
        raise Refused(f"archive path {mc.archive_path} is not on a volume of {mc.name}: it would vanish with the pod "
                      "and the new broker could not load it")
    split_archive(mc.archive_path)
    return mc.archive_path


@locked("dump")
async def dump(kube: KubeClient, mc: MiniCluster, *, keep: int = 3, assets: Iterable[str] = (),
               progress: Progress | None = None) -> str:
    _, text = await dump_with_assets(kube, mc, keep=keep, assets=assets, progress=progress)
    (progress or quiet)(Event("done", text))
    return text


async def dump_with_assets(kube: KubeClient, mc: MiniCluster, *, keep: int = 3, assets: Iterable[str] = (),
                           progress: Progress | None = None) -> tuple[DumpResult, str]:
    """What `dump` does (the caller holds the lock): the archive, then the assets; the result and its line."""
    paths = fs_assets.requested(mc, assets)  # refuse bad asset paths before dumping anything
    result = await dump_archive(kube, mc, keep=keep, progress=progress)
    text = f"dumped {result.jobs} job(s) of {mc.name} to {result.path} ({result.size} bytes)"
    if result.kept:
        text += f"; previous archive kept as {result.kept[-1]}"
    if paths:
        emit = progress or quiet
        emit(Event("step", "pack the assets", step="assets"))
        packed = await fs_assets.pack(Broker(kube, mc), mc, paths, result.path, keep=keep, progress=emit)
        emit(Event("step-done", step="assets"))
        if packed.files:
            text += f"; {packed.files} asset file(s) in {packed.path}"
        for path, vol in packed.skipped:
            text += f"; {path} is on volume {vol} already"
    return result, text


async def dump_archive(kube: KubeClient, mc: MiniCluster, *, keep: int = 3,
                       progress: Progress | None = None) -> DumpResult:
    """flux dump to a temporary name, verify it, keep the old archive as a version, rename over."""
    emit = progress or quiet
    archive = require_archive(mc)
    await access.check(kube, mc.namespace, access.NEEDS["dump"])
    broker = Broker(kube, mc)
    emit(Event("step", "check the queue is stopped and idle", step="check"))
    report = await queue_state(broker)
    if not report.all_stopped:
        raise Refused(f"the queue of {mc.name} is not stopped: pause it first (running jobs would come back failed)")
    idle = await broker.flux(fc.queue_idle(0.5), ok=(0, 1))
    if idle.returncode != 0:
        raise Refused(f"jobs are still running in {mc.name}: wait for the pause to finish before dumping")
    ids = await job_ids(broker)
    emit(Event("step-done", step="check"))

    directory, stem, ext = split_archive(archive)
    await remove_stale_temps(broker, directory, stem, emit)
    tmp = temp_name(archive)
    q_tmp = shlex.quote(tmp)
    emit(Event("step", f"flux dump to {tmp}", step="dump"))
    try:
        await broker.flux(fc.dump(tmp), timeout=DUMP_TIMEOUT)
    except KubeError as exc:
        await shell(broker, f"rm -f {q_tmp}")
        raise WorkflowError(f"flux dump failed; {archive} is untouched: {exc.message}", step="dump") from exc
    emit(Event("step-done", step="dump"))

    emit(Event("step", "verify the archive", step="verify"))
    flag = TAR_FLAG[ext]
    rc, out, err = await shell(broker,
                               f"test -s {q_tmp} && stat -c %s {q_tmp} && tar -t{flag}f {q_tmp} | grep '/eventlog$'",
                               timeout=600)
    found = set()
    lines = out.split("\n")
    size = int(lines[0]) if lines and lines[0].strip().isdigit() else 0
    for line in lines[1:]:
        m = re.fullmatch(r"job/([0-9a-f]{4})/([0-9a-f]{4})/([0-9a-f]{4})/([0-9a-f]{4})/eventlog", line.strip())
        if m:
            found.add(parse_jobid(".".join(m.groups())))
    missing = ids - found
    if rc != 0 or size == 0 or missing:
        await shell(broker, f"rm -f {q_tmp}")
        why = (f"{len(missing)} of {len(ids)} jobs are missing from it (e.g. {f58_encode(min(missing))})" if missing
               else f"it is empty or unreadable ({err.strip() or 'tar failed'})")
        raise WorkflowError(f"the new dump did not verify: {why}; {archive} is untouched", step="verify")
    emit(Event("step-done", step="verify"))

    emit(Event("step", f"rename over {archive}", step="rename"))
    kept = await install(broker, tmp, archive, keep, emit, step="rename")
    emit(Event("step-done", step="rename"))
    return DumpResult(archive, size, len(ids), kept)


# ---- archive --------------------------------------------------------------------------------

@dataclass
class ArchiveInfo:
    path: str | None
    exists: bool = False
    size: int | None = None
    mtime: float | None = None
    jobs: int | None = None
    versions: list[str] = field(default_factory=list)
    readable: bool | None = None    # tar can list it; False: not an archive a broker could load

    def to_json(self) -> dict:
        return {"path": self.path, "exists": self.exists, "size": self.size, "mtime": self.mtime, "jobs": self.jobs,
                "readable": self.readable, "versions": self.versions}


async def archive_info(kube: KubeClient, mc: MiniCluster) -> ArchiveInfo:
    if not mc.archive_path:
        return ArchiveInfo(None)
    broker = Broker(kube, mc)
    directory, stem, ext = split_archive(mc.archive_path)
    q = shlex.quote(mc.archive_path)
    job_eventlog = "'^job/[0-9a-f]{4}/[0-9a-f]{4}/[0-9a-f]{4}/[0-9a-f]{4}/eventlog$'"
    # The listing is checked on its own: piped straight into grep, a file tar cannot read looked like
    # an archive with 0 jobs.
    count = f"{{ printf '%s\\n' \"$listing\" | grep -cE {job_eventlog}; true; }}"
    rc, out, _ = await shell(broker, f"stat -c '%s %Y' {q} && {{ listing=$(tar -t{TAR_FLAG[ext]}f {q} 2>/dev/null) "
                                     f"&& {count} || echo unreadable; }}", timeout=600)
    info = ArchiveInfo(mc.archive_path)
    fields = out.split()
    if len(fields) >= 2:
        info.exists, info.size, info.mtime = True, int(fields[0]), float(fields[1])
        info.readable = not (len(fields) > 2 and fields[2] == "unreadable")
        info.jobs = int(fields[2]) if len(fields) > 2 and fields[2].isdigit() else None
    info.versions = await list_versions(broker, directory, stem, ext)
    return info


@locked("archive delete")
async def archive_delete(kube: KubeClient, mc: MiniCluster) -> str:
    archive = require_archive(mc)
    rc, _, err = await shell(Broker(kube, mc), f"test -e {shlex.quote(archive)} && rm -f {shlex.quote(archive)}")
    if rc != 0:
        raise Refused(f"there is no archive at {archive}")
    return f"deleted {archive}: a new broker of {mc.name} will start with an empty queue"


@locked("archive rename")
async def archive_rename(kube: KubeClient, mc: MiniCluster, new: str) -> str:
    archive = require_archive(mc)
    directory = posixpath.dirname(archive)
    target = new if new.startswith("/") else posixpath.join(directory, new)
    if posixpath.normpath(target) == posixpath.normpath(archive):
        raise Refused("the new name is the archive's own name")
    broker = Broker(kube, mc)
    q_old, q_new = shlex.quote(archive), shlex.quote(target)
    rc, _, _ = await shell(broker, f"test -e {q_new}")
    if rc == 0:
        raise Refused(f"{target} already exists: pick another name")
    rc, _, err = await shell(broker, f"test -e {q_old} && mv {q_old} {q_new}")
    if rc != 0:
        raise Refused(f"there is no archive at {archive}" if not err.strip() else f"rename failed: {err.strip()}")
    return f"renamed {archive} to {target}: a new broker of {mc.name} will start with an empty queue"


# ---- scale ----------------------------------------------------------------------------------
# `scale` (imported above) lives in scaling.py: a scale-down first has to deal with the jobs running
# on the ranks that go away, which takes a module of its own.
