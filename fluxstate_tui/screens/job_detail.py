"""One job: why it waits (if pending), its request, where it ran, its eventlog and its output.

Everything here but the labels comes from the cluster (the submitter chose the name, command and
cancel message), so it is shown as Text through `printable`: never markup (a `sed 's/[/]//'`
command must not be read as a closing tag) and never raw escapes. Rich Table cells given as str
ARE parsed as markup, hence `_t`.
"""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from ..flux.detail import JobDetail
from ..flux.display import printable, printable_lines
from ..flux.fsd import fsd
from ..flux.ids import f58_encode
from ..flux.model import Job
from ..flux.snapshot import Snapshot
from ..flux.table import info
from ..flux.why import Reason, reasons_again, summary
from ..kube.broker import Broker
from ..kube.errors import BrokerNotReady
from ..kube.resources import MiniCluster
from ..widgets.freshness import Freshness
from .base import Fetched, RefreshScreen
from .broker_log import BrokerLogScreen
from .job_keys import JobKeys
from .nodes import NodesScreen
from .workflow_keys import BACK_KEYS, JOB_BINDINGS, Subject


@dataclass
class DetailFetched(Fetched):
    job: Job | None
    detail: JobDetail
    broker: Broker
    reasons: list[Reason] | None


def _t(text: object, style: str = "") -> Text:
    """A cluster string as a table cell: plain Text, control characters escaped."""
    return Text(printable(text), style=style)


def _reason_line(number: int, reason: Reason) -> Text:
    """One reason a job waits, numbered in the order to fix them (the text is the cluster's, never markup)."""
    return Text.assemble((f"{number}. ", "bold"), (printable(reason.text), "bold yellow"))


