"""The TUI says what is true and loses nothing: fresh reads, cancellable workflows, honest progress,
dialogs usable by keyboard at 80×24, read-only feedback, the palette keys, the header after a context
switch, the footer's order and the help's key names. Through Pilot against the demo cluster."""

from __future__ import annotations

import asyncio

import yaml
from textual.command import CommandPalette
from textual.widgets import Footer, Input

from fluxstate_tui.kube.broker import Broker
from fluxstate_tui.kube.client import KubeClient, Target
from fluxstate_tui.kube.errors import BrokerNotReady
from fluxstate_tui.kube.resources import get_minicluster
from fluxstate_tui.screens.base import FetchFailed
from fluxstate_tui.screens.confirm import ChoiceModal, ConfirmModal
from fluxstate_tui.screens.help import HelpScreen
from fluxstate_tui.screens.progress import ProgressScreen, WorkflowRun, current_run, start_workflow
from fluxstate_tui.screens.workflow_dialogs import AssetsModal, RecreateModal, ScaleModal
from fluxstate_tui.workflows.events import Event

from .pilot import make_app, note_text, open_jobs, text_of, until


async def flux(demo, *argv: str) -> str:
    """A flux command in flux-sample's broker, as a user would run it with kubectl exec."""
    async with await KubeClient.connect(Target(kubeconfig=str(demo.kubeconfig))) as kube:
        mc = await get_minicluster(kube, "flux-sample", "default")
        result = await Broker(kube, mc).flux(["flux", *argv])
        return result.stdout.strip()


async def ensure_started(demo) -> None:
    """Start flux-sample's queue, waiting first for its broker (a module's first test may come early)."""
    for _ in range(300):
        try:
            await flux(demo, "queue", "start", "--all")
            return
        except BrokerNotReady:
            await asyncio.sleep(0.2)
    raise AssertionError("flux-sample's broker never came up")


# ---- keys, footer, help --------------------------------------------------------------------------------

async def test_ctrl_p_and_colon_both_open_the_palette(demo):
    app = make_app(demo)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause(0.3)
        for key in ("ctrl+p", "colon"):
            await pilot.press(key)
            await until(pilot, lambda: isinstance(app.screen, CommandPalette), what=f"the palette from {key}")
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, CommandPalette), what="the palette closed")


def footer_keys(app) -> list[tuple[str, int]]:
    """(key, right edge) of every key the footer shows, in order."""
    footer = app.screen.query_one(Footer)
    return [(k.key, k.region.right) for k in footer.query("FooterKey") if k.display]


async def test_footer_shows_the_most_important_keys_first_and_help_names_keys_plainly(demo):
    for width in (80, 120):
        app = make_app(demo)
        async with app.run_test(size=(width, 30)) as pilot:
            jobs = await open_jobs(app, pilot)
            await pilot.pause(0.2)
            keys = [k for k, _ in footer_keys(app)]
            assert keys[:3] == ["question_mark", "escape", "slash"], keys
            assert keys.index("S") < keys.index("o") and keys.index("q") < keys.index("o")
            if width == 120:
                # F and q fit; the palette key sits at the right edge (13 columns)
                visible = [k for k, right in footer_keys(app) if right <= width - 13]
                assert {"F", "q", "S", "D", "R", "Z"} <= set(visible), visible
            await pilot.press("question_mark")
            await until(pilot, lambda app=app: isinstance(app.screen, HelpScreen), what="help")
            help_text = text_of(app.screen.query_one("#help-table"))
            assert "super+^c" not in help_text and "c,super" not in help_text
            assert help_text.count("Quit") == 1
            await pilot.press("escape")
            assert jobs is not None


async def test_read_only_keys_say_once_why_nothing_happens(demo):
    app = make_app(demo, read_only=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.screen.summaries.get("default/flux-sample"), what="the list")
        for key in ("S", "D", "R", "Z", "F"):
            await pilot.press(key)
            await pilot.pause(0.1)
            assert "read-only session" in note_text(app) and f"{key} (" in note_text(app)
            assert len(app._notifications) == 1  # replaced, not stacked
            assert not isinstance(app.screen, (ConfirmModal, ScaleModal, RecreateModal, AssetsModal))


