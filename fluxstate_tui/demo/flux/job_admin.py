"""`flux job urgency` and `flux job kill` (src/cmd/job/urgency.c, kill.c): change or signal a job.

Error texts are the job manager's (urgency.c, kill.c), printed as flux-job prints them: urgency names
the id as it was given (`flux-job: ƒX: job is inactive`); kill sends one request per id and reports
each failure as `flux-job: kill ƒX: job is not running`, going on with the others.
"""

from __future__ import annotations

import signal

from fluxstate_tui.flux.ids import parse_jobid

from .job import INACTIVE, RUN

URGENCY_WORDS = {"hold": 0, "default": 16, "expedite": 31}
URGENCY_MIN, URGENCY_MAX = 0, 31
SIGRTMAX = 64


async def urgency(proc, inst, parsed) -> int:
    text, value = parsed.operands
    try:
        jid = parse_jobid(text)
    except ValueError:
        await proc.err(f'flux-job: error parsing jobid: "{text}"\n')
        return 1
    if value.lower() in URGENCY_WORDS:
        urg = URGENCY_WORDS[value.lower()]
    elif value.isdigit():
        urg = int(value)
    else:
        await proc.err(f'flux-job: error parsing urgency: "{value}"\n')
        return 1
    job = inst.jobs.get(jid)
    error = None
    if urg < URGENCY_MIN or urg > URGENCY_MAX:
        error = "urgency value is out of range"
    elif job is None:
        error = "unknown job"
    elif job.state == INACTIVE:
        error = "job is inactive"
    elif job.alloc is not None:
        error = "urgency cannot be changed once resources are allocated"
    if error:
        await proc.err(f"flux-job: {text}: {error}\n")
        return 1
    old = job.urgency
    inst.set_urgency(job, urg)
    if parsed.has("verbose"):
        words = {0: "job held", 31: "job expedited"}
        await proc.err(f"old urgency: {words.get(old, old)}\n")
    return 0


def signum(text: str) -> int | None:
    """A signal number from `15`, `TERM` or `SIGTERM` (libutil sigutil_signum)."""
    if text.isdigit():
        n = int(text)
        return n if 0 < n <= SIGRTMAX else None
    name = text.upper() if text.upper().startswith("SIG") else "SIG" + text.upper()
    value = signal.Signals.__members__.get(name)
    return int(value) if value is not None else None


async def kill(proc, inst, parsed) -> int:
    texts = parsed.operands
    ids = []
    for text in texts:
        try:
            ids.append((text, parse_jobid(text)))
        except ValueError:
            await proc.err(f"flux-job: invalid jobid: {text}\n")
            return 1
    name = parsed.get("signal", "SIGTERM") or "SIGTERM"
    sig = signum(name)
    if sig is None:
        await proc.err(f"flux-job: kill: Invalid signal {name}\n")
        return 1
    rc = 0
    for text, jid in ids:
        job = inst.jobs.get(jid)
        # The job manager looks the id up among active jobs only: an inactive job is unknown to it.
        error = ("unknown job id" if job is None or job.state == INACTIVE else
                 "job is not running" if job.state != RUN else None)
        if error is None:
            inst.signal_job(job, sig)
        else:
            await proc.err(f"flux-job: kill {text}: {error}\n")
            rc = 1
    return rc
