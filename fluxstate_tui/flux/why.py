"""Why a pending job is not running: held, queue stopped or disabled, too few nodes up, a dependency.

`flux jobs` shows nothing for most of these (a job behind a stopped queue is just `S`), so the
answer is put together from the job, the queue status and the resource list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .ids import f58_encode
from .model import Job, QueueReport, Resources, order_key


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def request_text(job: Job) -> str:
    if job.nnodes:
        return f"{_plural(job.nnodes, 'node')} (exclusive)" if job.nnodes else ""
    cores = job.ncores or job.ntasks or 1
    return _plural(cores, "core")


def why_pending(job: Job, *, queue: QueueReport | None = None, resources: Resources | None = None,
                ahead: Sequence[Job] = (), jobs: Mapping[int, Job] = {}) -> str:
    """One line: the first reason, in the order Flux itself would get stuck on them."""
    if not job.pending:
        return ""
    if job.state == "DEPEND":
        deps = ", ".join(job.dependencies) or "a dependency"
        return f"waiting on {deps}"
    if job.urgency == 0:
        return f"held (urgency 0): release with `flux job urgency {f58_encode(job.id)} default`"
    if job.priority == 0:
        return "priority 0 (priority-hold)"
    if job.state == "PRIORITY":
        return "waiting for a priority (priority-wait)"
    if queue is not None:
        q = _queue_of(job, queue)
        if q is not None and not q.started:
            name = f"queue {q.name}" if q.name else "queue"
            return f"{name} stopped" + (f": {q.stop_reason}" if q.stop_reason else "") + " (flux queue start)"
    if resources is None:
        return "waiting for resources"
    down = resources.nodes_down
    down_note = f", {down} down" if down else ""
    if job.nnodes:
        up = resources.nodes_total - down
        if job.nnodes > up:
            return (f"needs {_plural(job.nnodes, 'node')}, only {up} up{down_note}: "
                    "it runs when nodes come back (or cancel it)")
        idle = resources.nodes_idle
        if job.nnodes > idle:
            return f"waiting for resources: needs {_plural(job.nnodes, 'node')}, {idle} free{down_note}"
    else:
        cores = job.ncores or job.ntasks or 1
        up_cores = resources.cores_total - resources.cores_down
        if cores > up_cores:
            return f"needs {_plural(cores, 'core')}, only {up_cores} up{down_note}"
        if cores > resources.cores_free:
            return f"waiting for resources: needs {_plural(cores, 'core')}, {resources.cores_free} free{down_note}"
    blockers = [a for a in ahead if a.id != job.id and a.state == "SCHED" and a.urgency != 0]
    if blockers:
        head = blockers[0]
        return (f"behind {f58_encode(head.id)} ({request_text(head)}) at the head of the FIFO queue, "
                "which waits for resources")
    return "about to be scheduled"


def _queue_of(job: Job, report: QueueReport):
    if not report.queues:
        return None
    if job.queue:
        for q in report.queues:
            if q.name == job.queue:
                return q
    return report.queues[0] if len(report.queues) == 1 or not job.queue else None


def pending_reasons(jobs: Mapping[int, Job], queue: QueueReport | None, resources: Resources | None) -> dict[int, str]:
    """A reason for every pending job; FIFO order is priority descending, then id (as flux orders its queue)."""
    pending = sorted((j for j in jobs.values() if j.pending), key=order_key)
    reasons: dict[int, str] = {}
    for i, job in enumerate(pending):
        reasons[job.id] = why_pending(job, queue=queue, resources=resources, ahead=pending[:i], jobs=jobs)
    return reasons
