"""SVG snapshots of the live screens, from the real app on the deterministic demo (`frozen=True`).

The demo's pods read a clock standing still at a fixed instant, its pod names and seeded history
come from a fixed seed, and its jobs are a scene nothing changes (running jobs that sleep forever,
jobs waiting behind them, a held one): every run shows the same ids, names, counts and times.
What stays local is the app's own: the freshness line ("just now" only under a second after a
refresh, so each shot is taken right after one) and the eventlog's first stamp in local time (UTC
here).
"""

from __future__ import annotations

import time

import pytest

from fluxstate_tui.screens.broker_log import BrokerLogScreen
from fluxstate_tui.screens.job_detail import JobDetailScreen
from fluxstate_tui.screens.jobs import JobsScreen

from .pilot import make_app, until

DEMO = {"speed": 25, "frozen": True, "seed_jobs": 16}
SIZE = (120, 34)
JOBS = 16 + 5  # the seeded history, two running, three waiting
BROKER_LOG_LINES = 3  # what the broker pod printed while starting; nothing since


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(scope="module")
def still(demo):
    return demo.wait_seeded()


def still_app(still):
    # No timed refresh during a shot: each run_before refreshes once, right before it (see `fresh`).
    return make_app(still, refresh=600)


async def fresh(pilot) -> None:
    """Refresh the screen on top and wait for its data, so the shot says "updated just now"."""
    screen = pilot.app.screen
    before = screen.freshness.updated_at
    screen.action_refresh_now()
    await until(pilot, lambda: screen.freshness.updated_at != before, what="a refresh")
    await pilot.pause()


async def clusters_listed(pilot) -> None:
    clusters = pilot.app.screen
    await until(pilot, lambda: (s := clusters.summaries.get("default/flux-sample")) and s.snapshot,
                what="flux-sample listed")


async def jobs_shown(pilot) -> JobsScreen:
    await clusters_listed(pilot)
    await pilot.press("enter")
    jobs = pilot.app.screen
    assert isinstance(jobs, JobsScreen)
    await until(pilot, lambda: jobs.table.total_count == JOBS, what="every job of the scene")
    return jobs


async def detail_of(pilot, pick) -> None:
    """Open the job detail of the first job `pick` accepts and wait for its eventlog."""
    jobs = await jobs_shown(pilot)
    key = next(k for k in jobs.table.row_keys() if pick(jobs.index.jobs[k]))
    jobs.table.move_cursor_to(key)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, JobDetailScreen) and pilot.app.screen.detail,
                what="the job detail")
    await fresh(pilot)


def test_miniclusters_screen(snap_compare, still):
    async def run_before(pilot) -> None:
        await clusters_listed(pilot)
        await fresh(pilot)

    assert snap_compare(still_app(still), terminal_size=SIZE, run_before=run_before)


def test_jobs_screen(snap_compare, still):
    async def run_before(pilot) -> None:
        await jobs_shown(pilot)
        await fresh(pilot)

    assert snap_compare(still_app(still), terminal_size=SIZE, run_before=run_before)


def test_job_detail_of_a_failed_job(snap_compare, still):
    async def run_before(pilot) -> None:
        await detail_of(pilot, lambda job: job.result == "FAILED")

    assert snap_compare(still_app(still), terminal_size=SIZE, run_before=run_before)


def test_job_detail_of_a_pending_job(snap_compare, still):
    async def run_before(pilot) -> None:
        await detail_of(pilot, lambda job: job.name == "big-run")

    assert snap_compare(still_app(still), terminal_size=SIZE, run_before=run_before)


def test_broker_log(snap_compare, still):
    async def run_before(pilot) -> None:
        await clusters_listed(pilot)
        await pilot.press("l")
        log = pilot.app.screen
        assert isinstance(log, BrokerLogScreen)
        await until(pilot, lambda: log.lines_seen == BROKER_LOG_LINES, what="the broker's log")

    assert snap_compare(still_app(still), terminal_size=SIZE, run_before=run_before)
