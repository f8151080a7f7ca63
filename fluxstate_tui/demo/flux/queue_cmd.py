"""`flux queue` for the anonymous queue (the MiniCluster configures no named queues)."""

from __future__ import annotations

from fluxstate_tui.flux.fsd import parse_fsd

from .formats import FieldDef, FormatError, OutputFormat

GREEN, RED, OFF = "\x1b[01;32m", "\x1b[01;31m", "\x1b[0;0m"
LIST_FORMATS = {
    "default": "?:{queuem:<8.8} ?:{parent:<8.8} {color_enabled}{enabled:>2}{color_off} "
               "{color_started}{started:>2}{color_off} {defaults.timelimit!F:>8} {limits.timelimit!F:>8} "
               "{limits.range.effective.nnodes:>10} {limits.range.effective.ncores:>10} "
               "{limits.range.effective.ngpus:>10}",
    "policy": "?:{queuem:<8.8} {defaults.timelimit!F:>8} {limits.timelimit!F:>8} {limits.range.nnodes:>10} "
              "{limits.range.ncores:>10} {limits.range.ngpus:>10}",
    "nodes": "?:{queuem:<8.8} ?:{parent:<8.8} {color_enabled}{enabled:>2}{color_off} "
             "{color_started}{started:>2}{color_off} {nnodes:>10} {nnodes_up:>10} {nnodes_alloc:>10} "
             "{nnodes_free:>10}",
}
LIST_HELP = [("default", "Default flux-queue list format string"),
             ("policy", "flux-queue list with policy limits only"),
             ("nodes", "Show queue status plus all/up/allocated/free nodes")]
USAGE = "usage: flux-queue [-h] {list,status,enable,disable,start,stop,drain,idle} ...\n"


def enable_line(inst) -> str:
    return "Job submission is enabled" if inst.queue_enabled else f"Job submission is disabled: {inst.disable_reason}"


def start_line(inst) -> str:
    if inst.queue_started:
        return "Scheduling is started"
    return "Scheduling is stopped" + (f": {inst.stop_reason}" if inst.stop_reason else "")


def alloc_lines(inst) -> list[str]:
    queued, pending = inst.alloc_counts()
    return [f"{queued} alloc requests queued", f"{pending} alloc requests pending to scheduler",
            f"{len(inst.running)} running jobs"]


def _parse(args: list[str], with_value: set[str], flags: set[str]) -> tuple[dict, list[str]]:
    opts: dict = {}
    pos: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and a != "-":
            key, eq, val = a.partition("=") if a.startswith("--") else (a[:2], "", a[2:])
            if key in with_value:
                if not (eq or val):
                    i += 1
                    if i >= len(args):
                        raise ValueError(f"argument {key}: expected one argument")
                    val = args[i]
                opts[key] = val
            elif key in flags and not val:
                opts[key] = True
            else:
                raise ValueError(f"unrecognized arguments: {a}")
        else:
            pos.append(a)
        i += 1
    return opts, pos


