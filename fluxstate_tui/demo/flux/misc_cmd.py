"""flux resource, uptime, overlay, dmesg, getattr, version."""

from __future__ import annotations

from fluxstate_tui.flux.fsd import fsd_prec
from fluxstate_tui.flux.hostlist import hostlist_decode, hostlist_encode, idset_decode, idset_encode

from .ctables import FLUX
from .formats import FieldDef, FormatError, OutputFormat
from .job import format_event_text, r_lite
from .liboptparse import get_color, get_duration, get_int, print_usage_exit
from .pyargs import unsupported
from .util import BUILD_OPTIONS, VERSION, jdumps_py, strftime_utc

LIST_FMT = "{state:>10} ?+:{queue:<5} ?:{propertiesx:<10.10+} {nnodes:>6} +:{ncores:>6} ?+:{ngpus:>5} {nodelist}"
STATUS_FMT = "{state:>12}{color_up}{up:>2}{color_off} {nnodes:>6} {nodelist}"
DRAIN_FMT = "{timestamp!d:%b%d %R::<12} {state:<8.8} {reason:<30.30+} {nodelist}"


GETATTR = FLUX["getattr"]
OVERLAY_STATUS = FLUX["overlay"]["status"]
STATUS_DEFAULT = ("avail", "exclude", "draining", "drained", "torpid", "housekeeping")


class _Row:
    def __init__(self, state, ranks, ncores, nodes, up=True, timestamp="", reason=""):
        self.statex, self.ranks, self.ncores, self.up = state, ranks, ncores, up
        self.nodelist = hostlist_encode([nodes[r].hostname for r in ranks])
        self.timestamp, self.reason = timestamp, reason

    @property
    def state(self) -> str:
        return self.statex if self.up else self.statex + "*"


def _fields() -> dict[str, FieldDef]:
    F = FieldDef
    return {"state": F("STATE", lambda r: r.state), "queue": F("QUEUE", lambda r: ""),
            "properties": F("PROPERTIES", lambda r: ""), "propertiesx": F("PROPERTIES", lambda r: ""),
            "nnodes": F("NNODES", lambda r: len(r.ranks)), "ncores": F("NCORES", lambda r: r.ncores),
            "ngpus": F("NGPUS", lambda r: 0), "nodelist": F("NODELIST", lambda r: r.nodelist),
            "ranks": F("RANKS", lambda r: idset_encode(r.ranks)), "rlist": F("LIST", lambda r: r.nodelist),
            "color_up": F("", lambda r: ""), "color_off": F("", lambda r: ""),
            "up": F("UP", lambda r: "\u2714" if r.up else "\u2717"), "statex": F("STATE", lambda r: r.statex),
            "status": F("STATUS", lambda r: "online" if r.up else "offline"),
            "timestamp": F("TIME", lambda r: r.timestamp), "reason": F("REASON", lambda r: r.reason)}


def list_rows(inst, states: list[str]) -> list[_Row]:
    nodes = inst.nodes
    rows = []
    for st in states:
        if st == "free":
            sel = [n for n in nodes if n.up and n.free]
            rows.append(_Row("free", [n.rank for n in sel], sum(len(n.free) for n in sel), nodes))
        elif st == "allocated":
            sel = [n for n in nodes if n.up and len(n.free) < n.ncores]
            rows.append(_Row("allocated", [n.rank for n in sel], sum(n.ncores - len(n.free) for n in sel), nodes))
        elif st == "down":
            sel = [n for n in nodes if not n.up]
            rows.append(_Row("down", [n.rank for n in sel], sum(n.ncores for n in sel), nodes))
        elif st in ("up", "all"):
            sel = [n for n in nodes if n.up or st == "all"]
            rows.append(_Row(st, [n.rank for n in sel], sum(n.ncores for n in sel), nodes))
    return rows


