"""`flux cancel` (flux-cancel.py): ids, or a selection with --all/--user/--states."""

from __future__ import annotations

from fluxstate_tui.flux.ids import f58_encode

from .job import CLEANUP, DEPEND, PENDING_MASK, PRIORITY, RUN, RUNNING_MASK, SCHED
from .util import ascii_ids_python, plural

STATES = {"depend": DEPEND, "priority": PRIORITY, "sched": SCHED, "run": RUN, "cleanup": CLEANUP,
          "pending": PENDING_MASK, "running": RUNNING_MASK, "active": PENDING_MASK | RUNNING_MASK}
PROG = "flux-cancel"


async def run(proc, inst, ns) -> int:
    every = ns.all or ns.user or ns.states  # --user and --states imply --all
    if ns.jobids and every:
        await proc.err(f"{PROG}: ERROR: Do not specify a list of jobids with --all,--user,--states options\n")
        return 1
    if every:
        return await _cancel_all(proc, inst, ns)
    if not ns.jobids:
        await proc.err(f"{PROG}: ERROR: No target jobs were provided\n")
        return 1
    if ns.dry_run:
        await proc.err(f"{PROG}: Would cancel {plural(len(ns.jobids), 'job')}\n")
        return 0
    ascii = ascii_ids_python(proc.env)
    rc = 0
    for jid in ns.jobids:
        job = inst.jobs.get(int(jid))
        error = "unknown job id" if job is None else inst.cancel(job, ns.message or "")
        if error:
            # flux-cancel names the job by its JobID, which prints as F58 whatever form was given
            await proc.err(f"{PROG}: ERROR: {f58_encode(int(jid), ascii=ascii)}: {error}\n")
            rc = 1
    return rc


async def _cancel_all(proc, inst, ns) -> int:
    user = ns.user
    if user is None:
        uid = proc.host.uid
    elif user == "all":
        uid = None
    elif user == "root" or user.isdigit():
        uid = 0 if user == "root" else int(user)
    else:
        await proc.err(f"{PROG}: ERROR: Invalid user {user} specified\n")
        return 1
    mask = 0
    for word in ",".join(ns.states or ["active"]).split(","):
        if word.lower() not in STATES:
            await proc.err(f"{PROG}: ERROR: Invalid state {word} specified\n")
            return 1
        mask |= STATES[word.lower()]
    jobs = [j for j in list(inst.pending.values()) + list(inst.running.values())
            if (j.state & mask) and (uid is None or j.userid == uid)]
    if not jobs:
        if not ns.quiet:
            await proc.err(f"{PROG}: Matched 0 jobs\n")
        return 0
    if ns.dry_run:
        await proc.err(f"{PROG}: Would cancel {plural(len(jobs), 'job')}\n")
        return 0
    errors = sum(1 for j in jobs if inst.cancel(j, ns.message or ""))
    await proc.err(f"{PROG}: Canceled {plural(len(jobs) - errors, 'job')} ({plural(errors, 'error')})\n")
    return 0
