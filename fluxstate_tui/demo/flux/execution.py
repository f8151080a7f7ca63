"""job-exec of the simulated instance: running tasks, their output, exceptions and the end of a job."""

from __future__ import annotations

import asyncio
import shlex
import signal
from collections.abc import Awaitable, Callable

from fluxstate_tui.demo.proc import CommandNotFound

from .content import GUEST_DIRS
from .job import (
    CANCELED,
    CLEANUP,
    COMPLETED,
    FAILED,
    INACTIVE,
    PENDING_MASK,
    RUN,
    TIMEOUT,
    Job,
)

Writer = Callable[[bytes], Awaitable[None]]
Executor = Callable[[int, list[str], dict[str, str], Writer, Writer], Awaitable[int]]

WS_CANCEL = 143 << 8  # 36608: job shell killed by SIGTERM reports exit 143
WS_TIMEOUT = 142 << 8  # 36352: SIGALRM
WS_NOTFOUND = 127 << 8  # 32512
# Signals a task survives by default (ignored, or stopped/continued rather than ended).
IGNORED_SIGNALS = {int(s) for s in (signal.SIGCHLD, signal.SIGCONT, signal.SIGURG, signal.SIGWINCH, signal.SIGSTOP,
                                    signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU)}



class ExecutionMixin:
    """Tasks, output and job ends; part of FluxInstance."""

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
        now = self.clock.now()
        job.output.append((now, stream, index, data))
        # an output eventlog entry of the guest namespace: the data (JSON-escaped) and its envelope
        self.content.commit((job.id, "guest"), now, len(data) + 100, GUEST_DIRS)
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

    def signal_job(self, job: Job, signum: int) -> None:
        """`flux job kill`: the job shell passes the signal to its tasks. No exception is raised: tasks
        killed by it end the job with exit code 128+signal (FAILED); signals whose default action is to
        ignore, stop or continue a process leave it running."""
        if signum in IGNORED_SIGNALS or job.state != RUN:
            return
        self.dmesg("job-exec", "debug", f"killing job {job.f58u} with signal {signum}")
        job.attrs["_kill_ws"] = ((128 + signum) & 0xFF) << 8
        if job.task is not None and not job.task.done():
            job.task.cancel()

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
