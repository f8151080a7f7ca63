"""The state-workflow keys of the TUI (S D R Z A, w), their modals and the progress screen.

The generic parts (modals, progress screen) run against tiny apps and fake workflows; the rest
against the demo cluster running in-process, as `--demo` does.
"""

from __future__ import annotations

import asyncio

from textual.app import App
from textual.widgets import Button, Input, Log

from fluxstate_tui.app import FluxStateApp
from fluxstate_tui.demo.embedded import EmbeddedDemo
from fluxstate_tui.flux.ids import f58_encode
from fluxstate_tui.kube.client import Target
from fluxstate_tui.screens.confirm import ArchiveModal, ConfirmModal
from fluxstate_tui.screens.jobs import JobsScreen
from fluxstate_tui.screens.progress import ProgressScreen, current_run, show_workflow, start_workflow
from fluxstate_tui.screens.workflow_dialogs import RecreateModal, ScaleModal, parse_size
from fluxstate_tui.workflows.events import Event, WorkflowError
from fluxstate_tui.workflows.runner import Runs

from .pilot import Fetches, focused_id, make_app, note_text, open_jobs, text_of, until


def notes(app) -> list:
    return list(app._notifications)


def queue_line(jobs: JobsScreen) -> str:
    return text_of(jobs.query_one("#summary"))


# ---- generic: modals and the progress screen, no cluster ---------------------------------------------

class Bare(App):
    """A plain app with the one attribute the workflow screens need."""

    def __init__(self) -> None:
        super().__init__()
        self.workflows = Runs()


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
        assert screen.query_one("#wf-log", Log).lines[:4] == ["▶ first", "line one", "line two", "✔ first"]
        # a second workflow is refused while this one runs
        assert start_workflow(app, "Another", job) is None
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ProgressScreen) and run.running
        gate.set()
        await until(pilot, lambda: run.state == "done", what="the end")
        await until(pilot, lambda: any(n.message == "all three done" for n in notes(app)), what="the notification")
        show_workflow(app)  # what `w` and "Show running workflow" do in FluxStateApp
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ProgressScreen) and screen.workflow is run
        assert "✔ third" in text_of(screen.query_one("#wf-steps"))
        assert "all three done" in text_of(screen.query_one("#wf-result"))
        assert screen.query_one("#wf-log", Log).lines[:4] == ["▶ first", "line one", "line two", "✔ first"]  # replayed
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


# ---- against the demo cluster ------------------------------------------------------------------------

async def wait_run(pilot, app, timeout: float = 60):
    run = await until(pilot, lambda: current_run(app), what="a workflow")
    await until(pilot, lambda: not run.running, timeout=timeout, what=f"“{run.title}” to end")
    return run


async def test_read_only_hides_and_refuses_every_mutating_key(demo):
    app = make_app(demo, read_only=True)
    async with app.run_test(size=(160, 40)) as pilot:
        clusters = app.screen
        await until(pilot, lambda: clusters.selected() is not None, what="a selected MiniCluster")
        for which in ("clusters", "jobs"):
            screen = clusters if which == "clusters" else await open_jobs(app, pilot)
            keys = set(screen.active_bindings)
            assert not keys & {"S", "D", "R", "Z"} and "A" in keys
            for key in ("S", "D", "R", "Z"):
                await pilot.press(key)
                await pilot.pause()
                assert app.screen is screen  # no modal
            titles = [c.title for c in app.get_system_commands(screen)]
            assert any("(A)" in t for t in titles)
            assert not any(t.endswith(("(S)", "(D)", "(R)", "(Z)")) for t in titles)
            screen.action_dump()  # called anyway (a stale palette entry, a script): refused, said so
            await pilot.pause()
            assert "read-only mode: dump refused" in note_text(app)
            assert current_run(app) is None


