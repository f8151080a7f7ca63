"""The simulated Flux instance: resources, job manager, sched-simple and job-exec in one object.

Everything runs on the caller's asyncio loop and reads time from the SimClock.  State changes are
recorded as eventlog events first; the derived state (t_* times, result) follows from them, as in
flux-core's job-manager.  sched-simple is modelled as strict FIFO: the highest-priority SCHED job
blocks every job behind it until it fits, even one that would fit now (real flux-core 0.88 does).
"""

from __future__ import annotations

import asyncio
import json
import pathlib
import random
from collections import deque
from collections.abc import Callable

from fluxstate_tui.demo.proc import SimClock
from fluxstate_tui.flux.hostlist import hostlist_encode, idset_encode
from fluxstate_tui.flux.ids import fluid_make, fluid_parse

from .archive import restore_archive
from .content import GUEST_DIRS, JOB_DIRS, ContentStore
from .execution import ExecutionMixin, Executor
from .job import (
    CANCELED,
    COMPLETED,
    FAILED,
    TIMEOUT,
    Job,
    event_json,
    job_R,
)
from .queue import QueueMixin
from .resources import Node, ResourcesMixin
from .scheduler import SchedulerMixin
from .seed import seed_jobs
from .submit import SubmitMixin
from .util import broker_stderr_line, iso_utc