def status_rows(inst, of: OutputFormat, states: list[str] | None, skip_empty: bool = False) -> list[_Row]:
    """What flux-resource.py's status() of 0.88 prints: avail, exclude, allocated, torpid and
    housekeeping each split into an online and an offline (`*`) line, then draining and drained
    rank by rank; lines that print alike but for nodelist, ranks and nnodes are merged (as
    flux.util.Deduplicator does), so drained ranks with different reasons stay apart."""
    wanted = set(states or STATUS_DEFAULT)
    if not wanted - {"online", "offline"}:
        wanted |= set(STATUS_DEFAULT)
    if "drain" in wanted:
        wanted |= {"draining", "drained"}
    skip_empty = skip_empty or not states
    include = {True: "online" in wanted or "offline" not in wanted,
               False: "offline" in wanted or "online" not in wanted}
    nodes = inst.nodes
    allocated = {n.rank for n in nodes if len(n.free) < n.ncores}
    drain = [n.rank for n in nodes if n.drained is not None]
    sets = {"avail": [n.rank for n in nodes if n.drained is None], "exclude": [], "allocated": sorted(allocated),
            "torpid": [], "housekeeping": []}
    lines = []
    for st in ("avail", "exclude", "allocated", "torpid", "housekeeping"):
        if not wanted & {st, "all"}:
            continue
        for online in (True, False):
            if include[online]:
                ranks = [r for r in sets[st] if nodes[r].online == online]
                lines.append(_Row(st, ranks, sum(nodes[r].ncores for r in ranks), nodes, up=online))
    for st in ("draining", "drained"):
        if not wanted & {st, "all"}:
            continue
        ranks = [r for r in drain if (r in allocated) == (st == "draining")]
        if not ranks and include[True]:
            lines.append(_Row(st, [], 0, nodes))
        for r in ranks:
            node = nodes[r]
            if include[node.online]:
                lines.append(_Row(st, [r], node.ncores, nodes, up=node.online, timestamp=node.drained[0],
                                  reason=node.drained[1]))
    keyed = [f for _t, f in of.items if f is not None and f.name not in ("nodelist", "ranks", "nnodes")]
    merged: dict[tuple, _Row] = {}
    for line in lines:
        key = tuple(str(OutputFormat._value(f, line)) for f in keyed)
        first = merged.get(key)
        if first is None:
            merged[key] = line
        else:
            merged[key] = _Row(first.statex, sorted(set(first.ranks) | set(line.ranks)), first.ncores + line.ncores,
                               nodes, up=first.up, timestamp=first.timestamp, reason=first.reason)
    return [line for line in merged.values()
            if line.ranks or not (skip_empty or (not line.up and "offline" not in wanted))]


def _targets(inst, text: str) -> list[int]:
    try:
        ranks = idset_decode(text)
    except ValueError:
        hosts = hostlist_decode(text)
        ranks = sorted({n.rank for n in inst.nodes if n.hostname in hosts})
    for r in ranks:
        if r < 0 or r >= inst.size:
            raise ValueError(f"Invalid rank {r}")
    return ranks


def _resource_refused(ns) -> str | None:
    """The first option given that this simulator does not carry out (flux resource has one instance-wide
    queue set here, no --include filtering, no colour and no eventlog follow/wait/format variants)."""
    given = {"--include": getattr(ns, "include", None), "--queue": getattr(ns, "queue", None),
             "--from-stdin": getattr(ns, "from_stdin", False), "--config-file": getattr(ns, "config_file", None),
             "--color": getattr(ns, "color", "auto") == "always", "--update": ns.subcommand == "drain" and ns.update}
    if ns.subcommand == "info":
        given["--states"] = ns.states
    if ns.subcommand == "R":
        given["--states"] = ns.states != "all"
    if ns.subcommand == "eventlog":
        given.update({"--format": ns.format != "text", "--time-format": ns.time_format != "raw", "--human": ns.human,
                      "--follow": ns.follow, "--timeout": ns.timeout, "--wait": ns.wait,
                      "--match-context": ns.match_context})
    return next((flag for flag, value in given.items() if value), None)


async def resource(proc, inst, ns) -> int:
    sub = ns.subcommand
    if sub in ("acquire-mute", "reload"):
        raise unsupported("flux-resource", sub)
    flag = _resource_refused(ns)
    if flag:
        raise unsupported("flux-resource", flag)
    if sub in ("list", "status") or (sub == "drain" and not ns.targets):
        default = {"list": LIST_FMT, "status": STATUS_FMT, "drain": DRAIN_FMT}[sub]
        try:
            of = OutputFormat(default if ns.format == "default" else ns.format, _fields())
        except FormatError as exc:
            await proc.err(f"flux-resource: ERROR: --format: {exc}\n")
            return 1
        states = ns.states.split(",") if sub != "drain" and ns.states else None
        if sub == "list":
            rows = [r for r in list_rows(inst, states or []) if r.ranks or not ns.skip_empty]
        elif sub == "status":
            rows = status_rows(inst, of, states, ns.skip_empty)
        else:
            rows = status_rows(inst, of, ["drain"], skip_empty=True)
        await proc.out("".join(line + "\n" for line in of.render(rows, header=not ns.no_header)))
        return 0
    if sub == "info":
        await proc.out(f"{inst.size} Nodes, {inst.size * inst.cores_per_node} Cores, 0 GPUs\n")
        return 0
    if sub == "R":
        await proc.out(jdumps_py(resource_R(inst)) + "\n")
        return 0
    if sub == "eventlog":
        await proc.out("".join(format_event_text(t, n, c, f"{t:.6f}") + "\n" for t, n, c in inst.resource_events))
        return 0
    try:
        ranks = _targets(inst, ns.targets)
    except ValueError as exc:
        await proc.err(f"flux-resource: ERROR: {exc}\n")
        return 1
    if sub == "drain":  # --force: this simulator always replaces the reason, as -f does
        inst.drain(ranks, " ".join(ns.reason))
        return 0
    bad = [r for r in ranks if inst.nodes[r].drained is None]
    if bad and not ns.update:
        await proc.err(f"flux-resource: ERROR: rank {idset_encode(bad)} not drained\n")
        return 1
    if len(bad) < len(ranks):
        inst.undrain([r for r in ranks if r not in bad])
    return 0


