"""The queue of the simulated instance: enable/disable, start/stop, what the scheduler sees, listings."""

from __future__ import annotations

from .job import (
    CANCELED,
    COMPLETED,
    FAILED,
    SCHED,
    TIMEOUT,
    Job,
)

SCHED_QUEUE_DEPTH = 8  # sched-simple "queue-depth=8": alloc requests outstanding at the scheduler


class QueueMixin:
    """Queue state and job listings; part of FluxInstance."""

    def set_enabled(self, enabled: bool, reason: str = "") -> None:
        self.queue_enabled, self.disable_reason = enabled, ("" if enabled else reason)
        self._changed()

    def set_started(self, started: bool, reason: str = "") -> None:
        self.queue_started, self.stop_reason = started, ("" if started else reason)
        self._schedule()
        self._changed()

    def schedulable(self) -> list[Job]:
        """SCHED jobs the scheduler would consider, in queue order (priority desc, id asc)."""
        jobs = [j for j in self.pending.values() if j.state == SCHED and j.priority]
        jobs.sort(key=lambda j: (-j.priority, j.id))
        return jobs

    def alloc_counts(self) -> tuple[int, int]:
        """(alloc requests queued, alloc requests pending to scheduler) as `flux queue status -v`."""
        if not self.queue_started:
            return 0, 0
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