async def test_keys_act_on_the_selected_minicluster_and_a_pause_timeout_offers_to_cancel(demo, monkeypatch):
    import fluxstate_tui.workflows as workflows
    from fluxstate_tui.workflows import PauseTimeout

    calls: list = []

    async def fake_pause(kube, mc, *, timeout=600, cancel_running=False, progress=None):
        calls.append((mc.name, cancel_running))
        if not cancel_running:
            raise PauseTimeout("2 job(s) still running after 600s", ["ƒaaa", "ƒbbb"])
        return f"queue of {mc.name} stopped and idle"

    # where the keys' actions import it from when pressed (screens/actions.py: start-up speed)
    monkeypatch.setattr(workflows, "pause", fake_pause)
    app = make_app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        clusters = app.screen
        await until(pilot, lambda: clusters.selected() and clusters.selected().snapshot, what="a selected MiniCluster")
        assert {"S", "D", "R", "Z", "A"} <= set(clusters.active_bindings)
        await pilot.press("A")
        archive = await until(pilot, lambda: isinstance(app.screen, ArchiveModal) and app.screen, what="archive")
        await until(pilot, lambda: archive.info or archive.error, what="the archive info")
        assert "/state/archive.tar.gz" in text_of(archive.query_one("#archive-info"))
        await pilot.press("escape", "S")
        await pilot.pause()
        assert str(app.screen.query_one("#confirm-button", Button).label) == "Stop the queue of flux-sample"
        await pilot.press("y")
        offer = await until(pilot, lambda: isinstance(app.screen, ConfirmModal) and app.screen, what="the offer")
        assert str(offer.query_one("#confirm-button", Button).label) == "Cancel 2 running job(s) of flux-sample"
        assert "ƒaaa, ƒbbb" in text_of(offer.query_one("#confirm-body"))
        assert focused_id(app) == "cancel-button"
        await pilot.press("y")
        run = await until(pilot,
                          lambda: current_run(app) and "cancelling" in current_run(app).title and current_run(app),
                          what="the second pause")
        await until(pilot, lambda: not run.running, what="its end")
        assert calls == [("flux-sample", False), ("flux-sample", True)] and run.state == "done"
        # quitting while a workflow runs asks first
        gate = asyncio.Event()

        async def slow(progress):
            await gate.wait()
            return "ok"

        start_workflow(app, "Slow", slow, show=False)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "Quit anyway" in str(app.screen.query_one("#confirm-button", Button).label)
        await pilot.press("n")
        gate.set()
        await pilot.pause()


