"""One simulated job: its state, eventlog and the derived values `flux jobs` shows.

The derived values follow flux's Python `JobInfo` (flux/job/info.py) so that every field,
named format and `--json` key is computed from the same state the eventlog records.
"""

from __future__ import annotations

import json
import math
import signal
from typing import Any

from fluxstate_tui.flux.hostlist import hostlist_encode, idset_encode
from fluxstate_tui.flux.ids import f58_encode
from fluxstate_tui.flux.table import contextual_info

from .util import jdumps

# RFC 21 state bits and result bits (libjob/state.c, result.c)
NEW, DEPEND, PRIORITY, SCHED, RUN, CLEANUP, INACTIVE = 1, 2, 4, 8, 16, 32, 64
PENDING_MASK, RUNNING_MASK, ACTIVE_MASK = 14, 48, 62
STATE_NAMES = {DEPEND: "DEPEND", PRIORITY: "PRIORITY", SCHED: "SCHED", RUN: "RUN", CLEANUP: "CLEANUP",
               INACTIVE: "INACTIVE", NEW: "NEW"}
STATE_SINGLE = {DEPEND: "D", PRIORITY: "P", SCHED: "S", RUN: "R", CLEANUP: "C", INACTIVE: "I", NEW: "N"}
COMPLETED, FAILED, CANCELED, TIMEOUT = 1, 2, 4, 8
RESULT_NAMES = {COMPLETED: "COMPLETED", FAILED: "FAILED", CANCELED: "CANCELED", TIMEOUT: "TIMEOUT"}
RESULT_ABBREV = {COMPLETED: "CD", FAILED: "F", CANCELED: "CA", TIMEOUT: "TO"}

DEP_KINDS = {"afterok": "after-success", "afterany": "after-finish", "afternotok": "after-failure",
             "after": "after-start"}

RLIMIT = {"cpu": -1, "fsize": -1, "data": -1, "stack": 8388608, "core": 0, "nofile": 20000, "as": -1, "rss": -1,
          "nproc": 96365}


