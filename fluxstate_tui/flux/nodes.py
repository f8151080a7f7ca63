"""Why nodes are not up: `flux resource status`, which tells drained from offline.

`flux resource list` calls every node that is not up "down", whether an administrator drained it
(fixed by `flux resource undrain`) or its broker is gone (in a MiniCluster: the pod is not running,
or the MiniCluster is smaller than maxSize; fixed when the pod comes back). `flux resource status`
tells them apart and keeps the drain reason and time, so the snapshot asks it too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .rows import SEP, unquote

STATUS_FIELDS = ("statex", "status", "nnodes", "ranks", "nodelist", "timestamp", "reason")
# The reason comes last and quoted (`!a`, as the job rows' free text): whoever drains a node writes it,
# and a newline or separator in it must not end the line or add a field.
STATUS_FORMAT = SEP.join("{%s!a}" % f if f == "reason" else "{%s}" % f for f in STATUS_FIELDS)
DRAIN_STATES = ("drained", "draining")


@dataclass
class NodeGroup:
    """One line of `flux resource status`: nodes in one state, online or not, drained ones with one reason."""

    state: str               # avail exclude draining drained torpid housekeeping (without the `*` suffix)
    online: bool
    nnodes: int
    ranks: str               # an idset, e.g. "1-2"
    nodelist: str
    timestamp: float | None = None   # when drained
    reason: str = ""

    @property
    def drained(self) -> bool:
        return self.state in DRAIN_STATES

    @property
    def offline(self) -> bool:
        """Offline and not drained: its broker is not running (undrain would not help)."""
        return not self.online and not self.drained

    @property
    def unavailable(self) -> bool:
        return self.drained or not self.online or self.state in ("exclude", "torpid")

    def where(self) -> str:
        return f"{self.nodelist} (rank{'s' if self.nnodes != 1 else ''} {self.ranks})"

    def since(self) -> str:
        return time.strftime("%b %d %H:%M", time.localtime(self.timestamp)) if self.timestamp else ""

    def describe(self) -> str:
        """`flux-sample-1 (rank 1) drained since Nov 24 17:24: disk full`, for a person."""
        if self.drained:
            text = f"{self.where()} {self.state}"
            if self.since():
                text += f" since {self.since()}"
            return text + f": {self.reason or 'no reason given'}" + ("" if self.online else ", and offline")
        if not self.online:
            return f"{self.where()} offline: no broker runs there (its pod is not running)"
        return f"{self.where()} {self.state}"

    def to_json(self) -> dict:
        return {"state": self.state, "online": self.online, "nnodes": self.nnodes, "ranks": self.ranks,
                "nodelist": self.nodelist, "reason": self.reason if self.drained else None,
                "timestamp": self.timestamp}


@dataclass
class NodeStatus:
    groups: list[NodeGroup]

    @property
    def drained(self) -> list[NodeGroup]:
        return [g for g in self.groups if g.drained and g.nnodes]

    @property
    def offline(self) -> list[NodeGroup]:
        return [g for g in self.groups if g.offline and g.nnodes]

    @property
    def other(self) -> list[NodeGroup]:
        """Excluded or unresponsive (torpid) nodes: not up, neither drained nor offline."""
        return [g for g in self.groups if g.unavailable and not g.drained and not g.offline and g.nnodes]

    @property
    def nodes_drained(self) -> int:
        return sum(g.nnodes for g in self.drained)

    @property
    def nodes_offline(self) -> int:
        return sum(g.nnodes for g in self.offline)

    @property
    def nodes_other(self) -> int:
        return sum(g.nnodes for g in self.other)

    def drained_ranks(self) -> str:
        return ",".join(g.ranks for g in self.drained)

    def counts_text(self) -> str:
        """`1 drained, 2 offline`: the unavailable nodes by why; "" when every node is up."""
        parts = [f"{n} {word}" for n, word in ((self.nodes_drained, "drained"), (self.nodes_offline, "offline"),
                                               (self.nodes_other, "excluded or unresponsive")) if n]
        return ", ".join(parts)


def parse_node_status(text: str) -> NodeStatus:
    """`flux resource status -n -o STATUS_FORMAT`."""
    groups = []
    for line in text.split("\n"):
        if not line.strip(" \t\r"):
            continue
        parts = line.split(SEP, len(STATUS_FIELDS) - 1)
        if len(parts) != len(STATUS_FIELDS):
            raise ValueError(f"expected {len(STATUS_FIELDS)} fields, got {len(parts)}: {line[:80]!r}")
        f = dict(zip(STATUS_FIELDS, parts, strict=True))
        if f["status"] not in ("online", "offline"):
            raise ValueError(f"not a node status: {f['status']!r}")
        stamp = f["timestamp"].strip()
        groups.append(NodeGroup(state=f["statex"].strip(), online=f["status"] == "online", nnodes=int(f["nnodes"]),
                                ranks=f["ranks"].strip(), nodelist=f["nodelist"].strip(),
                                timestamp=float(stamp) if stamp else None, reason=_reason(f["reason"])))
    return NodeStatus(groups)


def _reason(text: str) -> str:
    """The drain reason: an ascii() literal; a bare one (an older format) is taken as it is."""
    try:
        return unquote(text)
    except (ValueError, SyntaxError):
        return text
