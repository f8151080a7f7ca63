"""The simulated Flux instance: resources, job manager, sched-simple and job-exec in one object.

Everything runs on the caller's asyncio loop and reads time from the SimClock.  State changes are
recorded as eventlog events first; the derived state (t_* times, result) follows from them, as in
flux-core's job-manager.  sched-simple is modelled as strict FIFO: the highest-priority SCHED job
blocks every job behind it until it fits, even one that would fit now (real flux-core 0.88 does).
"""

from __future__ import annotations

import asyncio
import math
import pathlib
import random
import shlex
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fluxstate_tui.demo.proc import CommandNotFound, SimClock
from fluxstate_tui.flux.hostlist import hostlist_encode, idset_encode
from fluxstate_tui.flux.ids import fluid_make, fluid_parse

from .job import (
    CANCELED,
    CLEANUP,
    COMPLETED,
    DEP_KINDS,
    DEPEND,
    FAILED,
    INACTIVE,
    PENDING_MASK,
    PRIORITY,
    RLIMIT,
    RUN,
    SCHED,
    TIMEOUT,
    Job,
    resource_summary,
)
from .util import broker_stderr_line, iso_utc

Writer = Callable[[bytes], Awaitable[None]]
Executor = Callable[[int, list[str], dict[str, str], Writer, Writer], Awaitable[int]]

SCHED_QUEUE_DEPTH = 8  # sched-simple "queue-depth=8": alloc requests outstanding at the scheduler
WS_CANCEL = 143 << 8  # 36608: job shell killed by SIGTERM reports exit 143
WS_TIMEOUT = 142 << 8  # 36352: SIGALRM
WS_NOTFOUND = 127 << 8  # 32512


class SubmitError(Exception):
    """A rejected submission: `errno` and message as flux's Python binding raises them."""

    def __init__(self, errno: int, message: str) -> None:
        super().__init__(message)
        self.errno = errno
        self.message = message


@dataclass
class JobRequest:
    argv: list[str]
    ntasks: int | None = None
    nnodes: int | None = None
    cores_per_task: int = 1
    exclusive: bool = False
    duration: float = 0.0
    urgency: int = 16
    dependencies: list[tuple[str, int]] = field(default_factory=list)
    name: str | None = None
    queue: str | None = None
    cwd: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    userid: int = 0
    username: str = "root"
    output: str | None = None
    error: str | None = None
    host: Any = None
    attrs: dict[str, Any] = field(default_factory=dict)


class Node:
    __slots__ = ("rank", "hostname", "ncores", "free", "online", "drained", "t_online")

    def __init__(self, rank: int, hostname: str, ncores: int) -> None:
        self.rank, self.hostname, self.ncores = rank, hostname, ncores
        self.free = set(range(ncores))
        self.online = False
        self.drained: tuple[float, str] | None = None
        self.t_online = 0.0

    @property
    def up(self) -> bool:
        return self.online and self.drained is None


