"""Issue 17: reopening the jobs screen must not keep the screens it left, nor their jobs.

Each visit of a 100,000-job queue used to stay in memory (291 → 801 MiB over 8 visits): the timeouts a
fetch schedules sit cancelled in the event loop until they would have fired, and each held the
worker's context, which names the worker and its screen. Counted here with the collector rather than
RSS, so the bound does not depend on the machine or on what the demo does meanwhile.
"""

from __future__ import annotations

import gc

from fluxstate_tui.flux.model import Job
from fluxstate_tui.screens.clusters import ClustersScreen
from fluxstate_tui.screens.jobs import JobsScreen

from .pilot import make_app, until

DEMO = {"speed": 10, "seed_jobs": 2000}
VISITS = 5


def alive(kind: type) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, kind))


async def test_reopening_the_jobs_screen_keeps_nothing_of_the_last_visit(demo):
    app = make_app(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        clusters = app.screen
        assert isinstance(clusters, ClustersScreen)
        await until(pilot, lambda: "default/flux-sample" in clusters.summaries
                    and clusters.summaries["default/flux-sample"].snapshot is not None, what="flux-sample listed")
        jobs_before = alive(Job)
        for visit in range(VISITS):
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen.table.total_count >= 2000,
                        timeout=60, what="the seeded jobs")
            await pilot.pause(0.6)  # a refresh or two past the first: incremental fetches too
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is clusters, what="back to the list")
            await pilot.pause(0.2)
            # The screen just popped may still be in the middle of being removed; none before it may remain.
            assert alive(JobsScreen) <= 1, f"visit {visit + 1}: popped jobs screens kept"
            assert alive(Job) <= jobs_before + 100, f"visit {visit + 1}: the jobs of popped screens kept"
