"""`flux queue`: the anonymous queue, or the named queues `flux config reload` configured."""

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


def _prefix(q) -> str:
    return f"{q.name}: " if q.name else ""


def enable_line(q) -> str:
    text = "Job submission is enabled" if q.enabled else f"Job submission is disabled: {q.disable_reason}"
    return _prefix(q) + text


def start_line(q) -> str:
    if q.started:
        return _prefix(q) + "Scheduling is started"
    return _prefix(q) + "Scheduling is stopped" + (f": {q.stop_reason}" if q.stop_reason else "")


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
        if a == "--":  # argparse: every word after it is an operand
            pos.extend(args[i + 1:])
            break
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
    name = pos[0] if pos else (opts.get("-q") or opts.get("--queue") if sub == "status" else None)
    every = opts.get("-a") or opts.get("--all")
    if name and sub != "list":
        q = inst.lookup_queue(name)
        if q is None:
            await proc.err(f"flux-queue: ERROR: {sub}: '{name}' is not a valid queue\n")
            return 1
        targets = [q]
    elif sub in ("enable", "disable", "start", "stop") and inst.named and not every:
        await proc.err("flux-queue: ERROR: Named queues are defined. Specify queues or use --all.\n")
        return 1
    else:
        targets = inst.queue_list()
    verbose = opts.get("-v") or opts.get("--verbose")
    quiet = opts.get("--quiet")
    lines: list[str] = []
    if sub == "status":
        for q in targets:
            lines += [enable_line(q), start_line(q)]
        lines += alloc_lines(inst) if verbose else []
    elif sub in ("enable", "disable"):
        if sub == "enable":
            inst.set_enabled(True, queues=targets)
        else:
            inst.set_enabled(False, opts.get("-m") or opts.get("--message") or "disabled by administrator",
                             queues=targets)
        lines = [] if quiet else [enable_line(q) for q in targets]
    elif sub in ("start", "stop"):
        if sub == "start":
            inst.set_started(True, queues=targets)
        else:
            inst.set_started(False, opts.get("-m") or opts.get("--message") or "", queues=targets)
        lines = [] if quiet else [start_line(q) for q in targets] + (alloc_lines(inst) if verbose else [])
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
        wanted = opts.get("-q") or opts.get("--queue")
        rows = [q for q in inst.queue_list() if not wanted or q.name in wanted.split(",")]
        lines = of.render(rows, header=not (opts.get("-n") or opts.get("--no-header")))
    if lines:
        await proc.out("".join(line + "\n" for line in lines))
    return 0


def queue_fields(inst) -> dict[str, FieldDef]:
    """Fields of one queue row (an anonymous queue's name columns are empty, so `?:` drops them)."""
    F = FieldDef
    size, total = inst.size, inst.size * inst.cores_per_node
    up = [n for n in inst.nodes if n.up]

    def en(q):
        return "\u2714" if q.enabled else "\u2717"

    def stt(q):
        return "\u2714" if q.started else "\u2717"

    def marked(q):
        return (q.name or "") + ("*" if q.name and q.name == inst.default_queue else "")

    return {
        "queue": F("QUEUE", lambda q: q.name or ""), "queuem": F("QUEUE", marked), "parent": F("PARENT", lambda q: ""),
        "color_enabled": F("", lambda q: GREEN if q.enabled else RED),
        "color_started": F("", lambda q: GREEN if q.started else RED),
        "color_off": F("", lambda q: OFF),
        "enabled": F("EN", en), "started": F("ST", stt),
        "enabled.ascii": F("EN", lambda q: "y" if q.enabled else "n"),
        "started.ascii": F("ST", lambda q: "y" if q.started else "n"),
        "submission": F("SUBMIT", lambda q: "enabled" if q.enabled else "disabled"),
        "scheduling": F("SCHED", lambda q: "started" if q.started else "stopped"),
        "defaults.timelimit": F("TDEFAULT", lambda q: float("inf")),
        "limits.timelimit": F("TLIMIT", lambda q: q.duration_limit),
        "limits.range.nnodes": F("NNODES", lambda q: f"0-{size}"),
        "limits.range.ncores": F("NCORES", lambda q: f"0-{total}"),
        "limits.range.ngpus": F("NGPUS", lambda q: "0-0"),
        "limits.range.effective.nnodes": F("NNODES", lambda q: f"0-{size}"),
        "limits.range.effective.ncores": F("NCORES", lambda q: f"0-{total}"),
        "limits.range.effective.ngpus": F("NGPUS", lambda q: "0-0"),
        "nnodes": F("NNODES", lambda q: size), "nnodes_up": F("UP", lambda q: len(up)),
        "nnodes_alloc": F("ALLOC", lambda q: sum(1 for n in inst.nodes if len(n.free) < n.ncores)),
        "nnodes_free": F("FREE", lambda q: sum(1 for n in up if n.free)),
    }
