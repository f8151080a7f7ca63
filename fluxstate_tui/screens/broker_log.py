"""The broker pod's log, bounded, following while the screen is open."""

from __future__ import annotations

import asyncio
import contextvars
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ..flux.display import printable
from ..kube.logs import LogEnded, LogEvent, LogFollowing, LogLines, LogTrouble, follow_broker_log
from ..kube.resources import MiniCluster
from ..widgets.text_log import TextLog
from .base import flux_app
from .workflow_keys import BACK_KEYS

MAX_LINES = 5000
TAIL = 1000


@dataclass
class BrokerLogEvent(Message):
    event: LogEvent


class BrokerLogScreen(Screen):
    BINDINGS = [
        *BACK_KEYS,
        Binding("space", "toggle_follow", "Follow on/off"),
        Binding("ctrl+r", "reconnect", "Reconnect"),
    ]

    def __init__(self, mc: MiniCluster) -> None:
        super().__init__(id=f"log-{mc.namespace}-{mc.name}")
        self.mc = mc
        self.pod: str | None = None
        self.container = mc.container
        self.follow = True
        self.lines_seen = 0
        self._follower: asyncio.Task | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("connecting…", id="log-status")
        yield TextLog(max_lines=MAX_LINES, auto_scroll=True, id="broker-log")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"fluxstate-tui · {self.mc.name} · broker log"
        self._start()

    def _start(self) -> None:
        self._stop()
        # A task of its own in an empty context, cancelled when the screen goes: not a worker, whose
        # context (naming the worker and this screen) the reads' cancelled timeouts would keep for
        # minutes, and this screen with it. follow_broker_log never raises: trouble comes as events.
        self._follower = asyncio.create_task(self._stream(), context=contextvars.Context())

    def _stop(self) -> None:
        if self._follower is not None:
            self._follower.cancel()
            self._follower = None

    def on_unmount(self) -> None:
        self._stop()

    async def _stream(self) -> None:
        app = flux_app(self.app)
        async for event in follow_broker_log(app.client, self.mc.name, self.mc.namespace, tail=TAIL,
                                             retry=app.refresh_interval):
            self.post_message(BrokerLogEvent(event))

    def on_broker_log_event(self, message: BrokerLogEvent) -> None:
        event = message.event
        log = self.query_one(TextLog)
        if isinstance(event, LogLines):
            # a pod's log is the cluster's text: terminal escapes in it are shown, not obeyed
            log.write_lines([printable(line) for line in event.lines])
            self.lines_seen += len(event.lines)
        elif isinstance(event, LogFollowing):
            if event.new_pod:
                log.write_line(f"──── new broker pod {printable(event.pod)} ────")
            self.pod, self.container = event.pod, event.container
            self._show_following()
        elif isinstance(event, LogEnded):
            self._status(f"the log of {event.pod} ended (the container stopped); looking for the broker again…")
        elif isinstance(event, LogTrouble):
            self._status(Text.assemble((printable(event.text), "red"), f" — retrying every {event.retry:g}s"))

    def _status(self, text: str | Text) -> None:
        self.query_one("#log-status", Static).update(Text(printable(text)) if isinstance(text, str) else text)

    def _show_following(self) -> None:
        self._status(f"following {self.pod} (container {self.container}), last {TAIL} lines, "
                     f"at most {MAX_LINES} kept" + ("" if self.follow else " · scrolling paused"))

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        self.query_one(TextLog).auto_scroll = self.follow
        if self.pod is not None:
            self._show_following()
        self.notify("following the log" if self.follow else "scrolling paused: the log keeps arriving", timeout=2)

    def action_reconnect(self) -> None:
        self._start()
