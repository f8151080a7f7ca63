"""One workflow at a time, run on the App so hiding its screen never stops it.

`WorkflowRun` holds everything the progress screen shows (steps, current fraction, log, result);
the screen only renders it, so it can be closed (`esc`/`h`) and reopened (`w`, or "Show running
workflow" in the palette) at any point. The end is always reported with `app.notify()`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Log, ProgressBar, Static

from ..workflows.events import Event, Progress, Refused, WorkflowError

if TYPE_CHECKING:
    from textual.worker import Worker

MAX_LOG = 2000
MARKS = {"done": ("✔", "green"), "current": ("▶", "bold yellow"), "pending": ("·", "dim"), "failed": ("✗", "bold red")}

# What a workflow is, for the runner: given the progress callback, return the one-line result.
Job = Callable[[Progress], Awaitable[str]]
# Called with the exception when a workflow fails; returns True when it took care of telling the user.
OnError = Callable[[BaseException], bool]


@dataclass
class Offer:
    """A second way out that the progress screen offers while one step runs (e.g. cancel the running
    jobs a stop waits for)."""

    key: str
    label: str
    step: str
    callback: Callable[[], object]


def format_elapsed(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds < 3600 else f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class WorkflowRun:
    """The state of one workflow, fed by its Events; listeners (the screen) are told of each change."""

    def __init__(self, title: str, *, target: tuple[str, str] = ("", ""), cancel_note: str = "",
                 offer: Offer | None = None) -> None:
        self.title = title
        self.target = target                    # (namespace, name) of the MiniCluster it acts on
        self.cancel_note = cancel_note          # what a cancel leaves behind, and how to go on
        self.offer = offer
        self.cancel_requested = False
        self.steps: list[str] = []
        self.step_state: dict[str, str] = {}
        self.current: str | None = None
        self.fraction: float | None = None
        self.status = ""                        # the last "progress" message
        self.log: list[str] = []
        self.log_count = 0                      # lines ever logged (the list keeps the last MAX_LOG)
        self.started = time.monotonic()
        self.ended: float | None = None
        self.state = "running"                  # running, done, failed
        self.result: str | None = None
        self.error: str | None = None
        self.failed_step: str | None = None
        self.worker: Worker | None = None
        self._listeners: list[Callable[[Event], None]] = []

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def elapsed(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    @property
    def overall(self) -> float | None:
        """Progress of the whole workflow, 0..1: finished steps plus the share of the current one. The
        bar shows this, so it is full only when the workflow is (a step's own fraction can reach 1 while
        the step still waits for something else)."""
        if self.state == "done":
            return 1.0
        if not self.steps:
            return None
        done = sum(1 for s in self.steps if self.step_state.get(s) == "done")
        share = self.fraction if self.fraction is not None and self.step_state.get(self.current or "") == "current" \
            else 0.0
        return min(1.0, (done + max(0.0, min(share, 0.99))) / len(self.steps))

    @property
    def offer_active(self) -> bool:
        return self.running and self.offer is not None and self.current == self.offer.step

    def cancel(self) -> None:
        """Stop the workflow at the next await; execute() reports what is left (cancel_note)."""
        if self.running and self.worker is not None:
            self.cancel_requested = True
            self.worker.cancel()

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[Event], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _add_step(self, step: str) -> None:
        if step not in self.step_state:
            self.steps.append(step)
            self.step_state[step] = "pending"

    def _log(self, line: str) -> None:
        self.log_count += 1
        self.log.append(line)
        if len(self.log) > MAX_LOG:
            del self.log[: len(self.log) - MAX_LOG]

    def handle(self, event: Event) -> None:
        """The progress callback handed to the engine."""
        kind = event.kind
        if kind == "plan":
            for step in event.steps:
                self._add_step(step)
        elif kind == "step" and event.step:
            self._add_step(event.step)
            if self.current and self.step_state.get(self.current) == "current":
                self.step_state[self.current] = "done"
            self.current = event.step
            self.step_state[event.step] = "current"
            self.fraction = None
            self.status = "" if event.message == event.step else event.message
            self._log(f"▶ {event.step}" + (f": {self.status}" if self.status else ""))
        elif kind == "step-done":
            finished = event.step or self.current
            if finished:
                self._add_step(finished)
                self.step_state[finished] = "done"
                self._log(f"✔ {finished}" + (f": {event.message}" if event.message else ""))
            if finished == self.current:
                self.fraction = 1.0
        elif kind == "log":
            for line in (event.message or "").splitlines() or [""]:
                self._log(line)
        elif kind == "progress":
            self.fraction = event.fraction
            if event.message:
                self.status = event.message
        elif kind == "done":
            self.result = event.message or self.result
        elif kind == "failed":
            self.error = event.message or self.error
            if event.step:
                self.failed_step = event.step
        self._tell(event)

    def _tell(self, event: Event) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a screen being torn down must not break the workflow
                self.unsubscribe(listener)

    def finish(self, result: str) -> None:
        self.state = "done"
        self.result = result
        self.ended = time.monotonic()
        if self.current and self.step_state.get(self.current) == "current":
            self.step_state[self.current] = "done"
        self.fraction = 1.0 if self.current else self.fraction
        self._tell(Event("done", message=result))

    def fail(self, message: str, step: str | None = None) -> None:
        self.state = "failed"
        self.error = message
        self.ended = time.monotonic()
        step = step or self.failed_step or self.current
        self.failed_step = step
        if step:
            self._add_step(step)
            self.step_state[step] = "failed"
        self._tell(Event("failed", message=message, step=step))

    def step_lines(self) -> Text:
        text = Text()
        for i, step in enumerate(self.steps):
            mark, style = MARKS[self.step_state.get(step, "pending")]
            if i:
                text.append("\n")
            text.append(f" {mark} ", style=style)
            text.append(step, style="bold" if self.step_state.get(step) == "current" else "")
        return text

    async def execute(self, app: App, job: Job, on_error: OnError | None = None,
                      on_end: Callable[[WorkflowRun], None] | None = None) -> None:
        try:
            result = await job(self.handle)
        except asyncio.CancelledError:
            where = f" at “{self.current}”" if self.current else ""
            message = f"cancelled{where}" + (f"; {self.cancel_note}" if self.cancel_note else "")
            self.fail(message)
            app.notify(message, title=self.title, severity="warning", timeout=12, markup=False)
            raise
        except BaseException as exc:
            if isinstance(exc, WorkflowError):
                message, step = exc.message, exc.step
            else:  # a bug or an unexpected answer: reported, never an app crash
                message, step = f"{type(exc).__name__}: {exc}", None
            self.fail(message, step)
            handled = False
            if on_error is not None:
                try:
                    handled = on_error(exc)
                except Exception:
                    handled = False
            if not handled:
                what = "refused" if isinstance(exc, Refused) else "failed"
                app.notify(message, title=f"{self.title}: {what}", severity="error", timeout=10, markup=False)
        else:
            self.finish(str(result))
            app.notify(str(result), title=self.title, timeout=8, markup=False)
        finally:
            if on_end is not None:
                try:
                    on_end(self)
                except Exception:
                    pass


class ProgressScreen(Screen):
    """Renders a WorkflowRun. Closing it leaves the workflow running."""

    DEFAULT_CSS = """
    ProgressScreen #wf-title { padding: 0 1; text-style: bold; background: $boost; }
    ProgressScreen #wf-steps { padding: 1 2 0 2; height: auto; }
    ProgressScreen #wf-bar-row { height: 1; padding: 0 2; margin-top: 1; }
    ProgressScreen #wf-bar { width: auto; }
    ProgressScreen #wf-elapsed { width: auto; padding: 0 0 0 2; color: $text-muted; }
    ProgressScreen #wf-status { padding: 0 2; color: $text-muted; height: auto; }
    ProgressScreen #wf-result { padding: 1 2 0 2; height: auto; }
    ProgressScreen #wf-result.error { color: $error; text-style: bold; }
    ProgressScreen #wf-result.ok { color: $success; text-style: bold; }
    ProgressScreen #wf-log { margin: 1 1 0 1; border: round $primary-darken-2; height: 1fr; }
    """
    BINDINGS = [
        Binding("escape,h", "hide", "Hide (keeps running)"),
        Binding("ctrl+c", "cancel_workflow", "Cancel workflow", priority=True),
        Binding("x", "offer", "Offer", show=False),  # the hint line names the run's offer
        Binding("question_mark", "app.help", "Help", show=False),
    ]

    def __init__(self, run: WorkflowRun) -> None:
        super().__init__()
        self.workflow = run

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.workflow.title, id="wf-title")
        yield Static("", id="wf-steps")
        with Horizontal(id="wf-bar-row"):
            yield ProgressBar(total=None, show_eta=False, id="wf-bar")
            yield Static("", id="wf-elapsed")
        yield Static("", id="wf-status")
        yield Static("", id="wf-result")
        yield Log(max_lines=MAX_LOG, auto_scroll=True, id="wf-log")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"fluxstate-tui · {self.workflow.title}"
        self._log_written = self.workflow.log_count - len(self.workflow.log)
        self._write_new_log_lines()
        self._render_state()
        self.workflow.subscribe(self._on_event)
        self._ticker = self.set_interval(0.5, self._render_elapsed)

    def on_unmount(self) -> None:
        self.workflow.unsubscribe(self._on_event)

    def _on_event(self, event: Event) -> None:
        self._write_new_log_lines()
        self._render_state()

    def _write_new_log_lines(self) -> None:
        run = self.workflow
        new = min(run.log_count - self._log_written, len(run.log))
        if new > 0:
            self.query_one("#wf-log", Log).write_lines(run.log[-new:])
        self._log_written = run.log_count

    def _render_elapsed(self) -> None:
        run = self.workflow
        word = {"running": "elapsed", "done": "took", "failed": "stopped after"}[run.state]
        self.query_one("#wf-elapsed", Static).update(f"{word} {format_elapsed(run.elapsed)}")

    def _render_state(self) -> None:
        run = self.workflow
        self.query_one("#wf-steps", Static).update(run.step_lines() if run.steps else Text(" starting…", style="dim"))
        bar = self.query_one("#wf-bar", ProgressBar)
        overall = run.overall
        if overall is None:
            bar.update(total=None)
        else:
            bar.update(total=1, progress=overall)
        status = run.status if run.running else ""
        if run.current and run.running:
            status = f"{run.current}" + (f": {run.status}" if run.status else "")
        self.query_one("#wf-status", Static).update(Text(status))
        result = self.query_one("#wf-result", Static)
        if run.state == "failed":
            where = f" (at “{run.failed_step}”)" if run.failed_step else ""
            result.update(Text(f"✗ {run.error}{where}"))
            result.set_classes("error")
        elif run.state == "done":
            result.update(Text(f"✔ {run.result}"))
            result.set_classes("ok")
        else:
            hint = "esc hides this screen; the workflow goes on (w brings it back) · ctrl+c cancels it"
            if run.offer_active and run.offer is not None:
                hint += f" · {run.offer.key}: {run.offer.label}"
            result.update(Text(hint, style="dim"))
            result.set_classes("")
        self._render_elapsed()
        self.refresh_bindings()

    def action_hide(self) -> None:
        self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_workflow":
            return self.workflow.running
        if action == "offer":
            return self.workflow.offer_active
        return True

    def action_cancel_workflow(self) -> None:
        from .confirm import ConfirmModal

        run = self.workflow
        if not run.running:
            return
        where = f" at “{run.current}”" if run.current else ""
        self.app.push_screen(ConfirmModal(
            "Cancel the workflow",
            Text(f"“{run.title}” stops{where}. {run.cancel_note}".strip()),
            f"Cancel “{run.title}”"), self._cancel_answered)

    def _cancel_answered(self, yes: bool | None) -> None:
        if yes:
            self.workflow.cancel()

    def action_offer(self) -> None:
        offer = self.workflow.offer
        if offer is not None and self.workflow.offer_active:
            offer.callback()


# ---- the one workflow of the app ------------------------------------------------------------------

def current_run(app: App) -> WorkflowRun | None:
    return getattr(app, "_fluxstate_workflow", None)


def start_workflow(app: App, title: str, job: Job, *, target: tuple[str, str] = ("", ""), show: bool = True,
                   on_error: OnError | None = None, on_end: Callable[[WorkflowRun], None] | None = None,
                   cancel_note: str = "", offer: Offer | None = None) -> WorkflowRun | None:
    """Run `job` on the App (it outlives every screen); show its progress screen unless `show` is False."""
    previous = current_run(app)
    if previous is not None and previous.running:
        app.notify(f"“{previous.title}” is still running: one workflow at a time (w shows it; ctrl+c there "
                   "cancels it)", severity="warning", markup=False)
        return None
    run = WorkflowRun(title, target=target, cancel_note=cancel_note, offer=offer)
    app._fluxstate_workflow = run  # type: ignore[attr-defined]
    run.worker = app.run_worker(run.execute(app, job, on_error, on_end), name=title, group="workflow",
                                exit_on_error=False)
    if show:
        app.push_screen(ProgressScreen(run))
    app.refresh_bindings()
    return run


def show_workflow(app: App) -> None:
    run = current_run(app)
    if run is None:
        app.notify("no workflow has run yet", timeout=3)
        return
    if isinstance(app.screen, ProgressScreen) and app.screen.workflow is run:
        return
    app.push_screen(ProgressScreen(run))
