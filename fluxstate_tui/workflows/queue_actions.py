"""Queue actions: start or stop scheduling, enable or disable submission, for one named queue or all.

`flux queue stop` alone does not wait for running jobs (`pause` does, and a dump needs that). With
named queues (`flux queue list` names them) flux wants a queue or `--all`; here no queue means all
of them, the anonymous queue included. Each action holds the MiniCluster's lock like pause and resume
(a queue started in the middle of a recreate would run jobs the dump then misses), checks permissions
and writes an audit line (through @locked). The result carries the queues' state as flux reports it
right after.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from ..flux import commands as fc
from ..flux.model import QueueState
from ..flux.parse import parse_queue_status
from ..kube import access
from ..kube.broker import Broker
from ..kube.client import KubeClient
from ..kube.resources import MiniCluster
from .events import Event, Progress, Refused, quiet
from .locking import locked

QueueAction = Literal["start", "stop", "enable", "disable"]
QUEUE_ACTIONS: tuple[QueueAction, ...] = ("start", "stop", "enable", "disable")


@dataclass
class QueueActionResult:
    action: str
    minicluster: str
    namespace: str
    queue: str | None                 # None: every queue
    reason: str | None
    queues: list[QueueState] = field(default_factory=list)   # every queue's state after the action
    audit_error: str | None = None

    def summary(self) -> str:
        where = f"queue {self.queue}" if self.queue else "every queue" if len(self.queues) > 1 else "the queue"
        done = {"start": "scheduling started", "stop": "scheduling stopped", "enable": "submission enabled",
                "disable": "submission disabled"}[self.action]
        why = f": {self.reason}" if self.reason and self.action in ("stop", "disable") else ""
        return f"{done} on {where} of {self.minicluster}{why}"

    def to_json(self) -> dict:
        return {"action": self.action, "minicluster": self.minicluster, "namespace": self.namespace,
                "queue": self.queue, "reason": self.reason,
                "queues": [{"name": q.name, "enabled": q.enabled, "disableReason": q.disable_reason,
                            "started": q.started, "stopReason": q.stop_reason} for q in self.queues]}


async def queue_names(broker: Broker) -> list[str]:
    """The named queues (default first is not promised); [] when only the anonymous queue exists."""
    out = (await broker.flux(fc.queue_list(), timeout=30)).stdout
    return [name for line in out.splitlines() if (name := line.partition("|")[0].strip())]


async def list_queues(kube: KubeClient, mc: MiniCluster) -> list[QueueState]:
    """Every queue's state now (`flux queue status`): one nameless entry for the anonymous queue."""
    return parse_queue_status((await Broker(kube, mc).flux(fc.queue_status())).stdout).queues


async def _queue_action(kube: KubeClient, mc: MiniCluster, action: QueueAction, queue: str | None,
                        reason: str | None, progress: Progress | None) -> QueueActionResult:
    emit = progress or quiet
    await access.check(kube, mc.namespace, access.NEEDS["queue"])
    broker = Broker(kube, mc)
    if queue is not None:
        names = await queue_names(broker)
        if queue not in names:
            have = f"its queues are {', '.join(names)}" if names else "it has only the anonymous queue"
            raise Refused(f"{mc.name} has no queue named {queue!r}: {have}")
    argv = {"start": lambda: fc.queue_start(queue=queue), "stop": lambda: fc.queue_stop(reason, queue=queue),
            "enable": lambda: fc.queue_enable(queue), "disable": lambda: fc.queue_disable(reason, queue)}[action]()
    emit(Event("step", f"flux queue {action}", step=action))
    await broker.flux(argv)
    result = QueueActionResult(action, mc.name, mc.namespace, queue, reason, await list_queues(kube, mc))
    emit(Event("step-done", step=action))
    emit(Event("done", result.summary()))
    return result


def _workflow(action: QueueAction) -> Callable[..., Awaitable[QueueActionResult]]:
    """The locked workflow of one queue action (its lease and audit line name it: `queue stop`)."""
    async def run(kube: KubeClient, mc: MiniCluster, *, queue: str | None = None, reason: str | None = None,
                  progress: Progress | None = None) -> QueueActionResult:
        return await _queue_action(kube, mc, action, queue, reason if action in ("stop", "disable") else None,
                                   progress)

    run.__name__ = run.__qualname__ = f"queue_{action}"
    return locked(f"queue {action}")(run)


queue_start = _workflow("start")
queue_stop = _workflow("stop")        # running jobs go on; `pause` also waits for them
queue_enable = _workflow("enable")
queue_disable = _workflow("disable")  # queued jobs still run; flux's default reason: `disabled by administrator`
WORKFLOWS = {"start": queue_start, "stop": queue_stop, "enable": queue_enable, "disable": queue_disable}


async def queue_action(kube: KubeClient, mc: MiniCluster, action: QueueAction, *, queue: str | None = None,
                       reason: str | None = None, progress: Progress | None = None) -> QueueActionResult:
    """Start, stop, enable or disable `queue` (None: every queue); `reason` is kept by stop and disable."""
    if action not in WORKFLOWS:
        raise Refused(f"unknown queue action {action!r}")
    return await WORKFLOWS[action](kube, mc, queue=queue, reason=reason, progress=progress)
