"""The TUI through Textual's Pilot, against the demo cluster running in-process (as `--demo` does)."""

from __future__ import annotations

import socket

import yaml

from fluxstate_tui.app import FluxStateApp
from fluxstate_tui.demo.embedded import EmbeddedDemo
from fluxstate_tui.kube.broker import Broker
from fluxstate_tui.kube.client import Target
from fluxstate_tui.kube.resources import get_minicluster
from fluxstate_tui.screens.broker_log import BrokerLogScreen
from fluxstate_tui.screens.clusters import ClustersScreen
from fluxstate_tui.screens.help import HelpScreen
from fluxstate_tui.screens.job_detail import JobDetailScreen
from fluxstate_tui.screens.jobs import JobsFetched, JobsScreen

from .pilot import Fetches, make_app, open_jobs, text_of, until

DEMO = {"speed": 5}


async def test_clusters_screen_lists_filters_and_opens(demo):
    app = make_app(demo)
    async with app.run_test(size=(120, 30)) as pilot:
        clusters = app.screen
        assert isinstance(clusters, ClustersScreen)
        await until(pilot, lambda: clusters.summaries.get("default/flux-sample")
                    and clusters.summaries["default/flux-sample"].snapshot, what="a summary")
        table = clusters.query_one("#mc-table")
        row = [str(c) for c in table.get_row("default/flux-sample")]
        assert row[:4] == ["flux-sample", "default", "2/2", "2/2"] and row[4] == "started"
        assert "/state/archive.tar.gz" in row[-2] and row[-1] == "-"   # ARCHIVE, then GUARD (not protected)
        assert "fluxstate-demo · namespace default" in clusters.sub_title
        await pilot.press("slash")
        await pilot.press(*"nothing-like-this")
        await pilot.pause()
        assert "no MiniCluster matches" in text_of(clusters.query_one("#mc-empty"))
        await pilot.press("escape")
        await pilot.pause()
        assert table.display and table.row_count == 1
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, JobsScreen), what="the jobs screen")


async def test_jobs_table_live_refresh_keeps_cursor_and_shows_new_jobs_finishing(demo):
    fetches = Fetches()
    app = make_app(demo)
    async with app.run_test(size=(140, 40), message_hook=fetches) as pilot:
        jobs = await open_jobs(app, pilot)
        table = jobs.table
        header = table.render_line(0).text.split()
        assert header[:8] == ["JOBID", "USER", "NAME", "ST", "NTASKS", "NNODES", "TIME", "INFO"]
        summary = text_of(jobs.query_one("#summary"))
        assert "pending" in summary and "queue" in summary and "0.88.0" in summary
        # cursor: move to the third row, let refreshes happen, it stays on the same job
        await pilot.press("down", "down")
        key = table.cursor_key
        count = fetches.count
        await until(pilot, lambda: fetches.count >= count + 3, what="three refreshes")
        assert table.cursor_key == key
        assert sum(isinstance(m, JobsFetched) for m in fetches.messages) >= 4
        # a new job appears, runs, and finishes, all live
        kube = await app.client()
        broker = Broker(kube, await get_minicluster(kube, "flux-sample", "default"))
        submitted = await broker.flux(["flux", "submit", "--job-name=livecheck", "--urgency=31", "-n1", "sleep", "5"])
        jobid = submitted.stdout.strip()

        def find():
            return next((k for k in table.row_keys() if table.cells(k)[2] == "livecheck"), None)

        new = await until(pilot, find, what="the new job in the table")
        assert table.cells(new)[0] == jobid
        await until(pilot, lambda: table.cells(new)[3] == "CD", timeout=30, what="the job to complete")
        assert table.style_of(new) == "completed" and table.cursor_key == key


async def test_job_detail_explains_pending_jobs(demo):
    app = make_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await open_jobs(app, pilot)
        held = next(k for k in jobs.table.row_keys() if jobs.index.jobs[k].held)
        jobs.table.move_cursor_to(held)
        await pilot.press("enter")
        detail = app.screen
        assert isinstance(detail, JobDetailScreen)
        await until(pilot, lambda: detail.detail is not None, what="the job detail")
        why = text_of(detail.query_one("#detail-why"))
        assert "Why it is not running" in why and "held (urgency 0)" in why
        events = text_of(detail.query_one("#detail-events"))
        assert "submit" in events and "priority" in events
        assert "hostname" in text_of(detail.query_one("#detail-request"))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is jobs, what="back to the jobs")
        done = next(k for k in jobs.table.row_keys() if jobs.index.jobs[k].name == "hello")
        jobs.table.move_cursor_to(done)
        await pilot.press("enter")
        detail = app.screen
        await until(pilot, lambda: detail.detail is not None, what="the finished job")
        assert "flux-sample-0" in text_of(detail.query_one("#detail-output"))  # its output: the hostname
        assert not detail.query_one("#detail-why").display


