"""`flux queue`: the anonymous queue, or the named queues `flux config reload` configured."""

from __future__ import annotations

from .formats import FieldDef, FormatError, OutputFormat
from .pyargs import ArgExit

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


async def run(proc, inst, ns) -> int:
    sub = ns.subcommand
    name = getattr(ns, "queue", None) if sub != "list" else None
    old = getattr(ns, "old_queue", None)  # the old `-q NAME` spelling of the operand
    if old is not None and name is not None:
        raise ArgExit(1, err=f"flux-queue: ERROR: Conflicting queues specified as --queue={old} and {name}\n")
    name = name if name is not None else old
    if name and sub != "list":
        q = inst.lookup_queue(name)
        if q is None:
            await proc.err(f"flux-queue: ERROR: {sub}: '{name}' is not a valid queue\n")
            return 1
        targets = [q]
    elif sub in ("enable", "disable", "start", "stop") and inst.named and not ns.all:
        await proc.err("flux-queue: ERROR: Named queues are defined. Specify queues or use --all.\n")
        return 1
    else:
        targets = inst.queue_list()
    verbose = getattr(ns, "verbose", False)
    quiet = getattr(ns, "quiet", False)
    lines: list[str] = []
    if sub == "status":
        for q in targets:
            lines += [enable_line(q), start_line(q)]
        lines += alloc_lines(inst) if verbose else []
    elif sub in ("enable", "disable"):
        if sub == "enable":
            inst.set_enabled(True, queues=targets)
        else:
            inst.set_enabled(False, ns.message or "disabled by administrator", queues=targets)
        lines = [] if quiet else [enable_line(q) for q in targets]
    elif sub in ("start", "stop"):
        if sub == "start":
            inst.set_started(True, queues=targets)
        else:
            inst.set_started(False, ns.message or "", queues=targets)
        lines = [] if quiet else [start_line(q) for q in targets] + (alloc_lines(inst) if verbose else [])
    elif sub in ("idle", "drain"):
        timeout = ns.timeout if ns.timeout >= 0 else None  # -1.0: no --timeout
        pred = inst.is_idle if sub == "idle" else inst.is_drained
        if not await inst.wait_for(pred, timeout):
            await proc.err(f"flux-queue: ERROR: {sub}: timeout\n")
            return 1
        if sub == "idle":
            pending = len(inst.pending)
            if not quiet or pending > 0:
                lines = [f"{pending} jobs"]
    elif sub == "list":
        fmt = ns.format
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
        rows = [q for q in inst.queue_list() if not ns.queue or q.name in ns.queue]
        lines = of.render(rows, header=not ns.no_header)
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
