"""`flux job ...` (a C program: its ids follow the C locale rule) and the attach logic `flux run` shares."""

from __future__ import annotations

import base64
import json

from fluxstate_tui.flux.fsd import parse_fsd
from fluxstate_tui.flux.ids import dothex, f58_encode, kvs_path, parse_jobid

from . import job_admin
from .job import (
    CANCELED,
    CLEANUP,
    COMPLETED,
    FAILED,
    INACTIVE,
    RUN,
    TIMEOUT,
    Job,
    event_json,
    format_event_text,
    job_R,
    make_jobspec,
)
from .util import ascii_ids_c, iso_utc, jdumps, jdumps_py, strftime_utc


class _Err(Exception):
    pass


def _lookup(inst, text: str) -> Job:
    try:
        jid = parse_jobid(text)
    except ValueError:
        raise _Err(f"error parsing jobid: \"{text}\"") from None
    job = inst.jobs.get(jid)
    if job is None:
        raise _Err(f"{text}: No such file or directory")
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
            import signal

            lines.append(f"flux-job: task(s) {signal.strsignal(code - 128)}")
        else:
            lines.append(f"flux-job: task(s) exited with exit code {code}")
    elif job.waitstatus is None and job.exc_type == "exec":
        lines.append("flux-job: flux_job_event_watch_get: Operation not supported")
    if lines or after:
        await proc.err("".join(line + "\n" for line in lines + after))
    return code


async def run(proc, inst, args: list[str]) -> int:
    if not args:
        await proc.err("Usage: flux-job [OPTIONS] COMMAND ARGS\n")
        return 1
    sub, rest = args[0], args[1:]
    try:
        handler = {"info": _info, "eventlog": _eventlog, "status": _status, "attach": _attach, "id": _id,
                   "last": _last, "urgency": job_admin.urgency, "kill": job_admin.kill, "wait-event": _wait_event,
                   "stats": _stats, "cancel": _cancel}.get(sub)
        if handler is None:
            await proc.err(f"flux-job: Unknown subcommand: {sub}\n")
            return 1
        return await handler(proc, inst, rest)
    except _Err as exc:
        await proc.err(f"flux-job: {exc}\n")
        return 1


def _split_opts(args: list[str], with_value: set[str]) -> tuple[dict[str, object], list[str]]:
    opts: dict[str, object] = {}
    pos: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and len(a) > 1 and not a[1:].isdigit():
            key, eq, val = a.partition("=") if a.startswith("--") else (a[:2], "", a[2:])
            if key in with_value:
                if not (eq or val):
                    i += 1
                    if i >= len(args):
                        raise _Err(f"option '{key}' requires an argument")
                    val = args[i]
                opts[key] = val
            else:
                opts[key] = opts.get(key, 0) + 1 if isinstance(opts.get(key, 0), int) else True
                if len(a) > 2 and not a.startswith("--"):
                    for c in a[1:]:
                        opts["-" + c] = True
        else:
            pos.append(a)
        i += 1
    return opts, pos


async def _info(proc, inst, args: list[str]) -> int:
    opts, pos = _split_opts(args, set())
    if len(pos) < 2:
        raise _Err("Usage: flux-job info [--original] [--base] id key ...")
    job = _lookup(inst, pos[0])
    for key in pos[1:]:
        if key == "eventlog":
            await proc.out(job.eventlog_text() + "\n")
        elif key == "jobspec":
            await proc.out(jdumps_py(jobspec_of(job)) + "\n")
        elif key == "R":
            if job.alloc is None:
                raise _Err(f"job.{dothex(job.id)}.R: No such file or directory".replace("job.", "", 0))
            await proc.out(jdumps_py(job_R(job)) + "\n")
        elif key == "J":
            await proc.out(make_J(job) + "\n")
        elif key in ("guest.output", "guest.exec.eventlog", "guest.input"):
            if job.t_run <= 0:
                raise _Err(f"{key}: No such file or directory")
            if key == "guest.output":
                evs = guest_output_events(job)
            elif key == "guest.input":
                evs = guest_input_events(job)
            else:
                evs = exec_eventlog(job)
            await proc.out("".join(event_json(t, n, c) + "\n" for t, n, c in evs) + "\n")
        else:
            raise _Err(f"{key}: No such file or directory")
    return 0


def guest_input_events(job: Job) -> list:
    t = job.t_run + 0.03
    return [(t, "header", {"version": 1, "encoding": {"stdin": "UTF-8"}, "count": {"stdin": 1}, "options": {}}),
            (t + 0.0001, "data", {"stream": "stdin", "rank": "all", "eof": True})]


