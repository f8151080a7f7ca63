"""`flux submit` and `flux run` (submit, then attach like `flux job attach`)."""

from __future__ import annotations

from typing import Any

from fluxstate_tui.flux.fsd import parse_fsd
from fluxstate_tui.flux.ids import parse_jobid

from .submit import JobRequest, SubmitError
from .util import ascii_ids_python

_WITH_VALUE = {"-n": "ntasks", "--ntasks": "ntasks", "-c": "cores", "--cores-per-task": "cores", "-N": "nodes",
               "--nodes": "nodes", "-t": "time", "--time-limit": "time", "--urgency": "urgency",
               "--dependency": "dep", "--job-name": "name", "-q": "queue", "--queue": "queue", "--cc": "cc",
               "--bcc": "cc", "--output": "output", "--error": "error", "--setattr": "setattr", "-S": "setattr",
               "--setopt": "setopt", "-o": "setopt", "--env": "env", "--cwd": "cwd", "--wait-event": "wait_event",
               "-g": "gpus", "--gpus-per-task": "gpus", "--label-io": None, "-l": None}
_FLAGS = {"--wait": "wait", "--quiet": "quiet", "-v": "verbose", "--verbose": "verbose", "--exclusive": "exclusive",
          "-x": "exclusive", "--label-io": "label", "-l": "label", "--watch": "watch"}


class _Usage(Exception):
    pass


def parse(args: list[str], prog: str) -> tuple[dict[str, Any], list[str]]:
    opts: dict[str, Any] = {"dep": [], "setattr": [], "env": [], "verbose": 0}
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            return opts, args[i + 1:]
        if not a.startswith("-") or a == "-":
            return opts, args[i:]
        key, eq, val = a.partition("=") if a.startswith("--") else (a[:2], "", a[2:])
        if key in _FLAGS and not eq and not (key.startswith("-") and not key.startswith("--") and val):
            if _FLAGS[key] == "verbose":
                opts["verbose"] += 1
            else:
                opts[_FLAGS[key]] = True
        elif a.startswith("-v") and set(a[1:]) == {"v"}:
            opts["verbose"] += len(a) - 1
        elif key in _WITH_VALUE and _WITH_VALUE[key]:
            dest = _WITH_VALUE[key]
            if not (eq or val):
                i += 1
                if i >= len(args):
                    raise _Usage(f"argument {key}: expected one argument")
                val = args[i]
            if dest in ("dep", "setattr", "env"):
                opts[dest].append(val)
            else:
                opts[dest] = val
        else:
            raise _Usage(f"unrecognized arguments: {a}")
        i += 1
    return opts, []


def _int(opts: dict, key: str, flag: str) -> int | None:
    if key not in opts:
        return None
    try:
        return int(opts[key])
    except ValueError:
        raise _Usage(f"argument {flag}: invalid int value: '{opts[key]}'") from None


def build_requests(proc, opts: dict[str, Any], argv: list[str]) -> list[JobRequest]:
    duration = 0.0
    if "time" in opts:
        t = opts["time"]
        try:
            # a bare number is minutes for -t/--time-limit (flux-submit(1))
            duration = float(t) * 60.0 if t.replace(".", "", 1).isdigit() else parse_fsd(t)
        except ValueError:
            raise _Usage(f"argument -t/--time-limit: invalid Flux standard duration '{t}'") from None
    attrs: dict[str, Any] = {}
    for sa in opts["setattr"]:
        k, _e, v = sa.partition("=")
        if not k.startswith(("system.", "user.", "attributes.")):
            k = "user." + k
        attrs[k] = v
        if k == "system.duration":
            duration = parse_fsd(v)
    deps = []
    for d in opts["dep"]:
        for item in d.split(","):
            kind, _c, target = item.partition(":")
            try:
                deps.append((kind, parse_jobid(target)))
            except ValueError:
                raise SubmitError(22, f"invalid dependency target: {target}") from None
    env = dict(proc.env)
    cc = [None]
    if "cc" in opts:
        from fluxstate_tui.flux.hostlist import idset_decode

        cc = idset_decode(opts["cc"])
    reqs = []
    for c in cc:
        e = dict(env)
        if c is not None:
            e["FLUX_JOB_CC"] = str(c)
        reqs.append(JobRequest(argv=list(argv), ntasks=_int(opts, "ntasks", "-n/--ntasks"),
                               nnodes=_int(opts, "nodes", "-N/--nodes"),
                               cores_per_task=_int(opts, "cores", "-c/--cores-per-task") or 1,
                               exclusive=bool(opts.get("exclusive")), duration=duration,
                               urgency=_int(opts, "urgency", "--urgency") if "urgency" in opts else 16,
                               dependencies=deps, name=opts.get("name"), queue=opts.get("queue"),
                               cwd=opts.get("cwd") or proc.cwd, env=e, userid=proc.host.uid, username=proc.host.user,
                               output=opts.get("output"), error=opts.get("error"), host=proc.host, attrs=attrs))
    return reqs


async def submit(proc, inst, args: list[str]) -> int:
    try:
        opts, argv = parse(args, "flux-submit")
        if not argv:
            raise _Usage("job command and arguments are missing")
        reqs = build_requests(proc, opts, argv)
    except _Usage as exc:
        await proc.err(f"usage: flux-submit [OPTIONS...] COMMAND [ARGS...]\nflux-submit: error: {exc}\n")
        return 2
    except SubmitError as exc:
        await proc.err(f"[Errno {exc.errno}] {exc.message}\n")
        return 1
    ascii = ascii_ids_python(proc.env)
    jobs = []
    for req in reqs:
        try:
            job = inst.submit(req)
        except SubmitError as exc:
            await proc.err(f"[Errno {exc.errno}] {exc.message}\n")
            return 1
        jobs.append(job)
        if not opts.get("quiet"):
            await proc.out(job.f58(ascii) + "\n")
    rc = 0
    if opts.get("wait") or opts.get("wait_event"):
        from .job import INACTIVE

        for job in jobs:
            if opts.get("wait_event") and not opts.get("wait"):
                name = opts["wait_event"]
                while not any(e[1] == name for e in job.eventlog()) and job.state != INACTIVE:
                    await inst.wait_job(job)
                continue
            while job.state != INACTIVE:
                await inst.wait_job(job)
            code = job.returncode()
            if code != 0:
                rc = max(rc, code if isinstance(code, int) and code > 0 else 1)
    return rc


async def run(proc, inst, args: list[str]) -> int:
    from .job_cmd import attach

    try:
        opts, argv = parse(args, "flux-run")
        if not argv:
            raise _Usage("job command and arguments are missing")
        reqs = build_requests(proc, opts, argv)
        req = reqs[0]
        job = inst.submit(req)
    except _Usage as exc:
        await proc.err(f"usage: flux-run [OPTIONS...] COMMAND [ARGS...]\nflux-run: error: {exc}\n")
        return 2
    except SubmitError as exc:
        await proc.err(f"flux-run: ERROR: {exc.message}\n")
        return 1
    if opts["verbose"]:
        await proc.err(f"jobid: {job.f58(ascii_ids_python(proc.env))}\n")
    return await attach(proc, inst, job, label=bool(opts.get("label")))