def resource_R(inst, compact: bool = False) -> dict:
    return {"version": 1, "execution": {"R_lite": r_lite([(n.rank, list(range(n.ncores))) for n in inst.nodes]),
                                        "starttime": 0.0, "expiration": 0.0,
                                        "nodelist": [hostlist_encode(inst.hostnames)]}}


async def uptime(proc, inst, parsed) -> int:
    now = inst.clock.now()
    extra = ""
    drained = sum(1 for n in inst.nodes if n.drained is not None)
    offline = sum(1 for n in inst.nodes if not n.online)
    if drained:
        extra += f",  {drained} drained"
    if offline:
        extra += f",  {offline} offline"
    line = (f" {strftime_utc('%H:%M:%S', now)} run {fsd_prec(now - inst.t_start)},  owner root,  depth 0,  "
            f"size {inst.size}{extra}\n")
    second = []
    if not inst.queue_enabled:
        second.append("submit disabled")
    if not inst.queue_started:
        second.append("scheduler stopped")
    if second:
        line += "  " + ",  ".join(second) + "\n"
    await proc.out(line)
    return 0


async def overlay(proc, inst, parsed) -> int:
    """`flux overlay status`: --timeout, --no-ghost (no rank here sits behind another) and --color=never
    change nothing here; the other options this simulator does not carry out are refused."""
    rank = get_int(OVERLAY_STATUS, parsed, "rank", 0)
    level = get_int(OVERLAY_STATUS, parsed, "verbose", 0)
    color = get_color(OVERLAY_STATUS, parsed, proc.env)
    get_duration(OVERLAY_STATUS, parsed, "timeout", 0.5)
    refused = next((f"--{name}" for name in ("down", "highlight", "wait") if parsed.has(name)), None)
    for flag, bad in (("--rank", rank != 0), ("--verbose", level > 1), ("--color", color)):
        refused = refused or (flag if bad else None)
    if refused:
        raise unsupported("flux-overlay", refused)
    verbose = level == 1
    pretty = not parsed.has("no-pretty")
    now = inst.clock.now()
    nodes = inst.nodes
    root = nodes[0]
    children = nodes[1:]
    status_root = "full" if all(n.online for n in children) else ("partial" if root.online else "offline")
    if parsed.has("summary"):
        await proc.out(status_root + "\n")
        return 0

    def fmt(n, status):
        s = f"{n.rank} {n.hostname}: {status}"
        if verbose:
            s += f" for {_fsd_ov(now - (n.t_online or inst.t_start))}"
        return s

    lines = [fmt(root, status_root)]
    for i, n in enumerate(children):
        conn = ("\u2514\u2500 " if i == len(children) - 1 else "\u251c\u2500 ") if pretty else ""
        lines.append(conn + fmt(n, "full" if n.online else "offline"))
    await proc.out("".join(line + "\n" for line in lines))
    return 0


def _fsd_ov(secs: float) -> str:
    return f"{secs:.6g}s" if secs < 60 else fsd_prec(secs, 6)


async def dmesg(proc, inst, parsed) -> int:
    """`flux dmesg`: print, -C clear, -c print then clear; the others change what is printed."""
    refused = next((f"--{name}" for name in ("follow", "new", "human", "delta") if parsed.has(name)), None)
    if get_color(FLUX["dmesg"], parsed, proc.env):
        refused = refused or "--color"
    if refused:
        raise unsupported("flux-dmesg", refused)
    lines = list(inst.dmesg_ring)
    if parsed.has("clear"):
        inst.dmesg_ring.clear()
        return 0
    await proc.out("".join(line + "\n" for line in lines))
    if parsed.has("read-clear"):
        inst.dmesg_ring.clear()
    return 0


async def getattr_(proc, inst, parsed) -> int:
    args = parsed.operands
    if len(args) != 1:  # flux getattr connects before it counts its operands
        raise print_usage_exit(GETATTR, proc.env)
    attrs = {"size": str(inst.size), "rank": "0", "instance-level": "0", "broker.pid": "1",
             "local-uri": inst.uri, "parent-uri": "", "hostlist": hostlist_encode(inst.hostnames),
             "broker.mapping": f"[[0,1,{inst.size},1]]", "version": VERSION, "rundir": "/mnt/flux/config/run/flux",
             "security.owner": "0", "broker.recovery-mode": "0",
             # broker.c prints its start time with "%.2f" (flux-core 0.88, init_attrs_starttime)
             "broker.starttime": f"{inst.t_start:.2f}"}
    if args[0] not in attrs:
        await proc.err(f"flux-getattr: {args[0]}: No such file or directory\n")
        return 1
    await proc.out(attrs[args[0]] + "\n")
    return 0


async def version(proc, inst) -> int:
    text = f"commands:    \t\t{VERSION}\nlibflux-core:\t\t{VERSION}\n"
    if inst is not None:
        text += f"broker:  \t\t{VERSION}\nFLUX_URI:\t\t{inst.uri}\n"
    text += f"build-options:\t\t{BUILD_OPTIONS}\n"
    await proc.out(text)
    return 0
