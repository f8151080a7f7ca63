"""A stuck queue diagnosed and fixed by keyboard alone, through Pilot against the demo cluster: each kind
(stopped, disabled, held job, drained node, too few nodes, failed dependency) is made with flux in the
broker pod, fixed with the TUI's keys, and the job then runs; every step is in the audit log."""

from __future__ import annotations

import json
import os
from pathlib import Path

from textual.widgets import DataTable, Input

from fluxstate_tui.kube.broker import Broker
from fluxstate_tui.kube.resources import get_minicluster
from fluxstate_tui.screens.ask import AskModal
from fluxstate_tui.screens.confirm import ConfirmModal
from fluxstate_tui.screens.job_detail import JobDetailScreen
from fluxstate_tui.screens.jobs import JobsScreen
from fluxstate_tui.screens.nodes import NodesScreen
from fluxstate_tui.screens.progress import current_run
from fluxstate_tui.screens.submit_form import SubmitModal
from fluxstate_tui.screens.workflow_dialogs import ScaleModal
from tests.workflows.test_workflows import create_mc

from .pilot import make_app, text_of, until

DEMO = {"speed": 10, "empty": True}


async def open_mc(app, pilot, name: str) -> tuple[JobsScreen, Broker]:
    clusters = app.screen
    key = f"default/{name}"
    await until(pilot, lambda: key in clusters.summaries and clusters.summaries[key].snapshot is not None,
                timeout=40, what=f"{name} listed")
    table = clusters.query_one("#mc-table")
    table.move_cursor(row=table.get_row_index(key))
    await pilot.press("enter")
    jobs = await until(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen, what="the jobs screen")
    kube = await app.client()
    return jobs, Broker(kube, await get_minicluster(kube, name, "default"))


async def flux(broker: Broker, *argv: str) -> str:
    return (await broker.flux(["flux", *argv])).stdout.strip()


async def state(broker: Broker, jobid: str) -> str:
    return await flux(broker, "jobs", "-n", "-o", "{state}", jobid)


async def cursor_on(pilot, jobs: JobsScreen, jobid: str) -> int:
    key = await until(pilot, lambda: next((k for k in jobs.table.row_keys() if jobs.table.cells(k)[0] == jobid),
                                          None), what=f"{jobid} in the table")
    jobs.table.move_cursor_to(key)
    return key


async def confirm(pilot, app, label_part: str) -> None:
    modal = await until(pilot, lambda: isinstance(app.screen, (ConfirmModal, AskModal)) and app.screen,
                        what="the dialog")
    assert label_part in str(modal.query_one("#confirm-button").label)
    await pilot.click("#confirm-button")


async def runs(pilot, broker: Broker, jobid: str) -> None:
    for _ in range(400):
        if await state(broker, jobid) in ("RUN", "CLEANUP", "INACTIVE"):
            return
        await pilot.pause(0.05)
    raise AssertionError(f"{jobid} never ran: {await state(broker, jobid)}")


def audit_lines() -> list[dict]:
    path = Path(os.environ["XDG_STATE_HOME"]) / "fluxstate-tui" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_held_job_released_with_r_and_the_audit_log_says_so(demo):
    create_mc(demo, "held", 1)
    app = make_app(demo)
    async with app.run_test(size=(140, 40)) as pilot:
        jobs, broker = await open_mc(app, pilot, "held")
        jobid = await flux(broker, "submit", "--urgency=0", "--job-name=waits; $(id)", "sleep", "100")
        await cursor_on(pilot, jobs, jobid)
        await pilot.press("enter")
        detail = await until(pilot, lambda: isinstance(app.screen, JobDetailScreen) and app.screen, what="detail")
        await until(pilot, lambda: "releases it" in text_of(detail.query_one("#detail-why")), what="the fix")
        await pilot.press("r")
        await confirm(pilot, app, "Release 1 job(s) of held")
        await runs(pilot, broker, jobid)
        why = detail.query_one("#detail-why")
        await until(pilot, lambda: not why.display or "held (urgency 0)" not in text_of(why),
                    what="the detail to stop saying it is held")
    entry = [e for e in audit_lines() if e["action"] == "release"][-1]
    assert entry["minicluster"] == "held" and entry["outcome"] == "ok"


