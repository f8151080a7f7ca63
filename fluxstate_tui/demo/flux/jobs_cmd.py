"""`flux jobs`: selection, row order, the format language, --json and --stats."""

from __future__ import annotations

import datetime
import json
from typing import Any

from fluxstate_tui.flux.fsd import parse_fsd
from fluxstate_tui.flux.ids import dothex, kvs_path

from .formats import FieldDef, FormatError, OutputFormat
from .job import (
    ACTIVE_MASK,
    CANCELED,
    CLEANUP,
    COMPLETED,
    DEPEND,
    FAILED,
    INACTIVE,
    PENDING_MASK,
    PRIORITY,
    RESULT_ABBREV,
    RESULT_NAMES,
    RUN,
    RUNNING_MASK,
    SCHED,
    STATE_NAMES,
    STATE_SINGLE,
    TIMEOUT,
    Job,
)
from .pyargs import unsupported
from .util import ascii_ids_python

FORMATS = {
    "default": "{id.f58:>12} ?:{queue:<8.8} +:{username:<8} {name:<10.10+} {status_abbrev:>2.2} {ntasks:>6} "
               "{nnodes:>6h} {contextual_time!F:>8h} {contextual_info}",
    "cute": "{id.f58:>12} ?:{queue:<8.8} +:{username:<8} {name:<10.10+} {status_emoji:>5.5} {ntasks:>6} "
            "{nnodes:>6h} {contextual_time!F:>8h} {contextual_info}",
    "long": "{id.f58:>12} ?:{queue:<8.8} +:{username:<8} {name:<10.10+} {status:>9.9} {ntasks:>6} {nnodes:>6h} "
            "{t_submit!d:%b%d %R::>12} {t_remaining!F:>12h} {contextual_time!F:>8h} {contextual_info}",
    "deps": "{id.f58:>12} ?:{queue:<8.8} {name:<10.10+} {urgency:<3} {priority:<12} {state:<8.8} {dependencies}",
    "endreason": "{id.f58:>12} ?:{queue:<8.8} +:{username:<8} {name:<10.10+} {status_abbrev:>2.2} "
                 "{t_inactive!d:%b%d %R::>12h} {inactive_reason}",
}
FORMAT_HELP = [
    ("default", "Default flux-jobs format string"),
    ("cute", "Cute flux-jobs format string (default with emojis)"),
    ("long", "Extended flux-jobs format string"),
    ("deps", "Show job urgency, priority, and dependencies"),
    ("endreason", "Show why each job ended"),
]
STATE_FILTERS = {"depend": DEPEND, "priority": PRIORITY, "sched": SCHED, "run": RUN, "cleanup": CLEANUP,
                 "inactive": INACTIVE, "pending": PENDING_MASK, "running": RUNNING_MASK, "active": ACTIVE_MASK}
RESULT_FILTERS = {"completed": COMPLETED, "failed": FAILED, "canceled": CANCELED, "timeout": TIMEOUT}
EMOJI = {"D": "\U0001f4dd", "P": "\U0001f4dd", "S": "\U0001f55b", "R": "\U0001f3c3", "C": "\U0001f9f9",
         "CD": "\u2705", "F": "\u274c", "CA": "\U0001f6ab", "TO": "\u231b"}
USAGE = "usage: flux-jobs [-h] [OPTIONS...] [JOBID ...]\n"


class InfoList(list):
    """flux.job.info.InfoList: a list that formats as its items joined by commas (`{dependencies}`),
    while `{dependencies!r}` / `!a` print the list's repr, as with real flux."""

    def __str__(self) -> str:
        return ",".join(self)


