"""Why a pending job is not running: every reason, in the order a person has to fix them.

`flux jobs` shows nothing for most of these (a job behind a stopped queue is just `S`), so the
answer is put together from the job, the queue status, the resource list and the node status.
All reasons are returned, not the first: with the queue stopped and a node drained, starting the
queue alone would not run the job, and the person should learn that before, not after.

A disabled queue is not a reason: it refuses new submissions, but jobs already queued still run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .ids import f58_encode
from .model import Job, QueueReport, Resources, order_key
from .nodes import NodeStatus

# Every kind, in the order reasons are listed: the first to fix comes first.
KINDS = ("held", "priority-hold", "dependency", "priority-wait", "queue-stopped", "drained", "down",
         "too-few-nodes", "busy", "fifo", "unknown")
# Kinds that are about the job's own resource request (a job with one of them can head the FIFO).
RESOURCE_KINDS = ("drained", "down", "too-few-nodes", "busy")


@dataclass(frozen=True)
class Reason:
    """One thing that keeps a job from running. `kind` is for programs (which key fixes it), one
    of KINDS; `text` is a sentence for a person, naming the command that fixes it where there is
    one; `short` is a few words for a table cell."""

    kind: str
    text: str
    short: str

    def to_json(self) -> dict:
        return {"kind": self.kind, "text": self.text}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def request_text(job: Job) -> str:
    if job.nnodes:
        return f"{_plural(job.nnodes, 'node')} (exclusive)"
    cores = job.ncores or job.ntasks or 1
    return _plural(cores, "core")


def summary(reasons: Sequence[Reason]) -> str:
    """One line for places that have one line: the first reason (the first thing to fix)."""
    return reasons[0].text if reasons else "about to be scheduled"


def short(reasons: Sequence[Reason]) -> str:
    """Every reason in a few words, for a table cell: `queue stopped, drained: mc-1`."""
    return ", ".join(r.short for r in reasons)


def reasons_for(job: Job, *, queue: QueueReport | None = None, resources: Resources | None = None,
                nodes: NodeStatus | None = None, head: Job | None = None) -> list[Reason]:
    """Every reason `job` waits. `head` is the job at the head of the FIFO queue ahead of it that
    itself waits for resources (None: nothing ahead blocks it)."""
    if not job.pending:
        return []
    out: list[Reason] = []
    if job.urgency == 0:
        release = f"flux job urgency {f58_encode(job.id)} default"
        out.append(Reason("held", f"held (urgency 0): release with `{release}`", "held"))
    elif job.priority == 0:
        out.append(Reason("priority-hold", "priority 0 (priority-hold)", "priority-hold"))
    if job.state == "DEPEND":
        deps = ", ".join(job.dependencies) or "a dependency"
        out.append(Reason("dependency", f"waiting on {deps}",
                          "depends:" + ",".join(job.dependencies) if job.dependencies else "dependency"))
    elif job.state == "PRIORITY":
        out.append(Reason("priority-wait", "waiting for a priority (priority-wait)", "priority-wait"))
    q = _queue_of(job, queue) if queue is not None else None
    if q is not None and not q.started:
        name = f"queue {q.name}" if q.name else "queue"
        text = f"{name} stopped" + (f": {q.stop_reason}" if q.stop_reason else "") + " (flux queue start)"
        out.append(Reason("queue-stopped", text, f"{name} stopped"))
    own = _resource_reasons(job, resources, nodes)
    out += own
    if not own and head is not None and head.id != job.id:
        out.append(Reason("fifo", f"behind {f58_encode(head.id)} ({request_text(head)}) at the head of the FIFO "
                                  "queue, which waits for resources", f"behind {f58_encode(head.id)}"))
    if not out and resources is None:
        out.append(Reason("unknown", "waiting for resources", "waiting for resources"))
    return out


def _resource_reasons(job: Job, resources: Resources | None, nodes: NodeStatus | None) -> list[Reason]:
    if resources is None:
        return []
    if job.nnodes:
        unit, need = "node", job.nnodes
        total, down, free = resources.nodes_total, resources.nodes_down, resources.nodes_idle
    else:
        unit, need = "core", job.ncores or job.ntasks or 1
        total, down, free = resources.cores_total, resources.cores_down, resources.cores_free
    up = total - down
    why_down = nodes.counts_text() if nodes is not None else ""
    if need > up:
        return _not_up(need, unit, up, total, resources, nodes)
    if need > free:
        note = f", {why_down}" if why_down else (f", {resources.nodes_down} down" if resources.nodes_down else "")
        return [Reason("busy", f"waiting for resources: needs {_plural(need, unit)}, {free} free{note}",
                       "waiting for resources")]
    return []


def _not_up(need: int, unit: str, up: int, total: int, resources: Resources,
            nodes: NodeStatus | None) -> list[Reason]:
    """The job needs more than is up: say which nodes are not, and why (drained and offline have different fixes)."""
    head = f"needs {_plural(need, unit)}, only {up} up"
    out = []
    if nodes is not None and nodes.drained:
        where = "; ".join(g.describe() for g in nodes.drained)
        out.append(Reason("drained", f"{head}: {where}; undrain with `flux resource undrain {nodes.drained_ranks()}`",
                          "drained: " + ",".join(g.nodelist for g in nodes.drained)))
    if nodes is not None and (nodes.offline or nodes.other):
        groups = nodes.offline + nodes.other
        them = "it is" if sum(g.nnodes for g in groups) == 1 else "they are"
        out.append(Reason("down", f"{head}: " + "; ".join(g.describe() for g in groups)
                          + f"; the job can start once {them} back online",
                          ("offline: " if nodes.offline else "down: ") + ",".join(g.nodelist for g in groups)))
    if not out and up < total:
        # Node status unknown (or read a moment apart from the resource list): all we know is "down".
        note = f", {resources.nodes_down} down" if resources.nodes_down else ""
        tail = ": it runs when nodes come back (or cancel it)" if unit == "node" else ""
        out.append(Reason("down", f"{head}{note}{tail}", "nodes down"))
    if need > total:
        out.append(Reason("too-few-nodes", f"needs {_plural(need, unit)}, the instance has {total}: it runs only "
                                           "in a bigger MiniCluster (or cancel it)", f"too few {unit}s"))
    return out


def _queue_of(job: Job, report: QueueReport):
    if not report.queues:
        return None
    if job.queue:
        for q in report.queues:
            if q.name == job.queue:
                return q
    return report.queues[0] if len(report.queues) == 1 or not job.queue else None


def _heads(job: Job) -> bool:
    """Could this job hold up the ones behind it in the FIFO (it is queued, not held)?"""
    return job.state == "SCHED" and job.urgency != 0 and job.priority != 0


def why_pending(job: Job, *, queue: QueueReport | None = None, resources: Resources | None = None,
                nodes: NodeStatus | None = None, ahead: Sequence[Job] = ()) -> str:
    """One line: the first of the job's reasons. `ahead` are the pending jobs before it in the queue."""
    if not job.pending:
        return ""
    head = next((a for a in ahead if a.id != job.id and _heads(a)
                 and any(r.kind in RESOURCE_KINDS for r in _resource_reasons(a, resources, nodes))), None)
    return summary(reasons_for(job, queue=queue, resources=resources, nodes=nodes, head=head))


