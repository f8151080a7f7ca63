"""The state-workflow keys of the TUI (S D R Z A, w), their modals and the progress screen.

The generic parts (modals, progress screen) run against tiny apps and fake workflows; the rest
against the demo cluster running in-process, as `--demo` does.
"""

from __future__ import annotations

import asyncio

import pytest
from textual.app import App
from textual.widgets import Button, Input, Log

from fluxstate_tui.app import FluxStateApp
from fluxstate_tui.demo.embedded import EmbeddedDemo
from fluxstate_tui.flux.ids import f58_encode
from fluxstate_tui.kube.client import Target
from fluxstate_tui.screens.actions import WORKFLOW_ACTIONS
from fluxstate_tui.screens.confirm import ArchiveModal, ConfirmModal
from fluxstate_tui.screens.jobs import JobsScreen
from fluxstate_tui.screens.progress import ProgressScreen, current_run, start_workflow
from fluxstate_tui.screens.recreate import RecreateModal, ScaleModal, parse_size
from fluxstate_tui.workflows.events import Event, WorkflowError

from .test_tui import open_jobs, text_of, until


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    """Workflow journals go to a temporary $XDG_STATE_HOME, never the user's."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture(scope="module")
def demo():
    d = EmbeddedDemo(speed=10).start()
    yield d
    d.stop()


def make_app(demo, **kw) -> FluxStateApp:
    return FluxStateApp(Target(kubeconfig=str(demo.kubeconfig)), refresh=kw.pop("refresh", 0.5), **kw)


def notes(app) -> list:
    return list(app._notifications)


def note_text(app) -> str:
    return "\n".join(f"{n.title}: {n.message}" for n in app._notifications)


def focused_id(app) -> str:
    return app.focused.id if app.focused is not None else ""


def queue_line(jobs: JobsScreen) -> str:
    return text_of(jobs.query_one("#summary"))


# ---- generic: modals and the progress screen, no cluster ---------------------------------------------

class Bare(App):
    pass


async def test_confirm_modal_names_the_action_focuses_cancel_and_takes_y_n_esc():
    app = Bare()
    async with app.run_test(size=(100, 30)) as pilot:
        for key, expected in (("y", True), ("n", False), ("escape", False)):
            results: list = []
            app.push_screen(ConfirmModal("Stop the queue", "what happens", "Stop the queue of flux-sample"),
                            results.append)
            await pilot.pause()
            modal = app.screen
            assert str(modal.query_one("#confirm-button", Button).label) == "Stop the queue of flux-sample"
            assert focused_id(app) == "cancel-button"
            await pilot.press(key)
            await pilot.pause()
            assert results == [expected] and app.screen is not modal
        # not destructive: the action button has the focus; enter presses it
        results = []
        app.push_screen(ConfirmModal("Start", "x", "Start the queue of a", destructive=False), results.append)
        await pilot.pause()
        assert focused_id(app) == "confirm-button"
        await pilot.press("enter")
        await pilot.pause()
        assert results == [True]


def test_parse_size():
    assert parse_size(" 3 ") == (3, "")
    assert parse_size("0")[0] is None and "at least 1" in parse_size("0")[1]
    assert parse_size("abc")[0] is None and "not a whole number" in parse_size("abc")[1]
    assert parse_size("-2")[0] is None and parse_size("2.5")[0] is None and parse_size("")[0] is None


async def test_progress_screen_hides_while_the_workflow_goes_on_and_reopens():
    app = Bare()
    gate = asyncio.Event()

    async def job(progress):
        progress(Event("plan", steps=["first", "second", "third"]))
        progress(Event("step", step="first"))
        progress(Event("log", "line one\nline two"))
        progress(Event("step-done", step="first"))
        progress(Event("step", step="second"))
        progress(Event("progress", "half way", fraction=0.5))
        await gate.wait()
        progress(Event("step-done", step="second"))
        progress(Event("step", step="third"))
        progress(Event("progress", "waiting", fraction=None))
        return "all three done"

    async with app.run_test(size=(100, 30)) as pilot:
        run = start_workflow(app, "Fake workflow", job)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ProgressScreen)
        await until(pilot, lambda: run.current == "second", what="second step")
        await pilot.pause()
        steps = text_of(screen.query_one("#wf-steps"))
        assert "✔ first" in steps and "▶ second" in steps and "· third" in steps
        assert screen.query_one("#wf-bar").percentage == 0.5
        assert screen.query_one("#wf-log", Log).lines[:2] == ["line one", "line two"]
        # a second workflow is refused while this one runs
        assert start_workflow(app, "Another", job) is None
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ProgressScreen) and run.running and not run.worker.is_finished
        gate.set()
        await until(pilot, lambda: run.state == "done", what="the end")
        await until(pilot, lambda: any(n.message == "all three done" for n in notes(app)), what="the notification")
        await pilot.press("w")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ProgressScreen) and screen.workflow is run
        assert "✔ third" in text_of(screen.query_one("#wf-steps"))
        assert "all three done" in text_of(screen.query_one("#wf-result"))
        assert screen.query_one("#wf-log", Log).lines[:2] == ["line one", "line two"]  # replayed
        await pilot.press("h")
        await pilot.pause()

        async def broken(progress):
            progress(Event("step", step="only"))
            raise WorkflowError("it broke here", step="only")

        run = start_workflow(app, "Broken", broken)
        await until(pilot, lambda: run.state == "failed", what="the failure")
        await pilot.pause()
        assert "✗ only" in text_of(app.screen.query_one("#wf-steps"))
        assert "it broke here" in text_of(app.screen.query_one("#wf-result"))
        failed = [n for n in notes(app) if n.message == "it broke here"]
        assert failed and failed[0].severity == "error"