def job_fields(inst, now: float, ascii: bool) -> dict[str, FieldDef]:
    def _opt(v):
        return "" if v is None else v

    def exc(attr):
        def get(j: Job):
            if j.state != INACTIVE:
                return ""
            if attr == "occurred":
                return j.exc_type is not None
            if j.exc_type is None:
                return ""
            return {"type": j.exc_type, "severity": j.exc_severity, "note": j.exc_note}[attr]
        return get

    def annotations(j: Job):
        a = j.annotations()
        return json.dumps(a) if a else ""

    idf = (lambda j: j.f58a) if ascii else (lambda j: j.f58u)
    F = FieldDef
    fields = {
        "id": F("JOBID", idf), "id.f58": F("JOBID", idf), "id.f58plain": F("JOBID", lambda j: j.f58a),
        "id.dec": F("JOBID", lambda j: j.id), "id.hex": F("JOBID", lambda j: f"0x{j.id:x}"),
        "id.dothex": F("JOBID", lambda j: dothex(j.id)), "id.kvs": F("JOBID", lambda j: kvs_path(j.id)),
        "userid": F("UID", lambda j: j.userid), "username": F("USER", lambda j: j.username),
        "urgency": F("URG", lambda j: j.urgency), "priority": F("PRI", lambda j: _opt(j.priority)),
        "state": F("STATE", lambda j: STATE_NAMES[j.state]), "state_single": F("S", lambda j: STATE_SINGLE[j.state]),
        "state_emoji": F("STATE", lambda j: EMOJI.get(STATE_SINGLE[j.state], "")),
        "status": F("STATUS", lambda j: j.status_name()), "status_abbrev": F("ST", lambda j: j.status_abbrev()),
        "status_emoji": F("STATUS", lambda j: EMOJI.get(j.status_abbrev(), "")),
        "result": F("RESULT", lambda j: RESULT_NAMES.get(j.result, "") if j.state == INACTIVE else ""),
        "result_abbrev": F("RS", lambda j: RESULT_ABBREV.get(j.result, "") if j.state == INACTIVE else ""),
        "name": F("NAME", lambda j: j.name), "cwd": F("CWD", lambda j: j.cwd), "queue": F("QUEUE", lambda j: j.queue),
        "project": F("PROJECT", lambda j: ""), "bank": F("BANK", lambda j: ""),
        "ntasks": F("NTASKS", lambda j: j.ntasks), "ncores": F("NCORES", lambda j: j.ncores),
        "nnodes": F("NNODES", lambda j: j.nnodes), "ranks": F("RANKS", lambda j: j.ranks),
        "nodelist": F("NODELIST", lambda j: j.nodelist), "duration": F("DURATION", lambda j: float(j.duration)),
        "expiration": F("EXPIRATION", lambda j: float(j.expiration)),
        "t_remaining": F("T_REMAINING", lambda j: j.t_remaining(now)),
        "runtime": F("RUNTIME", lambda j: j.runtime(now)),
        "returncode": F("RC", lambda j: j.returncode()),
        "waitstatus": F("WSTATUS", lambda j: "" if j.waitstatus is None else j.waitstatus),
        "success": F("SUCCESS", lambda j: j.success if j.state == INACTIVE else ""),
        "exception.occurred": F("EXCEPTION-OCCURRED", exc("occurred")),
        "exception.severity": F("EXCEPTION-SEVERITY", exc("severity")),
        "exception.type": F("EXCEPTION-TYPE", exc("type")), "exception.note": F("EXCEPTION-NOTE", exc("note")),
        "dependencies": F("DEPENDENCIES", lambda j: InfoList(j.deps if j.state == DEPEND else [])),
        "annotations": F("ANNOTATIONS", annotations),
        "annotations.sched.reason_pending": F("REASON", lambda j: ""),
        "sched.reason_pending": F("REASON", lambda j: ""),
        "annotations.sched.resource_summary": F(
            "RESOURCES", lambda j: (j.annotations().get("sched") or {}).get("resource_summary", "")),
        "uri": F("URI", lambda j: None),
        "contextual_info": F("INFO", lambda j: j.contextual_info(ascii)),
        "contextual_time": F("TIME", lambda j: j.contextual_time(now)),
        "inactive_reason": F("INACTIVE-REASON", lambda j: j.inactive_reason()),
    }
    for t in ("t_submit", "t_depend", "t_priority", "t_sched", "t_run", "t_cleanup", "t_inactive"):
        fields[t] = F(t.upper(), (lambda name: lambda j: float(getattr(j, name)))(t))
    return fields