def _ctx(context: dict) -> Text:
    return _t(" ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in context.items()))


class JobDetailScreen(JobKeys, RefreshScreen):
    BINDINGS = [
        *BACK_KEYS,
        *JOB_BINDINGS,       # ctrl+d h r u ctrl+k E on this job (job_keys.py)
        Binding("S", "queue_toggle", "Stop/start", show=False, tooltip="stop or start the queue (asks first)"),
        Binding("R", "recreate", "Recreate", show=False, tooltip="recreate at a size that fits (asks first)"),
        Binding("Z", "scale", "Scale", show=False, tooltip="live resize within maxSize (asks first)"),
        Binding("n", "nodes", "Nodes", show=False, tooltip="every rank: u there undrains a drained one"),
        Binding("l", "broker_log", "Broker log"),
    ]

    def __init__(self, mc: MiniCluster, job: Job, reasons: list[Reason] | None,
                 snapshot: Snapshot | None = None) -> None:
        """`reasons`: why the job waits, as the jobs screen last worked out (None: it has not seen the job
        pending), and `snapshot` what that screen last read (queue, resources): this screen reads the job."""
        super().__init__(id=f"job-{job.id}")
        self.mc = mc
        self.job = job
        self.reasons = reasons
        self.snapshot = snapshot
        self.detail: JobDetail | None = None
        self._broker: Broker | None = None
        self.jobid = f58_encode(job.id)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Freshness()
        with VerticalScroll(id="detail-scroll"):
            yield Static(id="detail-head")
            yield Static(id="detail-why")
            yield Static(id="detail-request")
            yield Static(id="detail-events")
            yield Static(id="detail-output")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"fluxstate-tui · {self.mc.name} · job {self.jobid}"
        self.sub_title = printable(self.job.name)
        self._show()
        super().on_mount()

    async def fetch(self) -> DetailFetched:
        broker = self._broker or Broker(await self.fs_app.client(), self.mc)
        detail = await broker.job_detail(str(self.job.id))
        if detail.job is None and not detail.events:
            raise BrokerNotReady(f"job {self.jobid} is not known to Flux in {self.mc.name} (purged?)")
        reasons = self.reasons
        if detail.job is not None and detail.job.pending:
            # A key pressed here (r, S, u on a rank) changes why it waits: read the queue and resources again.
            snap = await broker.snapshot(sections=REASON_SECTIONS, timeout=30)
            reasons = reasons_again(detail.job, self.reasons or [], snap.queue, snap.resources, snap.nodes)
        return DetailFetched(detail.job, detail, broker, reasons)

    def forget_connection(self) -> None:
        self._broker = None  # find the broker pod again next time

    def on_detail_fetched(self, message: DetailFetched) -> None:
        self._broker = message.broker
        self.reasons = message.reasons
        if message.job is not None:
            self.job = message.job
        self.detail = message.detail
        self._show()
        self.fetch_done(ok=True)

    def _show(self) -> None:
        job, detail = self.job, self.detail
        self.query_one("#detail-head", Static).update(head_text(self.jobid, job))
        why = self.query_one("#detail-why", Static)
        if job.pending:
            why.update(why_renderable(self.reasons, fixes=True))
        why.display = job.pending
        self.query_one("#detail-request", Static).update(request_renderable(job, detail))
        self.query_one("#detail-events", Static).update(events_renderable(detail))
        self.query_one("#detail-output", Static).update(output_renderable(job, detail))

    def action_broker_log(self) -> None:
        self.app.push_screen(BrokerLogScreen(self.mc))

    def action_nodes(self) -> None:
        self.app.push_screen(NodesScreen(self.mc))

    def workflow_subject(self) -> Subject:
        return Subject(self.mc, self.snapshot, None)

    def chosen_jobs(self) -> list[Job]:
        return [self.job]

    def action_recreate(self, size: int | None = None) -> None:
        # A job too big for the MiniCluster: offer the size it needs.
        too_big = any(r.kind == "too-few-nodes" for r in self.reasons or [])
        super().action_recreate(size or (self.job.nnodes if too_big and self.job.nnodes else None))


# ---- what the screen shows, as renderables (pure: tests render them with any string) -------------

def head_text(jobid: str, job: Job) -> Text:
    head = Text.assemble((f"{printable(jobid)}  ", "bold"), (printable(job.name or "-"), "bold cyan"),
                         printable(f"   {job.state}" + (f" / {job.result}" if job.result else "")),
                         printable(f"   user {job.user or '-'}"))
    if job.exception_type:
        head.append("\n" + printable(f"exception {job.exception_type}: {job.exception_note}"), style="red")
    if job.returncode is not None:
        head.append(f"\nexit code {job.returncode}")
    return head


REASON_SECTIONS = ("queue", "resources", "nodes")
# What fixes each kind of reason from the detail screen: (key, what it does), or (None, why nothing here can).
FIXES: dict[str, tuple[str | None, str]] = {
    "held": ("r", "releases it"),
    "priority-hold": ("u", "sets its urgency above 0 (unless a priority plugin holds it)"),
    "dependency": ("ctrl+d", "cancels it, when what it waits on failed or will never end"),
    "priority-wait": (None, "flux is working out its priority: it passes by itself"),
    "queue-stopped": ("S", "starts the queue"),
    "drained": ("n", "shows the nodes: u there undrains the rank"),
    "down": ("Z", "scales up, when the offline ranks are beyond the MiniCluster's size (up to maxSize); "
                  "for the others, the job starts once their pods run again"),
    "too-few-nodes": ("R", "recreates the MiniCluster at a size that fits it"),
    "busy": (None, "it starts when running jobs end; nothing is wrong"),
    "fifo": (None, "the job ahead waits for resources: hold (h) or cancel it in the jobs list"),
}


def _fix_line(reason: Reason) -> Text:
    key, does = FIXES.get(reason.kind, (None, "nothing here can change this"))
    if key is None:
        return Text(f"   {does}", style="dim")
    return Text.assemble("   ", (key, "bold cyan"), f" {does}")


def why_renderable(reasons: list[Reason] | None, fixes: bool = False) -> Group:
    lines: list[Text] = []
    for i, r in enumerate(reasons or [], 1):
        lines.append(_reason_line(i, r))
        if fixes:
            lines.append(_fix_line(r))
    # None: the jobs list has not seen this job pending yet, so there is nothing to say but that.
    lines = lines or [_t("waiting" if reasons is None else summary(reasons), style="bold yellow")]
    return Group(Text("Why it is not running", style="bold underline"), *lines)


def request_renderable(job: Job, detail: JobDetail | None) -> Group:
    req = Table.grid(padding=(0, 2))
    req.add_column(style="bold", no_wrap=True)
    req.add_column()
    req.add_row("command", _t(shlex.join(detail.command) if detail and detail.command else "-"))
    req.add_row("request", _t((detail.request if detail else "") or
                              f"{job.ntasks} task(s)" + (f" on {job.nnodes} node(s)" if job.nnodes else "")))
    req.add_row("time limit",
                _t((detail.time_limit if detail else "") or (fsd(job.duration) if job.duration else "none")))
    if detail and detail.cwd:
        req.add_row("cwd", _t(detail.cwd))
    ran = job.nodelist or (", ".join(detail.nodelist) if detail and detail.nodelist else "")
    req.add_row("ran on",
                _t((ran + (f" (ranks {detail.ranks})" if detail and detail.ranks else "")) if ran else "not yet"))
    if job.t_run:
        req.add_row("runtime",
                    fsd(job.time_at(time.time() if job.running else 0)) if job.running else fsd(job.runtime))
    if job.pending and info(job):
        req.add_row("info", _t(info(job)))
    return Group(Text("Request", style="bold underline"), req)


def events_renderable(detail: JobDetail | None) -> Group:
    events = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    events.add_column("TIME", justify="right", no_wrap=True)
    events.add_column("EVENT", no_wrap=True)
    events.add_column("DETAILS")
    if detail and detail.events:
        t0 = detail.events[0].timestamp
        stamp = time.strftime("%b%d %H:%M:%S", time.localtime(t0))
        for e in detail.events:
            events.add_row(stamp if e is detail.events[0] else f"+{e.timestamp - t0:.3f}s", _t(e.name),
                           _ctx(e.context))
    elif detail is None:
        events.add_row("", "loading…", "")
    return Group(Text("\nEventlog", style="bold underline"), events)


def output_renderable(job: Job, detail: JobDetail | None) -> Group | Text:
    if detail is None:
        return Text("")
    if detail.output:
        # The output keeps its lines and tabs; every other control character (colour codes,
        # carriage returns of progress bars) is shown escaped.
        body = Text(printable_lines(detail.output.rstrip("\n")))
        if detail.output_truncated:
            body.append("\n… output cut at 64 KiB", style="dim")
        return Group(Text("\nOutput", style="bold underline"), body)
    note = "no output stored in Flux for this job" if not job.active else "no output yet"
    return Group(Text("\nOutput", style="bold underline"), Text(note, style="dim"))
