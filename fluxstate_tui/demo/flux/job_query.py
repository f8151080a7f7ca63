"""`flux job eventlog|wait-event|id|last|stats` (src/cmd/job/eventlog.c, id.c, last.c, stats.c).

Their options arrive parsed (ctables.py); what the C code checks after parsing is checked here in its
order, failures exiting 1 as `flux-job: MESSAGE`.
"""

from __future__ import annotations

from fluxstate_tui.flux.ids import dothex, f58_encode, kvs_path, parse_jobid

from .ctables import FLUX_JOB
from .job import CANCELED, COMPLETED, FAILED, INACTIVE, STATE_NAMES, TIMEOUT, event_json, format_event_text
from .job_cmd import exec_eventlog, fail, guest_input_events, guest_output_events, lookup, parse_id
from .liboptparse import Parsed, get_color, get_duration, get_int, print_usage_exit
from .pyargs import unsupported
from .util import ascii_ids_c, iso_utc, jdumps, strftime_utc

EVENTLOG, WAIT_EVENT = FLUX_JOB["eventlog"], FLUX_JOB["wait-event"]
TIME_FORMATS = ("raw", "iso", "offset", "human", "reltime")
NOT_FOUND = "job {} not found"  # what the eventlog lookup and watch say for an unknown job


def _formats(cmd, parsed: Parsed, env: dict[str, str]) -> tuple[str, str]:
    """formatter_parse_options(): --human means text with human times; a bad name ends the command."""
    fmt, tfmt = parsed.get("format", "text") or "text", parsed.get("time-format", "raw") or "raw"
    if get_color(cmd, parsed, env):
        raise unsupported("flux-job", f"{cmd.name} --color")
    if parsed.has("human"):
        fmt, tfmt = "text", "human"
    if fmt not in ("text", "json"):
        raise fail(f"invalid format type '{fmt}'")
    if tfmt not in TIME_FORMATS:
        raise fail(f"invalid time-format type '{tfmt}'")
    if tfmt == "reltime":
        raise unsupported("flux-job", f"{cmd.name} --time-format=reltime")
    return fmt, tfmt


def _events(job, path: str) -> list:
    if path in ("exec", "guest.exec.eventlog"):
        return exec_eventlog(job)
    if path in ("output", "guest.output"):
        return guest_output_events(job)
    if path in ("input", "guest.input"):
        return guest_input_events(job)
    return job.eventlog()


async def eventlog(proc, inst, parsed: Parsed) -> int:
    if len(parsed.operands) != 1:  # counted after connecting, unlike the other subcommands
        raise print_usage_exit(EVENTLOG, proc.env)
    parse_id(parsed.operands[0])
    fmt, tfmt = _formats(EVENTLOG, parsed, proc.env)
    job = lookup(inst, parsed.operands[0], NOT_FOUND)
    if parsed.has("follow"):
        while job.state != INACTIVE:
            await inst.wait_job(job)
    evs = _events(job, parsed.get("path", "eventlog") or "eventlog")
    lines = []
    t0 = evs[0][0] if evs else 0.0
    for i, (ts, name, ctx) in enumerate(evs):
        if fmt == "json":
            lines.append(event_json(ts, name, ctx))
            continue
        if tfmt == "human":
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


async def wait_event(proc, inst, parsed: Parsed) -> int:
    """--quiet prints nothing; --timeout bounds the wait. Matching context, counting, verbose output,
    other eventlogs and waiting for one to be created are refused."""
    text, name = parsed.operands
    timeout = get_duration(WAIT_EVENT, parsed, "timeout", -1.0)
    count = get_int(WAIT_EVENT, parsed, "count", 1)
    if count <= 0:
        raise fail("count must be > 0")
    refused = next((f"--{o}" for o in ("match-context", "verbose", "waitcreate") if parsed.has(o)), None)
    if count != 1 or parsed.get("path", "eventlog") != "eventlog":
        refused = refused or ("--count" if count != 1 else "--path")
    if refused:
        raise unsupported("flux-job", f"wait-event {refused}")
    parse_id(text)
    _formats(WAIT_EVENT, parsed, proc.env)
    job = lookup(inst, text, NOT_FOUND)

    def found():
        return next((ev for ev in job.eventlog() if ev[1] == name), None)

    ok = await inst.wait_for(lambda: found() is not None or job.state == INACTIVE,
                             timeout if timeout >= 0 else None)
    ev = found()
    if ev is None:
        raise fail(f"wait-event timeout on event '{name}'" if not ok else f"event '{name}' never received")
    if not parsed.has("quiet"):
        await proc.out(f"{ev[0]:.6f} {ev[1]}\n")
    return 0


def encode_id(jid: int, to: str, ascii: bool) -> str:
    forms = {"dec": str(jid), "hex": f"0x{jid:x}", "dothex": dothex(jid), "kvs": kvs_path(jid),
             "f58": f58_encode(jid, ascii=ascii), "f58plain": f58_encode(jid, ascii=True)}
    if to in ("words", "emoji"):
        raise unsupported("flux-job", f"id --to={to}")
    if to not in forms:
        raise fail(f"Unknown to={to}")
    return forms[to]


async def id_cmd(proc, inst, parsed: Parsed) -> int:
    """No operands: one id per line of stdin; exit 1 when there was none."""
    to = parsed.get("to", "dec") or "dec"
    words = parsed.operands or [line.strip() for line in (await proc.stdin.read()).decode().splitlines()]
    ascii = ascii_ids_c(proc.env)
    for word in words:
        try:
            jid = parse_jobid(word)
        except ValueError:
            raise fail(f"{word}: malformed input") from None
        await proc.out(encode_id(jid, to, ascii) + "\n")
    return 0 if words else 1


async def last(proc, inst, parsed: Parsed) -> int:
    """SLICE is `N` (the N newest) or a Python-like slice in brackets."""
    text = parsed.operands[0] if parsed.operands else "[:1]"
    try:
        n = int(text.strip().strip("[]:") or 1)
    except ValueError:
        raise unsupported("flux-job", f"last {text}") from None
    ids = sorted(inst.jobs, reverse=True)[:n]
    if not ids:
        raise fail("job history is empty")
    ascii = ascii_ids_c(proc.env)
    await proc.out("".join(f58_encode(i, ascii=ascii) + "\n" for i in ids))
    return 0


async def stats(proc, inst, parsed: Parsed) -> int:
    """Operands are ignored, as stats.c ignores them."""
    st = dict.fromkeys(("depend", "priority", "sched", "run", "cleanup"), 0)
    for j in list(inst.pending.values()) + list(inst.running.values()):
        st[STATE_NAMES[j.state].lower()] += 1
    st["inactive"] = len(inst.inactive)
    st["total"] = len(inst.jobs)
    c = inst.counts
    await proc.out(jdumps({"job_states": st, "successful": c[COMPLETED], "failed": c[FAILED], "canceled": c[CANCELED],
                           "timeout": c[TIMEOUT], "inactive_purged": 0, "queues": []}) + "\n")
    return 0
