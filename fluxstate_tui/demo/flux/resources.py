"""Resources of the simulated instance: the brokers' nodes, online/offline, drain and undrain."""

from __future__ import annotations

from fluxstate_tui.flux.hostlist import hostlist_encode, idset_encode

from .execution import WS_CANCEL
from .job import (
    RUN,
)


class Node:
    __slots__ = ("rank", "hostname", "ncores", "free", "online", "drained", "t_online")

    def __init__(self, rank: int, hostname: str, ncores: int) -> None:
        self.rank, self.hostname, self.ncores = rank, hostname, ncores
        self.free = set(range(ncores))
        self.online = False
        self.drained: tuple[float, str] | None = None
        self.t_online = 0.0

    @property
    def up(self) -> bool:
        return self.online and self.drained is None


class ResourcesMixin:
    """Rank state changes; part of FluxInstance (uses its now/dmesg/_schedule/_changed)."""

    def set_rank_online(self, rank: int, online: bool) -> None:
        node = self.nodes[rank]
        if node.online == online:
            return
        node.online = online
        ts = self.now()
        if online:
            node.t_online = ts
        self.resource_events.append((ts, "online" if online else "offline", {"idset": str(rank)}))
        up = [n for n in self.nodes if n.online]
        if online:
            self.dmesg("broker", "info", f"online: {hostlist_encode([n.hostname for n in up])} "
                                         f"(ranks {idset_encode([n.rank for n in up])})", ts)
            if len(up) == self.size and not self._quorum_full:
                self._quorum_full = True
                self.dmesg("broker", "info", f"quorum-full: quorum->run {ts - self.t_start:.6f}s", ts)
        else:
            self.dmesg("broker", "err", f"{node.hostname} (rank {rank}) went offline", ts)
            for job in list(self.running.values()):
                if job.alloc and any(r == rank for r, _c in job.alloc) and job.state == RUN:
                    self.fatal_exception(job, "node-failure", f"node failure on {node.hostname} (rank {rank})",
                                         WS_CANCEL)
        self._schedule()
        self._changed()

    def drain(self, ranks: list[int], reason: str) -> None:
        ts = self.now()
        for r in ranks:
            if self.nodes[r].drained is None or reason:
                self.nodes[r].drained = (ts, reason)
        self.resource_events.append((ts, "drain", {
            "idset": idset_encode(ranks), "nodelist": hostlist_encode([self.hostnames[r] for r in ranks]),
            "reason": reason, "overwrite": 0}))
        self._changed()

    def undrain(self, ranks: list[int]) -> None:
        ts = self.now()
        for r in ranks:
            self.nodes[r].drained = None
        self.resource_events.append((ts, "undrain", {
            "idset": idset_encode(ranks), "nodelist": hostlist_encode([self.hostnames[r] for r in ranks])}))
        self._schedule()
        self._changed()
