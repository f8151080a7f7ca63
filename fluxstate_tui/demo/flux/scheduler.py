"""sched-simple of the simulated instance: feasibility, strict-FIFO allocation, and starting jobs."""

from __future__ import annotations

import asyncio
import math

from .execution import WS_CANCEL, WS_TIMEOUT
from .job import (
    INACTIVE,
    RUN,
    Job,
    resource_summary,
)


class SchedulerMixin:
    """Allocation and job start; part of FluxInstance (execution comes from ExecutionMixin)."""

    def _infeasible(self, job: Job) -> str | None:
        total, cpn, c = self.size, self.cores_per_node, job.cores_per_task
        if job.exclusive:
            if job.req_nodes > total:
                return f"unsatisfiable request: need {job.req_nodes} exclusive node(s), only {total} eligible"
            return None
        if job.req_nodes:
            per = math.ceil(job.ntasks / job.req_nodes) * c
            eligible = total if per <= cpn else 0
            if job.req_nodes > eligible:
                return (f"unsatisfiable request: need {job.req_nodes} node(s) with {per} cores each, "
                        f"only {eligible} eligible")
            return None
        slots = total * (cpn // c)
        if job.ntasks > slots:
            return (f"unsatisfiable request: need {job.ntasks} slot(s) of {c} core(s), only {slots} such slot(s) "
                    f"available (total cores: {total * cpn})")
        return None

    def _try_alloc(self, job: Job) -> list[tuple[int, list[int]]] | None:
        up = [n for n in self.nodes if n.up]
        c = job.cores_per_task
        if job.exclusive:
            free = [n for n in up if len(n.free) == n.ncores]
            if len(free) < job.req_nodes:
                return None
            return [(n.rank, sorted(n.free)) for n in free[: job.req_nodes]]
        if job.req_nodes:
            per = math.ceil(job.ntasks / job.req_nodes) * c
            cands = sorted((n for n in up if len(n.free) >= per), key=lambda n: (-len(n.free), n.rank))
            if len(cands) < job.req_nodes:
                return None
            chosen = sorted(cands[: job.req_nodes], key=lambda n: n.rank)
            return [(n.rank, sorted(n.free)[:per]) for n in chosen]
        # -n slots of c cores: each slot goes to the node with the most free cores (lowest rank on ties),
        # which is how sched-simple spread the jobs of 01-basic.txt
        free = {n.rank: sorted(n.free) for n in up}
        taken: dict[int, list[int]] = {}
        for _ in range(job.ntasks):
            best = None
            for n in up:
                avail = len(free[n.rank])
                if avail >= c and (best is None or avail > len(free[best])):
                    best = n.rank
            if best is None:
                return None
            cores, free[best] = free[best][:c], free[best][c:]
            taken.setdefault(best, []).extend(cores)
        return [(r, sorted(taken[r])) for r in sorted(taken)]

    def _schedule(self) -> None:
        if self._sched_busy:
            self._sched_again = True
            return
        self._sched_busy = True
        try:
            again = True
            while again:
                self._sched_again = False
                if self.queue_started and not self._closed:
                    for job in self.schedulable():
                        err = self._infeasible(job)
                        if err:
                            self.exception(job, "alloc", err)
                            continue
                        alloc = self._try_alloc(job)
                        if alloc is None:
                            break  # strict FIFO: the head of the queue blocks the rest
                        self._start(job, alloc)
                again = self._sched_again
        finally:
            self._sched_busy = False

    def task_ranks(self, job: Job) -> list[int]:
        """Rank of each task: slots in allocation order, tasks spread over the nodes."""
        alloc = job.alloc or []
        if job.exclusive or job.req_nodes:
            n = len(alloc)
            base, extra = divmod(job.ntasks, n) if n else (0, 0)
            out: list[int] = []
            for i, (rank, _cores) in enumerate(alloc):
                out.extend([rank] * (base + (1 if i < extra else 0)))
            return out
        out = []
        for rank, cores in alloc:
            out.extend([rank] * (len(cores) // job.cores_per_task))
        return out[: job.ntasks]

    def _start(self, job: Job, alloc: list[tuple[int, list[int]]]) -> None:
        for rank, cores in alloc:
            self.nodes[rank].free.difference_update(cores)
        job.alloc = alloc
        job.hostnames = [self.hostnames[r] for r, _c in alloc]
        ts = self.now()
        if job.duration > 0:
            job.expiration = ts + job.duration
        job.t_run = self.event(job, "alloc", {"annotations": {"sched": {"resource_summary": resource_summary(alloc)}}},
                               ts)
        job.state = RUN
        self.pending.pop(job.id, None)
        self.running[job.id] = job
        self.exec_event(job, "init")
        self.exec_event(job, "starting")
        if job.duration > 0:
            job.timer = self.clock.call_later(job.duration, self._timeout, job)
        job.task = asyncio.get_running_loop().create_task(self._run_job(job))
        job.task.add_done_callback(lambda task, job=job: self._task_gone(job, task))
        self._dep_check_start(job)

    def _task_gone(self, job: Job, task: asyncio.Task) -> None:
        # A job canceled before its task ever ran: _run_job never saw the CancelledError, so it
        # would stay in CLEANUP forever; real flux finishes it like any other canceled job.
        if task.cancelled() and not self._closed and job.state != INACTIVE and job.waitstatus is None:
            self._finish(job, job.attrs.get("_kill_ws", WS_CANCEL))

    def _dep_check_start(self, job: Job) -> None:
        if any(kind == "after-start" for dj in self._dependents.get(job.id, [])
               for kind, tid, _d in dj.deps_wait if tid == job.id):
            self._dep_check(job)

    def _timeout(self, job: Job) -> None:
        if job.state == RUN:
            self.dmesg("job-exec", "info", f"job-exception: id={job.f58u}: resource allocation expired")
            self.fatal_exception(job, "timeout", "resource allocation expired", WS_TIMEOUT, order_userid_first=True)