async def test_broker_log_pause_help_and_refresh_now(demo):
    app = make_app(demo, refresh=0.5)
    fetches = Fetches()
    async with app.run_test(size=(120, 30), message_hook=fetches) as pilot:
        clusters = app.screen
        await until(pilot, lambda: clusters.summaries, what="the list")
        await pilot.press("l")
        log = app.screen
        assert isinstance(log, BrokerLogScreen)
        await until(pilot, lambda: log.lines_seen >= 2, what="log lines")
        assert "Running in interactive mode" in "\n".join(log.query_one("#broker-log").lines)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is clusters, what="back")

        await pilot.press("space")
        assert app.paused and clusters.freshness.paused
        count = fetches.count
        await pilot.pause(1.5)
        assert fetches.count == count  # no fetch while paused
        assert "PAUSED" in text_of(clusters.freshness)
        await pilot.press("space")
        await until(pilot, lambda: fetches.count > count, what="refresh resumed")

        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = text_of(app.screen.query_one("#help-table"))
        for word in ("Filter", "Pause", "Refresh", "Broker log", "Quit", "command palette"):
            assert word in text
        count = fetches.count
        await pilot.pause(1.5)
        assert fetches.count == count  # no fetch while a modal is open
        await pilot.press("escape")
        assert app.screen is clusters
        count = fetches.count
        await pilot.press("ctrl+r")
        await until(pilot, lambda: fetches.count > count, timeout=2, what="refresh now")


async def test_command_palette_switches_namespace(demo):
    app = make_app(demo)
    async with app.run_test(size=(120, 30)) as pilot:
        clusters = app.screen
        await until(pilot, lambda: clusters.summaries, what="the list")
        await pilot.press("colon")
        await pilot.pause(0.3)
        await pilot.press(*"All namespaces")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(pilot, lambda: app.all_namespaces, what="all namespaces")
        await until(pilot, lambda: "all namespaces" in clusters.sub_title, what="the title to say so")


async def test_sort_filter_and_small_and_large_terminals(demo):
    for size in ((80, 24), (200, 50)):
        app = make_app(demo)
        async with app.run_test(size=size) as pilot:
            jobs = await open_jobs(app, pilot)
            table = jobs.table
            await pilot.press("o")
            assert table.sort_column == "jobid"
            await pilot.press("o", "o")
            assert table.sort_column == "name"
            names = [table.cells(k)[2] for k in table.row_keys()]
            assert names == sorted(names, key=str.lower)
            await pilot.press("O")
            assert table.sort_reverse
            await pilot.press("slash", *"held")
            await pilot.pause()
            assert table.row_count == 1
            await pilot.press("escape")
            assert table.row_count == table.total_count
            await pilot.press("enter")
            await until(pilot, lambda app=app: isinstance(app.screen, JobDetailScreen) and app.screen.detail,
                        what="detail")
            await pilot.press("escape", "escape")
            await until(pilot, lambda app=app: isinstance(app.screen, ClustersScreen), what="back to the list")


async def test_errors_are_visible_and_never_crash(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = tmp_path / "kubeconfig"
    cfg.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "c",
        "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
        "users": [{"name": "u", "user": {}}], "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}]}))
    app = FluxStateApp(Target(kubeconfig=str(cfg)), refresh=0.5)
    fetches = Fetches()
    async with app.run_test(size=(100, 24), message_hook=fetches) as pilot:
        clusters = app.screen
        await until(pilot, lambda: fetches.count >= 2, what="two failed fetches")
        assert "cannot list MiniClusters" in text_of(clusters.query_one("#mc-empty"))
        assert clusters.freshness.stale and "cannot reach" in clusters.freshness.error
    assert app.return_code in (None, 0)


async def test_stale_data_is_kept_and_marked_then_recovers(tmp_path):
    demo = EmbeddedDemo(speed=5, data_dir=tmp_path / "demo").start()
    app = make_app(demo)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            clusters = app.screen
            await until(pilot, lambda: clusters.summaries, what="the list")
            kube = await app.client()
            real_server = kube.api.configuration.host
            kube.api.configuration.host = "http://127.0.0.1:9"  # the cluster goes away
            await until(pilot, lambda: clusters.freshness.stale, what="stale marker")
            assert clusters.query_one("#mc-table").row_count == 1  # the last data stays on screen
            assert "STALE" in text_of(clusters.freshness)
            kube.api.configuration.host = real_server  # and comes back
            await until(pilot, lambda: not clusters.freshness.stale, what="recovery")
    finally:
        demo.stop()


async def test_read_only_is_shown(demo):
    app = make_app(demo, read_only=True)
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause(0.2)
        assert "read-only" in app.screen.sub_title


STREAMED = ("short", "long", "wide")  # names only the demo's stream of jobs gives (demo/load.py)


async def test_the_palette_turns_the_demos_stream_of_jobs_on_and_off():
    """For a presenter who started `--demo` without `--load`: the queue comes alive from the palette."""
    demo = EmbeddedDemo(speed=10).start()
    try:
        app = FluxStateApp(Target(kubeconfig=str(demo.kubeconfig)), refresh=0.5, demo=demo)
        async with app.run_test(size=(120, 30)) as pilot:
            jobs = await open_jobs(app, pilot)
            for title, rate in (("Demo: stream jobs", 1.0), ("Demo: stop the stream", None)):
                await pilot.press("colon")
                await pilot.pause(0.3)
                await pilot.press(*title)
                await pilot.pause(0.5)
                await pilot.press("enter")
                await until(pilot, lambda rate=rate: demo.load == rate, what=f"the stream at {rate}")
                if rate:
                    await until(pilot, lambda: any(j.name in STREAMED for j in jobs.index.jobs.values()),
                                timeout=30, what="a streamed job in the table")
    finally:
        demo.stop()
