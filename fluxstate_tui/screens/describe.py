"""k9s habits on a MiniCluster: `y` its YAML (read-only, highlighted), `d` a describe (spec, status, its
pods with phase, readiness, restarts and node, and the recent events). Both refresh live; `y` and `d`
switch between them."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from ..flux.display import printable, printable_lines
from ..kube.describe import Described, describe, yaml_text
from ..kube.resources import MiniCluster
from ..widgets.freshness import Freshness
from .base import Fetched, RefreshScreen
from .confirm import human_age
from .workflow_keys import BACK_KEYS


@dataclass
class DescribeFetched(Fetched):
    described: Described


def _t(value: object, style: str = "") -> Text:
    return Text(printable(value), style=style)


def describe_renderable(d: Described) -> RenderableType:
    mc = d.mc
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold", no_wrap=True)
    head.add_column()
    for label, value in (("Name", mc.name), ("Namespace", mc.namespace),
                         ("Size", f"{mc.size} (maxSize {mc.scale_limit})"),
                         ("Archive", mc.archive_path or "none (nothing is saved or restored)"),
                         ("Selector", mc.selector)):
        head.add_row(label, _t(value))
    spec = yaml_text({"spec": mc.raw.get("spec") or {}, "status": mc.raw.get("status") or {}})
    pods = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("POD", "READY", "STATUS", "RESTARTS", "NODE", "AGE"):
        pods.add_column(column, no_wrap=True)
    for p in d.pods:
        age = human_age(p.created.timestamp()) if p.created else "?"
        pods.add_row(_t(p.name), p.ready, _t("Terminating" if p.deleting else p.phase), str(p.restarts),
                     _t(p.node or "-"), age)
    events = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("TYPE", "REASON", "AGE", "FROM", "OBJECT", "MESSAGE"):
        events.add_column(column, no_wrap=column != "MESSAGE")
    for e in d.events:
        age = human_age(e.last_seen.timestamp()) if e.last_seen else "?"
        if e.count > 1:
            age += f" (x{e.count})"
        events.add_row(_t(e.type, "yellow" if e.type == "Warning" else ""), _t(e.reason), age, _t(e.source),
                       _t(f"{e.kind.lower()}/{e.name}"), _t(e.message))
    return Group(head, Text("\nSpec and status", style="bold underline"),
                 Syntax(printable_lines(spec), "yaml", theme="ansi_dark", background_color="default"),
                 Text("Pods", style="bold underline"), pods if d.pods else Text("no pods", style="dim"),
                 Text("\nEvents", style="bold underline"), events if d.events else Text("<none>", style="dim"))


def yaml_renderable(d: Described) -> RenderableType:
    return Syntax(printable_lines(yaml_text(d.mc.raw)), "yaml", theme="ansi_dark", background_color="default",
                  line_numbers=False)


class DescribeScreen(RefreshScreen):
    BINDINGS = [
        *BACK_KEYS,
        Binding("y", "show('yaml')", "YAML"),
        Binding("d", "show('describe')", "Describe"),
    ]

    def __init__(self, mc: MiniCluster, mode: str = "describe") -> None:
        super().__init__(id=f"describe-{mc.namespace}-{mc.name}")
        self.mc = mc
        self.mode = mode
        self.described: Described | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Freshness()
        with VerticalScroll(id="describe-scroll"):
            yield Static(Text("loading…", style="dim"), id="describe-body")
        yield Footer()

    def on_mount(self) -> None:
        self._title()
        super().on_mount()

    def _title(self) -> None:
        what = "YAML" if self.mode == "yaml" else "describe"
        self.title = f"fluxstate-tui · {self.mc.namespace}/{self.mc.name} · {what}"

    async def fetch(self) -> DescribeFetched:
        return DescribeFetched(await describe(await self.fs_app.client(), self.mc.name, self.mc.namespace))

    def on_describe_fetched(self, message: DescribeFetched) -> None:
        self.described = message.described
        self._show()
        self.fetch_done(ok=True)

    def _show(self) -> None:
        if self.described is None:
            return
        body = yaml_renderable(self.described) if self.mode == "yaml" else describe_renderable(self.described)
        self.query_one("#describe-body", Static).update(body)

    def show_error(self, error: str) -> None:
        if self.described is None:
            self.query_one("#describe-body", Static).update(
                Text.assemble((f"cannot read {self.mc.name}: ", "bold red"), printable(error)))

    def action_show(self, mode: str) -> None:
        self.mode = mode
        self._title()
        self._show()