async def run(proc, inst, args: list[str]) -> int:
    if not args:
        await proc.err(USAGE + "flux-queue: error: the following arguments are required: subcommand\n")
        return 2
    sub, rest = args[0], args[1:]
    spec = {
        "status": ({"-q", "--queue"}, {"-v", "--verbose", "-a", "--all"}),
        "enable": (set(), {"-a", "--all", "-v", "--verbose", "--quiet"}),
        "disable": ({"-m", "--message"}, {"-a", "--all", "-v", "--verbose", "--quiet", "--nocheckpoint"}),
        "start": (set(), {"-a", "--all", "-v", "--verbose", "--quiet"}),
        "stop": ({"-m", "--message"}, {"-a", "--all", "-v", "--verbose", "--quiet", "--nocheckpoint"}),
        "drain": ({"-t", "--timeout"}, set()),
        "idle": ({"-t", "--timeout"}, {"--quiet"}),
        "list": ({"-q", "--queue", "-o", "--format"}, {"-n", "--no-header"}),
    }
    if sub not in spec:
        await proc.err(USAGE + f"flux-queue: error: argument subcommand: invalid choice: '{sub}' (choose from "
                       "'list', 'status', 'enable', 'disable', 'start', 'stop', 'drain', 'idle')\n")
        return 2
    try:
        opts, pos = _parse(rest, *spec[sub])
    except ValueError as exc:
        await proc.err(USAGE + f"flux-queue: error: {exc}\n")
        return 2
    queue = pos[0] if pos else (opts.get("-q") or opts.get("--queue") if sub == "status" else None)
    if queue and sub != "list":
        await proc.err(f"flux-queue: ERROR: queue '{queue}' does not exist\n")
        return 1
    verbose = opts.get("-v") or opts.get("--verbose")
    quiet = opts.get("--quiet")
    lines: list[str] = []
    if sub == "status":
        lines = [enable_line(inst), start_line(inst)] + (alloc_lines(inst) if verbose else [])
    elif sub in ("enable", "disable"):
        if sub == "enable":
            inst.set_enabled(True)
        else:
            inst.set_enabled(False, opts.get("-m") or opts.get("--message") or "disabled by administrator")
        lines = [] if quiet else [enable_line(inst)]
    elif sub in ("start", "stop"):
        if sub == "start":
            inst.set_started(True)
        else:
            inst.set_started(False, opts.get("-m") or opts.get("--message") or "")
        lines = [] if quiet else [start_line(inst)] + (alloc_lines(inst) if verbose else [])
    elif sub in ("idle", "drain"):
        tmo = opts.get("-t") or opts.get("--timeout")
        try:
            timeout = parse_fsd(tmo) if tmo else None
        except ValueError as exc:
            await proc.err(f"flux-queue: ERROR: {exc}\n")
            return 1
        pred = inst.is_idle if sub == "idle" else inst.is_drained
        if not await inst.wait_for(pred, timeout):
            await proc.err(f"flux-queue: ERROR: {sub}: timeout\n")
            return 1
        if sub == "idle":
            pending = len(inst.pending)
            if not quiet or pending > 0:
                lines = [f"{pending} jobs"]
    elif sub == "list":
        fmt = opts.get("-o") or opts.get("--format") or "default"
        if fmt == "help":
            await proc.out("\n".join(["", "Configured flux-queue output formats:", ""]
                                     + [f"  {n:<12} {d}" for n, d in LIST_HELP]) + "\n")
            return 0
        fmt = LIST_FORMATS.get(fmt, fmt)
        try:
            of = OutputFormat(fmt, queue_fields(inst))
        except FormatError as exc:
            await proc.err(f"flux-queue: ERROR: {exc}\n")
            return 1
        lines = of.render([inst], header=not (opts.get("-n") or opts.get("--no-header")))
    if lines:
        await proc.out("".join(line + "\n" for line in lines))
    return 0


def queue_fields(inst) -> dict[str, FieldDef]:
    F = FieldDef
    size, total = inst.size, inst.size * inst.cores_per_node
    up = [n for n in inst.nodes if n.up]

    def en(i):
        return "\u2714" if i.queue_enabled else "\u2717"

    def stt(i):
        return "\u2714" if i.queue_started else "\u2717"

    return {
        "queue": F("QUEUE", lambda i: ""), "queuem": F("QUEUE", lambda i: ""), "parent": F("PARENT", lambda i: ""),
        "color_enabled": F("", lambda i: GREEN if i.queue_enabled else RED),
        "color_started": F("", lambda i: GREEN if i.queue_started else RED),
        "color_off": F("", lambda i: OFF),
        "enabled": F("EN", en), "started": F("ST", stt),
        "enabled.ascii": F("EN", lambda i: "y" if i.queue_enabled else "n"),
        "started.ascii": F("ST", lambda i: "y" if i.queue_started else "n"),
        "submission": F("SUBMIT", lambda i: "enabled" if i.queue_enabled else "disabled"),
        "scheduling": F("SCHED", lambda i: "started" if i.queue_started else "stopped"),
        "defaults.timelimit": F("TDEFAULT", lambda i: float("inf")),
        "limits.timelimit": F("TLIMIT", lambda i: float("inf")),
        "limits.range.nnodes": F("NNODES", lambda i: f"0-{size}"),
        "limits.range.ncores": F("NCORES", lambda i: f"0-{total}"),
        "limits.range.ngpus": F("NGPUS", lambda i: "0-0"),
        "limits.range.effective.nnodes": F("NNODES", lambda i: f"0-{size}"),
        "limits.range.effective.ncores": F("NCORES", lambda i: f"0-{total}"),
        "limits.range.effective.ngpus": F("NGPUS", lambda i: "0-0"),
        "nnodes": F("NNODES", lambda i: size), "nnodes_up": F("UP", lambda i: len(up)),
        "nnodes_alloc": F("ALLOC", lambda i: sum(1 for n in inst.nodes if len(n.free) < n.ncores)),
        "nnodes_free": F("FREE", lambda i: sum(1 for n in up if n.free)),
    }