async def _eventlog(proc, inst, args: list[str]) -> int:
    opts, pos = _split_opts(args, {"-f", "--format", "-T", "--time-format", "-p", "--path"})
    if len(pos) != 1:
        raise _Err("Usage: flux-job eventlog [OPTIONS] id")
    job = _lookup(inst, pos[0])
    fmt = str(opts.get("-f") or opts.get("--format") or "text")
    tfmt = str(opts.get("-T") or opts.get("--time-format") or "raw")
    human = bool(opts.get("-H") or opts.get("--human"))
    path = str(opts.get("-p") or opts.get("--path") or "eventlog")
    follow = bool(opts.get("-F") or opts.get("--follow"))
    if follow:
        while job.state != INACTIVE:
            await inst.wait_job(job)
    if path in ("exec", "guest.exec.eventlog"):
        evs = exec_eventlog(job)
    elif path in ("output", "guest.output"):
        evs = guest_output_events(job)
    elif path in ("input", "guest.input"):
        evs = guest_input_events(job)
    else:
        evs = job.eventlog()
    lines = []
    t0 = evs[0][0] if evs else 0.0
    for i, (ts, name, ctx) in enumerate(evs):
        if fmt == "json":
            lines.append(event_json(ts, name, ctx))
            continue
        if human:
            stamp = strftime_utc("[%b%d %H:%M]", ts) if i == 0 else f"[{ts - t0:+11.6f}]"
        elif tfmt == "iso":
            stamp = iso_utc(ts)
        elif tfmt == "offset":
            stamp = f"{ts - t0:.6f}"
        else:
            stamp = f"{ts:.6f}"
        lines.append(format_event_text(ts, name, ctx, stamp))
    await proc.out("".join(line + "\n" for line in lines))
    return 0


async def _status(proc, inst, args: list[str]) -> int:
    opts, pos = _split_opts(args, set())
    if not pos:
        raise _Err("Usage: flux-job status [-v] [--json] id [id...]")
    jobs = [_lookup(inst, p) for p in pos]
    verbose = bool(opts.get("-v") or opts.get("--verbose"))
    if verbose:
        await proc.err(f"flux-job: fetching status for {len(jobs)} jobs\n")
    for job in jobs:
        while job.state != INACTIVE:
            await inst.wait_job(job)
    rc = 0
    msgs = []
    for orig, job in zip(pos, jobs, strict=True):
        code = exit_code(job)
        rc = max(rc, code)
        if opts.get("--json"):
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


async def _attach(proc, inst, args: list[str]) -> int:
    opts, pos = _split_opts(args, set())
    if len(pos) != 1:
        raise _Err("Usage: flux-job attach [OPTIONS] id")
    return await attach(proc, inst, _lookup(inst, pos[0]), label=bool(opts.get("-l") or opts.get("--label-io")))


def encode_id(jid: int, to: str, ascii: bool) -> str:
    if to == "dec":
        return str(jid)
    if to == "hex":
        return f"0x{jid:x}"
    if to == "dothex":
        return dothex(jid)
    if to == "kvs":
        return kvs_path(jid)
    if to == "f58":
        return f58_encode(jid, ascii=ascii)
    if to == "f58plain":
        return f58_encode(jid, ascii=True)
    raise _Err(f"Unknown to=type: {to}")


async def _id(proc, inst, args: list[str]) -> int:
    opts, pos = _split_opts(args, {"--to", "--from"})
    to = str(opts.get("--to") or "dec")
    if not pos:
        pos = (await proc.stdin.read()).decode().split()
        if not pos:
            return 1
    ascii = ascii_ids_c(proc.env)
    out = []
    for p in pos:
        try:
            jid = parse_jobid(p)
        except ValueError:
            raise _Err(f"Unable to parse input '{p}' as job ID") from None
        out.append(encode_id(jid, to, ascii))
    await proc.out("".join(o + "\n" for o in out))
    return 0


async def _last(proc, inst, args: list[str]) -> int:
    n = 1
    if args:
        try:
            n = int(args[0].strip("[]:"))
        except ValueError:
            raise _Err(f"invalid slice: {args[0]}") from None
    ids = sorted(inst.jobs, reverse=True)[:n]
    if not ids:
        raise _Err("job history is empty")
    ascii = ascii_ids_c(proc.env)
    await proc.out("".join(f58_encode(i, ascii=ascii) + "\n" for i in ids))
    return 0


async def _wait_event(proc, inst, args: list[str]) -> int:
    opts, pos = _split_opts(args, {"-t", "--timeout"})
    if len(pos) != 2:
        raise _Err("Usage: flux-job wait-event [OPTIONS] id event")
    job = _lookup(inst, pos[0])
    name = pos[1]
    timeout = opts.get("-t") or opts.get("--timeout")
    tmo = parse_fsd(str(timeout)) if timeout else None

    def found():
        for ev in job.eventlog():
            if ev[1] == name:
                return ev
        return None

    ok = await inst.wait_for(lambda: found() is not None or job.state == INACTIVE, tmo)
    ev = found()
    if ev is None:
        if not ok:
            raise _Err(f"wait-event timeout on event '{name}'")
        raise _Err(f"event '{name}' never received")
    await proc.out(f"{ev[0]:.6f} {ev[1]}\n")
    return 0


async def _stats(proc, inst, args: list[str]) -> int:
    from .job import DEPEND, PRIORITY, SCHED

    st = {"depend": 0, "priority": 0, "sched": 0, "run": 0, "cleanup": 0}
    names = {DEPEND: "depend", PRIORITY: "priority", SCHED: "sched", RUN: "run", CLEANUP: "cleanup"}
    for j in list(inst.pending.values()) + list(inst.running.values()):
        st[names[j.state]] += 1
    st["inactive"] = len(inst.inactive)
    st["total"] = len(inst.jobs)
    c = inst.counts
    await proc.out(jdumps({"job_states": st, "successful": c[COMPLETED], "failed": c[FAILED], "canceled": c[CANCELED],
                           "timeout": c[TIMEOUT], "inactive_purged": 0, "queues": []}) + "\n")
    return 0


async def _cancel(proc, inst, args: list[str]) -> int:
    from . import cancel_cmd

    return await cancel_cmd.run(proc, inst, args, prog="flux-job")
