"""A `flux top`-style summary of one Flux instance: resource bars, job counts, queue, uptime.

Strings from the cluster (queue names and reasons, drain reasons, node names, the version, the
archive path) are shown through `printable` and only ever as Text, never markup.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from ..flux.display import printable
from ..flux.snapshot import Snapshot
from ..kube.resources import MiniCluster
from ..workflows.assets import annotated

BAR = 24


def bar(used: int, down: int, total: int, width: int = BAR) -> Text:
    """Used fills from the left (yellow), down from the right (red), like flux top."""
    text = Text()
    if total <= 0:
        return text.append("[" + " " * width + "]")
    u = round(width * used / total)
    d = min(width - u, round(width * down / total))
    text.append("[")
    text.append("█" * u, style="yellow")
    text.append("·" * (width - u - d), style="dim")
    text.append("█" * d, style="red")
    text.append("]")
    return text


class FluxSummary(Static):
    DEFAULT_CSS = """
    FluxSummary { height: auto; padding: 0 1; border-bottom: solid $primary-darken-2; }
    """
    _height: int | None = None  # lines the content took when last shown (None: not measured)

    def show(self, mc: MiniCluster, snap: Snapshot | None, broker: str | None) -> None:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True)
        grid.add_column(no_wrap=True)
        r = snap.resources if snap else None
        width = BAR if self.size.width >= 110 or self.size.width == 0 else 12  # 80-column terminals
        if r is not None:
            nodes_used = r.nodes_total - r.nodes_idle - r.nodes_down
            # "down" is flux resource list's word for every node not up; the node status says why.
            why = snap.nodes.counts_text() if snap and snap.nodes else ""
            nodes_off = why or (f"{r.nodes_down} down" if r.nodes_down else "")
            cores_off = f"{r.cores_down} {'unavailable' if why else 'down'}" if r.cores_down else ""
            grid.add_row(Text.assemble(("nodes ", "bold"), bar(nodes_used, r.nodes_down, r.nodes_total, width),
                                       f" {nodes_used}/{r.nodes_total}" + (f" ({nodes_off})" if nodes_off else "")),
                         self._counts(snap))
            cores = bar(r.cores_allocated, r.cores_down, r.cores_total, width)
            grid.add_row(Text.assemble(("cores ", "bold"), cores, f" {r.cores_allocated}/{r.cores_total}"
                                       + (f" ({cores_off})" if cores_off else "")),
                         self._queue(snap))
        else:
            grid.add_row(Text("resources: waiting for Flux", style="dim"), self._counts(snap))
        u = snap.uptime if snap else None
        info = Text.assemble(("size ", "bold"), f"{mc.size}/{mc.scale_limit}", "   ",
                             ("uptime ", "bold"), printable(f"{u.state} {u.uptime}" if u else "-"), "   ",
                             ("flux-core ", "bold"), printable((snap.version or "-") if snap else "-"), "   ",
                             ("broker ", "bold"), printable(broker or "-"), "   ",
                             ("archive ", "bold"), printable(mc.archive_path or "none"))

        assets = annotated(mc)
        if assets:
            info.append("   ")
            info.append("assets ", style="bold")
            info.append(printable(", ".join(assets)))
        not_up = self._not_up(snap)
        # Every refresh changes the counts, rarely the summary's height: a repaint, then, not a layout of the
        # whole screen (10-40 ms on the jobs screen, every refresh). The grid's rows never wrap (no_wrap, and
        # cluster text is made one line by printable); the info and not-up lines wrap on a narrow terminal.
        width = self.size.width
        height = None
        if width > 0:
            console = self.app.console
            height = len(grid.rows) + sum(len(t.wrap(console, width)) for t in (info, not_up) if t is not None)
        self.update(Group(grid, info, not_up) if not_up else Group(grid, info),
                    layout=height is None or height != self._height)
        self._height = height

    @staticmethod
    def _not_up(snap: Snapshot | None) -> Text | None:
        """Which nodes are not up and why: a drained node is undrained, an offline one waits for its pod."""
        nodes = snap.nodes if snap else None
        if nodes is None or not (nodes.drained or nodes.offline or nodes.other):
            return None
        text = Text()
        kinds = (("drained ", "bold red", nodes.drained), ("offline ", "bold yellow", nodes.offline),
                 ("down ", "bold red", nodes.other))
        for label, style, groups in kinds:
            for g in groups:
                if text:
                    text.append("   ")
                text.append(label, style=style)
                if g.drained:
                    text.append(printable(g.where() + (f" since {g.since()}" if g.since() else "")
                                          + f": {g.reason or '-'}" + ("" if g.online else " (offline)")))
                else:
                    text.append(printable(g.where() + ("" if g.offline else f" {g.state}")))
        return text

    @staticmethod
    def _counts(snap: Snapshot | None) -> Text:
        s = snap.stats if snap else None
        if s is None:
            return Text("jobs: -", style="dim")
        return Text.assemble((f"{s.pending} pending", "bold cyan"), "  ", (f"{s.running} running", "bold yellow"),
                             "  ", (f"{s.completed} completed", "green"), "  ", (f"{s.failed} failed", "red"))

    @staticmethod
    def _queue(snap: Snapshot | None) -> Text:
        q = snap.queue if snap else None
        if q is None or not q.queues:
            return Text("queue: -", style="dim")
        parts = Text("queue ", style="bold")
        for i, x in enumerate(q.queues):
            if i:
                parts.append("; ")
            if x.name:
                parts.append(f"{printable(x.name)}: ")
            if x.started:
                parts.append("started", style="green")
            else:
                parts.append("STOPPED", style="bold red")
                if x.stop_reason:
                    parts.append(f" ({printable(x.stop_reason)})")
            if not x.enabled:
                parts.append(", submit disabled", style="red")
                if x.disable_reason:
                    parts.append(f" ({printable(x.disable_reason)})")
        return parts