async def test_stopped_queue_started_with_S_and_disabled_submission_enabled_with_E(demo):
    create_mc(demo, "stopq", 1)
    app = make_app(demo)
    async with app.run_test(size=(140, 40)) as pilot:
        jobs, broker = await open_mc(app, pilot, "stopq")
        await flux(broker, "queue", "stop", "-m", "maintenance")
        await flux(broker, "queue", "disable", "-m", "closed for a demo")
        await until(pilot, lambda: jobs.snapshot and jobs.snapshot.queue and jobs.snapshot.queue.all_stopped,
                    what="the stopped queue on screen")
        await pilot.press("E")
        await confirm(pilot, app, "Enable submission to stopq")
        await until(pilot, lambda: "closed" not in text_of(jobs.query_one("#summary")), what="enabled")
        jobid = await flux(broker, "submit", "--job-name=after", "sleep", "100")
        await cursor_on(pilot, jobs, jobid)
        await pilot.press("S")
        await confirm(pilot, app, "Start the queue of stopq")
        await runs(pilot, broker, jobid)
    assert [e["action"] for e in audit_lines()][-2:] == ["queue enable", "resume"]


async def test_drained_node_undrained_from_the_nodes_view(demo):
    create_mc(demo, "drn", 2)
    app = make_app(demo)
    async with app.run_test(size=(140, 40)) as pilot:
        jobs, broker = await open_mc(app, pilot, "drn")
        await flux(broker, "resource", "drain", "1", "bad disk")
        jobid = await flux(broker, "submit", "-N2", "--job-name=wide", "sleep", "100")
        await pilot.press("n")
        nodes = await until(pilot, lambda: isinstance(app.screen, NodesScreen) and app.screen.view and app.screen,
                            what="the nodes")
        await until(pilot, lambda: any(r.state == "drained" for r in nodes.view.rows), what="rank 1 drained")
        nodes.query_one(DataTable).move_cursor(row=1)
        await pilot.press("u")
        await confirm(pilot, app, "Undrain rank 1 of drn")
        await runs(pilot, broker, jobid)
        # and drained again by keyboard, with a reason typed in the dialog
        await until(pilot, lambda: all(r.state == "up" for r in nodes.view.rows), what="rank 1 up")
        await pilot.press("d")
        ask = await until(pilot, lambda: isinstance(app.screen, AskModal) and app.screen, what="the reason")
        assert ask.query_one("#ask-input", Input).has_focus
        await pilot.press(*"fan noise")
        await pilot.press("enter")
        await until(pilot, lambda: any(r.drain_reason == "fan noise" for r in nodes.view.rows), what="drained")


async def open_detail(pilot, app, jobs: JobsScreen, jobid: str, fix: str) -> JobDetailScreen:
    await cursor_on(pilot, jobs, jobid)
    await pilot.press("enter")
    detail = await until(pilot, lambda: isinstance(app.screen, JobDetailScreen) and app.screen, what="detail")
    await until(pilot, lambda: fix in text_of(detail.query_one("#detail-why")), what=f"the fix: {fix}")
    return detail


async def test_too_few_nodes_fixed_by_scaling_and_a_failed_dependency_by_cancelling(demo):
    create_mc(demo, "small", 1, maxSize=2)
    app = make_app(demo)
    async with app.run_test(size=(140, 40)) as pilot:
        jobs, broker = await open_mc(app, pilot, "small")
        # "needs 2 nodes, 1 up": rank 1 exists in Flux (maxSize 2) but has no pod: Z scales up, from the detail
        # (a request beyond maxSize is refused by Flux at once as unsatisfiable, so it never waits)
        wide = await flux(broker, "submit", "-N2", "--job-name=wide", "sleep", "100")
        await open_detail(pilot, app, jobs, wide, "scales up")
        await pilot.press("Z")
        scale = await until(pilot, lambda: isinstance(app.screen, ScaleModal) and app.screen, what="scale")
        scale.query_one("#size-input", Input).value = "2"
        await pilot.press("enter")
        await runs(pilot, broker, wide)
        await until(pilot, lambda: not current_run(app).running, what="the scale done")
        while not isinstance(app.screen, JobsScreen):   # the progress screen, then the detail
            await pilot.press("escape")

        # a dependency that failed can never be met: cancel the job that waits on it
        first = await flux(broker, "submit", "--job-name=fails", "false")
        dependent = await flux(broker, "submit", f"--dependency=afterok:{first}", "--job-name=never", "true")
        key = await cursor_on(pilot, jobs, dependent)
        await until(pilot, lambda: key in jobs.index.jobs and jobs.index.jobs[key].state == "DEPEND",
                    what="the dependent waiting")
        await pilot.press("ctrl+d")
        await confirm(pilot, app, "Cancel 1 job(s) of small")
        await until_state(pilot, broker, dependent, "INACTIVE")
        assert await flux(broker, "jobs", "-n", "-o", "{result}", dependent) == "CANCELED"