class FluxInstance:
    """A running Flux instance of `len(hostnames)` brokers (rank i runs on hostnames[i]).

    Read-only views the commands (and the rest of the demo) use:
      jobs        dict id -> Job of every job the instance knows
      pending     dict id -> Job in DEPEND/PRIORITY/SCHED;  running: RUN/CLEANUP
      inactive    list of INACTIVE jobs, oldest t_inactive first
      nodes       list of Node (rank, hostname, ncores, free cores, online, drained)
      queue_enabled / disable_reason / queue_started / stop_reason
      size, cores_per_node, uri, t_start
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
        self.queue_enabled, self.disable_reason = True, ""
        self.queue_started, self.stop_reason = True, ""
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
            from .archive import restore_archive

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
        self.notify_job(job)
        return ts

    def exec_event(self, job: Job, name: str, ctx: dict | None = None) -> None:
        if job.exec_events is None:
            job.exec_events = []
        job.exec_events.append((self.now(), name, ctx))

    # ----------------------------------------------------------------------------- resources
    def set_rank_online(self, rank: int, online: bool) -> None:
        node = self.nodes[rank]
        if node.online == online:
            return
        node.online = online
        ts = self.now()
        if online:
            node.t_online = ts
        self.resource_events.append((ts, "online" if online else "offline", {"idset": str(rank)}))
        up = [n for n in self.nodes if n.online]
        if online:
            self.dmesg("broker", "info", f"online: {hostlist_encode([n.hostname for n in up])} "
                                         f"(ranks {idset_encode([n.rank for n in up])})", ts)
            if len(up) == self.size and not self._quorum_full:
                self._quorum_full = True
                self.dmesg("broker", "info", f"quorum-full: quorum->run {ts - self.t_start:.6f}s", ts)
        else:
            self.dmesg("broker", "err", f"{node.hostname} (rank {rank}) went offline", ts)
            for job in list(self.running.values()):
                if job.alloc and any(r == rank for r, _c in job.alloc) and job.state == RUN:
                    self.fatal_exception(job, "node-failure", f"node failure on {node.hostname} (rank {rank})",
                                         WS_CANCEL)
        self._schedule()
        self._changed()

    def drain(self, ranks: list[int], reason: str) -> None:
        ts = self.now()
        for r in ranks:
            if self.nodes[r].drained is None or reason:
                self.nodes[r].drained = (ts, reason)
        self.resource_events.append((ts, "drain", {
            "idset": idset_encode(ranks), "nodelist": hostlist_encode([self.hostnames[r] for r in ranks]),
            "reason": reason, "overwrite": 0}))
        self._changed()

    def undrain(self, ranks: list[int]) -> None:
        ts = self.now()
        for r in ranks:
            self.nodes[r].drained = None
        self.resource_events.append((ts, "undrain", {
            "idset": idset_encode(ranks), "nodelist": hostlist_encode([self.hostnames[r] for r in ranks])}))
        self._schedule()
        self._changed()

    # ----------------------------------------------------------------------------- queue
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

    # ----------------------------------------------------------------------------- submit
    def submit(self, req: JobRequest) -> Job:
        if not self.queue_enabled:
            raise SubmitError(22, f"job submission is disabled: {self.disable_reason}")
        if req.queue:
            raise SubmitError(22, f"'{req.queue}' is not a valid queue")
        deps: list[tuple[str, int, str]] = []
        for kind, target in req.dependencies:
            if kind not in DEP_KINDS:
                raise SubmitError(22, f"dependency scheme '{kind}' not supported")
            if target not in self.jobs:
                raise SubmitError(2, f"dependency: job {self.jobs_f58(target)} not found")
            deps.append((DEP_KINDS[kind], target, f"{DEP_KINDS[kind]}={self.jobs_f58(target)}"))
        ts = self.now()
        job = Job(self.new_id(ts))
        job.userid, job.username = req.userid, req.username
        job.argv = list(req.argv)
        job.name = req.name or (req.argv[0].rsplit("/", 1)[-1] if req.argv else "")
        job.cwd, job.env, job.host = req.cwd, dict(req.env), req.host
        job.urgency = req.urgency
        job.cores_per_task = max(1, req.cores_per_task)
        if req.nnodes and not req.ntasks:
            job.req_nodes, job.ntasks, job.exclusive = req.nnodes, req.nnodes, True
        else:
            job.req_nodes = req.nnodes or 0
            job.ntasks = req.ntasks or 1
            job.exclusive = bool(req.exclusive and req.nnodes)
        job.duration = float(req.duration or 0.0)
        job.out_path, job.err_path = req.output, req.error
        job.attrs = dict(req.attrs)
        job.jobspec = make_jobspec(job)
        self.jobs[job.id] = job
        self.pending[job.id] = job
        job.t_submit = ts
        job.state = DEPEND
        self.event(job, "submit", {"userid": job.userid, "urgency": job.urgency, "flags": 0, "version": 1}, ts)
        for kind, target, desc in deps:
            status = self._dep_status(kind, self.jobs[target])
            if status == "ok":
                continue
            job.deps.append(desc)
            job.deps_wait.append((kind, target, desc))
            self.event(job, "dependency-add", {"description": desc})
            self._dependents.setdefault(target, []).append(job)
        job.t_depend = self.event(job, "validate")
        if not job.deps_wait:
            self._depend_done(job)
        else:
            # a dependency that can never be met fails the job right away
            for kind, target, desc in list(job.deps_wait):
                if self._dep_status(kind, self.jobs[target]) == "fail":
                    self._dep_failed(job, desc)
                    break
        self._schedule()
        self._changed()
        return job

    def jobs_f58(self, jid: int) -> str:
        from fluxstate_tui.flux.ids import f58_encode

        return f58_encode(jid)

    @staticmethod
    def _dep_status(kind: str, target: Job) -> str:
        done = target.state == INACTIVE
        if kind == "after-start":
            if target.t_run > 0:
                return "ok"
            return "fail" if done else "wait"
        if not done:
            return "wait"
        if kind == "after-finish":
            return "ok"
        if kind == "after-success":
            return "ok" if target.result == COMPLETED else "fail"
        if kind == "after-failure":
            return "ok" if target.result != COMPLETED else "fail"
        return "fail"

    def _dep_check(self, target: Job) -> None:
        for job in self._dependents.pop(target.id, []):
            if job.state != DEPEND:
                continue
            still: list[tuple[str, int, str]] = []
            for kind, tid, desc in job.deps_wait:
                if tid != target.id:
                    still.append((kind, tid, desc))
                    continue
                st = self._dep_status(kind, target)
                if st == "ok":
                    self.event(job, "dependency-remove", {"description": desc})
                elif st == "fail":
                    self._dep_failed(job, desc)
                    break
                else:
                    still.append((kind, tid, desc))
                    self._dependents.setdefault(target.id, []).append(job)
            else:
                job.deps_wait = still
                if not still:
                    self._depend_done(job)

    def _dep_failed(self, job: Job, desc: str) -> None:
        kind, _sep, target = desc.partition("=")
        self.exception(job, "dependency", f"dependency: {kind}: job {target} failed" if kind != "after-start"
                       else f"dependency: {kind}: job {target} never started")

    def _depend_done(self, job: Job) -> None:
        job.t_priority = self.event(job, "depend")
        job.state = PRIORITY
        self._set_priority(job)

    def _set_priority(self, job: Job) -> None:
        prio = 4294967295 if job.urgency == 31 else job.urgency
        job.priority = prio
        job.t_sched = self.event(job, "priority", {"priority": prio})
        job.state = SCHED

    def set_urgency(self, job: Job, urgency: int, userid: int = 0) -> None:
        job.urgency = urgency
        self.event(job, "urgency", {"userid": userid, "urgency": urgency})
        if job.state == SCHED:
            self._set_priority(job)
        self._schedule()
        self._changed()

    # ----------------------------------------------------------------------------- scheduler
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

    # ----------------------------------------------------------------------------- execution
    async def _run_job(self, job: Job) -> None:
        ranks = self.task_ranks(job)
        leader = ranks[0] if ranks else 0
        try:
            self.exec_event(job, "shell.init", {"service": f"{job.userid}-shell-{job.f58a}", "leader-rank": leader,
                                                "size": len(job.alloc or [])})
            self.event(job, "start")
            self.exec_event(job, "shell.start", {"taskmap": {"version": 1, "map": [
                [0, len(job.alloc or []), max(1, job.ntasks // max(1, len(job.alloc or []))), 1]]}})
            results = await asyncio.gather(*(self._run_task(job, i, r) for i, r in enumerate(ranks)))
        except asyncio.CancelledError:
            if self._closed:
                raise
            self._finish(job, job.attrs.get("_kill_ws", WS_CANCEL))
            return
        ws = 0
        notfound = [(i, r) for i, r, res in results if res is None]
        if notfound:
            i, r = notfound[0]
            note = (f"task {i} (host {self.hostnames[r]}): start failed: {job.argv[0] if job.argv else ''}: "
                    "No such file or directory")
            self.dmesg("job-exec", "debug", f"exec aborted: id={job.f58u}")
            self.exception(job, "exec", note)
            ws = WS_NOTFOUND
        else:
            for _i, _r, res in results:
                ws = max(ws, res)
        self.exec_event(job, "complete", {"status": ws})
        self.exec_event(job, "done")
        self._finish(job, ws)

    async def _run_task(self, job: Job, index: int, rank: int) -> tuple[int, int, int | None]:
        async def out(data: bytes) -> None:
            self._output(job, "stdout", index, data)

        async def err(data: bytes) -> None:
            self._output(job, "stderr", index, data)

        env = dict(job.env)
        env.update({"FLUX_JOB_ID": str(job.id), "FLUX_TASK_RANK": str(index), "FLUX_JOB_SIZE": str(job.ntasks),
                    "FLUX_JOB_NNODES": str(len(job.alloc or [])), "FLUX_URI": self.uri})
        try:
            if self.executor is not None:
                code = await self.executor(rank, list(job.argv), env, out, err)
            else:
                code = await self._builtin_exec(rank, list(job.argv), out, err)
        except CommandNotFound:
            return index, rank, None
        code = int(code)
        ws = (code & 0xFF) << 8 if code >= 0 else (-code & 0x7F)
        self.exec_event(job, "shell.task-exit", {"localid": 0, "rank": index, "state": "Exited", "pid": 1000 + index,
                                                  "wait_status": ws, "signaled": 0, "exitcode": code})
        return index, rank, ws

    async def _builtin_exec(self, rank: int, argv: list[str], out: Writer, err: Writer) -> int:
        """Tiny task model for unit tests (executor=None)."""
        if not argv:
            raise CommandNotFound("")
        prog = argv[0].rsplit("/", 1)[-1]
        if argv[0].startswith("/") and argv[0] not in ("/bin/" + prog, "/usr/bin/" + prog):
            raise CommandNotFound(argv[0])
        if prog == "sleep":
            await self.clock.sleep(float(argv[1]) if len(argv) > 1 else 0.0)
            return 0
        if prog == "true":
            return 0
        if prog == "false":
            return 1
        if prog == "hostname":
            await out((self.hostnames[rank] + "\n").encode())
            return 0
        if prog == "echo":
            await out((" ".join(argv[1:]) + "\n").encode())
            return 0
        if prog in ("sh", "bash") and len(argv) >= 3 and argv[1] == "-c":
            words = shlex.split(argv[2])
            if words and words[0] == "exit":
                return int(words[1]) if len(words) > 1 else 0
            return await self._builtin_exec(rank, words, out, err)
        raise CommandNotFound(argv[0])

    def _output(self, job: Job, stream: str, index: int, data: bytes) -> None:
        if job.output is None:
            job.output = []
        job.output.append((self.clock.now(), stream, index, data))
        path = job.out_path if stream == "stdout" else (job.err_path or job.out_path)
        if path and job.host is not None:
            try:
                hp = job.host.fs.host_path(path.replace("{{id}}", job.f58u), job.cwd)
                hp.parent.mkdir(parents=True, exist_ok=True)
                with open(hp, "ab") as fh:
                    fh.write(data)
            except OSError:
                pass
        self.notify_job(job)

    # ----------------------------------------------------------------------------- ends
    def exception(self, job: Job, etype: str, note: str, userid: int = 0, severity: int = 0,
                  order_userid_first: bool = False) -> None:
        """Raise a job exception; severity 0 on a pending job makes it inactive at once."""
        ctx = ({"type": etype, "severity": severity, "userid": userid, "note": note} if order_userid_first
               else {"type": etype, "severity": severity, "note": note, "userid": userid})
        ts = self.event(job, "exception", ctx)
        if severity != 0:
            return
        if job.exc_type is None:
            job.exc_type, job.exc_severity, job.exc_note = etype, severity, note
        if job.state & PENDING_MASK:
            job.t_cleanup = ts
            self._clean(job)
        elif job.state == RUN:
            job.t_cleanup = ts
            job.state = CLEANUP

    def fatal_exception(self, job: Job, etype: str, note: str, kill_ws: int, userid: int = 0,
                        order_userid_first: bool = False) -> None:
        """Exception on a running job: record it, then kill its tasks (finish comes from _run_job)."""
        self.exception(job, etype, note, userid, order_userid_first=order_userid_first)
        job.attrs["_kill_ws"] = kill_ws
        if job.task is not None and not job.task.done():
            job.task.cancel()

    def cancel(self, job: Job, note: str = "", userid: int = 0) -> str | None:
        if job.state == INACTIVE:
            return "job is inactive"
        if job.state in (RUN, CLEANUP):
            if job.exc_type is None:
                self.dmesg("job-exec", "debug", f"exec aborted: id={job.f58u}")
                self.fatal_exception(job, "cancel", note, WS_CANCEL, userid)
            return None
        self.exception(job, "cancel", note, userid)
        self._changed()
        return None

    def _finish(self, job: Job, ws: int) -> None:
        if job.timer is not None:
            job.timer.cancel()
            job.timer = None
        job.waitstatus = ws
        ts = self.event(job, "finish", {"status": ws})
        if job.t_cleanup == 0:
            job.t_cleanup = ts
        job.state = CLEANUP
        self._release(job)

    def _release(self, job: Job) -> None:
        self.event(job, "release", {"ranks": "all", "final": True})
        for rank, cores in job.alloc or []:
            self.nodes[rank].free.update(cores)
        self.event(job, "free")
        self._clean(job)

    def _clean(self, job: Job) -> None:
        job.t_inactive = self.event(job, "clean")
        if job.exc_type is not None and job.exc_severity == 0:
            job.result = {"cancel": CANCELED, "timeout": TIMEOUT}.get(job.exc_type, FAILED)
        elif job.t_run > 0 and job.waitstatus == 0:
            job.result = COMPLETED
        else:
            job.result = FAILED
        job.state = INACTIVE
        self.pending.pop(job.id, None)
        self.running.pop(job.id, None)
        self.inactive.append(job)
        self.counts[job.result] += 1
        self.notify_job(job)
        self._dep_check(job)
        self._schedule()
        self._changed()

    # ----------------------------------------------------------------------------- listing
    def pending_sorted(self) -> list[Job]:
        # DEPEND jobs have no priority yet and sort after held (priority 0) jobs (03-dump-restore.txt)
        return sorted(self.pending.values(), key=lambda j: (-(j.priority if j.priority is not None else -1), j.id))

    def running_sorted(self) -> list[Job]:
        return sorted(self.running.values(), key=lambda j: -j.t_run)

    def stats(self) -> dict[str, int]:
        return {"running": len(self.running), "successful": self.counts[COMPLETED],
                "failed": self.counts[FAILED] + self.counts[CANCELED] + self.counts[TIMEOUT],
                "pending": len(self.pending), "inactive_purged": 0}

    # ----------------------------------------------------------------------------- seeding
    def seed_jobs(self, n: int) -> None:
        """Add `n` finished jobs with past times and increasing ids (no per-job eventlog kept)."""
        from .seed import seed_jobs

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


def make_jobspec(job: Job) -> dict:
    slot = {"type": "slot", "count": job.ntasks if not job.req_nodes else max(1, math.ceil(job.ntasks / job.req_nodes)),
            "with": [{"type": "core", "count": job.cores_per_task}], "label": "task"}
    if job.req_nodes:
        node: dict[str, Any] = {"type": "node", "count": job.req_nodes}
        if job.exclusive:
            node["exclusive"] = True
        node["with"] = [slot]
        resources = [node]
        count = {"per_slot": 1} if job.exclusive else {"total": job.ntasks}
    else:
        resources = [slot]
        count = {"per_slot": 1}
    dur = job.duration
    system: dict[str, Any] = {"duration": int(dur) if float(dur).is_integer() else dur, "cwd": job.cwd}
    if job.name and job.argv and job.name != job.argv[0].rsplit("/", 1)[-1]:
        system["job"] = {"name": job.name}
    system["shell"] = {"options": {"rlimit": dict(RLIMIT)}}
    attributes: dict[str, Any] = {"system": system}
    user = {k[5:]: v for k, v in job.attrs.items() if k.startswith("user.")}
    if user:
        attributes["user"] = user
    return {"resources": resources, "tasks": [{"command": list(job.argv), "slot": "task", "count": count}],
            "attributes": attributes, "version": 1}
