"""One MiniCluster: a `flux top`-style summary above a live `flux jobs -a` table."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Input, Static

from ..flux import table as cells_of
from ..flux.display import printable
from ..flux.model import Job, order_key
from ..flux.snapshot import ALL_SECTIONS, JobIndex, Merge, Snapshot
from ..flux.why import Reason, reasons_by_job, short
from ..heap import give_back, keep_out_of_collections
from ..kube.broker import Broker
from ..kube.client import KubeClient
from ..kube.resources import MiniCluster, get_minicluster
from ..widgets.freshness import Freshness
from ..widgets.job_table import Column, JobTable
from ..widgets.summary import FluxSummary
from ..widgets.table_model import TableModel
from ..widgets.trend import QueueTrend
from .base import Fetched, RefreshScreen, collect_after_pop
from .guard_keys import GuardKeys
from .job_detail import JobDetailScreen
from .job_keys import JobKeys
from .move_key import MoveKey
from .views import VIEW_BINDINGS, MiniClusterViews
from .workflow_keys import APP_KEYS, JOB_BINDINGS, WORKFLOW_BINDINGS, Subject

COLUMNS = [
    Column("jobid", "JOBID", align="right", min_width=12),
    Column("user", "USER", min_width=8),
    Column("name", "NAME", width=16),
    Column("st", "ST", width=2, align="right"),
    Column("ntasks", "NTASKS", align="right", min_width=6),
    Column("nnodes", "NNODES", align="right", min_width=6),
    Column("time", "TIME", align="right", min_width=8),
    Column("info", "INFO", min_width=10),
]
QUEUE_COLUMN = Column("queue", "QUEUE", min_width=8)
SORTABLE = [None, "jobid", "user", "name", "st", "ntasks", "nnodes", "time"]
PREVIEW_ROWS = 200
"""Jobs read first on opening the screen (flux jobs lists the newest first): a screenful or more, shown
while the full listing, which takes seconds at 100,000 jobs, is read and merged in behind it. 0: no preview."""
FREEZE_FROM = 20_000
"""Jobs from which the screen keeps them out of the collector's full collections (heap.py): below, one
takes a few ms anyway."""
RESULT_STYLE = {"COMPLETED": "completed", "FAILED": "failed", "CANCELED": "canceled", "TIMEOUT": "timeout"}


def style_of(job: Job) -> str:
    if job.held:
        return "held"
    if job.pending:
        return "pending"
    if job.running:
        return "running"
    return RESULT_STYLE.get(job.result, "failed")


def row_of(job: Job, now: float, queues: bool,
           reasons: list[Reason] | None = None) -> tuple[tuple[str, ...], tuple, str]:
    c = cells_of.cells(job, now)
    if reasons:
        # A pending job's INFO: every reason it waits, in a few words (flux's own INFO comes first).
        c = c[:-1] + (short(reasons),)
    if queues:
        c = c[:1] + (job.queue or "",) + c[1:]
    return c, order_key(job), style_of(job)


@dataclass
class JobsDiff:
    """What one refresh changes on the jobs screen, computed in a worker thread from the screen's state
    as of the last refresh (read, never written, there)."""

    merge: Merge                        # the index with the snapshot merged in, for JobIndex.commit
    rows: dict[int, tuple]              # the rows to add or rebuild
    removed: set[int]
    reasons: dict[int, list[Reason]]    # why each pending job waits, now
    queues: bool                        # some job names a queue: the QUEUE column is shown
    model: TableModel | None = None     # every row in a model of their own, for JobTable.adopt


def diff_jobs(index: JobIndex, snap: Snapshot, queues_shown: bool, old_reasons: dict[int, list[Reason]],
              blank: TableModel | None = None) -> JobsDiff:
    """With `blank` (the table's `blank_model`), a full listing fills it with every row: the handler puts
    it in place at once rather than adding 100,000 rows on the UI thread."""
    merge = index.merged(snap)
    jobs = merge.jobs
    now = snap.remote_now or 0.0
    queues = merge.queued
    every = queues != queues_shown or (blank is not None and snap.full)
    added = set(jobs) if every else merge.added  # the column set changes, or all rows anew
    active = {i: jobs[i] for i in merge.active}
    running = {i for i, j in active.items() if j.running}
    reasons = reasons_by_job(active, snap.queue, snap.resources, snap.nodes)
    # A stopped queue or a drained node changes the reasons of jobs that did not change themselves,
    # and a started queue takes them away again.
    moved = {i for i, r in reasons.items() if r != old_reasons.get(i)}
    moved |= {i for i in old_reasons if i not in reasons and i in jobs}
    # The rows made while the listing was read serve every job shown plainly (no QUEUE column, no
    # reasons of ours); they go into the diff, not also into the snapshot the screen keeps.
    built, snap.built = snap.built, {}
    rows = {}
    for i in added | merge.changed | running | moved:
        row = None if queues or i in reasons else built.get(i)
        rows[i] = row if row is not None else row_of(jobs[i], now, queues, reasons.get(i))
    model = None
    if blank is not None and snap.full and queues == queues_shown:
        blank.set_rows(rows)
        model = blank
    return JobsDiff(merge, rows, merge.removed, reasons, queues, model)


def plain_row(job: Job, now: float) -> tuple[tuple[str, ...], tuple, str]:
    """A job's row without the QUEUE column or reasons: made as the listing is read (`Snapshot.built`)."""
    return row_of(job, now, False)


@dataclass
class JobsFetched(Fetched):
    diff: JobsDiff
    snapshot: Snapshot
    broker: Broker
    pod: tuple[str, datetime | None]    # (name, created) of the broker pod the snapshot was read from
    mc: MiniCluster


class JobsScreen(JobKeys, GuardKeys, MoveKey, MiniClusterViews, RefreshScreen):
    # The footer shows these in order and cuts the rest at narrow widths: ? and the actions first.
    BINDINGS = [
        Binding("question_mark", "app.help", "Help"),
        Binding("escape", "back", "Back"),
        Binding("slash", "filter", "Filter"),
        *WORKFLOW_BINDINGS,  # S D R Z F A (actions.py)
        *APP_KEYS,           # w q
        *JOB_BINDINGS,       # ctrl+d h r u ctrl+k E (job_keys.py)
        Binding("o", "sort", "Sort"),
        Binding("O", "reverse_sort", "Reverse", show=False),
        *VIEW_BINDINGS,      # n l d y s (views.py)
        Binding("enter", "open_job", "Job detail", show=False),
    ]

    def __init__(self, mc: MiniCluster) -> None:
        super().__init__(id=f"jobs-{mc.namespace}-{mc.name}")
        self.mc = mc
        self.index = JobIndex()
        self.snapshot: Snapshot | None = None   # the last full picture of queue/resources/stats
        self.broker_name: str | None = None
        self.queues_shown = False
        self._broker: Broker | None = None
        self._broker_pod: tuple[str, datetime | None] | None = None  # (name, created): the pod the index is of
        self._reasons: dict[int, list[Reason]] = {}  # why each pending job waits, as of the last refresh
        self._note: str | None = ""  # the note's text as last shown (None: an error shown there instead)
        self._frozen = False   # the jobs are out of the collector's sight (heap.keep_out_of_collections)
        self._replaced = 0     # jobs added or changed since

    def compose(self) -> ComposeResult:
        yield Header()
        yield Freshness()
        yield FluxSummary(id="summary")
        yield QueueTrend(id="trend")
        yield JobTable(list(COLUMNS), id="job-table")
        yield Static("", id="jobs-note")
        yield Input(placeholder="filter by id, name, user or state (esc clears)", id="jobs-filter")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"fluxstate-tui · {self.mc.namespace}/{self.mc.name}"
        self._show_sub_title(0)
        self.query_one("#jobs-filter").display = False
        self.query_one("#jobs-note").display = False
        self.query_one(FluxSummary).show(self.mc, None, None)
        self.query_one(JobTable).loading = True
        super().on_mount()

    def on_unmount(self) -> None:
        # A popped screen's object can outlive its pop (a finished worker's task and its context, Textual's
        # own references): what it holds of the cluster goes with the pop, not whenever the last of those
        # lets go (issue 17: each visit of a 100,000-job queue kept another copy).
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.index = JobIndex()
        self.snapshot = None
        self._reasons = {}
        self._broker = None
        if self._frozen:
            self._frozen = False
            give_back()
            collect_after_pop(self)

    @property
    def table(self) -> JobTable:
        return self.query_one(JobTable)

    async def fetch(self) -> JobsFetched:
        """Reads the screen's state (index, broker, reasons) and returns what changes; the handler
        applies it on the main thread. Fetches never overlap, so nothing read here changes meanwhile."""
        kube = await self.fs_app.client()
        snap, broker, pod_id, mc = await self._read(kube, self.fs_app.job_count,
                                                    max(30.0, self.fs_app.refresh_interval * 10))
        # Building rows for 100,000 jobs is real work: off the UI thread, and so is the table of the first
        # full listing (`blank`: the handler swaps it in).
        blank = self.table.blank_model() if snap.full and not snap.preview and not self.index.loaded else None
        diff = await asyncio.to_thread(diff_jobs, self.index, snap, self.queues_shown, self._reasons, blank)
        return JobsFetched(diff, snap, broker, pod_id, mc)

    async def _read(self, kube: KubeClient, count: int,
                    timeout: float) -> tuple[Snapshot, Broker, tuple[str, datetime | None], MiniCluster]:
        mc, broker = self.mc, self._broker
        if broker is None:
            mc = await get_minicluster(kube, mc.name, mc.namespace)
            broker = Broker(kube, mc)
        pod = await broker.pod()
        sections = ALL_SECTIONS if self.snapshot is None else tuple(s for s in ALL_SECTIONS if s != "version")
        if PREVIEW_ROWS and self.snapshot is None and (count == 0 or count > PREVIEW_ROWS):
            snap = await broker.snapshot(None, sections=sections, count=PREVIEW_ROWS, timeout=timeout,
                                         build=plain_row)
            snap.preview = True
            return snap, broker, (pod.name, pod.created), mc
        # Rows are made as a full listing is read; a refresh's listing repeats jobs already shown (it overlaps
        # the last by SINCE_MARGIN), so its rows are made after the diff, in a thread, for the jobs that changed.
        snap = await broker.snapshot(self.index, sections=sections, count=count, timeout=timeout,
                                     build=None if self.index.loaded else plain_row)
        pod_id = (pod.name, pod.created)
        if not snap.full and (self.index.other_instance(snap) or pod_id != self._broker_pod):
            # A new Flux instance (broker pod replaced, MiniCluster recreated): its changes
            # cannot be merged into the old instance's jobs. Read everything again, at once,
            # so the table never mixes the two (a full snapshot replaces the index).
            snap = await broker.snapshot(None, sections=sections, count=count, timeout=timeout, build=plain_row)
        return snap, broker, pod_id, mc

    def forget_connection(self) -> None:
        self._broker = None  # look the MiniCluster and its broker up again next time

    def on_jobs_fetched(self, message: JobsFetched) -> None:
        diff, snap = message.diff, message.snapshot
        self.index.commit(diff.merge)
        self._reasons = diff.reasons
        self._broker, self._broker_pod = message.broker, message.pod
        if self.snapshot is not None and snap.version is None:
            snap.version = self.snapshot.version
        self.snapshot = snap
        self.broker_name = message.pod[0]
        self.mc = message.mc
        table = self.table
        table.loading = False
        if diff.queues != self.queues_shown:
            self.queues_shown = diff.queues
            cols = list(COLUMNS)
            if diff.queues:
                cols.insert(1, QUEUE_COLUMN)
            table = self._replace_table(cols)
        if diff.model is not None and table.adopt(diff.model):
            pass
        elif not table.total_count:
            table.set_rows(diff.rows)
        else:
            table.update_rows(diff.rows, diff.removed)
        self._keep_out_of_collections(diff)
        self.query_one(FluxSummary).show(self.mc, snap, self.broker_name)
        if snap.stats is not None:
            self.query_one(QueueTrend).add(snap.stats.pending, snap.stats.running)
        note = self.query_one("#jobs-note", Static)
        notes = []
        if self.index.truncated:
            notes.append(f"showing the newest {len(self.index.jobs)} of {snap.total_jobs} jobs "
                         "(start with --jobs 0 to load all)")
        notes += snap.problems()  # flux's stderr, unreadable job records: cluster text, shown as Text
        if snap.preview and snap.total_jobs > len(self.index.jobs):
            notes.append(f"showing the newest {len(self.index.jobs)} of {snap.total_jobs} jobs: reading the rest")
        if not self.index.jobs:
            notes.append("no jobs in this Flux instance yet")
        text = "\n".join(printable(n) for n in notes)
        if text != self._note:  # most refreshes say what the last one said: no layout for nothing
            self._note = text
            note.update(Text(text))
            note.display = bool(notes)
        self.fetch_done(ok=True)
        if snap.preview:
            self._schedule(0)  # the full listing at once, not a refresh interval later

    def _keep_out_of_collections(self, diff: JobsDiff) -> None:
        """Once a big queue is in, and again once a fifth of it was replaced, after the next paint."""
        count = len(self.index.jobs)
        if count < FREEZE_FROM or not self.index.loaded:
            return
        self._replaced += len(diff.merge.added) + len(diff.merge.changed)
        if not self._frozen or self._replaced > count // 5:
            self._frozen = True
            self._replaced = 0
            self.call_after_refresh(self._freeze_now)

    def _freeze_now(self) -> None:
        if self._frozen:  # not unmounted meanwhile (that gave everything back)
            keep_out_of_collections()

    def _replace_table(self, columns: list[Column]) -> JobTable:
        old = self.table
        new = JobTable(columns, id="job-table-q")
        new.marked = set(old.marked)
        self.mount(new, before=old)
        old.remove()
        new.id = "job-table"
        return new

    def show_error(self, error: str) -> None:
        if self.snapshot is None:
            table = self.table
            table.loading = False
            note = self.query_one("#jobs-note", Static)
            note.update(Text.assemble((f"cannot read Flux in {self.mc.name}:", "bold red"), f" {printable(error)}\n",
                                      f"retrying every {self.fs_app.refresh_interval:g}s"))
            note.display = True
            self._note = None

    # ---- actions -----------------------------------------------------------------------------

    def on_job_table_selected(self, message: JobTable.Selected) -> None:
        self._open(message.key)

    def action_open_job(self) -> None:
        if self.table.cursor_key is not None:
            self._open(self.table.cursor_key)

    def _open(self, key: int) -> None:
        job = self.index.jobs.get(key)
        if job is not None:
            self.app.push_screen(JobDetailScreen(self.mc, job, self._reasons.get(key), self.snapshot))

    def _show_sub_title(self, marked: int) -> None:
        parts = [self.fs_app.context_name or ""]
        if self.fs_app.read_only:
            parts.append("read-only")
        if marked:
            parts.append(f"{marked} marked (esc clears)")
        self.sub_title = " · ".join(p for p in parts if p)

    def on_job_table_marks_changed(self, message: JobTable.MarksChanged) -> None:
        self._show_sub_title(message.count)

    def action_back(self) -> None:
        """esc: the filter first, then the marks, then back to the list."""
        box = self.query_one("#jobs-filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.table.focus()
        elif self.table.marked:
            self.table.clear_marks()
        else:
            self.app.pop_screen()

    def action_filter(self) -> None:
        box = self.query_one("#jobs-filter", Input)
        box.display = True
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.table.set_filter(event.value.strip())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.table.focus()

    def action_sort(self) -> None:
        table = self.table
        keys = [c for c in SORTABLE if c is None or any(col.key == c for col in table.columns)]
        nxt = keys[(keys.index(table.sort_column) + 1) % len(keys)] if table.sort_column in keys else None
        table.sort_by(nxt, table.sort_reverse)
        self.notify(f"sorted by {nxt or 'flux order'}", timeout=1.5)

    def action_reverse_sort(self) -> None:
        table = self.table
        table.sort_by(table.sort_column, not table.sort_reverse)


    # ---- state workflows (actions.py) and job keys (job_keys.py) ---------------------------------

    def chosen_jobs(self) -> list[Job]:
        jobs = self.index.jobs
        keys = sorted(self.table.marked) or ([self.table.cursor_key] if self.table.cursor_key is not None else [])
        return [jobs[k] for k in keys if k in jobs]

    def jobs_acted(self) -> None:
        self.table.clear_marks()

    def workflow_subject(self) -> Subject:
        snap = self.snapshot
        if snap is None:
            jobs = None
        elif (self.index.truncated or not self.index.loaded) and snap.stats:  # a preview counts all
            jobs = snap.total_jobs
        else:
            jobs = len(self.index.jobs)
        return Subject(self.mc, snap, jobs)

    def workflow_finished(self, run) -> None:
        if run.target == (self.mc.namespace, self.mc.name):
            self._broker = None  # it may have been recreated: read the MiniCluster and its broker again
        super().workflow_finished(run)