async def until_state(pilot, broker: Broker, jobid: str, wanted: str) -> None:
    for _ in range(400):
        if await state(broker, jobid) == wanted:
            return
        await pilot.pause(0.05)
    raise AssertionError(f"{jobid} never reached {wanted}")


async def test_plus_submits_jobs_that_appear_in_the_table(demo):
    create_mc(demo, "subtui", 1)
    app = make_app(demo)
    async with app.run_test(size=(140, 45)) as pilot:
        jobs, broker = await open_mc(app, pilot, "subtui")
        await pilot.press("plus")
        form = await until(pilot, lambda: isinstance(app.screen, SubmitModal) and app.screen, what="the form")
        assert form.query_one("#submit-command", Input).has_focus
        await pilot.press(*"echo 'a b' ;x")
        form.query_one("#submit-name", Input).value = "from-tui"
        form.query_one("#submit-count", Input).value = "0"
        await pilot.pause()
        assert form.query_one("#confirm-button").disabled   # 0 copies: said, and nothing is sent
        assert "copies" in text_of(form.query_one("#submit-error")) or "count" in text_of(
            form.query_one("#submit-error"))
        form.query_one("#submit-count", Input).value = "2"
        await pilot.pause()
        assert str(form.query_one("#confirm-button").label) == "Submit 2 job(s) to subtui"
        await pilot.click("#confirm-button")
        await until(pilot, lambda: sum(jobs.table.cells(k)[2] == "from-tui" for k in jobs.table.row_keys()) == 2,
                    what="the two jobs in the table")
        names = await flux(broker, "jobs", "-a", "-n", "-o", "{name}")
        assert names.split().count("from-tui") == 2


async def test_P_protects_and_unprotects_and_the_list_says_so(demo):
    create_mc(demo, "guarded", 1)
    app = make_app(demo)
    async with app.run_test(size=(180, 40)) as pilot:
        jobs, _broker = await open_mc(app, pilot, "guarded")
        await pilot.press("P")
        await confirm(pilot, app, "Protect guarded")
        kube = await app.client()

        async def finalizers() -> list:
            return (await get_minicluster(kube, "guarded", "default")).raw["metadata"].get("finalizers") or []

        for _ in range(200):
            if await finalizers() == ["fluxstate-tui/guard"]:
                break
            await pilot.pause(0.05)
        assert await finalizers() == ["fluxstate-tui/guard"]
        await pilot.press("escape")
        clusters = app.screen
        await until(pilot, lambda: "protected" in str(clusters.query_one(DataTable).get_row("default/guarded")),
                    what="the list to say protected")
        await pilot.press("P")
        await confirm(pilot, app, "Stop protecting guarded")
        for _ in range(200):
            if await finalizers() == []:
                break
            await pilot.pause(0.05)
        assert await finalizers() == []


async def test_M_moves_the_queue_to_a_new_minicluster_with_every_job(demo):
    create_mc(demo, "mover", 1)
    app = make_app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        jobs, broker = await open_mc(app, pilot, "mover")
        done = await flux(broker, "submit", "--job-name=before", "true")
        waiting = await flux(broker, "submit", "--urgency=0", "--job-name=waits", "true")
        await until_state(pilot, broker, done, "INACTIVE")
        await pilot.press("M")
        ask = await until(pilot, lambda: isinstance(app.screen, AskModal) and app.screen, what="the move dialog")
        assert ask.query_one("#ask-input", Input).value == "default/mover-moved"
        await pilot.press("enter")
        run = await until(pilot, lambda: current_run(app), what="the move")
        await until(pilot, lambda: not run.running, timeout=120, what="the move to end")
        assert run.state == "done", (run.error, run.log[-5:])
        kube = await app.client()
        moved = Broker(kube, await get_minicluster(kube, "mover-moved", "default"))
        ids = (await flux(moved, "jobs", "-a", "-n", "-o", "{id.f58}")).split()
        assert done in ids and waiting in ids
