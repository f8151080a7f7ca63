"""The read model shared by the CLI and the TUI: read-only views of MiniClusters, what `ls`, `jobs`
and `status` print and the TUI shows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from .flux.ids import f58_encode
from .flux.model import Job, order_key
from .flux.row_stream import FifoReasons, RowStream, jobs_script
from .flux.snapshot import JobIndex, Snapshot, new_nonce
from .flux.why import Reason, reasons_by_job, summary
from .kube.broker import Broker, last_line
from .kube.client import KubeClient
from .kube.errors import BrokerNotReady, FluxCommandFailed, KubeError
from .kube.protection import guard_status
from .kube.resources import MiniCluster, Pod, get_minicluster, list_miniclusters, minicluster_pods, pick_broker
from .kube.stream_exec import stream_script

CONCURRENCY = 8  # MiniClusters inspected at once by `ls`


@dataclass
class Summary:
    """One MiniCluster as the list shows it."""

    mc: MiniCluster
    pods: list[Pod] = field(default_factory=list)
    broker: str | None = None
    snapshot: Snapshot | None = None
    error: str | None = None

    @property
    def ready_pods(self) -> int:
        return sum(1 for p in self.pods if p.ready and not p.deleting)

    @property
    def flux_ready(self) -> bool:
        return self.snapshot is not None

    def queue_text(self) -> str:
        q = self.snapshot.queue if self.snapshot else None
        if q is None or not q.queues:
            return "-"
        if q.all_stopped:
            reasons = {x.stop_reason for x in q.queues if x.stop_reason}
            return "stopped" + (f": {reasons.pop()}" if len(reasons) == 1 else "")
        if q.any_stopped:
            return "partly stopped"
        if not any(x.enabled for x in q.queues):
            return "started, submit disabled"
        return "started"

    def counts(self) -> tuple[int, int, int] | None:
        s = self.snapshot.stats if self.snapshot else None
        return (s.running, s.pending, s.completed + s.failed) if s else None

    def to_json(self) -> dict:
        mc = self.mc
        snap = self.snapshot
        counts = self.counts()
        archive = snap.archive if snap and snap.archive else None
        q = snap.queue if snap else None
        return {
            "namespace": mc.namespace,
            "name": mc.name,
            "size": mc.size,
            "maxSize": mc.max_size,
            "maximumSize": mc.maximum_size,
            "pods": {"ready": self.ready_pods, "total": len([p for p in self.pods if not p.deleting])},
            "broker": self.broker,
            "fluxReady": self.flux_ready,
            "queue": None if q is None else {
                "state": self.queue_text(),
                "queues": [{"name": x.name, "enabled": x.enabled, "disableReason": x.disable_reason,
                            "started": x.started, "stopReason": x.stop_reason} for x in q.queues],
            },
            "jobs": None if counts is None else {"running": counts[0], "pending": counts[1], "inactive": counts[2]},
            "archive": {
                "path": mc.archive_path,
                "exists": None if archive is None else archive["exists"],
                "size": None if archive is None else archive["size"],
            },
            "error": self.error,
            # null unless protected or guarded; a failed guard dump: {"held": true, "outcome": "failed", "reason": …}
            "guard": guard_status(mc),
        }


async def summarize(kube: KubeClient, mc: MiniCluster) -> Summary:
    summary = Summary(mc)
    try:
        summary.pods = await minicluster_pods(kube, mc)
        broker_pod = pick_broker(summary.pods)
        if broker_pod is None:
            summary.error = "no running broker pod yet" if summary.pods else "no pods yet"
            return summary
        summary.broker = broker_pod.name
        broker = Broker(kube, mc, broker_pod)
        summary.snapshot = await broker.snapshot(sections=("stats", "queue"), archive=mc.archive_path, timeout=20)
    except KubeError as exc:
        summary.error = exc.message
    return summary


async def overview(kube: KubeClient, namespace: str | None) -> list[Summary]:
    """Every MiniCluster in the namespace (None: all namespaces), inspected concurrently."""
    clusters = await list_miniclusters(kube, namespace)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(mc: MiniCluster) -> Summary:
        async with gate:
            return await summarize(kube, mc)

    return list(await asyncio.gather(*(one(mc) for mc in clusters)))


@dataclass
class Listing:
    mc: MiniCluster
    broker: str
    snapshot: Snapshot
    jobs: list[Job]
    reasons: dict[int, list[Reason]]   # every pending job's reasons, the first to fix first

    @property
    def truncated(self) -> bool:
        return self.snapshot.truncated


def job_json(job: Job, reasons: list[Reason] | None = None) -> dict:
    out = {
        "id": job.id,
        "jobid": f58_encode(job.id),
        "user": job.user,
        "name": job.name,
        "state": job.state,
        "status": job.status_abbrev,
        "result": job.result or None,
        "ntasks": job.ntasks,
        "ncores": job.ncores or None,
        "nnodes": job.nnodes,
        "t_submit": job.t_submit or None,
        "t_run": job.t_run or None,
        "t_inactive": job.t_inactive or None,
        "runtime": job.runtime,
        "duration": job.duration,
        "nodelist": job.nodelist or None,
        "queue": job.queue or None,
        "urgency": job.urgency,
        "priority": job.priority,
        "returncode": job.returncode,
        "exception": {"type": job.exception_type, "note": job.exception_note} if job.exception_type else None,
        "dependencies": job.dependencies,
    }
    if job.pending:
        out["reason"] = summary(reasons or [])
        out["reasons"] = [r.to_json() for r in reasons or []]
    return out


async def listing(kube: KubeClient, name: str, namespace: str, *, count: int = 1000,
                  sections: tuple[str, ...] = ("jobs", "stats", "queue", "resources", "nodes")) -> Listing:
    mc = await get_minicluster(kube, name, namespace)
    broker = Broker(kube, mc)
    pod = await broker.pod()
    snap = await broker.snapshot(JobIndex(), sections=sections, count=count)
    if "jobs" in snap.errors and not snap.jobs:
        raise BrokerNotReady(f"flux jobs failed in {pod.name}: {snap.errors['jobs']}")
    index = {j.id: j for j in snap.jobs}
    reasons = reasons_by_job(index, snap.queue, snap.resources, snap.nodes)
    return Listing(mc, pod.name, snap, sorted(snap.jobs, key=order_key), reasons)


async def pending_listing(kube: KubeClient, name: str, namespace: str, *, timeout: float = 60) -> Listing:
    """What `status` shows: every section, and of the jobs only the pending ones (`flux jobs -f pending`),
    so a queue with 100,000 finished jobs is not read to find its three pending ones."""
    mc = await get_minicluster(kube, name, namespace)
    broker = Broker(kube, mc)
    pod = await broker.pod()
    snap = await broker.snapshot(None, filters=("pending",), timeout=timeout)
    if "jobs" in snap.errors and not snap.jobs:
        raise BrokerNotReady(f"flux jobs failed in {pod.name}: {snap.errors['jobs']}")
    reasons = reasons_by_job({j.id: j for j in snap.jobs}, snap.queue, snap.resources, snap.nodes)
    return Listing(mc, pod.name, snap, sorted(snap.jobs, key=order_key), reasons)


# ---- the listing as it arrives (`jobs --json`): never every job at once --------------------------


@dataclass
class JobsHead:
    """What is known when the first job arrives: the sections read before the listing."""

    mc: MiniCluster
    broker: str
    context: Snapshot   # stats, queue, resources, nodes (and their errors), the pod's clock
    count: int          # the -c asked for (0: all)

    def early(self) -> tuple[bool, int] | None:
        """(truncated, total) as `Listing` gives them, if the counts settle them before the listing;
        None if only the number of jobs listed can (the counts failed, or -c N with more than N jobs)."""
        s = self.context.stats
        if s is None:
            return None
        total = s.running + s.pending + s.completed + s.failed
        if not self.count or total <= self.count:
            return False, total
        return None


@dataclass
class JobsTail:
    head: JobsHead
    rows: int                  # jobs listed
    errors: dict[str, str]     # as Snapshot.errors, in its order; "jobs": the listing failed part way

    @property
    def total(self) -> int:
        s = self.head.context.stats
        return (s.running + s.pending + s.completed + s.failed) if s else self.rows

    @property
    def truncated(self) -> bool:
        """Snapshot.truncated: flux jobs stopped at -c while more jobs exist."""
        count = self.head.count
        if not count or self.rows < count:
            return False
        return self.head.context.stats is None or self.total > count


Rows = list[tuple[Job, list[Reason] | None]]  # jobs in `flux jobs` order, each pending one with its reasons


async def stream_jobs(kube: KubeClient, name: str, namespace: str, *, count: int,
                      begin: Callable[[JobsHead], None], rows: Callable[[Rows], None]) -> JobsTail:
    """The listing `listing` gives, handed over batch by batch as it arrives: `begin` once, before the
    first batch; `rows` for each. Flux failing before any job raises, as `listing` does; failing after some
    comes back in errors["jobs"] (those jobs were handed over)."""
    mc = await get_minicluster(kube, name, namespace)
    pod = await Broker(kube, mc).pod()
    nonce = new_nonce()
    stream = RowStream(nonce)
    hand = _Handover(stream, mc, pod.name, count, begin, rows)
    result = await stream_script(kube, mc, pod, jobs_script(nonce, count=count), lambda chunk: hand(stream.feed(chunk)))
    hand(stream.finish())
    head = hand.head
    assert head is not None  # finish() parsed the sections if the listing never began
    if head.context.remote_now is None:  # as Broker.snapshot: the script did not run at all
        raise FluxCommandFailed("jobs script", result.returncode, result.stderr)
    errors = stream.errors()
    if "jobs" in errors and result.stderr:
        errors["jobs"] = last_line(result.stderr)
    elif stream.rc is None:  # the shell was stopped before flux jobs ended: what came may not be all
        errors = {"jobs": f"the listing did not finish (the script exited {result.returncode})", **errors}
    if "jobs" in errors and not stream.rows:
        raise BrokerNotReady(f"flux jobs failed in {pod.name}: {errors['jobs']}")
    return JobsTail(head, stream.rows, errors)


class _Handover:
    """Gives stream_jobs' caller `begin` once the sections before the listing are read, then each batch
    with the pending jobs' reasons."""

    def __init__(self, stream: RowStream, mc: MiniCluster, broker: str, count: int,
                 begin: Callable[[JobsHead], None], rows: Callable[[Rows], None]) -> None:
        self.stream, self.mc, self.broker, self.count = stream, mc, broker, count
        self.begin, self.rows = begin, rows
        self.head: JobsHead | None = None
        self.fifo: FifoReasons | None = None

    def __call__(self, jobs: list[Job]) -> None:
        ctx = self.stream.context
        if self.head is None and ctx is not None:
            self.head = JobsHead(self.mc, self.broker, ctx, self.count)
            self.fifo = FifoReasons(ctx.queue, ctx.resources, ctx.nodes)
            self.begin(self.head)
        if jobs and self.fifo is not None:  # jobs come only once the listing (and so ctx) has begun
            fifo = self.fifo
            self.rows([(job, fifo(job)) for job in jobs])
