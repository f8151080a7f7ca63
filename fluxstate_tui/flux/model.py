"""Typed views of what Flux reports: jobs, queues, resources, uptime, stats, eventlogs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

PENDING_STATES = ("DEPEND", "PRIORITY", "SCHED")
RUNNING_STATES = ("RUN", "CLEANUP")
STATE_ABBREV = {"DEPEND": "D", "PRIORITY": "P", "SCHED": "S", "RUN": "R", "CLEANUP": "C", "INACTIVE": "I"}
RESULT_ABBREV = {"COMPLETED": "CD", "FAILED": "F", "CANCELED": "CA", "TIMEOUT": "TO"}


class Job(NamedTuple):
    """One job as `flux jobs` lists it, immutable. A tuple of plain values because a queue holds 100,000
    of these: a third of the memory of objects with a __dict__ each. (The collector still tracks them:
    CPython untracks only exact tuples, so a full collection walks every job, some 30-50 ms at 100,000.)"""

    id: int
    user: str = ""
    name: str = ""
    state: str = ""            # DEPEND PRIORITY SCHED RUN CLEANUP INACTIVE
    result: str = ""           # COMPLETED FAILED CANCELED TIMEOUT, or "" while active
    ntasks: int = 0
    ncores: int = 0
    nnodes: int | None = None
    t_submit: float = 0.0
    t_run: float = 0.0
    t_inactive: float = 0.0
    duration: float = 0.0      # requested time limit, 0 = none
    nodelist: str = ""
    queue: str = ""
    urgency: int = 16
    priority: int | None = None
    returncode: int | None = None
    exception_type: str = ""
    exception_note: str = ""
    dependencies: tuple[str, ...] = ()
    runtime: float = 0.0

    @property
    def active(self) -> bool:
        return self.state != "INACTIVE"

    @property
    def pending(self) -> bool:
        return self.state in PENDING_STATES

    @property
    def running(self) -> bool:
        return self.state in RUNNING_STATES

    @property
    def held(self) -> bool:
        return self.pending and self.urgency == 0

    @property
    def status_abbrev(self) -> str:
        """The ST column of `flux jobs`: D P S R C while active, CD F CA TO once inactive."""
        if self.state == "INACTIVE":
            return RESULT_ABBREV.get(self.result, "I")
        return STATE_ABBREV.get(self.state, "?")

    def time_at(self, now: float) -> float:
        """The TIME column: runtime once started (ticking while running), the limit while pending."""
        if self.state in RUNNING_STATES and self.t_run:
            return max(0.0, now - self.t_run)
        if self.state == "INACTIVE":
            return self.runtime
        return self.duration


def order_key(job: Job) -> tuple:
    """`flux jobs` order: pending by priority then id (FIFO), running newest first, inactive newest first."""
    if job.pending:
        # A DEPEND job has no priority yet and sorts after held (priority 0) jobs.
        return (0, -(job.priority if job.priority is not None else -1), job.id)
    if job.running:
        return (1, -job.t_run, 0)
    return (2, -job.t_inactive, -job.id)


@dataclass
class JobStats:
    running: int
    completed: int
    failed: int
    pending: int
    inactive_purged: int


@dataclass
class QueueState:
    name: str | None        # None for the anonymous queue
    enabled: bool = True
    disable_reason: str = ""
    started: bool = True
    stop_reason: str = ""


@dataclass
class QueueReport:
    queues: list[QueueState]
    alloc_queued: int | None = None
    alloc_pending: int | None = None
    running: int | None = None

    @property
    def all_stopped(self) -> bool:
        return bool(self.queues) and not any(q.started for q in self.queues)

    @property
    def any_stopped(self) -> bool:
        return any(not q.started for q in self.queues)

    @property
    def named(self) -> bool:
        return any(q.name for q in self.queues)


@dataclass
class ResourceRow:
    state: str                 # free allocated down (or up all)
    nnodes: int
    ncores: int
    ngpus: int = 0
    nodelist: str = ""
    queue: str = ""
    properties: str = ""


class RowSum:
    """An attribute of Resources: `nnodes` or `ncores` summed over the rows of one state."""

    def __init__(self, state: str, attr: str) -> None:
        self.state, self.attr = state, attr

    def __get__(self, resources: Resources, owner: type | None = None) -> int:
        return sum(getattr(r, self.attr) for r in resources.rows if r.state == self.state)


@dataclass
class Resources:
    rows: list[ResourceRow]

    nodes_free = RowSum("free", "nnodes")
    nodes_allocated = RowSum("allocated", "nnodes")
    nodes_down = RowSum("down", "nnodes")
    cores_free = RowSum("free", "ncores")
    cores_allocated = RowSum("allocated", "ncores")
    cores_down = RowSum("down", "ncores")

    def _all(self, attr: str) -> int | None:
        rows = [r for r in self.rows if r.state == "all"]
        return sum(getattr(r, attr) for r in rows) if rows else None

    @property
    def nodes_total(self) -> int:
        """Every node, up or down. A partly used node is in both the free and allocated rows,
        so without an `all` row the total is only an estimate."""
        total = self._all("nnodes")
        return total if total is not None else max(self.nodes_free, self.nodes_allocated) + self.nodes_down

    @property
    def cores_total(self) -> int:
        total = self._all("ncores")
        return total if total is not None else self.cores_free + self.cores_allocated + self.cores_down

    @property
    def nodes_idle(self) -> int:
        """Nodes with nothing allocated and not down: what an exclusive (-N) request can use."""
        return max(0, self.nodes_total - self.nodes_allocated - self.nodes_down)


@dataclass
class Uptime:
    clock: str                 # HH:MM:SS on the broker
    state: str                 # join init quorum run cleanup shutdown finalize
    uptime: str                # FSD, e.g. "1.2m"
    owner: str
    depth: int
    size: int
    drained: int = 0
    offline: int = 0
    submit_disabled: bool = False
    scheduler_stopped: bool = False


@dataclass
class Event:
    timestamp: float
    name: str
    context: dict = field(default_factory=dict)