async def test_stop_dump_archive_and_start_the_queue_from_the_jobs_screen(demo):
    app = make_app(demo)
    fetches = Fetches()
    async with app.run_test(size=(160, 45), message_hook=fetches) as pilot:
        jobs = await open_jobs(app, pilot)
        await until(pilot, lambda: jobs.snapshot and jobs.snapshot.queue, what="the queue state")
        keys = set(jobs.active_bindings)
        assert {"S", "D", "R", "Z", "A"} <= keys
        titles = [c.title for c in app.get_system_commands(jobs)]
        assert "Stop the queue of flux-sample (S)" in titles and "Recreate flux-sample at a new size (R)" in titles

        # S: the modal names the action and focuses Cancel; n and esc change nothing
        for cancel in ("n", "escape"):
            await pilot.press("S")
            await pilot.pause()
            modal = app.screen
            assert isinstance(modal, ConfirmModal)
            assert str(modal.query_one("#confirm-button", Button).label) == "Stop the queue of flux-sample"
            assert focused_id(app) == "cancel-button"
            await pilot.press(cancel)
            await pilot.pause()
            assert app.screen is jobs
        count = fetches.count
        await until(pilot, lambda: fetches.count >= count + 2, what="two more refreshes")
        assert "started" in queue_line(jobs) and "STOPPED" not in queue_line(jobs) and current_run(app) is None

        # Z above maximumSize: the engine says a recreate is needed, and the recreate modal is offered
        await pilot.press("Z")
        await pilot.pause()
        scale_modal = app.screen
        assert isinstance(scale_modal, ScaleModal)
        assert scale_modal.query_one("#size-input", Input).has_focus
        await pilot.press("9")
        assert "above maximumSize 2" in text_of(scale_modal.query_one("#size-note"))
        await pilot.press("enter")
        offered = await until(pilot, lambda: isinstance(app.screen, RecreateModal) and app.screen,
                              what="the recreate modal")
        assert offered.query_one("#size-input", Input).value == "9"
        assert str(offered.query_one("#confirm-button", Button).label) == "Recreate flux-sample at size 9"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is jobs and current_run(app).state == "failed"

        # S, y: the queue stops (in the progress screen), the summary says STOPPED
        await pilot.press("S", "y")
        await until(pilot, lambda: isinstance(app.screen, ProgressScreen), what="the progress screen")
        run = await wait_run(pilot, app)
        assert run.state == "done", run.error
        assert "stopped" in note_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: "STOPPED" in queue_line(jobs), what="STOPPED in the summary")

        # D: dump, with the steps shown, a notification, and the archive in the demo's data dir
        await pilot.press("D")
        await pilot.pause()
        modal = app.screen
        assert str(modal.query_one("#confirm-button", Button).label) == "Dump flux-sample to /state/archive.tar.gz"
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ProgressScreen) and app.screen.workflow is not run,
                    what="the dump's progress screen")
        progress = app.screen
        dump_run = await wait_run(pilot, app)
        assert dump_run.state == "done", dump_run.error
        await pilot.pause()
        assert dump_run.steps and all(dump_run.step_state[s] == "done" for s in dump_run.steps)
        assert "✔" in text_of(progress.query_one("#wf-steps")) and "✗" not in text_of(progress.query_one("#wf-steps"))
        assert any(n.title.startswith("Dump flux-sample") and n.severity == "information" for n in notes(app))
        assert (demo.data_dir / "data" / "archive.tar.gz").is_file()
        await pilot.press("escape")
        await pilot.pause()

        # A: the archive, as it is now
        await pilot.press("A")
        archive = await until(pilot, lambda: isinstance(app.screen, ArchiveModal) and app.screen.info and app.screen,
                              what="the archive info")
        shown = text_of(archive.query_one("#archive-info"))
        assert "/state/archive.tar.gz" in shown and "yes" in shown
        await pilot.press("escape")
        await pilot.pause()

        # S again offers to start; y starts it (no progress screen for a one-command workflow)
        await pilot.press("S")
        await pilot.pause()
        modal = app.screen
        assert str(modal.query_one("#confirm-button", Button).label) == "Start the queue of flux-sample"
        await pilot.press("y")
        start_run = await until(pilot, lambda: current_run(app) is not dump_run and current_run(app), what="start")
        await until(pilot, lambda: not start_run.running, what="the start")
        assert start_run.state == "done" and not isinstance(app.screen, ProgressScreen)
        await until(pilot, lambda: "STOPPED" not in queue_line(jobs) and "started" in queue_line(jobs),
                    what="started again")