def reasons_again(job: Job, before: Sequence[Reason], queue: QueueReport | None, resources: Resources | None,
                  nodes: NodeStatus | None = None) -> list[Reason]:
    """A job's reasons worked out again from a fresh read of it and of the queue, resources and nodes, for a
    screen that does not hold the other pending jobs: the FIFO reason, which needs them, is kept from before."""
    fresh = reasons_for(job, queue=queue, resources=resources, nodes=nodes)
    if job.pending and not any(r.kind in RESOURCE_KINDS for r in fresh):
        fresh += [r for r in before if r.kind == "fifo"]
    return fresh


def reasons_by_job(jobs: Mapping[int, Job], queue: QueueReport | None, resources: Resources | None,
                   nodes: NodeStatus | None = None) -> dict[int, list[Reason]]:
    """Every reason of every pending job, in one pass over the queue in FIFO order (priority
    descending, then id, as flux orders it), so it stays linear at 100,000 pending jobs."""
    pending = sorted((j for j in jobs.values() if j.pending), key=order_key)
    out: dict[int, list[Reason]] = {}
    head: Job | None = None
    for job in pending:
        reasons = reasons_for(job, queue=queue, resources=resources, nodes=nodes, head=head)
        out[job.id] = reasons
        if head is None and _heads(job) and any(r.kind in RESOURCE_KINDS for r in reasons):
            head = job
    return out


def pending_reasons(jobs: Mapping[int, Job], queue: QueueReport | None, resources: Resources | None,
                    nodes: NodeStatus | None = None) -> dict[int, str]:
    """The one-line reason of every pending job."""
    return {i: summary(r) for i, r in reasons_by_job(jobs, queue, resources, nodes).items()}
