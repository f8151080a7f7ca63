"""The broker pod's log, bounded, following while the screen is open."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Log, Static

from ..flux.display import printable
from ..kube.errors import KubeError
from ..kube.resources import MiniCluster, find_broker, get_minicluster
from .base import flux_app

MAX_LINES = 5000
TAIL = 1000


class BrokerLogScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("space", "toggle_follow", "Follow on/off"),
        Binding("ctrl+r", "reconnect", "Reconnect"),
        Binding("question_mark", "app.help", "Help"),
    ]

    def __init__(self, mc: MiniCluster) -> None:
        super().__init__(id=f"log-{mc.namespace}-{mc.name}")
        self.mc = mc
        self.pod: str | None = None
        self.follow = True
        self.lines_seen = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("connecting…", id="log-status")
        yield Log(max_lines=MAX_LINES, auto_scroll=True, id="broker-log")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"fluxstate-tui · {self.mc.name} · broker log"
        self._start()

    def _start(self) -> None:
        self.run_worker(self._stream(), group="log", exclusive=True, exit_on_error=False)

    def _status(self, text: str | Text) -> None:
        self.query_one("#log-status", Static).update(Text(text) if isinstance(text, str) else text)

    async def _stream(self) -> None:
        app = flux_app(self.app)
        log = self.query_one(Log)
        while True:
            try:
                kube = await app.client()
                mc = await get_minicluster(kube, self.mc.name, self.mc.namespace)
                pod = await find_broker(kube, mc)
                if pod.name != self.pod:
                    if self.pod is not None:
                        log.write_line(f"──── new broker pod {pod.name} ────")
                    self.pod = pod.name
                self._status(f"following {pod.name} (container {mc.container}), last {TAIL} lines, "
                             f"at most {MAX_LINES} kept" + ("" if self.follow else " · scrolling paused"))
                response = await kube.call(
                    kube.core.read_namespaced_pod_log_without_preload_content(
                        pod.name, mc.namespace, container=mc.container, follow=True, tail_lines=TAIL,
                        _request_timeout=None),
                    verb="get", resource="pods/log", namespace=mc.namespace, name=pod.name)
                buffer = ""
                async for chunk in response.content.iter_any():
                    buffer += chunk.decode(errors="replace")
                    lines = buffer.split("\n")
                    buffer = lines.pop()
                    if lines:
                        # a pod's log is the cluster's text: terminal escapes in it are shown, not obeyed
                        log.write_lines([printable(line) for line in lines])
                        self.lines_seen += len(lines)
                if buffer:
                    log.write_line(printable(buffer))
                self._status(f"the log of {pod.name} ended (the container stopped); looking for the broker again…")
            except KubeError as exc:
                self._status(Text.assemble((exc.message, "red"), f" — retrying every {app.refresh_interval:g}s"))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a dropped stream or a bug: say so, keep the screen alive, retry
                self._status(Text.assemble((f"log stream failed: {type(exc).__name__}: {exc}", "red"), " — retrying"))
            await asyncio.sleep(app.refresh_interval)

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        self.query_one(Log).auto_scroll = self.follow
        self.notify("following the log" if self.follow else "scrolling paused: the log keeps arriving", timeout=2)

    def action_reconnect(self) -> None:
        self._start()
