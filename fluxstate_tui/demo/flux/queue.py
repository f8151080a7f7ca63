"""The queues of the simulated instance: enable/disable, start/stop, what the scheduler sees, listings.

An instance has the anonymous queue until `[queues.NAME]` tables are configured (`flux config reload`
reads them from the broker's config directory, as flux-core does); then it has only those named
queues, which begin life stopped (the anonymous queue begins started), and a job goes to the queue it
names or to `[policy.jobspec.defaults.system] queue`.
"""

from __future__ import annotations

import math

from fluxstate_tui.flux.fsd import fsd, parse_fsd

from .job import (
    CANCELED,
    COMPLETED,
    FAILED,
    SCHED,
    TIMEOUT,
    Job,
)
from .submit import SubmitError

SCHED_QUEUE_DEPTH = 8  # sched-simple "queue-depth=8": alloc requests outstanding at the scheduler


class Queue:
    __slots__ = ("name", "enabled", "disable_reason", "started", "stop_reason", "duration_limit")

    def __init__(self, name: str | None = None, *, started: bool = True, duration_limit: float = math.inf) -> None:
        self.name = name                  # None: the anonymous queue
        self.enabled, self.disable_reason = True, ""
        self.started, self.stop_reason = started, ""
        self.duration_limit = duration_limit


class ConfigError(ValueError):
    """A queue configuration flux would reject (the reload fails, nothing changes)."""


class QueueMixin:
    """Queue state and job listings; part of FluxInstance."""

    anon: Queue
    named: dict[str, Queue]
    default_queue: str | None

    def init_queues(self) -> None:
        self.anon = Queue()
        self.named = {}
        self.default_queue = None

    def queue_list(self) -> list[Queue]:
        """The queues in the order `flux queue status` lists them."""
        return list(self.named.values()) or [self.anon]

    # The instance-wide view `flux uptime` prints: submission and scheduling off only when all queues are.
    @property
    def queue_enabled(self) -> bool:
        return any(q.enabled for q in self.queue_list())

    @property
    def queue_started(self) -> bool:
        return any(q.started for q in self.queue_list())

    @property
    def disable_reason(self) -> str:
        return self.anon.disable_reason

    @property
    def stop_reason(self) -> str:
        return self.anon.stop_reason

    def lookup_queue(self, name: str | None) -> Queue | None:
        if name is None:
            return None if self.named else self.anon
        return self.named.get(name)

    def queue_of(self, job: Job) -> Queue | None:
        return self.named.get(job.queue) if self.named else self.anon

    def set_enabled(self, enabled: bool, reason: str = "", queues: list[Queue] | None = None) -> None:
        for q in queues or self.queue_list():
            q.enabled, q.disable_reason = enabled, ("" if enabled else reason)
        self._changed()

    def set_started(self, started: bool, reason: str = "", queues: list[Queue] | None = None) -> None:
        for q in queues or self.queue_list():
            q.started, q.stop_reason = started, ("" if started else reason)
        self._schedule()
        self._changed()

    def configure_queues(self, config: dict) -> None:
        """Apply a broker configuration's `[queues]` and default queue. Queues that stay keep their state;
        new named queues begin stopped; no `[queues]` brings back the anonymous queue."""
        table = config.get("queues") or {}
        if not isinstance(table, dict) or not all(isinstance(v, dict) for v in table.values()):
            raise ConfigError("queues must be a table of tables")
        default = (((config.get("policy") or {}).get("jobspec") or {}).get("defaults") or {}).get("system", {})
        default_queue = default.get("queue") if isinstance(default, dict) else None
        if default_queue is not None and default_queue not in table:
            raise ConfigError(f"default queue '{default_queue}' is not in queues table")
        named: dict[str, Queue] = {}
        for name, entry in table.items():
            limit = ((entry.get("policy") or {}).get("limits") or {}).get("duration")
            try:
                duration = parse_fsd(str(limit)) if limit is not None else math.inf
            except ValueError as exc:
                raise ConfigError(f"queues.{name}.policy.limits.duration: {exc}") from None
            q = self.named.get(name) or Queue(name, started=False)
            q.duration_limit = duration
            named[name] = q
        if not named and self.named:
            self.anon = Queue()
        self.named, self.default_queue = named, default_queue
        self._schedule()
        self._changed()

    def admit(self, queue: str | None, duration: float) -> str | None:
        """The queue a new job goes to (None: the anonymous queue), or SubmitError as job-ingest refuses it."""
        if not self.named:
            if not self.anon.enabled:
                raise SubmitError(22, f"job submission is disabled: {self.anon.disable_reason}")
            if queue:
                raise SubmitError(22, f"'{queue}' is not a valid queue")
            return None
        name = queue or self.default_queue
        if name is None:
            raise SubmitError(22, "a named queue is required")
        q = self.named.get(name)
        if q is None:
            raise SubmitError(1, f"Invalid queue '{name}' specified")
        if not q.enabled:
            raise SubmitError(22, f"job submission to {name} is disabled: {q.disable_reason}")
        if q.duration_limit != math.inf and (not duration or duration > q.duration_limit):
            asked = fsd(duration) if duration else "unlimited"
            raise SubmitError(22, f"requested duration ({asked}) exceeds policy limit of "
                                      f"{fsd(q.duration_limit)} for queue {name}")
        return name

    def schedulable(self) -> list[Job]:
        """SCHED jobs the scheduler would consider (their queue started), in queue order (priority desc, id asc)."""
        started = {q.name for q in self.queue_list() if q.started}
        if not started:
            return []
        named = bool(self.named)
        jobs = [j for j in self.pending.values() if j.state == SCHED and j.priority
                and (j.queue if named else None) in started]
        jobs.sort(key=lambda j: (-j.priority, j.id))
        return jobs

    def alloc_counts(self) -> tuple[int, int]:
        """(alloc requests queued, alloc requests pending to scheduler) as `flux queue status -v`."""
        n = len(self.schedulable())
        return max(0, n - SCHED_QUEUE_DEPTH), min(n, SCHED_QUEUE_DEPTH)

    def is_idle(self) -> bool:
        return not self.running and self.alloc_counts()[1] == 0

    def is_drained(self) -> bool:
        return not self.pending and not self.running

    def pending_sorted(self) -> list[Job]:
        # DEPEND jobs have no priority yet and sort after held (priority 0) jobs (03-dump-restore.txt)
        return sorted(self.pending.values(), key=lambda j: (-(j.priority if j.priority is not None else -1), j.id))

    def running_sorted(self) -> list[Job]:
        return sorted(self.running.values(), key=lambda j: -j.t_run)

    def stats(self) -> dict[str, int]:
        return {"running": len(self.running), "successful": self.counts[COMPLETED],
                "failed": self.counts[FAILED] + self.counts[CANCELED] + self.counts[TIMEOUT],
                "pending": len(self.pending), "inactive_purged": 0}
