"""`flux job ...` (a C program: its ids follow the C locale rule) and the attach logic `flux run` shares."""

from __future__ import annotations

import base64
import json
import signal

from fluxstate_tui.flux.ids import dothex, parse_jobid

from .ctables import FLUX_JOB
from .job import (
    COMPLETED,
    INACTIVE,
    Job,
    event_json,
    job_R,
    make_jobspec,
)
from .liboptparse import get_int
from .pyargs import ArgExit, unsupported
from .util import ascii_ids_c, jdumps, jdumps_py

JOB_STATUS = FLUX_JOB["status"]


def fail(message: str) -> ArgExit:
    """log_msg_exit() in flux-job: `flux-job: MESSAGE`, exit 1."""
    return ArgExit(1, err=f"flux-job: {message}\n")


def parse_id(text: str) -> int:
    """common.c parse_jobid()."""
    try:
        return parse_jobid(text)
    except ValueError:
        raise fail(f"error parsing jobid: \"{text}\"") from None


def lookup(inst, text: str, missing: str = "{}: No such file or directory") -> Job:
    job = inst.jobs.get(parse_id(text))
    if job is None:
        raise fail(missing.format(text))
    return job


def exit_code(job: Job) -> int:
    ws = job.waitstatus
    if ws is None:
        return 1
    if ws & 0x7F:
        return 128 + (ws & 0x7F)
    return (ws >> 8) & 0xFF


def jobspec_of(job: Job) -> dict:
    return job.jobspec if job.jobspec is not None else make_jobspec(job)


def guest_output_events(job: Job) -> list[tuple[float, str, dict]]:
    t0 = job.t_run + 0.0317 if job.t_run else job.t_submit
    ev: list[tuple[float, str, dict]] = [(t0, "header", {
        "version": 1, "encoding": {"stdout": "UTF-8", "stderr": "UTF-8"},
        "count": {"stdout": job.ntasks, "stderr": job.ntasks}, "options": {}})]
    output = job.output
    if output is None:  # seeded job: what its program would have printed
        output = []
        if job.argv and job.argv[0] == "hostname" and job.result == COMPLETED:
            output = [(t0 + 0.005, "stdout", 0, (job.hostnames[0] + "\n").encode())]
        elif job.argv and job.argv[0] == "echo" and job.result == COMPLETED:
            output = [(t0 + 0.005, "stdout", 0, (" ".join(job.argv[1:]) + "\n").encode())]
    for ts, stream, rank, data in output:
        ev.append((ts, "data", {"stream": stream, "rank": str(rank), "data": data.decode("utf-8", "replace")}))
    if job.state == INACTIVE:
        end = job.t_cleanup or t0
        for stream in ("stderr", "stdout"):
            ev.append((end, "data", {"stream": stream, "rank": idset(job.ntasks), "eof": True}))
    return ev


def idset(n: int) -> str:
    return "0" if n <= 1 else f"0-{n - 1}"


def exec_eventlog(job: Job) -> list:
    if job.exec_events is not None:
        return job.exec_events
    if job.t_run <= 0:
        return []
    t = job.t_run
    ws = job.waitstatus or 0
    return [(t + 0.0036, "init", None), (t + 0.0054, "starting", None),
            (t + 0.022, "shell.init", {"service": f"{job.userid}-shell-{job.f58a}",
                                       "leader-rank": job.alloc[0][0] if job.alloc else 0,
                                       "size": len(job.alloc or [])}),
            (t + 0.025, "shell.start", {"taskmap": {"version": 1, "map": [[0, len(job.alloc or []), 1, 1]]}}),
            (job.t_cleanup - 0.001, "complete", {"status": ws}), (job.t_cleanup - 0.0009, "done", None)]


def make_J(job: Job) -> str:
    spec = jobspec_of(job)
    spec = json.loads(json.dumps(spec))
    spec["attributes"]["system"]["environment"] = job.env or {}
    payload = base64.urlsafe_b64encode(json.dumps(spec, separators=(",", ":")).encode()).decode().rstrip("=")
    return "dmVyc2lvbgBpMQB1c2VyaWQAaTAAbWVjaGFuaXNtAHNub25lAA==." + payload + ".none"


