"""The first screen: every MiniCluster in the namespace (or all), live."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Static

from ..flux.display import printable
from ..kube.client import load_models
from ..kube.errors import KubeError
from ..kube.resources import get_minicluster
from ..widgets.freshness import Freshness
from ..widgets.keyed_table import cursor_row_key, sync_rows
from ..widgets.trend import spark
from .base import Fetched, RefreshScreen
from .guard_keys import GuardKeys, guard_cell
from .move_key import MoveKey
from .views import VIEW_BINDINGS, MiniClusterViews
from .workflow_keys import APP_KEYS, WORKFLOW_BINDINGS, Subject

if TYPE_CHECKING:
    from ..kube.resources import MiniCluster
    from ..readmodel import Summary

TREND_WIDTH = 12
COLUMNS = [("NAME", "name"), ("NAMESPACE", "namespace"), ("SIZE", "size"), ("PODS", "pods"), ("QUEUE", "queue"),
           ("RUN", "run"), ("PEND", "pend"), ("PENDING LATELY", "trend"), ("DONE", "done"), ("ARCHIVE", "archive"),
           ("GUARD", "guard")]


@dataclass
class ClustersFetched(Fetched):
    summaries: list[Summary]
    listed_namespace: str | None    # (Message.namespace is Textual's handler prefix)


def row_cells(s: Summary, pending: deque[int] | None = None) -> tuple:
    counts = s.counts()
    queue = printable(s.queue_text() if s.snapshot else (s.error or "-"))
    queue_style = "red" if "stopped" in queue else ("dim" if not s.snapshot else "green")
    archive = s.mc.archive_path or "-"
    if s.mc.archive_path and s.snapshot and s.snapshot.archive is not None:
        archive += " ✔" if s.snapshot.archive["exists"] else " (none yet)"
    pods_total = len([p for p in s.pods if not p.deleting])
    # Every cell a Text: DataTable reads a plain str as markup, and these strings come from the cluster.
    return (
        Text(s.mc.name, style="bold"), Text(s.mc.namespace), Text(f"{s.mc.size}/{s.mc.scale_limit}"),
        Text(f"{s.ready_pods}/{pods_total}", style="green" if pods_total and s.ready_pods == pods_total else "yellow"),
        Text(queue, style=queue_style),
        *(Text(str(c)) for c in (counts[:2] if counts else ["-", "-"])),
        spark(pending or deque(), TREND_WIDTH),
        Text(str(counts[2]) if counts else "-"),
        Text(printable(archive)),
        guard_cell(s.mc),
    )


class ClustersScreen(GuardKeys, MoveKey, MiniClusterViews, RefreshScreen):
    # The footer shows these in order and cuts the rest at narrow widths: ? and the actions first.
    BINDINGS = [
        Binding("question_mark", "app.help", "Help"),
        Binding("enter", "open", "Open", show=True),
        Binding("slash", "filter", "Filter"),
        *WORKFLOW_BINDINGS,  # S D R Z F A (actions.py), on the selected MiniCluster
        *APP_KEYS,           # w q
        *VIEW_BINDINGS,      # n l d y s (views.py)
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="clusters")
        self.summaries: dict[str, Summary] = {}
        self.pending_lately: dict[str, deque[int]] = {}   # pending jobs at each of the last refreshes
        self.filter_text = ""
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Freshness()
        table: DataTable[str | Text] = DataTable(id="mc-table", cursor_type="row", zebra_stripes=True)
        for label, key in COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Static("", id="mc-empty")
        yield Input(placeholder="filter by name or namespace (esc clears)", id="mc-filter")
        # The Footer comes just after the first frame: its keys took some 40 ms of the 100 ms the first
        # frame took to build (start-up speed).

    def on_mount(self) -> None:
        self.query_one("#mc-filter").display = False
        self.query_one("#mc-empty").display = False
        self.query_one(DataTable).loading = True
        self._update_title()
        self.call_after_refresh(self._add_footer)
        super().on_mount()

    async def _add_footer(self) -> None:
        await self.mount(Footer())
        self.refresh_bindings()  # a Footer draws its keys when the bindings are announced

    def _update_title(self) -> None:
        app = self.fs_app
        self.title = "fluxstate-tui · MiniClusters"
        where = "all namespaces" if app.all_namespaces else f"namespace {app.namespace or '?'}"
        self.sub_title = f"{app.context_name or 'no context'} · {where}" + (" · read-only" if app.read_only else "")

    async def fetch(self) -> ClustersFetched:
        kube = await self.fs_app.client()  # (the first time, once the first frame is drawn)
        # The read model (the broker's exec, the snapshot's parsers) loads with the first fetch, after the first
        # frame: start-up speed.
        from ..readmodel import overview

        namespace = None if self.fs_app.all_namespaces else kube.namespace
        return ClustersFetched(await overview(kube, namespace), namespace)

    def on_clusters_fetched(self, message: ClustersFetched) -> None:
        if not self.loaded:
            # The client's models, which only the views and the workflows read, built in a thread now that
            # the list is shown rather than on the event loop when one of them first asks: start-up speed.
            self.run_worker(asyncio.to_thread(load_models), group="models", exit_on_error=False)
        self.summaries = {f"{s.mc.namespace}/{s.mc.name}": s for s in message.summaries}
        for key, summary in self.summaries.items():
            counts = summary.counts()
            if counts is not None:
                self.pending_lately.setdefault(key, deque(maxlen=TREND_WIDTH)).append(counts[1])
        self.loaded = True
        self._update_title()
        self._render_rows()
        self.fetch_done(ok=True)

    def _visible(self) -> dict[str, Summary]:
        needle = self.filter_text.lower()
        return {k: s for k, s in self.summaries.items() if not needle or needle in k.lower()}

    def _render_rows(self) -> None:
        table = self.query_one(DataTable)
        table.loading = False
        wanted = self._visible()
        sync_rows(table, COLUMNS, {key: row_cells(s, self.pending_lately.get(key)) for key, s in wanted.items()})
        empty = self.query_one("#mc-empty", Static)
        if not wanted:
            if self.filter_text and self.summaries:
                empty.update(Text(f"no MiniCluster matches “{self.filter_text}” — esc clears the filter"))
            elif self.fs_app.all_namespaces:
                empty.update("no MiniClusters in any namespace")
            else:
                empty.update(Text(f"no MiniClusters in namespace {self.fs_app.namespace} — try -A, "
                                  "or “All namespaces” in the command palette (ctrl+p)"))
            empty.set_class(False, "error")
        empty.display = not wanted
        table.display = bool(wanted)

    def show_error(self, error: str) -> None:
        self._update_title()
        if self.loaded:
            return  # keep the last data; the freshness line says it is stale
        table = self.query_one(DataTable)
        table.loading = False
        table.display = False
        empty = self.query_one("#mc-empty", Static)
        empty.update(Text(f"cannot list MiniClusters: {error}\nretrying every {self.fs_app.refresh_interval:g}s",
                          style="bold red"))
        empty.display = True

    def forget(self) -> None:
        """After a context or namespace switch: drop what was shown and fetch anew."""
        self.summaries = {}
        self.loaded = False
        self.query_one(DataTable).clear()
        self._update_title()
        self.action_refresh_now()

    def cursor_key(self) -> str | None:
        return cursor_row_key(self.query_one(DataTable))

    def selected(self) -> Summary | None:
        key = self.cursor_key()
        return self.summaries.get(key) if key else None

    # ---- actions -----------------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        summary = self.selected()
        if summary is None:
            return
        self.open_jobs(summary.mc)

    def open_jobs(self, mc: MiniCluster) -> None:
        # The jobs screen (its table, its views) loads when a MiniCluster is first opened, after the first
        # frame: start-up speed.
        from .jobs import JobsScreen

        self.app.push_screen(JobsScreen(mc))

    def action_filter(self) -> None:
        box = self.query_one("#mc-filter", Input)
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#mc-filter", Input)
        box.value = ""
        box.display = False
        self.query_one(DataTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        if self.loaded:
            self._render_rows()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    async def open_named(self, namespace: str, name: str) -> None:
        """For the command palette: open a MiniCluster by name."""
        summary = self.summaries.get(f"{namespace}/{name}")
        if summary is not None:
            self.open_jobs(summary.mc)
            return
        try:
            mc = await get_minicluster(await self.fs_app.client(), name, namespace)
        except KubeError as exc:
            self.notify(exc.message, severity="error")
            return
        self.open_jobs(mc)

    # ---- state workflows (actions.py) ----------------------------------------------------------

    def workflow_subject(self) -> Subject | None:
        summary = self.selected()
        if summary is None:
            return None
        snap = summary.snapshot
        return Subject(summary.mc, snap, snap.total_jobs if snap and snap.stats else None)