class FluxInstance(ResourcesMixin, QueueMixin, SubmitMixin, SchedulerMixin, ExecutionMixin):
    """A running Flux instance of `len(hostnames)` brokers (rank i runs on hostnames[i]).

    Read-only views the commands (and the rest of the demo) use:
      jobs        dict id -> Job of every job the instance knows
      pending     dict id -> Job in DEPEND/PRIORITY/SCHED;  running: RUN/CLEANUP
      inactive    list of INACTIVE jobs, oldest t_inactive first
      nodes       list of Node (rank, hostname, ncores, free cores, online, drained)
      queue_list() / named / anon: the queues (queue_enabled / queue_started: any of them)
      content     ContentStore: what the KVS has stored, which sizes the statedir's files
      size, cores_per_node, uri, t_start, restored_from (the -Scontent.restore path, or None)
    """

    def __init__(self, *, hostnames: list[str], cores_per_node: int, clock: SimClock,
                 uri: str = "local:///mnt/flux/config/run/flux/local", executor: Executor | None = None,
                 restore: pathlib.Path | None = None, log: Callable[[str], None] | None = None,
                 seed: int | None = None, restore_as: str | None = None) -> None:
        # restore is where the archive is on this machine; restore_as is the path the broker was
        # given (-Scontent.restore=...), which is what its log lines name.
        if not hostnames:
            raise ValueError("an instance needs at least one rank")
        self.hostnames = list(hostnames)
        self.restored_from = None if restore is None else restore_as or str(restore)
        self.size = len(hostnames)
        self.cores_per_node = int(cores_per_node)
        self.clock = clock
        self.uri = uri
        self.executor = executor
        self._log = log
        self.rng = random.Random(seed)
        self.t_start = clock.now()
        self._last_ts = 0.0
        self.nodes = [Node(r, h, self.cores_per_node) for r, h in enumerate(self.hostnames)]
        self.jobs: dict[int, Job] = {}
        self.pending: dict[int, Job] = {}
        self.running: dict[int, Job] = {}
        self.inactive: list[Job] = []
        self.counts = {COMPLETED: 0, FAILED: 0, CANCELED: 0, TIMEOUT: 0}
        self.content = ContentStore()
        self.init_queues()
        self.dmesg_ring: deque[str] = deque(maxlen=2000)
        self.resource_events: list[tuple[float, str, dict | None]] = []
        self.admin_events: list[tuple[float, str, dict | None]] = []
        self._fluid_epoch = self.t_start
        self._last_id = 0
        self._dependents: dict[int, list[Job]] = {}
        self._waiters: list[asyncio.Future] = []
        self._sched_busy = False
        self._sched_again = False
        self._closed = False
        self._quorum_full = False
        self._boot_log()
        if restore is not None:

            restore_archive(self, pathlib.Path(restore), restore_as or str(restore))
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # built off the loop (a thread, a test): start() or the first command schedules
        self._schedule()

    def start(self) -> None:
        """Begin scheduling: for an instance built in a worker thread (a long restore)."""
        self._schedule()

    # ----------------------------------------------------------------------------- basics
    def now(self) -> float:
        """Event timestamp: the clock, kept strictly increasing so eventlogs stay ordered."""
        t = self.clock.now()
        if t <= self._last_ts:
            t = self._last_ts + 1e-6
        self._last_ts = t
        return t

    def dmesg(self, app: str, sev: str, msg: str, ts: float | None = None) -> None:
        ts = self.clock.now() if ts is None else ts
        line = f"{app}.{sev}[0]: {msg}"
        self.dmesg_ring.append(f"{iso_utc(ts)} {line}")
        if sev in ("err", "crit", "alert", "emerg") and self._log:
            self._log(broker_stderr_line(ts, line))

    def log(self, text: str) -> None:
        """A line of broker/rc stderr for the pod log."""
        if self._log:
            self._log(text)

    def _boot_log(self) -> None:
        t = self.t_start
        self.admin_events.append((t, "start", {"version": 1, "core_version": "0.88.0"}))
        self.resource_events.append((t, "restart", {"ranks": idset_encode(range(self.size)), "online": "",
                                                     "nodelist": hostlist_encode(self.hostnames)}))
        self.resource_events.append((t + 0.02, "resource-define", {"method": "configuration"}))
        for mod in ("content-sqlite", "kvs", "job-manager", "sched-simple", "job-ingest", "job-exec", "job-list"):
            self.dmesg("broker", "debug", f"insmod {mod}", t)
        self.dmesg("job-ingest", "debug", "configuring validator with plugins=(null), args=(null) (enabled)", t)
        self.dmesg("job-ingest", "debug", "fluid ts=1ms", t)
        self.dmesg("job-manager", "debug", "scheduler: hello +partial-ok", t)
        self.dmesg("job-manager", "debug", "scheduler: ready limited", t)
        self.dmesg("sched-simple", "info", "ready: queue-depth=8 log-level=info pool-class=Rv1Pool Rv1 "
                   f"rank{idset_encode(range(self.size), brackets=True)}"
                   f"/core{idset_encode(range(self.cores_per_node), brackets=True)}", t)
        self.dmesg("broker", "info", "rc1.0: flux modprobe rc1 Exited (rc=0) 0.3s", t)

    def new_id(self, ts: float | None = None) -> int:
        ts = self.clock.now() if ts is None else ts
        ms = max(0, int((ts - self._fluid_epoch) * 1000))
        jid = fluid_make(min(ms, (1 << 40) - 1))
        if jid <= self._last_id:
            jid = self._last_id + 1
        self._last_id = jid
        return jid

    def note_max_id(self, jid: int) -> None:
        """Continue ids above `jid` (restore): move the FLUID epoch so new ids sort after it."""
        self._last_id = max(self._last_id, jid)
        ts_ms = fluid_parse(jid)[0]
        self._fluid_epoch = min(self._fluid_epoch, self.clock.now() - ts_ms / 1000.0)

    def _changed(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait_change(self) -> None:
        fut = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        await fut

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None = None) -> bool:
        """Wait (simulated seconds) until predicate() holds; False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None or timeout < 0 else loop.time() + self.clock.real(timeout)
        while not predicate():
            if deadline is not None:
                left = deadline - loop.time()
                if left <= 0:
                    return False
                try:
                    await asyncio.wait_for(self.wait_change(), left)
                except TimeoutError:
                    return predicate()
            else:
                await self.wait_change()
        return True

    def notify_job(self, job: Job) -> None:
        watchers, job.watchers = job.watchers, []
        for fut in watchers:
            if not fut.done():
                fut.set_result(None)

    async def wait_job(self, job: Job) -> None:
        fut = asyncio.get_running_loop().create_future()
        job.watchers.append(fut)
        await fut

    def event(self, job: Job, name: str, ctx: dict | None = None, ts: float | None = None) -> float:
        ts = self.now() if ts is None else ts
        if job.events is None:
            job.events = []
        job.events.append((ts, name, ctx))
        self.content.commit(job.id, ts, _kvs_bytes(job, ts, name, ctx), JOB_DIRS)
        if name == "clean":
            self.content.forget(job.id)
            self.content.forget((job.id, "guest"))
        self.notify_job(job)
        return ts

    def exec_event(self, job: Job, name: str, ctx: dict | None = None) -> None:
        if job.exec_events is None:
            job.exec_events = []
        ts = self.now()
        job.exec_events.append((ts, name, ctx))
        self.content.commit((job.id, "guest"), ts, len(event_json(ts, name, ctx)) + 1, GUEST_DIRS)

    # ----------------------------------------------------------------------------- seeding
    def seed_jobs(self, n: int) -> None:
        """Add `n` finished jobs with past times and increasing ids (no per-job eventlog kept)."""

        seed_jobs(self, n)

    def add_inactive(self, jobs: list[Job]) -> None:
        for job in jobs:
            self.jobs[job.id] = job
            self.counts[job.result] += 1
        self.inactive.extend(jobs)
        self.inactive.sort(key=lambda j: (j.t_inactive, j.id))
        self._changed()

    # ----------------------------------------------------------------------------- shutdown
    def close(self) -> None:
        self._closed = True
        for job in list(self.running.values()):
            if job.timer is not None:
                job.timer.cancel()
            if job.task is not None and not job.task.done():
                job.task.cancel()
        self._changed()

    @property
    def closed(self) -> bool:
        return self._closed


def _kvs_bytes(job: Job, ts: float, name: str, ctx: dict | None) -> int:
    """Bytes a job event writes to the KVS: its eventlog line, and what the job-manager stores with it."""
    size = len(event_json(ts, name, ctx)) + 1
    if name == "submit":
        # jobspec, and J: the signed jobspec with the submitter's environment, base64 (4/3)
        spec = len(json.dumps(job.jobspec or {}))
        size += spec + (spec + len(json.dumps(job.env or {}))) * 4 // 3
    elif name == "alloc":
        size += len(json.dumps(job_R(job)))
    return size