class Job:
    __slots__ = (
        "id", "f58u", "f58a", "userid", "username", "urgency", "priority",
        "t_submit", "t_depend", "t_priority", "t_sched", "t_run", "t_cleanup", "t_inactive",
        "state", "name", "cwd", "queue", "ntasks", "req_nodes", "cores_per_task", "exclusive",
        "duration", "argv", "env", "alloc", "hostnames", "waitstatus", "exc_type", "exc_severity",
        "exc_note", "result", "deps", "deps_wait", "expiration", "events", "events_text",
        "exec_events", "output", "jobspec", "task", "timer", "out_path", "err_path", "host",
        "seeded", "attrs", "watchers", "restarted", "sort_key",
    )

    def __init__(self, jobid: int) -> None:
        self.id = jobid
        self.f58u = f58_encode(jobid)
        self.f58a = "f" + self.f58u[1:]
        self.userid, self.username = 0, "root"
        self.urgency, self.priority = 16, None
        self.t_submit = self.t_depend = self.t_priority = self.t_sched = 0.0
        self.t_run = self.t_cleanup = self.t_inactive = 0.0
        self.state = NEW
        self.name, self.cwd, self.queue = "", "/", ""
        self.ntasks, self.req_nodes, self.cores_per_task, self.exclusive = 1, 0, 1, False
        self.duration = 0.0
        self.argv: list[str] = []
        self.env: dict[str, str] = {}
        # allocation: list of (rank, [cores]) in rank order; per-task ranks in alloc_tasks()
        self.alloc: list[tuple[int, list[int]]] | None = None
        self.hostnames: list[str] = []  # hostname of each allocated rank (same order as alloc)
        self.waitstatus: int | None = None
        self.exc_type: str | None = None
        self.exc_severity = 0
        self.exc_note = ""
        self.result = 0
        self.deps: list[str] = []  # descriptions, e.g. "after-success=ƒX"
        self.deps_wait: list[tuple[str, int, str]] = []  # (kind, target id, description)
        self.expiration = 0.0
        self.events: list[tuple[float, str, dict | None]] | None = []
        self.events_text: str | None = None
        self.exec_events: list[tuple[float, str, dict | None]] | None = []
        self.output: list[tuple[float, str, int, bytes]] | None = []  # (ts, stream, task rank, data)
        self.jobspec: dict | None = None
        self.task = None
        self.timer = None
        self.out_path = self.err_path = None
        self.host = None
        self.seeded = False
        self.attrs: dict[str, Any] = {}
        self.watchers: list = []
        self.restarted = False
        self.sort_key = (0, 0)

    # -- derived -------------------------------------------------------------------------
    def f58(self, ascii: bool) -> str:
        return self.f58a if ascii else self.f58u

    @property
    def nnodes(self) -> Any:
        if self.alloc is not None:
            return len(self.alloc)
        return self.req_nodes or ""

    @property
    def ncores(self) -> Any:
        if self.alloc is not None:
            return sum(len(c) for _r, c in self.alloc)
        if self.exclusive:
            return ""
        return self.ntasks * self.cores_per_task

    @property
    def ranks(self) -> str:
        if self.alloc is None:
            return ""
        return idset_encode([r for r, _c in self.alloc], brackets=True)

    @property
    def nodelist(self) -> str:
        if self.alloc is None:
            return ""
        return hostlist_encode(self.hostnames)

    @property
    def exc_occurred(self) -> bool:
        return self.exc_type is not None

    @property
    def success(self) -> bool:
        return self.result == COMPLETED

    def returncode(self) -> Any:
        if self.state != INACTIVE:
            return ""
        ws = self.waitstatus
        if ws is not None:
            if ws & 0x7F:
                return -(ws & 0x7F)
            return (ws >> 8) & 0xFF
        if self.result == CANCELED:
            return -128
        return 1

    def runtime(self, now: float) -> float:
        if self.t_run <= 0:
            return 0.0
        end = self.t_cleanup if self.t_cleanup > 0 else now
        return max(0.0, end - self.t_run)

    def t_remaining(self, now: float) -> float:
        if self.state in (RUN, CLEANUP) and self.expiration > 0:
            return max(0.0, self.expiration - now)
        return 0.0

    def status_name(self) -> str:
        if self.state == INACTIVE:
            return RESULT_NAMES.get(self.result, "INACTIVE")
        return STATE_NAMES[self.state]

    def status_abbrev(self) -> str:
        if self.state == INACTIVE:
            return RESULT_ABBREV.get(self.result, "I")
        return STATE_SINGLE[self.state]

    def contextual_time(self, now: float) -> float:
        if self.state & PENDING_MASK:
            return self.duration
        return self.runtime(now)

    def contextual_info(self, ascii: bool = False) -> str:
        return contextual_info(STATE_NAMES.get(self.state, ""), self.urgency, self.priority,
                               self.deps_text(ascii), self.nodelist)

    def deps_text(self, ascii: bool) -> list[str]:
        # Descriptions are written by the broker (UTF-8 locale); the client does not rewrite them.
        return list(self.deps)

    def inactive_reason(self) -> str:
        if self.state != INACTIVE:
            return ""
        if self.result == CANCELED:
            return "Canceled" + (f": {self.exc_note}" if self.exc_note else "")
        if self.result == TIMEOUT:
            return "Timeout"
        if (self.exc_type is not None and self.exc_severity == 0
                and (self.waitstatus is None or self.exc_type != "exec")):
            return f"Exception: type={self.exc_type} note={self.exc_note}"
        rc = self.returncode()
        if isinstance(rc, int) and rc < 0:
            return _sigdesc(-rc)
        if rc > 128:
            return _sigdesc(rc - 128)
        if rc == 126:
            return "Command invoked cannot execute"
        if rc == 127:
            return "command not found"
        if rc == 128:
            return "Invalid argument to exit"
        return f"Exit {rc}"

    def annotations(self) -> dict:
        if self.alloc is None:
            return {}
        return {"sched": {"resource_summary": resource_summary(self.alloc)}}

    # -- eventlog ---------------------------------------------------------------------------
    def eventlog(self) -> list[tuple[float, str, dict | None]]:
        if self.events_text is not None:
            out = []
            for line in self.events_text.splitlines():
                if line.strip():
                    e = json.loads(line)
                    out.append((e["timestamp"], e["name"], e.get("context")))
            return out + (self.events or [])
        if self.events is None:
            return synth_eventlog(self)
        return self.events

    def eventlog_text(self) -> str:
        return "".join(event_json(ts, name, ctx) + "\n" for ts, name, ctx in self.eventlog())


def _sigdesc(sig: int) -> str:
    try:
        return signal.strsignal(sig) or f"Signal {sig}"
    except (ValueError, TypeError):
        return f"Signal {sig}"


