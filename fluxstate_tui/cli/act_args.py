"""The action commands' parsers and argument types: job ids in any flux form, urgencies, signals,
ranks, reasons, and --since (a duration or a time). A bad value is one usage line and exit 2."""

from __future__ import annotations

import argparse
import math
import re
import signal
import time
from datetime import datetime

from ..flux.fsd import parse_fsd
from ..flux.hostlist import idset_decode
from ..flux.ids import parse_jobid
from . import validate

MAX_RANK = 100_000
MAX_TEXT = 1000
URGENCY_WORDS = {"hold": 0, "default": 16, "expedite": 31}
JOB_COMMANDS = ("cancel", "hold", "release", "urgency", "kill")
COMMANDS = (*JOB_COMMANDS, "queue", "drain", "undrain", "nodes", "audit")
MUTATING = (*JOB_COMMANDS, "queue", "drain", "undrain")


def jobid(text: str) -> int:
    try:
        return parse_jobid(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a job id: {text!r} (an F58 id like ƒ2h71UaT or f2h71UaT, a decimal, 0x hex or dothex id)") from None


def urgency(text: str) -> int:
    if text.strip().lower() in URGENCY_WORDS:
        return URGENCY_WORDS[text.strip().lower()]
    try:
        return validate.whole(0, 31, "an urgency (0-31, hold, default or expedite)")(text)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{exc} (an urgency is 0-31, hold, default or expedite)") from None


def signal_name(text: str) -> str:
    """`SIGUSR1`, `usr1` or `10`, as flux job kill takes it (normalised to SIGNAME or a number)."""
    s = text.strip()
    if s.isdigit():
        if 1 <= int(s) <= 64:
            return str(int(s))
        raise argparse.ArgumentTypeError(f"must be a signal number from 1 to 64: {text}")
    name = s.upper() if s.upper().startswith("SIG") else "SIG" + s.upper()
    if name not in signal.Signals.__members__:
        raise argparse.ArgumentTypeError(f"not a signal: {text!r} (a name like SIGTERM or USR1, or a number)")
    return name


def ranks(text: str) -> list[int]:
    """One rank or an idset of them: `3`, `1-3`, `0,2,5-7`."""
    try:
        if len(text) > MAX_TEXT or not re.fullmatch(r"\[?[0-9][0-9,\-]*\]?", text.strip()):
            raise ValueError(text)
        found = idset_decode(text) if not re.search(r"\d{7,}", text) else [MAX_RANK + 1]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a rank or rank list: {text!r} (like 3, 1-3 or 0,2,5-7)") from None
    if not found or max(found) > MAX_RANK:
        raise argparse.ArgumentTypeError(f"ranks must be 0 to {MAX_RANK}: {text}")
    return found


def reason(text: str) -> str:
    """Free text for flux (a reason or message): not empty, bounded; every character is kept as data."""
    if not text.strip() or "\0" in text:
        raise argparse.ArgumentTypeError(f"not a usable reason: {text!r}")
    if len(text) > MAX_TEXT:
        raise argparse.ArgumentTypeError(f"at most {MAX_TEXT} characters: a reason of {len(text)}")
    return text


def filter_text(text: str) -> str:
    if not text.strip() or len(text) > MAX_TEXT:
        raise argparse.ArgumentTypeError(f"not a usable filter: {text!r} (1 to {MAX_TEXT} characters)")
    return text


def since(text: str) -> float:
    """Epoch seconds from a duration back from now (`30m`, `2h`, `1d`) or a time (`2026-11-24`,
    `2026-11-24T17:00`, local unless it names a zone)."""
    s = text.strip()
    try:
        back = parse_fsd(s)
    except ValueError:
        back = None
    if back is not None:
        if not math.isfinite(back) or back > 100 * 365 * 86400:
            raise argparse.ArgumentTypeError(f"not a usable duration: {text!r}")
        return time.time() - back
    try:
        when = datetime.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a duration or a time: {text!r} (like 30m, 2h, 1d, 2026-11-24 or 2026-11-24T17:00)") from None
    return when.timestamp()


def add_parsers(sub, client_flags) -> None:
    def common(p, confirmable: bool = True) -> None:
        p.add_argument("name", type=validate.dns_label("MiniCluster name"), help="MiniCluster name")
        p.add_argument("--json", action="store_true", help="print the result as one JSON document")
        if confirmable:
            p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")

    def jobs(p, every: str) -> None:
        p.add_argument("jobids", nargs="*", type=jobid, metavar="JOBID",
                       help="job ids, in any form flux takes (ƒ…, f…, decimal, 0x hex)")
        which = "held" if p.prog.endswith(" release") else every
        p.add_argument(f"--all-{every}", dest="all_jobs", action="store_true",
                       help=f"every {which} job (read from flux jobs now)")
        p.add_argument("--filter", type=filter_text, metavar="TEXT",
                       help=f"the {which} jobs whose id, name, user, state or queue contains TEXT")

    helps = {"cancel": "cancel jobs (flux cancel)", "hold": "hold pending jobs (urgency 0)",
             "release": "release held jobs (urgency 16)", "urgency": "set the urgency of pending jobs",
             "kill": "send a signal to running jobs (flux job kill)"}
    for command in JOB_COMMANDS:
        p = sub.add_parser(command, parents=[client_flags], help=helps[command],
                           description=helps[command].capitalize() + ". One exec per batch of a few hundred jobs, not "
                                       "one per job; each job flux refuses is reported with flux's message and "
                                       "the others go on.")
        common(p)
        if command == "urgency":
            p.add_argument("value", type=urgency, metavar="VALUE", help="0-31, hold, default or expedite")
        jobs(p, "running" if command == "kill" else "pending")
        if command == "cancel":
            p.add_argument("--with-dependents", action="store_true",
                           help="also cancel the pending jobs that wait on a dependency of these")
            p.add_argument("--reason", type=reason, help="the cancel message flux records")
        if command == "kill":
            p.add_argument("-s", "--signal", type=signal_name, default="SIGTERM", help="signal (default SIGTERM)")
    p = sub.add_parser("queue", parents=[client_flags], help="start/stop scheduling, enable/disable submission",
                       description="flux queue start|stop|enable|disable on one named queue (--queue) or all.")
    common(p)
    p.add_argument("action", choices=("start", "stop", "enable", "disable"))
    p.add_argument("--queue", type=validate.nonempty("queue name"), help="one named queue (default: all)")
    p.add_argument("--reason", type=reason, help="why (stop, disable): shown by flux queue status")
    for command, text in (("drain", "drain ranks: their jobs go on, no new job starts there"),
                          ("undrain", "undrain ranks")):
        p = sub.add_parser(command, parents=[client_flags], help=text, description=text.capitalize() + ".")
        common(p)
        p.add_argument("ranks", nargs="+", type=ranks, metavar="RANK", help="a rank or a list: 3, 1-3, 0,2")
        if command == "drain":
            p.add_argument("--reason", type=reason, help="shown by flux resource status and fluxstate-tui status")
    p = sub.add_parser("nodes", parents=[client_flags], help="every rank: host, state, drain reason, cores, jobs")
    common(p, confirmable=False)
    p = sub.add_parser("audit", help="the actions this user took with fluxstate-tui (the audit log)",
                       description="Show the audit log ($XDG_STATE_HOME/fluxstate-tui/audit.jsonl).")
    p.add_argument("--since", type=since, metavar="DURATION|TIME", help="only entries since then (30m, 2026-11-24)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