def job_dict(j: Job, now: float, ascii: bool) -> dict[str, Any]:
    """JobInfo.to_dict(): key order and omission rules of flux jobs --json (04-json.txt)."""
    d: dict[str, Any] = {}
    for t in ("t_depend", "t_priority", "t_sched", "t_run", "t_cleanup", "t_inactive"):
        v = getattr(j, t)
        if v:
            d[t] = v
    d["duration"] = float(j.duration)
    if j.expiration:
        d["expiration"] = j.expiration
    d["name"] = j.name
    d["cwd"] = j.cwd
    if j.queue:
        d["queue"] = j.queue
    d["ntasks"] = j.ntasks
    for key in ("ncores", "nnodes"):
        v = getattr(j, key)
        if v != "":
            d[key] = v
    if j.priority is not None:
        d["priority"] = j.priority
    if j.alloc is not None:
        d["ranks"] = j.ranks
        d["nodelist"] = j.nodelist
    if j.state == INACTIVE:
        d["success"] = j.success
        d["result"] = RESULT_NAMES[j.result]
        if j.waitstatus is not None:
            d["waitstatus"] = j.waitstatus
    d["id"] = j.id
    d["t_submit"] = j.t_submit
    rem = j.t_remaining(now)
    if rem:
        d["t_remaining"] = rem
    d["state"] = STATE_NAMES[j.state]
    d["username"] = j.username
    d["userid"] = j.userid
    d["urgency"] = j.urgency
    rt = j.runtime(now)
    if rt:
        d["runtime"] = rt
    d["status"] = j.status_name()
    if j.state == INACTIVE:
        d["returncode"] = j.returncode()
    d["dependencies"] = list(j.deps) if j.state == DEPEND else []
    d["jobid"] = j.f58(ascii)
    d["annotations"] = j.annotations()
    if j.exc_type is not None and j.state == INACTIVE:
        d["exception"] = {"occurred": True, "severity": j.exc_severity, "type": j.exc_type, "note": j.exc_note}
    else:
        d["exception"] = {"occurred": False}
    return d


def _parse_since(text: str, now: float) -> float:
    s = text.strip()
    if s.startswith("-"):
        return now - parse_fsd(s[1:])
    try:
        return float(s)
    except ValueError:
        pass
    try:
        return datetime.datetime.fromisoformat(s).replace(tzinfo=datetime.UTC).timestamp()
    except ValueError:
        raise ValueError(f"invalid --since value '{text}'") from None


def _options(ns) -> dict[str, Any]:
    """The parsed options as the listing below reads them."""
    return {"all": ns.a, "allusers": ns.A, "user": ns.user, "noheader": ns.no_header, "count": ns.count,
            "filter": ",".join(sorted(ns.filter)) or None, "since": ns.since or None, "name": ns.name,
            "queue": ",".join(sorted(ns.queue)) or None, "format": ns.format, "sort": ns.sort or None,
            "json": ns.json, "stats": ns.stats, "stats_only": ns.stats_only}


def _refused(ns) -> str | None:
    """Options this simulator does not carry out. -R, -L, --recurse-all and --threads are accepted: no
    simulated job is a Flux instance, so there is nothing to recurse into."""
    if ns.include is not None:
        return "--include"
    if ns.width != -1:
        return "--width"
    if ns.color == "always":
        return "--color"
    return "--from-stdin" if ns.from_stdin else None


ROWS_PER_WRITE = 2000  # rows per write: real flux flushes a piped stdout every 8 KiB; coarser is enough here


