"""Every node of an instance, rank by rank: what it is, why, how busy, and which jobs run there.

Three answers put together, read in one exec (`node_script`):

- `flux resource status` names each rank's state: avail (online or offline), drained or draining with
  the reason and time, excluded, torpid; and gives each rank's hostname.
- `flux resource R` gives each rank's cores, up or down.
- `flux jobs -f running` gives each running job's ranks and cores. Where the scheduler annotates an
  allocation (`annotations.sched.resource_summary`, as sched-simple does: `rank[0-1]/core[0-3]`) the
  cores used on each rank are exact; otherwise a job's cores are spread over its ranks evenly and the
  row says so (`cores_exact` False).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import commands as fc
from .hostlist import hostlist_decode, idset_decode
from .nodes import STATUS_FORMAT, NodeStatus, parse_node_status
from .rows import SEP
from .snapshot import Script, split_sections

JOB_FIELDS = ("id.dec", "ranks", "ncores", "annotations.sched.resource_summary")
JOBS_FORMAT = SEP.join("{%s}" % f for f in JOB_FIELDS)
STATES = ("up", "draining", "drained", "offline", "down")
_SUMMARY_PART = re.compile(r"rank(\[[^\]]*\]|\d+)/core(\[[^\]]*\]|\d+)")


@dataclass
class NodeRow:
    """One rank. `state` is one of STATES: up; draining (drained while jobs still run there); drained;
    offline (no broker: its pod is not running); down (excluded, torpid or otherwise unavailable).
    `flux_state` is flux resource status's own word."""

    rank: int
    hostname: str
    state: str
    online: bool
    flux_state: str
    drain_reason: str | None = None
    drained_at: float | None = None     # epoch seconds
    cores_total: int | None = None      # None: R did not say
    cores_used: int = 0
    cores_exact: bool = True
    jobs: list[int] = field(default_factory=list)   # running jobs with cores here, ascending ids

    def to_json(self) -> dict:
        return {"rank": self.rank, "hostname": self.hostname, "state": self.state, "online": self.online,
                "fluxState": self.flux_state, "drainReason": self.drain_reason, "drainedAt": self.drained_at,
                "cores": {"total": self.cores_total, "used": self.cores_used, "exact": self.cores_exact},
                "jobs": list(self.jobs)}


@dataclass
class NodeView:
    rows: list[NodeRow]
    errors: dict[str, str] = field(default_factory=dict)   # section -> why its part is missing

    def by_rank(self) -> dict[int, NodeRow]:
        return {r.rank: r for r in self.rows}


@dataclass(frozen=True)
class RunningAlloc:
    """A running job's place: its id, ranks, cores, and the scheduler's summary if it gave one."""

    id: int
    ranks: tuple[int, ...]
    ncores: int
    summary: str = ""


def node_script(nonce: str) -> str:
    return (Script(nonce)
            .section("status", fc.resource_status(STATUS_FORMAT))
            .section("R", fc.resource_r())
            .section("jobs", fc.jobs(JOBS_FORMAT, count=0, filters=["running"]))
            .text())


def cores_of_r(text: str) -> dict[int, int]:
    """rank -> cores from `flux resource R` (R_lite)."""
    doc = json.loads(text)
    out: dict[int, int] = {}
    for entry in (doc.get("execution") or {}).get("R_lite") or []:
        cores = len(idset_decode(str((entry.get("children") or {}).get("core", ""))))
        for rank in idset_decode(str(entry.get("rank", ""))):
            out[rank] = cores
    return out


def parse_running(text: str) -> list[RunningAlloc]:
    out = []
    for line in text.split("\n"):
        parts = line.split(SEP)
        if len(parts) != len(JOB_FIELDS) or not parts[0].strip().isdigit():
            continue
        try:
            ranks = tuple(idset_decode(parts[1]))
        except ValueError:
            continue
        ncores = int(parts[2]) if parts[2].strip().isdigit() else 0
        out.append(RunningAlloc(int(parts[0]), ranks, ncores, parts[3].strip()))
    return out


def summary_cores(summary: str) -> dict[int, int] | None:
    """rank -> cores of a resource summary `rank[0-1]/core[0-3] rank2/core0` (parts split by space or
    comma); None if it is not one."""
    found: dict[int, int] = {}
    for part in re.split(r"[\s,]+(?=rank)", summary.strip()):
        m = _SUMMARY_PART.fullmatch(part.strip())
        if not m:
            return None
        cores = len(idset_decode(m.group(2)))
        for rank in idset_decode(m.group(1)):
            found[rank] = found.get(rank, 0) + cores
    return found or None


def _spread(job: RunningAlloc) -> dict[int, int]:
    if not job.ranks:
        return {}
    base, extra = divmod(job.ncores, len(job.ranks))
    return {r: base + (1 if i < extra else 0) for i, r in enumerate(job.ranks)}


def _state(group_state: str, online: bool) -> str:
    if group_state in ("drained", "draining"):
        return group_state
    if not online:
        return "offline"
    return "up" if group_state in ("avail", "allocated") else "down"


def build_rows(status: NodeStatus | None, cores: dict[int, int], running: list[RunningAlloc]) -> list[NodeRow]:
    """One row per rank that status, R or a running job names, ascending."""
    rows: dict[int, NodeRow] = {}
    for g in status.groups if status is not None else []:
        try:
            ranks = idset_decode(g.ranks)
            hosts = hostlist_decode(g.nodelist) if g.nodelist else []
        except ValueError:
            continue
        for i, rank in enumerate(ranks):
            drained = g.state in ("drained", "draining")
            rows[rank] = NodeRow(rank, hosts[i] if i < len(hosts) else "", _state(g.state, g.online), g.online,
                                 g.state, g.reason if drained else None, g.timestamp if drained else None)
    for rank in set(cores) | {r for j in running for r in j.ranks}:
        rows.setdefault(rank, NodeRow(rank, "", "down" if status is not None else "unknown", False, ""))
    for rank, n in cores.items():
        rows[rank].cores_total = n
    for job in running:
        exact = summary_cores(job.summary) if job.summary else None
        for rank, n in (exact or _spread(job)).items():
            if rank in rows:
                row = rows[rank]
                row.cores_used += n
                row.cores_exact = row.cores_exact and exact is not None
                row.jobs.append(job.id)
    for row in rows.values():
        row.jobs.sort()
    return [rows[r] for r in sorted(rows)]


def parse_node_view(stdout: str, nonce: str) -> NodeView:
    """The rows from node_script's output; a section that failed leaves its part empty and says why."""
    _now, sections = split_sections(stdout, nonce)
    readers: dict[str, Callable[[str], Any]] = {"status": parse_node_status, "R": cores_of_r, "jobs": parse_running}
    read: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, reader in readers.items():
        text, rc = sections.get(name, ("", None))
        if name not in sections:
            errors[name] = "no answer"
        elif rc not in (0, None):
            last = text.strip().splitlines()[-1] if text.strip() else ""
            errors[name] = f"exited {rc}" + (f": {last}" if last else "")
        else:
            try:
                read[name] = reader(text)
            except (ValueError, TypeError, AttributeError) as exc:
                errors[name] = f"unreadable: {exc}"
    return NodeView(build_rows(read.get("status"), read.get("R", {}), read.get("jobs", [])), errors)
