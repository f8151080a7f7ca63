"""The views a MiniCluster opens k9s style (n nodes, d describe, y YAML, s shell) and marking jobs, through
Pilot against the demo cluster."""

from __future__ import annotations

from textual.widgets import DataTable

from fluxstate_tui.kube.client import Target
from fluxstate_tui.screens.clusters import COLUMNS
from fluxstate_tui.screens.describe import DescribeScreen
from fluxstate_tui.screens.jobs import JobsScreen
from fluxstate_tui.screens.nodes import NodesScreen
from fluxstate_tui.screens.views import shell_argv
from fluxstate_tui.widgets.trend import BLOCKS, QueueTrend

from .pilot import make_app, open_jobs, text_of, until

COLUMN_KEYS = [key for _label, key in COLUMNS]


def table_rows(table: DataTable) -> list[list[str]]:
    return [[str(getattr(c, "plain", c)) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_nodes_view_lists_every_rank_with_host_pod_state_cores_and_jobs(demo):
    app = make_app(demo)
    async with app.run_test(size=(140, 40)) as pilot:
        jobs = await open_jobs(app, pilot)
        await pilot.press("n")
        nodes = app.screen
        assert isinstance(nodes, NodesScreen)
        await until(pilot, lambda: nodes.view is not None, what="the nodes")
        rows = table_rows(nodes.query_one(DataTable))
        assert [r[0] for r in rows] == ["0", "1"]
        for rank, host, pod, state, cores, *_ in rows:
            assert host == f"flux-sample-{rank}" and pod.startswith(f"flux-sample-{rank}-")
            assert state == "up" and cores.endswith("/4") and cores.startswith("[")
        # the jobs on the ranks are jobs of this instance that the jobs screen saw (the demo's long sleeps)
        shown = {j for r in nodes.view.rows for j in r.jobs}
        assert shown and shown <= set(jobs.index.jobs)
        assert all(r.cores_used > 0 for r in nodes.view.rows if r.jobs)
        await pilot.press("escape")
        assert app.screen is jobs


async def test_describe_and_yaml_show_the_minicluster_its_pods_and_events(demo):
    app = make_app(demo)
    async with app.run_test(size=(140, 50)) as pilot:
        await open_jobs(app, pilot)
        await pilot.press("d")
        view = app.screen
        assert isinstance(view, DescribeScreen)
        await until(pilot, lambda: view.described is not None, what="the description")
        text = text_of(view.query_one("#describe-body"))
        assert "flux-sample" in text and "Pods" in text and "Events" in text
        assert "flux-sample-0-" in text and "Running" in text
        assert "Started" in text or "Scheduled" in text   # the kubelet's and scheduler's events
        await pilot.press("y")
        text = text_of(view.query_one("#describe-body"))
        assert "apiVersion: flux-framework.org/v1alpha2" in text and "kind: MiniCluster" in text
        assert "managedFields" not in text
        await pilot.press("escape")
        assert isinstance(app.screen, JobsScreen)


async def test_the_queue_trend_grows_with_each_refresh_and_the_list_shows_pending_lately(demo):
    app = make_app(demo)
    async with app.run_test(size=(140, 40)) as pilot:
        clusters = app.screen
        await until(pilot, lambda: len(clusters.pending_lately.get("default/flux-sample", [])) >= 2,
                    what="two refreshes of the list")
        row = table_rows(clusters.query_one(DataTable))[0]
        assert set(row[COLUMN_KEYS.index("trend")]) <= set(BLOCKS) and row[COLUMN_KEYS.index("trend")]
        jobs = await open_jobs(app, pilot)
        trend = jobs.query_one(QueueTrend)
        await until(pilot, lambda: len(trend.pending) >= 3, what="three points")
        assert list(trend.pending)[-1] == jobs.snapshot.stats.pending
        assert list(trend.running)[-1] == jobs.snapshot.stats.running


async def test_marks_are_counted_in_the_header_and_esc_clears_them_first(demo):
    app = make_app(demo)
    async with app.run_test(size=(140, 40)) as pilot:
        jobs = await open_jobs(app, pilot)
        await pilot.press("space", "down", "v")
        await until(pilot, lambda: "2 marked" in jobs.sub_title, what="the count")
        assert len(jobs.table.marked) == 2
        await pilot.press("escape")
        await until(pilot, lambda: "marked" not in jobs.sub_title, what="the marks cleared")
        assert app.screen is jobs and not jobs.table.marked
        await pilot.press("p")       # space marks in the table; p pauses the refresh
        assert app.paused


def test_the_shell_key_runs_kubectl_exec_on_the_apps_cluster_without_a_shell():
    argv = shell_argv("/usr/bin/kubectl", Target(kubeconfig="/tmp/k c"), "ctx;rm", "ns", "flux-sample-0-abcde",
                      "flux-sample")
    assert argv == ["/usr/bin/kubectl", "--kubeconfig", "/tmp/k c", "--context", "ctx;rm", "-n", "ns", "exec", "-it",
                    "flux-sample-0-abcde", "-c", "flux-sample", "--", "/bin/bash"]


async def test_the_palette_offers_every_key_of_the_jobs_screen(demo):
    app = make_app(demo)
    async with app.run_test(size=(140, 40)) as pilot:
        jobs = await open_jobs(app, pilot)
        titles = [c.title for c in app.get_system_commands(jobs)]
        for title in ("Cancel job (^d)", "Hold (h)", "Release (r)", "Urgency (u)", "Kill (^k)", "Submit (+)",
                      "Enable/disable (E)", "Nodes (n)", "Describe (d)", "YAML (y)"):
            assert title in titles, (title, titles)