async def run(proc, inst, ns) -> int:
    err = proc.err
    refused = _refused(ns)
    if refused:
        raise unsupported("flux-jobs", refused)
    opts = _options(ns)
    parsed_ids = [(j.orig, int(j)) for j in ns.jobids]
    ascii = ascii_ids_python(proc.env)
    now = inst.clock.now()
    if opts["json"] and (opts["stats"] or opts["stats_only"]):
        await err("flux-jobs: ERROR: --json incompatible with --stats or --stats-only\n")
        return 1
    fmt = opts["format"]
    if fmt == "help":
        lines = ["", "Configured flux-jobs output formats:", ""] + [f"  {n:<12} {d}" for n, d in FORMAT_HELP]
        await proc.out("\n".join(lines) + "\n")
        return 0
    if opts["stats_only"]:
        st = inst.stats()
        await proc.out(_stats_line(st) + "\n")
        return 0 if st["running"] + st["pending"] > 0 else 1

    # selection
    state_mask, result_mask = PENDING_MASK | RUNNING_MASK, 0
    if opts["filter"]:
        if opts["all"]:
            await err("flux-jobs: WARNING: Both -a and --filter specified, ignoring -a\n")
        state_mask = 0
        for word in opts["filter"].split(","):
            w = word.strip().lower()
            if w in STATE_FILTERS:
                state_mask |= STATE_FILTERS[w]
            elif w in RESULT_FILTERS:
                result_mask |= RESULT_FILTERS[w]
            else:
                await err(f"flux-jobs: ERROR: Invalid filter specified: {word}\n")
                return 1
    elif opts["all"] or opts["since"]:
        state_mask = ACTIVE_MASK | INACTIVE
    uid: int | None = proc.host.uid if proc.host is not None else 0
    if opts["allusers"]:
        uid = None
    if opts["user"] is not None:
        u = opts["user"]
        uid = None if u == "all" else (int(u) if u.isdigit() else (0 if u == "root" else -1))
    since = 0.0
    if opts["since"]:
        try:
            since = _parse_since(opts["since"], now)
        except ValueError as exc:
            await err(f"flux-jobs: ERROR: {exc}\n")
            return 1
    queues = set(opts["queue"].split(",")) if opts["queue"] else None

    rc = 0
    if parsed_ids:
        if ns.filtered and not ns.recursive:
            await err("flux-jobs: WARNING: Filtering options ignored with jobid list\n")
        jobs = []
        for orig, jid in parsed_ids:
            j = inst.jobs.get(jid)
            if j is None:
                await err(f"JobID {orig} unknown\n")
            else:
                jobs.append(j)
        if not jobs:
            return 1
        truncated = False
    else:
        jobs = []
        count = opts["count"]
        limit = count + 1 if count > 0 else None
        name = opts["name"]

        def want(j: Job) -> bool:
            if uid is not None and j.userid != uid:
                return False
            if name is not None and j.name != name:
                return False
            if queues is not None and j.queue not in queues:
                return False
            return True

        groups = []
        if state_mask & PENDING_MASK:
            groups.append([j for j in inst.pending_sorted() if j.state & state_mask])
        if state_mask & RUNNING_MASK:
            groups.append([j for j in inst.running_sorted() if j.state & state_mask])
        for g in groups:
            for j in g:
                if want(j):
                    jobs.append(j)
        if (state_mask & INACTIVE) or result_mask:
            for j in reversed(inst.inactive):
                if limit is not None and len(jobs) >= limit:
                    break
                if since and j.t_inactive <= since:
                    break
                if result_mask and not (j.result & result_mask):
                    continue
                if want(j):
                    jobs.append(j)
        truncated = limit is not None and len(jobs) > count
        if truncated:
            jobs = jobs[:count]

    if opts["json"]:
        dicts = [job_dict(j, now, ascii) for j in jobs]
        if len(parsed_ids) == 1:
            await proc.out(json.dumps(dicts[0]) + "\n")
        else:
            await proc.out(json.dumps({"jobs": dicts}) + "\n")
        return rc

    fmtstr = FORMATS.get(fmt or "default", fmt)
    fields = job_fields(inst, now, ascii)
    sort_spec = opts["sort"]
    if fmtstr.startswith("sort:"):
        head, _sp, fmtstr = fmtstr.partition(" ")
        sort_spec = sort_spec or head[5:]
    try:
        of = OutputFormat(fmtstr, fields)
    except FormatError as exc:
        await err(f"flux-jobs: ERROR: {exc}\n")
        return 1
    if sort_spec:
        for key in reversed(sort_spec.split(",")):
            rev = key.startswith("-")
            k = key.lstrip("-")
            if k not in fields:
                await err(f"flux-jobs: ERROR: Invalid sort key: {k}\n")
                return 1
            getter = fields[k].getter
            jobs.sort(key=lambda j: _sortable(getter(j)), reverse=rev)
    if opts["stats"]:
        await proc.out(_stats_line(inst.stats()) + "\n")
    header = not opts["noheader"]
    # flux prints each row as it formats it (print_items), so a big listing streams out while it is
    # being made, unless a column's width or presence depends on every row.
    step = len(jobs) if of.needs_every_row else ROWS_PER_WRITE
    for start in range(0, max(len(jobs), 1), max(step, 1)):
        lines = of.render(jobs[start:start + step], header=header and start == 0)
        if lines:
            await proc.out("".join(line + "\n" for line in lines))
    if truncated and not opts["noheader"]:
        await err(f"warning: output truncated at {opts['count']} jobs.\n"
                  "Use --count to increase returned results or use filters to alter results.\n")
    return rc


def _sortable(v: Any):
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return (0, v, "")
    return (1, 0, str(v))


def _stats_line(st: dict[str, int]) -> str:
    return (f"{st['running']} running, {st['successful']} completed, {st['failed']} failed, "
            f"{st['pending']} pending, {st['inactive_purged']} inactive purged")

