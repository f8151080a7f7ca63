"""What a guard does for a protected MiniCluster that was deleted: stop, wait, dump, record.

Under the MiniCluster's lock (`@locked`, so a second guard, or any workflow, waits for it):
read the MiniCluster again (a second guard, or this one restarted after it had written its record,
finds this deletion answered and does nothing) → record `dumping` → stop the queue and wait until no
job runs, up to the idle timeout; jobs still running then are named in the record and canceled (the
pods go with the MiniCluster, so they would die anyway; canceled, they are in the archive with a note
saying why) → disable submission, so no job is accepted that the archive would not hold → dump exactly
as `dump` does (temporary name, verify, version, rename; assets too) → record `ok` with the archive,
the job count and the canceled jobs, and post an Event. A failure records `failed` with the reason
(annotation and Event) and is raised: the caller keeps the finalizer and tries again later.

Killed at any point, the rerun starts over from the MiniCluster's own state: the lock goes stale (at
once on the same machine), the pause finds the queue stopped, and the dump first removes the temporary
file a killed dump left behind (workflows/pod.py `remove_stale_temps`); the archive is only ever
replaced by a verified one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..flux import commands as fc
from ..kube.broker import Broker
from ..kube.client import KubeClient
from ..kube.errors import BrokerNotReady, KubeError
from ..kube.resources import MiniCluster
from ..limits import IDLE_TIMEOUT
from .events import Event, PauseTimeout, Progress, WorkflowError, quiet
from .locking import locked
from .ops import cancel_jobs, dump_with_assets, pause, require_archive, wait_idle
from .protect import answered, new_record, post_event, read_object, read_record, write_record

CANCEL_WAIT = 120.0     # seconds for canceled jobs to end


@dataclass
class GuardOutcome:
    name: str
    text: str
    archive: str | None = None
    jobs: int | None = None
    canceled: list[str] = field(default_factory=list)
    dumped: bool = True      # False: this deletion was answered already (another guard, an earlier run)

    def to_json(self) -> dict:
        return {"minicluster": self.name, "result": self.text, "archive": self.archive, "jobs": self.jobs,
                "canceled": self.canceled, "dumped": self.dumped}


def stop_reason(name: str) -> str:
    return f"MiniCluster {name} is being deleted: fluxstate-tui guard dumps its queue"


@locked("guard dump")
async def guard_dump(kube: KubeClient, mc: MiniCluster, *, idle_timeout: float = IDLE_TIMEOUT, keep: int = 3,
                     progress: Progress | None = None) -> GuardOutcome:
    emit = progress or quiet
    obj = await read_object(kube, mc.namespace, mc.name)
    if obj is None or (obj.get("metadata") or {}).get("uid") != mc.uid:
        return GuardOutcome(mc.name, f"{mc.name} is gone already", dumped=False)
    done = answered(obj)
    if done is not None:
        return GuardOutcome(mc.name, f"{mc.name} was dumped for this deletion already ({done.get('by')}, "
                            f"{done.get('time')}): {done.get('jobs')} job(s) in {done.get('archive')}",
                            archive=done.get("archive"), jobs=done.get("jobs"), dumped=False)
    last = read_record(obj)
    if last is not None and last.get("outcome") == "dumping" and last.get("uid") == mc.uid:
        emit(Event("log", f"a guard dump of {mc.name} started at {last.get('time')} by {last.get('by')} did not "
                          "finish: starting it over (the queue is stopped already; a half-written dump is removed)"))
    fresh = MiniCluster.from_obj(obj)  # the archive path and assets as they are now
    await write_record(kube, obj, new_record(obj, "dumping", archive=fresh.archive_path))
    await post_event(kube, obj, "Normal", "GuardDumping",
                     f"deleted while protected: stopping the queue and dumping it to {fresh.archive_path} "
                     "before the MiniCluster goes")
    canceled: list[str] = []
    try:
        require_archive(fresh)  # before the queue is touched: a refusal says where the dump would go
        await _stop_and_wait(kube, fresh, idle_timeout, emit, canceled)
        result, text = await dump_with_assets(kube, fresh, keep=keep, progress=emit)
    except (WorkflowError, KubeError) as exc:
        why = exc.message
        if isinstance(exc, BrokerNotReady):
            why += (" (its pods went before the MiniCluster: deleted with Foreground propagation or with its "
                    "namespace? Then the queue in them is lost; the last dump, if any, is at "
                    f"{fresh.archive_path or 'no archive path'})")
        record = new_record(obj, "failed", archive=fresh.archive_path, reason=why, running=canceled)
        await write_record(kube, obj, record)
        await post_event(kube, obj, "Warning", "GuardDumpFailed",
                         f"its queue is not dumped, so it is kept (the finalizer stays): {why}; it is tried again; "
                         f"to let it go without a dump: fluxstate-tui guard --release {mc.name}")
        raise
    note = f"; {len(canceled)} job(s) still running after {idle_timeout:g}s were canceled first" if canceled else ""
    await write_record(kube, obj, new_record(obj, "ok", archive=result.path, jobs=result.jobs, running=canceled))
    await post_event(kube, obj, "Normal", "GuardDumped",
                     f"dumped {result.jobs} job(s) to {result.path} (verified){note}; the MiniCluster may go now")
    return GuardOutcome(mc.name, text + note, archive=result.path, jobs=result.jobs, canceled=canceled)


async def _stop_and_wait(kube: KubeClient, mc: MiniCluster, idle_timeout: float, emit: Progress,
                         canceled: list[str]) -> None:
    """Stop the queue and wait until idle; cancel what still runs at the timeout (their ids go into
    `canceled`, for the record even if a later step fails)."""
    try:
        await pause(kube, mc, timeout=idle_timeout, reason=stop_reason(mc.name), progress=emit)
    except PauseTimeout as exc:
        canceled.extend(exc.running)
        emit(Event("log", f"{len(canceled)} job(s) still running after {idle_timeout:g}s: canceling "
                          f"{' '.join(canceled)} so the queue can be dumped (its pods are going anyway)"))
        await cancel_jobs(kube, mc, canceled,
                          message=f"canceled by fluxstate-tui guard: MiniCluster {mc.name} was deleted")
        if await wait_idle(Broker(kube, mc), CANCEL_WAIT, emit) is None:
            raise WorkflowError(f"jobs still run {CANCEL_WAIT:g}s after they were canceled: "
                                f"{' '.join(canceled)}", step="wait for running jobs") from None
    # Submissions after the dump would be lost with the pods: refuse them, saying why.
    await Broker(kube, mc).flux(fc.queue_disable(stop_reason(mc.name)))