async def test_header_names_the_new_context_with_its_error(demo, tmp_path):
    config = yaml.safe_load(demo.kubeconfig.read_text())
    good = config["contexts"][0]
    config["clusters"].append({"name": "nowhere", "cluster": {"server": "https://127.0.0.1:9"}})
    config["contexts"].append({"name": "broken", "context": {"cluster": "nowhere", "user": good["context"]["user"]}})
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    app = make_app(demo, kubeconfig=str(path))
    async with app.run_test(size=(120, 30)) as pilot:
        clusters = app.screen
        await until(pilot, lambda: clusters.summaries.get("default/flux-sample"), what="the list")
        old = good["name"]
        assert old in clusters.sub_title
        await app.switch_context("broken")
        await until(pilot, lambda: clusters.freshness.error, timeout=30, what="the error of the new context")
        await pilot.pause()
        assert "broken" in clusters.sub_title and old not in clusters.sub_title
        assert clusters.query_one("#mc-table").row_count == 0  # nothing of the old context stays


# ---- dialogs ---------------------------------------------------------------------------------------------

async def test_size_dialogs_start_in_the_field_and_fit_80x24(demo):
    await ensure_started(demo)
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_jobs(app, pilot)
        await pilot.press("Z")
        modal = await until(pilot, lambda: isinstance(app.screen, ScaleModal) and app.screen, what="scale modal")
        assert modal.query_one("#size-input", Input).has_focus
        await pilot.press("1", "y")  # y is a letter in a field: typed, not a confirmation
        await pilot.pause()
        assert modal.query_one("#size-input", Input).value == "1y" and app.screen is modal
        assert "y confirms" not in text_of(modal.query_one(".modal-hint"))
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("R")
        modal = await until(pilot, lambda: isinstance(app.screen, RecreateModal) and app.screen, what="recreate")
        assert modal.query_one("#size-input", Input).has_focus
        await pilot.press("3")
        for _ in range(12):  # tab until the action button: it must come into view on a 24-line screen
            await pilot.press("tab")
            await pilot.pause(0.05)
            if app.focused is not None and app.focused.id == "confirm-button":
                break
        button = app.focused
        assert button is not None and button.id == "confirm-button"
        await pilot.pause(0.2)
        screen_region = app.screen.region
        assert screen_region.contains_region(button.region), (button.region, screen_region)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RecreateModal)


async def test_dump_with_a_started_queue_offers_no_dump_button(demo):
    await ensure_started(demo)
    app = make_app(demo)
    async with app.run_test(size=(120, 30)) as pilot:
        jobs = await open_jobs(app, pilot)
        await until(pilot, lambda: jobs.snapshot and jobs.snapshot.queue, what="the queue state")
        await pilot.press("D")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmModal)
        assert "Stop it first with S" in note_text(app)


async def test_recreate_on_the_jobs_screen_offers_the_assets_just_saved(demo):
    app = make_app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_jobs(app, pilot)
        await pilot.press("F")
        modal = await until(pilot, lambda: isinstance(app.screen, AssetsModal) and app.screen, what="assets")
        box = modal.query_one("#assets-input", Input)
        box.value = "/tmp/one, /tmp/two"
        await pilot.press("enter")
        await until(pilot, lambda: "carries /tmp/one, /tmp/two" in note_text(app),
                    what="the annotation saved")
        await pilot.pause(0.2)
        await pilot.press("R")
        modal = await until(pilot, lambda: isinstance(app.screen, RecreateModal) and app.screen, what="recreate")
        assert modal.query_one("#assets-input", Input).value == "/tmp/one, /tmp/two"
        assert "/tmp/two" in text_of(modal.query_one("#recreate-plan"))
        await pilot.press("escape")
        await pilot.pause()
        # put the annotation back for the other tests
        await pilot.press("F")
        modal = await until(pilot, lambda: isinstance(app.screen, AssetsModal) and app.screen, what="assets")
        modal.query_one("#assets-input", Input).value = ""
        await pilot.press("enter")
        await pilot.pause(0.5)


