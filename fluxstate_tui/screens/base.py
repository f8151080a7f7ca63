"""What every live screen shares: a refresh loop that never overlaps and never crashes the app.

A worker fetches, posts a typed message, the handler updates widgets, and only then is the next
fetch scheduled (Dolphie's self-rescheduling timer). Nothing is fetched while the user has paused
(`space`), while another screen or a modal is on top, or while a fetch is still running.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
import weakref
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, cast

from textual._styles_cache import StylesCache
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer

from ..heap import collect_left_behind
from ..kube.client import KubeClient, Target
from ..kube.errors import KubeError
from ..widgets.freshness import Freshness
from ..workflows.runner import Runs


class FluxApp(Protocol):
    """What the screens use of the app (app.FluxStateApp provides it). A Protocol rather than an import
    of app.py: the app imports the screens, so the screens must not import the app."""

    read_only: bool
    paused: bool
    refresh_interval: float
    job_count: int
    all_namespaces: bool
    namespace: str | None
    context_name: str | None
    workflows: Runs
    target: Target

    async def client(self) -> KubeClient: ...


def flux_app(app: App) -> FluxApp:
    """The running app with its own type (every screen here runs inside FluxStateApp)."""
    return cast(FluxApp, app)


def prune_watchers(objects: list) -> None:
    """Drop the watchers that widgets of popped screens left on these objects. Textual removes a closed
    widget's watcher only when the watched value next changes (its issue #6666), so each visit of a
    screen left its Header on the app's title and its footer keys on the screen below, with all they
    hold, for good."""
    for obj in objects:
        for entries in getattr(obj, "__watchers", {}).values():
            entries[:] = [(node, callback) for node, callback in entries if not (node._closing or node._closed)]


def release_styles_caches() -> None:
    """Let go of the rendered lines of widgets that are gone. Textual 8 caches
    `StylesCache.get_inner_outer` with functools.lru_cache on the method, so each cache key holds a
    widget's StylesCache, with every line it last rendered, until 1,024 newer keys push it out (its issue
    #6665): each visit of the jobs screen left some 56 of them, a table of rows among them, and RSS rose
    with every visit. Clearing the cache costs the live widgets one small computation each."""
    cached = getattr(StylesCache.get_inner_outer, "cache_clear", None)
    if cached is not None:
        cached()


COLLECT_AFTER_POP = 0.3
"""Seconds after a big screen's pop until what it left in cycles is collected: the screen below painted first."""
COLLECT_TRIES = 3
"""Collections at most, a second apart, while something still holds the popped screen (work in flight)."""


def collect_after_pop(screen: Screen) -> None:
    """Collect what a popped screen left in cycles (`heap.collect_left_behind`) once it is gone. The
    timer is set by the app, not from the screen: a timer set from the screen would send its callback
    as from the screen, and that message, naming it as sender, would keep it alive through the collection."""
    app = screen.app
    app.call_later(app.set_timer, COLLECT_AFTER_POP, partial(_collect, app, weakref.ref(screen), COLLECT_TRIES))


def _collect(app: App, screen: weakref.ref[Screen], tries: int) -> None:
    collect_left_behind()
    if screen() is not None and tries > 1:  # still held (a worker finishing): once more, later
        app.set_timer(1.0, partial(_collect, app, screen, tries - 1))


class Fetched(Message):
    """Base of every screen's "new data" message."""


@dataclass
class FetchFailed(Message):
    error: str