def event_json(ts: float, name: str, ctx: dict | None) -> str:
    if ctx is None:
        return f'{{"timestamp":{ts!r},"name":{json.dumps(name)}}}'
    return f'{{"timestamp":{ts!r},"name":{json.dumps(name)},"context":{jdumps(ctx)}}}'


def resource_summary(alloc: list[tuple[int, list[int]]]) -> str:
    """sched-simple annotation: `rank[0-3]/core0`, `rank[1-2]/core[0-1]`."""
    groups: list[tuple[list[int], list[int]]] = []
    for rank, cores in alloc:
        if groups and groups[-1][1] == cores and groups[-1][0][-1] == rank - 1:
            groups[-1][0].append(rank)
        else:
            groups.append(([rank], list(cores)))
    return ",".join(f"rank{idset_encode(r, brackets=True)}/core{idset_encode(c, brackets=True)}" for r, c in groups)


def r_lite(alloc: list[tuple[int, list[int]]]) -> list[dict]:
    groups: list[tuple[list[int], list[int]]] = []
    for rank, cores in alloc:
        if groups and groups[-1][1] == cores and groups[-1][0][-1] == rank - 1:
            groups[-1][0].append(rank)
        else:
            groups.append(([rank], list(cores)))
    return [{"rank": idset_encode(r), "children": {"core": idset_encode(c)}} for r, c in groups]


def job_R(job: Job) -> dict:
    start = job.t_run
    return {"version": 1, "execution": {"R_lite": r_lite(job.alloc or []), "starttime": start,
                                        "expiration": job.expiration, "nslots": job.ntasks,
                                        "nodelist": [hostlist_encode(job.hostnames)]}}


def synth_eventlog(job: Job) -> list[tuple[float, str, dict | None]]:
    """Eventlog of a seeded job, rebuilt from its timestamps (seeded jobs do not store one)."""
    ev: list[tuple[float, str, dict | None]] = [
        (job.t_submit, "submit", {"userid": job.userid, "urgency": job.urgency, "flags": 0, "version": 1}),
        (job.t_depend, "validate", None),
        (job.t_priority, "depend", None),
        (job.t_priority + 0.00003, "priority", {"priority": job.priority if job.priority is not None else 16}),
    ]
    if job.t_run > 0:
        ev.append((job.t_run, "alloc", {"annotations": job.annotations()}))
        ev.append((job.t_run + 0.0061, "start", None))
    if job.exc_type is not None:
        ctx = {"type": job.exc_type, "severity": job.exc_severity, "note": job.exc_note, "userid": job.userid}
        if job.exc_type == "timeout":
            ctx = {"type": job.exc_type, "severity": job.exc_severity, "userid": job.userid, "note": job.exc_note}
        ev.append((job.t_cleanup, "exception", ctx))
    if job.waitstatus is not None:
        fin = job.t_cleanup + (0.0045 if job.exc_type is not None else 0.0)
        ev.append((fin, "finish", {"status": job.waitstatus}))
    if job.t_run > 0:
        ev.append((job.t_inactive - 0.00012, "release", {"ranks": "all", "final": True}))
        ev.append((job.t_inactive - 0.00001, "free", None))
    ev.append((job.t_inactive, "clean", None))
    return ev


def format_event_text(ts: float, name: str, ctx: dict | None, tsfmt: str) -> str:
    """`flux job eventlog` text line: `<ts> name k=v ...`."""
    parts = [tsfmt, name]
    if ctx:
        for k, v in ctx.items():
            if isinstance(v, str):
                parts.append(f"{k}={json.dumps(v, ensure_ascii=False)}")
            elif isinstance(v, bool):
                parts.append(f"{k}={'true' if v else 'false'}")
            elif isinstance(v, (dict, list)):
                parts.append(f"{k}={jdumps(v)}")
            else:
                parts.append(f"{k}={v}")
    return " ".join(parts)


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
    if job.queue:
        system["queue"] = job.queue
    system["shell"] = {"options": {"rlimit": dict(RLIMIT)}}
    attributes: dict[str, Any] = {"system": system}
    user = {k[5:]: v for k, v in job.attrs.items() if k.startswith("user.")}
    if user:
        attributes["user"] = user
    return {"resources": resources, "tasks": [{"command": list(job.argv), "slot": "task", "count": count}],
            "attributes": attributes, "version": 1}