# ---- workflows: cancel, offers, honest progress ---------------------------------------------------------

async def test_a_waiting_stop_offers_to_cancel_the_running_jobs_and_any_workflow_can_be_cancelled(demo):
    await ensure_started(demo)
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        jobs = await open_jobs(app, pilot)
        long_job = await flux(demo, "submit", "sleep", "100000")
        for _ in range(100):
            if long_job in await flux(demo, "jobs", "-n", "-f", "running", "-o", "{id.f58}"):
                break
            await pilot.pause(0.1)
        else:
            raise AssertionError("the long job never ran")

        # 1. S, y: the stop waits for the running jobs and says how many
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the stop dialog")
        await pilot.press("y")
        run = await until(pilot, lambda: current_run(app), what="the stop")
        await until(pilot, lambda: run.current == "wait for running jobs" and "running" in run.status,
                    what="the count of running jobs")
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        await pilot.pause(0.2)
        status = text_of(progress.query_one("#wf-status"))
        # "1 job(s) running" at first, "1 job(s) still running, 1s elapsed" from a second on
        assert "wait for running jobs: wait for running jobs" not in status and "job(s)" in status
        assert "running" in status.split(":", 1)[1]
        assert "x: cancel the running jobs" in text_of(progress.query_one("#wf-result"))

        # 2. ctrl+c asks, names what is left, and cancels the workflow (not the jobs)
        await pilot.press("ctrl+c")
        confirm = await until(pilot, lambda: isinstance(app.screen, ConfirmModal) and app.screen, what="confirm")
        assert "queue stays stopped" in text_of(confirm.query_one("#confirm-body"))
        await pilot.press("y")
        await until(pilot, lambda: not run.running, what="the stop cancelled")
        assert run.state == "failed" and "cancelled" in (run.error or "")
        assert "queue stays stopped" in note_text(app)
        assert long_job in await flux(demo, "jobs", "-n", "-f", "running", "-o", "{id.f58}")

        # 3. nothing is stuck: start the queue again (S offers it), then stop it; the waiting stop's
        #    offer cancels exactly the running jobs, and the stop finishes
        await pilot.press("escape")
        await until(pilot, lambda: jobs.workflow_subject().queue_stopped, what="STOPPED in the summary")
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the start dialog")
        await pilot.press("y")
        await until(pilot, lambda: current_run(app) is not run and not current_run(app).running, what="started")
        await until(pilot, lambda: jobs.workflow_subject().queue_stopped is False, what="started in the summary")
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the stop dialog")
        await pilot.press("y")
        run2 = await until(pilot, lambda: current_run(app).title.startswith("Stop") and current_run(app)
                           if current_run(app) and current_run(app).running else None, what="a second stop")
        await until(pilot, lambda: run2.offer_active, what="the offer")
        assert isinstance(app.screen, ProgressScreen)
        await pilot.press("x")
        confirm = await until(pilot, lambda: isinstance(app.screen, ConfirmModal) and app.screen, what="named jobs")
        assert long_job in text_of(confirm.query_one("#confirm-body"))
        await pilot.press("y")
        await until(pilot, lambda: not run2.running, timeout=60, what="the stop to finish")
        assert run2.state == "done", run2.error
        state = await flux(demo, "jobs", "-a", "-n", "-o", "{id.f58} {result}")
        assert f"{long_job} CANCELED" in state
        await ensure_started(demo)


