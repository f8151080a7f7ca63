"""The progress screen, and starting workflows from the TUI.

The state of a workflow is a `WorkflowRun` (workflows/runner.py, no Textual); the app keeps them in
`app.workflows`, one per MiniCluster. Each change reaches the screens as a Message (`WorkflowStep`,
`WorkflowDone`, `WorkflowFailed`): the progress screen renders its run, the lists fetch again when one
ends. The screen can be closed (`esc`/`h`) and reopened (`w`, or "Show running workflow" in the
palette) at any point; the end is always reported with `app.notify()`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, ProgressBar, Static

from ..widgets.text_log import TextLog
from ..workflows.events import Event, Refused
from ..workflows.runner import MAX_LOG, Job, Offer, WorkflowRun, run_job
from .base import flux_app
from .confirm import ConfirmModal

MARKS = {"done": ("✔", "green"), "current": ("▶", "bold yellow"), "pending": ("·", "dim"), "failed": ("✗", "bold red")}

# Called with the exception when a workflow fails; returns True when it took care of telling the user.
OnError = Callable[[BaseException], bool]

__all__ = ["Offer", "ProgressScreen", "WorkflowDone", "WorkflowFailed", "WorkflowRun", "WorkflowStep",
           "current_run", "show_workflow", "start_workflow"]


@dataclass
class WorkflowStep(Message):
    """A run changed (a step began or ended, progress, a log line)."""

    run: WorkflowRun
    event: Event


@dataclass
class WorkflowDone(Message):
    run: WorkflowRun


@dataclass
class WorkflowFailed(Message):
    run: WorkflowRun
    error: BaseException | None


def format_elapsed(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds < 3600 else f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def step_lines(run: WorkflowRun) -> Text:
    text = Text()
    for i, step in enumerate(run.steps):
        mark, style = MARKS[run.step_state.get(step, "pending")]
        if i:
            text.append("\n")
        text.append(f" {mark} ", style=style)
        text.append(step, style="bold" if run.step_state.get(step) == "current" else "")
    return text


def _tell_screens(app: App, make: Callable[[], Message]) -> None:
    """Post a fresh Message to every screen on the stack (a Message goes to one place only)."""
    for screen in list(app.screen_stack):
        screen.post_message(make())


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
        yield TextLog(max_lines=MAX_LOG, auto_scroll=True, id="wf-log")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"fluxstate-tui · {self.workflow.title}"
        self._log_written = self.workflow.log_count - len(self.workflow.log)
        self._write_new_log_lines()
        self._render_state()
        self._ticker = self.set_interval(0.5, self._render_elapsed)

    def on_workflow_step(self, message: WorkflowStep) -> None:
        if message.run is self.workflow:
            self._write_new_log_lines()
            self._render_state()

    def on_workflow_done(self, message: WorkflowDone) -> None:
        if message.run is self.workflow:
            self._render_state()

    def on_workflow_failed(self, message: WorkflowFailed) -> None:
        if message.run is self.workflow:
            self._render_state()

    def _write_new_log_lines(self) -> None:
        run = self.workflow
        new = min(run.log_count - self._log_written, len(run.log))
        if new > 0:
            self.query_one("#wf-log", TextLog).write_lines(run.log[-new:])
        self._log_written = run.log_count

    def _render_elapsed(self) -> None:
        run = self.workflow
        word = {"running": "elapsed", "done": "took", "failed": "stopped after"}[run.state]
        self.query_one("#wf-elapsed", Static).update(f"{word} {format_elapsed(run.elapsed)}")

    def _render_state(self) -> None:
        run = self.workflow
        self.query_one("#wf-steps", Static).update(step_lines(run) if run.steps else Text(" starting…", style="dim"))
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


# ---- starting and showing workflows -------------------------------------------------------------

def current_run(app: App) -> WorkflowRun | None:
    """The newest run of the app (what `w` shows)."""
    return flux_app(app).workflows.latest


def start_workflow(app: App, title: str, job: Job, *, target: tuple[str, str] = ("", ""), show: bool = True,
                   on_error: OnError | None = None, cancel_note: str = "",
                   offer: Offer | None = None) -> WorkflowRun | None:
    """Run `job` on the App (it outlives every screen); show its progress screen unless `show` is False.
    One workflow per MiniCluster at a time here (the engine's lock holds that across processes)."""
    runs = flux_app(app).workflows
    busy = runs.running(target)
    if busy is not None:
        app.notify(f"“{busy.title}” is still running: one workflow per MiniCluster at a time (w shows it; "
                   "ctrl+c there cancels it)", severity="warning")
        return None
    run = WorkflowRun(title, target=target, cancel_note=cancel_note, offer=offer)
    run.on_change = lambda event: _tell_screens(app, lambda: WorkflowStep(run, event))
    runs.add(run)
    worker = app.run_worker(_execute(app, run, job, on_error), name=title, group="workflow", exit_on_error=False)
    run.cancel_hook = worker.cancel
    if show:
        app.push_screen(ProgressScreen(run))
    app.refresh_bindings()
    return run


async def _execute(app: App, run: WorkflowRun, job: Job, on_error: OnError | None) -> None:
    try:
        error = await run_job(run, job)
    except asyncio.CancelledError:
        app.notify(run.error or "cancelled", title=run.title, severity="warning", timeout=12)
        _tell_screens(app, lambda: WorkflowFailed(run, None))
        raise
    if error is None:
        app.notify(str(run.result), title=run.title, timeout=8)
        _tell_screens(app, lambda: WorkflowDone(run))
        return
    handled = False
    if on_error is not None:
        try:
            handled = on_error(error)
        except Exception:
            handled = False
    if not handled:
        what = "refused" if isinstance(error, Refused) else "failed"
        app.notify(run.error or "", title=f"{run.title}: {what}", severity="error", timeout=10)
    _tell_screens(app, lambda: WorkflowFailed(run, error))


def show_workflow(app: App) -> None:
    run = current_run(app)
    if run is None:
        app.notify("no workflow has run yet", timeout=3)
        return
    if isinstance(app.screen, ProgressScreen) and app.screen.workflow is run:
        return
    app.push_screen(ProgressScreen(run))
