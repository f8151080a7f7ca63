"""`n`: every rank of one MiniCluster, as an operator looks for a stuck queue's cause: its host and pod,
its state (up, draining, drained, offline, down) with the drain reason and time, cores used of total,
and the jobs on it. `d` drains the rank under the cursor with a reason, `u` undrains it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from ..flux.display import printable
from ..flux.ids import f58_encode
from ..flux.node_view import NodeRow, NodeView
from ..kube.resources import MiniCluster, Pod, minicluster_pods
from ..widgets.freshness import Freshness
from ..widgets.keyed_table import cursor_row_key, sync_rows
from ..widgets.summary import bar
from ..workflows.events import WorkflowError
from ..workflows.node_actions import drain, fetch_nodes, undrain
from .actions import WorkflowActions
from .ask import AskModal
from .base import Fetched, RefreshScreen
from .confirm import ConfirmModal
from .workflow_keys import BACK_KEYS, Subject

COLUMNS = [("RANK", "rank"), ("HOST", "host"), ("POD", "pod"), ("STATE", "state"), ("CORES", "cores"),
           ("JOBS", "jobs"), ("SINCE", "since"), ("REASON", "reason")]
STATE_STYLE = {"up": "green", "draining": "bold yellow", "drained": "yellow", "offline": "red", "down": "bold red"}
MAX_JOBS_SHOWN = 4
CORE_BAR = 8


@dataclass
class NodesFetched(Fetched):
    view: NodeView
    pods: dict[int, Pod]    # by completion index, which is the rank


def node_cells(row: NodeRow, pod: Pod | None) -> tuple[Text, ...]:
    """One rank as table cells, every one a Text (a DataTable reads a str as markup; these are cluster text)."""
    cores = Text("?") if row.cores_total is None else \
        bar(row.cores_used, 0, row.cores_total, CORE_BAR).append(f" {row.cores_used}/{row.cores_total}")
    if not row.cores_exact:
        cores.append(" ~")   # the scheduler did not say which cores: spread evenly over the job's ranks
    jobs = [f58_encode(j) for j in row.jobs[:MAX_JOBS_SHOWN]]
    if len(row.jobs) > MAX_JOBS_SHOWN:
        jobs.append(f"+{len(row.jobs) - MAX_JOBS_SHOWN}")
    pod_text = "-" if pod is None else pod.name + ("" if pod.running else f" ({pod.phase.lower()})")
    since = time.strftime("%b%d %H:%M:%S", time.localtime(row.drained_at)) if row.drained_at else ""
    return (Text(str(row.rank)), Text(printable(row.hostname)), Text(printable(pod_text)),
            Text(row.state, style=STATE_STYLE.get(row.state, "")), cores, Text(" ".join(jobs) or "-"),
            Text(since), Text(printable(row.drain_reason or "")))


class NodesScreen(WorkflowActions, RefreshScreen):
    BINDINGS = [
        *BACK_KEYS,
        Binding("d", "drain", "Drain", tooltip="drain the rank under the cursor, with a reason (asks first)"),
        Binding("u", "undrain", "Undrain", tooltip="give a drained rank back to the scheduler (asks first)"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, mc: MiniCluster) -> None:
        super().__init__(id=f"nodes-{mc.namespace}-{mc.name}")
        self.mc = mc
        self.view: NodeView | None = None
        self.pods: dict[int, Pod] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Freshness()
        table: DataTable[Text] = DataTable(id="node-table", cursor_type="row", zebra_stripes=True)
        for label, key in COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Static("", id="nodes-note")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"fluxstate-tui · {self.mc.namespace}/{self.mc.name} · nodes"
        self.query_one("#nodes-note").display = False
        self.query_one(DataTable).loading = True
        super().on_mount()

    async def fetch(self) -> NodesFetched:
        kube = await self.fs_app.client()
        view = await fetch_nodes(kube, self.mc, timeout=max(30.0, self.fs_app.refresh_interval * 10))
        pods = {p.index: p for p in await minicluster_pods(kube, self.mc) if p.index is not None}
        return NodesFetched(view, pods)

    def on_nodes_fetched(self, message: NodesFetched) -> None:
        self.view, self.pods = message.view, message.pods
        table = self.query_one(DataTable)
        table.loading = False
        sync_rows(table, COLUMNS, {str(r.rank): node_cells(r, self.pods.get(r.rank)) for r in message.view.rows})
        note = self.query_one("#nodes-note", Static)
        problems = [f"{section}: {why}" for section, why in message.view.errors.items()]
        note.update(Text("\n".join(printable(p) for p in problems), style="yellow"))
        note.display = bool(problems)
        self.fetch_done(ok=True)

    def show_error(self, error: str) -> None:
        if self.view is None:
            self.query_one(DataTable).loading = False
            note = self.query_one("#nodes-note", Static)
            note.update(Text.assemble((f"cannot read the nodes of {self.mc.name}:", "bold red"),
                                      f" {printable(error)}"))
            note.display = True

    def workflow_subject(self) -> Subject:
        return Subject(self.mc, None, None)

    # ---- d / u: drain and undrain ----------------------------------------------------------------

    def _rank_for(self, action: str) -> tuple[Subject, NodeRow] | None:
        subject = self._allowed(action)
        row = self.cursor_rank()
        if subject is None or row is None:
            return None
        return subject, row

    def action_drain(self) -> None:
        chosen = self._rank_for("drain")
        if chosen is None:
            return
        subject, row = chosen
        if row.drain_reason is not None or row.state in ("drained", "draining"):
            self.app.notify(f"rank {row.rank} is already {row.state}" +
                            (f": {row.drain_reason}" if row.drain_reason else ""), severity="warning", timeout=4)
            return
        jobs = f" The {len(row.jobs)} job(s) running there go on." if row.jobs else ""
        ask = AskModal(f"Drain rank {row.rank}", Text(
            f"flux resource drain {row.rank} ({printable(row.hostname)}): no new job starts there.{jobs} "
            "u undrains it."), label="reason", placeholder="why: shown to everyone who looks",
            action_label=f"Drain rank {row.rank} of {self.mc.name}")
        self.app.push_screen(ask, partial(self._node_action, subject, "drain", row.rank))

    def action_undrain(self) -> None:
        chosen = self._rank_for("undrain")
        if chosen is None:
            return
        subject, row = chosen
        if row.state not in ("drained", "draining"):
            self.app.notify(f"rank {row.rank} is {row.state}, not drained", severity="warning", timeout=4)
            return
        modal = ConfirmModal(f"Undrain rank {row.rank}", Text(
            f"flux resource undrain {row.rank} ({printable(row.hostname)}): jobs may start there again "
            f"(it was drained: {printable(row.drain_reason or '-')})."),
            f"Undrain rank {row.rank} of {self.mc.name}", destructive=False)
        self.app.push_screen(modal, lambda yes: self._node_action(subject, "undrain", row.rank, "") if yes else None)

    def _node_action(self, subject: Subject, action: str, rank: int, reason: str | None) -> None:
        if reason is None:
            return  # the dialog was cancelled

        async def job(progress):
            kube, mc = await self.fs_app.client(), await self._current(subject)
            if action == "drain":
                result = await drain(kube, mc, [rank], reason=reason or None, progress=progress)
            else:
                result = await undrain(kube, mc, [rank], progress=progress)
            if result.failed:
                raise WorkflowError(result.summary())
            return result.summary()

        self._start(subject, f"{action.capitalize()} rank {rank} of {self.mc.name}", job, show=False)

    def cursor_rank(self) -> NodeRow | None:
        key = cursor_row_key(self.query_one(DataTable))
        return self.view.by_rank().get(int(key)) if key is not None and self.view is not None else None
