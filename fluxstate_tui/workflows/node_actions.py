"""Nodes: the per-rank view (one exec), and drain / undrain of ranks.

A drained rank runs the jobs it has and takes no new one (`flux resource drain`); undrain gives it back.
Before acting, the ranks are read: a rank the instance does not have fails with a sentence, a rank
already drained is left as it is (its reason kept; flux-core 0.88 refuses to overwrite one without
--force) and so is an undrain of a rank that is not drained (flux would fail the whole request). The
rest go to flux in one command. Like the other changing workflows it holds the MiniCluster's lock
(a scale-down drains the ranks it removes: undraining them meanwhile would let jobs start there) and
writes an audit line (through @locked).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..flux import commands as fc
from ..flux.hostlist import idset_encode
from ..flux.node_view import NodeView, node_script, parse_node_view
from ..flux.snapshot import new_nonce
from ..kube import access
from ..kube.broker import Broker
from ..kube.client import KubeClient
from ..kube.errors import FluxCommandFailed
from ..kube.resources import MiniCluster
from .events import Event, Progress, Refused, quiet
from .locking import locked

DEFAULT_DRAIN_REASON = "drained with fluxstate-tui"


async def fetch_nodes(kube: KubeClient, mc: MiniCluster, *, timeout: float = 60) -> NodeView:
    """Every rank: hostname, state, drain reason and time, cores used and total, its running jobs."""
    nonce = new_nonce()
    result = await Broker(kube, mc).script(node_script(nonce), timeout)
    view = parse_node_view(result.stdout, nonce)
    if not view.rows and view.errors:
        raise FluxCommandFailed("flux resource status", result.returncode, result.stderr or
                                "; ".join(f"{k}: {v}" for k, v in view.errors.items()))
    return view


@dataclass
class NodeActionResult:
    action: str                      # drain or undrain
    minicluster: str
    namespace: str
    ranks: list[int]                 # as asked
    reason: str | None = None
    changed: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)   # left as they were, and why
    failed: dict[int, str] = field(default_factory=dict)    # flux refused, or no such rank
    audit_error: str | None = None

    @property
    def outcome(self) -> str:
        if not self.failed:
            return "ok"
        return "partial" if self.changed or self.skipped else "failed"

    def summary(self) -> str:
        verb = "drained" if self.action == "drain" else "undrained"
        text = (f"{verb} rank(s) {idset_encode(self.changed)} of {self.minicluster}" if self.changed
                else f"no rank of {self.minicluster} {verb}")
        if self.changed and self.reason and self.action == "drain":
            text += f": {self.reason}"
        for what, items in (("left as they were", self.skipped), ("failed", self.failed)):
            if items:
                text += f"; {what}: " + "; ".join(f"rank {r}: {m}" for r, m in sorted(items.items()))
        return text

    def to_json(self) -> dict:
        return {"action": self.action, "minicluster": self.minicluster, "namespace": self.namespace,
                "ranks": self.ranks, "reason": self.reason, "outcome": self.outcome, "changed": self.changed,
                "skipped": {str(r): m for r, m in self.skipped.items()},
                "failed": {str(r): m for r, m in self.failed.items()}}


async def _node_action(kube: KubeClient, mc: MiniCluster, action: str, ranks: Sequence[int], reason: str | None,
                       progress: Progress | None) -> NodeActionResult:
    emit = progress or quiet
    if not ranks:
        raise Refused(f"name at least one rank to {action}")
    await access.check(kube, mc.namespace, access.NEEDS["nodes"])
    result = NodeActionResult(action, mc.name, mc.namespace, sorted(set(ranks)), reason)
    emit(Event("step", "read the nodes", step="check"))
    rows = (await fetch_nodes(kube, mc)).by_rank()
    emit(Event("step-done", step="check"))
    targets = []
    for rank in result.ranks:
        row = rows.get(rank)
        if row is None:
            have = f"0-{max(rows)}" if rows else "none"
            result.failed[rank] = f"no such rank (the instance has ranks {have})"
        elif action == "drain" and row.drain_reason is not None:
            result.skipped[rank] = f"already {row.state}: {row.drain_reason or 'no reason given'}"
        elif action == "undrain" and row.drain_reason is None:
            result.skipped[rank] = f"not drained ({row.state})"
        else:
            targets.append(rank)
    if targets:
        idset = idset_encode(targets)
        emit(Event("step", f"flux resource {action} {idset}", step=action))
        argv = fc.resource_drain(idset, reason or DEFAULT_DRAIN_REASON) if action == "drain" \
            else fc.resource_undrain(idset)
        try:
            await Broker(kube, mc).flux(argv)
            result.changed = targets
        except FluxCommandFailed as exc:
            result.failed.update({r: exc.message.partition(" failed: ")[2] or exc.message for r in targets})
        emit(Event("step-done", step=action))
    emit(Event("done", result.summary()))
    return result


@locked("drain")
async def drain(kube: KubeClient, mc: MiniCluster, ranks: Sequence[int], *, reason: str | None = None,
                progress: Progress | None = None) -> NodeActionResult:
    """Drain `ranks`: their running jobs go on, no new job starts there."""
    return await _node_action(kube, mc, "drain", ranks, reason, progress)


@locked("undrain")
async def undrain(kube: KubeClient, mc: MiniCluster, ranks: Sequence[int], *,
                  progress: Progress | None = None) -> NodeActionResult:
    return await _node_action(kube, mc, "undrain", ranks, None, progress)