def test_the_bar_is_full_only_when_the_workflow_is_and_every_step_is_logged():
    run = WorkflowRun("Recreate x at size 3")
    for event in (Event("plan", steps=["dump", "wait for Flux", "verify"]),
                  Event("step", "dump", step="dump"), Event("step-done", "1 job", step="dump"),
                  Event("step", "wait for Flux", step="wait for Flux"),
                  Event("progress", "3/3 pods running", step="wait for Flux", fraction=1.0)):
        run.handle(event)
    assert run.overall is not None and run.overall < 1.0
    assert run.log[:3] == ["▶ dump", "✔ dump: 1 job", "▶ wait for Flux"]
    assert run.status == "3/3 pods running"
    run.handle(Event("step-done", step="wait for Flux"))
    run.handle(Event("step", "verify", step="verify"))
    assert run.overall < 1.0
    run.finish("done")
    assert run.overall == 1.0


async def test_a_failed_fetch_during_a_hidden_recreate_says_where_it_is(demo):
    app = make_app(demo)
    async with app.run_test(size=(120, 30)) as pilot:
        jobs = await open_jobs(app, pilot)
        gate = asyncio.Event()

        async def job(progress):
            progress(Event("plan", steps=["delete", "wait for Flux"]))
            progress(Event("step", "wait for Flux", step="wait for Flux"))
            await gate.wait()
            return "recreated"

        run = start_workflow(app, "Recreate flux-sample at size 3", job, target=("default", "flux-sample"),
                             show=False)
        await until(pilot, lambda: run.current == "wait for Flux", what="the step")
        jobs.post_message(FetchFailed('container "flux-sample" is not running'))
        await until(pilot, lambda: jobs.freshness.busy, what="the busy line")
        line = text_of(jobs.freshness)
        assert "BUSY" in line and "wait for Flux" in line and "STALE" not in line
        gate.set()
        await until(pilot, lambda: not run.running, what="the end")


async def test_a_scale_down_names_the_jobs_it_would_kill_and_keeps_them_unless_told(demo):
    await ensure_started(demo)
    app = make_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await open_jobs(app, pilot)
        wide = await flux(demo, "submit", "-N2", "sleep", "100000")
        for _ in range(100):
            if wide in await flux(demo, "jobs", "-n", "-f", "running", "-o", "{id.f58}"):
                break
            await pilot.pause(0.1)

        async def ask_for_size_one():
            await pilot.press("Z")
            modal = await until(pilot, lambda: isinstance(app.screen, ScaleModal) and app.screen, what="scale")
            assert "listed before anything changes" not in text_of(modal.query_one("#size-note"))
            await pilot.press("1")
            await pilot.pause()
            assert "listed before anything changes" in text_of(modal.query_one("#size-note"))
            await pilot.press("enter")
            return await until(pilot, lambda: isinstance(app.screen, ChoiceModal) and app.screen, what="choices")

        choice = await ask_for_size_one()
        assert wide in text_of(choice.query_one("#choice-body"))
        assert app.focused is not None and app.focused.id == "cancel-button"
        await pilot.press("enter")  # Keep the size
        await pilot.pause(0.3)
        assert current_run(app) is None and jobs.mc.size == 2
        assert wide in await flux(demo, "jobs", "-n", "-f", "running", "-o", "{id.f58}")

        choice = await ask_for_size_one()
        await pilot.press("shift+tab")  # onto "Cancel these 1 job(s), then scale to 1…"
        assert app.focused.id == "choice-cancel"
        await pilot.press("enter")
        confirm = await until(pilot, lambda: isinstance(app.screen, ConfirmModal) and app.screen, what="named")
        assert wide in text_of(confirm.query_one("#confirm-body"))
        await pilot.press("y")
        run = await until(pilot, lambda: current_run(app), what="the scale")
        await until(pilot, lambda: not run.running, timeout=60, what="the scale-down")
        assert run.state == "done", run.error
        outcome = await flux(demo, "jobs", "-a", "-n", "-o", "{id.f58} {result} {exception.type}")
        assert f"{wide} CANCELED cancel" in outcome  # canceled by us, not killed by a node failure

        async with await KubeClient.connect(Target(kubeconfig=str(demo.kubeconfig))) as kube:
            from fluxstate_tui.workflows import scale

            mc = await get_minicluster(kube, "flux-sample", "default")
            assert mc.size == 1
            await scale(kube, mc, size=2)  # back as the other tests expect it
