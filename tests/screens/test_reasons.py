"""Why a job waits, in the TUI: drained is not down, and every reason shows (issue #11, items 4 and 5).

Each test gets its own MiniCluster of size 2 and maxSize 3 on one in-process demo: rank 2 has no pod
(offline), rank 1 is drained by hand, the queue is stopped, and a job needs all three nodes.
"""

from __future__ import annotations

from fluxstate_tui.kube.broker import Broker
from fluxstate_tui.kube.resources import get_minicluster
from fluxstate_tui.screens.job_detail import JobDetailScreen
from fluxstate_tui.screens.jobs import JobsScreen
from tests.workflows.test_workflows import create_mc

from .pilot import make_app, text_of, until

REASON = "disk full on /scratch"


DEMO = {"speed": 5, "empty": True}


async def stuck(app, pilot, name: str) -> tuple[JobsScreen, int]:
    """Open the MiniCluster's jobs, then strand a job behind a stopped queue, a drained and an offline node."""
    clusters = app.screen
    key = f"default/{name}"
    await until(pilot, lambda: key in clusters.summaries and clusters.summaries[key].snapshot is not None,
                what=f"{name} listed")
    table = clusters.query_one("#mc-table")
    table.move_cursor(row=table.get_row_index(key))
    await pilot.press("enter")
    jobs = await until(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen, what="the jobs screen")
    kube = await app.client()
    broker = Broker(kube, await get_minicluster(kube, name, "default"))
    await broker.flux(["flux", "resource", "drain", "1", REASON])
    await broker.flux(["flux", "queue", "stop", "-m", "maintenance"])
    out = await broker.flux(["flux", "submit", "--job-name=wide", "-N3", "sleep", "100"])
    jobid = out.stdout.strip()
    key = await until(pilot, lambda: next((k for k in jobs.table.row_keys() if jobs.table.cells(k)[0] == jobid),
                                          None), what="the stuck job in the table")
    await until(pilot, lambda: jobs.snapshot and jobs.snapshot.queue and jobs.snapshot.queue.all_stopped,
                what="the stopped queue on screen")
    return jobs, key


async def test_summary_says_drained_and_offline_with_the_reason(demo):
    create_mc(demo, "sumry", 2, maxSize=3)
    app = make_app(demo)
    async with app.run_test(size=(140, 40)) as pilot:
        jobs, _key = await stuck(app, pilot, "sumry")
        summary = await until(pilot, lambda: (t := text_of(jobs.query_one("#summary"))) and REASON in t and t,
                              what="the drain reason in the summary")
        assert "1 drained" in summary and "1 offline" in summary
        assert " down" not in summary


async def test_job_detail_and_table_show_every_reason_in_fix_order(demo):
    create_mc(demo, "every", 2, maxSize=3)
    app = make_app(demo)
    async with app.run_test(size=(140, 40)) as pilot:
        jobs, key = await stuck(app, pilot, "every")
        info = await until(pilot, lambda: "drained" in jobs.table.cells(key)[-1] and jobs.table.cells(key)[-1],
                           what="the reasons in the INFO column")
        assert info.index("queue stopped") < info.index("drained") < info.index("offline")
        jobs.table.move_cursor_to(key)
        await pilot.press("enter")
        detail = app.screen
        assert isinstance(detail, JobDetailScreen)
        await until(pilot, lambda: detail.detail is not None, what="the job detail")
        why = text_of(detail.query_one("#detail-why"))
        assert why.index("queue stopped: maintenance") < why.index(REASON) < why.index("offline")
        assert "flux resource undrain 1" in why and "come back" not in why.replace("pod comes back", "")
