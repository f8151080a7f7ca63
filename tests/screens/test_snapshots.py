"""SVG snapshots at a fixed size, of screens whose content does not depend on the clock or job ids."""

from __future__ import annotations

from textual.app import App, ComposeResult

from fluxstate_tui.app import FluxStateApp
from fluxstate_tui.kube.client import Target
from fluxstate_tui.widgets.job_table import Column, JobTable

MISSING = "/nonexistent/fluxstate-kubeconfig"


def no_cluster_app() -> FluxStateApp:
    return FluxStateApp(Target(kubeconfig=MISSING), refresh=60)


async def first_fetch(pilot) -> None:
    """The first fetch has failed and its error is shown (its worker is done, its message handled)."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_clusters_screen_without_a_cluster(snap_compare):
    assert snap_compare(no_cluster_app(), terminal_size=(100, 24), run_before=first_fetch)


def test_help_screen(snap_compare):
    async def run_before(pilot) -> None:
        await first_fetch(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(no_cluster_app(), terminal_size=(100, 30), run_before=run_before)


class TableApp(App):
    def compose(self) -> ComposeResult:
        yield JobTable([Column("jobid", "JOBID", align="right", min_width=12), Column("user", "USER", min_width=8),
                        Column("name", "NAME", width=10), Column("st", "ST", width=2, align="right"),
                        Column("time", "TIME", align="right", min_width=8), Column("info", "INFO")])

    def on_mount(self) -> None:
        rows = {
            1: (("ƒ2h71UaT", "root", "hostname", "S", "-", "held"), (0, 0, 1), "held"),
            2: (("ƒ2uKfZHH", "root", "sleep", "R", "0.665s", "vm,vm,vm,vm"), (1, -2.0, 0), "running"),
            3: (("ƒ5tM1jqR", "root", "sh", "F", "0.022s", "vm"), (2, -3.0, -3), "failed"),
            4: (("ƒ2d1oTVH", "root", "sleep", "TO", "1.996s", "vm"), (2, -4.0, -4), "timeout"),
            5: (("ƒ2MgGtQP", "root", "sleep", "CA", "2.218s", "vm"), (2, -5.0, -5), "canceled"),
            6: (("ƒvUV6YP", "root", "hostname", "CD", "0.031s", "vm"), (2, -6.0, -6), "completed"),
        }
        self.query_one(JobTable).set_rows(rows)
        self.query_one(JobTable).focus()


def test_job_table_states(snap_compare):
    assert snap_compare(TableApp(), terminal_size=(70, 10), press=["down"])