class RefreshScreen(Screen):
    BINDINGS = [
        # Listed by ? and the palette; the footer keeps its room for the actions.
        Binding("ctrl+r", "refresh_now", "Refresh", show=False),
        # p everywhere; space too, except in the jobs table, where it marks rows (as in k9s).
        Binding("space,p", "toggle_pause", "Pause", show=False),
    ]

    # Each screen defines what it fetches: an async method returning its Fetched message.
    fetch: Callable[[], Coroutine[Any, Any, Message]]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._timer: Timer | None = None
        self._fetching = False
        self._fetch_started = 0.0

    @property
    def fs_app(self) -> FluxApp:
        return flux_app(self.app)

    @property
    def freshness(self) -> Freshness:
        return self.query_one(Freshness)

    # ---- the loop ----------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.freshness.mark_loading()
        self.freshness.set_paused(self.fs_app.paused)
        self._schedule(0)

    def on_screen_resume(self) -> None:
        self.freshness.set_paused(self.fs_app.paused)
        prune_watchers([self.app, self, *self.query("*")])
        release_styles_caches()
        if not self._fetching:
            self._schedule(0)

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        # Textual's Timer cannot take 0 (it divides by the interval): "now" is 10 ms.
        self._timer = self.set_timer(max(delay, 0.01), self._tick)

    def _tick(self) -> None:
        if self._fetching:
            return
        if self.app.screen is not self:
            # Covered: no timer either until the screen is back (on_screen_resume fetches at once). Each
            # message a covered screen handles ends in an idle pass that Textual answers with a repaint of
            # all of the screen on top: with 100,000 jobs there, some 15 ms for nothing every interval.
            self._timer = None
            return
        if self.fs_app.paused:
            self._schedule(self.fs_app.refresh_interval)
            return
        self._fetching = True
        self._fetch_started = time.monotonic()
        self.run_worker(self._fetch_and_post(), group="refresh", exclusive=True, exit_on_error=False)

    async def _fetch_and_post(self) -> None:
        try:
            # The fetch runs in an empty context, not the worker's: the timeouts aiohttp and the exec
            # schedule stay in the event loop's heap, cancelled, until they would have fired (minutes),
            # and each holds the context it was scheduled in; the worker's names the worker and this
            # screen, and kept every popped screen alive that long, with all it had read (issue 17).
            # (`self.app` still answers there: Textual finds it through the screen's parent.)
            message: Message = await asyncio.create_task(self.fetch(), context=contextvars.Context())
        except KubeError as exc:
            message = FetchFailed(exc.message)
        except Exception as exc:  # a bug or an unexpected answer: visible, and the loop goes on
            message = FetchFailed(f"{type(exc).__name__}: {exc}")
        self.post_message(message)

    def fetch_done(self, ok: bool) -> None:
        """Called by the handlers once the widgets are updated: schedules the next fetch, an interval
        after this one started (a change shows within one interval and one fetch, not two fetches), but
        never sooner than a quarter interval after this one ended."""
        self._fetching = False
        if ok:
            self.freshness.mark_updated()
        interval = self.fs_app.refresh_interval
        took = time.monotonic() - self._fetch_started
        self._schedule(max(interval - took, interval / 4))

    def on_fetch_failed(self, message: FetchFailed) -> None:
        self.forget_connection()
        busy = self.workflow_busy_note()
        if busy is not None:
            # e.g. a recreate deleted the pods: not a fault to show in red, but where the recreate is
            self.freshness.mark_busy(busy)
        else:
            self.freshness.mark_failed(message.error)
            self.show_error(message.error)
        self.fetch_done(ok=False)

    def forget_connection(self) -> None:
        """Screens that keep a connection to a broker drop it after a failed fetch (the pod may be gone)."""

    def show_error(self, error: str) -> None:
        """Screens with nothing loaded yet show the error in place of their data."""

    def workflow_busy_note(self) -> str | None:
        """Screens whose MiniCluster a workflow is changing say so instead of an error."""
        return None

    # ---- keys ----------------------------------------------------------------------------------

    def action_refresh_now(self) -> None:
        if not self._fetching:
            self._schedule(0)

    def action_toggle_pause(self) -> None:
        self.fs_app.paused = not self.fs_app.paused
        self.freshness.set_paused(self.fs_app.paused)
        self.notify("Live refresh paused" if self.fs_app.paused else "Live refresh resumed", timeout=2)
        if not self.fs_app.paused:
            self.action_refresh_now()