async def attach(proc, inst, job: Job, label: bool = False) -> int:
    """Copy the job's output until it is inactive, then report like `flux job attach`."""
    pos = 0
    ascii = ascii_ids_c(proc.env)
    while True:
        out = job.output or []
        while pos < len(out):
            _ts, stream, rank, data = out[pos]
            pos += 1
            if label:
                data = b"".join(f"{rank}: ".encode() + line for line in data.splitlines(keepends=True))
            await (proc.stdout if stream == "stdout" else proc.stderr)(data)
        if job.state == INACTIVE:
            break
        await inst.wait_job(job)
    if job.output is None:  # seeded job
        for _ts, _name, ctx in guest_output_events(job)[1:]:
            if "data" in ctx:
                await (proc.stdout if ctx["stream"] == "stdout" else proc.stderr)(ctx["data"].encode())
    lines: list[str] = []
    after: list[str] = []
    for ts, name, ctx in job.eventlog():
        if name == "exception" and ctx and ctx.get("severity", 0) == 0:
            note = ctx.get("note", "")
            lines.append(f"{ts - job.t_submit:.3f}s: job.exception {job.f58(ascii)} type={ctx['type']} "
                         f"severity=0 {note}")
            if ctx["type"] == "exec" and job.waitstatus is not None:
                after.append(f"{ts - job.t_submit - 0.001:.3f}s: flux-shell[0]: FATAL: {note}")
            break
    code = exit_code(job)
    if job.waitstatus is not None and code != 0:
        if code > 128 and job.exc_type in ("cancel", "timeout", "node-failure"):
            lines.append(f"flux-job: task(s) {signal.strsignal(code - 128)}")
        else:
            lines.append(f"flux-job: task(s) exited with exit code {code}")
    elif job.waitstatus is None and job.exc_type == "exec":
        lines.append("flux-job: flux_job_event_watch_get: Operation not supported")
    if lines or after:
        await proc.err("".join(line + "\n" for line in lines + after))
    return code


async def info(proc, inst, parsed) -> int:
    """flux job info ID KEY. --original and --base change nothing here: no simulated job's jobspec or R
    is ever updated after submission."""
    text, key = parsed.operands
    job = lookup(inst, text)
    if key == "eventlog":
        await proc.out(job.eventlog_text() + "\n")
    elif key == "jobspec":
        await proc.out(jdumps_py(jobspec_of(job)) + "\n")
    elif key == "R":
        if job.alloc is None:
            raise fail(f"job.{dothex(job.id)}.R: No such file or directory".replace("job.", "", 0))
        await proc.out(jdumps_py(job_R(job)) + "\n")
    elif key == "J":
        await proc.out(make_J(job) + "\n")
    elif key in ("guest.output", "guest.exec.eventlog", "guest.input"):
        if job.t_run <= 0:
            raise fail(f"{key}: No such file or directory")
        if key == "guest.output":
            evs = guest_output_events(job)
        elif key == "guest.input":
            evs = guest_input_events(job)
        else:
            evs = exec_eventlog(job)
        await proc.out("".join(event_json(t, n, c) + "\n" for t, n, c in evs) + "\n")
    else:
        raise fail(f"{key}: No such file or directory")
    return 0


def guest_input_events(job: Job) -> list:
    t = job.t_run + 0.03
    return [(t, "header", {"version": 1, "encoding": {"stdin": "UTF-8"}, "count": {"stdin": 1}, "options": {}}),
            (t + 0.0001, "data", {"stream": "stdin", "rank": "all", "eof": True})]


async def status(proc, inst, parsed) -> int:
    pos = parsed.operands
    default = get_int(JOB_STATUS, parsed, "exception-exit-code", 1)  # for jobs ended by an exception alone
    jobs = [lookup(inst, p) for p in pos]
    verbose = parsed.has("verbose")
    if verbose:
        await proc.err(f"flux-job: fetching status for {len(jobs)} jobs\n")
    for job in jobs:
        while job.state != INACTIVE:
            await inst.wait_job(job)
    rc = 0
    msgs = []
    for orig, job in zip(pos, jobs, strict=True):
        code = exit_code(job) if job.waitstatus is not None else default
        rc = max(rc, code)
        if parsed.has("json"):
            d = {"id": job.id, "exception_occurred": job.exc_type is not None, "t_submit": job.t_submit}
            if job.t_run:
                d["t_run"] = job.t_run
            if job.exc_type is not None:
                d.update({"exception_type": job.exc_type, "exception_note": job.exc_note,
                          "exception_severity": job.exc_severity})
            d["t_cleanup"] = job.t_cleanup
            if job.waitstatus is not None:
                d["waitstatus"] = job.waitstatus
            d["result"] = job.result
            await proc.out(jdumps(d) + "\n")
        if verbose and code != 0:
            msgs.append(f"flux-job: {orig}: exited with exit code {code}\n")
    if verbose:
        await proc.err("flux-job: all done.\n" + "".join(msgs))
    return rc


# attach options that change nothing here: no simulated job reads stdin or has a debugger to start.
ATTACH_HARMLESS = {"quiet", "read-only", "unbuffered", "stdin-ranks", "debug-emulate", "queue-check-interval",
                   "label-io"}


async def attach_cmd(proc, inst, parsed) -> int:
    refused = next((name for name in parsed.found if name not in ATTACH_HARMLESS), None)
    if refused:
        raise unsupported("flux-job", f"attach --{refused}")
    return await attach(proc, inst, lookup(inst, parsed.operands[0]), label=parsed.has("label-io"))


