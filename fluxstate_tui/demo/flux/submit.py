"""Job submission of the simulated instance: the request, validation, dependencies and priority."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fluxstate_tui.flux.ids import f58_encode

from .job import (
    COMPLETED,
    DEP_KINDS,
    DEPEND,
    INACTIVE,
    PRIORITY,
    SCHED,
    Job,
    make_jobspec,
)


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


class SubmitMixin:
    """job-ingest and the job-manager's depend/priority stages; part of FluxInstance."""

    def submit(self, req: JobRequest) -> Job:
        queue = self.admit(req.queue, float(req.duration or 0.0))
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
        job.queue = queue or ""
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
