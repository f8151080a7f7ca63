"""`flux cancel` (flux-cancel.py): ids, or a selection with --all/--user/--states."""

from __future__ import annotations

from fluxstate_tui.flux.ids import f58_encode, parse_jobid

from .job import CLEANUP, DEPEND, PENDING_MASK, PRIORITY, RUN, RUNNING_MASK, SCHED
from .util import ascii_ids_python, plural

STATES = {"depend": DEPEND, "priority": PRIORITY, "sched": SCHED, "run": RUN, "cleanup": CLEANUP,
          "pending": PENDING_MASK, "running": RUNNING_MASK, "active": PENDING_MASK | RUNNING_MASK}


async def run(proc, inst, args: list[str], prog: str = "flux-cancel") -> int:
    opts: dict = {}
    ids: list[str] = []
    i = 0
    try:
        while i < len(args):
            a = args[i]
            key, eq, val = a.partition("=") if a.startswith("--") else (a[:2], "", a[2:])
            if a.startswith("-") and a != "-":
                if key in ("-m", "--message", "-u", "--user", "-S", "--states"):
                    if not (eq or val):
                        i += 1
                        if i >= len(args):
                            raise ValueError(f"argument {key}: expected one argument")
                        val = args[i]
                    opts[key.lstrip("-")[:1] if not key.startswith("--") else key[2:]] = val
                elif key in ("--all", "-n", "--dry-run", "-q", "--quiet") and not val:
                    flag = {"--all": "all", "-n": "dry", "--dry-run": "dry", "-q": "quiet", "--quiet": "quiet"}[key]
                    opts[flag] = True
                else:
                    raise ValueError(f"unrecognized arguments: {a}")
            else:
                ids.append(a)
            i += 1
    except ValueError as exc:
        await proc.err("usage: flux-cancel [-h] [-n] [-m NOTE] [-u USER] [-S STATES] [-q] [--all] [JOBID ...]\n"
                       f"{prog}: error: {exc}\n")
        return 2
    note = opts.get("m") or opts.get("message") or ""
    ascii = ascii_ids_python(proc.env)
    user = opts.get("u") or opts.get("user")
    states = opts.get("S") or opts.get("states")
    if ids and (opts.get("all") or user or states):
        await proc.err(f"{prog}: ERROR: Do not specify a list of jobids with --all, --user, or --states\n")
        return 1
    if not ids and not (opts.get("all") or user or states):
        await proc.err(f"{prog}: ERROR: specify at least one jobid, or use --all\n")
        return 1
    if ids:
        rc = 0
        for s in ids:
            try:
                jid = parse_jobid(s)
            except ValueError:
                await proc.err(f"{prog}: ERROR: invalid jobid: {s}\n")
                rc = 1
                continue
            job = inst.jobs.get(jid)
            if job is None:
                await proc.err(f"{prog}: ERROR: {f58_encode(jid, ascii=ascii)}: unknown job id\n")
                rc = 1
                continue
            err = inst.cancel(job, note)
            if err:
                await proc.err(f"{prog}: ERROR: {job.f58(ascii)}: {err}\n")
                rc = 1
        return rc
    mask = 0
    for w in (states or "active").split(","):
        if w.lower() not in STATES:
            await proc.err(f"{prog}: ERROR: Invalid state {w} specified\n")
            return 1
        mask |= STATES[w.lower()]
    uid = None if user == "all" else (int(user) if user and user.isdigit() else proc.host.uid)
    jobs = [j for j in list(inst.pending.values()) + list(inst.running.values())
            if (j.state & mask) and (uid is None or j.userid == uid)]
    if not jobs:
        if not opts.get("quiet"):
            await proc.err(f"{prog}: Matched 0 jobs\n")
        return 0
    if opts.get("dry"):
        await proc.err(f"{prog}: Would cancel {plural(len(jobs), 'job')}\n")
        return 0
    errors = sum(1 for j in jobs if inst.cancel(j, note))
    if not opts.get("quiet"):
        await proc.err(f"{prog}: Canceled {plural(len(jobs) - errors, 'job')} ({plural(errors, 'error')})\n")
    return 0
