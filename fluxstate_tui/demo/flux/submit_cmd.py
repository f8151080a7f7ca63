"""`flux submit` and `flux run` (submit, then attach like `flux job attach`).

The options arrive parsed (submit_args.py). What flux.cli.base checks after parsing is checked here in
its order, each failure logged as `flux-submit: ERROR: ...` (`flux-run: ...`) with exit 1.
"""

from __future__ import annotations

import math
from argparse import Namespace

from fluxstate_tui.flux.hostlist import idset_decode
from fluxstate_tui.flux.ids import parse_jobid

from .job import INACTIVE
from .job_cmd import attach
from .pyargs import ArgExit, fsd, unsupported
from .submit import JobRequest, SubmitError
from .submit_args import refused
from .util import ascii_ids_python

INT_OPTIONS = ("ntasks", "nodes", "cores_per_task")
URGENCY_WORDS = {"default": 16, "hold": 0, "expedite": 31}


def _duration(text: str) -> float:
    """-t: a bare number is minutes, anything else a Flux standard duration (JobspecV1.duration)."""
    try:
        seconds = float(text) * 60
    except ValueError:
        return fsd(text)
    if seconds < 0:
        raise ValueError("duration must not be negative")
    if not math.isfinite(seconds):
        raise ValueError("duration must be a normal, finite value")
    return seconds


def build_requests(proc, ns: Namespace) -> list[JobRequest]:
    """SubmitBaseCmd.init_jobspec() and submit_async(): ValueError for what they refuse."""
    if not ns.command:
        raise ValueError("job command and arguments are missing")
    argv = ns.command[1:] if ns.command[0] == "--" else ns.command
    duration = _duration(ns.time_limit) if ns.time_limit is not None else 0.0
    counts: dict[str, int | None] = {}
    for dest in INT_OPTIONS:
        value = getattr(ns, dest)
        try:
            counts[dest] = int(value) if value else None
        except ValueError:
            raise ValueError(f"--{dest.replace('_', '-')}: invalid int value '{value}'") from None
    attrs: dict[str, object] = {}
    for sa in ns.setattr or []:
        k, _e, v = sa.partition("=")
        if not k.startswith(("system.", "user.", "attributes.")):
            k = "user." + k
        attrs[k] = v
        if k == "system.duration":
            duration = fsd(v)
    deps = []
    for d in ns.dependency or []:
        for item in d.split(","):
            kind, _c, target = item.partition(":")
            try:
                deps.append((kind, parse_jobid(target)))
            except ValueError:
                raise SubmitError(22, f"invalid dependency target: {target}") from None
    cc, bcc = getattr(ns, "cc", None), getattr(ns, "bcc", None)  # flux run has neither
    if cc and bcc:
        raise ValueError("specify only one of --cc or --bcc")
    copies: list[int | None] = list(idset_decode(cc or bcc or "")) if (cc or bcc) else [None]
    urgency = URGENCY_WORDS[ns.urgency] if ns.urgency in URGENCY_WORDS else int(ns.urgency)
    reqs = []
    for c in copies:
        env = dict(proc.env)
        if c is not None and cc:
            env["FLUX_JOB_CC"] = str(c)
        reqs.append(JobRequest(argv=list(argv), ntasks=counts["ntasks"], nnodes=counts["nodes"],
                               cores_per_task=counts["cores_per_task"] or 1, exclusive=ns.exclusive,
                               duration=duration, urgency=urgency, dependencies=deps, name=ns.job_name,
                               queue=ns.queue, cwd=ns.cwd or proc.cwd, env=env, userid=proc.host.uid,
                               username=proc.host.user, output=ns.output, error=ns.error, host=proc.host,
                               attrs=attrs))
    return reqs


def _requests(proc, ns: Namespace, prog: str) -> list[JobRequest]:
    flag = refused(ns)
    if flag:
        raise unsupported(prog, flag)
    try:
        return build_requests(proc, ns)
    except ValueError as exc:
        raise ArgExit(1, err=f"{prog}: ERROR: {exc}\n") from None


async def submit(proc, inst, ns: Namespace) -> int:
    try:
        reqs = _requests(proc, ns, "flux-submit")
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
        if not ns.quiet:
            await proc.out(job.f58(ascii) + "\n")
    rc = 0
    for job in jobs if ns.wait else []:
        if ns.wait != "clean":  # --wait-event=NAME
            while not any(e[1] == ns.wait for e in job.eventlog()) and job.state != INACTIVE:
                await inst.wait_job(job)
            continue
        while job.state != INACTIVE:
            await inst.wait_job(job)
        code = job.returncode()
        if code != 0:
            rc = max(rc, code if isinstance(code, int) and code > 0 else 1)
    return rc


async def run(proc, inst, ns: Namespace) -> int:
    try:
        if ns.wait_event or ns.verbose > 1:  # attach would wait for that event / print the eventlogs
            raise unsupported("flux-run", "--wait-event" if ns.wait_event else "-vv")
        req = _requests(proc, ns, "flux-run")[0]
        job = inst.submit(req)
    except SubmitError as exc:
        await proc.err(f"flux-run: ERROR: {exc.message}\n")
        return 1
    if ns.verbose:
        await proc.err(f"jobid: {job.f58(ascii_ids_python(proc.env))}\n")
    return await attach(proc, inst, job, label=ns.label_io)
