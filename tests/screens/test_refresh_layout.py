"""A refresh of the jobs screen repaints; it lays nothing out (issue 17). A layout of that screen costs 10-40 ms
of the UI thread, and asking for one on every refresh was most of the stall a user felt per refresh at 10,000
jobs: rows arriving in a table that already fills its room, and counts changing in the summary, do not change
any widget's box. A line added to the summary (a drained node) does, and is laid out. Nor does a refresh of a
big queue pay for the collector walking its jobs (heap.py)."""

from __future__ import annotations

import gc

from fluxstate_tui.kube.broker import Broker
from fluxstate_tui.kube.resources import get_minicluster
from fluxstate_tui.screens import jobs as jobs_module
from tests.widgets.test_job_table import Layouts

from .pilot import Fetches, make_app, open_jobs, text_of, until

DEMO = {"speed": 10}


async def test_refreshes_repaint_and_lay_out_only_when_the_summary_grows(demo):
    fetches = Fetches()
    app = make_app(demo, refresh=0.3)
    async with app.run_test(size=(120, 24), message_hook=fetches) as pilot:
        jobs = await open_jobs(app, pilot)
        table, summary = jobs.table, jobs.query_one("#summary")
        kube = await app.client()
        broker = Broker(kube, await get_minicluster(kube, "flux-sample", "default"))
        await broker.flux(["flux", "submit", "--cc", "1-30", "--job-name=fill", "sleep", "1"])
        await until(pilot, lambda: table.total_count > table.size.height + 5, what="a table fuller than its room")
        settled = fetches.count
        await until(pilot, lambda: fetches.count >= settled + 2, what="two more refreshes")

        layouts = Layouts(jobs)
        before, rows, count = text_of(summary), table.total_count, fetches.count
        await broker.flux(["flux", "submit", "--cc", "1-5", "--job-name=more", "sleep", "0"])
        await until(pilot, lambda: fetches.count >= count + 4 and table.total_count >= rows + 5,
                    what="the new jobs in, over a few refreshes")
        assert text_of(summary) != before  # the counts moved
        assert layouts.count == 0

        height = summary.size.height
        await broker.flux(["flux", "resource", "drain", "1", "bad fan"])
        try:
            await until(pilot, lambda: summary.size.height == height + 1, what="the drained node's line")
            assert "bad fan" in text_of(summary)
            assert layouts.count >= 1
        finally:
            await broker.flux(["flux", "resource", "undrain", "1"])


async def test_the_summary_is_as_tall_as_its_wrapped_lines_on_a_narrow_terminal(demo):
    fetches = Fetches()
    app = make_app(demo, refresh=0.3)
    async with app.run_test(size=(64, 30), message_hook=fetches) as pilot:
        jobs = await open_jobs(app, pilot)
        summary = jobs.query_one("#summary")

        def rendered_lines() -> int:
            console = app.console
            return len(console.render_lines(summary.content, console.options.update_width(summary.size.width)))

        count = fetches.count
        await until(pilot, lambda: fetches.count >= count + 2, what="two refreshes")
        assert summary.size.height == rendered_lines() > 3  # the info line wraps at this width
        kube = await app.client()
        broker = Broker(kube, await get_minicluster(kube, "flux-sample", "default"))
        await broker.flux(["flux", "resource", "drain", "1", "a long reason that wraps " * 3])
        try:
            before = summary.size.height
            await until(pilot, lambda: summary.size.height > before + 1, what="the drain line, wrapped")
            count = fetches.count
            await until(pilot, lambda: fetches.count >= count + 2, what="two refreshes")
            assert summary.size.height == rendered_lines()
        finally:
            await broker.flux(["flux", "resource", "undrain", "1"])
        count = fetches.count
        await until(pilot, lambda: fetches.count >= count + 2 and summary.size.height == before,
                    what="the summary back to its height")


async def test_the_covered_list_neither_refreshes_nor_repaints_the_screen_on_top(demo):
    """Textual repaints all of the top screen for any change in the screen under it: the list under the jobs
    screen keeps no timer and leaves its freshness line alone until it is back, and then it is fresh at once."""
    fetches = Fetches()
    app = make_app(demo, refresh=0.3)
    async with app.run_test(size=(120, 30), message_hook=fetches) as pilot:
        clusters = app.screen
        jobs = await open_jobs(app, pilot)
        compositor = jobs._compositor
        full = []
        original = compositor.render_full_update

        def counted(*args, **kwargs):
            full.append(1)
            return original(*args, **kwargs)

        compositor.render_full_update = counted
        shown = clusters.freshness._shown
        count = fetches.count
        await until(pilot, lambda: fetches.count >= count + 6, what="six refreshes of the jobs screen")
        await pilot.pause(1.2)  # the freshness line's one-second tick, twice over
        assert clusters._timer is None
        assert clusters.freshness._shown == shown
        assert not full
        listed = len([m for m in fetches.messages if type(m).__name__ == "ClustersFetched"])
        await pilot.press("escape")
        await until(pilot, lambda: len([m for m in fetches.messages if type(m).__name__ == "ClustersFetched"])
                    > listed, what="the list refreshed on its return")
        assert "updated just now" in clusters.freshness._shown.plain


async def test_a_big_queue_is_kept_out_of_full_collections_while_shown(demo, monkeypatch):
    """heap.keep_out_of_collections once the jobs are in; everything given back when the screen goes."""
    monkeypatch.setattr(jobs_module, "FREEZE_FROM", 1)
    gc.unfreeze()
    app = make_app(demo, refresh=0.3)
    async with app.run_test(size=(120, 30)) as pilot:
        clusters = app.screen
        jobs = await open_jobs(app, pilot)
        await until(pilot, lambda: gc.get_freeze_count() > 0, what="the jobs frozen")
        assert not any(o is jobs for o in gc.get_objects())  # out of the collector's sight, with its jobs
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is clusters, what="back to the list")
        assert gc.get_freeze_count() == 0