async def test_recreate_at_a_new_size_keeps_every_job(tmp_path):
    demo = EmbeddedDemo(speed=10, data_dir=tmp_path / "demo").start()
    app = make_app(demo)
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            jobs = await open_jobs(app, pilot)
            await until(pilot, lambda: jobs.snapshot and jobs.snapshot.stats, what="stats")
            before = set(jobs.index.jobs)
            await pilot.press("R")
            await pilot.pause()
            modal = app.screen
            assert isinstance(modal, RecreateModal)
            assert focused_id(app) == "size-input"  # the dialog starts where the user types
            button = modal.query_one("#confirm-button", Button)
            assert button.disabled
            facts = text_of(modal.query_one("#recreate-facts"))
            assert "/state/archive.tar.gz" in facts and f"{len(before)} to carry over" in facts and "2 now" in facts
            plan = text_of(modal.query_one("#recreate-plan"))
            assert "dump the queue" in plan and "delete flux-sample" in plan and "start the queue" in plan
            assert modal.query_one("#size-input", Input).has_focus
            for bad, why in (("0", "at least 1"), ("abc", "not a whole number")):
                await pilot.press(*bad)
                await pilot.pause()
                assert button.disabled and why in modal.error_text
                await pilot.press("enter")  # refused: the modal stays
                await pilot.pause()
                assert app.screen is modal
                await pilot.press(*["backspace"] * len(bad))
            await pilot.press("3")
            await pilot.pause()
            assert not button.disabled and modal.error_text == ""
            assert str(button.label) == "Recreate flux-sample at size 3"
            assert "create flux-sample at size 3" in text_of(modal.query_one("#recreate-plan"))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ProgressScreen), what="the progress screen")
            run = current_run(app)
            await until(pilot, lambda: run.steps, what="the plan")
            assert "delete" in " ".join(run.steps)
            await pilot.press("escape")  # hide it: the workflow goes on
            await pilot.pause()
            assert app.screen is jobs and run.running
            await until(pilot, lambda: not run.running, timeout=90, what="the recreate to end")
            assert run.state == "done", run.error
            assert any(n.title == "Recreate flux-sample at size 3" for n in notes(app))
            await until(pilot, lambda: jobs.mc.size == 3 and "size 3/" in queue_line(jobs), timeout=30,
                        what="the jobs screen at size 3")
            await until(pilot, lambda: before <= set(jobs.index.jobs), timeout=30, what="every old job id")
            table_ids = {jobs.table.cells(k)[0] for k in jobs.table.row_keys()}
            assert {f58_encode(i) for i in before} <= table_ids
            await pilot.press("w")  # the finished workflow can still be looked at
            await pilot.pause()
            assert isinstance(app.screen, ProgressScreen) and app.screen.workflow is run
    finally:
        demo.stop()


async def test_assets_are_edited_shown_and_offered_in_the_recreate_modal():
    from textual.widgets import Input

    from fluxstate_tui.demo.embedded import EmbeddedDemo
    from fluxstate_tui.kube.resources import get_minicluster
    from fluxstate_tui.screens.workflow_dialogs import AssetsModal, RecreateModal
    from fluxstate_tui.workflows.assets import ANNOTATION

    demo = EmbeddedDemo(speed=10).start()
    try:
        app = FluxStateApp(Target(kubeconfig=str(demo.kubeconfig)), refresh=0.5)
        async with app.run_test(size=(140, 40)) as pilot:
            clusters = app.screen
            for _ in range(400):
                if clusters.summaries.get("default/flux-sample") and clusters.summaries["default/flux-sample"].snapshot:
                    break
                await pilot.pause(0.05)
            await pilot.press("enter")
            jobs = app.screen
            for _ in range(400):
                if getattr(jobs, "snapshot", None) is not None:
                    break
                await pilot.pause(0.05)
            await pilot.press("F")
            await pilot.pause(0.3)
            assert isinstance(app.screen, AssetsModal)
            await pilot.press(*"relative")
            await pilot.press("enter")
            assert isinstance(app.screen, AssetsModal)  # refused: not absolute
            app.screen.query_one("#assets-input", Input).value = "/work/results, /scratch/run 1"
            await pilot.press("enter")
            kube = await app.client()
            for _ in range(100):
                mc = await get_minicluster(kube, "flux-sample", "default")
                if (mc.raw["metadata"].get("annotations") or {}).get(ANNOTATION):
                    break
                await pilot.pause(0.05)
            assert mc.raw["metadata"]["annotations"][ANNOTATION] == "/work/results,/scratch/run 1"
            for _ in range(100):  # the summary shows them once the screen has re-read the MiniCluster
                jobs._broker = None
                await pilot.pause(0.2)
                if "/scratch/run 1" in str(jobs.query_one("#summary").content.renderables[-1]):
                    break
            await pilot.press("R")
            await pilot.pause(0.5)
            modal = app.screen
            assert isinstance(modal, RecreateModal)
            assert modal.asset_paths() == ["/work/results", "/scratch/run 1"]
            plan = str(modal.query_one("#recreate-plan").content)
            assert "unpack the assets" in plan and "pending jobs are held" in plan
            await pilot.press("escape")
    finally:
        demo.stop()
